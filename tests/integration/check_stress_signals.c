/*
 * check_stress_signals: a storm of 100000 signals (issue 8, stress test 1;
 * DESIGN.md "Real-time signals are forwarded one for one", "SIGCHLD means
 * drain").
 *
 * The job is tests/helpers/sigrecorder ("sig N" per signal it reads),
 * with a worker of tests/helpers/orphanstream beside it that makes orphans
 * in batches of 1000, in a process group of its own, for as long as the
 * storm lasts: reaper has to reap a stream of them while it forwards.
 *
 * The storm: ROUNDS rounds; in each, SENDERS processes at once send
 * PER_SENDER signals each to reaper: a third real-time by sigqueue, a
 * third real-time by kill (RTMIN to RTMAX-1, SIGRTMAX is the end marker),
 * a third standard (HUP to PWR, no STOP, KILL or fault). ROUNDS * SENDERS
 * * PER_SENDER = 100000. A round starts once every real-time signal of the
 * previous one has reached the recorder: that keeps the queues within
 * RLIMIT_SIGPENDING (a sigqueue refused with EAGAIN fails the test), and
 * it is how the test sees that reaper stays responsive: each round must
 * come through within ROUND_MS.
 *
 * What must hold, as PID 1 of a new namespace and on the host:
 * - every real-time signal is forwarded exactly once: per signal number,
 *   the recorder's count equals the number sent, and nothing but late
 *   standard signals comes between the storm and the end marker;
 * - a standard signal coalesces, so each kind sent arrives at least once
 *   and at most as often as it was sent;
 * - no SIGCHLD is lost: once the worker has stopped (the test writes to
 *   stdin; it prints "orphans N"), no zombie and no process but the
 *   recorder is left below reaper, and --report counts exactly N + 1
 *   processes reaped (the orphans and the recorder);
 * - reaper exits with the recorder's code, 7.
 *
 * Flood: deadlines keep their time while signals pour in faster than
 * reaper can forward them. Reaper runs with --timeout 1s over
 * tests/helpers/sigignorer (which would run for ever), under prlimit
 * --sigpending=2048 so that its queue, and the count of pending signals
 * that RLIMIT_SIGPENDING keeps for every process of the user, stay
 * bounded (what does not fit is coalesced by the kernel). FLOOD_SENDERS
 * processes send it real-time signals without pause for up to FLOOD_MS;
 * reaper must exit 124 while the flood still goes on, and within
 * FLOOD_SLACK_MS of its deadline. (Reaper reads its signals 32 at a
 * time; before ebd03bc it looked at its timer only once a read came back
 * short, so under a flood the deadline waited for the flood to end.)
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define ROUNDS 25
#define SENDERS 4
#define PER_SENDER 1000
#define TOTAL (ROUNDS * SENDERS * PER_SENDER)
#define LINE_MS 10000
#define ROUND_MS 20000
#define SETTLE_MS 20000
#define EXIT_MS 20000
#define JOB_CODE 7
#define FLOOD_SENDERS 2
#define FLOOD_MS 6000
#define FLOOD_TIMEOUT_MS 1000
#define FLOOD_SLACK_MS 1500


static const int storm_standard[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
	SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF,
	SIGWINCH, SIGIO, SIGPWR,
};
#define N_STANDARD (int)(sizeof storm_standard / sizeof storm_standard[0])

enum how { BY_SIGQUEUE, BY_KILL };

/* Signal number k of the storm and how it is sent: a pure function, so
 * the test can count what the senders sent without asking them. */
static int storm_signal(long k, enum how *how)
{
	int span = SIGRTMAX - SIGRTMIN; /* RTMIN .. RTMAX-1 */
	*how = k % 3 == 0 ? BY_SIGQUEUE : BY_KILL;
	switch (k % 3) {
	case 0:
		return SIGRTMIN + (int)((k / 3) % span);
	case 1:
		return SIGRTMIN + (int)((k / 3 + 7) % span);
	default:
		return storm_standard[(k / 3) % N_STANDARD];
	}
}

static bool is_rt(int signo)
{
	return signo >= SIGRTMIN && signo < SIGRTMAX;
}

