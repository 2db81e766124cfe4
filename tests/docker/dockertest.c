/*
 * dockertest: runs docker for the end-to-end suites, builds their image
 * and removes everything they create. See dockertest.h for the API.
 *
 * Owns the run's identity (the runner's pid in every name, tag and label)
 * and the docker program's path, both fixed in docker_suite() before Check
 * forks any test. Must never leave a container, volume or image behind,
 * and never block without a deadline: every command is killed (its whole
 * process group) when its time is up. The clean-up paths never fail a
 * test, since they also run from the teardown and from atexit.
 */
#define _GNU_SOURCE
#include "dockertest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REAPER_DOCKER_CONTEXT
#error "REAPER_DOCKER_CONTEXT: the staged build context (the Makefile defines it)"
#endif

#define PROBE_MS 30000
#define BUILD_MS 300000
#define LABEL_KEY "reaper.e2e"
#define NAME_PREFIX "reaper-e2e"

static char docker_bin[4096];
static char run_tag[64];  /* reaper-e2e-<pid>: container and volume names */
static char image[64];    /* reaper-e2e:<pid> */
static char label[96];    /* reaper.e2e=reaper-e2e-<pid> */
static pid_t suite_pid;   /* the runner: only it cleans up */
static bool image_built;
static char image_error[2048];

const char *docker_image(void)
{
	return image;
}

const char *docker_label(void)
{
	return label;
}

const char *docker_path(void)
{
	return docker_bin;
}

void docker_object_name(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s-%s", run_tag, name);
}

static long long clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- running a command ---------------------------------------------------- */

static void close_quietly(int fd)
{
	if (fd >= 0)
		(void)close(fd); /* a pipe end: nothing to do if it fails */
}

/* In the forked child: stdin /dev/null, stdout and stderr to out_fd, its
 * own process group (killed whole on timeout), dead with the test. */
static _Noreturn void child_exec(pid_t parent, char *const argv[], int out_fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	(void)setpgid(0, 0); /* the parent does it too; one of them wins */
	int null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(out_fd, STDERR_FILENO) < 0)
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	_exit(127);
}

