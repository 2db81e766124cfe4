/*
 * critest: the private containerd of the CRI suite and the commands that
 * drive it. See critest.h for the API.
 *
 * Owns the run's directory, containerd's pid and the paths of the
 * programs, all fixed in cri_suite() before Check forks a test. Must never
 * touch the machine's containerd (its socket, /run/containerd, its config)
 * nor end a process it did not start: containerd by its pid, the shims as
 * children of the runner (a subreaper), never by name. Never blocks
 * without a deadline. The clean-up paths never fail a test: they also run
 * from teardowns and atexit.
 */
#define _GNU_SOURCE
#include "critest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REAPER_DOCKER_CONTEXT
#error "REAPER_DOCKER_CONTEXT: the staged build context (the Makefile defines it)"
#endif
#ifndef REAPER_SOURCE_DIR
#error "REAPER_SOURCE_DIR: the repository (the Makefile defines it)"
#endif
#ifndef REAPER_BUILD_DIR
#error "REAPER_BUILD_DIR: the build directory (the Makefile defines it)"
#endif

#define START_MS 30000   /* containerd and its CRI plugin answering */
#define STOP_MS 10000    /* containerd gone after TERM; shims after their pods */
#define CRICTL_TIMEOUT "20s"
#define CRI_LOAD_FAILED "failed to load plugin io.containerd.grpc.v1.cri"

static char dir[64];            /* /tmp/reaper-cri-XXXXXX */
static char sock[128];          /* DIR/containerd.sock */
static char endpoint[160];      /* unix://SOCK */
static char runc_root[128];     /* DIR/runc/k8s.io: runc's root in our namespace */
static char crictl_conf[128];   /* DIR/crictl.yaml, empty: no /etc/crictl.yaml */
static char cgroup_parent[64];  /* /reaper-cri-<pid> */
static char containerd_log[128];
static char prog_containerd[4096], prog_ctr[4096], prog_runc[4096], prog_crictl[4096],
	prog_unshare[4096];
static pid_t suite_pid;
static pid_t containerd_pid;

const char *cri_dir(void)
{
	return dir;
}

const char *cri_cgroup_parent(void)
{
	return cgroup_parent;
}

long long cri_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Between two looks at a state nothing announces (a file, a command's
 * answer): the deadline, not this, decides when to give up. */
static void poll_interval(void)
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

/*
 * Run argv into o within timeout_ms, then SIGKILL its process group if it
 * is still there. Returns o->code, or -1 if it could not start or ran out
 * of time (o->err then ends saying so). Never fails the test.
 */
static int run_capture(char *const argv[], struct cri_out *o, int timeout_ms)
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
	int code = run_capture(argv, o, CRI_CMD_MS);
	ck_assert_msg(code >= 0, "%s %s: %s", fixed[0], argv[n] != NULL ? argv[n] : "", o->err);
	return code;
}

#define CRICTL_FIXED                                                                     \
	{ prog_crictl, "--config", crictl_conf, "--runtime-endpoint", endpoint,          \
	  "--image-endpoint", endpoint, "--timeout", CRICTL_TIMEOUT, NULL }
#define CRICTL_NFIXED 9 /* words in CRICTL_FIXED */
#define CTR_FIXED { prog_ctr, "--address", sock, "--namespace", "k8s.io", NULL }
#define RUNC_FIXED { prog_runc, "--root", runc_root, NULL }

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
	int code = run_capture(argv, o, CRI_CMD_MS);
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
		poll_interval();
	}
}

/* Mount points in mountinfo text under dir, up to max, into found (the
 * strings point into text, which is changed); how many. */
static int mounts_under(char *text, char **found, int max)
{
	int n = 0;
	size_t dlen = strlen(dir);
	char *save;
	for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field. */
		char *field = line;
		for (int i = 0; i < 4 && field != NULL; i++) {
			field = strchr(field, ' ');
			field = field != NULL ? field + 1 : NULL;
		}
		if (field == NULL || strncmp(field, dir, dlen) != 0 || field[dlen] != '/')
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
	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)containerd_pid);
	cri_read_file(path, info, sizeof info);
	ck_assert_msg(info[0] != '\0', "cannot read %s", path);
	char *found[64];
	int n = mounts_under(info, found, 64);
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
		cri_read_file(containerd_log, text, sizeof text);
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
		poll_interval();
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
		poll_interval();
	}
}

