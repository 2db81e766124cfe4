/*
 * helper_util: the two things most helper programs under tests/helpers
 * wrote for themselves: writing a whole line to a descriptor, and reading
 * a non-negative decimal argument with every check strtol needs. Each
 * helper is still built alone from its one .c file (the Makefile compiles
 * only $<), so this is a header of static inline functions: no object to
 * link, nothing that allocates, both safe in a forked child.
 */
#ifndef REAPER_HELPER_UTIL_H
#define REAPER_HELPER_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

/* Write all len bytes of text to fd, retrying EINTR and short writes.
 * false when write fails (errno set) or writes nothing; the caller decides
 * whether a reader that went away matters. Async-signal-safe. */
static inline bool write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		text += n;
		len -= (size_t)n;
	}
	return true;
}

/* text as a whole decimal number in 0..max into *value; false (and *value
 * untouched) for anything else. */
static inline bool parse_number(const char *text, long max, long *value)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 0 || v > max)
		return false;
	*value = v;
	return true;
}

#endif
