/*
 * critest: the commands that drive the CRI suite's containerd (crictl,
 * ctr, runc) and the states its tests wait for. See critest.h for the
 * API; crid.c starts containerd and cleans up.
 *
 * Owns the run's one struct cri_run (crirun.h). Never blocks without a
 * deadline: every command is killed, its whole process group, when its
 * time is up, and every wait fails the test when its time is up.
 */
#define _GNU_SOURCE
#include "crirun.h"

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

#define CRICTL_TIMEOUT "20s"

static struct cri_run run;

struct cri_run *cri_run(void)
{
	return &run;
}

const char *cri_dir(void)
{
	return run.dir;
}

const char *cri_cgroup_parent(void)
{
	return run.cgroup_parent;
}

long long cri_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cri_poll_interval(void)
{
	(void)poll(NULL, 0, 20);
}

/* ---- running a command ---------------------------------------------------- */

static void close_quietly(int fd)
{
	if (fd >= 0)
		(void)close(fd); /* a pipe end: nothing to do if it fails */
}

/* In the forked child: stdin /dev/null, stdout and stderr to their pipes,
 * its own process group (killed whole on timeout), dead with its parent. */
static _Noreturn void child_exec(pid_t parent, char *const argv[], int out_fd, int err_fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	(void)setpgid(0, 0); /* the parent does it too; one of them wins */
	int null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	_exit(127);
}

/* Append what fd has to buf (NUL-terminated, the excess read and
 * dropped); false at EOF or on an error. */
static bool drain(int fd, char *buf, size_t size)
{
	char chunk[4096];
	ssize_t got = read(fd, chunk, sizeof chunk);
	if (got < 0 && errno == EINTR)
		return true;
	if (got <= 0)
		return false;
	size_t len = strlen(buf);
	size_t take = (size_t)got < size - 1 - len ? (size_t)got : size - 1 - len;
	memcpy(buf + len, chunk, take);
	buf[len + take] = '\0';
	return true;
}

int cri_capture(char *const argv[], struct cri_out *o, int timeout_ms)
{
	o->out[0] = o->err[0] = '\0';
	o->code = -1;
	int out_fds[2], err_fds[2];
	if (pipe2(out_fds, O_CLOEXEC) < 0) {
		snprintf(o->err, sizeof o->err, "pipe2: %s", strerror(errno));
		return -1;
	}
	if (pipe2(err_fds, O_CLOEXEC) < 0) {
		snprintf(o->err, sizeof o->err, "pipe2: %s", strerror(errno));
		close_quietly(out_fds[0]);
		close_quietly(out_fds[1]);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(parent, argv, out_fds[1], err_fds[1]);
	int fork_errno = errno;
	close_quietly(out_fds[1]);
	close_quietly(err_fds[1]);
	if (pid < 0) {
		close_quietly(out_fds[0]);
		close_quietly(err_fds[0]);
		snprintf(o->err, sizeof o->err, "fork: %s", strerror(fork_errno));
		return -1;
	}
	(void)setpgid(pid, pid);
	struct pollfd p[2] = { { .fd = out_fds[0], .events = POLLIN },
			       { .fd = err_fds[0], .events = POLLIN } };
	long long deadline = cri_clock_ms() + timeout_ms;
	bool in_time = true;
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long long left = deadline - cri_clock_ms();
		if (left <= 0) {
			in_time = false;
			break;
		}
		if (poll(p, 2, (int)left) <= 0)
			continue; /* EINTR or nothing yet: the deadline decides */
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			bool more = i == 0 ? drain(p[i].fd, o->out, sizeof o->out)
					   : drain(p[i].fd, o->err, sizeof o->err);
			if (!more) {
				close_quietly(p[i].fd);
				p[i].fd = -1; /* poll ignores it */
			}
		}
	}
	close_quietly(p[0].fd);
	close_quietly(p[1].fd);
	if (!in_time)
		(void)kill(-pid, SIGKILL);
	int status;
	pid_t got;
	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	if (!in_time || got != pid) {
		size_t used = strlen(o->err);
		snprintf(o->err + used, sizeof o->err - used, "\n[%s after %d ms]",
			 in_time ? "lost" : "killed", timeout_ms);
		return -1;
	}
	o->code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	return o->code;
}

