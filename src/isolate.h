/*
 * isolate: --isolate runs the job in a new PID namespace whose init is a
 * second reaper process (the inner reaper). If the outer reaper dies for
 * any reason, SIGKILL included, the inner one gets SIGKILL (parent-death
 * signal) and the kernel removes every process of the namespace with it.
 *
 * The outer reaper forwards every signal, unchanged, to the inner one and
 * exits with its status; the inner one runs the job exactly as reaper
 * would, as PID 1. Job control crosses the namespace over a small pipe:
 * the inner reaper says which process group holds the job and when the
 * job stopped, so the outer one can stop itself and hand the terminal back.
 */
#ifndef REAPER_ISOLATE_H
#define REAPER_ISOLATE_H

#include <stdbool.h>

struct config;
struct reaper;

/*
 * Create the namespace and its init. Returns true in the outer reaper,
 * with r->job.child_pid the inner reaper and r->cfg switched to outer_cfg (a
 * pass-through configuration built here); false in the inner reaper, which
 * is now PID 1 and goes on to start the job. Exits 125 with one line when
 * the namespace cannot be created.
 */
bool isolate_enter(struct reaper *r, struct config *outer_cfg);

/* Inner: the job's main child was started / has stopped: tell the outer. */
void isolate_report_started(struct reaper *r);
void isolate_report_stopped(struct reaper *r);

/* Outer: the control pipe is readable: note the job's process group, or
 * follow its stop. */
void isolate_read_control(struct reaper *r);

#endif