/* ---- clean-up (runner only; never fails a test) ----------------------------- */

static void remove_pods(void)
{
	static struct cri_out list, o;
	char *fixed[] = CRICTL_FIXED;
	char *argv[16];
	size_t n = 0;
	for (; fixed[n] != NULL; n++)
		argv[n] = fixed[n];
	argv[n] = "pods";
	argv[n + 1] = "-q";
	argv[n + 2] = NULL;
	if (run_capture(argv, &list, CRI_CMD_MS) != 0)
		return;
	for (char *id = strtok(list.out, "\n"); id != NULL; id = strtok(NULL, "\n")) {
		const char *verbs[] = { "stopp", "rmp" };
		for (int v = 0; v < 2; v++) {
			argv[n] = (char *)verbs[v];
			argv[n + 1] = id;
			if (run_capture(argv, &o, CRI_CMD_MS) != 0)
				fprintf(stderr, "critest: crictl %s %s: %s%s\n", verbs[v], id,
					o.out, o.err);
		}
	}
}

/* Wait up to timeout_ms for pid, a child, to end (reaped here); true if
 * it did. */
static bool reap_within(pid_t pid, int timeout_ms)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		long long deadline = cri_clock_ms() + timeout_ms;
		long long left;
		while ((left = deadline - cri_clock_ms()) > 0 && poll(&p, 1, (int)left) == 0)
			;
		(void)close(pidfd); /* ours, read-only use */
	}
	int status;
	pid_t got;
	do
		got = waitpid(pid, &status, WNOHANG);
	while (got < 0 && errno == EINTR);
	return got == pid || (got < 0 && errno == ECHILD);
}

/* TERM, up to STOP_MS, then KILL and reap. */
static void end_child(pid_t pid, const char *what)
{
	(void)kill(pid, SIGTERM);
	if (reap_within(pid, STOP_MS))
		return;
	fprintf(stderr, "critest: %s (pid %d) outlived TERM by %d ms: KILL\n", what, (int)pid,
		STOP_MS);
	(void)kill(pid, SIGKILL);
	(void)reap_within(pid, STOP_MS);
}

/* The runner's children but the tests Check forks (none runs now): the
 * shims, re-parented to us, the subreaper. Up to max into pids. */
static int list_children(pid_t *pids, int max)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	cri_read_file(path, buf, sizeof buf);
	int n = 0;
	for (char *tok = strtok(buf, " \n"); tok != NULL && n < max; tok = strtok(NULL, " \n"))
		pids[n++] = (pid_t)strtol(tok, NULL, 10);
	return n;
}

/* Mount points under dir in our mount namespace (containerd's own is gone
 * with its last process), deepest first: MNT_DETACH each. */
static void unmount_leftovers(void)
{
	static char info[1 << 18];
	cri_read_file("/proc/self/mountinfo", info, sizeof info);
	char *found[64];
	for (int i = mounts_under(info, found, 64) - 1; i >= 0; i--) {
		fprintf(stderr, "critest: unmounting a leftover %s\n", found[i]);
		if (umount2(found[i], MNT_DETACH) < 0)
			fprintf(stderr, "critest: umount %s: %s\n", found[i], strerror(errno));
	}
}

/* The pods' cgroup parent in every hierarchy (v1: one per controller). */
static void remove_cgroups(void)
{
	DIR *d = opendir("/sys/fs/cgroup");
	if (d == NULL)
		return;
	char path[512];
	snprintf(path, sizeof path, "/sys/fs/cgroup%s", cgroup_parent);
	(void)rmdir(path); /* cgroup v2, or absent */
	for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s", e->d_name, cgroup_parent);
		if (rmdir(path) < 0 && errno != ENOENT && errno != ENOTDIR)
			fprintf(stderr, "critest: rmdir %s: %s\n", path, strerror(errno));
	}
	(void)closedir(d);
}

