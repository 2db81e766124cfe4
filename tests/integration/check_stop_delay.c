/*
 * check_stop_delay: --stop-delay DURATION and REAPER_STOP_DELAY (issue 20,
 * item 1): the first stop signal is held, then forwarded; a second one or
 * INT forwards at once; --kill-after counts from the forward; --trace and
 * --report show the delay.
 *
 * Every case asserts the order of events, never a time. The job is
 * tests/helpers/sigrecorder (one "sig N" line per signal); reaper runs
 * with --trace, whose hold and release lines are what a case waits for.
 * "Not yet forwarded" is proved with a second signal that is never held:
 * USR1 goes out at once, so when the recorder prints "sig 10", a TERM
 * forwarded before it would have been printed first.
 *
 * Each case runs as PID 1 (unshare) and on the host.
 */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
/* Far below the long delay: a case that waited for it fails here. */
#define EXIT_MS 15000
#define LONG_DELAY "60s"

/* Pump r until its stderr holds text; fail naming context otherwise. */
static void await_err(struct run *r, const char *text, int timeout_ms, const char *context)
{
	long long deadline = now_ms() + timeout_ms;

	while (strstr(r->err, text) == NULL) {
		long long left = deadline - now_ms();
		ck_assert_msg(left > 0 && !(r->exited && r->err_eof),
			      "%s: no '%s' on stderr: %s; stdout: %s", context, text, r->err, r->out);
		run_pump(r, left < 50 ? (int)left : 50);
	}
}

/* Where text is on stderr; fail if it is not. */
static const char *err_at(const struct run *r, const char *text, const char *context)
{
	const char *at = strstr(r->err, text);

	ck_assert_msg(at != NULL, "%s: no '%s' on stderr: %s", context, text, r->err);
	return at;
}

/* first comes before second on stderr. */
static void err_order(const struct run *r, const char *first, const char *second,
		      const char *context)
{
	ck_assert_msg(err_at(r, first, context) < err_at(r, second, context),
		      "%s: '%s' is not before '%s': %s", context, first, second, r->err);
}

/* Start reaper with opts (NULL-terminated) over sigrecorder with its own
 * args, and wait for the recorder to be ready. */
static void start(struct run *r, enum run_where where, const char *const *opts,
		  const char *const *rec_args, char *const env[], const char *context)
{
	const char *cmd[8] = { helper_path("sigrecorder") };
	char *argv[32];

	for (size_t i = 0; rec_args != NULL && rec_args[i] != NULL; i++)
		cmd[i + 1] = rec_args[i];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), opts, cmd);
	run_start_blocked(r, where, argv, env, false);
	ck_assert_msg(run_expect_prefix(r, "ready ", NULL, 0, LINE_MS), "%s: no 'ready'; stderr: %s",
		      context, r->err);
}

/* A delay that holds: TERM is held, USR1 passes it, then TERM arrives
 * once the delay ran out; --report says so. From the option on PID 1,
 * from REAPER_STOP_DELAY on the host. */
