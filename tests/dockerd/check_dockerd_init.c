/*
 * check_dockerd_init: reaper as the Docker engine's own init, `docker run
 * --init` (issue 18, item 1), against a private dockerd this suite starts
 * and stops itself; the machine's daemon is never touched.
 *
 * The daemon: /usr/sbin/dockerd (REAPER_DOCKERD overrides) with a
 * --config-file of its own (the machine's /etc/docker/daemon.json may set
 * data-root, which the flag would contradict): data-root, exec-root,
 * pidfile and a unix socket under a temporary directory, "bridge": "none",
 * no iptables, no IP masquerading, "init-path" the static reaper. It runs
 * in a network namespace and a mount namespace of its own (unshare): with
 * "bridge": "none" dockerd deletes any interface named docker0 it sees
 * (moby's removeDefaultBridgeInterface), which in the host's namespace is
 * the machine engine's bridge; and /run/containerd is covered, so dockerd
 * starts its own containerd under the exec-root instead of using a
 * system one. The test image is docker/Dockerfile's (dockertest), built
 * in the private daemon; containers use --network none.
 *
 * Checked: PID 1 is /sbin/docker-init, which is reaper; exit codes pass
 * through; `docker stop` of an app that handles TERM ends with the app's
 * code (the time is printed, not asserted); orphans are reaped (ps shows
 * no zombie; without --init it shows them); `docker info` shows reaper's
 * commit as the init version; the daemon's state is under the temporary
 * directory and the machine's docker0 is still there.
 *
 * Not root, no dockerd or unshare, or a daemon not ready within
 * READY_MS: one line "dockerd: skipped: REASON" and success. The daemon
 * is stopped at exit by pid (TERM, then KILL after STOP_MS, its
 * containerd too), and the directory removed.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dockertest.h"
#include "harness.h"

#define READY_MS 30000 /* dockerd is ready in ~2 s here */
#define STOP_MS 20000  /* TERM to exit, containers already removed */
#define ORPHANS 50
#define SETTLE_MS 10000

static char tmp_dir[] = "/tmp/reaper-dockerd.XXXXXX";
static char sock_path[128], host_env[160];
static pid_t daemon_pid, runner_pid;
static int daemon_pidfd = -1;
static bool had_docker0;

/* ---- the private daemon ----------------------------------------------------- */

static _Noreturn void skip(const char *why)
{
	printf("dockerd: skipped: %s\n", why);
	exit(EXIT_SUCCESS);
}

static const char *dockerd_path(void)
{
	const char *path = getenv("REAPER_DOCKERD");
	return path != NULL && *path != '\0' ? path : "/usr/sbin/dockerd";
}

static void write_config(const char *path)
{
	FILE *f = fopen(path, "we");
	if (f == NULL)
		skip("cannot write the daemon's configuration");
	fprintf(f,
		"{\n"
		"  \"data-root\": \"%s/root\",\n"
		"  \"exec-root\": \"%s/exec\",\n"
		"  \"pidfile\": \"%s/dockerd.pid\",\n"
		"  \"hosts\": [\"unix://%s\"],\n"
		"  \"bridge\": \"none\",\n"
		"  \"iptables\": false,\n"
		"  \"ip-masq\": false,\n"
		"  \"init-path\": \"%s/reaper-static\"\n"
		"}\n",
		tmp_dir, tmp_dir, tmp_dir, sock_path, REAPER_BUILD_DIR);
	if (fclose(f) != 0)
		skip("cannot write the daemon's configuration");
}

