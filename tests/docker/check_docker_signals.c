/*
 * check_docker_signals: signals from Docker and from a terminal reach the
 * app in the container (issue 4, tests 3 and 5).
 *
 * 3. `docker kill -s USR1` reaches the app and the rest of its process
 *    group (a grandchild of reaper's), once each.
 * 5. `docker run -t`: the app's own process group is the terminal's
 *    foreground group (not reaper's). `docker run -it` driven from a pty of
 *    ours, as a terminal emulator runs it: Ctrl-C typed there reaches the
 *    app as SIGINT, and the container ends with 130.
 *
 * The app is tests/helpers/sigrecorder or ttyprobe; the attached client's
 * output is read with poll deadlines (the harness's pipes, or the pty's
 * master side).
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dockertest.h"
#include "harness.h"
#include "harness_util.h"

/* Read lines of r until each line of want[] has come (in any order). */
static bool expect_lines(struct run *r, const char *const want[], int n, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		int seen = 0;
		for (int i = 0; i < n; i++)
			seen += run_count_lines(r, want[i]) > 0;
		if (seen == n)
			return true;
		long long left = deadline - now_ms();
		char line[512];
		if (left <= 0 || !run_read_line(r, line, sizeof line, (int)left))
			return false;
	}
}

/* ---- 3. docker kill -s USR1 ------------------------------------------- */

START_TEST(test_kill_usr1)
{
	struct docker_cmd c;
	docker_cmd_run(&c, "usr1", docker_image(), "sigrecorder", "--spawn-grandchild",
		       "--exit-on", "TERM", NULL);
	struct run r;
	run_start(&r, RUN_HOST, c.argv, NULL);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, DOCKER_LINE_MS),
		      "no 'ready' line; output: %s %s", r.out, r.err);
	struct docker_cmd kill_cmd;
	docker_cmd(&kill_cmd, "kill", "-s", "USR1", c.name, NULL);
	docker_expect_ok(&kill_cmd);
	const char *const want[] = { "sig 10", "gsig 10" };
	ck_assert_msg(expect_lines(&r, want, 2, DOCKER_LINE_MS),
		      "USR1 did not reach the app and its group; output: %s", r.out);

	struct docker_cmd stop;
	docker_cmd(&stop, "stop", c.name, NULL);
	docker_expect_ok(&stop);
	int code = run_wait(&r, DOCKER_CMD_MS);
	ck_assert_msg(code == 0, "exit %d after TERM, want 0; output: %s", code, r.out);
	ck_assert_msg(run_count_lines(&r, "sig 10") == 1 && run_count_lines(&r, "gsig 10") == 1,
		      "USR1 arrived more than once: %s", r.out);
}
END_TEST

/* ---- 5. terminals ------------------------------------------------------ */

/* ttyprobe's line: "tty PID PGID FG SID PPID". */
struct probe {
	long pid, pgid, fg, sid, ppid;
};

static bool parse_probe(const char *values, struct probe *p)
{
	long *fields[] = { &p->pid, &p->pgid, &p->fg, &p->sid, &p->ppid };
	const char *s = values;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		char *end;
		errno = 0;
		*fields[i] = strtol(s, &end, 10);
		if (errno != 0 || end == s)
			return false;
		s = end;
	}
	return true;
}

/* The app owns the terminal: its own group is the foreground group; not
 * reaper's, which is PID 1 and the app's parent. */
static void assert_foreground(const char *how, const char *line)
{
	char values[256];
	struct probe p;
	ck_assert_msg(text_value(line, "tty", values, sizeof values) && parse_probe(values, &p),
		      "%s: bad line '%s'", how, line);
	ck_assert_msg(p.fg == p.pgid, "%s: foreground group %ld, the app's group is %ld", how,
		      p.fg, p.pgid);
	ck_assert_msg(p.pgid == p.pid && p.pgid != 1,
		      "%s: the app (pid %ld) is in group %ld, want one of its own", how, p.pid,
		      p.pgid);
	ck_assert_msg(p.ppid == 1, "%s: the app's parent is %ld, want reaper (1)", how, p.ppid);
}

START_TEST(test_tty_foreground)
{
	/* -t without -i: the container has a terminal; the client's stdin
	 * is /dev/null. */
	struct docker_cmd c;
	docker_cmd_run(&c, "tty", "-t", docker_image(), "ttyprobe", "--exit-on", "15", NULL);
	struct run r;
	run_start(&r, RUN_HOST, c.argv, NULL);
	char line[256];
	ck_assert_msg(run_expect_prefix(&r, "tty ", line, sizeof line, DOCKER_LINE_MS),
		      "no 'tty' line; output: %s %s", r.out, r.err);
	assert_foreground("docker run -t", line);
	struct docker_cmd kill_cmd;
	docker_cmd(&kill_cmd, "kill", "-s", "TERM", c.name, NULL);
	docker_expect_ok(&kill_cmd);
	int code = run_wait(&r, DOCKER_CMD_MS);
	ck_assert_msg(code == 0, "exit %d after TERM, want 0; output: %s", code, r.out);
}
END_TEST

/* The docker client on a pty of ours: its session leader, as under a
 * terminal emulator. */