START_TEST(test_delay_holds)
{
	enum run_where where = wheres[_i];
	bool from_env = where == RUN_HOST;
	char *env[] = { "REAPER_STOP_DELAY=2s", NULL };
	const char *opts[] = { "-v", "--trace", "--report", from_env ? NULL : "--stop-delay=2s",
			       NULL };
	const char *rec[] = { "--exit-on", "TERM", "--exit", "7", NULL };
	char context[64];
	snprintf(context, sizeof context, "%s, %s", where_name(where),
		 from_env ? "REAPER_STOP_DELAY" : "--stop-delay");
	struct run r;

	start(&r, where, opts, rec, from_env ? env : NULL, context);
	run_signal(&r, SIGTERM);
	await_err(&r, "event=hold sig=TERM for=2s\n", LINE_MS, context);
	run_signal(&r, SIGUSR1);
	ck_assert_msg(run_expect_line(&r, "sig 10", LINE_MS), "%s: USR1 did not pass: %s", context,
		      r.out);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 0, "%s: TERM came before the delay ran out: %s",
		      context, r.out);
	ck_assert_msg(run_expect_line(&r, "sig 15", LINE_MS), "%s: TERM never came: %s; stderr: %s",
		      context, r.out, r.err);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 7, "%s: exit %d; stderr: %s", context, got, r.err);
	err_order(&r, "event=hold sig=TERM", "event=forward sig=USR1", context);
	err_order(&r, "event=forward sig=USR1", "event=release sig=TERM", context);
	err_order(&r, "by=delay\n", "event=forward sig=TERM", context);
	err_at(&r, "reaper: holding TERM for 2s (--stop-delay)\n", context);
	err_at(&r, "reaper: report: stop delay: TERM held ", context);
	err_at(&r, ", until the delay ran out\n", context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* Cut short under a long delay: by a second TERM, or by INT. The exit
 * comes long before the delay would have run out. */
START_TEST(test_delay_cut_short)
{
	enum run_where where = wheres[_i / 2];
	int second = _i % 2 == 0 ? SIGTERM : SIGINT;
	const char *opts[] = { "--trace", "--stop-delay", LONG_DELAY, NULL };
	const char *rec[] = { "--exit-on", "TERM", NULL };
	char context[64];
	snprintf(context, sizeof context, "%s, then %s", where_name(where),
		 second == SIGTERM ? "TERM" : "INT");
	struct run r;

	start(&r, where, opts, rec, NULL, context);
	run_signal(&r, SIGTERM);
	await_err(&r, "event=hold sig=TERM for=1m\n", LINE_MS, context); /* 60s, as written back */
	ck_assert_msg(run_count_lines(&r, "sig 15") == 0, "%s: TERM not held: %s", context, r.out);
	run_signal(&r, second);
	ck_assert_msg(run_expect_line(&r, "sig 15", LINE_MS), "%s: TERM never came: %s; stderr: %s",
		      context, r.out, r.err);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 0, "%s: exit %d; stderr: %s", context, got, r.err);
	err_order(&r, "event=hold sig=TERM", "event=release sig=TERM", context);
	err_order(&r, "by=signal\n", "event=forward sig=TERM", context);
	if (second == SIGINT)
		err_order(&r, "event=forward sig=TERM", "event=forward sig=INT", context);
	ck_assert_msg(strstr(r.err, "by=delay") == NULL, "%s: the delay ran out: %s", context, r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* --kill-after counts from the forward: a recorder that survives TERM is
 * KILLed after it got TERM, and the KILL follows the release. */
START_TEST(test_kill_after_from_forward)
{
	enum run_where where = wheres[_i];
	const char *opts[] = { "-v", "--trace", "--stop-delay", "1s", "-k", "1s", "--grace", "30s",
			       NULL };
	const char *context = where_name(where);
	struct run r;

	start(&r, where, opts, NULL, NULL, context);
	run_signal(&r, SIGTERM);
	await_err(&r, "event=hold sig=TERM for=1s\n", LINE_MS, context);
	ck_assert_msg(run_expect_line(&r, "sig 15", LINE_MS), "%s: TERM never came: %s; stderr: %s",
		      context, r.out, r.err);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 128 + SIGKILL, "%s: exit %d; stderr: %s", context, got, r.err);
	err_order(&r, "event=release sig=TERM after=", "event=forward sig=TERM", context);
	err_order(&r, "event=forward sig=TERM", "reaper: stop signal forwarded; KILL in 1s\n",
		  context);
	err_order(&r, "reaper: stop signal forwarded; KILL in 1s\n", "event=escalate sig=KILL",
		  context);
	err_at(&r, "reaper: sent KILL to 1 process\n", context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* The main child ends during the delay: nothing left to delay for, the
 * held TERM is dropped and reaper exits with the child's code at once. */
START_TEST(test_child_exits_during_delay)
{
	enum run_where where = wheres[_i];
	const char *opts[] = { "-v", "--trace", "--report", "--stop-delay", LONG_DELAY, NULL };
	const char *rec[] = { "--exit-on", "USR1", "--exit", "3", NULL };
	const char *context = where_name(where);
	struct run r;

	start(&r, where, opts, rec, NULL, context);
	run_signal(&r, SIGTERM);
	await_err(&r, "event=hold sig=TERM", LINE_MS, context);
	run_signal(&r, SIGUSR1);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 3, "%s: exit %d; stderr: %s", context, got, r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 0, "%s: TERM forwarded: %s", context, r.out);
	err_order(&r, "event=exit", "by=exit\n", context);
	err_at(&r, "reaper: dropping TERM held ", context);
	err_at(&r, ", until the main child ended\n", context);
	ck_assert_msg(strstr(r.err, "event=forward sig=TERM") == NULL, "%s: TERM forwarded: %s",
		      context, r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* --timeout during the delay: its own TERM goes out (never held), the
 * held one is released with it, and the exit is 124. */
START_TEST(test_timeout_ends_delay)
{
	enum run_where where = wheres[_i];
	const char *opts[] = { "--trace", "--timeout", "1s", "-k", "500ms", "--stop-delay", LONG_DELAY,
			       NULL };
	const char *context = where_name(where);
	struct run r;

	start(&r, where, opts, NULL, NULL, context);
	run_signal(&r, SIGTERM);
	await_err(&r, "event=hold sig=TERM", LINE_MS, context);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 124, "%s: exit %d; stderr: %s", context, got, r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") >= 1, "%s: no TERM: %s", context, r.out);
	err_order(&r, "event=timeout after=1s sig=TERM", "by=timeout\n", context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* --pause: TERM ends the pause once the delay is over; INT cuts it short. */
START_TEST(test_pause)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--trace", "--pause", "--stop-delay", LONG_DELAY,
			 NULL };
	const char *context = where_name(where);
	struct run r;

	run_start_blocked(&r, where, argv, NULL, false);
	run_signal(&r, SIGTERM);
	await_err(&r, "event=hold sig=TERM", LINE_MS, context);
	ck_assert_msg(!r.exited, "%s: --pause ended before the delay: %s", context, r.err);
	run_signal(&r, SIGINT);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 0, "%s: exit %d; stderr: %s", context, got, r.err);
	err_order(&r, "event=hold sig=TERM", "event=release sig=TERM", context);
	err_at(&r, "by=signal\n", context);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("stop_delay");
	TCase *tc = tcase_create("stop-delay");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_delay_holds, 0, N_WHERES);
	tcase_add_loop_test(tc, test_delay_cut_short, 0, N_WHERES * 2);
	tcase_add_loop_test(tc, test_kill_after_from_forward, 0, N_WHERES);
	tcase_add_loop_test(tc, test_child_exits_during_delay, 0, N_WHERES);
	tcase_add_loop_test(tc, test_timeout_ends_delay, 0, N_WHERES);
	tcase_add_loop_test(tc, test_pause, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
