/*
 * report: the --report summary at exit.
 *
 * Owns: its wording. Never: stdout (the child's), or any effect on the
 * exit code it reports.
 */
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "config.h"
#include "clock.h"
#include "log.h"
#include "signame.h"
#include "reaper.h"
#include "tell.h"

/*
 * Long enough for the longest counts line: every signal number with the
 * longest name and a full counter ("RTMIN+30 4294967295, "), and still
 * below PIPE_BUF, so each line stays one atomic write.
 */
#define COUNT_TEXT_MAX (SIGNAME_MAX + 1 + 10 + 2)
#define REPORT_LINE_MAX (NSIG * COUNT_TEXT_MAX + 64)
_Static_assert(REPORT_LINE_MAX + 32 <= 4096, "a report line must fit in PIPE_BUF");

/* The --report sink: each line on stderr, behind "reaper: report: ". */
static void report_line(void *ctx, const char *text)
{
	char line[REPORT_LINE_MAX + 32];
	int n = snprintf(line, sizeof(line), "reaper: report: %s\n", text);

	(void)ctx;
	if (n > 0)
		log_write_line(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* "TERM 2, USR1 1" for the non-zero counters, or "none". */
static void format_counts(const unsigned counts[NSIG], char *out, size_t size)
{
	char name[SIGNAME_MAX];
	size_t len = 0;

	out[0] = '\0';
	for (int signo = 1; signo < NSIG && len < size; signo++) {
		if (counts[signo] == 0)
			continue;
		int n = snprintf(out + len, size - len, "%s%s %u", len > 0 ? ", " : "",
				 signal_name(signo, name), counts[signo]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		snprintf(out, size, "none");
}

static void format_seconds(uint64_t ns, char *out, size_t size)
{
	snprintf(out, size, "%llu.%03llus", (unsigned long long)(ns / 1000000000u),
		 (unsigned long long)(ns % 1000000000u / 1000000u));
}

/* How the main child ended, and how long after the first stop signal. */
static void report_child(const struct reaper *r, char *out, size_t size)
{
	char after[32], how[48], end[64];
	int status = r->job.child_status;

	if (r->cfg->pause || r->job.child_pid <= 0) {
		snprintf(out, size, "no main child (--pause)");
		return;
	}
	snprintf(end, sizeof(end), "%s%s", WIFSIGNALED(status) ? "was " : "",
		 tell_status(status, TELL_WORDS, how, sizeof(how)));
	if (r->stats.first_stop_ns != 0 && r->stats.child_end_ns >= r->stats.first_stop_ns) {
		format_seconds(r->stats.child_end_ns - r->stats.first_stop_ns, after, sizeof(after));
		snprintf(out, size, "main child %d %s, %s after the first stop signal",
			 (int)r->job.child_pid, end, after);
	} else {
		snprintf(out, size, "main child %d %s, with no stop signal sent",
			 (int)r->job.child_pid, end);
	}
}

/* --stop-delay: what it held, how long, until what. */
static void report_delay(const struct reaper *r, char *out, size_t size)
{
	char name[SIGNAME_MAX], held[32];

	if (r->stats.held_signo == 0) {
		snprintf(out, size, "stop delay: no stop signal held");
		return;
	}
	format_seconds(r->stats.held_ms * 1000000u, held, sizeof(held));
	snprintf(out, size, "stop delay: %s held %s, until %s",
		 signal_name(r->stats.held_signo, name), held, r->stats.held_until);
}

void report_render(const struct reaper *r, int code, const char *why, report_emit_fn *emit,
		   void *ctx)
{
	char line[REPORT_LINE_MAX], part[NSIG * COUNT_TEXT_MAX];

	format_seconds(clock_now_ns() - r->start_ns, part, sizeof(part));
	snprintf(line, sizeof(line), "runtime %s", part);
	emit(ctx, line);
	report_child(r, line, sizeof(line));
	emit(ctx, line);
	if (r->cfg->restart != RESTART_NO) {
		snprintf(line, sizeof(line), "runs: %u (--restart=%s)", r->stats.runs,
			 r->cfg->restart == RESTART_ALWAYS ? "always" : "on-failure");
		emit(ctx, line);
	}
	format_counts(r->stats.received, part, sizeof(part));
	snprintf(line, sizeof(line), "signals received: %s", part);
	emit(ctx, line);
	format_counts(r->stats.forwarded, part, sizeof(part));
	snprintf(line, sizeof(line), "signals forwarded: %s", part);
	emit(ctx, line);
	if (r->cfg->stop_delay_ms != 0) {
		report_delay(r, line, sizeof(line));
		emit(ctx, line);
	}
	snprintf(line, sizeof(line),
		 "processes reaped: %u; left-overs sent TERM: %u; killed by escalation: %u",
		 r->stats.reaped, r->stats.terminated, r->stats.killed);
	emit(ctx, line);
	snprintf(line, sizeof(line), "exit code %d: %s", code, why);
	emit(ctx, line);
}

void report_print(const struct reaper *r, int code, const char *why)
{
	if (r->cfg->report)
		report_render(r, code, why, report_line, NULL);
}
