/*
 * tell: facts into log lines, trace lines and --report counts.
 *
 * Owns: the --trace vocabulary and struct stats. Every trace line is
 * "t=<seconds> event=<name>" then the keys below, in this order; names and
 * keys are a stable interface (doc/reaper.1, TRACE EVENTS), and no other
 * file writes one:
 *
 *   spawn     pid cmd                   the main child started
 *   signal    sig from [uid]            a signal came for the job (from=send: --send)
 *   drop      sig                       rewritten to 0: not forwarded
 *   rewrite   sig as                    forwarded as another signal
 *   forward   sig target                delivered; target=group:PID, child:PID or tree
 *   stop      pid stopped               the main child stopped
 *   exit      pid code|signal           the main child ended
 *   reap      pid status                another process reaped; status=exit:N or signal:NAME
 *   escalate  sig left                  sent to every descendant (left of them)
 *   hold      sig for                   --stop-delay holds a stop signal for a duration
 *   release   sig after by              the held signal goes out after a duration;
 *                                       by=delay, signal, exit or timeout
 *   timeout   after sig                 --timeout expired; sig goes to the job
 *   restart   run delay_ms              --restart: run number run starts after delay_ms
 *   done      code reason               reaper exits with code
 *
 * Never: a decision (the facts carry them), a signal, an allocation, or
 * formatting for a line that is off (issue 7 counts the page faults of
 * printf's code at every exit).
 */
#include "tell.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

#include "config.h"
#include "clock.h"
#include "forward.h"
#include "log.h"
#include "duration.h"
#include "signame.h"
#include "reap.h"
#include "reaper.h"
#include "report.h"
#include "reportfile.h"
#include "restart.h"
#include "shutdown.h"
#include "trace.h"

#define STATUS_TEXT_MAX 48

/* --report and --report-file both need the counters. */
static bool counting(const struct reaper *r)
{
	return r->cfg->report || r->cfg->report_file != NULL;
}

/* ---- words ---------------------------------------------------------------- */

