/*
 * log: one-line messages on stderr, "reaper: ..." in a single write(2).
 *
 * Never writes to stdout, never blocks: a full pipe or a closed stderr drops
 * the line. Keeps errno. The level is the only state of this module.
 */
#ifndef REAPER_LOG_H
#define REAPER_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_ERROR = 0, /* -q: failures of reaper itself only */
	LOG_WARN = 1,  /* default */
	LOG_INFO = 2,  /* -v: each stage, signal and reap */
	LOG_DEBUG = 3, /* -vv */
};

void log_set_level(enum log_level level);

/* True when a message at level would be written: lets callers skip work. */
bool log_enabled(enum log_level level);

/* Write "reaper: <message>\n" if level is enabled. Async-signal-safe apart
 * from vsnprintf's locale use, which we never change. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* log_msg with %m naming err, a negative errno as the fallible functions
 * return it (STYLE: -errno taken at the failure site), instead of errno
 * itself. Keeps errno. */
void log_err(enum log_level level, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write len bytes (one line, at most PIPE_BUF) to fd in one write(2), or
 * drop them when fd is full or closed; never blocks. Keeps errno. */
void log_write_line(int fd, const char *line, size_t len);

/* Before the child runs: print the error and exit 125. */
_Noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
