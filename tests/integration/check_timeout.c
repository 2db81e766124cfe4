/*
 * check_timeout: -t/--timeout, -k/--kill-after and --stop-signal (issue 3,
 * test 4; DESIGN.md, "Options").
 *
 * - `--timeout 1s` on `sleep 100`: TERM at 1 s, sleep dies of it, reaper
 *   exits 124 inside the stop/grace window (at least 1 s after start, less
 *   than 1 s + the 3 s default grace: the timing the issue asks for);
 * - a job that ignores the stop signal is KILLed after --kill-after, not
 *   after the (much longer) grace period: the run's deadline is shorter
 *   than the grace, so waiting for the grace fails the test;
 * - --stop-signal picks the signal the timeout sends;
 * - -k also acts on a stop signal (TERM, INT, QUIT, HUP) forwarded from
 *   outside: KILL for everything still alive after D, a grandchild in
 *   another session included.
 *
 * As PID 1 and on the host; each option also from its REAPER_* variable.
 * Reaper runs with -v, whose lines name each stage.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
/* Shorter than LONG_GRACE: a reaper that waited for the grace instead of
 * --kill-after would be killed by the harness and fail the test. */
#define EXIT_MS 10000
#define LONG_GRACE "20s"
/* The stop/grace window of `--timeout 1s` with the default 3 s grace. */
#define TIMEOUT_MS 1000
#define DEFAULT_GRACE_MS 3000

/* How a row passes its options: on the command line, in a short form, or
 * through the environment. */
enum form { FORM_LONG, FORM_SHORT, FORM_ENV };
#define N_FORMS 3

static const char *form_name(enum form form)
{
	return form == FORM_LONG ? "long options" : form == FORM_SHORT ? "short options"
								       : "REAPER_* variables";
}

/* run_wait closes the job's stdin first, and the helpers here would take
 * that EOF as their cue to exit: wait for reaper to end on its own, pumping
 * its output, before run_wait collects it. Fails at the deadline. */
static void await_exit(struct run *r, int timeout_ms)
{
	int fd = pidfd_open(r->pid, 0);
	ck_assert_msg(fd >= 0, "pidfd_open %d: %s", (int)r->pid, strerror(errno));
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 0);
		ck_assert_msg(n >= 0, "poll pidfd: %s", strerror(errno));
		if (n > 0)
			break;
		long long left = deadline - now_ms();
		ck_assert_msg(left > 0, "reaper still running after %d ms; stdout: %s; stderr: %s",
			      timeout_ms, r->out, r->err);
		run_pump(r, left < 20 ? (int)left : 20);
	}
	close(fd);
}

static void find_err(const struct run *r, const char *text, const char *context)
{
	ck_assert_msg(strstr(r->err, text) != NULL, "%s: no '%s' on stderr: %s", context, text,
		      r->err);
}

