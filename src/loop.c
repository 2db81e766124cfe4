/*
 * loop: wait on the signalfd and the deadline timer, then act on what came.
 *
 * Owns: the order of a turn. Read a batch of signals, only recording; then
 * reap (SIGCHLD means "drain", not "one child"), then job control, then
 * forward each recorded signal in the order read (real-time signals queue,
 * so each one read is forwarded once), then the shutdown step (deadlines,
 * orphans). Never: a timeout on the wait (but the one deadline that stands
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
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "forward.h"
#include "isolate.h"
#include "log.h"
#include "parse.h"
#include "reap.h"
#include "reaper.h"
#include "shutdown.h"
#include "trace.h"

#define BATCH 32

struct turn {
	struct signalfd_siginfo info[BATCH];
	size_t count;
	bool sigchld;
};

enum { POLL_SIGNALS, POLL_TIMER, POLL_CONTROL, POLL_COUNT };

/* Block until a signal, a deadline or a control message is due; sets
 * ready[] for the timer and the control pipe. EINTR (a stop and continue)
 * just means wait again. poll skips negative descriptors: no timer armed
 * yet, not isolated. Without a timerfd (no descriptor for one), a deadline
 * that has passed counts as the timer firing. */
static void wait_for_events(const struct reaper *r, bool ready[POLL_COUNT], int timeout_ms)
{
	struct pollfd pfd[POLL_COUNT] = {
		[POLL_SIGNALS] = {.fd = r->signal_fd, .events = POLLIN},
		[POLL_TIMER] = {.fd = r->timer_fd, .events = POLLIN},
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
	do
		n = read(r->signal_fd, t->info, sizeof(t->info));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN)
			log_msg(LOG_ERROR, "reading signals: %m");
		return true;
	}
	size_t got = (size_t)n / sizeof(t->info[0]);
	for (size_t i = 0; i < got; i++) {
		const struct signalfd_siginfo *si = &t->info[i];
		if (si->ssi_signo == SIGCHLD) {
			t->sigchld = true;
			continue;
		}
		/* A SIGPIPE our own log write raised is ours, not the job's. */
		if (si->ssi_signo == SIGPIPE && (pid_t)si->ssi_pid == r->self_pid)
			continue;
		t->info[t->count++] = *si;
	}
	return got < BATCH;
}

/* The child stopped (Ctrl-Z, TTIN, STOP): stop ourselves too, so the shell
 * that started us sees its job stop and gets its prompt back. Only when we
 * hold a terminal, the one case where a shell's job control needs it: a
 * stopped reaper acts on no TERM, so elsewhere (a host job under systemd or
 * cron, a container) a stopped job would become unkillable by TERM. As PID
 * 1 there is no such shell, and stopping would freeze the container; as the
 * inner reaper of --isolate, the outer one stops in our place (on the same
 * terminal test). */
static void follow_child_stop(struct reaper *r)
{
	if (!r->child_stopped || r->child_reaped)
		return;
	r->child_stopped = false;
	if (r->tty_fd < 0)
		return;
	if (r->self_pid == 1) {
		if (r->control_fd >= 0)
			isolate_report_stopped(r);
		return;
	}
	log_msg(LOG_INFO, "child stopped; stopping too");
	if (kill(r->self_pid, SIGSTOP) < 0)
		log_msg(LOG_WARN, "stopping: %m");
}

/* SIGCONT: we were continued (fg, bg). Give the terminal back to the job
 * when we are in the foreground, before the job runs again. */
static void resume_child(struct reaper *r)
{
	if (r->tty_fd < 0 || r->terminal_pgid <= 0 || r->child_reaped ||
	    tcgetpgrp(r->tty_fd) != getpgrp())
		return;
	if (tcsetpgrp(r->tty_fd, r->terminal_pgid) < 0)
		log_msg(LOG_WARN, "giving the terminal to %d: %m", (int)r->terminal_pgid);
}

/* --trace and --report: a signal came for the job. from is the sender's
 * pid (0: the kernel, or a sender outside our namespace), or -1 for
 * --send. */
