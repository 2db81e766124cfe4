/*
 * shutdown: deadlines, the --orphans policy and escalation to KILL.
 *
 * Owns: timeout_at_ms, kill_at_ms and the timerfd behind them; when no
 * timerfd can be made (ulimit -n 4), the loop's poll timeout stands in for
 * it. Never: a periodic wake-up (the timer holds one absolute deadline, or
 * none), or a signal outside reaper's tree (descendants.c decides what is
 * ours).
 * Invariant: once KILL has been sent, nothing reaper started may survive:
 * every later reap that leaves children behind sends KILL again.
 */
#include "shutdown.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "descendants.h"
#include "forward.h"
#include "log.h"
#include "parse.h"
#include "reap.h"
#include "reaper.h"
#include "trace.h"

/* The first whole millisecond at or after now + ms: the timer has
 * millisecond resolution, and a deadline must never fire early. */
static uint64_t deadline_after(uint64_t from_ns, uint64_t ms)
{
	return (from_ns + ms * 1000000u + 999999u) / 1000000u;
}

/* KILL after_ms from now, unless an earlier KILL is already due. why names
 * the cause in the log; NULL when the caller has said it already. */
static void schedule_kill(struct reaper *r, uint64_t after_ms, const char *why)
{
	char text[DURATION_TEXT_MAX];
	uint64_t at = deadline_after(clock_now_ns(), after_ms);

	if (r->kill_sent || (r->kill_at_ms != 0 && r->kill_at_ms <= at))
		return;
	r->kill_at_ms = at;
	if (why != NULL)
		log_msg(LOG_INFO, "%s; KILL in %s", why, format_duration(after_ms, text));
}

/* Send signo to every descendant; log, trace and count it. A stopped
 * process would hold a TERM pending until KILL: it is continued too. */
static void escalate(struct reaper *r, int signo)
{
	char name[SIGNAME_MAX];
	int n = descendants_signal(r, signo, true, signo != SIGKILL);

	signal_name(signo, name);
	if (n < 0) {
		errno = -n;
		log_msg(LOG_WARN, "cannot find the processes to %s: %m", name);
		return;
	}
	log_msg(LOG_INFO, "sent %s to %d process%s", name, n, n == 1 ? "" : "es");
	if (n > 0)
		trace_event(r, "event=escalate sig=%s left=%d", name, n);
	if (r->cfg->report)
		*(signo == SIGKILL ? &r->stats.killed : &r->stats.terminated) += (unsigned)n;
}

static void kill_everything(struct reaper *r)
{
	r->kill_sent = true;
	escalate(r, SIGKILL);
}

/* After KILL was sent, a process forked just before it landed may have
 * come to us: KILL whatever is left again. Not an escalation of its own:
 * most of what it reaches is already dying, so it is neither counted nor
 * traced. */
static void kill_stragglers(const struct reaper *r)
{
	int n = descendants_signal(r, SIGKILL, false, false);

	if (n < 0) {
		errno = -n;
		log_msg(LOG_WARN, "cannot find the processes to KILL: %m");
	}
}

void shutdown_start(struct reaper *r)
{
	if (r->cfg->timeout_ms != 0)
		r->timeout_at_ms = deadline_after(r->start_ns, r->cfg->timeout_ms);
}

void shutdown_after_forward(struct reaper *r, int signo)
{
	if (!r->cfg->kill_after_set)
		return;
	if (forward_is_terminating(r->cfg, signo))
		schedule_kill(r, r->cfg->kill_after_ms, "stop signal forwarded");
}

static bool main_ended(const struct reaper *r)
{
	return r->cfg->pause ? r->exit_requested : r->child_reaped;
}

/* "3 processes", or "some processes" when /proc could not count them
 * (count < 0: it is empty, or not mounted). */
static const char *processes_text(int count, char *buf, size_t size)
{
	if (count < 0)
		return "some processes";
	snprintf(buf, size, "%d process%s", count, count == 1 ? "" : "es");
	return buf;
}

/* The main child is gone: what of the descendants it left? */
static void apply_orphan_policy(struct reaper *r)
{
	char text[DURATION_TEXT_MAX], left[32];
	const char *what = processes_text(descendants_count(r), left, sizeof(left));

	switch (r->cfg->orphans) {
	case ORPHANS_TERMINATE:
		log_msg(LOG_INFO, "%s left: sending TERM, KILL after %s", what,
			format_duration(r->cfg->grace_ms, text));
		escalate(r, SIGTERM);
		schedule_kill(r, r->cfg->grace_ms, NULL);
		break;
	case ORPHANS_WAIT:
		log_msg(LOG_INFO, "waiting for %s left", what);
		break;
	case ORPHANS_LEAVE:
		log_msg(LOG_INFO, "leaving %s behind", what);
		break;
	case ORPHANS_TERM_LEAVE:
		log_msg(LOG_INFO, "%s left: sending TERM, not waiting", what);
		escalate(r, SIGTERM);
		break;
	}
}

