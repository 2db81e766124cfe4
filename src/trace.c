/*
 * trace: logfmt event lines for --trace.
 *
 * Owns: the trace descriptor and the line format. Never: stdout, a
 * blocking write, or work when tracing is off.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "clock.h"
#include "log.h"

#define TRACE_LINE_MAX 512

void trace_open(struct reaper *r)
{
	if (!r->cfg->trace)
		return;
	if (r->cfg->trace_file == NULL) {
		r->trace_fd = STDERR_FILENO;
		return;
	}
	r->trace_fd = open(r->cfg->trace_file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
			   0644);
	if (r->trace_fd < 0)
		log_fatal("--trace-file: cannot open '%s': %m", r->cfg->trace_file);
}

void trace_event(const struct reaper *r, const char *fmt, ...)
{
	if (!trace_on(r))
		return;
	char line[TRACE_LINE_MAX];
	uint64_t ns = clock_now_ns() - r->start_ns;
	int n = snprintf(line, sizeof(line), "t=%llu.%04llu ",
			 (unsigned long long)(ns / 1000000000u),
			 (unsigned long long)(ns % 1000000000u / 100000u));
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + ((size_t)m < sizeof(line) - (size_t)n - 1
					  ? (size_t)m : sizeof(line) - (size_t)n - 2);
	line[len++] = '\n';
	log_write_line(r->trace_fd, line, len);
}

const char *trace_value(const char *text, char *buf, size_t size)
{
	if (text[0] != '\0' && strpbrk(text, " =\"\\\t\n") == NULL)
		return text;
	size_t out = 0;
	buf[out++] = '"';
	for (const char *p = text; *p != '\0' && out + 3 < size; p++) {
		char c = *p;
		if (c == '\n' || c == '\t')
			c = ' '; /* a trace line stays one line */
		if (c == '"' || c == '\\')
			buf[out++] = '\\';
		buf[out++] = c;
	}
	buf[out++] = '"';
	buf[out] = '\0';
	return buf;
}