/* A sender: signals first .. first+count-1 of the storm to pid. Any
 * failure, EAGAIN included (the pacing should prevent it), exits 1 with
 * the errno as the code's reason on stderr. Never returns. */
static void sender(pid_t pid, long first, long count)
{
	for (long k = first; k < first + count; k++) {
		enum how how;
		int signo = storm_signal(k, &how);
		union sigval v = { .sival_int = (int)k };
		int rc = how == BY_SIGQUEUE ? sigqueue(pid, signo, v) : kill(pid, signo);
		if (rc != 0) {
			char msg[96];
			int n = snprintf(msg, sizeof msg, "sender: signal %d (#%ld): %s\n", signo, k,
					 strerror(errno));
			(void)!write(STDERR_FILENO, msg, (size_t)n);
			_exit(1);
		}
	}
	_exit(0);
}

/* One round: SENDERS processes at once, each its own slice; wait for all. */
static void run_round(pid_t reaper, int round)
{
	pid_t pids[SENDERS];
	for (int s = 0; s < SENDERS; s++) {
		pids[s] = fork();
		ck_assert_msg(pids[s] >= 0, "fork: %s", strerror(errno));
		if (pids[s] == 0)
			sender(reaper, ((long)round * SENDERS + s) * PER_SENDER, PER_SENDER);
	}
	for (int s = 0; s < SENDERS; s++) {
		int status;
		pid_t got;
		while ((got = waitpid(pids[s], &status, 0)) < 0 && errno == EINTR)
			continue;
		ck_assert_int_eq(got, pids[s]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "round %d: sender %d failed (status %#x)", round, s, status);
	}
}

struct tally {
	long rt_want[NSIG], rt_seen[NSIG];
	long std_sent[NSIG], std_seen[NSIG];
	long rt_total_seen;
	long orphans;        /* from the worker's "orphans N", -1 before */
	bool worker_reaped;  /* the recorder's "sig 17" */
};

/* Take one line of the recorder's (or the worker's) output into t. */
static void take_line(struct tally *t, const char *line, const char *when)
{
	long signo;
	if (strncmp(line, "orphans ", 8) == 0) {
		t->orphans = strtol(line + 8, NULL, 10);
		return;
	}
	ck_assert_msg(sscanf(line, "sig %ld", &signo) == 1 && signo > 0 && signo < NSIG,
		      "%s: unexpected line \"%s\"", when, line);
	if (signo == SIGCHLD)
		t->worker_reaped = true;
	else if (is_rt((int)signo))
		t->rt_seen[signo]++, t->rt_total_seen++;
	else if (t->std_sent[signo] > 0)
		t->std_seen[signo]++;
	else
		ck_abort_msg("%s: the recorder got signal %ld, which nobody sent", when, signo);
}

static void next_line(struct run *r, char *line, size_t size, int timeout_ms, const char *when)
{
	ck_assert_msg(run_read_line(r, line, size, timeout_ms),
		      "%s: no line within %d ms\n--- stderr:\n%.2000s", when, timeout_ms, r->err);
}

