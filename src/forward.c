/*
 * forward: sends each received signal where the configuration says.
 *
 * Owns: the rewrite step and the choice of target (forward_route, pure),
 * and turn_found_none_stopped. Never: a signal to the main child after it
 * was reaped (we use its pidfd, and the process group named after it only
 * while its PID is still held by us, unreaped); a log or trace line (the
 * facts go back to the caller, and tell.c words them).
 */
#include "forward.h"

#include <errno.h>
#include <signal.h>
#include <sys/pidfd.h>

#include "config.h"
#include "descendants.h"
#include "reaper.h"

bool forward_is_terminating(const struct config *cfg, int signo)
{
	return signo == SIGTERM || signo == SIGINT || signo == SIGQUIT || signo == SIGHUP ||
	       signo == cfg->stop_signo;
}

struct forward_route forward_route(const struct config *cfg, int signo, bool rewrite,
				   bool child_alive, bool has_pidfd, bool self_is_init)
{
	struct forward_route route = {
		.sent = rewrite ? cfg->rewrite[signo] : signo,
		.target = child_alive ? cfg->forward : FWD_TREE,
	};

	switch (route.target) {
	case FWD_TREE:
		route.way = self_is_init ? FWD_BY_BROADCAST : FWD_BY_WALK;
		break;
	case FWD_GROUP:
		route.way = FWD_BY_GROUP;
		break;
	case FWD_CHILD:
		route.way = has_pidfd ? FWD_BY_PIDFD : FWD_BY_PID;
		break;
	}
	return route;
}

/* Send signo the way way says: the one place a signal for the job leaves
 * reaper. Returns 0 or -errno. Without a pidfd (old kernel) the main
 * child's PID is still ours, since we have not reaped it, so kill(2)
 * cannot hit a recycled process. The group is ESRCH when the child left
 * it (setsid) and nobody else is in it: then the child alone. */
static int send_to_child(const struct reaper *r, int signo)
{
	if (r->job.child_pidfd >= 0)
		return pidfd_send_signal(r->job.child_pidfd, signo, NULL, 0) == 0 ? 0 : -errno;
	return kill(r->job.child_pid, signo) == 0 ? 0 : -errno;
}

static int send_by(const struct reaper *r, enum forward_way way, int signo)
{
	pid_t child = r->job.child_pid;

	if (child <= 0 && way != FWD_BY_WALK && way != FWD_BY_BROADCAST)
		return -ESRCH; /* --pause: no main child */
	switch (way) {
	case FWD_BY_PIDFD:
	case FWD_BY_PID: /* forward_route chose by the pidfd, as send_to_child does */
		return send_to_child(r, signo);
	case FWD_BY_GROUP:
		if (kill(-child, signo) == 0)
			return 0;
		return errno == ESRCH ? send_to_child(r, signo) : -errno;
	case FWD_BY_WALK:
	case FWD_BY_BROADCAST: { /* descendants_signal tells them apart by self_pid */
		int n = descendants_signal(r, signo, false, false);
		return n < 0 ? n : 0;
	}
	}
	return -EINVAL;
}

/* 1 when something in scope is stopped, 0 when not, -errno when /proc
 * cannot tell. The main child first: one read, and it is the one stopped
 * in the common cases (^Z stops the whole group; a debugger, SIGSTOP).
 * The rest takes a walk of the job, made at most once a turn: a flood of
 * TERMs (check_stress_signals sends thousands a second beside a stream of
 * orphans) must not become a flood of walks that leaves orphans unreaped,
 * and what one walk of a turn found nothing in stands for the signals of
 * the same batch, all read before it. */
static int job_stopped(struct reaper *r, enum forward_mode scope)
{
	if (!r->job.child_reaped) {
		int child = descendants_stopped(r, FWD_CHILD);
		if (child != 0 || scope == FWD_CHILD)
			return child;
	}
	if (r->turn_found_none_stopped)
		return 0;
	int stopped = descendants_stopped(r, scope);
	r->turn_found_none_stopped = stopped == 0;
	return stopped;
}

void forward_turn_begin(struct reaper *r)
{
	r->turn_found_none_stopped = false;
}

/* A stopped process acts on no signal but KILL and CONT: a TERM waits,
 * pending, and `docker stop` would end in KILL after its whole grace. So
 * a terminating signal is followed by CONT to the same target when
 * anything in it is stopped, as systemd and timeout(1) do. A target that
 * is not stopped gets no CONT, so a program with a CONT handler is not
 * disturbed. When /proc cannot tell, the job may be stopped: CONT it.
 *
 * Looked at before the signal goes out: a signal that ends the main child
 * would move its children to us in the middle of the look, and they could
 * be missed. A process that stops in between stopped after the request,
 * as if it had come later. */
void forward_signal(struct reaper *r, int signo, bool rewrite, struct forwarding *out)
{
	struct forward_route route = forward_route(r->cfg, signo, rewrite, !r->job.child_reaped,
						   r->job.child_pidfd >= 0, r->self_pid == 1);
	struct delivered *d = &out->d;

	*out = (struct forwarding){ .signo = signo, .sent = route.sent };
	if (route.sent == 0)
		return;
	d->terminating = forward_is_terminating(r->cfg, route.sent);
	if (d->terminating)
		d->stopped = job_stopped(r, route.target);
	d->signal = (struct delivery){ route.sent, route.target, r->job.child_pid,
				       send_by(r, route.way, route.sent) };
	if (d->signal.err == 0 && d->stopped != 0)
		d->cont = (struct delivery){ SIGCONT, route.target, r->job.child_pid,
					     send_by(r, route.way, SIGCONT) };
}