/* The last line of the daemon's log, for a skip line. */
static const char *log_tail(void)
{
	static char last[512] = "(empty)", line[4096];
	char path[160];
	snprintf(path, sizeof path, "%s/dockerd.log", tmp_dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return "(no log)";
	while (fgets(line, sizeof line, f) != NULL)
		snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\n"), line);
	(void)fclose(f); /* read-only */
	return last;
}

/* Start dockerd in its own network and mount namespaces, its output in
 * TMP/dockerd.log; dead with the runner (PR_SET_PDEATHSIG). */
static void start_daemon(void)
{
	char config[160], log[160];
	snprintf(config, sizeof config, "%s/daemon.json", tmp_dir);
	snprintf(log, sizeof log, "%s/dockerd.log", tmp_dir);
	write_config(config);
	/* The tmpfs hides a system containerd's socket from this dockerd
	 * only (its own mount namespace, private propagation). */
	char *argv[] = { "unshare", "--net", "--mount", "--propagation", "private", "sh", "-c",
			 "[ ! -d /run/containerd ] || mount -t tmpfs tmpfs /run/containerd || exit 1; "
			 "exec \"$0\" --config-file \"$1\"",
			 (char *)dockerd_path(), config, NULL };
	pid_t parent = getpid();
	daemon_pid = fork();
	if (daemon_pid < 0)
		skip("fork failed");
	if (daemon_pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(127);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(127);
		(void)setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	daemon_pidfd = (int)pidfd_open(daemon_pid, 0);
}

/* Wait for the socket (inotify on the directory) while the daemon lives
 * (its pidfd), then for `docker version` to answer; false after READY_MS. */
static bool wait_ready(void)
{
	long long deadline = now_ms() + READY_MS;
	int in_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in_fd < 0 || inotify_add_watch(in_fd, tmp_dir, IN_CREATE) < 0 || daemon_pidfd < 0)
		return false;
	while (access(sock_path, F_OK) != 0) {
		long long left = deadline - now_ms();
		struct pollfd p[2] = { { .fd = in_fd, .events = POLLIN },
				       { .fd = daemon_pidfd, .events = POLLIN } };
		if (left <= 0 || (poll(p, 2, (int)left) > 0 && (p[1].revents & POLLIN) != 0)) {
			(void)close(in_fd);
			return false; /* out of time, or the daemon exited */
		}
		char drain[4096];
		while (read(in_fd, drain, sizeof drain) > 0)
			;
	}
	(void)close(in_fd); /* a watch: nothing to flush */
	return true; /* the API answers once init is done: docker_suite's probe waits */
}

/* Wait up to ms for pid (through its pidfd, or -1) to exit; reap it if it
 * is our child. */
static bool wait_gone(pid_t pid, int pidfd, int ms, bool child)
{
	bool gone = false;
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		gone = poll(&p, 1, ms) > 0;
	}
	if (child && (gone || pidfd < 0)) {
		int status;
		pid_t got;
		do
			got = waitpid(pid, &status, gone ? 0 : WNOHANG);
		while (got < 0 && errno == EINTR);
		gone = got == pid;
	}
	return gone;
}

/* TERM, up to STOP_MS, then KILL; containerd (its pidfile) likewise,
 * since a KILLed dockerd cannot stop it. */
static void stop_pid(pid_t pid, int pidfd, bool child)
{
	if (kill(pid, SIGTERM) == 0 && !wait_gone(pid, pidfd, STOP_MS, child)) {
		fprintf(stderr, "dockerd: pid %d still there after %d ms: KILL\n", (int)pid, STOP_MS);
		(void)kill(pid, SIGKILL);
		(void)wait_gone(pid, pidfd, STOP_MS, child);
	}
}

static pid_t containerd_pid(void)
{
	char path[160], buf[32] = "";
	snprintf(path, sizeof path, "%s/exec/containerd/containerd.pid", tmp_dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	bool ok = fgets(buf, sizeof buf, f) != NULL;
	(void)fclose(f); /* read-only */
	char *end;
	long v = ok ? strtol(buf, &end, 10) : 0;
	return v > 1 && v < 0x3fffffff ? (pid_t)v : 0;
}

/* atexit, registered before dockertest's own: runs after it removed the
 * run's containers and image, in the runner only. */
static void stop_daemon(void)
{
	if (getpid() != runner_pid)
		return;
	pid_t ctd = containerd_pid();
	int ctd_fd = ctd > 0 ? (int)pidfd_open(ctd, 0) : -1;
	if (daemon_pid > 0)
		stop_pid(daemon_pid, daemon_pidfd, true);
	if (ctd_fd >= 0 && !wait_gone(ctd, ctd_fd, 0, false))
		stop_pid(ctd, ctd_fd, false);
	/* Its mounts lived in its own mount namespace, gone with it. */
	pid_t rm = fork();
	if (rm == 0) {
		execlp("rm", "rm", "-rf", tmp_dir, (char *)NULL);
		_exit(127);
	}
	int status;
	while (rm > 0 && waitpid(rm, &status, 0) < 0 && errno == EINTR)
		;
}

/* ---- tests -------------------------------------------------------------------- */

/* docker run --init --network none --entrypoint ENTRY IMAGE ARG...: into
 * c, named NAME. */
#define INIT_RUN(c, name, entry, ...)                                                   \
	docker_cmd_run((c), (name), "--init", "--network", "none", "--entrypoint", (entry), \
		       docker_image(), __VA_ARGS__)

START_TEST(test_pid1_is_reaper)
{
	struct docker_cmd c;
	INIT_RUN(&c, "pid1", "/bin/ps", "-o", "pid,args", NULL);
	char out[8192];
	int code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 0, "ps: exit %d: %s", code, out);
	/* `docker run --init` starts `/sbin/docker-init -- ENTRYPOINT CMD`. */
	ck_assert_msg(strstr(out, "    1 /sbin/docker-init -- /bin/ps -o pid,args") != NULL,
		      "PID 1 is not docker-init: %s", out);
	/* ... and docker-init is reaper. */
	INIT_RUN(&c, "pid1-version", "/sbin/docker-init", "--version", NULL);
	code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 0 && strncmp(out, "reaper " REAPER_VERSION " - git.", strlen("reaper " REAPER_VERSION " - git.")) == 0,
		      "docker-init --version: exit %d: %s", code, out);
}
END_TEST