struct term {
	int master_fd;
	pid_t pid;
	char seen[16384]; /* all the master has read, NUL-terminated */
	size_t seen_len;
};

/* Take in what the master has, waiting up to timeout_ms for the first
 * bytes; false once every slave end is closed (EIO) or the buffer is full. */
static bool term_read(struct term *t, int timeout_ms)
{
	struct pollfd p = { .fd = t->master_fd, .events = POLLIN };
	int ready = poll(&p, 1, timeout_ms);
	if (ready <= 0)
		return true; /* nothing yet, or EINTR: callers keep their deadline */
	ssize_t got = read(t->master_fd, t->seen + t->seen_len, sizeof t->seen - 1 - t->seen_len);
	if (got < 0 && errno == EINTR)
		return true;
	if (got <= 0)
		return false;
	t->seen_len += (size_t)got;
	t->seen[t->seen_len] = '\0';
	return true;
}

/* Where needle first comes at or after offset from, reading until it does,
 * the terminal closes, or timeout_ms passes; NULL then. */
static const char *term_wait_for(struct term *t, const char *needle, size_t from,
				 int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		const char *at = strstr(t->seen + from, needle);
		if (at != NULL)
			return at;
		long long left = deadline - now_ms();
		if (left <= 0 || !term_read(t, (int)left))
			return NULL;
	}
}

/* The client's exit code within timeout_ms (reading the master meanwhile,
 * so it never blocks on output), or -1. */
static int term_wait_exit(struct term *t, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int pid_fd = (int)syscall(SYS_pidfd_open, t->pid, 0);
	ck_assert_msg(pid_fd >= 0, "pidfd_open: %s", strerror(errno));
	bool open = true;
	int code = -1;
	for (;;) {
		int status;
		pid_t got = waitpid(t->pid, &status, WNOHANG);
		if (got == t->pid) {
			t->pid = 0;
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd p[2] = { { .fd = pid_fd, .events = POLLIN },
				       { .fd = open ? t->master_fd : -1, .events = POLLIN } };
		if (poll(p, 2, (int)left) > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			open = term_read(t, 0);
	}
	(void)close(pid_fd);
	return code;
}

/* Fork the client in a new session whose controlling terminal is the
 * pty's slave side. */
static void term_start(struct term *t, char *const argv[])
{
	int slave_fd;
	t->master_fd = -1;
	t->seen_len = 0;
	t->seen[0] = '\0';
	open_pty(&t->master_fd, &slave_fd);
	pid_t parent = getpid();
	t->pid = fork();
	if (t->pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(120);
		if (setsid() < 0 || ioctl(slave_fd, TIOCSCTTY, 0) < 0)
			_exit(121);
		for (int fd = 0; fd < 3; fd++)
			if (dup2(slave_fd, fd) < 0)
				_exit(122);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(argv[0], argv);
		_exit(127);
	}
	int fork_errno = errno;
	(void)close(slave_fd); /* the client holds it now: EIO on the master once it is gone */
	ck_assert_msg(t->pid > 0, "fork: %s", strerror(fork_errno));
}

START_TEST(test_tty_ctrl_c)
{
	struct docker_cmd c;
	docker_cmd_run(&c, "ctrlc", "-it", docker_image(), "ttyprobe", "--die-on", "2", NULL);
	struct term t;
	term_start(&t, c.argv);

	const char *tty = term_wait_for(&t, "tty ", 0, DOCKER_LINE_MS);
	size_t tty_at = tty != NULL ? (size_t)(tty - t.seen) : 0;
	ck_assert_msg(tty != NULL && term_wait_for(&t, "\n", tty_at, DOCKER_LINE_MS) != NULL,
		      "no 'tty' line; the terminal said: %s", t.seen);
	assert_foreground("docker run -it", t.seen + tty_at);

	/* The client has put our pty in raw mode by now (the app's line came
	 * through it), so ^C travels as a byte to the container's terminal,
	 * whose line discipline sends SIGINT to its foreground group. */
	ck_assert_msg(write(t.master_fd, "\x03", 1) == 1, "write ^C: %s", strerror(errno));
	ck_assert_msg(term_wait_for(&t, "sig 2", tty_at, DOCKER_LINE_MS) != NULL,
		      "^C did not reach the app; the terminal said: %s", t.seen);
	int code = term_wait_exit(&t, DOCKER_CMD_MS);
	if (t.pid > 0) {
		(void)kill(t.pid, SIGKILL); /* ran out of time: the teardown removes the container */
		(void)waitpid(t.pid, NULL, 0);
	}
	(void)close(t.master_fd);
	ck_assert_msg(code == 130, "docker run -it exited %d after ^C, want 130; "
		      "the terminal said: %s", code, t.seen);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = docker_suite("docker signals");
	TCase *tc = docker_tcase("3 docker kill -s USR1", 60);
	tcase_add_test(tc, test_kill_usr1);
	suite_add_tcase(s, tc);
	tc = docker_tcase("5 terminal", 60);
	tcase_add_test(tc, test_tty_foreground);
	tcase_add_test(tc, test_tty_ctrl_c);
	suite_add_tcase(s, tc);
	return s;
}
