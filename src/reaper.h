/*
 * reaper: the one run-time state of the program. main owns it and passes it
 * by pointer; no module keeps state of its own beyond the log level.
 */
#ifndef REAPER_REAPER_H
#define REAPER_REAPER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct config;

/* --report counters; only kept when --report asks for them. */
struct stats {
	unsigned received[NSIG];    /* signals reaper got (and --send's) */
	unsigned forwarded[NSIG];   /* signals delivered to the job, as sent */
	unsigned reaped;            /* every process reaped, the main child too */
	unsigned terminated;        /* descendants sent TERM by --orphans */
	unsigned killed;            /* descendants sent KILL by escalation */
	uint64_t first_stop_ns;     /* first stop signal delivered; 0 none */
	uint64_t child_end_ns;      /* main child reaped; 0 not yet */
};

struct reaper {
	const struct config *cfg;

	/* What we were started with: restored in the child before exec. */
	sigset_t orig_mask;
	bool sigchld_was_ignored;

	pid_t self_pid;          /* 1 when we are a namespace's init */
	int signal_fd;           /* every catchable signal arrives here */
	int tty_fd;              /* the terminal we hand to the child, or -1 */
	bool tty_foreground;     /* we held the terminal's foreground at start */
	pid_t terminal_pgid;     /* the group to hand the terminal to on SIGCONT */

	/* --isolate: the pipe between the inner reaper (writes) and the outer
	 * one (reads); -1 when not isolated. */
	int control_fd;

	pid_t child_pid;         /* main child; also its process group id */
	int child_pidfd;         /* -1 when the kernel has no pidfds, or once reaped */
	bool child_reaped;
	bool child_stopped;      /* it stopped; not yet followed by the loop */
	int child_status;        /* wait status, valid once child_reaped */

	bool exit_requested;     /* --pause: TERM or INT arrived */
	/* forward.c: a walk of the job in this turn found nothing stopped. */
	bool turn_found_none_stopped;
	bool children_left;      /* waitpid has not yet answered ECHILD */

	/* Shutdown deadlines, CLOCK_MONOTONIC milliseconds; 0 when unset. */
	int timer_fd;            /* -1 until a deadline is first armed */
	uint64_t armed_ms;       /* what timer_fd is set to; 0 when disarmed */
	uint64_t timeout_at_ms;  /* --timeout expires */
	uint64_t kill_at_ms;     /* KILL every descendant still alive */
	bool timed_out;          /* the job was stopped by --timeout: exit 124 */
	bool kill_sent;          /* escalation has reached KILL */
	bool job_ended;          /* main child gone (or --pause told to stop), acted on */

	/* Observing: --trace, --report, --send. */
	uint64_t start_ns;       /* CLOCK_MONOTONIC when reaper started */
	int trace_fd;            /* -1 unless --trace */
	size_t next_send;        /* index of the next --send not yet due */
	struct stats stats;
};

#endif
