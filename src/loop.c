/*
 * loop: wait on the signalfd and the deadline timer, then act on what came.
 *
 * Owns: the order of a turn. Read a batch of signals, only recording; then
 * reap (SIGCHLD means "drain", not "one child"), then job control, then
 * forward each recorded signal in the order read (real-time signals queue,
 * so each one read is forwarded once; --stop-delay may hold the first stop
 * signal), then the shutdown step (deadlines, the end of a delay,
 * orphans). Once a run is over, --restart says whether the loop waits out
 * a back-off and hands back to main for the next start. Never: a timeout
 * on the wait (but the one deadline that stands
 * in for a timerfd reaper had no descriptor for), an allocation, or an exit.
 * The signalfd is blocking: it is read when poll says so, or directly when
 * there is nothing else to wait on.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config.h"
#include "forward.h"
#include "isolate.h"
#include "log.h"
#include "reap.h"
#include "reaper.h"
#include "restart.h"
#include "shutdown.h"
#include "sysio.h"
#include "terminal.h"
#include "tell.h"

#define BATCH 32

struct turn {
	struct signalfd_siginfo info[BATCH];
	enum loop_input kind[BATCH]; /* LOOP_FOR_JOB or LOOP_OWN_FAULT */
	size_t count;
	bool sigchld;
};

enum { POLL_SIGNALS, POLL_TIMER, POLL_CONTROL, POLL_COUNT };

enum loop_input loop_classify(int signo, int32_t code, pid_t sender, pid_t self)
{
	switch (signo) {
	case SIGCHLD:
		return LOOP_CHILDREN;
	case SIGPIPE: /* one our own log write raised is ours, not the job's */
		return sender == self ? LOOP_OWN_PIPE : LOOP_FOR_JOB;
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
	case SIGSYS:
		/* Sent by a process (kill, sigqueue, tgkill: SI_USER is 0,
		 * SI_QUEUE, SI_TKILL... are negative): a request like any
		 * other. With a code > 0 the kernel reports something about
		 * reaper itself (BUS_MCEERR_AO): not the job's. */
		return code <= 0 ? LOOP_FOR_JOB : LOOP_OWN_FAULT;
	default:
		return LOOP_FOR_JOB;
	}
}

bool loop_pause_ends(int signo)
{
	return signo == SIGTERM || signo == SIGINT;
}

struct loop_wait loop_wait_plan(bool has_timer, bool has_control, int deadline_ms, bool drained)
{
	if (!has_timer && !has_control && deadline_ms < 0)
		return (struct loop_wait){ .read_only = true, .timeout_ms = -1 };
	return (struct loop_wait){ .timeout_ms = drained ? deadline_ms : 0 };
}

/* Block until a signal, a deadline or a control message is due; sets
 * ready[] for the timer and the control pipe. EINTR (a stop and continue)
 * just means wait again. poll skips negative descriptors: no timer armed
 * yet, not isolated. Without a timerfd (no descriptor for one), a deadline
 * that has passed counts as the timer firing. */
static void wait_for_events(const struct reaper *r, bool ready[POLL_COUNT], int timeout_ms)
{
	struct pollfd pfd[POLL_COUNT] = {
		[POLL_SIGNALS] = {.fd = r->signal_fd, .events = POLLIN},
		[POLL_TIMER] = {.fd = r->shutdown.timer_fd, .events = POLLIN},
		[POLL_CONTROL] = {.fd = r->control_fd, .events = POLLIN},
	};

	while (poll(pfd, POLL_COUNT, timeout_ms) < 0) {
		if (errno != EINTR) {
			log_msg(LOG_ERROR, "poll: %m");
			return;
		}
		if (timeout_ms > 0) /* a stop may have outlasted the deadline */
			timeout_ms = shutdown_wait_ms(r);
	}
	for (int i = 0; i < POLL_COUNT; i++)
		ready[i] = pfd[i].revents != 0;
	if (shutdown_wait_ms(r) == 0)
		ready[POLL_TIMER] = true;
}

/* Read one batch; returns false when the batch was full (more may wait).
 * The signalfd blocks: call this only when it is ready, or when it is the
 * only thing to wait on. */
