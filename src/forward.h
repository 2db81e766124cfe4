/*
 * forward: where each received signal goes. Applies the rewrite table, then
 * signals the child's process group, the child alone, or every descendant
 * (--forward=tree, and always once the main child is gone). It says
 * nothing itself: each call returns what it did, and tell.c words it.
 *
 * Never signals the main child after it was reaped: the child is reached
 * through its pidfd, whose PID cannot be reused before we reap it.
 */
#ifndef REAPER_FORWARD_H
#define REAPER_FORWARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

struct reaper;

/* How a signal reaches its target; the one switch in forward.c. */
enum forward_way {
	FWD_BY_PIDFD,     /* the main child, through its pidfd */
	FWD_BY_PID,       /* the main child by PID: no pidfd, but not reaped */
	FWD_BY_GROUP,     /* kill(-pgid): the group named after the main child */
	FWD_BY_WALK,      /* every descendant, each pinned by a pidfd (descendants.c) */
	FWD_BY_BROADCAST, /* as a namespace's init: kill(-1) (descendants.c) */
};

/* Where a signal for the job goes: the signal as sent (the rewrite table's
 * entry; 0 when dropped), the target and the way. */
struct forward_route {
	int sent;
	enum forward_mode target;  /* FWD_TREE once the main child is gone */
	enum forward_way way;
};

/* One delivery: signo, as sent, to target (named after child_pid). */
struct delivery {
	int signo;
	enum forward_mode target;
	pid_t child_pid;
	int err;                   /* 0, or -errno of the delivery */
};

/* The deliveries of one forward_signal: the signal, and the CONT that
 * followed it when the job was (or may have been) stopped. */
struct delivered {
	bool terminating;          /* a stop signal (forward_is_terminating) */
	int stopped;               /* looked at first: 1, 0, or -errno (cannot tell) */
	struct delivery signal;
	struct delivery cont;      /* signo 0 when no CONT was sent */
};

/* What forward_signal did with a signal received for the job. */
struct forwarding {
	int signo;                 /* as received */
	int sent;                  /* as rewritten; 0: dropped, nothing delivered */
	struct delivered d;
};

/* Whether signo asks the job to end: TERM, INT, HUP, QUIT, or the
 * --stop-signal. The one definition behind --kill-after, --report's first
 * stop and the SIGCONT that follows a stop signal to a stopped job. Pure. */
bool forward_is_terminating(const struct config *cfg, int signo);

/* Where signo goes: rewritten by cfg's table (when rewrite), to cfg's
 * --forward target while the main child is alive, to every descendant
 * after; through the child's pidfd when it has one, by broadcast when
 * reaper is a namespace's init (self_is_init). Pure. */
struct forward_route forward_route(const struct config *cfg, int signo, bool rewrite,
				   bool child_alive, bool has_pidfd, bool self_is_init);

/* Send signo to the job: rewritten by the table when rewrite (a signal
 * received, or due from --send; not --timeout's), to the forward target
 * while the main child lives, every descendant after. After a terminating
 * signal, SIGCONT follows to the same target when something in it is
 * stopped (or /proc cannot tell), so a stopped job still acts on it.
 * Fills *out; the signal went out when out->sent != 0 and
 * out->d.signal.err == 0. Logs nothing: tell_forward words it. */
void forward_signal(struct reaper *r, int signo, bool rewrite, struct forwarding *out);

/* A new turn of the loop: forget whether this turn's walk found the job
 * stopped, so the next terminating signal looks again. */
void forward_turn_begin(struct reaper *r);

#endif
