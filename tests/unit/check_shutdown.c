/*
 * check_shutdown: the pure decisions of src/shutdown.h (issue 17): when a
 * deadline falls (never early: rounded up to the next whole millisecond),
 * which of --timeout, the KILL deadline and the next --send comes first,
 * how long --timeout's KILL waits (--kill-after, else --grace), whether a
 * new KILL deadline moves the old one, what is due at a given time, and
 * when the job counts as ended (--pause or not); and --stop-delay (issue
 * 20): which signals it holds, whether a signal is held, released or
 * passed, and when a held signal goes out.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "shutdown.h"
#include "unit_util.h"

#define MS 1000000ull /* ns */

/* ---- shutdown_deadline_after -------------------------------------------- */

static const struct {
	uint64_t from_ns, ms, at;
} afters[] = {
	{ 0, 0, 0 },              { 0, 1, 1 },
	{ 5 * MS, 100, 105 },     { 5 * MS + 1, 100, 106 }, /* never early */
	{ 5 * MS - 1, 0, 5 },     { 7 * MS + 999999, 3000, 3008 },
};

START_TEST(test_deadline_after)
{
	ck_assert_uint_eq(shutdown_deadline_after(afters[_i].from_ns, afters[_i].ms), afters[_i].at);
}
END_TEST

/* ---- shutdown_earliest --------------------------------------------------- */

static const struct {
	uint64_t timeout, kill, send, next;
} earliest[] = {
	{ 0, 0, 0, 0 },       { 500, 0, 0, 500 },   { 0, 300, 0, 300 },  { 0, 0, 200, 200 },
	{ 500, 300, 0, 300 }, { 300, 500, 0, 300 }, { 500, 0, 200, 200 }, { 100, 300, 200, 100 },
	{ 400, 300, 200, 200 }, { 200, 200, 200, 200 },
};

START_TEST(test_earliest)
{
	ck_assert_uint_eq(shutdown_earliest(earliest[_i].timeout, earliest[_i].kill,
					    earliest[_i].send),
			  earliest[_i].next);
}
END_TEST

/* ---- shutdown_timeout_kill_ms and shutdown_send_at ----------------------- */

START_TEST(test_timeout_kill_ms)
{
	struct config cfg;

	cli_defaults(&cfg);
	cfg.grace_ms = 3000;
	ck_assert_uint_eq(shutdown_timeout_kill_ms(&cfg), 3000);
	cfg.kill_after_set = true;
	cfg.kill_after_ms = 0; /* -k 0: KILL at once, not the grace */
	ck_assert_uint_eq(shutdown_timeout_kill_ms(&cfg), 0);
	cfg.kill_after_ms = 250;
	ck_assert_uint_eq(shutdown_timeout_kill_ms(&cfg), 250);
}
END_TEST

static void two_sends(struct config *cfg)
{
	cli_defaults(cfg);
	cfg->sends[0].signo = SIGUSR1;
	cfg->sends[0].at_ms = 100;
	cfg->sends[1].signo = SIGTERM;
	cfg->sends[1].at_ms = 100;
	cfg->sends[2].signo = SIGKILL;
	cfg->sends[2].at_ms = 400;
	cfg->send_count = 3;
}

START_TEST(test_send_at)
{
	struct config cfg;

	two_sends(&cfg);
	ck_assert_uint_eq(shutdown_send_at(&cfg, 10 * MS, 0), 110);
	ck_assert_uint_eq(shutdown_send_at(&cfg, 10 * MS, 1), 110);
	ck_assert_uint_eq(shutdown_send_at(&cfg, 10 * MS + 1, 2), 411);
	ck_assert_uint_eq(shutdown_send_at(&cfg, 10 * MS, 3), 0);
	cfg.send_count = 0;
	ck_assert_uint_eq(shutdown_send_at(&cfg, 10 * MS, 0), 0);
}
END_TEST

/* ---- shutdown_kill_sooner ------------------------------------------------ */

static const struct {
	uint64_t kill_at;
	bool kill_sent;
	uint64_t at;
	bool sooner;
} sooner[] = {
	{ 0, false, 500, true },   { 600, false, 500, true }, { 500, false, 500, false },
	{ 400, false, 500, false }, { 0, true, 500, false },  { 600, true, 500, false },
};