static void cleanup_at_exit(void)
{
	if (getpid() != suite_pid) /* forked tests inherit the atexit entry */
		return;
	if (containerd_pid > 0) {
		remove_pods();
		end_child(containerd_pid, "containerd");
		containerd_pid = 0;
	}
	pid_t left[64];
	int n = list_children(left, 64);
	for (int i = 0; i < n; i++)
		end_child(left[i], "a shim containerd left");
	unmount_leftovers();
	remove_cgroups();
	if (dir[0] != '\0') {
		static struct cri_out o;
		char *rm[] = { "/bin/rm", "-rf", "--one-file-system", dir, NULL };
		if (run_capture(rm, &o, CRI_CMD_MS) != 0)
			fprintf(stderr, "critest: rm -rf %s: %s\n", dir, o.err);
	}
}

static void teardown(void)
{
	remove_pods();
}

TCase *cri_tcase(const char *name, int timeout_s)
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

/* ---- start-up ---------------------------------------------------------------- */

static _Noreturn void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("cri: skipped: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(CRI_EXIT_SKIP);
}

static _Noreturn void setup_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void setup_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("cri: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(EXIT_FAILURE); /* atexit stops what was started */
}

/* name found as is (a path) or in PATH plus the sbin directories, into
 * buf; false if none. */