/* argv = the fixed words, then the NULL-terminated list ap; false if it
 * does not fit. */
static bool build_cmd(char **argv, size_t size, char *const *fixed, va_list ap)
{
	size_t n = 0;
	for (; fixed[n] != NULL; n++)
		argv[n] = fixed[n];
	for (char *arg = va_arg(ap, char *); arg != NULL; arg = va_arg(ap, char *)) {
		if (n + 1 >= size)
			return false;
		argv[n++] = arg;
	}
	argv[n] = NULL;
	return true;
}

static int run_checked(struct cri_out *o, char *const *fixed, va_list ap)
{
	char *argv[64];
	ck_assert_msg(build_cmd(argv, 64, fixed, ap), "%s: command line too long", fixed[0]);
	size_t n = 0;
	while (fixed[n] != NULL)
		n++;
	int code = cri_capture(argv, o, CRI_CMD_MS);
	ck_assert_msg(code >= 0, "%s %s: %s", fixed[0], argv[n] != NULL ? argv[n] : "", o->err);
	return code;
}

#define CRICTL_FIXED                                                                     \
	{ run.prog.crictl, "--config", run.crictl_conf, "--runtime-endpoint", run.endpoint,          \
	  "--image-endpoint", run.endpoint, "--timeout", CRICTL_TIMEOUT, NULL }
#define CRICTL_NFIXED 9 /* words in CRICTL_FIXED */
size_t cri_crictl_words(char **argv)
{
	char *fixed[] = CRICTL_FIXED;
	for (size_t i = 0; i < CRICTL_NFIXED; i++)
		argv[i] = fixed[i];
	return CRICTL_NFIXED;
}

#define CTR_FIXED { run.prog.ctr, "--address", run.sock, "--namespace", "k8s.io", NULL }
#define RUNC_FIXED { run.prog.runc, "--root", run.runc_root, NULL }

int crictl(struct cri_out *o, ...)
{
	char *fixed[] = CRICTL_FIXED;
	va_list ap;
	va_start(ap, o);
	int code = run_checked(o, fixed, ap);
	va_end(ap);
	return code;
}

int ctr(struct cri_out *o, ...)
{
	char *fixed[] = CTR_FIXED;
	va_list ap;
	va_start(ap, o);
	int code = run_checked(o, fixed, ap);
	va_end(ap);
	return code;
}

int runc(struct cri_out *o, ...)
{
	char *fixed[] = RUNC_FIXED;
	va_list ap;
	va_start(ap, o);
	int code = run_checked(o, fixed, ap);
	va_end(ap);
	return code;
}

const char *crictl_ok(struct cri_out *o, ...)
{
	char *fixed[] = CRICTL_FIXED;
	va_list ap;
	va_start(ap, o);
	char *argv[64];
	bool fits = build_cmd(argv, 64, fixed, ap);
	va_end(ap);
	ck_assert_msg(fits, "crictl: command line too long");
	const char *verb = argv[CRICTL_NFIXED] != NULL ? argv[CRICTL_NFIXED] : "";
	const char *arg = verb[0] != '\0' && argv[CRICTL_NFIXED + 1] != NULL ? argv[CRICTL_NFIXED + 1] : "";
	int code = cri_capture(argv, o, CRI_CMD_MS);
	ck_assert_msg(code == 0, "crictl %s %s: exit %d: %s%s", verb, arg, code, o->out, o->err);
	o->out[strcspn(o->out, "\n")] = '\0';
	return o->out;
}

/* ---- what the tests wait for ----------------------------------------------- */

