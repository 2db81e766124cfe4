/*
 * crid: the CRI suite's private containerd, from start to clean-up (see
 * critest.h): its directory, config and images, the start in a mount
 * namespace of its own, the wait until it answers, and at exit the
 * removal of everything it made.
 *
 * Must never touch the machine's containerd (its socket, /run/containerd,
 * its config) nor end a process it did not start: containerd by its pid,
 * the shims as children of the runner (a subreaper), never by name. The
 * clean-up paths never fail a test: they run from teardowns and atexit.
 */
#define _GNU_SOURCE
#include "crirun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
#define CRI_LOAD_FAILED "failed to load plugin io.containerd.grpc.v1.cri"

static struct cri_run *run; /* cri_run(), from cri_suite() on */

/* ---- clean-up (runner only; never fails a test) ----------------------------- */

static void remove_pods(void)
{
	static struct cri_out list, o;
	char *argv[16];
	size_t n = cri_crictl_words(argv);
	argv[n] = "pods";
	argv[n + 1] = "-q";
	argv[n + 2] = NULL;
	if (cri_capture(argv, &list, CRI_CMD_MS) != 0)
		return;
	for (char *id = strtok(list.out, "\n"); id != NULL; id = strtok(NULL, "\n")) {
		const char *verbs[] = { "stopp", "rmp" };
		for (int v = 0; v < 2; v++) {
			argv[n] = (char *)verbs[v];
			argv[n + 1] = id;
			if (cri_capture(argv, &o, CRI_CMD_MS) != 0)
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
		long long deadline = cmd_now_ms() + timeout_ms;
		for (;;) {
			long long left = deadline - cmd_now_ms();
			if (left <= 0)
				break;
			int ready = poll(&p, 1, (int)left);
			if (ready > 0 || (ready < 0 && errno != EINTR))
				break;
		}
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
	for (char *tok = strtok(buf, " \n"); tok != NULL && n < max; tok = strtok(NULL, " \n")) {
		char *end;
		long pid = strtol(tok, &end, 10);
		if (*end == '\0' && pid > 0 && pid <= 0x3fffffff)
			pids[n++] = (pid_t)pid;
	}
	return n;
}

/* Mount points under dir in our mount namespace (containerd's own is gone
 * with its last process), deepest first: MNT_DETACH each. */
static void unmount_leftovers(void)
{
	static char info[1 << 18];
	cri_read_file("/proc/self/mountinfo", info, sizeof info);
	char *found[64];
	for (int i = cri_mounts_under(info, run->dir, found, 64) - 1; i >= 0; i--) {
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
	snprintf(path, sizeof path, "/sys/fs/cgroup%s", run->cgroup_parent);
	(void)rmdir(path); /* cgroup v2, or absent */
	for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s", e->d_name, run->cgroup_parent);
		if (rmdir(path) < 0 && errno != ENOENT && errno != ENOTDIR)
			fprintf(stderr, "critest: rmdir %s: %s\n", path, strerror(errno));
	}
	(void)closedir(d);
}

static void cleanup_at_exit(void)
{
	if (getpid() != run->suite_pid) /* forked tests inherit the atexit entry */
		return;
	if (run->containerd_pid > 0) {
		remove_pods();
		end_child(run->containerd_pid, "containerd");
		run->containerd_pid = 0;
	}
	/* A shim that ends leaves its container's processes to us in turn:
	 * a few rounds. */
	pid_t left[64];
	for (int round = 0, n; round < 4 && (n = list_children(left, 64)) > 0; round++)
		for (int i = 0; i < n; i++)
			end_child(left[i], "a process containerd left");
	unmount_leftovers();
	remove_cgroups();
	if (run->dir[0] != '\0') {
		static struct cri_out o;
		char *rm[] = { "/bin/rm", "-rf", "--one-file-system", run->dir, NULL };
		if (cri_capture(rm, &o, CRI_CMD_MS) != 0)
			fprintf(stderr, "critest: rm -rf %s: %s\n", run->dir, o.err);
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

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		setup_fail("cannot write %s: %s", path, strerror(errno));
}

/* pid into the file name in the run's directory. */
static void write_pid(const char *name, pid_t pid)
{
	char path[128], text[32];
	snprintf(path, sizeof path, "%s/%s", run->dir, name);
	snprintf(text, sizeof text, "%d\n", (int)pid);
	write_file(path, text);
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
		 run->dir, run->sock, run->prog.runc);
	write_file(path, text);
}

/* The last line of containerd's log that holds key, else its last line,
 * into buf: why it did not start. (Not "level=error": the CRI plugin
 * logs one for the missing CNI config, on every start.) */
static void containerd_why(const char *key, char *buf, size_t size)
{
	static char text[1 << 20];
	cri_read_file(run->containerd_log, text, sizeof text);
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
	cri_read_file(run->containerd_log, log, sizeof log);
	return strstr(log, text) != NULL;
}

/*
 * containerd in a mount namespace of its own (unshare(1) execs it: the pid
 * is containerd's), a tmpfs over /run/containerd there, its output into
 * its log, TERM when the runner dies.
 */
static void start_containerd(const char *config)
{
	int log_fd = open(run->containerd_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0)
		setup_fail("cannot create %s: %s", run->containerd_log, strerror(errno));
	/* Where the machine has no /run/containerd the empty directory is
	 * made to mount on; containerd would make it anyway. */
	char script[] = "mkdir -p /run/containerd && "
			"mount -t tmpfs -o mode=0700,size=16m reaper-cri /run/containerd && "
			"exec \"$0\" --config \"$1\"";
	char config_arg[256];
	snprintf(config_arg, sizeof config_arg, "%s", config);
	char *argv[] = { run->prog.unshare, "--mount", "--propagation", "private", "/bin/sh", "-c",
			 script, run->prog.containerd, config_arg, NULL };
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
	run->containerd_pid = pid;
	write_pid(CRI_CONTAINERD_PID_FILE, pid);
}

/* Until containerd and then its CRI plugin answer, within START_MS; skip
 * the suite, saying why, if containerd ends or the time runs out. */
static void await_ready(void)
{
	char *version[] = { run->prog.ctr, "--address", run->sock, "version", NULL };
	char *info[16];
	size_t n = cri_crictl_words(info);
	info[n] = "info";
	info[n + 1] = NULL;
	static struct cri_out o;
	char why[1024];
	long long deadline = cmd_now_ms() + START_MS;
	char *const *step = version;
	for (;;) {
		int status;
		if (waitpid(run->containerd_pid, &status, WNOHANG) == run->containerd_pid) {
			run->containerd_pid = 0;
			containerd_why("level=fatal", why, sizeof why);
			skip("containerd could not start here: %s", why);
		}
		if (cri_capture(step, &o, 5000) == 0) {
			if (step == info)
				return;
			step = info;
			continue;
		}
		if (step == info && log_says(CRI_LOAD_FAILED)) {
			containerd_why(CRI_LOAD_FAILED, why, sizeof why);
			skip("containerd's CRI plugin could not start here: %s", why);
		}
		if (cmd_now_ms() >= deadline) {
			containerd_why(step == info ? CRI_LOAD_FAILED : "level=fatal", why, sizeof why);
			skip("%s did not answer within %d ms: %.300s%.300s (containerd: %s)",
			     step == info ? "containerd's CRI plugin" : "containerd", START_MS,
			     o.out, o.err, why);
		}
		cri_poll_interval();
	}
}

/* Write image ref (ENTRYPOINT words after it, NULL-terminated) as an OCI
 * archive with docker/oci-archive.sh and import it into k8s.io. */
static void import_image(const char *file, const char *ref, ...)
{
	static struct cri_out o;
	char tar[128];
	snprintf(tar, sizeof tar, "%s/%s", run->dir, file);
	char *argv[16] = { "/bin/sh", REAPER_SOURCE_DIR "/docker/oci-archive.sh",
			   REAPER_DOCKER_CONTEXT, tar, (char *)ref };
	int n = 5;
	va_list ap;
	va_start(ap, ref);
	for (char *w = va_arg(ap, char *); w != NULL && n < 15; w = va_arg(ap, char *))
		argv[n++] = w;
	va_end(ap);
	argv[n] = NULL;
	if (cri_capture(argv, &o, CRI_CMD_MS) != 0)
		setup_fail("docker/oci-archive.sh %s (the context of `make docker-context`): %s%s", ref,
		     o.out, o.err);
	char *import[] = { run->prog.ctr, "--address", run->sock, "--namespace", "k8s.io", "images",
			   "import", "--snapshotter", "overlayfs", tar, NULL };
	if (cri_capture(import, &o, CRI_CMD_MS) != 0)
		setup_fail("ctr images import %s: %s%s", tar, o.out, o.err);
}

/* name found as is (a path) or in PATH plus the sbin directories, into
 * buf; or skip the suite. */
static void find_or_skip(const char *name, char *buf, size_t size, const char *hint)
{
	if (!cmd_find(name, "/usr/local/sbin:/usr/sbin:/sbin", buf, size))
		skip("no %s (%s)", name, hint);
}

Suite *cri_suite(const char *name)
{
	run = cri_run();
	if (geteuid() != 0)
		skip("needs root (containerd, mounts, cgroups); running as uid %d", (int)geteuid());
	find_or_skip("containerd", run->prog.containerd, sizeof run->prog.containerd,
		     "Debian package containerd");
	find_or_skip("ctr", run->prog.ctr, sizeof run->prog.ctr, "Debian package containerd");
	find_or_skip("runc", run->prog.runc, sizeof run->prog.runc, "Debian package runc");
	find_or_skip("unshare", run->prog.unshare, sizeof run->prog.unshare, "util-linux");
	const char *crictl_env = getenv("REAPER_CRICTL");
	find_or_skip(crictl_env != NULL && *crictl_env != '\0' ? crictl_env
							      : REAPER_BUILD_DIR "/tools/crictl",
		     run->prog.crictl, sizeof run->prog.crictl, "make check-cri installs it with go install");

	run->suite_pid = getpid();
	/* The shims leave containerd: as our children they can be ended by
	 * pid if containerd leaves any behind. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		setup_fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	cri_remove_stale_runs();
	snprintf(run->dir, sizeof run->dir, "/tmp/reaper-cri-XXXXXX");
	if (mkdtemp(run->dir) == NULL)
		setup_fail("mkdtemp: %s", strerror(errno));
	if (atexit(cleanup_at_exit) != 0) {
		run->dir[0] = '\0';
		setup_fail("atexit failed: containerd would be left running");
	}
	write_pid(CRI_RUN_PID_FILE, run->suite_pid);
	snprintf(run->sock, sizeof run->sock, "%s/containerd.sock", run->dir);
	snprintf(run->endpoint, sizeof run->endpoint, "unix://%s", run->sock);
	snprintf(run->runc_root, sizeof run->runc_root, "%s/runc/k8s.io", run->dir);
	snprintf(run->crictl_conf, sizeof run->crictl_conf, "%s/crictl.yaml", run->dir);
	snprintf(run->containerd_log, sizeof run->containerd_log, "%s/containerd.log", run->dir);
	snprintf(run->cgroup_parent, sizeof run->cgroup_parent, "/reaper-cri-%d", (int)run->suite_pid);
	char config[128], sub[160];
	snprintf(config, sizeof config, "%s/config.toml", run->dir);
	const char *subdirs[] = { "cni", "cni/bin", "cni/conf", "logs" };
	for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
		snprintf(sub, sizeof sub, "%s/%s", run->dir, subdirs[i]);
		if (mkdir(sub, 0700) < 0)
			setup_fail("mkdir %s: %s", sub, strerror(errno));
	}
	write_file(run->crictl_conf, "");
	write_config(config);
	start_containerd(config);
	await_ready();
	import_image("pause.tar", CRI_IMAGE_PAUSE, "/sbin/reaper", "--pause", NULL);
	import_image("sleep.tar", CRI_IMAGE_SLEEP, "/bin/sleep", "3600", NULL);
	import_image("app.tar", CRI_IMAGE_APP, NULL);
	return suite_create(name);
}
