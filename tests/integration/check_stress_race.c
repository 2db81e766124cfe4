/*
 * check_stress_race: the main child exits at the very moment signals
 * arrive, ITERATIONS times on the host and PID1_ITERATIONS times as PID 1
 * of a new namespace (issue 8, stress test 4; DESIGN.md "signal the main
 * child through a pidfd ...; never signal a PID after reaping it").
 *
 * Each iteration starts reaper with tests/helpers/orphanstream as the main
 * child (every signal blocked, so its exit code is its own), reads its
 * PID P, and tells it on stdin to make a few orphans and exit; right
 * after that write the test sends reaper a burst of BURST signals (TERM,
 * USR1, RTMIN+1, HUP, ... through its pidfd), and then up to EXTRA more,
 * one with each attempt to arm the trap below, until reaper has exited.
 * (A flood without end would be another test: it only fills the queues,
 * and RLIMIT_SIGPENDING counts the signals of every process of the user.)
 * Every fourth iteration the child also leaves a lingering orphan in a
 * process group of its own, which blocks every signal: reaper's --orphans
 * policy must TERM it and KILL it after --grace 10ms, while signals keep
 * coming, now forwarded to what is left of the tree.
 *
 * What must hold, every time: reaper exits within ITERATION_MS (it never
 * hangs), with the child's code (it changes each iteration), and leaves
 * nothing behind.
 *
 * Never a recycled PID (on the host): once the child has exited, the test
 * creates a trap process with that very PID P (clone3 with set_tid, as
 * soon as reaper has reaped the child and P is free again), which makes
 * itself the leader of process group P and blocks every signal. A signal
 * reaper sent to P or to group P after reaping the child would stay
 * pending in the trap, which reports it in its exit status. The trap is
 * armed only when it wins the race against reaper's exit; how often it
 * did is printed, and in each case at least one trap must have been armed
 * while reaper was still running. Besides, a sentinel sibling
 * (tests/helpers/sigrecorder, started by the test, outside reaper's tree)
 * lives through every iteration of a case and must record nothing but the
 * final marker.
 *
 * The host's iterations run as HOST_CASES test cases of CASE_ITERATIONS,
 * each with a time limit of its own; as PID 1 there are no traps (the
 * child's PID is the namespace's own). Against an AddressSanitizer build
 * of reaper (make check-asan) a fifth of the iterations run, and SIGCONT
 * is left out (see reaper_has_asan).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, memmem */
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define ITERATIONS 1000
#define CASE_ITERATIONS 250 /* per test case, each with its own time limit */
#define PID1_ITERATIONS 250
#define HOST_CASES (ITERATIONS / CASE_ITERATIONS)
#define ASAN_DIVISOR 5
#define LINE_MS 10000
#define ITERATION_MS 10000
#define BURST 100
#define EXTRA 100

static const int race_signals[] = {
	SIGTERM, SIGUSR1, 0 /* RTMIN+1 */, SIGHUP, SIGINT, SIGWINCH, SIGCONT, 0 /* RTMIN+5 */,
	SIGUSR2, SIGQUIT, SIGALRM, SIGPIPE, SIGURG, SIGPWR,
};
#define N_RACE_SIGNALS (int)(sizeof race_signals / sizeof race_signals[0])

/* Is build/reaper built with AddressSanitizer (make check-asan)? Its
 * LeakSanitizer checks for leaks as reaper exits: it attaches to it with
 * PTRACE_ATTACH, whose SIGSTOP a SIGCONT arriving just then cancels, and
 * the check then waits for a stop that never comes (seen here: reaper
 * spinning in sched_yield, its tracer in wait4, SIGCONT pending). That is
 * the sanitizer's, not reaper's, so with such a build SIGCONT is left out
 * of the bursts. */
static bool reaper_has_asan(void)
{
	static int known = -1;
	if (known >= 0)
		return known;
	FILE *f = fopen(reaper_path(), "re");
	ck_assert_msg(f != NULL, "%s: %s", reaper_path(), strerror(errno));
	static const char needle[] = "__asan_init";
	char buf[65536 + sizeof needle];
	size_t carry = 0, n;
	known = 0;
	while (!known && (n = fread(buf + carry, 1, sizeof buf - carry, f)) > 0) {
		size_t len = carry + n;
		known = memmem(buf, len, needle, sizeof needle - 1) != NULL;
		carry = len < sizeof needle ? len : sizeof needle - 1;
		memmove(buf, buf + len - carry, carry);
	}
	fclose(f);
	return known;
}

static int race_signal(long n)
{
	int i = (int)(n % N_RACE_SIGNALS);
	if (race_signals[i] == SIGCONT && reaper_has_asan())
		return SIGWINCH;
	if (race_signals[i] != 0)
		return race_signals[i];
	return i == 2 ? SIGRTMIN + 1 : SIGRTMIN + 5;
}

