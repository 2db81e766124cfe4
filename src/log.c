/*
 * log: "reaper: ..." lines on stderr.
 *
 * Owns: the log level. Never: stdout, stdio buffering, a blocking write, or
 * a change to errno. Each line goes out in one write(2) of at most
 * LOG_LINE_MAX bytes (< PIPE_BUF, so it is atomic on a pipe); when stderr is
 * a full pipe or closed the line is dropped, because PID 1 must never stall
 * on its log. We check writability with a zero-timeout poll() instead of
 * setting O_NONBLOCK, which would change the descriptor for the child too.
 */
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define LOG_LINE_MAX 512

static enum log_level current_level = LOG_WARN;

void log_set_level(enum log_level level)
{
	current_level = level;
}

bool log_enabled(enum log_level level)
{
	return level <= current_level;
}

static void log_write(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void log_write(const char *fmt, va_list ap)
{
	static const char prefix[] = "reaper: ";
	char line[LOG_LINE_MAX];
	size_t len = sizeof(prefix) - 1;

	for (size_t i = 0; i < len; i++)
		line[i] = prefix[i];
	int n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n < 0)
		return;
	len += (size_t)n < sizeof(line) - len - 1 ? (size_t)n : sizeof(line) - len - 2;
	/* One line, whatever a user-given value holds: a newline or an escape
	 * sequence in it could fake a line of ours or drive the terminal. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';

	log_write_line(STDERR_FILENO, line, len);
}

void log_write_line(int fd, const char *line, size_t len)
{
	int saved_errno = errno;
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	/* Full, closed or invalid: drop the line. A short or failed write
	 * loses part of one line; there is nobody to tell. */
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT) != 0)
		(void)!write(fd, line, len);
	errno = saved_errno;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	int saved_errno = errno;
	va_list ap;
	va_start(ap, fmt);
	log_write(fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void log_err(enum log_level level, int err, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	int saved_errno = errno;
	va_list ap;
	errno = -err;
	va_start(ap, fmt);
	log_write(fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void log_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_write(fmt, ap);
	va_end(ap);
	exit(125);
}
