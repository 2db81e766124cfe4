/*
 * restart: whether a run is followed by another (see restart.h).
 *
 * Owns: struct restart_state (but stop_requested, the loop's) and the
 * back-off arithmetic. Never: a wait of its own (the back-off is a
 * deadline in shutdown's timerfd, so the loop stays idle), a start while
 * the last run's leftovers are being dealt with (restart_step runs only
 * once shutdown_done says so), or a start after reaper was told to stop.
 */
#include "restart.h"

#include "clock.h"
#include "reap.h"
#include "reaper.h"
#include "shutdown.h"
#include "tell.h"

/* Doublings before the back-off stops growing: 2^5 = 32 times the start. */
#define RESTART_DOUBLINGS 5

uint64_t restart_cap_ms(uint64_t delay_ms)
{
	return delay_ms << RESTART_DOUBLINGS; /* delay_ms <= 2^40: no overflow */
}

struct restart_decision restart_decide(const struct restart_facts *f)
{
	struct restart_decision d = {.verdict = RESTART_AGAIN, .streak = f->streak};

	if (f->policy == RESTART_NO)
		d.verdict = RESTART_NOT_ASKED;
	else if (f->stop_requested)
		d.verdict = RESTART_TOLD_TO_STOP;
	else if (f->policy == RESTART_ON_FAILURE && f->code == 0)
		d.verdict = RESTART_SUCCEEDED;
	else if (f->max != RESTART_UNLIMITED && f->restarts >= f->max)
		d.verdict = RESTART_MAX_REACHED;
	if (d.verdict != RESTART_AGAIN)
		return d;
	unsigned streak = f->ran_ms >= restart_cap_ms(f->delay_ms) ? 0 : f->streak;
	d.delay_ms = f->delay_ms << (streak < RESTART_DOUBLINGS ? streak : RESTART_DOUBLINGS);
	d.streak = streak + 1;
	return d;
}

static struct restart_decision decide_now(const struct reaper *r)
{
	const struct restart_state *s = &r->restart;
	struct restart_facts f = {
		.policy = r->cfg->restart, .max = r->cfg->restart_max,
		.restarts = s->runs > 0 ? s->runs - 1 : 0,
		.code = reap_ending(r->cfg, false, r->job.child_status).code,
		.stop_requested = s->stop_requested || r->shutdown.timed_out,
		.delay_ms = r->cfg->restart_delay_ms, .streak = s->streak,
		.ran_ms = (clock_now_ns() - s->run_start_ns) / 1000000u,
	};

	return restart_decide(&f);
}

enum restart_step restart_step(struct reaper *r)
{
	struct restart_state *s = &r->restart;

	if (s->backing_off) {
		if (s->stop_requested || r->shutdown.timed_out)
			return RESTART_STEP_END;
		return r->shutdown.restart_due ? RESTART_STEP_START : RESTART_STEP_WAIT;
	}
	/* A run that never started (--pause) or could not exec ends here. */
	if (r->cfg->restart == RESTART_NO || s->runs == 0)
		return RESTART_STEP_END;
	struct restart_decision d = decide_now(r);
	tell_restart(r, d.verdict, s->runs + 1, d.delay_ms);
	if (d.verdict != RESTART_AGAIN)
		return RESTART_STEP_END;
	s->streak = d.streak;
	s->backing_off = true;
	shutdown_restart_after(r, d.delay_ms);
	return RESTART_STEP_WAIT;
}

void restart_begin_run(struct reaper *r)
{
	struct restart_state *s = &r->restart;

	s->runs++;
	s->backing_off = false;
	s->run_start_ns = clock_now_ns();
	r->job.child_reaped = false;
	r->job.child_stopped = false;
	shutdown_new_run(r);
}
