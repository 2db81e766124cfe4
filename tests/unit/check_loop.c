/*
 * check_loop: the pure decisions of src/loop.h (issue 17): what a signal
 * read from the signalfd is to reaper (SIGCHLD: a drain; a SIGPIPE our own
 * log write raised: dropped; a fault the kernel raised about reaper: kept
 * from the job, told by si_code whoever sends it; anything else: the
 * job's), which signals end a --pause
 * run, and how a turn waits (a blocking read when the signalfd is all
 * there is, else poll; no wait after a full batch).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* BUS_MCEERR_AO, TRAP_BRKPT */
#endif
#include <check.h>
#include <signal.h>
#include <stdbool.h>

#include "loop.h"
#include "unit_util.h"

#define SELF 1234

/* ---- loop_classify -------------------------------------------------------- */

static const struct {
	int signo, code, sender;
	enum loop_input input;
} inputs[] = {
	{ SIGCHLD, CLD_EXITED, 99, LOOP_CHILDREN },
	{ SIGCHLD, SI_USER, SELF, LOOP_CHILDREN },     /* whoever sent it: a drain */
	{ SIGPIPE, SI_KERNEL, SELF, LOOP_OWN_PIPE },   /* our own write to a closed pipe */
	{ SIGPIPE, SI_USER, 99, LOOP_FOR_JOB },        /* somebody's kill -PIPE */
	{ SIGPIPE, SI_USER, 0, LOOP_FOR_JOB },
	{ SIGBUS, BUS_MCEERR_AO, 0, LOOP_OWN_FAULT },
	{ SIGSEGV, SEGV_MAPERR, 0, LOOP_OWN_FAULT },
	{ SIGSEGV, SI_USER, 99, LOOP_FOR_JOB },        /* kill -SEGV: a request */
	{ SIGTERM, SI_USER, 99, LOOP_FOR_JOB },
	{ SIGTERM, SI_USER, SELF, LOOP_FOR_JOB },      /* only PIPE from us is ours */
	{ SIGWINCH, SI_KERNEL, 0, LOOP_FOR_JOB },
};

START_TEST(test_classify)
{
	ck_assert_msg(loop_classify(inputs[_i].signo, inputs[_i].code, inputs[_i].sender, SELF) ==
			      inputs[_i].input,
		      "row %d", _i);
}
END_TEST

/* ---- loop_classify: the fault signals, told by si_code ----------------- */

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
	enum loop_input want = accepts[_i].signo == SIGCHLD ? LOOP_CHILDREN
			       : accepts[_i].accepted      ? LOOP_FOR_JOB
							   : LOOP_OWN_FAULT;

	ck_assert_msg(loop_classify(accepts[_i].signo, accepts[_i].code, 99, SELF) == want,
		      "signal %d with si_code %d: want %s", accepts[_i].signo, accepts[_i].code,
		      accepts[_i].accepted ? "forwarded" : "kept from the job");
}
END_TEST

/* ---- loop_pause_ends ------------------------------------------------------ */

static const struct {
	int signo;
	bool ends;
} pauses[] = {
	{ SIGTERM, true }, { SIGINT, true },   { SIGHUP, false },  { SIGQUIT, false },
	{ SIGUSR1, false }, { SIGCONT, false }, { SIGWINCH, false },
};

START_TEST(test_pause_ends)
{
	ck_assert(loop_pause_ends(pauses[_i].signo) == pauses[_i].ends);
}
END_TEST

/* ---- loop_wait_plan ------------------------------------------------------- */

static const struct {
	bool timer, control;
	int deadline_ms;
	bool drained, read_only;
	int timeout_ms;
} waits[] = {
	{ false, false, -1, true, true, -1 },  /* only signals: one blocking read */
	{ false, false, -1, false, true, -1 }, /* a blocking read returns at once if more wait */
	{ true, false, -1, true, false, -1 },  /* a timerfd: poll it, no timeout */
	{ false, true, -1, true, false, -1 },  /* the --isolate control pipe */
	{ false, false, 250, true, false, 250 }, /* a deadline without a timerfd */
	{ false, false, 0, true, false, 0 },   /* ...that has passed */
	{ true, false, -1, false, false, 0 },  /* after a full batch: look, do not block */
	{ false, false, 250, false, false, 0 },
};

START_TEST(test_wait_plan)
{
	struct loop_wait how = loop_wait_plan(waits[_i].timer, waits[_i].control,
					      waits[_i].deadline_ms, waits[_i].drained);

	ck_assert_msg(how.read_only == waits[_i].read_only, "row %d: read_only %d", _i,
		      how.read_only);
	if (!how.read_only)
		ck_assert_int_eq(how.timeout_ms, waits[_i].timeout_ms);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = unit_tcase(s, "decisions", 5);
	tcase_add_loop_test(tc, test_classify, 0, N(inputs));
	tcase_add_loop_test(tc, test_accepts, 0, N(accepts));
	tcase_add_loop_test(tc, test_pause_ends, 0, N(pauses));
	tcase_add_loop_test(tc, test_wait_plan, 0, N(waits));
	return s;
}