const char *tell_status(int status, enum tell_style style, char *buf, size_t size)
{
	static const char *const prefix[][3] = {
		/*                exited       killed          stopped */
		[TELL_WORDS] = { "exited ", "killed by ", "stopped by " },
		[TELL_WORDS_CORE] = { "exited ", "killed by ", "stopped by " },
		[TELL_FIELD] = { "code=", "signal=", "stopped=" },
		[TELL_PAIR] = { "exit:", "signal:", "stopped:" },
	};
	char name[SIGNAME_MAX];

	if (WIFEXITED(status))
		snprintf(buf, size, "%s%d", prefix[style][0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "%s%s%s", prefix[style][1], signal_name(WTERMSIG(status), name),
			 style == TELL_WORDS_CORE && WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, size, "%s%s", prefix[style][2], signal_name(WSTOPSIG(status), name));
	return buf;
}

const char *tell_reason(const struct reap_ending *e, char *buf, size_t size)
{
	char what[STATUS_TEXT_MAX];

	switch (e->reason) {
	case REAP_PAUSED:
		snprintf(buf, size, "--pause was told to stop");
		break;
	case REAP_TIMED_OUT:
		snprintf(buf, size, "the job timed out");
		break;
	case REAP_EXPECTED:
		snprintf(buf, size, "the main child's %d is expected (-e)", reap_exit_code(e->status));
		break;
	case REAP_KILLED:
		snprintf(buf, size, "the main child was %s",
			 tell_status(e->status, TELL_WORDS, what, sizeof(what)));
		break;
	case REAP_EXITED:
		snprintf(buf, size, "the main child's exit code");
		break;
	}
	return buf;
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

/* "forwarding TERM to process group 42" */
static const char *const target_kind[] = {
	[FWD_GROUP] = "process group", [FWD_CHILD] = "child", [FWD_TREE] = "descendants of",
};

/* ---- signals --------------------------------------------------------------- */

void tell_signal(struct reaper *r, int signo, int from, unsigned uid)
{
	char name[SIGNAME_MAX];

	if (counting(r))
		r->stats.received[signo]++;
	if (!trace_on(r))
		return;
	if (from < 0)
		trace_event(r, "event=signal sig=%s from=send", signal_name(signo, name));
	else
		trace_event(r, "event=signal sig=%s from=%d uid=%u", signal_name(signo, name), from,
			    uid);
}

/* Each delivery: a failure is logged, a success counted and traced. */
void tell_delivered(struct reaper *r, const struct delivered *d)
{
	const struct delivery *each[] = { &d->signal, &d->cont };
	char name[SIGNAME_MAX];

	if (d->stopped < 0)
		log_err(LOG_DEBUG, d->stopped, "cannot tell whether the job is stopped (%m): sending CONT");
	for (size_t i = 0; i < 2 && each[i]->signo != 0; i++) {
		const struct delivery *one = each[i];
		if (one->err < 0) {
			log_err(one->err == -ESRCH ? LOG_INFO : LOG_WARN, one->err, "forwarding %s to %s %d: %m",
				signal_name(one->signo, name), target_kind[one->target],
				(int)one->child_pid);
			continue;
		}
		/* A CONT follows only a stop signal that went out: the first
		 * stop is the signal's own. */
		if (counting(r)) {
			r->stats.forwarded[one->signo]++;
			if (r->stats.first_stop_ns == 0 && d->terminating)
				r->stats.first_stop_ns = clock_now_ns();
		}
		if (!trace_on(r))
			continue;
		signal_name(one->signo, name);
		if (one->target == FWD_TREE)
			trace_event(r, "event=forward sig=%s target=tree", name);
		else
			trace_event(r, "event=forward sig=%s target=%s:%d", name,
				    one->target == FWD_GROUP ? "group" : "child", (int)one->child_pid);
	}
}

void tell_forward(struct reaper *r, const struct forwarding *f)
{
	char name[SIGNAME_MAX], as[SIGNAME_MAX];

	if (f->sent == 0) {
		log_msg(LOG_INFO, "dropping %s (rewritten to 0)", signal_name(f->signo, name));
		trace_event(r, "event=drop sig=%s", signal_name(f->signo, name));
		return;
	}
	if (f->sent != f->signo)
		trace_event(r, "event=rewrite sig=%s as=%s", signal_name(f->signo, name),
			    signal_name(f->sent, as));
	tell_delivered(r, &f->d);
	if (f->d.signal.err == 0 && log_enabled(LOG_INFO))
		log_msg(LOG_INFO, "forwarded %s%s%s to %s %d", signal_name(f->signo, name),
			f->sent != f->signo ? " as " : "",
			f->sent != f->signo ? signal_name(f->sent, as) : "",
			target_kind[f->d.signal.target],
			r->job.child_reaped ? (int)r->self_pid : (int)f->d.signal.child_pid);
}

void tell_pause_ends(const struct reaper *r, int signo)
{
	char name[SIGNAME_MAX];

	(void)r;
	log_msg(LOG_INFO, "%s received; exiting", signal_name(signo, name));
}

void tell_own_fault(const struct reaper *r, int signo, int code)
{
	char name[SIGNAME_MAX];

	(void)r;
	log_msg(LOG_WARN, "the kernel sent reaper %s (code %d) about reaper itself; not forwarded",
		signal_name(signo, name), code);
}

/* ---- processes ------------------------------------------------------------- */

void tell_spawn(struct reaper *r)
{
	char cmd[256];

	if (counting(r))
		r->stats.runs++;
	log_msg(LOG_INFO, "started %s as pid %d", r->cfg->argv[0], (int)r->job.child_pid);
	if (trace_on(r))
		trace_event(r, "event=spawn pid=%d cmd=%s", (int)r->job.child_pid,
			    trace_value(r->cfg->argv[0], cmd, sizeof(cmd)));
}

/* The status is formatted only when the line is written: at the default
 * level that is never. */
static void log_child(const struct reaped *p)
{
	char what[STATUS_TEXT_MAX];

	if (log_enabled(LOG_INFO))
		log_msg(LOG_INFO, "child %d %s", (int)p->pid,
			tell_status(p->status, TELL_WORDS_CORE, what, sizeof(what)));
}

void tell_reaped(struct reaper *r, const struct reaped *p)
{
	char what[STATUS_TEXT_MAX];
	bool stopped = WIFSTOPPED(p->status);

	if (!p->main_child) {
		if (r->cfg->warn_reap || log_enabled(LOG_INFO))
			log_msg(r->cfg->warn_reap ? LOG_WARN : LOG_INFO, "reaped pid %d (%s)",
				(int)p->pid, tell_status(p->status, TELL_WORDS_CORE, what, sizeof(what)));
		if (trace_on(r))
			trace_event(r, "event=reap pid=%d status=%s", (int)p->pid,
				    tell_status(p->status, TELL_PAIR, what, sizeof(what)));
	} else {
		/* A stop is logged, then traced; an exit the other way round. */
		if (stopped)
			log_child(p);
		else if (counting(r))
			r->stats.child_end_ns = clock_now_ns();
		if (trace_on(r))
			trace_event(r, "event=%s pid=%d %s", stopped ? "stop" : "exit", (int)p->pid,
				    tell_status(p->status, TELL_FIELD, what, sizeof(what)));
		if (!stopped)
			log_child(p);
	}
	if (!stopped && counting(r))
		r->stats.reaped++;
}

/* ---- shutdown -------------------------------------------------------------- */

void tell_escalation(struct reaper *r, const struct escalation *e)
{
	char name[SIGNAME_MAX];

	signal_name(e->signo, name);
	if (e->count < 0) {
		log_err(LOG_WARN, e->count, "cannot find the processes to %s: %m", name);
		return;
	}
	if (e->again)
		return;
	log_msg(LOG_INFO, "sent %s to %d process%s", name, e->count, e->count == 1 ? "" : "es");
	if (e->count > 0)
		trace_event(r, "event=escalate sig=%s left=%d", name, e->count);
	if (counting(r))
		*(e->signo == SIGKILL ? &r->stats.killed : &r->stats.terminated) += (unsigned)e->count;
}

void tell_orphans(const struct reaper *r, const struct orphans *o)
{
	char text[DURATION_TEXT_MAX], left[32];
	const char *what = processes_text(o->count, left, sizeof(left));

	(void)r;
	switch (o->policy) {
	case ORPHANS_TERMINATE:
		log_msg(LOG_INFO, "%s left: sending TERM, KILL after %s", what,
			format_duration(o->grace_ms, text));
		break;
	case ORPHANS_WAIT:
		log_msg(LOG_INFO, "waiting for %s left", what);
		break;
	case ORPHANS_LEAVE:
		log_msg(LOG_INFO, "leaving %s behind", what);
		break;
	case ORPHANS_TERM_LEAVE:
		log_msg(LOG_INFO, "%s left: sending TERM, not waiting", what);
		break;
	}
}

void tell_kill_scheduled(const struct reaper *r, uint64_t after_ms)
{
	char text[DURATION_TEXT_MAX];

	(void)r;
	log_msg(LOG_INFO, "stop signal forwarded; KILL in %s", format_duration(after_ms, text));
}

void tell_hold(struct reaper *r, int signo, uint64_t delay_ms)
{
	char name[SIGNAME_MAX], text[DURATION_TEXT_MAX];

	(void)r;
	log_msg(LOG_INFO, "holding %s for %s (--stop-delay)", signal_name(signo, name),
		format_duration(delay_ms, text));
	trace_event(r, "event=hold sig=%s for=%s", name, text);
}

void tell_release(struct reaper *r, const struct hold_release *h)
{
	static const char *const until[] = {
		[HOLD_ENDS_NOT] = "", [HOLD_ENDS_DELAY] = "the delay ran out",
		[HOLD_ENDS_SIGNAL] = "a second stop signal or INT",
		[HOLD_ENDS_EXIT] = "the main child ended", [HOLD_ENDS_TIMEOUT] = "the timeout",
	};
	static const char *const by[] = {
		[HOLD_ENDS_NOT] = "", [HOLD_ENDS_DELAY] = "delay", [HOLD_ENDS_SIGNAL] = "signal",
		[HOLD_ENDS_EXIT] = "exit", [HOLD_ENDS_TIMEOUT] = "timeout",
	};
	char name[SIGNAME_MAX], text[DURATION_TEXT_MAX];

	signal_name(h->signo, name);
	format_duration(h->held_ms, text);
	log_msg(LOG_INFO, "%s %s held %s: %s%s", h->dropped ? "dropping" : "forwarding", name, text,
		until[h->by], h->dropped ? ", nothing left to get it" : "");
	trace_event(r, "event=release sig=%s after=%s by=%s", name, text, by[h->by]);
	if (counting(r)) {
		r->stats.held_signo = h->signo;
		r->stats.held_ms = h->held_ms;
		r->stats.held_until = until[h->by];
	}
}

void tell_timeout(const struct reaper *r, const struct timeout *t)
{
	char sig[SIGNAME_MAX], text[DURATION_TEXT_MAX], kill_text[DURATION_TEXT_MAX];

	log_msg(LOG_INFO, "timeout of %s expired: sending %s, KILL after %s",
		format_duration(t->after_ms, text), signal_name(t->signo, sig),
		format_duration(t->kill_ms, kill_text));
	trace_event(r, "event=timeout after=%s sig=%s", text, sig);
}

void tell_restart(const struct reaper *r, int verdict, unsigned run, uint64_t delay_ms)
{
	char text[DURATION_TEXT_MAX];

	switch ((enum restart_verdict)verdict) {
	case RESTART_NOT_ASKED:
		return;
	case RESTART_TOLD_TO_STOP:
		log_msg(LOG_INFO, "not restarting: reaper was told to stop");
		return;
	case RESTART_SUCCEEDED:
		log_msg(LOG_INFO, "not restarting: the run succeeded (--restart=on-failure)");
		return;
	case RESTART_MAX_REACHED:
		log_msg(LOG_INFO, "not restarting: --restart-max %u reached", r->cfg->restart_max);
		return;
	case RESTART_AGAIN:
		break;
	}
	log_msg(LOG_INFO, "restarting %s in %s (run %u)", r->cfg->argv[0],
		format_duration(delay_ms, text), run);
	trace_event(r, "event=restart run=%u delay_ms=%llu", run, (unsigned long long)delay_ms);
}

void tell_done(const struct reaper *r, const struct reap_ending *e)
{
	char why[96], value[128];

	tell_reason(e, why, sizeof(why));
	log_msg(LOG_INFO, "exiting with %d: %s", e->code, why);
	trace_event(r, "event=done code=%d reason=%s", e->code,
		    trace_value(why, value, sizeof(value)));
	report_print(r, e->code, why);
	reportfile_write(r, e, why);
}
