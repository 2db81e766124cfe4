/*
 * check_forward: the pure decisions of src/forward.h (issue 15).
 *
 * - forward_is_terminating: the one list of signals that ask the job to
 *   end (TERM, INT, HUP, QUIT, and --stop-signal), behind --kill-after,
 *   --report and the SIGCONT that follows them to a stopped job. TSTP and
 *   CONT are not on it, so job control gets no extra CONT.
 * - forward_accepts: a fault signal (SEGV, BUS, ILL, FPE, TRAP, SYS) that
 *   a process sent (si_code <= 0: SI_USER, SI_QUEUE, SI_TKILL) is
 *   forwarded; one the kernel raised about reaper (si_code > 0) is not.
 *   Any other signal is forwarded whatever its code.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* TRAP_BRKPT */
#endif
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

/* ---- forward_accepts ---------------------------------------------------- */

static const struct {
	int signo, code;
	bool accepted;
} accepts[] = {
	/* Sent by a process: SI_USER (kill, pidfd_send_signal), SI_QUEUE,
	 * SI_TKILL, and the other negative codes (SI_ASYNCIO, SI_MESGQ...). */
	{ SIGSEGV, SI_USER, true },  { SIGSEGV, SI_QUEUE, true }, { SIGSEGV, SI_TKILL, true },
	{ SIGBUS, SI_USER, true },   { SIGBUS, SI_QUEUE, true },  { SIGBUS, SI_TKILL, true },
	{ SIGILL, SI_USER, true },   { SIGFPE, SI_QUEUE, true },  { SIGTRAP, SI_TKILL, true },
	{ SIGSYS, SI_USER, true },   { SIGSYS, SI_ASYNCIO, true }, { SIGTRAP, SI_MESGQ, true },
	/* Raised by the kernel about reaper itself. */
	{ SIGBUS, BUS_MCEERR_AO, false }, { SIGBUS, BUS_MCEERR_AR, false },
	{ SIGSEGV, SEGV_MAPERR, false },  { SIGSEGV, SI_KERNEL, false },
	{ SIGILL, ILL_ILLOPC, false },    { SIGFPE, FPE_INTDIV, false },
	{ SIGTRAP, TRAP_BRKPT, false },   { SIGSYS, 1 /* SYS_SECCOMP */, false },
	/* Not a fault: forwarded whatever the code says. */
	{ SIGTERM, SI_USER, true },  { SIGTERM, SI_KERNEL, true }, { SIGCHLD, CLD_EXITED, true },
	{ SIGIO, POLL_IN, true },    { SIGUSR1, SI_QUEUE, true },
};

START_TEST(test_accepts)
{
	ck_assert_msg(forward_accepts(accepts[_i].signo, accepts[_i].code) == accepts[_i].accepted,
		      "signal %d with si_code %d: want %s", accepts[_i].signo, accepts[_i].code,
		      accepts[_i].accepted ? "forwarded" : "kept from the job");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *tc = unit_tcase(s, "is_terminating", 5);
	tcase_add_loop_test(tc, test_is_terminating, 0, N(terminating));
	tcase_add_test(tc, test_is_terminating_realtime);

	tc = unit_tcase(s, "accepts", 5);
	tcase_add_loop_test(tc, test_accepts, 0, N(accepts));
	return s;
}
