/*
 * restart: --restart, --restart-max and --restart-delay. Whether the main
 * child is started again once a run has ended (and what it left behind
 * has been dealt with by --orphans), and after which back-off.
 *
 * The decision is pure (restart_decide); restart_step applies it to the
 * running reaper: the back-off is a deadline in shutdown's one timerfd, so
 * the wait between two runs is idle (no wake-up), and a stop signal
 * during it ends reaper at once.
 */
#ifndef REAPER_RESTART_H
#define REAPER_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct reaper;

/* Written by restart.c, but stop_requested: loop.c sets it when a stop
 * signal comes for the job. */
struct restart_state {
	unsigned runs;           /* the main child was started so many times */
	unsigned streak;         /* back-offs since the last long run */
	uint64_t run_start_ns;   /* CLOCK_MONOTONIC at the last start */
	bool backing_off;        /* between two runs, waiting for the deadline */
	bool stop_requested;     /* reaper was told to stop: no run after this one */
};

/* Why a run is followed by another, or not. */
enum restart_verdict {
	RESTART_NOT_ASKED,       /* --restart=no */
	RESTART_TOLD_TO_STOP,    /* a stop signal came, or --timeout expired */
	RESTART_SUCCEEDED,       /* on-failure, and the run's code is 0 (after -e) */
	RESTART_MAX_REACHED,     /* --restart-max restarts were made */
	RESTART_AGAIN,           /* start it again after delay_ms */
};

/* What the decision looks at, once a run has ended. */
struct restart_facts {
	enum restart_policy policy;
	unsigned max;            /* --restart-max (RESTART_UNLIMITED) */
	unsigned restarts;       /* made so far: runs - 1 */
	int code;                /* the run's exit code as reaper would exit (-e applied) */
	bool stop_requested;     /* told to stop, or timed out */
	uint64_t delay_ms;       /* --restart-delay: the first back-off */
	unsigned streak;         /* back-offs since the last long run */
	uint64_t ran_ms;         /* how long the run lasted */
};

struct restart_decision {
	enum restart_verdict verdict;
	uint64_t delay_ms;       /* the back-off, for RESTART_AGAIN */
	unsigned streak;         /* for the next decision */
};

/* The longest back-off: 32 times delay_ms (five doublings). Pure. */
uint64_t restart_cap_ms(uint64_t delay_ms);

/* Whether to start the main child again, and after how long: delay_ms,
 * doubled at each restart in a row, at most restart_cap_ms; a run that
 * lasted at least restart_cap_ms starts the doubling over. Pure. */
struct restart_decision restart_decide(const struct restart_facts *f);

/* What the loop does once a run is over and --orphans is done with it. */
enum restart_step {
	RESTART_STEP_END,        /* reaper exits: no restart, or told to stop */
	RESTART_STEP_WAIT,       /* in the back-off: keep waiting */
	RESTART_STEP_START,      /* the back-off is over: start the next run */
};

/* Once the run has ended: decide (and tell), arm the back-off deadline;
 * during the back-off, whether it is over or reaper was told to stop. */
enum restart_step restart_step(struct reaper *r);

/* The main child is about to be started (again): count the run, start
 * the job's and the shutdown's state afresh. */
void restart_begin_run(struct reaper *r);

#endif
