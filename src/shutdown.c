/*
 * shutdown: deadlines, the --orphans policy and escalation to KILL.
 *
 * Owns: struct shutdown_state, and the timerfd behind its deadlines; when
 * no timerfd can be made (ulimit -n 4), the loop's poll timeout stands in
 * for it. The decisions (which deadline is next, what is due, whether a
 * KILL moves) are pure functions; the steps act on them and hand what they
 * did to tell.c. Never: a periodic wake-up (the timer holds one absolute
 * deadline, or none), or a signal outside reaper's tree (descendants.c
 * decides what is ours).
 * Invariant: once KILL has been sent, nothing reaper started may survive:
 * every later reap that leaves children behind sends KILL again.
 */
#include "shutdown.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config.h"
#include "clock.h"
#include "descendants.h"
#include "forward.h"
#include "log.h"
#include "reap.h"
#include "reaper.h"
#include "sysio.h"
#include "tell.h"

uint64_t shutdown_deadline_after(uint64_t from_ns, uint64_t ms)
{
	return (from_ns + ms * 1000000u + 999999u) / 1000000u;
}

uint64_t shutdown_earliest(uint64_t timeout_at_ms, uint64_t kill_at_ms, uint64_t send_at_ms)
{
	uint64_t next = timeout_at_ms;

	if (kill_at_ms != 0 && (next == 0 || kill_at_ms < next))
		next = kill_at_ms;
	if (send_at_ms != 0 && (next == 0 || send_at_ms < next))
		next = send_at_ms;
	return next;
}

uint64_t shutdown_send_at(const struct config *cfg, uint64_t start_ns, size_t index)
{
	if (index >= cfg->send_count)
		return 0;
	return shutdown_deadline_after(start_ns, cfg->sends[index].at_ms);
}

uint64_t shutdown_timeout_kill_ms(const struct config *cfg)
{
	return cfg->kill_after_set ? cfg->kill_after_ms : cfg->grace_ms;
}

bool shutdown_kill_sooner(const struct shutdown_state *s, uint64_t at_ms)
{
	return !s->kill_sent && (s->kill_at_ms == 0 || at_ms < s->kill_at_ms);
}

struct shutdown_due shutdown_due_at(const struct shutdown_state *s, const struct config *cfg,
				    uint64_t start_ns, uint64_t now_ms, size_t max)
{
	struct shutdown_due due = {
		.timeout = s->timeout_at_ms != 0 && now_ms >= s->timeout_at_ms,
		.kill = s->kill_at_ms != 0 && now_ms >= s->kill_at_ms,
	};

	for (uint64_t at; due.sends < max &&
			  (at = shutdown_send_at(cfg, start_ns, s->next_send + due.sends)) != 0 &&
			  now_ms >= at;)
		due.sends++;
	return due;
}

bool shutdown_main_ended(const struct config *cfg, bool child_reaped, bool exit_requested)
{
	return cfg->pause ? exit_requested : child_reaped;
}

bool shutdown_holds(const struct config *cfg, int signo)
{
	return signo == SIGTERM || (signo == cfg->stop_signo && signo != SIGINT);
}

enum hold_step shutdown_hold_step(const struct config *cfg, int held, bool used, int signo)
{
	if (cfg->stop_delay_ms == 0)
		return HOLD_PASS;
	if (held != 0)
		return shutdown_holds(cfg, signo) || signo == SIGINT ? HOLD_RELEASE : HOLD_PASS;
	return shutdown_holds(cfg, signo) && !used ? HOLD_TAKE : HOLD_PASS;
}

enum hold_end shutdown_hold_ends(const struct shutdown_state *s, uint64_t now_ms, bool job_ended)
{
	if (s->held_signo == 0)
		return HOLD_ENDS_NOT;
	if (job_ended)
		return HOLD_ENDS_EXIT;
	if (s->timed_out)
		return HOLD_ENDS_TIMEOUT;
	return now_ms >= s->release_at_ms ? HOLD_ENDS_DELAY : HOLD_ENDS_NOT;
}

/* The held signal goes out (by says why): told, forgotten, returned; 0
 * when the main child ended and nothing is left to get it. */
static int release(struct reaper *r, enum hold_end by)
{
	struct shutdown_state *s = &r->shutdown;
	struct hold_release h = {
		.signo = s->held_signo, .by = by, .held_ms = clock_now_ms() - s->held_at_ms,
		.dropped = by == HOLD_ENDS_EXIT && !r->job.children_left,
	};

	s->held_signo = 0;
	s->release_at_ms = 0;
	tell_release(r, &h);
	return h.dropped ? 0 : h.signo;
}

