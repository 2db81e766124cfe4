/*
 * loop: the event loop. One blocking wait on the signalfd with no timeout;
 * each turn reads what came, then acts in a fixed order: reap, job control,
 * forward. An idle reaper makes no system call.
 */
#ifndef REAPER_LOOP_H
#define REAPER_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct reaper;

/* What a signal read from the signalfd means. */
enum loop_input {
	LOOP_CHILDREN,   /* SIGCHLD: drain waitpid */
	LOOP_OWN_PIPE,   /* a SIGPIPE our own log write raised: ours, dropped */
	LOOP_OWN_FAULT,  /* a fault the kernel raised about reaper: said, kept */
	LOOP_FOR_JOB,    /* everything else: forwarded (or, --pause, acted on) */
};

/* How the next turn waits. */
struct loop_wait {
	bool read_only;  /* only the signalfd to wait on: a blocking read */
	int timeout_ms;  /* else poll, with this timeout (-1: none) */
};

/* What signo (with si_code code, from sender) is to reaper, which is
 * self. A fault signal (SEGV, BUS, ILL, FPE, TRAP, SYS) with code <= 0 was
 * sent by a process: the job's, like any other; with code > 0 the kernel
 * raised it about reaper itself. Pure. */
enum loop_input loop_classify(int signo, int32_t code, pid_t sender, pid_t self);

/* Whether signo ends a --pause run: TERM and INT. Pure. */
bool loop_pause_ends(int signo);

/* How to wait, given whether a timerfd and a control pipe exist, the time
 * to a deadline no timerfd holds (-1: none; shutdown_wait_ms), and
 * whether the last read drained the signalfd (after a full batch, look
 * without blocking, so a flood of signals cannot starve the timer). Pure. */
struct loop_wait loop_wait_plan(bool has_timer, bool has_control, int deadline_ms,
				bool drained);

/* Why loop_run returned. */
enum loop_end {
	LOOP_END,          /* reaper exits */
	LOOP_START_AGAIN,  /* --restart: start the main child again, then loop_run */
};

/* Run until the main child has been reaped and --orphans is done with
 * what it left (or, with --pause, until TERM or INT); with --restart, on
 * through the back-off. Never exits the process; errors are logged and
 * survived. */
enum loop_end loop_run(struct reaper *r);

#endif