void shutdown_after_reap(struct reaper *r)
{
	if (r->job_ended) {
		if (r->kill_sent && r->children_left)
			kill_stragglers(r);
		return;
	}
	if (!main_ended(r))
		return;
	r->job_ended = true;
	/* children_left must be current; under --pause it was never set, since
	 * orphans may have come to us without a SIGCHLD yet. */
	if (r->children_left || r->cfg->pause)
		reap_drain(r);
	if (!r->children_left)
		return;
	if (r->kill_sent)
		kill_stragglers(r); /* escalation already ended the grace */
	else
		apply_orphan_policy(r);
}

/* When the next --send is due, in CLOCK_MONOTONIC ms; 0 when none is left. */
static uint64_t next_send_ms(const struct reaper *r)
{
	if (r->next_send >= r->cfg->send_count)
		return 0;
	return deadline_after(r->start_ns, r->cfg->sends[r->next_send].at_ms);
}

size_t shutdown_on_timer(struct reaper *r, int due[], size_t max)
{
	size_t count = 0;

	char sig[SIGNAME_MAX], text[DURATION_TEXT_MAX];
	uint64_t expirations;

	if (r->timer_fd >= 0 && read(r->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_msg(LOG_WARN, "reading the timer: %m");
	r->armed_ms = 0; /* one-shot: it has fired */
	uint64_t now = clock_now_ms();
	if (r->timeout_at_ms != 0 && now >= r->timeout_at_ms) {
		r->timeout_at_ms = 0;
		r->timed_out = true;
		uint64_t kill_after = r->cfg->kill_after_set ? r->cfg->kill_after_ms
							     : r->cfg->grace_ms;
		char kill_text[DURATION_TEXT_MAX];
		log_msg(LOG_INFO, "timeout of %s expired: sending %s, KILL after %s",
			format_duration(r->cfg->timeout_ms, text),
			signal_name(r->cfg->stop_signo, sig), format_duration(kill_after, kill_text));
		trace_event(r, "event=timeout after=%s sig=%s", text, sig);
		(void)forward_deliver(r, r->cfg->stop_signo); /* logged there */
		schedule_kill(r, kill_after, NULL);
	}
	if (r->kill_at_ms != 0 && now >= r->kill_at_ms) {
		r->kill_at_ms = 0;
		kill_everything(r);
	}
	for (uint64_t at; count < max && (at = next_send_ms(r)) != 0 && now >= at;)
		due[count++] = r->cfg->sends[r->next_send++].signo;
	return count;
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
	uint64_t next = r->timeout_at_ms;
	uint64_t candidates[] = {r->kill_at_ms, next_send_ms(r)};

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (candidates[i] != 0 && (next == 0 || candidates[i] < next))
			next = candidates[i];
	if (next == r->armed_ms)
		return;
	if (r->timer_fd < 0 && next != 0) {
		r->timer_fd = make_timer();
		if (r->timer_fd < 0) {
			/* The loop then waits with a timeout up to next. With few
			 * descriptors (ulimit -n 4) that is expected, not a fault;
			 * said when a deadline comes after none, not at each change. */
			if (r->armed_ms == 0)
				log_msg(errno == EMFILE || errno == ENFILE ? LOG_INFO : LOG_WARN,
					"no timerfd (%m): waiting for deadlines with a poll "
					"timeout");
			r->armed_ms = next;
			return;
		}
	}
	if (r->timer_fd < 0) { /* nothing due, and no timer to disarm */
		r->armed_ms = 0;
		return;
	}
	struct itimerspec when = {
		.it_value = {.tv_sec = (time_t)(next / 1000),
			     .tv_nsec = (long)(next % 1000) * 1000000},
	};
	if (timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &when, NULL) < 0) {
		log_msg(LOG_ERROR, "timerfd_settime: %m");
		return;
	}
	r->armed_ms = next;
}

int shutdown_wait_ms(const struct reaper *r)
{
	if (r->timer_fd >= 0 || r->armed_ms == 0)
		return -1;
	return clock_wait_ms(r->armed_ms, clock_now_ns());
}

bool shutdown_done(const struct reaper *r)
{
	return r->job_ended && (r->cfg->orphans == ORPHANS_LEAVE ||
				r->cfg->orphans == ORPHANS_TERM_LEAVE || !r->children_left);
}
