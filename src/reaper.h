/*
 * reaper: the one run-time state of the program. main owns it and passes it
 * by pointer; no module keeps state of its own beyond the log level.
 *
 * Its fields are grouped by the module that writes them: each group is a
 * struct declared in that module's header (the job in reap.h, the
 * deadlines in shutdown.h, the terminal in terminal.h, the counters in
 * tell.h); the few single fields say who writes them.
 */
#ifndef REAPER_REAPER_H
#define REAPER_REAPER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "reap.h"
#include "restart.h"
#include "shutdown.h"
#include "tell.h"
#include "terminal.h"

struct config;

struct reaper {
	const struct config *cfg;     /* main; isolate.c swaps in the outer one */

	/* main, at start (take_over_signals, become_reaper); isolate.c sets
	 * self_pid again in the inner reaper. What we were started with is
	 * restored in the child before exec. */
	sigset_t orig_mask;
	bool sigchld_was_ignored;
	pid_t self_pid;               /* 1 when we are a namespace's init */
	int signal_fd;                /* every catchable signal arrives here */
	uint64_t start_ns;            /* CLOCK_MONOTONIC when reaper started */

	struct job job;               /* reap.c (spawn.c, isolate.c: pid, pidfd) */
	struct shutdown_state shutdown; /* shutdown.c: deadlines, escalation */
	struct restart_state restart; /* restart.c (loop.c: stop_requested) */
	struct terminal tty;          /* terminal.c (main, isolate.c: job_pgid) */
	struct stats stats;           /* tell.c: --report counters */

	int trace_fd;                 /* trace.c: -1 unless --trace */
	int report_dir_fd;            /* reportfile.c: -1 unless --report-file */
	/* isolate.c: the pipe between the inner reaper (writes) and the outer
	 * one (reads); -1 when not isolated. */
	int control_fd;
	bool exit_requested;          /* loop.c: --pause got TERM or INT */
	/* forward.c: a walk of the job in this turn found nothing stopped. */
	bool turn_found_none_stopped;
};

#endif