START_TEST(test_kill_sooner)
{
	struct shutdown_state s = { .timer_fd = -1, .kill_at_ms = sooner[_i].kill_at,
				    .kill_sent = sooner[_i].kill_sent };

	ck_assert_msg(shutdown_kill_sooner(&s, sooner[_i].at) == sooner[_i].sooner, "row %d", _i);
}
END_TEST

/* ---- shutdown_due_at ----------------------------------------------------- */

static const struct {
	uint64_t timeout, kill;
	size_t next_send, max;
	uint64_t now;
	bool due_timeout, due_kill;
	size_t sends;
} dues[] = {
	/* start at 0 ns: the sends fall at 100, 100 and 400 ms */
	{ 0, 0, 0, SEND_MAX, 50, false, false, 0 },
	{ 0, 0, 0, SEND_MAX, 100, false, false, 2 },  /* both at 100, in one look */
	{ 0, 0, 0, 1, 100, false, false, 1 },         /* at most max */
	{ 0, 0, 2, SEND_MAX, 399, false, false, 0 },
	{ 0, 0, 2, SEND_MAX, 400, false, false, 1 },
	{ 0, 0, 3, SEND_MAX, 9999, false, false, 0 }, /* none left */
	{ 200, 0, 3, SEND_MAX, 199, false, false, 0 },
	{ 200, 0, 3, SEND_MAX, 200, true, false, 0 },
	{ 200, 300, 3, SEND_MAX, 300, true, true, 0 },
	{ 0, 300, 0, SEND_MAX, 500, false, true, 3 },
};

START_TEST(test_due_at)
{
	struct config cfg;
	struct shutdown_state s = { .timer_fd = -1, .timeout_at_ms = dues[_i].timeout,
				    .kill_at_ms = dues[_i].kill, .next_send = dues[_i].next_send };

	two_sends(&cfg);
	struct shutdown_due due = shutdown_due_at(&s, &cfg, 0, dues[_i].now, dues[_i].max);
	ck_assert_msg(due.timeout == dues[_i].due_timeout && due.kill == dues[_i].due_kill &&
			      due.sends == dues[_i].sends,
		      "row %d: timeout %d kill %d sends %zu", _i, due.timeout, due.kill, due.sends);
}
END_TEST

/* ---- shutdown_main_ended ------------------------------------------------- */

static const struct {
	bool pause, reaped, exit_requested, ended;
} ended[] = {
	{ false, false, false, false }, { false, true, false, true },
	{ false, false, true, false },  /* TERM without --pause is forwarded, not ours */
	{ true, false, false, false },  { true, false, true, true },
	{ true, true, false, false },   /* --pause has no main child to wait for */
};

START_TEST(test_main_ended)
{
	struct config cfg;

	cli_defaults(&cfg);
	cfg.pause = ended[_i].pause;
	ck_assert_msg(shutdown_main_ended(&cfg, ended[_i].reaped, ended[_i].exit_requested) ==
			      ended[_i].ended,
		      "row %d", _i);
}
END_TEST

/* ---- --stop-delay: shutdown_holds, shutdown_hold_step, shutdown_hold_ends */

