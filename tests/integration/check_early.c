/*
 * check_early: signals that reach reaper in its first milliseconds, before
 * the child exists or has exec'd, are delivered to the child, not lost
 * (DESIGN.md, "The core loop", step 2: everything is blocked before fork
 * and forwarded once the child exists).
 *
 * Two angles, each repeated many times to shake out the race:
 *
 * - queued before reaper runs: reaper is started with the signals already
 *   blocked (its original mask) and they are sent at once, so they are
 *   pending when reaper starts. Reaper must read them from its signalfd and
 *   forward them; the child starts with that same original mask (reaper
 *   restores it), so the recorder finds them pending on its own signalfd
 *   and no window is left: every signal must be printed.
 * - sent the moment reaper blocks it: reaper starts with nothing blocked;
 *   USR1 goes out as soon as /proc shows reaper has blocked it, usually
 *   before the child has exec'd. The child is cat with the default action
 *   for USR1, so if the signal is delivered at any point it dies of it
 *   (reaper exits 138); if it is lost, cat is still waiting on stdin
 *   after the deadline and reaper ends with cat's 0.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 10000
#define REPEAT 50
/* How long a delivered signal may take to end cat before we call it lost. */
#define LOST_AFTER_MS 5000

/* Start reaper running the recorder with mask blocked from the start, and
 * send it each of signos at once: no wait at all on the host, and on the
 * namespace only for unshare to fork the process that becomes reaper. */
static void start_and_send(struct run *r, enum run_where where, const int *signos, int n)
{
	sigset_t mask;
	sigemptyset(&mask);
	for (int i = 0; i < n; i++)
		sigaddset(&mask, signos[i]);
	struct run_opts opts = { .mask = &mask };
	char *argv[] = { (char *)reaper_path(), (char *)helper_path("sigrecorder"), "--exit-on",
			 "TERM", NULL };
	run_start(r, where, argv, &opts);
	pid_t pid = where == RUN_HOST ? r->pid : run_reaper_pid(r, TIMEOUT_MS);
	for (int i = 0; i < n; i++)
		ck_assert_msg(kill(pid, signos[i]) == 0, "kill %d", signos[i]);
}

/* End the recorder with TERM through reaper; reaper exits 0. */
static void finish(struct run *r, enum run_where where, int iteration)
{
	run_signal(r, SIGTERM);
	int got = run_wait(r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s, run %d: exit %d; stdout: %s; stderr: %s", where_name(where),
		      iteration, got, r->out, r->err);
	ck_assert_msg(r->err_len == 0, "as %s, run %d: stderr: %s", where_name(where), iteration,
		      r->err);
}

START_TEST(test_queued_before_start)
{
	enum run_where where = wheres[_i];
	static const int signos[] = { SIGUSR1 };
	for (int i = 0; i < REPEAT; i++) {
		struct run r;
		start_and_send(&r, where, signos, 1);
		ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, TIMEOUT_MS),
			      "as %s, run %d: no 'ready'; stdout: %s; stderr: %s",
			      where_name(where), i, r.out, r.err);
		ck_assert_msg(run_expect_line(&r, "sig 10", TIMEOUT_MS),
			      "as %s, run %d: USR1 sent at start never reached the child; "
			      "stdout: %s; stderr: %s",
			      where_name(where), i, r.out, r.err);
		finish(&r, where, i);
		ck_assert_int_eq(run_count_lines(&r, "sig 10"), 1);
	}
}
END_TEST

/* Several kinds at once: standard signals each once, a real-time signal
 * three times (they queue, so all three must come through). */
START_TEST(test_queued_burst_before_start)
{
	enum run_where where = wheres[_i];
	const int rt = SIGRTMIN + 2;
	const int signos[] = { SIGUSR1, SIGUSR2, SIGHUP, SIGWINCH, SIGALRM, rt, rt, rt };
	const int n = (int)(sizeof signos / sizeof signos[0]);
	char rt_line[16];
	snprintf(rt_line, sizeof rt_line, "sig %d", rt);
	for (int i = 0; i < REPEAT / 5; i++) {
		struct run r;
		start_and_send(&r, where, signos, n);
		/* Everything was sent before the recorder existed; the recorder
		 * reads it once ready. Wait for the last kind, then count. */
		ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, TIMEOUT_MS),
			      "as %s, run %d: no 'ready'; stderr: %s", where_name(where), i, r.err);
		long long deadline = now_ms() + TIMEOUT_MS;
		while (run_count_lines(&r, rt_line) < 3 || run_count_lines(&r, "sig 10") < 1 ||
		       run_count_lines(&r, "sig 12") < 1 || run_count_lines(&r, "sig 1") < 1 ||
		       run_count_lines(&r, "sig 28") < 1 || run_count_lines(&r, "sig 14") < 1) {
			long long left = deadline - now_ms();
			ck_assert_msg(left > 0 && !r.exited,
				      "as %s, run %d: not every early signal arrived; stdout: %s; "
				      "stderr: %s",
				      where_name(where), i, r.out, r.err);
			run_pump(&r, (int)left);
		}
		finish(&r, where, i);
		ck_assert_int_eq(run_count_lines(&r, "sig 10"), 1);
		ck_assert_int_eq(run_count_lines(&r, "sig 12"), 1);
		ck_assert_int_eq(run_count_lines(&r, "sig 1"), 1);
		ck_assert_int_eq(run_count_lines(&r, "sig 28"), 1);
		ck_assert_int_eq(run_count_lines(&r, "sig 14"), 1);
		ck_assert_int_eq(run_count_lines(&r, rt_line), 3);
	}
}
END_TEST

START_TEST(test_sent_when_reaper_blocks)
{
	enum run_where where = wheres[_i];
	for (int i = 0; i < REPEAT; i++) {
		struct run r;
		struct run_opts opts = { .pipe_stdin = true };
		char *argv[] = { (char *)reaper_path(), "/bin/cat", NULL };
		run_start(&r, where, argv, &opts);
		ck_assert_msg(run_reaper_blocks(&r, SIGUSR1, TIMEOUT_MS),
			      "as %s, run %d: reaper never blocked USR1; stderr: %s", where_name(where),
			      i, r.err);
		ck_assert_int_eq(kill(run_reaper_pid(&r, TIMEOUT_MS), SIGUSR1), 0);
		/* Delivered: cat dies of it and reaper exits. Lost: cat waits
		 * on stdin until run_wait closes it, and exits 0. */
		long long deadline = now_ms() + LOST_AFTER_MS;
		while (!r.exited && now_ms() < deadline)
			run_pump(&r, (int)(deadline - now_ms()));
		int got = run_wait(&r, TIMEOUT_MS);
		ck_assert_msg(got == 128 + SIGUSR1,
			      "as %s, run %d: USR1 sent as reaper started: exit %d, want %d "
			      "(0: the signal was lost); stderr: %s",
			      where_name(where), i, got, 128 + SIGUSR1, r.err);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("early");
	TCase *tc = tcase_create("queued");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_queued_before_start, 0, N_WHERES);
	tcase_add_loop_test(tc, test_queued_burst_before_start, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("racing");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_sent_when_reaper_blocks, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
