/*
 * tell: the one place where what reaper did becomes words. Work functions
 * (forward, reap, shutdown, the loop, main's spawn and finish) do their
 * work and hand back a fact; tell turns each fact into the log line, the
 * --trace line and the --report count. The trace vocabulary, a stable
 * interface users parse, is defined here and in doc/reaper.1 (TRACE
 * EVENTS), nowhere else; so is the wording of a child's wait status.
 *
 * Owns: struct stats (the --report counters). Never: a decision, a signal
 * or an allocation; each entry point costs nothing when its lines are off.
 */
#ifndef REAPER_TELL_H
#define REAPER_TELL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct reaper;
struct forwarding;
struct delivered;
struct reaped;
struct escalation;
struct orphans;
struct timeout;
struct reap_ending;
struct hold_release;

/* --report counters; written by tell.c only, and only when --report or
 * --report-file asks. */
struct stats {
	unsigned received[NSIG];    /* signals reaper got (and --send's) */
	unsigned forwarded[NSIG];   /* signals delivered to the job, as sent */
	unsigned reaped;            /* every process reaped, the main child too */
	unsigned terminated;        /* descendants sent TERM by --orphans */
	unsigned killed;            /* descendants sent KILL by escalation */
	uint64_t first_stop_ns;     /* first stop signal delivered; 0 none */
	uint64_t child_end_ns;      /* main child reaped; 0 not yet */
	int held_signo;             /* --stop-delay held this stop signal; 0 none */
	uint64_t held_ms;           /* for this long (once it went out)... */
	const char *held_until;     /* ...until this ("the delay ran out") */
	unsigned runs;              /* the main child was started so many times */
};

/* How a wait status is worded; tell_status is the one formatter of it. */
enum tell_style {
	TELL_WORDS,       /* "exited 3", "killed by TERM", "stopped by TSTP" */
	TELL_WORDS_CORE,  /* the same, then ", core dumped" when it did */
	TELL_FIELD,       /* trace: "code=3", "signal=TERM", "stopped=TSTP" */
	TELL_PAIR,        /* trace: "exit:3", "signal:TERM", "stopped:TSTP" */
};

/* status in style, into buf; returns buf. Pure. */
const char *tell_status(int status, enum tell_style style, char *buf, size_t size);

/* Why the run ends, in words ("the job timed out"); returns buf. Pure. */
const char *tell_reason(const struct reap_ending *e, char *buf, size_t size);

/* A signal came for the job: from is the sender's pid (0: the kernel, or
 * a sender outside our namespace), or -1 for --send. */
void tell_signal(struct reaper *r, int signo, int from, unsigned uid);

/* What forward_signal did with a received signal. */
void tell_forward(struct reaper *r, const struct forwarding *f);

/* The deliveries alone (the --timeout path: no rewrite, no "forwarded"). */
void tell_delivered(struct reaper *r, const struct delivered *d);

/* A process reaped, or the main child stopped. */
void tell_reaped(struct reaper *r, const struct reaped *p);

/* Signals sent to every descendant. */
void tell_escalation(struct reaper *r, const struct escalation *e);

/* The main child is gone, and what is left gets the --orphans policy. */
void tell_orphans(const struct reaper *r, const struct orphans *o);

/* A stop signal went to the job: KILL follows after after_ms. */
void tell_kill_scheduled(const struct reaper *r, uint64_t after_ms);

/* --stop-delay holds signo for delay_ms. */
void tell_hold(struct reaper *r, int signo, uint64_t delay_ms);

/* The held stop signal goes out (or, the main child gone and nothing
 * left, is dropped). */
void tell_release(struct reaper *r, const struct hold_release *h);

/* --timeout expired. */
void tell_timeout(const struct reaper *r, const struct timeout *t);

/* --pause: signo (TERM or INT) tells reaper to stop. */
void tell_pause_ends(const struct reaper *r, int signo);

/* A fault the kernel raised about reaper itself; kept from the job. */
void tell_own_fault(const struct reaper *r, int signo, int code);

/* The main child was started. */
void tell_spawn(struct reaper *r);

/* --restart decided, after run number run - 1: verdict (enum
 * restart_verdict), and for RESTART_AGAIN, run starts after delay_ms. */
void tell_restart(const struct reaper *r, int verdict, unsigned run, uint64_t delay_ms);

/* The run ends: the last log and trace lines, then the --report summary
 * and the --report-file. */
void tell_done(const struct reaper *r, const struct reap_ending *e);

#endif