START_TEST(test_storm)
{
	enum run_where where = wheres[_i];
	struct rlimit lim;
	ck_assert_int_eq(getrlimit(RLIMIT_SIGPENDING, &lim), 0);
	/* A round queues at most SENDERS * PER_SENDER real-time signals at
	 * reaper and as many at the recorder. */
	if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < 4 * SENDERS * PER_SENDER) {
		fprintf(stderr, "SKIP %s: RLIMIT_SIGPENDING %lu is too low for a round of %d\n",
			tcase_name(), (unsigned long)lim.rlim_cur, SENDERS * PER_SENDER);
		return;
	}

	static struct tally t;
	memset(&t, 0, sizeof t);
	t.orphans = -1;
	long rt_per_round[ROUNDS] = { 0 };
	for (long k = 0; k < TOTAL; k++) {
		enum how how;
		int signo = storm_signal(k, &how);
		if (is_rt(signo)) {
			t.rt_want[signo]++;
			rt_per_round[k / (SENDERS * PER_SENDER)]++;
		} else {
			t.std_sent[signo]++;
		}
	}

	char *argv[] = { (char *)reaper_path(), "--report", "--",
			 (char *)helper_path("orphanstream"), "--background", "--batch", "1000", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "RTMAX", "--exit", "7",
			 NULL };
	/* Every signal blocked from fork on: reaper passes that mask to the
	 * recorder, which closes the window before it blocks them itself. */
	static sigset_t all;
	sigfillset(&all);
	struct run_opts opts = { .pipe_stdin = true, .mask = &all };
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "no ready line: %s",
		      r.err);
	pid_t reaper = run_reaper_pid(&r, LINE_MS);
	ck_assert(run_reaper_blocks(&r, SIGRTMIN, LINE_MS));

	char line[256], when[64];
	long rt_want_so_far = 0;
	long long start = now_ms();
	for (int round = 0; round < ROUNDS; round++) {
		snprintf(when, sizeof when, "round %d of %d", round + 1, ROUNDS);
		run_round(reaper, round);
		rt_want_so_far += rt_per_round[round];
		long long deadline = now_ms() + ROUND_MS;
		while (t.rt_total_seen < rt_want_so_far) {
			long long left = deadline - now_ms();
			ck_assert_msg(left > 0 && run_read_line(&r, line, sizeof line, (int)left),
				      "%s: %ld of %ld real-time signals reached the recorder within "
				      "%d ms: reaper lost some or is not keeping up\n--- stderr:\n%.2000s", when,
				      t.rt_total_seen, rt_want_so_far, ROUND_MS, r.err);
			take_line(&t, line, when);
		}
		ck_assert_msg(!t.worker_reaped && t.orphans < 0, "%s: the orphan worker ended early",
			      when);
	}
	long long storm_ms = now_ms() - start;

	/* Stop the worker: it prints "orphans N", the recorder reaps it. */
	ck_assert_int_eq(write(r.stdin_fd, "\n", 1), 1);
	while (t.orphans < 0 || !t.worker_reaped) {
		next_line(&r, line, sizeof line, LINE_MS, "stopping the orphan worker");
		take_line(&t, line, "stopping the orphan worker");
	}
	await_below(&r, reaper, 0, 1, SETTLE_MS, "after the storm (a SIGCHLD lost?)");

	/* The end marker: before it, only late standard signals. */
	char marker[32];
	snprintf(marker, sizeof marker, "sig %d", SIGRTMAX);
	run_signal(&r, SIGRTMAX);
	for (;;) {
		next_line(&r, line, sizeof line, LINE_MS, "the end marker");
		if (strcmp(line, marker) == 0)
			break;
		take_line(&t, line, "before the end marker");
	}
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == JOB_CODE, "%s: reaper exited %d after the storm, want the "
		      "recorder's %d\n--- stderr:\n%s", where_phrase(where), code, JOB_CODE,
		      r.err);

	for (int signo = SIGRTMIN; signo < SIGRTMAX; signo++)
		ck_assert_msg(t.rt_seen[signo] == t.rt_want[signo],
			      "%s: signal %d reached the recorder %ld times, was sent %ld times",
			      where_phrase(where), signo, t.rt_seen[signo], t.rt_want[signo]);
	long std_total = 0;
	for (int i = 0; i < N_STANDARD; i++) {
		int signo = storm_standard[i];
		ck_assert_msg(t.std_seen[signo] >= 1 && t.std_seen[signo] <= t.std_sent[signo],
			      "%s: signal %d reached the recorder %ld times, was sent %ld times",
			      where_phrase(where), signo, t.std_seen[signo], t.std_sent[signo]);
		std_total += t.std_seen[signo];
	}
	char want[96];
	snprintf(want, sizeof want, "reaper: report: processes reaped: %ld;", t.orphans + 1);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s: the worker made %ld orphans; want \"%s\" "
		      "in\n%s", where_phrase(where), t.orphans, want, r.err);
	ck_assert_int_eq(r.leftovers, 0);
	fprintf(stderr, "stress_signals %s: %d signals in %lld ms; %ld real-time forwarded "
		"one for one, %ld standard arrived; %ld orphans reaped meanwhile\n",
		where_phrase(where), TOTAL, storm_ms, t.rt_total_seen, std_total, t.orphans);
}
END_TEST