struct trap {
	pid_t pid;     /* 0: not armed */
	int hold_fd;   /* write end of the pipe the trap waits on */
};

/* Try to create the trap with PID want: a child of the test, every signal
 * blocked, leading process group want, waiting for EOF on a pipe, then
 * exiting with the lowest signal pending (0: none). false when want is
 * still taken (or set_tid is refused: then *refused says why). */
static bool arm_trap(struct trap *t, pid_t want, int *refused)
{
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&want;
	args.set_tid_size = 1;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0) {
		/* The trap: system calls only. */
		(void)setpgid(0, 0);
		int keep = p[0];
		(void)syscall(SYS_close_range, 0, (unsigned)keep - 1, 0);
		(void)syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0);
		char c;
		while (read(keep, &c, 1) != 0 && errno == EINTR)
			continue;
		sigset_t pending;
		sigemptyset(&pending);
		(void)sigpending(&pending);
		for (int signo = 1; signo < NSIG; signo++)
			if (sigismember(&pending, signo) == 1)
				_exit(signo);
		_exit(0);
	}
	int err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		if (err != EEXIST)
			*refused = err;
		return false;
	}
	(void)setpgid((pid_t)pid, (pid_t)pid); /* the trap does it too; one wins */
	t->pid = (pid_t)pid;
	t->hold_fd = p[1];
	return true;
}

/* Release the trap and fail if it caught a signal. */
static void check_trap(struct trap *t, int iteration)
{
	if (t->pid == 0)
		return;
	close(t->hold_fd);
	int status;
	pid_t got;
	while ((got = waitpid(t->pid, &status, 0)) < 0 && errno == EINTR)
		continue;
	ck_assert_int_eq(got, t->pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "iteration %d: reaper sent signal %d to the recycled PID %d (or its "
		      "group) after it had reaped the child (trap status %#x)", iteration,
		      WIFEXITED(status) ? WEXITSTATUS(status) : -1, (int)t->pid, status);
	t->pid = 0;
}

static bool gone(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	return poll(&pfd, 1, 0) > 0;
}

struct race_stats {
	long signals;        /* sent in all */
	int armed;           /* traps armed */
	int armed_live;      /* ... while reaper still ran */
	int refused;         /* set_tid not allowed: errno, 0 if it was */
};

static void one_iteration(enum run_where where, int i, struct race_stats *st)
{
	int code = (i * 37 + 11) % 256;
	bool linger = i % 4 == 1;
	char code_arg[8];
	snprintf(code_arg, sizeof code_arg, "%d", code);
	char *argv[12];
	size_t argc = 0;
	argv[argc++] = (char *)reaper_path();
	if (linger) {
		argv[argc++] = "--grace";
		argv[argc++] = "10ms";
	}
	argv[argc++] = "--";
	argv[argc++] = (char *)helper_path("orphanstream");
	argv[argc++] = "--exit";
	argv[argc++] = code_arg;
	argv[argc] = NULL;

	static sigset_t all;
	sigfillset(&all);
	struct run_opts opts = { .pipe_stdin = true, .mask = &all };
	struct run r;
	run_start(&r, where, argv, &opts);
	char line[128];
	ck_assert_msg(run_expect_prefix(&r, "ready ", line, sizeof line, LINE_MS),
		      "iteration %d: the child did not start: %s", i, r.err);
	pid_t child = (pid_t)strtol(line + 6, NULL, 10);
	bool traps = where == RUN_HOST && st->refused == 0;
	int child_fd = -1;
	if (traps) {
		child_fd = (int)syscall(SYS_pidfd_open, child, 0);
		ck_assert_msg(child_fd >= 0, "pidfd_open %d: %s", (int)child, strerror(errno));
	}
	if (linger) {
		ck_assert_int_eq(write(r.stdin_fd, "linger 1\n", 9), 9);
		ck_assert_msg(run_expect_line(&r, "lingering 1", LINE_MS),
			      "iteration %d: no lingering orphan: %s", i, r.err);
	}
	const char *go = i % 3 == 0 ? "exit\n" : "3\nexit\n";
	ck_assert_int_eq(write(r.stdin_fd, go, strlen(go)), (ssize_t)strlen(go));

	/* The race: a burst of signals at once, then one more with each
	 * attempt to arm the trap, until reaper is gone. Bounded: a flood
	 * would only fill the queues (RLIMIT_SIGPENDING is per user). */
	struct trap t = { 0, -1 };
	long long deadline = now_ms() + ITERATION_MS;
	long n = 0;
	while (!gone(r.pid_fd)) {
		long long left = deadline - now_ms();
		ck_assert_msg(left > 0, "iteration %d: reaper still running %d ms after its child "
			      "was told to exit (%ld signals sent)\n--- stderr:\n%s", i,
			      ITERATION_MS, n, r.err);
		bool child_gone = child_fd < 0 || gone(child_fd);
		bool trying = traps && t.pid == 0 && child_gone;
		if (n < BURST || (trying && n < BURST + EXTRA)) {
			int rc = (int)syscall(SYS_pidfd_send_signal, r.pid_fd, race_signal(n), NULL,
					      0);
			ck_assert_msg(rc == 0 || errno == ESRCH, "pidfd_send_signal: %s",
				      strerror(errno));
			n++;
		}
		if (trying) {
			if (arm_trap(&t, child, &st->refused)) {
				st->armed++;
				st->armed_live += !gone(r.pid_fd);
			}
			continue;
		}
		if (n < BURST)
			continue;
		/* Nothing to do but wait: for reaper's exit, or the child's. */
		struct pollfd pfd[2] = { { .fd = r.pid_fd, .events = POLLIN },
					 { .fd = child_fd, .events = POLLIN } };
		bool wait_child = traps && t.pid == 0 && !child_gone;
		(void)poll(pfd, wait_child ? 2 : 1, (int)left);
	}
	st->signals += n;
	if (child_fd >= 0)
		close(child_fd);
	check_trap(&t, i);
	int got = run_wait(&r, LINE_MS);
	ck_assert_msg(got == code, "iteration %d%s: reaper exited %d, want the child's %d "
		      "(%ld signals sent)\n--- stderr:\n%s", i, linger ? " (lingering orphan)" : "",
		      got, code, n, r.err);
	ck_assert_msg(r.leftovers == 0, "iteration %d: %d processes left behind", i, r.leftovers);
}