static void note_signal(struct reaper *r, int signo, int from, unsigned uid)
{
	char name[SIGNAME_MAX];

	if (r->cfg->report)
		r->stats.received[signo]++;
	if (!trace_on(r))
		return;
	if (from < 0)
		trace_event(r, "event=signal sig=%s from=send", signal_name(signo, name));
	else
		trace_event(r, "event=signal sig=%s from=%d uid=%u", signal_name(signo, name), from,
			    uid);
}

static void handle_pause_signal(struct reaper *r, int signo)
{
	char name[SIGNAME_MAX];

	if (signo == SIGTERM || signo == SIGINT) {
		log_msg(LOG_INFO, "%s received; exiting", signal_name(signo, name));
		r->exit_requested = true;
	}
}

/* A fault signal the kernel raised about reaper itself without forcing it
 * (a real fault is forced and ends us before we read it): say so, keep
 * it from the job. BUS_MCEERR_AO, memory that will fail, is one. */
static void note_own_fault(const struct signalfd_siginfo *si)
{
	char name[SIGNAME_MAX];

	log_msg(LOG_WARN, "the kernel sent reaper %s (code %d) about reaper itself; not forwarded",
		signal_name((int)si->ssi_signo, name), (int)si->ssi_code);
}

/* A signal for the job, received or due from --send (from < 0): the same
 * path either way, so rewrites and --kill-after apply to both. */
static void handle_signal(struct reaper *r, int signo, int from, unsigned uid)
{
	note_signal(r, signo, from, uid);
	if (r->cfg->pause) {
		handle_pause_signal(r, signo);
		return;
	}
	if (signo == SIGCONT)
		resume_child(r);
	if (forward_signal(r, signo) == 0) /* failures are logged there */
		shutdown_after_forward(r, r->cfg->rewrite[signo]);
	/* dumb-init's way: stop with the job on a terminal stop signal. With a
	 * terminal, follow_child_stop does it once the child has stopped. */
	if (r->cfg->suspend_self && r->tty_fd < 0 &&
	    (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU) && kill(r->self_pid, SIGSTOP) < 0)
		log_msg(LOG_WARN, "stopping: %m");
}

/* Wait for the next turn's events; returns read_batch's answer. With no
 * timer armed (it is made on the first deadline) and no control pipe, the
 * signalfd is all there is to wait on: a blocking read takes one system
 * call per wake-up where poll and read take two. */
static bool next_turn(const struct reaper *r, struct turn *t, bool ready[POLL_COUNT],
		      bool drained)
{
	int wait_ms = shutdown_wait_ms(r); /* -1 but for a deadline without timerfd */
	if (r->timer_fd < 0 && r->control_fd < 0 && wait_ms < 0)
		return read_batch(r, t);
	/* After a full batch more signals may wait: look without blocking,
	 * so a flood of them cannot starve the timer. */
	wait_for_events(r, ready, drained ? wait_ms : 0);
	if (ready[POLL_SIGNALS])
		return read_batch(r, t);
	t->count = 0;
	t->sigchld = false;
	return true;
}

void loop_run(struct reaper *r)
{
	struct turn t;
	bool drained = true;

	shutdown_start(r);
	shutdown_arm(r);
	while (!shutdown_done(r)) {
		bool ready[POLL_COUNT] = {false};
		drained = next_turn(r, &t, ready, drained);
		forward_turn_begin(r);
		if (t.sigchld)
			reap_drain(r);
		if (ready[POLL_CONTROL])
			isolate_read_control(r);
		follow_child_stop(r);
		for (size_t i = 0; i < t.count; i++) {
			const struct signalfd_siginfo *si = &t.info[i];
			if (forward_accepts((int)si->ssi_signo, si->ssi_code))
				handle_signal(r, (int)si->ssi_signo, (int)si->ssi_pid, si->ssi_uid);
			else
				note_own_fault(si);
		}
		if (ready[POLL_TIMER]) {
			int due[SEND_MAX];
			size_t n = shutdown_on_timer(r, due, SEND_MAX);
			for (size_t i = 0; i < n; i++)
				handle_signal(r, due[i], -1, 0);
		}
		shutdown_after_reap(r);
		shutdown_arm(r);
	}
}