static const struct {
	uint64_t delay;
	int stop_signo;          /* --stop-signal */
	int held;                /* held now; 0 none */
	bool used;               /* a signal was held before */
	int signo;               /* what came */
	enum hold_step step;
} steps[] = {
	/* No --stop-delay: everything passes, TERM included. */
	{ 0, SIGTERM, 0, false, SIGTERM, HOLD_PASS },
	{ 0, SIGTERM, 0, false, SIGINT, HOLD_PASS },
	/* The first TERM is held; INT, QUIT, HUP, USR1 are not. */
	{ 2000, SIGTERM, 0, false, SIGTERM, HOLD_TAKE },
	{ 2000, SIGTERM, 0, false, SIGINT, HOLD_PASS },
	{ 2000, SIGTERM, 0, false, SIGQUIT, HOLD_PASS },
	{ 2000, SIGTERM, 0, false, SIGHUP, HOLD_PASS },
	{ 2000, SIGTERM, 0, false, SIGUSR1, HOLD_PASS },
	/* While TERM is held: a second TERM or INT releases it, others pass. */
	{ 2000, SIGTERM, SIGTERM, true, SIGTERM, HOLD_RELEASE },
	{ 2000, SIGTERM, SIGTERM, true, SIGINT, HOLD_RELEASE },
	{ 2000, SIGTERM, SIGTERM, true, SIGQUIT, HOLD_PASS },
	{ 2000, SIGTERM, SIGTERM, true, SIGUSR1, HOLD_PASS },
	{ 2000, SIGTERM, SIGTERM, true, SIGCONT, HOLD_PASS },
	/* Once a delay is over, later stop signals go at once. */
	{ 2000, SIGTERM, 0, true, SIGTERM, HOLD_PASS },
	/* --stop-signal names another stop signal: held too, as TERM is. */
	{ 2000, SIGUSR2, 0, false, SIGUSR2, HOLD_TAKE },
	{ 2000, SIGUSR2, 0, false, SIGTERM, HOLD_TAKE },
	{ 2000, SIGUSR2, SIGUSR2, true, SIGTERM, HOLD_RELEASE },
	{ 2000, SIGUSR2, SIGTERM, true, SIGUSR2, HOLD_RELEASE },
	{ 2000, SIGUSR2, 0, true, SIGUSR2, HOLD_PASS },
	/* --stop-signal INT: INT stays a terminal's, never held. */
	{ 2000, SIGINT, 0, false, SIGINT, HOLD_PASS },
	{ 2000, SIGINT, SIGTERM, true, SIGINT, HOLD_RELEASE },
};

START_TEST(test_hold_step)
{
	struct config cfg;

	cli_defaults(&cfg);
	cfg.stop_delay_ms = steps[_i].delay;
	cfg.stop_signo = steps[_i].stop_signo;
	enum hold_step got = shutdown_hold_step(&cfg, steps[_i].held, steps[_i].used, steps[_i].signo);
	ck_assert_msg(got == steps[_i].step, "row %d: step %d, want %d", _i, got, steps[_i].step);
}
END_TEST

static const struct {
	int held;
	uint64_t release_at;
	bool timed_out;
	uint64_t now;
	bool job_ended;
	enum hold_end end;
} ends[] = {
	{ 0, 0, false, 5000, false, HOLD_ENDS_NOT },          /* nothing held */
	{ 0, 0, true, 5000, true, HOLD_ENDS_NOT },
	{ SIGTERM, 2000, false, 1999, false, HOLD_ENDS_NOT }, /* never early */
	{ SIGTERM, 2000, false, 2000, false, HOLD_ENDS_DELAY },
	{ SIGTERM, 2000, false, 9000, false, HOLD_ENDS_DELAY },
	{ SIGTERM, 2000, false, 1000, true, HOLD_ENDS_EXIT },
	{ SIGTERM, 2000, true, 1000, false, HOLD_ENDS_TIMEOUT },
	{ SIGTERM, 2000, true, 1000, true, HOLD_ENDS_EXIT },  /* the end says most */
	{ SIGTERM, 2000, true, 3000, false, HOLD_ENDS_TIMEOUT },
};

START_TEST(test_hold_ends)
{
	struct shutdown_state s = { .timer_fd = -1, .held_signo = ends[_i].held,
				    .release_at_ms = ends[_i].release_at,
				    .timed_out = ends[_i].timed_out };

	enum hold_end got = shutdown_hold_ends(&s, ends[_i].now, ends[_i].job_ended);
	ck_assert_msg(got == ends[_i].end, "row %d: end %d, want %d", _i, got, ends[_i].end);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("shutdown");
	TCase *tc = unit_tcase(s, "deadlines", 5);
	tcase_add_loop_test(tc, test_deadline_after, 0, N(afters));
	tcase_add_loop_test(tc, test_earliest, 0, N(earliest));
	tcase_add_test(tc, test_timeout_kill_ms);
	tcase_add_test(tc, test_send_at);
	tcase_add_loop_test(tc, test_kill_sooner, 0, N(sooner));
	tcase_add_loop_test(tc, test_due_at, 0, N(dues));

	tc = unit_tcase(s, "end", 5);
	tcase_add_loop_test(tc, test_main_ended, 0, N(ended));

	tc = unit_tcase(s, "stop-delay", 5);
	tcase_add_loop_test(tc, test_hold_step, 0, N(steps));
	tcase_add_loop_test(tc, test_hold_ends, 0, N(ends));
	return s;
}
