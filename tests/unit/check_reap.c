/*
 * check_reap: src/reap.h. The pure status mapping (exit N -> N, signal S ->
 * 128+S, core dumps change nothing, -e codes -> 0), the code and reason a
 * run ends with (reap_ending: --pause, then --timeout, then -e, a signal,
 * the exit code), then reap_drain against
 * real children of the test process: several zombies in one drain, the
 * main child's status and pidfd, a stopped main child, and errno kept.
 * Children are waited for with waitid(WNOWAIT), never with sleep.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "reap.h"
#include "reaper.h"
#include "unit_util.h"

#define CORE 0x80 /* the core-dump bit of a wait status */

/* ---- reap_exit_code ---------------------------------------------------- */

static const struct {
	int status, code;
} statuses[] = {
	{ W_EXITCODE(0, 0), 0 },            { W_EXITCODE(1, 0), 1 },
	{ W_EXITCODE(7, 0), 7 },            { W_EXITCODE(255, 0), 255 },
	{ W_EXITCODE(0, SIGHUP), 129 },     { W_EXITCODE(0, SIGINT), 130 },
	{ W_EXITCODE(0, SIGTERM), 143 },    { W_EXITCODE(0, SIGKILL), 137 },
	{ W_EXITCODE(0, SIGSEGV), 139 },    { W_EXITCODE(0, SIGSEGV) | CORE, 139 },
	{ W_EXITCODE(0, SIGABRT) | CORE, 134 },
};

START_TEST(test_exit_code)
{
	ck_assert_int_eq(reap_exit_code(statuses[_i].status), statuses[_i].code);
}
END_TEST

/* Every signal, real-time ones included, with and without a core dump. */
START_TEST(test_exit_code_every_signal)
{
	for (int signo = 1; signo <= SIGRTMAX; signo++) {
		ck_assert_int_eq(reap_exit_code(W_EXITCODE(0, signo)), 128 + signo);
		ck_assert_int_eq(reap_exit_code(W_EXITCODE(0, signo) | CORE), 128 + signo);
	}
}
END_TEST

/* ---- reap_apply_expected ----------------------------------------------- */

static const struct {
	int code, want;
} expected[] = {
	{ 143, 0 }, { 3, 0 }, { 7, 7 }, { 0, 0 }, { 1, 1 }, { 137, 137 }, { 255, 255 },
};

START_TEST(test_apply_expected)
{
	struct config cfg;
	cli_defaults(&cfg);
	cfg.expect_exit[143] = true;
	cfg.expect_exit[3] = true;
	ck_assert_int_eq(reap_apply_expected(&cfg, expected[_i].code), expected[_i].want);
}
END_TEST

START_TEST(test_apply_expected_none)
{
	struct config cfg;
	cli_defaults(&cfg);
	for (int code = 0; code < 256; code++)
		ck_assert_int_eq(reap_apply_expected(&cfg, code), code);
}
END_TEST

/* ---- reap_ending ------------------------------------------------------ */

static const struct {
	bool pause, timed_out;
	int status;
	int code;
	enum reap_reason reason;
} endings[] = {
	{ false, false, W_EXITCODE(0, 0), 0, REAP_EXITED },
	{ false, false, W_EXITCODE(7, 0), 7, REAP_EXITED },
	{ false, false, W_EXITCODE(3, 0), 0, REAP_EXPECTED },      /* -e 3 */
	{ false, false, W_EXITCODE(0, SIGTERM), 0, REAP_EXPECTED }, /* -e 143 */
	{ false, false, W_EXITCODE(0, SIGKILL), 137, REAP_KILLED },
	{ false, false, W_EXITCODE(0, SIGSEGV) | CORE, 139, REAP_KILLED },
	{ false, true, W_EXITCODE(0, SIGTERM), 124, REAP_TIMED_OUT },
	{ false, true, W_EXITCODE(3, 0), 124, REAP_TIMED_OUT },    /* timeout wins over -e */
	{ true, false, W_EXITCODE(0, 0), 0, REAP_PAUSED },
	{ true, true, W_EXITCODE(0, SIGKILL), 0, REAP_PAUSED },    /* --pause wins */
};

START_TEST(test_ending)
{
	struct config cfg;
	cli_defaults(&cfg);
	cfg.expect_exit[3] = true;
	cfg.expect_exit[143] = true;
	cfg.pause = endings[_i].pause;
	struct reap_ending e = reap_ending(&cfg, endings[_i].timed_out, endings[_i].status);
	ck_assert_msg(e.code == endings[_i].code && e.reason == endings[_i].reason,
		      "row %d: code %d reason %d, want %d %d", _i, e.code, e.reason,
		      endings[_i].code, endings[_i].reason);
}
END_TEST

/* ---- reap_drain -------------------------------------------------------- */

/* A child that ends at once: _exit(code), or killed by signo if nonzero. */
static pid_t spawn(int code, int signo)
{
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (signo != 0) {
			(void)signal(signo, SIG_DFL); /* KILL, STOP: EINVAL, and default anyway */
			raise(signo);
		}
		_exit(code);
	}
	return pid;
}