int shutdown_hold(struct reaper *r, int signo, bool *held)
{
	struct shutdown_state *s = &r->shutdown;

	*held = false;
	switch (shutdown_hold_step(r->cfg, s->held_signo, s->hold_used, signo)) {
	case HOLD_PASS:
		return 0;
	case HOLD_TAKE:
		*held = true;
		s->held_signo = signo;
		s->hold_used = true;
		uint64_t now = clock_now_ns();
		s->held_at_ms = now / 1000000u;
		s->release_at_ms = shutdown_deadline_after(now, r->cfg->stop_delay_ms);
		tell_hold(r, signo, r->cfg->stop_delay_ms);
		return 0;
	case HOLD_RELEASE:
		return release(r, HOLD_ENDS_SIGNAL);
	}
	return 0;
}

int shutdown_hold_over(struct reaper *r)
{
	if (r->shutdown.held_signo == 0)
		return 0;
	bool ended = shutdown_main_ended(r->cfg, r->job.child_reaped, r->exit_requested);
	enum hold_end by = shutdown_hold_ends(&r->shutdown, clock_now_ms(), ended);
	return by == HOLD_ENDS_NOT ? 0 : release(r, by);
}

/* KILL after_ms from now, unless an earlier KILL is already due. Returns
 * whether the deadline moved. */
static bool schedule_kill(struct reaper *r, uint64_t after_ms)
{
	uint64_t at = shutdown_deadline_after(clock_now_ns(), after_ms);

	if (!shutdown_kill_sooner(&r->shutdown, at))
		return false;
	r->shutdown.kill_at_ms = at;
	return true;
}

/* Send signo to every descendant. A stopped process would hold a TERM
 * pending until KILL: it is continued too. After KILL was sent, again:
 * a process forked just before it landed may have come to us since; most
 * of what that reaches is already dying. */
static void escalate(struct reaper *r, int signo, bool again)
{
	struct escalation e = {
		.signo = signo, .again = again,
		.count = descendants_signal(r, signo, !again, !again && signo != SIGKILL),
	};

	if (signo == SIGKILL)
		r->shutdown.kill_sent = true;
	tell_escalation(r, &e);
}

void shutdown_start(struct reaper *r)
{
	if (r->cfg->timeout_ms != 0)
		r->shutdown.timeout_at_ms = shutdown_deadline_after(r->start_ns, r->cfg->timeout_ms);
}

void shutdown_after_forward(struct reaper *r, const struct delivered *d)
{
	if (r->cfg->kill_after_set && d->terminating && d->signal.err == 0 &&
	    schedule_kill(r, r->cfg->kill_after_ms))
		tell_kill_scheduled(r, r->cfg->kill_after_ms);
}

/* The main child is gone: what of the descendants it left? */
static void apply_orphan_policy(struct reaper *r)
{
	struct orphans o = {
		.policy = r->cfg->orphans, .count = descendants_count(r), .grace_ms = r->cfg->grace_ms,
	};

	tell_orphans(r, &o);
	if (o.policy == ORPHANS_TERM_LEAVE)
		escalate(r, SIGTERM, false); /* once: nobody waits for them */
	if (o.policy != ORPHANS_TERMINATE)
		return;
	escalate(r, SIGTERM, false);
	(void)schedule_kill(r, r->cfg->grace_ms); /* told with the orphans */
}

void shutdown_after_reap(struct reaper *r)
{
	struct shutdown_state *s = &r->shutdown;

	if (s->job_ended) {
		if (s->kill_sent && r->job.children_left)
			escalate(r, SIGKILL, true);
		return;
	}
	if (!shutdown_main_ended(r->cfg, r->job.child_reaped, r->exit_requested))
		return;
	s->job_ended = true;
	/* children_left must be current; under --pause it was never set, since
	 * orphans may have come to us without a SIGCHLD yet. */
	if (r->job.children_left || r->cfg->pause)
		reap_drain(r);
	if (!r->job.children_left)
		return;
	if (s->kill_sent)
		escalate(r, SIGKILL, true); /* escalation already ended the grace */
	else
		apply_orphan_policy(r);
}

/* --timeout expired: the stop signal to the job, KILL after the grace. */
static void time_out(struct reaper *r)
{
	struct timeout t = {
		.after_ms = r->cfg->timeout_ms, .signo = r->cfg->stop_signo,
		.kill_ms = shutdown_timeout_kill_ms(r->cfg),
	};
	struct forwarding f;

	r->shutdown.timeout_at_ms = 0;
	r->shutdown.timed_out = true;
	tell_timeout(r, &t);
	forward_signal(r, t.signo, false, &f);
	tell_delivered(r, &f.d);
	(void)schedule_kill(r, t.kill_ms); /* told with the timeout */
}