static const struct {
	const char *script;
	int want;
} exit_rows[] = {
	{ "exit 0", 0 }, { "exit 7", 7 }, { "kill -TERM $$", 143 }, { "kill -KILL $$", 137 },
};

START_TEST(test_exit_codes)
{
	struct docker_cmd c;
	char name[32];
	snprintf(name, sizeof name, "exit%d", _i);
	INIT_RUN(&c, name, "/bin/sh", "-c", (char *)exit_rows[_i].script, NULL);
	char out[8192];
	int code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == exit_rows[_i].want, "sh -c '%s' under --init: exit %d, want %d: %s",
		      exit_rows[_i].script, code, exit_rows[_i].want, out);
}
END_TEST

/* docker stop: TERM to PID 1 (reaper), forwarded to the app, which exits
 * 42; Docker's KILL after 10 s would make it 137. */
START_TEST(test_stop)
{
	struct docker_cmd c;
	INIT_RUN(&c, "stop", "/helpers/sigrecorder", "--exit-on", "TERM", "--exit", "42", NULL);
	struct run r;
	run_start(&r, RUN_HOST, c.argv, NULL);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, DOCKER_LINE_MS),
		      "no 'ready' line: %s %s", r.out, r.err);
	struct docker_cmd stop;
	docker_cmd(&stop, "stop", c.name, NULL);
	long long start = now_ms();
	docker_expect_ok(&stop);
	long long took = now_ms() - start;
	int code = run_wait(&r, DOCKER_CMD_MS);
	printf("docker stop under --init (reaper): %.2f s, exit %d\n", took / 1000.0, code);
	(void)fflush(stdout); /* Check forks: a buffered line would be lost */
	ck_assert_msg(run_count_lines(&r, "sig 15") > 0, "the app did not see TERM: %s", r.out);
	ck_assert_msg(code == 42, "exit %d, want the app's 42 (137: Docker's KILL)", code);
}
END_TEST

START_TEST(test_orphans)
{
	char n[16];
	snprintf(n, sizeof n, "%d", ORPHANS);
	struct docker_cmd c;
	docker_cmd_run(&c, "orphans", "-i", "--init", "--network", "none", "--entrypoint",
		       "/helpers/orphanfactory", docker_image(), "--wait", n, NULL);
	int zombies = docker_orphan_zombies(&c, true, ORPHANS, SETTLE_MS, NULL);
	ck_assert_msg(zombies == 0, "--init: ps still shows %d zombies", zombies);
	/* The control: the factory as PID 1 reaps nothing. */
	docker_cmd_run(&c, "orphans-bare", "-i", "--network", "none", "--entrypoint",
		       "/helpers/orphanfactory", docker_image(), "--wait", n, NULL);
	zombies = docker_orphan_zombies(&c, false, ORPHANS, SETTLE_MS, NULL);
	ck_assert_msg(zombies >= ORPHANS, "control without --init: %d zombies, want %d", zombies,
		      ORPHANS);
}
END_TEST