/* `--timeout 1s` on `sleep 100`: 124, within [1 s, 1 s + grace). */
START_TEST(test_timeout_stops_sleep)
{
	enum run_where where = wheres[_i / N_FORMS];
	enum form form = _i % N_FORMS;
	char *env[] = { "REAPER_TIMEOUT=1s", NULL };
	struct run_opts opts = { .env_add = form == FORM_ENV ? env : NULL };
	char *argv_long[] = { (char *)reaper_path(), "-v", "--timeout", "1s", "sleep", "100", NULL };
	char *argv_short[] = { (char *)reaper_path(), "-v", "-t1s", "sleep", "100", NULL };
	char *argv_env[] = { (char *)reaper_path(), "-v", "sleep", "100", NULL };
	char *const *argv = form == FORM_LONG ? argv_long : form == FORM_SHORT ? argv_short
									       : argv_env;
	char context[64];
	snprintf(context, sizeof context, "as %s, %s", where_name(where), form_name(form));
	long long start = now_ms();
	struct run r;
	run_start(&r, where, argv, &opts);
	int got = run_wait(&r, EXIT_MS);
	long long elapsed = now_ms() - start;
	ck_assert_msg(got == 124, "%s: exit %d; stderr: %s", context, got, r.err);
	ck_assert_msg(elapsed >= TIMEOUT_MS && elapsed < TIMEOUT_MS + DEFAULT_GRACE_MS,
		      "%s: exit after %lld ms, want %d <= t < %d", context, elapsed, TIMEOUT_MS,
		      TIMEOUT_MS + DEFAULT_GRACE_MS);
	find_err(&r, "reaper: timeout of 1s expired: sending TERM, KILL after 3s\n", context);
	find_err(&r, "killed by TERM\n", context);
	ck_assert_msg(strstr(r.err, "KILL to") == NULL, "%s: KILL sent: %s", context, r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* A job that ignores TERM: KILLed --kill-after past the timeout, although
 * the grace period is far longer; still 124. */
START_TEST(test_kill_after_on_timeout)
{
	enum run_where where = wheres[_i / N_FORMS];
	enum form form = _i % N_FORMS;
	char *env[] = { "REAPER_TIMEOUT=500ms", "REAPER_KILL_AFTER=500ms",
			"REAPER_GRACE=" LONG_GRACE, NULL };
	struct run_opts opts = { .pipe_stdin = true, .env_add = form == FORM_ENV ? env : NULL };
	const char *ignorer = helper_path("sigignorer");
	char *argv_long[] = { (char *)reaper_path(), "-v", "--timeout=500ms", "--kill-after=500ms",
			      "--grace", LONG_GRACE, (char *)ignorer, NULL };
	char *argv_short[] = { (char *)reaper_path(), "-v", "-t", "500ms", "-k", "500ms",
			       "--grace=" LONG_GRACE, (char *)ignorer, NULL };
	char *argv_env[] = { (char *)reaper_path(), "-v", (char *)ignorer, NULL };
	char *const *argv = form == FORM_LONG ? argv_long : form == FORM_SHORT ? argv_short
									       : argv_env;
	char context[64];
	snprintf(context, sizeof context, "as %s, %s", where_name(where), form_name(form));
	struct run r;
	run_start(&r, where, argv, &opts); /* stdin stays open: only KILL ends it */
	ck_assert_msg(run_expect_line(&r, "ready", LINE_MS), "%s: no 'ready'; stderr: %s", context,
		      r.err);
	await_exit(&r, EXIT_MS);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 124, "%s: exit %d; stderr: %s", context, got, r.err);
	find_err(&r, "reaper: timeout of 500ms expired: sending TERM, KILL after 500ms\n", context);
	find_err(&r, "reaper: sent KILL to 1 process\n", context);
	find_err(&r, "killed by KILL\n", context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* --stop-signal: the timeout sends USR1 (REAPER_STOP_SIGNAL: HUP), which
 * the job records and survives; KILL follows after --kill-after. */
START_TEST(test_stop_signal)
{
	enum run_where where = wheres[_i / 2];
	bool from_env = _i % 2 == 1;
	char *env[] = { "REAPER_STOP_SIGNAL=hup", NULL };
	struct run_opts opts = { .pipe_stdin = true, .env_add = from_env ? env : NULL };
	char *argv[] = { (char *)reaper_path(), "-v", "-t", "300ms", "-k", "300ms",
			 from_env ? "--" : "--stop-signal=SIGUSR1", (char *)helper_path("jobtree"),
			 "--wait", NULL };
	char context[64];
	snprintf(context, sizeof context, "as %s, %s", where_name(where),
		 from_env ? "REAPER_STOP_SIGNAL" : "--stop-signal");
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "%s: no 'ready'; stderr: %s",
		      context, r.err);
	char want[32];
	snprintf(want, sizeof want, "sig %d", from_env ? SIGHUP : SIGUSR1);
	ck_assert_msg(run_expect_line(&r, want, LINE_MS), "%s: no '%s'; stdout: %s; stderr: %s",
		      context, want, r.out, r.err);
	await_exit(&r, EXIT_MS);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 124, "%s: exit %d; stderr: %s", context, got, r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 0, "%s: TERM sent too: %s", context, r.out);
	find_err(&r, from_env ? "sending HUP, KILL after 300ms\n" : "sending USR1, KILL after 300ms\n",
		 context);
	find_err(&r, "reaper: sent KILL to 1 process\n", context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

static const int stop_signals[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP };
#define N_STOP_SIGNALS (int)(sizeof stop_signals / sizeof stop_signals[0])

/* -k after a stop signal from outside: the main child (in the forwarded
 * group) and a grandchild that escaped with setsid and ignores TERM are
 * KILLed after D, long before the grace period. With TERM the main child
 * dies of it (143) and the grandchild gets the orphans' TERM; with INT,
 * QUIT or HUP the main child only records it and is KILLed (137). */
START_TEST(test_kill_after_forwarded_stop_signal)
{
	enum run_where where = wheres[_i / N_STOP_SIGNALS];
	int signo = stop_signals[_i % N_STOP_SIGNALS];
	bool from_env = where == RUN_HOST; /* each form once per signal */
	char *env[] = { "REAPER_KILL_AFTER=500ms", NULL };
	struct run_opts opts = { .pipe_stdin = true, .env_add = from_env ? env : NULL };
	char *argv[] = { (char *)reaper_path(), "-v", "--grace", LONG_GRACE,
			 from_env ? "--" : "--kill-after=500ms", (char *)helper_path("jobtree"),
			 "--wait", "--spawn", "setsid", "--on-term", "ignore", NULL };
	char context[64];
	snprintf(context, sizeof context, "as %s, signal %d, %s", where_name(where), signo,
		 from_env ? "REAPER_KILL_AFTER" : "--kill-after");
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "%s: no 'ready'; stderr: %s",
		      context, r.err);
	run_signal(&r, signo);
	char want[32];
	snprintf(want, sizeof want, "sig %d", signo);
	ck_assert_msg(run_expect_line(&r, want, LINE_MS), "%s: no '%s'; stdout: %s; stderr: %s",
		      context, want, r.out, r.err);
	await_exit(&r, EXIT_MS);
	int got = run_wait(&r, EXIT_MS);
	int want_code = signo == SIGTERM ? 128 + SIGTERM : 128 + SIGKILL;
	ck_assert_msg(got == want_code, "%s: exit %d, want %d; stderr: %s", context, got, want_code,
		      r.err);
	find_err(&r, "reaper: stop signal forwarded; KILL in 500ms\n", context);
	find_err(&r, signo == SIGTERM ? "reaper: sent KILL to 1 process\n"
				      : "reaper: sent KILL to 2 processes\n",
		 context);
	ck_assert_msg(run_count_lines(&r, "finished setsid") == 0, "%s: the ignorer finished?",
		      context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("timeout");
	TCase *tc = tcase_create("timeout");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_timeout_stops_sleep, 0, N_WHERES * N_FORMS);
	tcase_add_loop_test(tc, test_kill_after_on_timeout, 0, N_WHERES * N_FORMS);
	tcase_add_loop_test(tc, test_stop_signal, 0, N_WHERES * 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("kill-after");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_kill_after_forwarded_stop_signal, 0,
			    N_WHERES * N_STOP_SIGNALS);
	suite_add_tcase(s, tc);
	return s;
}
