/*
 * reap: the waitpid drain and the exit-status mapping.
 *
 * Owns: turning wait statuses into reaper's exit code. Never: blocking,
 * signalling, or touching a child's pidfd except to close it once the child
 * is reaped (its PID may be reused from then on, so nothing may reach it).
 */
#include "reap.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "signame.h"
#include "reaper.h"
#include "clock.h"
#include "trace.h"

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

/* "code=3", "signal=TERM" or "stopped=TSTP", for trace lines. */
static const char *trace_status(int status, char *buf, size_t size)
{
	char name[SIGNAME_MAX];

	if (WIFEXITED(status))
		snprintf(buf, size, "code=%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "signal=%s", signal_name(WTERMSIG(status), name));
	else
		snprintf(buf, size, "stopped=%s", signal_name(WSTOPSIG(status), name));
	return buf;
}

/* "exited 3" or "killed by TERM" (core dumped), for log lines. */
static const char *describe_status(int status, char *buf, size_t size)
{
	char name[SIGNAME_MAX];

	if (WIFEXITED(status))
		snprintf(buf, size, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by %s%s", signal_name(WTERMSIG(status), name),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, size, "stopped by %s", signal_name(WSTOPSIG(status), name));
	return buf;
}

/* The status is formatted only when the line is written: at the default
 * level that is never, and the formatting would page in printf's code at
 * every exit (issue 7 counts those page faults). */
static void log_child(const struct reaper *r, int status)
{
	char what[48];

	if (log_enabled(LOG_INFO))
		log_msg(LOG_INFO, "child %d %s", (int)r->child_pid,
			describe_status(status, what, sizeof(what)));
}

static void record_main_child(struct reaper *r, int status)
{
	char what[48];

	if (WIFSTOPPED(status)) {
		r->child_stopped = true;
		log_child(r, status);
		if (trace_on(r))
			trace_event(r, "event=stop pid=%d %s", (int)r->child_pid,
				    trace_status(status, what, sizeof(what)));
		return;
	}
	r->child_reaped = true;
	r->child_status = status;
	if (r->cfg->report)
		r->stats.child_end_ns = clock_now_ns();
	if (trace_on(r))
		trace_event(r, "event=exit pid=%d %s", (int)r->child_pid,
			    trace_status(status, what, sizeof(what)));
	if (r->child_pidfd >= 0) {
		(void)close(r->child_pidfd); /* nothing to report: it was ours and valid */
		r->child_pidfd = -1;
	}
	log_child(r, status);
}

/* A process other than the main child was reaped: log and trace it. */
static void note_reap(const struct reaper *r, pid_t pid, int status)
{
	char what[48];

	if (r->cfg->warn_reap || log_enabled(LOG_INFO))
		log_msg(r->cfg->warn_reap ? LOG_WARN : LOG_INFO, "reaped pid %d (%s)", (int)pid,
			describe_status(status, what, sizeof(what)));
	if (trace_on(r)) {
		char name[SIGNAME_MAX];
		if (WIFSIGNALED(status))
			trace_event(r, "event=reap pid=%d status=signal:%s", (int)pid,
				    signal_name(WTERMSIG(status), name));
		else
			trace_event(r, "event=reap pid=%d status=exit:%d", (int)pid,
				    WEXITSTATUS(status));
	}
}

/* waitpid that retries EINTR; the only place reaper waits for children. */
static pid_t wait_any(int *status)
{
	pid_t pid;

	do
		pid = waitpid(-1, status, WNOHANG | WUNTRACED);
	while (pid < 0 && errno == EINTR);
	return pid;
}

unsigned reap_drain(struct reaper *r)
{
	int saved_errno = errno;
	unsigned reaped = 0;
	int status;
	pid_t pid;

	while ((pid = wait_any(&status)) > 0) {
		if (pid == r->child_pid && !r->child_reaped) {
			record_main_child(r, status);
			if (!r->child_reaped)
				continue;
		} else if (WIFSTOPPED(status)) {
			continue; /* a stopped orphan is not ours to manage */
		} else {
			note_reap(r, pid, status);
		}
		reaped++;
		if (r->cfg->report)
			r->stats.reaped++;
	}
	r->children_left = !(pid < 0 && errno == ECHILD);
	if (pid < 0 && errno != ECHILD)
		log_msg(LOG_ERROR, "waitpid: %m");
	errno = saved_errno;
	return reaped;
}