/* Read fd into out until EOF or the deadline; false on the deadline. */
static bool read_until(int fd, char *out, size_t size, long long deadline)
{
	size_t len = strlen(out);
	for (;;) {
		long long left = deadline - clock_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = poll(&p, 1, (int)left);
		if (ready <= 0)
			continue; /* EINTR or nothing yet: the deadline decides */
		char buf[4096];
		ssize_t got = read(fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return true; /* EOF: the command and all that shared its pipe */
		size_t take = (size_t)got < size - 1 - len ? (size_t)got : size - 1 - len;
		memcpy(out + len, buf, take);
		len += take;
		out[len] = '\0';
	}
}

/*
 * Run argv with stdout and stderr together into out within timeout_ms,
 * then SIGKILL its process group if it is still there. Returns the exit
 * code, 128+S when killed by S, or -1 if it could not start or ran out of
 * time (out then ends saying so). Never fails the test.
 */
static int run_capture(char *const argv[], char *out, size_t size, int timeout_ms)
{
	out[0] = '\0';
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(out, size, "pipe2: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(parent, argv, fds[1]);
	int fork_errno = errno;
	close_quietly(fds[1]);
	if (pid < 0) {
		close_quietly(fds[0]);
		snprintf(out, size, "fork: %s", strerror(fork_errno));
		return -1;
	}
	(void)setpgid(pid, pid);
	bool in_time = read_until(fds[0], out, size, clock_ms() + timeout_ms);
	close_quietly(fds[0]);
	if (!in_time)
		(void)kill(-pid, SIGKILL);
	int status;
	pid_t got;
	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	if (!in_time || got != pid) {
		size_t used = strlen(out);
		snprintf(out + used, size - used, "\n[%s after %d ms]",
			 in_time ? "lost" : "killed", timeout_ms);
		return -1;
	}
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int docker_capture(const struct docker_cmd *c, char *out, size_t size, int timeout_ms)
{
	int code = run_capture(c->argv, out, size, timeout_ms);
	ck_assert_msg(code >= 0, "docker %s: %s", c->argc > 1 ? c->argv[1] : "", out);
	return code;
}

void docker_expect_ok(const struct docker_cmd *c)
{
	char out[8192];
	int code = docker_capture(c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 0, "docker %s %s: exit %d: %s", c->argv[1],
		      c->argc > 2 ? c->argv[2] : "", code, out);
}

/* ---- building command lines --------------------------------------------- */

static void cmd_add_list(struct docker_cmd *c, va_list ap)
{
	for (char *arg = va_arg(ap, char *); arg != NULL; arg = va_arg(ap, char *)) {
		ck_assert_msg(c->argc < (int)(sizeof c->argv / sizeof c->argv[0]) - 1,
			      "docker command line too long");
		c->argv[c->argc++] = arg;
	}
	c->argv[c->argc] = NULL;
}

void docker_cmd_add(struct docker_cmd *c, ...)
{
	va_list ap;
	va_start(ap, c);
	cmd_add_list(c, ap);
	va_end(ap);
}

void docker_cmd(struct docker_cmd *c, ...)
{
	memset(c, 0, sizeof *c);
	c->argv[c->argc++] = docker_bin;
	va_list ap;
	va_start(ap, c);
	cmd_add_list(c, ap);
	va_end(ap);
}

void docker_cmd_run(struct docker_cmd *c, const char *name, ...)
{
	docker_cmd(c, "run", "--rm", NULL);
	docker_object_name(name, c->name, sizeof c->name);
	docker_cmd_add(c, "--name", c->name, "--label", label, NULL);
	va_list ap;
	va_start(ap, name);
	cmd_add_list(c, ap);
	va_end(ap);
}

/* ---- clean-up -------------------------------------------------------------- */

/* The pid in a name "reaper-e2e-<pid>..." or "reaper-e2e:<pid>", or 0. */
static pid_t name_pid(const char *name)
{
	size_t plen = strlen(NAME_PREFIX);
	if (strncmp(name, NAME_PREFIX, plen) != 0 || (name[plen] != '-' && name[plen] != ':'))
		return 0;
	const char *digits = name + plen + 1;
	char *end;
	errno = 0;
	long v = strtol(digits, &end, 10);
	if (errno != 0 || end == digits || v <= 0 || v > 0x3fffffff)
		return 0;
	return (pid_t)v;
}

/* Is pid an end-to-end suite that still runs (its things are its own)?
 * A zombie does not: a killed runner whose parent has not reaped it yet. */
static bool runner_alive(pid_t pid)
{
	if (pid == suite_pid)
		return true;
	char path[64], stat[256] = "";
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	bool read_ok = fgets(stat, sizeof stat, f) != NULL;
	(void)fclose(f); /* read-only */
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses. */
	const char *comm = strchr(stat, '(');
	const char *end = strrchr(stat, ')');
	if (!read_ok || comm == NULL || end == NULL || end[1] != ' ')
		return false;
	return strncmp(comm + 1, "check_docker", 12) == 0 && end[2] != 'Z' && end[2] != 'X';
}

/* Remove each object that `LIST` prints (one name per line) and that is
 * this run's (mine) or a dead run's (!mine), with `RM... NAME`. */
static void remove_listed(char *const list[], char *const rm[], int rm_n, bool mine)
{
	static char out[65536]; /* the runner only: no test runs this */
	if (run_capture(list, out, sizeof out, DOCKER_CMD_MS) != 0)
		return;
	for (char *name = strtok(out, "\n"); name != NULL; name = strtok(NULL, "\n")) {
		pid_t owner = name_pid(name);
		if (owner == 0 || (mine ? owner != suite_pid : runner_alive(owner)))
			continue;
		char *argv[8];
		for (int i = 0; i < rm_n; i++)
			argv[i] = rm[i];
		argv[rm_n] = name;
		argv[rm_n + 1] = NULL;
		char why[4096];
		if (run_capture(argv, why, sizeof why, DOCKER_CMD_MS) != 0)
			fprintf(stderr, "dockertest: could not remove %s: %s\n", name, why);
	}
}

static void remove_containers_and_volumes(bool mine)
{
	char filter[] = "label=" LABEL_KEY;
	char *ps[] = { docker_bin, "ps", "-a", "--filter", filter, "--format", "{{.Names}}", NULL };
	char *rm[] = { docker_bin, "rm", "-f", "-v" };
	remove_listed(ps, rm, 4, mine);
	char *vols[] = { docker_bin, "volume", "ls", "--filter", filter, "--format", "{{.Name}}",
			 NULL };
	char *vrm[] = { docker_bin, "volume", "rm", "-f" };
	remove_listed(vols, vrm, 4, mine);
}

static void remove_images(bool mine)
{
	char *images[] = { docker_bin, "images", NAME_PREFIX, "--format",
			   "{{.Repository}}:{{.Tag}}", NULL };
	char *rmi[] = { docker_bin, "image", "rm", "-f" };
	remove_listed(images, rmi, 4, mine);
}

static void cleanup_at_exit(void)
{
	if (getpid() != suite_pid) /* forked tests inherit the atexit entry */
		return;
	remove_containers_and_volumes(true);
	remove_images(true);
}

/* ---- fixtures: unchecked, so they run in the runner ------------------------ */

static void build_image(void)
{
	static char out[65536];
	remove_containers_and_volumes(false);
	remove_images(false);
	char *argv[] = { docker_bin, "build", "-q", "--label", label, "-t", image,
			 REAPER_DOCKER_CONTEXT, NULL };
	int code = run_capture(argv, out, sizeof out, BUILD_MS);
	if (code == 0) {
		image_built = true;
		return;
	}
	snprintf(image_error, sizeof image_error,
		 "docker build %s (staged by `make docker-context`) failed (%d): %.1500s",
		 REAPER_DOCKER_CONTEXT, code, out);
}

static void setup(void)
{
	static bool tried;
	if (!tried) {
		tried = true;
		build_image();
	}
	ck_assert_msg(image_built, "%s", image_error);
}

static void teardown(void)
{
	remove_containers_and_volumes(true);
}

TCase *docker_tcase(const char *name, int timeout_s)
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

/* ---- the suite ----------------------------------------------------------- */

/* docker in PATH (REAPER_DOCKER overrides), into docker_bin; or false. */
static bool find_docker(void)
{
	const char *name = getenv("REAPER_DOCKER");
	if (name == NULL || *name == '\0')
		name = "docker";
	if (strchr(name, '/') != NULL) {
		snprintf(docker_bin, sizeof docker_bin, "%s", name);
		return access(docker_bin, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path != '\0') {
		size_t len = strcspn(path, ":");
		int n = snprintf(docker_bin, sizeof docker_bin, "%.*s/%s", (int)len, path, name);
		if (n > 0 && (size_t)n < sizeof docker_bin && access(docker_bin, X_OK) == 0)
			return true;
		path += len;
		path += *path == ':';
	}
	return false;
}

static _Noreturn void skip(const char *why)
{
	printf("docker: skipped: %s\n", why);
	exit(EXIT_SUCCESS);
}

Suite *docker_suite(const char *name)
{
	if (!find_docker())
		skip("no docker command in PATH");
	static char out[8192];
	char *info[] = { docker_bin, "info", NULL };
	if (run_capture(info, out, sizeof out, PROBE_MS) != 0)
		skip("no engine answers (docker info failed)");
	suite_pid = getpid();
	snprintf(run_tag, sizeof run_tag, NAME_PREFIX "-%d", (int)suite_pid);
	snprintf(image, sizeof image, NAME_PREFIX ":%d", (int)suite_pid);
	snprintf(label, sizeof label, LABEL_KEY "=%s", run_tag);
	if (atexit(cleanup_at_exit) != 0) {
		printf("dockertest: atexit failed: containers would be left behind\n");
		exit(EXIT_FAILURE);
	}
	return suite_create(name);
}

/* ---- reading output ------------------------------------------------------ */

bool text_value(const char *text, const char *key, char *value, size_t size)
{
	size_t klen = strlen(key);
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\r\n");
		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			size_t vlen = len - klen - 1 < size - 1 ? len - klen - 1 : size - 1;
			memcpy(value, line + klen + 1, vlen);
			value[vlen] = '\0';
			return true;
		}
		line += len;
		line += strspn(line, "\r\n");
	}
	return false;
}

bool text_has_line(const char *text, const char *want)
{
	size_t wlen = strlen(want);
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\r\n");
		if (len == wlen && strncmp(line, want, wlen) == 0)
			return true;
		line += len;
		line += strspn(line, "\r\n");
	}
	return false;
}
