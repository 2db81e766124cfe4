/*
 * descendants: every process below reaper, found through /proc.
 *
 * As a host subreaper, a process is ours when its chain of parents leads to
 * reaper (orphans of the job are re-parented to us, so a process that
 * escaped with setsid or a double fork is still found). They are found
 * through the kernel's child lists, from reaper down, so a walk costs in
 * proportion to reaper's tree, not to the host; all of /proc is read only
 * when the lists are missing or the tree holds over 4096 processes. As a namespace's
 * init, every other process in the namespace is ours, and kill(-1) reaches
 * them all. Never signals a process outside that tree: each candidate is
 * pinned with a pidfd first, then checked, then signalled through the pidfd,
 * so a recycled PID cannot be hit. Where no pidfd can be had (no pidfds, or
 * no descriptor left: ulimit -n 4), it is checked and signalled by PID, best
 * effort. Never allocates (the loop may call it during a fork storm), and
 * needs at most one descriptor at a time beside that pidfd.
 */
#ifndef REAPER_DESCENDANTS_H
#define REAPER_DESCENDANTS_H

#include <stdbool.h>

#include "config.h"

struct reaper;

/* Send signo to every descendant. Returns how many were signalled, or
 * -errno when /proc cannot be read. As a namespace's init, one kill(-1)
 * does it and the figure is how many were alive just before, as far as
 * /proc shows: that costs a walk, made only when count is true (else the
 * figure is 0). With wake, a process found stopped after signo gets
 * SIGCONT through the same pidfd, so it can act on signo (as init: one
 * kill(-1, SIGCONT) when any is stopped). */
int descendants_signal(const struct reaper *r, int signo, bool count, bool wake);

/* Whether anything in scope is stopped (state T or t): the main child
 * (FWD_CHILD), the live descendants in its process group (FWD_GROUP), or
 * any live descendant (FWD_TREE). Returns 1 or 0, or -errno when /proc
 * cannot tell. The main child must not be reaped yet for the first two. */
int descendants_stopped(const struct reaper *r, enum forward_mode scope);

/* How many descendants are alive (zombies excluded), or -errno. */
int descendants_count(const struct reaper *r);

#endif
