/*
 * check_forward: the pure decisions of src/forward.h (issue 15).
 *
 * - forward_is_terminating: the one list of signals that ask the job to
 *   end (TERM, INT, HUP, QUIT, and --stop-signal), behind --kill-after,
 *   --report and the SIGCONT that follows them to a stopped job. TSTP and
 *   CONT are not on it, so job control gets no extra CONT.
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

Suite *test_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *tc = unit_tcase(s, "is_terminating", 5);
	tcase_add_loop_test(tc, test_is_terminating, 0, N(terminating));
	tcase_add_test(tc, test_is_terminating_realtime);
	return s;
}
