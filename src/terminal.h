/*
 * terminal: the controlling terminal reaper may hand to the job, and job
 * control around it: when the child stops, stop too (so the shell gets its
 * prompt back); when continued, give the terminal back to the job.
 *
 * Owns struct terminal. Never: taking a terminal reaper did not hold in the
 * foreground at start, or stopping reaper where no shell waits for it (PID
 * 1, no terminal).
 */
#ifndef REAPER_TERMINAL_H
#define REAPER_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>

struct reaper;

/* Written by terminal_find at start, and job_pgid by main (start_job) or
 * isolate.c (the inner reaper's report); read by spawn.c and the loop. */
struct terminal {
	int fd;           /* the terminal we hand to the child, or -1 */
	bool foreground;  /* we held the terminal's foreground at start */
	pid_t job_pgid;   /* the group to hand the terminal to on SIGCONT; 0 none */
};

/* Before the child runs: stdin when it is a terminal, and whether it is
 * ours to hand (a reaper started in the background must not steal it). */
void terminal_find(struct reaper *r);

/* The main child stopped (r->job.child_stopped): consume that, and stop
 * reaper too when a shell's job control needs it. */
void terminal_follow_stop(struct reaper *r);

/* SIGCONT arrived: give the terminal back to the job when we are in the
 * foreground, before the job runs again. */
void terminal_resume(struct reaper *r);

/* --session on a terminal: let go of it, so that the child can make it
 * the controlling terminal of its own session, and stop handling it
 * ourselves (r->tty.fd becomes -1). Returns the terminal, or -1 when we
 * held none. */
int terminal_release(struct reaper *r);

/* After signo went to the job: under dumb-init's convention
 * (config suspend_self) and with no terminal, a terminal stop signal
 * (TSTP, TTIN, TTOU) stops reaper too. */
void terminal_stop_with_job(struct reaper *r, int signo);

#endif
