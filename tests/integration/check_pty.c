/*
 * check_pty: reaper on a real terminal (issue 2, test 9).
 *
 * Each case opens a pseudo-terminal pair and forks a session leader on the
 * slave side (setsid, TIOCSCTTY), as a terminal emulator or sshd would:
 *
 * - foreground: the session leader is reaper itself. Its child must own
 *   the terminal (tcgetpgrp equals the child's own process group, not
 *   reaper's), and Ctrl-C typed on the master must reach the child as
 *   SIGINT; reaper then exits with the child's status.
 * - background: the session leader is a stand-in shell that keeps the
 *   foreground and starts reaper in a process group of its own, as `cmd &`
 *   does. Reaper's child must not take the terminal away from the shell
 *   (and must not be stopped by SIGTTOU trying to).
 *
 * The child is tests/helpers/ttyprobe: it prints `tty PID PGID FG SID PPID`
 * and then `sig N` per signal. The harness's pipes do not fit a terminal,
 * so this file reads the master itself, always with a poll deadline, and
 * kills everything it started before failing.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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

#define LINE_MS 10000
#define EXIT_MS 10000

struct term {
	pid_t leader_pid;     /* session leader: reaper, or the stand-in shell */
	int master_fd;
	int leader_pidfd;
	pid_t reaper_pid;     /* learnt from the tty line (PPID), for clean-up */
	pid_t child_pgid;
	char pending[4096];   /* bytes read but not yet returned as a line */
	size_t pending_len;
	char seen[16384];     /* everything read, for failure messages */
	size_t seen_len;
};

struct probe {
	long pid, pgid, fg, sid, ppid;
};

/* Kill all that a case started: the session leader's group, reaper's and
 * the child's. Safe to call twice. */
static void term_kill_all(struct term *t)
{
	if (t->child_pgid > 0)
		(void)kill(-t->child_pgid, SIGKILL); /* ESRCH: already gone */
	if (t->reaper_pid > 0)
		(void)kill(-t->reaper_pid, SIGKILL);
	if (t->leader_pid > 0) {
		(void)kill(-t->leader_pid, SIGKILL);
		(void)waitpid(t->leader_pid, NULL, 0);
		t->leader_pid = 0;
	}
}

static void term_close(struct term *t)
{
	term_kill_all(t);
	if (t->master_fd >= 0)
		(void)close(t->master_fd);
	if (t->leader_pidfd >= 0)
		(void)close(t->leader_pidfd);
	t->master_fd = t->leader_pidfd = -1;
}

/* What the processes of the session are doing, e.g. "1234 T (ttyprobe)":
 * a child stopped by SIGTTOU shows up here. */
static void describe_states(const struct term *t, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	pid_t pids[] = { t->leader_pid, t->reaper_pid, t->child_pgid };
	for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++) {
		if (pids[i] <= 0)
			continue;
		char path[64], stat[256] = "";
		snprintf(path, sizeof path, "/proc/%ld/stat", (long)pids[i]);
		FILE *f = fopen(path, "re");
		if (f) {
			if (!fgets(stat, sizeof stat, f))
				stat[0] = '\0';
			fclose(f);
		}
		char *end = strchr(stat, ')');
		int n = snprintf(out + used, size - used, "[%ld: %.*s] ", (long)pids[i],
				 end ? (int)(end - stat + 3) : 0, stat);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static void term_fail(struct term *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void term_fail(struct term *t, const char *fmt, ...)
{
	char why[512], states[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	describe_states(t, states, sizeof states);
	term_close(t);
	ck_abort_msg("%s; processes: %s; terminal said: \"%.*s\"", why, states,
		     (int)t->seen_len, t->seen);
	abort(); /* not reached: ck_abort_msg does not return */
}

/* In the forked session leader: only async-signal-safe calls, and _exit
 * with a code that names the failed step. */
static void become_session_leader(int slave_fd)
{
	if (setsid() < 0)
		_exit(120);
	if (ioctl(slave_fd, TIOCSCTTY, 0) < 0)
		_exit(122);
	/* No echo and no "\n" -> "\r\n", so the master reads exactly what the
	 * programs wrote; ISIG stays on, so ^C still means SIGINT. No TOSTOP,
	 * so a background writer is not stopped. */
	struct termios tio;
	if (tcgetattr(slave_fd, &tio) < 0)
		_exit(123);
	tio.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | TOSTOP);
	tio.c_lflag |= ISIG;
	tio.c_oflag &= ~(tcflag_t)OPOST;
	tio.c_cc[VINTR] = 0x03;
	if (tcsetattr(slave_fd, TCSANOW, &tio) < 0)
		_exit(124);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave_fd, fd) < 0)
			_exit(125);
	/* slave_fd itself is close-on-exec. */
}