/* Block until pid has exited (or stopped), leaving it waitable. */
static void await(pid_t pid, int what)
{
	siginfo_t info;
	int rc;
	do
		rc = waitid(P_PID, (id_t)pid, &info, what | WNOWAIT);
	while (rc < 0 && errno == EINTR);
	ck_assert_msg(rc == 0, "waitid %d: %s", (int)pid, strerror(errno));
}

static void reaper_init(struct reaper *r, struct config *cfg, pid_t child)
{
	memset(r, 0, sizeof *r);
	cli_defaults(cfg);
	log_set_level(LOG_WARN); /* warn_reap is off: drain logs nothing */
	r->cfg = cfg;
	r->job.child_pid = child;
	r->job.child_pidfd = -1;
	r->tty.fd = -1;
	r->signal_fd = -1;
	r->trace_fd = -1; /* no trace lines on the test's stdin */
}

/* Main child exits 7 among two orphans: one drain takes all three. */
START_TEST(test_drain_many)
{
	struct config cfg;
	struct reaper r;
	pid_t main_pid = spawn(7, 0);
	pid_t others[2] = { spawn(0, 0), spawn(0, SIGTERM) };

	reaper_init(&r, &cfg, main_pid);
	r.job.child_pidfd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* stands in for the pidfd */
	ck_assert_int_ge(r.job.child_pidfd, 0);
	int fd = r.job.child_pidfd;
	await(main_pid, WEXITED);
	await(others[0], WEXITED);
	await(others[1], WEXITED);

	errno = EDOM;
	ck_assert_uint_eq(reap_drain(&r), 3);
	ck_assert_int_eq(errno, EDOM);
	ck_assert(r.job.child_reaped);
	ck_assert(!r.job.child_stopped);
	ck_assert(WIFEXITED(r.job.child_status));
	ck_assert_int_eq(WEXITSTATUS(r.job.child_status), 7);
	ck_assert_int_eq(reap_exit_code(r.job.child_status), 7);
	ck_assert_int_eq(r.job.child_pidfd, -1);
	ck_assert_msg(fcntl(fd, F_GETFD) < 0 && errno == EBADF, "pidfd left open");

	/* Nothing left: ECHILD is the normal end, errno still kept. */
	errno = EDOM;
	ck_assert_uint_eq(reap_drain(&r), 0);
	ck_assert_int_eq(errno, EDOM);
	ck_assert(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}
END_TEST

/* Children still running are left alone; the drain does not block. */
START_TEST(test_drain_nothing_yet)
{
	struct config cfg;
	struct reaper r;
	int pipe_fds[2];
	ck_assert_int_eq(pipe(pipe_fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char byte;
		close(pipe_fds[1]);
		_exit(read(pipe_fds[0], &byte, 1) == 0 ? 5 : 6); /* EOF: parent said go */
	}
	close(pipe_fds[0]);
	reaper_init(&r, &cfg, pid);

	ck_assert_uint_eq(reap_drain(&r), 0);
	ck_assert(!r.job.child_reaped && !r.job.child_stopped);

	close(pipe_fds[1]);
	await(pid, WEXITED);
	ck_assert_uint_eq(reap_drain(&r), 1);
	ck_assert(r.job.child_reaped);
	ck_assert_int_eq(reap_exit_code(r.job.child_status), 5);
}
END_TEST

/* A stopped main child is noted, not reaped; killed, it is. */
START_TEST(test_drain_stopped)
{
	struct config cfg;
	struct reaper r;
	pid_t pid = spawn(0, SIGSTOP);

	reaper_init(&r, &cfg, pid);
	await(pid, WSTOPPED);
	ck_assert_uint_eq(reap_drain(&r), 0);
	ck_assert(r.job.child_stopped);
	ck_assert(!r.job.child_reaped);

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	await(pid, WEXITED);
	ck_assert_uint_eq(reap_drain(&r), 1);
	ck_assert(r.job.child_reaped);
	ck_assert(WIFSIGNALED(r.job.child_status));
	ck_assert_int_eq(WTERMSIG(r.job.child_status), SIGKILL);
	ck_assert_int_eq(reap_exit_code(r.job.child_status), 137);
}
END_TEST

/* Orphans alone: counted, and the main child's state is not touched. */
START_TEST(test_drain_orphans_only)
{
	struct config cfg;
	struct reaper r;
	pid_t a = spawn(1, 0), b = spawn(0, SIGKILL);

	reaper_init(&r, &cfg, 999999);
	await(a, WEXITED);
	await(b, WEXITED);
	ck_assert_uint_eq(reap_drain(&r), 2);
	ck_assert(!r.job.child_reaped && !r.job.child_stopped);
	ck_assert_int_eq(r.job.child_status, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("reap");
	TCase *tc = unit_tcase(s, "status", 5);
	tcase_add_loop_test(tc, test_exit_code, 0, N(statuses));
	tcase_add_test(tc, test_exit_code_every_signal);
	tcase_add_loop_test(tc, test_apply_expected, 0, N(expected));
	tcase_add_test(tc, test_apply_expected_none);
	tcase_add_loop_test(tc, test_ending, 0, N(endings));

	tc = unit_tcase(s, "reap_drain", 10);
	tcase_add_test(tc, test_drain_many);
	tcase_add_test(tc, test_drain_nothing_yet);
	tcase_add_test(tc, test_drain_stopped);
	tcase_add_test(tc, test_drain_orphans_only);
	return s;
}
