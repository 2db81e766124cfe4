/*
 * forward: where each received signal goes. Applies the rewrite table, then
 * signals the child's process group, the child alone, or every descendant
 * (--forward=tree, and always once the main child is gone).
 *
 * Never signals the main child after it was reaped: the child is reached
 * through its pidfd, whose PID cannot be reused before we reap it.
 */
#ifndef REAPER_FORWARD_H
#define REAPER_FORWARD_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct reaper;

/* Whether signo asks the job to end: TERM, INT, HUP, QUIT, or the
 * --stop-signal. The one definition behind --kill-after, --report's first
 * stop and the SIGCONT that follows a stop signal to a stopped job. Pure. */
bool forward_is_terminating(const struct config *cfg, int signo);

/* Whether a signal read with si_code code is for the job. A fault signal
 * (SEGV, BUS, ILL, FPE, TRAP, SYS) with code <= 0 was sent by a process
 * (kill, sigqueue, tgkill): a request like any other. With code > 0 the
 * kernel reports something about reaper itself (BUS_MCEERR_AO): not the
 * job's. Every other signal is for the job. Pure. */
bool forward_accepts(int signo, int32_t code);

/* Forward signo (as received) to the target the configuration names.
 * Returns 0, or -errno of the delivery that failed (already logged). */
int forward_signal(struct reaper *r, int signo);

/* Send signo, as is, to the job: the forward target while the main child
 * lives, every descendant after. After a terminating signal, SIGCONT
 * follows to the same target when something in it is stopped (or /proc
 * cannot tell), so a stopped job still acts on it. Returns 0 or -errno
 * (logged). */
int forward_deliver(struct reaper *r, int signo);

/* Send signo to the main child alone (pidfd, else kill). Returns 0 or
 * -errno; -ESRCH once the child was reaped. */
int forward_to_child(struct reaper *r, int signo);

/* A new turn of the loop: forget whether this turn's walk found the job
 * stopped, so the next terminating signal looks again. */
void forward_turn_begin(struct reaper *r);

#endif
