/*
 * errmsg: one line of error text into a caller's buffer, for the modules
 * that prepare before fork (privs, account) and hand main a reason instead
 * of printing it themselves.
 *
 * Not async-signal-safe (vsnprintf): never from the spawn child.
 */
#ifndef REAPER_ERRMSG_H
#define REAPER_ERRMSG_H

#include <stddef.h>

/* Format into err (size bytes, always NUL-terminated when size > 0, cut if
 * long) and return -1, so a failure reads `return errmsg_set(...)`. */
int errmsg_set(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
