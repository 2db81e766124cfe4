/*
 * forward: sends each received signal where the configuration says.
 *
 * Owns: the rewrite step and the choice of target. Never: a signal to the
 * main child after it was reaped (we use its pidfd, and the process group
 * named after it only while its PID is still held by us, unreaped).
 */
#include "forward.h"

#include <errno.h>
#include <signal.h>
#include <sys/pidfd.h>

#include "config.h"
#include "descendants.h"
#include "log.h"
#include "signame.h"
#include "reaper.h"
#include "clock.h"
#include "trace.h"

int forward_to_child(struct reaper *r, int signo)
{
	if (r->child_reaped || r->child_pid <= 0)
		return -ESRCH;
	if (r->child_pidfd >= 0)
		return pidfd_send_signal(r->child_pidfd, signo, NULL, 0) == 0 ? 0 : -errno;
	/* No pidfd (old kernel): the PID is still ours, since we have not
	 * reaped it, so kill(2) cannot hit a recycled process. */
	return kill(r->child_pid, signo) == 0 ? 0 : -errno;
}

/* The process group named after the child; ESRCH when the child left it
 * (setsid) and nobody else is in it: then the child alone. */
static int forward_to_group(struct reaper *r, int signo)
{
	if (r->child_reaped || r->child_pid <= 0)
		return -ESRCH;
	if (kill(-r->child_pid, signo) == 0)
		return 0;
	if (errno != ESRCH)
		return -errno;
	return forward_to_child(r, signo);
}

static const char *target_kind(const struct reaper *r)
{
	if (r->child_reaped || r->cfg->forward == FWD_TREE)
		return "descendants of";
	return r->cfg->forward == FWD_GROUP ? "process group" : "child";
}

bool forward_is_terminating(const struct config *cfg, int signo)
{
	return signo == SIGTERM || signo == SIGINT || signo == SIGQUIT || signo == SIGHUP ||
	       signo == cfg->stop_signo;
}

bool forward_accepts(int signo, int32_t code)
{
	switch (signo) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
	case SIGSYS:
		return code <= 0; /* SI_USER 0, SI_QUEUE, SI_TKILL... are negative */
	default:
		return true;
	}
}

/* --trace and --report: what was delivered, where. */
static void note_delivery(struct reaper *r, int signo)
{
	char name[SIGNAME_MAX];

	if (r->cfg->report) {
		r->stats.forwarded[signo]++;
		if (r->stats.first_stop_ns == 0 && forward_is_terminating(r->cfg, signo))
			r->stats.first_stop_ns = clock_now_ns();
	}
	if (!trace_on(r))
		return;
	if (r->child_reaped || r->cfg->forward == FWD_TREE)
		trace_event(r, "event=forward sig=%s target=tree", signal_name(signo, name));
	else
		trace_event(r, "event=forward sig=%s target=%s:%d", signal_name(signo, name),
			    r->cfg->forward == FWD_GROUP ? "group" : "child", (int)r->child_pid);
}

/* Where a signal for the job goes now: the configured target while the
 * main child lives, every descendant after. */
static enum forward_mode current_target(const struct reaper *r)
{
	return r->child_reaped ? FWD_TREE : r->cfg->forward;
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
	if (!r->child_reaped) {
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

/* Send signo to the current target; log a failure, note a success. */
static int deliver(struct reaper *r, int signo)
{
	char name[SIGNAME_MAX];
	int err;

	if (current_target(r) == FWD_TREE) {
		int n = descendants_signal(r, signo, false, false);
		err = n < 0 ? n : 0;
	} else if (r->cfg->forward == FWD_GROUP) {
		err = forward_to_group(r, signo);
	} else {
		err = forward_to_child(r, signo);
	}
	if (err < 0) {
		errno = -err;
		log_msg(err == -ESRCH ? LOG_INFO : LOG_WARN, "forwarding %s to %s %d: %m",
			signal_name(signo, name), target_kind(r), (int)r->child_pid);
		return err;
	}
	note_delivery(r, signo);
	return 0;
}

/* A stopped process acts on no signal but KILL and CONT: a TERM waits,
 * pending, and `docker stop` would end in KILL after its whole grace. So
 * a terminating signal is followed by CONT to the same target when
 * anything in it is stopped, as systemd and timeout(1) do. Returns 1 (or
 * -errno, when /proc cannot tell: CONT too), 0 when nothing is stopped. A target that is not stopped gets
 * no CONT, so a program with a CONT handler is not disturbed. When /proc
 * cannot tell, the job may be stopped: CONT it. */
static int stopped_before(struct reaper *r, int signo)
{
	if (!forward_is_terminating(r->cfg, signo))
		return 0;
	int stopped = job_stopped(r, current_target(r));
	if (stopped < 0) {
		errno = -stopped;
		log_msg(LOG_DEBUG, "cannot tell whether the job is stopped (%m): sending CONT");
	}
	return stopped;
}

int forward_deliver(struct reaper *r, int signo)
{
	/* Looked at before signo goes out: a signal that ends the main child
	 * would move its children to us in the middle of the look, and they
	 * could be missed. A process that stops in between stopped after the
	 * request, as if it had come later. */
	int stopped = stopped_before(r, signo);
	int err = deliver(r, signo);

	if (err == 0 && stopped != 0)
		(void)deliver(r, SIGCONT); /* a failure is logged there */
	return err;
}

int forward_signal(struct reaper *r, int signo)
{
	char name[SIGNAME_MAX], target_name[SIGNAME_MAX];
	int target = r->cfg->rewrite[signo];

	if (target == 0) {
		log_msg(LOG_INFO, "dropping %s (rewritten to 0)", signal_name(signo, name));
		trace_event(r, "event=drop sig=%s", signal_name(signo, name));
		return 0;
	}
	if (target != signo)
		trace_event(r, "event=rewrite sig=%s as=%s", signal_name(signo, name),
			    signal_name(target, target_name));
	int err = forward_deliver(r, target);
	if (err == 0 && log_enabled(LOG_INFO))
		log_msg(LOG_INFO, "forwarded %s%s%s to %s %d", signal_name(signo, name),
			target != signo ? " as " : "",
			target != signo ? signal_name(target, target_name) : "", target_kind(r),
			r->child_reaped ? (int)r->self_pid : (int)r->child_pid);
	return err;
}
