/*
 * check_forward: the pure decisions of src/forward.h (issue 15).
 *
 * - forward_is_terminating: the one list of signals that ask the job to
 *   end (TERM, INT, HUP, QUIT, and --stop-signal), behind --kill-after,
 *   --report and the SIGCONT that follows them to a stopped job. TSTP and
 *   CONT are not on it, so job control gets no extra CONT.
 * - forward_route (issue 17): where a signal goes, given --forward, whether
 *   the main child is alive, whether it has a pidfd, whether reaper is a
 *   namespace's init, and the rewrite table.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>

#include "cli.h"
#include "forward.h"
#include "unit_util.h"

/* ---- forward_is_terminating -------------------------------------------- */

static const struct {
	int stop_signo, signo;
	bool terminating;
} terminating[] = {
	{ SIGTERM, SIGTERM, true },  { SIGTERM, SIGINT, true },   { SIGTERM, SIGHUP, true },
	{ SIGTERM, SIGQUIT, true },  { SIGTERM, SIGUSR1, false }, { SIGTERM, SIGTSTP, false },
	{ SIGTERM, SIGCONT, false }, { SIGTERM, SIGKILL, false }, { SIGTERM, SIGWINCH, false },
	{ SIGUSR1, SIGUSR1, true },  { SIGUSR1, SIGTERM, true },  { SIGUSR2, SIGUSR1, false },
	{ SIGPWR, SIGPWR, true },    { SIGTERM, SIGPWR, false },
};

START_TEST(test_is_terminating)
{
	struct config cfg;

	cli_defaults(&cfg);
	cfg.stop_signo = terminating[_i].stop_signo;
	ck_assert_msg(forward_is_terminating(&cfg, terminating[_i].signo) ==
			      terminating[_i].terminating,
		      "signal %d with --stop-signal %d: want %s", terminating[_i].signo,
		      terminating[_i].stop_signo, terminating[_i].terminating ? "true" : "false");
}
END_TEST

/* Real-time numbers are known at run time only. */
START_TEST(test_is_terminating_realtime)
{
	struct config cfg;

	cli_defaults(&cfg);
	ck_assert(!forward_is_terminating(&cfg, SIGRTMIN + 3));
	cfg.stop_signo = SIGRTMIN + 3;
	ck_assert(forward_is_terminating(&cfg, SIGRTMIN + 3));
	ck_assert(forward_is_terminating(&cfg, SIGTERM));
	ck_assert(!forward_is_terminating(&cfg, SIGRTMIN + 2));
}
END_TEST

/* ---- forward_route ------------------------------------------------------ */

static const struct {
	enum forward_mode mode;
	bool alive, pidfd, init;
	enum forward_mode target;
	enum forward_way way;
} routes[] = {
	/* While the main child lives: the configured target. */
	{ FWD_GROUP, true, true, false, FWD_GROUP, FWD_BY_GROUP },
	{ FWD_GROUP, true, false, true, FWD_GROUP, FWD_BY_GROUP },
	{ FWD_CHILD, true, true, false, FWD_CHILD, FWD_BY_PIDFD },
	{ FWD_CHILD, true, true, true, FWD_CHILD, FWD_BY_PIDFD },
	{ FWD_CHILD, true, false, false, FWD_CHILD, FWD_BY_PID },
	{ FWD_CHILD, true, false, true, FWD_CHILD, FWD_BY_PID },
	{ FWD_TREE, true, true, false, FWD_TREE, FWD_BY_WALK },
	{ FWD_TREE, true, true, true, FWD_TREE, FWD_BY_BROADCAST },
	/* Once it is reaped: every descendant, whatever the mode. */
	{ FWD_GROUP, false, false, false, FWD_TREE, FWD_BY_WALK },
	{ FWD_GROUP, false, false, true, FWD_TREE, FWD_BY_BROADCAST },
	{ FWD_CHILD, false, false, false, FWD_TREE, FWD_BY_WALK },
	{ FWD_CHILD, false, true, true, FWD_TREE, FWD_BY_BROADCAST },
	{ FWD_TREE, false, false, false, FWD_TREE, FWD_BY_WALK },
};

START_TEST(test_route)
{
	struct config cfg;

	cli_defaults(&cfg);
	cfg.forward = routes[_i].mode;
	struct forward_route got = forward_route(&cfg, SIGTERM, true, routes[_i].alive,
						 routes[_i].pidfd, routes[_i].init);
	ck_assert_int_eq(got.sent, SIGTERM);
	ck_assert_msg(got.target == routes[_i].target && got.way == routes[_i].way,
		      "row %d: target %d way %d, want %d %d", _i, got.target, got.way,
		      routes[_i].target, routes[_i].way);
}
END_TEST

/* The rewrite table: applied to received signals, not to what reaper
 * sends itself (rewrite false: --timeout's stop signal, the CONT). */
static const struct {
	int from, to, signo;
	bool rewrite;
	int sent;
} rewrites[] = {
	{ SIGTERM, SIGUSR1, SIGTERM, true, SIGUSR1 },
	{ SIGTERM, SIGUSR1, SIGTERM, false, SIGTERM },
	{ SIGTERM, SIGUSR1, SIGINT, true, SIGINT },
	{ SIGUSR2, 0, SIGUSR2, true, 0 },
	{ SIGUSR2, 0, SIGUSR2, false, SIGUSR2 },
	{ SIGWINCH, SIGWINCH, SIGWINCH, true, SIGWINCH },
};

START_TEST(test_route_rewrite)
{
	struct config cfg;

	cli_defaults(&cfg);
	cfg.rewrite[rewrites[_i].from] = rewrites[_i].to;
	struct forward_route got = forward_route(&cfg, rewrites[_i].signo, rewrites[_i].rewrite,
						 true, true, false);
	ck_assert_int_eq(got.sent, rewrites[_i].sent);
	ck_assert_int_eq(got.target, FWD_GROUP);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *tc = unit_tcase(s, "is_terminating", 5);
	tcase_add_loop_test(tc, test_is_terminating, 0, N(terminating));
	tcase_add_test(tc, test_is_terminating_realtime);

	tc = unit_tcase(s, "route", 5);
	tcase_add_loop_test(tc, test_route, 0, N(routes));
	tcase_add_loop_test(tc, test_route_rewrite, 0, N(rewrites));
	return s;
}