static bool find_prog(const char *name, char *buf, size_t size)
{
	if (strchr(name, '/') != NULL) {
		snprintf(buf, size, "%s", name);
		return access(buf, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	char all[4096];
	snprintf(all, sizeof all, "%s:/usr/local/sbin:/usr/sbin:/sbin",
		 path != NULL && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *p = all; *p != '\0';) {
		size_t len = strcspn(p, ":");
		int n = snprintf(buf, size, "%.*s/%s", (int)len, p, name);
		if (len > 0 && n > 0 && (size_t)n < size && access(buf, X_OK) == 0)
			return true;
		p += len;
		p += *p == ':';
	}
	return false;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		setup_fail("cannot write %s: %s", path, strerror(errno));
}

/* containerd's config: everything under dir, the CRI plugin as the suite
 * needs it. See docker/README.md, "Kubernetes runtime". */
static void write_config(const char *path)
{
	static char text[8192];
	snprintf(text, sizeof text,
		 "version = 2\n"
		 "root = \"%1$s/root\"\n"
		 "state = \"%1$s/state\"\n"
		 "disabled_plugins = [\"io.containerd.snapshotter.v1.btrfs\",\n"
		 "  \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\",\n"
		 "  \"io.containerd.snapshotter.v1.aufs\", \"io.containerd.tracing.processor.v1.otlp\",\n"
		 "  \"io.containerd.internal.v1.tracing\"]\n"
		 "[grpc]\n  address = \"%2$s\"\n"
		 "[ttrpc]\n  address = \"%2$s.ttrpc\"\n"
		 "[debug]\n  address = \"\"\n  level = \"debug\"\n"
		 "[metrics]\n  address = \"\"\n"
		 "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"%1$s/opt\"\n"
		 "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
		 "  sandbox_image = \"" CRI_IMAGE_SANDBOX "\"\n"
		 "  restrict_oom_score_adj = true\n"
		 "  stream_server_address = \"127.0.0.1\"\n"
		 "  stream_server_port = \"0\"\n"
		 "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
		 "    snapshotter = \"overlayfs\"\n"
		 "    default_runtime_name = \"runc\"\n"
		 "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
		 "      runtime_type = \"io.containerd.runc.v2\"\n"
		 "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
		 "        BinaryName = \"%3$s\"\n"
		 "        Root = \"%1$s/runc\"\n"
		 "        SystemdCgroup = false\n"
		 "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
		 "    bin_dir = \"%1$s/cni/bin\"\n"
		 "    conf_dir = \"%1$s/cni/conf\"\n",
		 dir, sock, prog_runc);
	write_file(path, text);
}

/* The last line of containerd's log that holds key, else its last line,
 * into buf: why it did not start. (Not "level=error": the CRI plugin
 * logs one for the missing CNI config, on every start.) */
static void containerd_why(const char *key, char *buf, size_t size)
{
	static char text[1 << 20];
	cri_read_file(containerd_log, text, sizeof text);
	const char *best = NULL, *last = NULL;
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		if (len > 0)
			last = line;
		if (memmem(line, len, key, strlen(key)) != NULL)
			best = line;
		line += len;
		line += *line == '\n';
	}
	const char *pick = best != NULL ? best : last;
	snprintf(buf, size, "%.*s", pick != NULL ? (int)strcspn(pick, "\n") : 0,
		 pick != NULL ? pick : "");
}

/* Does containerd's log hold text? */
static bool log_says(const char *text)
{
	static char log[1 << 20];
	cri_read_file(containerd_log, log, sizeof log);
	return strstr(log, text) != NULL;
}

/*
 * containerd in a mount namespace of its own (unshare(1) execs it: the pid
 * is containerd's), a tmpfs over /run/containerd there, its output into
 * its log, TERM when the runner dies.
 */
static void start_containerd(const char *config)
{
	int log_fd = open(containerd_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0)
		setup_fail("cannot create %s: %s", containerd_log, strerror(errno));
	/* Where the machine has no /run/containerd the empty directory is
	 * made to mount on; containerd would make it anyway. */
	char script[] = "mkdir -p /run/containerd && "
			"mount -t tmpfs -o mode=0700,size=16m reaper-cri /run/containerd && "
			"exec \"$0\" --config \"$1\"";
	char config_arg[256];
	snprintf(config_arg, sizeof config_arg, "%s", config);
	char *argv[] = { prog_unshare, "--mount", "--propagation", "private", "/bin/sh", "-c",
			 script, prog_containerd, config_arg, NULL };
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(127);
		int null_fd = open("/dev/null", O_RDONLY);
		if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
		    dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		setup_fail("fork: %s", strerror(errno));
	(void)close(log_fd); /* the child has it */
	containerd_pid = pid;
}

/* Until containerd and then its CRI plugin answer, within START_MS; skip
 * the suite, saying why, if containerd ends or the time runs out. */
static void await_ready(void)
{
	char *version[] = { prog_ctr, "--address", sock, "version", NULL };
	char *fixed[] = CRICTL_FIXED;
	char *info[16];
	size_t n = 0;
	for (; fixed[n] != NULL; n++)
		info[n] = fixed[n];
	info[n] = "info";
	info[n + 1] = NULL;
	static struct cri_out o;
	char why[1024];
	long long deadline = cri_clock_ms() + START_MS;
	char *const *step = version;
	for (;;) {
		int status;
		if (waitpid(containerd_pid, &status, WNOHANG) == containerd_pid) {
			containerd_pid = 0;
			containerd_why("level=fatal", why, sizeof why);
			skip("containerd could not start here: %s", why);
		}
		if (run_capture(step, &o, 5000) == 0) {
			if (step == info)
				return;
			step = info;
			continue;
		}
		if (step == info && log_says(CRI_LOAD_FAILED)) {
			containerd_why(CRI_LOAD_FAILED, why, sizeof why);
			skip("containerd's CRI plugin could not start here: %s", why);
		}
		if (cri_clock_ms() >= deadline) {
			containerd_why(step == info ? CRI_LOAD_FAILED : "level=fatal", why, sizeof why);
			skip("%s did not answer within %d ms: %.300s%.300s (containerd: %s)",
			     step == info ? "containerd's CRI plugin" : "containerd", START_MS,
			     o.out, o.err, why);
		}
		poll_interval();
	}
}

/* Write image ref (ENTRYPOINT words after it, NULL-terminated) as an OCI
 * archive with docker/oci-archive.sh and import it into k8s.io. */
static void import_image(const char *file, const char *ref, ...)
{
	static struct cri_out o;
	char tar[128];
	snprintf(tar, sizeof tar, "%s/%s", dir, file);
	char *argv[16] = { "/bin/sh", REAPER_SOURCE_DIR "/docker/oci-archive.sh",
			   REAPER_DOCKER_CONTEXT, tar, (char *)ref };
	int n = 5;
	va_list ap;
	va_start(ap, ref);
	for (char *w = va_arg(ap, char *); w != NULL && n < 15; w = va_arg(ap, char *))
		argv[n++] = w;
	va_end(ap);
	argv[n] = NULL;
	if (run_capture(argv, &o, CRI_CMD_MS) != 0)
		setup_fail("docker/oci-archive.sh %s (the context of `make docker-context`): %s%s", ref,
		     o.out, o.err);
	char *import[] = { prog_ctr, "--address", sock, "--namespace", "k8s.io", "images",
			   "import", "--snapshotter", "overlayfs", tar, NULL };
	if (run_capture(import, &o, CRI_CMD_MS) != 0)
		setup_fail("ctr images import %s: %s%s", tar, o.out, o.err);
}

static void find_or_skip(const char *name, char *buf, size_t size, const char *hint)
{
	if (!find_prog(name, buf, size))
		skip("no %s (%s)", name, hint);
}

Suite *cri_suite(const char *name)
{
	if (geteuid() != 0)
		skip("needs root (containerd, mounts, cgroups); running as uid %d", (int)geteuid());
	find_or_skip("containerd", prog_containerd, sizeof prog_containerd,
		     "Debian package containerd");
	find_or_skip("ctr", prog_ctr, sizeof prog_ctr, "Debian package containerd");
	find_or_skip("runc", prog_runc, sizeof prog_runc, "Debian package runc");
	find_or_skip("unshare", prog_unshare, sizeof prog_unshare, "util-linux");
	const char *crictl_env = getenv("REAPER_CRICTL");
	find_or_skip(crictl_env != NULL && *crictl_env != '\0' ? crictl_env
							      : REAPER_BUILD_DIR "/tools/crictl",
		     prog_crictl, sizeof prog_crictl, "make check-cri installs it with go install");

	suite_pid = getpid();
	/* The shims leave containerd: as our children they can be ended by
	 * pid if containerd leaves any behind. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		setup_fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	snprintf(dir, sizeof dir, "/tmp/reaper-cri-XXXXXX");
	if (mkdtemp(dir) == NULL)
		setup_fail("mkdtemp: %s", strerror(errno));
	if (atexit(cleanup_at_exit) != 0) {
		dir[0] = '\0';
		setup_fail("atexit failed: containerd would be left running");
	}
	snprintf(sock, sizeof sock, "%s/containerd.sock", dir);
	snprintf(endpoint, sizeof endpoint, "unix://%s", sock);
	snprintf(runc_root, sizeof runc_root, "%s/runc/k8s.io", dir);
	snprintf(crictl_conf, sizeof crictl_conf, "%s/crictl.yaml", dir);
	snprintf(containerd_log, sizeof containerd_log, "%s/containerd.log", dir);
	snprintf(cgroup_parent, sizeof cgroup_parent, "/reaper-cri-%d", (int)suite_pid);
	char config[128], sub[160];
	snprintf(config, sizeof config, "%s/config.toml", dir);
	const char *subdirs[] = { "cni", "cni/bin", "cni/conf", "logs" };
	for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
		snprintf(sub, sizeof sub, "%s/%s", dir, subdirs[i]);
		if (mkdir(sub, 0700) < 0)
			setup_fail("mkdir %s: %s", sub, strerror(errno));
	}
	write_file(crictl_conf, "");
	write_config(config);
	start_containerd(config);
	await_ready();
	import_image("pause.tar", CRI_IMAGE_PAUSE, "/sbin/reaper", "--pause", NULL);
	import_image("sleep.tar", CRI_IMAGE_SLEEP, "/bin/sleep", "3600", NULL);
	import_image("app.tar", CRI_IMAGE_APP, NULL);
	return suite_create(name);
}