/* ---- flood ------------------------------------------------------------- */

/* A flood sender: real-time signals through pidfd until its process has
 * exited (exit 0) or until_ms (CLOCK_MONOTONIC) has passed (exit 2).
 * Never returns. */
static void flood_sender(int pidfd, long long until_ms, int seed)
{
	int span = SIGRTMAX - SIGRTMIN;
	for (long k = seed;; k++) {
		if (syscall(SYS_pidfd_send_signal, pidfd, SIGRTMIN + (int)(k % span), NULL, 0) != 0)
			_exit(errno == ESRCH ? 0 : 1);
		if (k % 256 == 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
			if (poll(&pfd, 1, 0) != 0)
				_exit(0);
			if (now_ms() >= until_ms)
				_exit(2); /* the flood is over, and reaper still runs */
		}
	}
}

START_TEST(test_deadline_in_a_flood)
{
	enum run_where where = wheres[_i];
	char prlimit[4096];
	if (find_program("prlimit", prlimit, sizeof prlimit) == NULL) {
		fprintf(stderr, "SKIP %s: prlimit(1) is not installed (util-linux)\n", tcase_name());
		return;
	}
	char *argv[] = { prlimit, "--sigpending=2048", (char *)reaper_path(), "--timeout", "1s",
			 "--kill-after", "100ms", "--", (char *)helper_path("sigignorer"), "9",
			 NULL };
	struct run_opts opts = { .pipe_stdin = true };
	struct run r;
	long long start = now_ms();
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_line(&r, "ready", LINE_MS), "sigignorer not ready: %s", r.err);
	/* The child runs: reaper blocked every signal before it forked. */
	pid_t reaper = run_reaper_pid(&r, LINE_MS);
	int pidfd = (int)syscall(SYS_pidfd_open, reaper, 0);
	ck_assert_msg(pidfd >= 0, "pidfd_open %d: %s", (int)reaper, strerror(errno));

	pid_t senders[FLOOD_SENDERS];
	long long until = now_ms() + FLOOD_MS;
	for (int s = 0; s < FLOOD_SENDERS; s++) {
		senders[s] = fork();
		ck_assert_msg(senders[s] >= 0, "fork: %s", strerror(errno));
		if (senders[s] == 0)
			flood_sender(pidfd, until, s * 7);
	}
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	long long left = until + 2000 - now_ms();
	(void)poll(&pfd, 1, left > 0 ? (int)left : 0);
	long long ended = now_ms() - start;
	bool outlasted = false;
	for (int s = 0; s < FLOOD_SENDERS; s++) {
		int status;
		while (waitpid(senders[s], &status, 0) < 0 && errno == EINTR)
			continue;
		ck_assert_msg(WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
						    WEXITSTATUS(status) == 2),
			      "flood sender %d failed (status %#x)", s, status);
		outlasted = outlasted || WEXITSTATUS(status) == 2;
	}
	close(pidfd);
	int code = run_wait(&r, LINE_MS);
	ck_assert_msg(!outlasted, "%s: with --timeout 1s, reaper was still running when the "
		      "flood of real-time signals ended after %d ms; it exited %lld ms after it "
		      "started (exit code %d): its deadline waits for the signal queue to empty",
		      where_phrase(where), FLOOD_MS, ended, code);
	ck_assert_msg(ended <= FLOOD_TIMEOUT_MS + FLOOD_SLACK_MS,
		      "%s: with --timeout 1s, reaper exited %lld ms after it started, while "
		      "real-time signals kept coming for up to %d ms: its deadline waited for the "
		      "flood to end (exit code %d)", where_phrase(where), ended, FLOOD_MS, code);
	ck_assert_msg(code == 124, "%s: reaper exited %d, want 124 (--timeout)\n%s",
		      where_phrase(where), code, r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("stress_signals");
	TCase *tc = tcase_create("storm");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_storm, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("flood");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_deadline_in_a_flood, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
