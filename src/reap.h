/*
 * reap: collects every child that has exited (or, for the main child,
 * stopped) and maps the main child's wait status to reaper's exit code.
 *
 * Never blocks, never signals anybody. reap_drain loops waitpid(-1, WNOHANG)
 * until nothing is left, because one SIGCHLD may stand for many exits.
 */
#ifndef REAPER_REAP_H
#define REAPER_REAP_H

#include <stdbool.h>
#include <sys/types.h>

struct config;
struct reaper;

/* The job as waitpid sees it. spawn.c (or, with --isolate, isolate.c) sets
 * child_pid and child_pidfd once; reap.c writes the rest (isolate.c also
 * child_stopped, from the inner reaper's report). */
struct job {
	pid_t child_pid;     /* main child; also its process group id */
	int child_pidfd;     /* -1 when the kernel has no pidfds, or once reaped */
	bool child_reaped;
	bool child_stopped;  /* it stopped; not yet followed by the loop */
	int child_status;    /* wait status, valid once child_reaped */
	bool children_left;  /* waitpid has not yet answered ECHILD */
};

/* One process reaped (or the main child stopped). */
struct reaped {
	pid_t pid;
	int status;          /* its wait status */
	bool main_child;
};

/* Why the run ends with the code it does. */
enum reap_reason {
	REAP_PAUSED,     /* --pause was told to stop: 0 */
	REAP_TIMED_OUT,  /* --timeout stopped the job: 124 */
	REAP_EXPECTED,   /* the main child's code is on -e: 0 */
	REAP_KILLED,     /* the main child was killed by a signal: 128+S */
	REAP_EXITED,     /* the main child's exit code */
};

/* The end of a run: reaper's exit code and why. */
struct reap_ending {
	int code;
	enum reap_reason reason;
	int status;      /* the main child's wait status (REAP_EXPECTED and after) */
};

/* Exit code for a wait status: N for exit(N), 128+S for death by signal S.
 * Pure. */
int reap_exit_code(int wait_status);

/* Apply -e: an expected exit code becomes 0. Pure. */
int reap_apply_expected(const struct config *cfg, int code);

/* The code and reason reaper exits with: --pause, then --timeout, then
 * the main child's wait status (with -e). Pure. */
struct reap_ending reap_ending(const struct config *cfg, bool timed_out, int status);

/*
 * Reap every child that has exited; each one (and a stop of the main
 * child) goes to tell_reaped. Records the main child's status and marks it
 * reaped (its pidfd is closed: it is never signalled again); sets
 * r->job.child_stopped when the main child has stopped (the loop consumes
 * it), and r->job.children_left to whether any child remains.
 * Returns the number of processes reaped. Keeps errno.
 */
unsigned reap_drain(struct reaper *r);

#endif