static bool read_batch(const struct reaper *r, struct turn *t)
{
	ssize_t n;

	t->count = 0;
	t->sigchld = false;
	n = sysio_read(r->signal_fd, t->info, sizeof(t->info));
	if (n < 0) {
		if (n != -EAGAIN)
			log_msg(LOG_ERROR, "reading signals: %m");
		return true;
	}
	size_t got = (size_t)n / sizeof(t->info[0]);
	for (size_t i = 0; i < got; i++) {
		const struct signalfd_siginfo *si = &t->info[i];
		enum loop_input kind = loop_classify((int)si->ssi_signo, si->ssi_code,
						     (pid_t)si->ssi_pid, r->self_pid);
		switch (kind) {
		case LOOP_CHILDREN:
			t->sigchld = true;
			break;
		case LOOP_OWN_PIPE:
			break;
		case LOOP_OWN_FAULT:
		case LOOP_FOR_JOB:
			t->kind[t->count] = kind;
			t->info[t->count++] = *si;
			break;
		}
	}
	return got < BATCH;
}

/* What a signal for the job does once no --stop-delay holds it: under
 * --pause, TERM and INT end the run; else it is forwarded. */
static void act_on(struct reaper *r, int signo)
{
	struct forwarding f;

	if (r->cfg->pause) {
		if (loop_pause_ends(signo)) {
			tell_pause_ends(r, signo);
			r->exit_requested = true;
		}
		return;
	}
	if (signo == SIGCONT)
		terminal_resume(r);
	forward_signal(r, signo, true, &f);
	tell_forward(r, &f);
	if (f.d.terminating)
		r->restart.stop_requested = true;
	if (f.sent != 0)
		shutdown_after_forward(r, &f.d);
	terminal_stop_with_job(r, signo);
}

/* A signal for the job, received or due from --send (from < 0): the same
 * path either way, so --stop-delay, rewrites and --kill-after apply to
 * both. A signal that ends a delay follows the one it releases. */
static void handle_signal(struct reaper *r, int signo, int from, unsigned uid)
{
	bool held;

	tell_signal(r, signo, from, uid);
	/* Told to stop (whatever --rewrite or --stop-delay make of it): no
	 * run after this one. */
	if (forward_is_terminating(r->cfg, signo))
		r->restart.stop_requested = true;
	int released = shutdown_hold(r, signo, &held);
	if (released != 0)
		act_on(r, released);
	if (!held)
		act_on(r, signo);
}

/* Wait for the next turn's events; returns read_batch's answer. With no
 * timer armed (it is made on the first deadline) and no control pipe, the
 * signalfd is all there is to wait on: a blocking read takes one system
 * call per wake-up where poll and read take two. */
static bool next_turn(const struct reaper *r, struct turn *t, bool ready[POLL_COUNT],
		      bool drained)
{
	struct loop_wait how = loop_wait_plan(r->shutdown.timer_fd >= 0, r->control_fd >= 0,
					      shutdown_wait_ms(r), drained);
	if (how.read_only)
		return read_batch(r, t);
	wait_for_events(r, ready, how.timeout_ms);
	if (ready[POLL_SIGNALS])
		return read_batch(r, t);
	t->count = 0;
	t->sigchld = false;
	return true;
}

enum loop_end loop_run(struct reaper *r)
{
	struct turn t;
	bool drained = true;

	shutdown_start(r);
	shutdown_arm(r);
	for (;;) {
		if (shutdown_done(r)) {
			enum restart_step step = restart_step(r);
			if (step == RESTART_STEP_END)
				return LOOP_END;
			if (step == RESTART_STEP_START)
				return LOOP_START_AGAIN;
		}
		bool ready[POLL_COUNT] = {false};
		drained = next_turn(r, &t, ready, drained);
		forward_turn_begin(r);
		if (t.sigchld)
			reap_drain(r);
		if (ready[POLL_CONTROL])
			isolate_read_control(r);
		terminal_follow_stop(r);
		for (size_t i = 0; i < t.count; i++) {
			const struct signalfd_siginfo *si = &t.info[i];
			if (t.kind[i] == LOOP_FOR_JOB)
				handle_signal(r, (int)si->ssi_signo, (int)si->ssi_pid, si->ssi_uid);
			else
				tell_own_fault(r, (int)si->ssi_signo, (int)si->ssi_code);
		}
		if (ready[POLL_TIMER]) {
			int due[SEND_MAX];
			size_t n = shutdown_on_timer(r, due, SEND_MAX);
			for (size_t i = 0; i < n; i++)
				handle_signal(r, due[i], -1, 0);
		}
		/* After the timer and the reap: the delay may be over. */
		int released = shutdown_hold_over(r);
		if (released != 0)
			act_on(r, released);
		shutdown_after_reap(r);
		shutdown_arm(r);
	}
}