/*
 * Start argv on a new terminal. foreground: argv is exec'd by the session
 * leader itself. Otherwise the leader forks argv into a new process group
 * (background, the leader keeps the terminal), waits for it and exits
 * with its exit code (or 128 + signal).
 */
static void term_start(struct term *t, char *const argv[], bool foreground)
{
	memset(t, 0, sizeof *t);
	t->master_fd = t->leader_pidfd = -1;

	int slave_fd;
	open_pty(&t->master_fd, &slave_fd);

	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		become_session_leader(slave_fd);
		if (foreground) {
			execv(argv[0], argv);
			_exit(126);
		}
		pid_t job = fork();
		if (job < 0)
			_exit(127);
		if (job == 0) {
			if (setpgid(0, 0) < 0)
				_exit(119);
			execv(argv[0], argv);
			_exit(126);
		}
		/* The stand-in shell: its own group stays in the foreground. */
		int status;
		while (waitpid(job, &status, 0) < 0)
			if (errno != EINTR)
				_exit(118);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	(void)close(slave_fd); /* only the session holds the slave: EIO once it is gone */
	t->leader_pid = pid;
	t->leader_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->leader_pidfd < 0)
		term_fail(t, "pidfd_open: %s", strerror(errno));
}

/* One line from the master within timeout_ms, without its "\n" (and
 * without a "\r", should the terminal add one). false on EOF/EIO (every
 * slave closed) or timeout. */
static bool term_read_line(struct term *t, char *line, size_t size, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		char *nl = memchr(t->pending, '\n', t->pending_len);
		if (nl) {
			size_t len = (size_t)(nl - t->pending);
			size_t keep = len > 0 && t->pending[len - 1] == '\r' ? len - 1 : len;
			if (keep >= size)
				keep = size - 1;
			memcpy(line, t->pending, keep);
			line[keep] = '\0';
			t->pending_len -= len + 1;
			memmove(t->pending, nl + 1, t->pending_len);
			return true;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd pfd = { .fd = t->master_fd, .events = POLLIN };
		int ready = poll(&pfd, 1, (int)left);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return false;
		if (t->pending_len == sizeof t->pending)
			term_fail(t, "a line longer than %zu bytes", sizeof t->pending);
		ssize_t n = read(t->master_fd, t->pending + t->pending_len,
				 sizeof t->pending - t->pending_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false; /* EIO: no process has the slave open any more */
		size_t copy = (size_t)n;
		if (copy > sizeof t->seen - 1 - t->seen_len)
			copy = sizeof t->seen - 1 - t->seen_len;
		memcpy(t->seen + t->seen_len, t->pending + t->pending_len, copy);
		t->seen_len += copy;
		t->seen[t->seen_len] = '\0';
		t->pending_len += (size_t)n;
	}
}

/* The next line from ttyprobe ("tty ..." or "sig N"). Reaper's stderr
 * shares the terminal, so its messages are skipped here (they stay in
 * t->seen for failure messages). */
static bool term_read_probe_line(struct term *t, char *line, size_t size)
{
	long long deadline = now_ms() + LINE_MS;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0 || !term_read_line(t, line, size, (int)left))
			return false;
		if (strncmp(line, "tty ", 4) == 0 || strncmp(line, "sig ", 4) == 0)
			return true;
	}
}

static void term_expect_line(struct term *t, const char *want)
{
	char line[256];
	if (!term_read_probe_line(t, line, sizeof line))
		term_fail(t, "no line \"%s\" within %d ms", want, LINE_MS);
	if (strcmp(line, want) != 0)
		term_fail(t, "expected \"%s\", got \"%s\"", want, line);
}

static struct probe term_read_probe(struct term *t)
{
	char line[256];
	if (!term_read_probe_line(t, line, sizeof line))
		term_fail(t, "ttyprobe printed no tty line within %d ms", LINE_MS);
	struct probe p;
	char extra;
	if (sscanf(line, "tty %ld %ld %ld %ld %ld%c", &p.pid, &p.pgid, &p.fg, &p.sid, &p.ppid,
		   &extra) != 5)
		term_fail(t, "not a tty line: \"%s\"", line);
	t->child_pgid = (pid_t)p.pgid;
	t->reaper_pid = (pid_t)p.ppid;
	return p;
}

