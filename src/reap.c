/*
 * reap: the waitpid drain and the exit-status mapping.
 *
 * Owns: struct job after spawn, and turning wait statuses into reaper's
 * exit code. Never: blocking, signalling, wording what it did (tell.c
 * does), or touching a child's pidfd except to close it once the child is
 * reaped (its PID may be reused from then on, so nothing may reach it).
 */
#include "reap.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "reaper.h"
#include "sysio.h"
#include "tell.h"

int reap_exit_code(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}

int reap_apply_expected(const struct config *cfg, int code)
{
	return code >= 0 && code < 256 && cfg->expect_exit[code] ? 0 : code;
}

struct reap_ending reap_ending(const struct config *cfg, bool timed_out, int status)
{
	if (cfg->pause)
		return (struct reap_ending){ .code = 0, .reason = REAP_PAUSED };
	if (timed_out)
		return (struct reap_ending){ .code = 124, .reason = REAP_TIMED_OUT };
	int code = reap_exit_code(status);
	int mapped = reap_apply_expected(cfg, code);
	enum reap_reason reason = mapped != code        ? REAP_EXPECTED
				  : WIFSIGNALED(status) ? REAP_KILLED
							: REAP_EXITED;
	return (struct reap_ending){ .code = mapped, .reason = reason, .status = status };
}

/* The only place reaper waits for children: any of them, stopped ones
 * too (the main child's stop is followed), never blocking. */
static pid_t wait_any(int *status)
{
	return sysio_waitpid(-1, status, WNOHANG | WUNTRACED);
}

static void record_main_child(struct reaper *r, int status)
{
	if (WIFSTOPPED(status)) {
		r->job.child_stopped = true;
		return;
	}
	r->job.child_reaped = true;
	r->job.child_status = status;
	if (r->job.child_pidfd >= 0) {
		(void)close(r->job.child_pidfd); /* nothing to report: it was ours and valid */
		r->job.child_pidfd = -1;
	}
}

unsigned reap_drain(struct reaper *r)
{
	int saved_errno = errno; /* waitpid's ECHILD is no caller's business */
	unsigned reaped = 0;
	struct reaped fact;

	while ((fact.pid = wait_any(&fact.status)) > 0) {
		fact.main_child = fact.pid == r->job.child_pid && !r->job.child_reaped;
		if (fact.main_child)
			record_main_child(r, fact.status);
		else if (WIFSTOPPED(fact.status))
			continue; /* a stopped orphan is not ours to manage */
		tell_reaped(r, &fact);
		if (!WIFSTOPPED(fact.status))
			reaped++;
	}
	r->job.children_left = fact.pid != -ECHILD;
	if (fact.pid < 0 && fact.pid != -ECHILD)
		log_err(LOG_ERROR, (int)fact.pid, "waitpid: %m");
	errno = saved_errno;
	return reaped;
}
