/*
 * report: --report, a short human summary at exit: runtime, how the main
 * child ended and how long after the first stop signal, signals received
 * and forwarded, processes reaped, descendants killed by escalation, and
 * the exit code reaper chose and why. Counting happens only when asked.
 */
#ifndef REAPER_REPORT_H
#define REAPER_REPORT_H

struct reaper;

/* One line of the summary, without prefix or newline, to a sink. */
typedef void report_emit_fn(void *ctx, const char *line);

/* The summary's lines, in order, each to emit (--report-file's text
 * format). Runs at exit: no allocation. */
void report_render(const struct reaper *r, int code, const char *why, report_emit_fn *emit,
		   void *ctx);

/* Print the summary on stderr (each line "reaper: report: ..."). */
void report_print(const struct reaper *r, int code, const char *why);

#endif
