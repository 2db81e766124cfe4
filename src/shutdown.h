/*
 * shutdown: the deadlines (--timeout, --kill-after, --grace, --send) and the end of
 * a job: what happens to descendants left when the main child exits
 * (--orphans), and escalation to KILL.
 *
 * Deadlines live in one timerfd set to the earliest of them (absolute,
 * CLOCK_MONOTONIC) or disarmed; it is created only when a first deadline is
 * armed, so a run with nothing due adds no descriptor and no wake-up. When
 * no descriptor is left for it (ulimit -n 4), the loop waits with a poll
 * timeout up to that deadline instead.
 */
#ifndef REAPER_SHUTDOWN_H
#define REAPER_SHUTDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct config;
struct delivered;
struct reaper;

/* Written by shutdown.c only. Deadlines are CLOCK_MONOTONIC milliseconds;
 * 0 when unset. */
struct shutdown_state {
	int timer_fd;            /* -1 until a deadline is first armed */
	uint64_t armed_ms;       /* what timer_fd is set to; 0 when disarmed */
	uint64_t timeout_at_ms;  /* --timeout expires */
	uint64_t kill_at_ms;     /* KILL every descendant still alive */
	size_t next_send;        /* index of the next --send not yet due */
	bool timed_out;          /* the job was stopped by --timeout: exit 124 */
	bool kill_sent;          /* escalation has reached KILL */
	bool job_ended;          /* main child gone (or --pause told to stop), acted on */
	/* --stop-delay: the stop signal held (0: none) since held_at_ms, due
	 * to go out at release_at_ms; hold_used once one was held, since only
	 * the first stop signal is. */
	int held_signo;
	uint64_t held_at_ms;
	uint64_t release_at_ms;
	bool hold_used;
	uint64_t restart_at_ms;  /* --restart: the back-off between two runs ends */
	bool restart_due;        /* ...and it has */
};

/* What --stop-delay does with a signal that came for the job. */
enum hold_step {
	HOLD_PASS,     /* act on it now; what is held stays held */
	HOLD_TAKE,     /* hold it for --stop-delay */
	HOLD_RELEASE,  /* act on the held signal now, then on this one */
};

/* Why a held stop signal goes out. */
enum hold_end {
	HOLD_ENDS_NOT,      /* it does not (yet) */
	HOLD_ENDS_DELAY,    /* --stop-delay ran out */
	HOLD_ENDS_SIGNAL,   /* a second stop signal, or INT */
	HOLD_ENDS_EXIT,     /* the main child ended: nothing left to delay for */
	HOLD_ENDS_TIMEOUT,  /* --timeout stopped the job */
};

/* A held stop signal goes out (told before it is forwarded). */
struct hold_release {
	int signo;
	uint64_t held_ms;        /* how long it was held */
	enum hold_end by;
	bool dropped;            /* the main child ended and nothing is left */
};

/* Signals sent to every descendant (--orphans, KILL escalation), or the
 * KILL repeated for processes that came to us after it (again: neither
 * counted nor traced). */
struct escalation {
	int signo;
	int count;               /* processes signalled, or -errno (/proc unreadable) */
	bool again;
};

/* The main child is gone and count processes are left (-1: /proc could
 * not count them); policy says what happens to them. */
struct orphans {
	enum orphan_policy policy;
	int count;
	uint64_t grace_ms;       /* --grace, before KILL under ORPHANS_TERMINATE */
};

/* --timeout expired: signo went to the job, KILL follows after kill_ms. */
struct timeout {
	uint64_t after_ms;       /* --timeout */
	int signo;
	uint64_t kill_ms;
};

/* Deadlines that have passed, as of one look at the clock. */
struct shutdown_due {
	bool timeout;
	bool kill;
	size_t sends;            /* --send signals now due, from next_send on */
};

/* The first whole millisecond at or after from_ns + ms: the timer has
 * millisecond resolution, and a deadline must never fire early. Pure. */
uint64_t shutdown_deadline_after(uint64_t from_ns, uint64_t ms);

/* The earliest of the deadlines that are set (non-zero), 0 when none.
 * Pure. */
uint64_t shutdown_earliest(uint64_t timeout_at_ms, uint64_t kill_at_ms, uint64_t send_at_ms);