START_TEST(test_race)
{
	enum run_where where = _i < HOST_CASES ? RUN_HOST : RUN_PID1;
	int iterations = where == RUN_HOST ? CASE_ITERATIONS : PID1_ITERATIONS;
	int first = where == RUN_HOST ? _i * CASE_ITERATIONS : 0;
	/* An AddressSanitizer reaper takes ~250 ms to start and to check for
	 * leaks at exit, instead of ~30: a fifth of the iterations keeps the
	 * case within its time limit (make check-asan is about memory errors;
	 * the normal build runs them all). */
	if (reaper_has_asan())
		iterations /= ASAN_DIVISOR;

	/* The sentinel: a sibling of every reaper started here. */
	char *sentinel_argv[] = { (char *)helper_path("sigrecorder"), "--exit-on", "RTMAX", NULL };
	static sigset_t all;
	sigfillset(&all);
	struct run_opts opts = { .mask = &all };
	struct run sentinel;
	run_start(&sentinel, RUN_HOST, sentinel_argv, &opts);
	ck_assert_msg(run_expect_prefix(&sentinel, "ready ", NULL, 0, LINE_MS),
		      "the sentinel did not start: %s", sentinel.err);

	struct race_stats st = { 0, 0, 0, 0 };
	long long start = now_ms();
	for (int i = first; i < first + iterations; i++)
		one_iteration(where, i, &st);
	long long took = now_ms() - start;

	char marker[32], line[128];
	snprintf(marker, sizeof marker, "sig %d", SIGRTMAX);
	ck_assert_int_eq(kill(sentinel.pid, SIGRTMAX), 0);
	ck_assert_msg(run_read_line(&sentinel, line, sizeof line, LINE_MS), "the sentinel is silent");
	ck_assert_msg(strcmp(line, marker) == 0, "the sentinel, outside reaper's tree, got \"%s\" "
		      "before the marker\n%s", line, sentinel.out);
	ck_assert_int_eq(run_wait(&sentinel, LINE_MS), 0);

	fprintf(stderr, "stress_race %s: iterations %d-%d in %lld ms, %ld signals; traps on the "
		"recycled PID: %d armed, %d while reaper still ran%s%s\n",
		where_phrase(where), first, first + iterations - 1, took,
		st.signals,
		st.armed, st.armed_live, st.refused ? "; set_tid refused: " : "",
		st.refused ? strerror(st.refused) : "");
	if (where == RUN_HOST && st.refused == 0)
		ck_assert_msg(st.armed_live > 0, "no trap was armed while reaper still ran: the "
			      "recycled-PID check proved nothing");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("stress_race");
	TCase *tc = tcase_create("race");
	tcase_set_timeout(tc, 180); /* ~20 s each on an idle machine */
	tcase_add_loop_test(tc, test_race, 0, HOST_CASES + 1);
	suite_add_tcase(s, tc);
	return s;
}