void cri_read_file(const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t len = 0;
	while (len < size - 1) {
		ssize_t got = read(fd, buf + len, size - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	(void)close(fd); /* read-only */
}

/* Does text, a CRI log ("TIME STREAM TAG TEXT" lines), hold a line whose
 * TEXT starts with want? */
static bool has_log_text(const char *text, const char *want)
{
	size_t wlen = strlen(want);
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		const char *field = line;
		for (int i = 0; i < 3 && field != NULL; i++) {
			field = memchr(field, ' ', (size_t)(line + len - field));
			field = field != NULL ? field + 1 : NULL;
		}
		if (field != NULL && (size_t)(line + len - field) >= wlen &&
		    strncmp(field, want, wlen) == 0)
			return true;
		line += len;
		line += *line == '\n';
	}
	return false;
}

void cri_await_line(const char *path, const char *want, int timeout_ms)
{
	static char text[65536];
	long long deadline = cri_clock_ms() + timeout_ms;
	for (;;) {
		cri_read_file(path, text, sizeof text);
		if (has_log_text(text, want))
			return;
		ck_assert_msg(cri_clock_ms() < deadline, "no line \"%s...\" in %s after %d ms: %s",
			      want, path, timeout_ms, text);
		cri_poll_interval();
	}
}

int cri_mounts_under(char *text, char **found, int max)
{
	int n = 0;
	size_t dlen = strlen(run.dir);
	char *save;
	for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field. */
		char *field = line;
		for (int i = 0; i < 4 && field != NULL; i++) {
			field = strchr(field, ' ');
			field = field != NULL ? field + 1 : NULL;
		}
		if (field == NULL || strncmp(field, run.dir, dlen) != 0 || field[dlen] != '/')
			continue;
		field[strcspn(field, " ")] = '\0';
		found[n++] = field;
	}
	return n;
}

int cri_leftover_mounts(char *buf, size_t size)
{
	static char info[1 << 18];
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)run.containerd_pid);
	cri_read_file(path, info, sizeof info);
	ck_assert_msg(info[0] != '\0', "cannot read %s", path);
	char *found[64];
	int n = cri_mounts_under(info, found, 64);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s", i > 0 ? " " : "", found[i]);
	}
	return n;
}

int cri_await_task_exit(const char *id, int timeout_ms)
{
	/* containerd's debug log, one line per exit the CRI plugin handles:
	 * "received exit event &TaskExit{ContainerID:ID,...,ExitStatus:N,". */
	static char text[1 << 20];
	char key[160];
	snprintf(key, sizeof key, "received exit event &TaskExit{ContainerID:%s,", id);
	long long deadline = cri_clock_ms() + timeout_ms;
	for (;;) {
		cri_read_file(run.containerd_log, text, sizeof text);
		const char *at = strstr(text, key);
		const char *status = at != NULL ? strstr(at, "ExitStatus:") : NULL;
		if (status != NULL) {
			char *end;
			long v = strtol(status + strlen("ExitStatus:"), &end, 10);
			ck_assert_msg(*end == ',' && v >= 0 && v <= 255, "odd exit event: %.200s",
				      at);
			return (int)v;
		}
		ck_assert_msg(cri_clock_ms() < deadline,
			      "containerd's log has no exit of %s after %d ms", id, timeout_ms);
		cri_poll_interval();
	}
}

/* The image id the CRI plugin gives ref, into buf ("" if none). */
static void image_id(const char *ref, char *buf, size_t size)
{
	struct cri_out o;
	buf[0] = '\0';
	if (crictl(&o, "inspecti", "-o", "go-template", "--template", "{{.status.id}}", ref,
		   NULL) == 0)
		snprintf(buf, size, "%.*s", (int)strcspn(o.out, "\n"), o.out);
}

void cri_use_sandbox(const char *image)
{
	struct cri_out o;
	ck_assert_msg(ctr(&o, "images", "tag", "--force", image, CRI_IMAGE_SANDBOX, NULL) == 0,
		      "ctr images tag %s %s: %s%s", image, CRI_IMAGE_SANDBOX, o.out, o.err);
	char want[128], have[128];
	image_id(image, want, sizeof want);
	ck_assert_msg(want[0] != '\0', "the CRI plugin does not know %s", image);
	long long deadline = cri_clock_ms() + CRI_WAIT_MS;
	for (;;) {
		image_id(CRI_IMAGE_SANDBOX, have, sizeof have);
		if (strcmp(have, want) == 0)
			return;
		ck_assert_msg(cri_clock_ms() < deadline, "%s is %s, not %s (%s), after %d ms",
			      CRI_IMAGE_SANDBOX, have, image, want, CRI_WAIT_MS);
		cri_poll_interval();
	}
}