/* When --send number index is due (ms), 0 when there is none. Pure. */
uint64_t shutdown_send_at(const struct config *cfg, uint64_t start_ns, size_t index);

/* How long after --timeout's stop signal KILL follows: --kill-after when
 * given, else --grace. Pure. */
uint64_t shutdown_timeout_kill_ms(const struct config *cfg);

/* Whether a KILL at at_ms moves the KILL deadline: not once KILL was sent,
 * nor when an earlier (or equal) one is set. Pure. */
bool shutdown_kill_sooner(const struct shutdown_state *s, uint64_t at_ms);

/* What is due at now_ms: the timeout, the KILL deadline, and how many of
 * the --send signals (at most max). Pure. */
struct shutdown_due shutdown_due_at(const struct shutdown_state *s, const struct config *cfg,
				    uint64_t start_ns, uint64_t now_ms, size_t max);

/* Whether the job counts as ended: the main child reaped, or under
 * --pause, TERM or INT received. Pure. */
bool shutdown_main_ended(const struct config *cfg, bool child_reaped, bool exit_requested);

/* Whether --stop-delay holds signo when it comes first: TERM, and the
 * --stop-signal unless that is INT (INT, as from a terminal, is never
 * held). Decided on the signal received, before --rewrite. Pure. */
bool shutdown_holds(const struct config *cfg, int signo);

/* What --stop-delay does with signo, come for the job while held (0:
 * nothing) is held, used when a signal was held before: the first stop
 * signal is held; a second one, or INT, releases the held one; anything
 * else passes. Pure. */
enum hold_step shutdown_hold_step(const struct config *cfg, int held, bool used, int signo);

/* Whether the held signal goes out at now_ms, and why: its deadline has
 * passed, --timeout stopped the job (timed_out), or the main child ended
 * (job_ended). HOLD_ENDS_NOT when nothing is held. Pure. */
enum hold_end shutdown_hold_ends(const struct shutdown_state *s, uint64_t now_ms, bool job_ended);

/* signo came for the job: --stop-delay may hold it (*held set: act on it
 * later, not now). Returns a signal held before that must be acted on
 * first (a second stop signal or INT ends the delay), or 0. */
int shutdown_hold(struct reaper *r, int signo, bool *held);

/* The held signal, when its delay is over (it ran out, the main child
 * ended, --timeout expired): returns it, no longer held, for the caller
 * to act on; 0 when none (or the main child ended with nothing left to
 * get it). Reads the clock only while a signal is held. */
int shutdown_hold_over(struct reaper *r);

/* The job has started: arm --timeout. */
void shutdown_start(struct reaper *r);

/* A signal went to the job (d, from forward_signal): after a stop
 * signal (TERM, INT, QUIT, HUP, the --stop-signal: forward_is_terminating)
 * that went out, arm the --kill-after deadline. */
void shutdown_after_forward(struct reaper *r, const struct delivered *d);

/* After reaping: when the main child has just ended (or --pause was told to
 * stop), apply --orphans to what is left; once KILL was sent, KILL again
 * whatever has appeared since. */
void shutdown_after_reap(struct reaper *r);

/* The timerfd is readable: act on every deadline that has passed. Returns
 * how many --send signals are now due, written in order into due (at most
 * max); the caller treats them as received. */
size_t shutdown_on_timer(struct reaper *r, int due[], size_t max);

/* Point the timerfd at the earliest deadline, or disarm it. Without a
 * timerfd (none could be made: no descriptor left), only remember the
 * deadline for shutdown_wait_ms. */
void shutdown_arm(struct reaper *r);

/* How long the loop may wait, in ms: -1 (no limit) when a timerfd holds
 * the deadline or none is armed; else the time until it, 0 once it has
 * passed, which then counts as the timer firing. No system call. */
int shutdown_wait_ms(const struct reaper *r);

/* --restart: the back-off ends delay_ms from now; arms the timer. */
void shutdown_restart_after(struct reaper *r, uint64_t delay_ms);

/* A new run starts: forget the last one's end, its KILL deadline and
 * escalation (--timeout and --send go on counting from reaper's start). */
void shutdown_new_run(struct reaper *r);

/* true when the run is over: the main child has ended and --orphans is
 * done with what it left (reaper exits then, unless --restart). */
bool shutdown_done(const struct reaper *r);

#endif