/* Wait for the session leader to exit; its exit code (or 128 + signal). */
static int term_wait(struct term *t)
{
	struct pollfd pfd = { .fd = t->leader_pidfd, .events = POLLIN };
	long long deadline = now_ms() + EXIT_MS;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			term_fail(t, "session leader %ld still running after %d ms",
				  (long)t->leader_pid, EXIT_MS);
		int ready = poll(&pfd, 1, (int)left);
		if (ready > 0)
			break;
		if (ready < 0 && errno != EINTR)
			term_fail(t, "poll pidfd: %s", strerror(errno));
	}
	int status;
	pid_t got;
	while ((got = waitpid(t->leader_pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (got != t->leader_pid)
		term_fail(t, "waitpid: %s", strerror(errno));
	t->leader_pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void term_type(struct term *t, const char *bytes)
{
	size_t len = strlen(bytes);
	if (write(t->master_fd, bytes, len) != (ssize_t)len)
		term_fail(t, "write to the master: %s", strerror(errno));
}

/* Foreground: rows of (what the child does on SIGINT, reaper's exit code). */
static const struct {
	const char *on_int[4];
	int want_exit;
} fg_rows[] = {
	{ { "--exit-on", "2", "--code", "42" }, 42 }, /* child exits 42 on ^C */
	{ { "--die-on", "2", NULL, NULL }, 128 + SIGINT }, /* child killed by ^C */
};

START_TEST(test_foreground_child_owns_terminal)
{
	char *argv[8] = { (char *)reaper_path(), "--", (char *)helper_path("ttyprobe") };
	size_t argc = 3;
	for (size_t i = 0; i < 4 && fg_rows[_i].on_int[i]; i++)
		argv[argc++] = (char *)fg_rows[_i].on_int[i];
	argv[argc] = NULL;

	struct term t;
	term_start(&t, argv, true);
	struct probe p = term_read_probe(&t);

	/* reaper is the session leader and the child's parent ... */
	if (p.ppid != t.leader_pid || p.sid != t.leader_pid)
		term_fail(&t, "child's parent %ld / session %ld should both be reaper %ld",
			  p.ppid, p.sid, (long)t.leader_pid);
	/* ... the child leads its own process group ... */
	if (p.pgid != p.pid || p.pgid == p.sid)
		term_fail(&t, "child pgid %ld: should be its own pid %ld, not reaper's %ld", p.pgid,
			  p.pid, p.sid);
	/* ... and that group is the terminal's foreground, seen from both sides. */
	if (p.fg != p.pgid)
		term_fail(&t, "tcgetpgrp in the child is %ld, want the child's group %ld "
			      "(reaper's group is %ld)", p.fg, p.pgid, p.sid);
	pid_t fg_master = tcgetpgrp(t.master_fd);
	if (fg_master != (pid_t)p.pgid)
		term_fail(&t, "tcgetpgrp on the master is %ld, want %ld", (long)fg_master, p.pgid);

	term_type(&t, "\x03"); /* Ctrl-C */
	term_expect_line(&t, "sig 2");
	int code = term_wait(&t);
	if (code != fg_rows[_i].want_exit)
		term_fail(&t, "reaper exited %d, want the child's status %d", code,
			  fg_rows[_i].want_exit);
	term_close(&t);
}
END_TEST

START_TEST(test_background_does_not_steal_terminal)
{
	char *argv[] = { (char *)reaper_path(), "--", (char *)helper_path("ttyprobe"),
			 "--exit-on", "2", "--code", "42", NULL };
	struct term t;
	term_start(&t, argv, false);
	struct probe p = term_read_probe(&t);

	long shell = (long)t.leader_pid;
	if (p.sid != shell)
		term_fail(&t, "child's session %ld, want the shell's %ld", p.sid, shell);
	if (getpgid((pid_t)p.ppid) != (pid_t)p.ppid)
		term_fail(&t, "reaper %ld should lead its own (background) group", p.ppid);
	if (p.pgid != p.pid)
		term_fail(&t, "child pgid %ld, want its own pid %ld", p.pgid, p.pid);
	if (p.fg != shell)
		term_fail(&t, "tcgetpgrp in the child is %ld: the foreground moved away from "
			      "the shell's group %ld", p.fg, shell);
	pid_t fg_master = tcgetpgrp(t.master_fd);
	if (fg_master != (pid_t)shell)
		term_fail(&t, "tcgetpgrp on the master is %ld, want the shell's group %ld",
			  (long)fg_master, shell);

	/* Still a working job: a signal to reaper is forwarded, the child
	 * exits, reaper exits with its code and the shell reports it. */
	if (kill((pid_t)p.ppid, SIGINT) != 0)
		term_fail(&t, "kill reaper: %s", strerror(errno));
	term_expect_line(&t, "sig 2");
	int code = term_wait(&t);
	if (code != 42)
		term_fail(&t, "shell saw reaper exit %d, want the child's 42", code);
	term_close(&t);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("pty");
	TCase *tc = tcase_create("terminal");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_foreground_child_owns_terminal, 0,
			    (int)(sizeof fg_rows / sizeof fg_rows[0]));
	tcase_add_test(tc, test_background_does_not_steal_terminal);
	suite_add_tcase(s, tc);
	return s;
}
