/*
 * check_privs_tty: --user on a terminal (issue 5; DESIGN.md "Privileges").
 * With --user and a terminal on stdin the child gets a session of its own,
 * so it has no controlling terminal and TIOCSTI cannot push input into the
 * shell root reads; without --user (the control) it keeps the terminal.
 *
 * Reaper runs as the session leader of a fresh pseudo-terminal with
 * tests/helpers/showprivs as its child, whose "key value" lines (pid, sid,
 * ctty, tiocsti) come back through the master. Needs root, like
 * check_privs.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 10000

/* ---- the terminal: no TIOCSTI into root's shell ------------------------- */

struct pty_run {
	pid_t leader_pid; /* reaper, session leader of the terminal */
	int leader_pidfd;
	int master_fd;
	char out[16384];
	size_t out_len;
};

static void pty_kill(struct pty_run *t)
{
	char value[32];
	if (find_value(t->out, "pid", value, sizeof value) && atol(value) > 0)
		(void)kill((pid_t)atol(value), SIGKILL); /* ESRCH: already gone */
	if (t->leader_pid > 0) {
		(void)kill(-t->leader_pid, SIGKILL);
		(void)waitpid(t->leader_pid, NULL, 0);
		t->leader_pid = 0;
	}
	if (t->master_fd >= 0)
		(void)close(t->master_fd);
	if (t->leader_pidfd >= 0)
		(void)close(t->leader_pidfd);
	t->master_fd = t->leader_pidfd = -1;
}

/*
 * Run argv as the session leader of a new pseudo-terminal (stdin, stdout
 * and stderr on its slave, echo off), read the master until every slave
 * is closed and reap the leader; its exit code. Everything within
 * TIMEOUT_MS, or it is killed and the test fails.
 */
static int pty_run(struct pty_run *t, char *const argv[])
{
	memset(t, 0, sizeof *t);
	t->master_fd = t->leader_pidfd = -1;
	int slave_fd;
	open_pty(&t->master_fd, &slave_fd);
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Only async-signal-safe calls; the exit code names the step. */
		struct termios tio;
		if (setsid() < 0)
			_exit(120);
		if (ioctl(slave_fd, TIOCSCTTY, 0) < 0)
			_exit(121);
		if (tcgetattr(slave_fd, &tio) < 0)
			_exit(122);
		tio.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL);
		if (tcsetattr(slave_fd, TCSANOW, &tio) < 0)
			_exit(123);
		for (int fd = 0; fd < 3; fd++)
			if (dup2(slave_fd, fd) < 0)
				_exit(124);
		execv(argv[0], argv);
		_exit(126);
	}
	(void)close(slave_fd); /* EIO on the master once the session is gone */
	t->leader_pid = pid;
	t->leader_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	long long deadline = now_ms() + TIMEOUT_MS;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			pty_kill(t);
			ck_abort_msg("the terminal did not close within %d ms; it said:\n%s",
				     TIMEOUT_MS, t->out);
		}
		struct pollfd pfd = { .fd = t->master_fd, .events = POLLIN };
		int ready = poll(&pfd, 1, (int)left);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			continue; /* the deadline check above ends it */
		size_t room = sizeof t->out - 1 - t->out_len;
		char scratch[1024];
		ssize_t n = read(t->master_fd, room > 0 ? t->out + t->out_len : scratch,
				 room > 0 ? room : sizeof scratch);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EIO: no process holds the slave any more */
		if (room > 0) {
			t->out_len += (size_t)n;
			t->out[t->out_len] = '\0';
		}
	}
	if (t->leader_pidfd >= 0) {
		struct pollfd pfd = { .fd = t->leader_pidfd, .events = POLLIN };
		long long left = deadline - now_ms();
		int ready;
		do
			ready = poll(&pfd, 1, left > 0 ? (int)left : 0);
		while (ready < 0 && errno == EINTR);
		if (ready <= 0) {
			pty_kill(t);
			ck_abort_msg("reaper still running after its terminal closed; it said:\n%s",
				     t->out);
		}
	}
	int status;
	pid_t got;
	while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		continue;
	ck_assert_msg(got == pid, "waitpid: %s", strerror(errno));
	t->leader_pid = 0;
	pty_kill(t); /* closes the descriptors */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(test_terminal)
{
	bool with_user = _i == 0;
	char *argv[] = { (char *)reaper_path(), "--user", "nobody", "--",
			 (char *)helper_path("showprivs"), NULL };
	if (!with_user) {
		argv[1] = "--";
		argv[2] = (char *)helper_path("showprivs");
		argv[3] = NULL;
	}
	const char *what = with_user ? "--user nobody on a terminal" : "root on a terminal";
	struct pty_run t;
	int code = pty_run(&t, argv);
	ck_assert_msg(code == 0, "%s: reaper exited %d; the terminal said:\n%s", what, code, t.out);
	char pid[32], sid[32], ctty[64], tiocsti[64];
	showprivs_value(t.out, "pid", pid, sizeof pid, what);
	showprivs_value(t.out, "sid", sid, sizeof sid, what);
	showprivs_value(t.out, "ctty", ctty, sizeof ctty, what);
	showprivs_value(t.out, "tiocsti", tiocsti, sizeof tiocsti, what);
	if (with_user) {
		/* Its own session, so no controlling terminal ... */
		ck_assert_msg(strcmp(pid, sid) == 0, "%s: the child (pid %s) is in session %s, "
			      "not a new one of its own", what, pid, sid);
		ck_assert_msg(strcmp(ctty, "no ENXIO") == 0,
			      "%s: open(/dev/tty) says '%s', want 'no ENXIO' (no controlling "
			      "terminal)\n%s", what, ctty, t.out);
		/* ... and the mechanism's point: it cannot push input into the
		 * terminal root's shell reads, whatever dev.tty.legacy_tiocsti
		 * says. */
		ck_assert_msg(strcmp(tiocsti, "ok") != 0,
			      "%s: TIOCSTI on the terminal succeeded\n%s", what, t.out);
	} else {
		/* The control: without --user the child keeps the terminal, so
		 * the test above can tell the difference. */
		ck_assert_msg(strcmp(pid, sid) != 0, "%s: the child leads a session of its own", what);
		ck_assert_msg(strcmp(ctty, "yes") == 0,
			      "%s: open(/dev/tty) says '%s', want 'yes'\n%s", what, ctty, t.out);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("privs_tty");
	TCase *tc = tcase_create("terminal");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_terminal, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