size_t shutdown_on_timer(struct reaper *r, int due[], size_t max)
{
	struct shutdown_state *s = &r->shutdown;
	uint64_t expirations;

	if (s->timer_fd >= 0 && sysio_read(s->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_msg(LOG_WARN, "reading the timer: %m");
	s->armed_ms = 0; /* one-shot: it has fired */
	uint64_t now = clock_now_ms();
	struct shutdown_due what = shutdown_due_at(s, r->cfg, r->start_ns, now, max);
	if (what.timeout)
		time_out(r);
	/* The timeout may have moved the KILL deadline: look again. */
	if (s->kill_at_ms != 0 && now >= s->kill_at_ms) {
		s->kill_at_ms = 0;
		escalate(r, SIGKILL, false);
	}
	if (s->restart_at_ms != 0 && now >= s->restart_at_ms) {
		s->restart_at_ms = 0;
		s->restart_due = true;
	}
	for (size_t i = 0; i < what.sends; i++)
		due[i] = r->cfg->sends[s->next_send++].signo;
	return what.sends;
}

/* A timerfd, unless it would leave fewer than two descriptors free: a walk
 * of /proc needs two (a pidfd and a /proc file) to signal only what it has
 * pinned, while a deadline can do without, as the loop's poll timeout.
 * Returns it, or -1 with errno (EMFILE when it was not worth its place). */
static int make_timer(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -1;
	int spare[2];
	for (size_t i = 0; i < 2; i++)
		spare[i] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	bool roomy = spare[0] >= 0 && spare[1] >= 0;
	for (size_t i = 0; i < 2; i++)
		if (spare[i] >= 0)
			(void)close(spare[i]); /* a copy of ours: nothing to lose */
	if (roomy)
		return fd;
	(void)close(fd);
	errno = EMFILE;
	return -1;
}

void shutdown_arm(struct reaper *r)
{
	struct shutdown_state *s = &r->shutdown;
	uint64_t next = shutdown_earliest(s->timeout_at_ms, s->kill_at_ms,
					  shutdown_send_at(r->cfg, r->start_ns, s->next_send));
	next = shutdown_earliest(next, s->release_at_ms, 0); /* --stop-delay */
	next = shutdown_earliest(next, s->restart_at_ms, 0); /* --restart's back-off */

	if (next == s->armed_ms)
		return;
	if (s->timer_fd < 0 && next != 0) {
		s->timer_fd = make_timer();
		if (s->timer_fd < 0) {
			/* The loop then waits with a timeout up to next. With few
			 * descriptors (ulimit -n 4) that is expected, not a fault;
			 * said when a deadline comes after none, not at each change. */
			if (s->armed_ms == 0)
				log_msg(errno == EMFILE || errno == ENFILE ? LOG_INFO : LOG_WARN,
					"no timerfd (%m): waiting for deadlines with a poll "
					"timeout");
			s->armed_ms = next;
			return;
		}
	}
	if (s->timer_fd < 0) { /* nothing due, and no timer to disarm */
		s->armed_ms = 0;
		return;
	}
	struct itimerspec when = {
		.it_value = {.tv_sec = (time_t)(next / 1000),
			     .tv_nsec = (long)(next % 1000) * 1000000},
	};
	if (timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &when, NULL) < 0) {
		log_msg(LOG_ERROR, "timerfd_settime: %m");
		return;
	}
	s->armed_ms = next;
}

int shutdown_wait_ms(const struct reaper *r)
{
	if (r->shutdown.timer_fd >= 0 || r->shutdown.armed_ms == 0)
		return -1;
	return clock_wait_ms(r->shutdown.armed_ms, clock_now_ns());
}

void shutdown_restart_after(struct reaper *r, uint64_t delay_ms)
{
	r->shutdown.restart_at_ms = shutdown_deadline_after(clock_now_ns(), delay_ms);
	r->shutdown.restart_due = false;
	shutdown_arm(r);
}

void shutdown_new_run(struct reaper *r)
{
	struct shutdown_state *s = &r->shutdown;

	s->job_ended = false;
	s->kill_sent = false;
	s->kill_at_ms = 0;
	s->restart_at_ms = 0;
	s->restart_due = false;
}

bool shutdown_done(const struct reaper *r)
{
	return r->shutdown.job_ended &&
	       (r->cfg->orphans == ORPHANS_LEAVE || r->cfg->orphans == ORPHANS_TERM_LEAVE ||
		!r->job.children_left);
}