/* moby's parseInitVersion splits `NAME VERSION - git.COMMIT` and shows
 * COMMIT as "init version"; anything else is N/A. */
START_TEST(test_info_version)
{
	static struct run r;
	char *version[] = { REAPER_BUILD_DIR "/reaper-static", "--version", NULL };
	ck_assert_int_eq(run_simple(&r, RUN_HOST, version, 10000), 0);
	const char *git = strstr(r.out, " - git.");
	if (git == NULL) {
		printf("dockerd: init version not checked: reaper --version says '%s' (no git)\n",
		       r.out);
		return;
	}
	char commit[16];
	snprintf(commit, sizeof commit, "%.*s", (int)strcspn(git + 7, "\n"), git + 7);
	ck_assert_msg(strlen(commit) == 7, "--version's commit is not 7 digits: %s", r.out);

	struct docker_cmd c;
	docker_cmd(&c, "info", NULL);
	char out[16384];
	ck_assert_int_eq(docker_capture(&c, out, sizeof out, DOCKER_CMD_MS), 0);
	char want[64];
	snprintf(want, sizeof want, " init version: %s", commit);
	ck_assert_msg(text_has_line(out, want), "docker info lacks '%s': %s", want, out);
	char path[256];
	snprintf(path, sizeof path, " Init Binary: %s/reaper-static", REAPER_BUILD_DIR);
	ck_assert_msg(text_has_line(out, path), "docker info lacks '%s': %s", path, out);
}
END_TEST

/* The daemon's state is ours: its root, its own containerd and runc state
 * under the exec-root; the machine's docker0 is still there. */
START_TEST(test_own_state)
{
	struct docker_cmd c;
	docker_cmd(&c, "info", "-f", "{{.DockerRootDir}}", NULL);
	char out[4096], want[256];
	ck_assert_int_eq(docker_capture(&c, out, sizeof out, DOCKER_CMD_MS), 0);
	snprintf(want, sizeof want, "%s/root\n", tmp_dir);
	ck_assert_str_eq(out, want);
	/* A container ran (the image build does not run one): runc's state. */
	INIT_RUN(&c, "state", "/bin/true", NULL);
	docker_expect_ok(&c);
	const char *paths[] = { "exec/containerd/containerd.sock", "exec/runtime-runc", "root/containerd" };
	for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
		char p[256];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", tmp_dir, paths[k]);
		ck_assert_msg(stat(p, &st) == 0, "no %s: the daemon's state is elsewhere", p);
	}
	if (had_docker0)
		ck_assert_msg(if_nametoindex("docker0") != 0,
			      "the machine's docker0 is gone since the private dockerd started");
}
END_TEST

Suite *test_suite(void)
{
	if (geteuid() != 0)
		skip("needs root (a private dockerd), running as another user");
	if (access(dockerd_path(), X_OK) != 0) {
		char why[512];
		snprintf(why, sizeof why, "no dockerd at %s (REAPER_DOCKERD names another)",
			 dockerd_path());
		skip(why);
	}
	if (mkdtemp(tmp_dir) == NULL)
		skip("mkdtemp failed");
	snprintf(sock_path, sizeof sock_path, "%s/docker.sock", tmp_dir);
	snprintf(host_env, sizeof host_env, "unix://%s", sock_path);
	had_docker0 = if_nametoindex("docker0") != 0;
	runner_pid = getpid();
	if (atexit(stop_daemon) != 0)
		skip("atexit failed");
	start_daemon();
	if (!wait_ready()) { /* stop_daemon runs at exit */
		char why[768];
		snprintf(why, sizeof why, "%s did not start within %d s or exited; its log ends: %s",
			 dockerd_path(), READY_MS / 1000, log_tail());
		skip(why);
	}
	setenv("DOCKER_HOST", host_env, 1);

	Suite *s = docker_suite("dockerd init");
	TCase *tc = docker_tcase("docker run --init", 180);
	tcase_add_test(tc, test_pid1_is_reaper);
	tcase_add_loop_test(tc, test_exit_codes, 0, (int)(sizeof exit_rows / sizeof exit_rows[0]));
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_orphans);
	tcase_add_test(tc, test_info_version);
	tcase_add_test(tc, test_own_state);
	suite_add_tcase(s, tc);
	return s;
}
