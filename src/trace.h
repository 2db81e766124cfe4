/*
 * trace: --trace, one logfmt line per event with a monotonic timestamp
 * since start: "t=2.0002 event=forward sig=TERM target=group:42".
 *
 * This module writes lines; what they say (the events and their keys, a
 * stable interface) is defined in tell.c alone and documented in
 * doc/reaper.1, TRACE EVENTS. When tracing is off every entry point
 * returns at once.
 */
#ifndef REAPER_TRACE_H
#define REAPER_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "reaper.h"

/* Before the child runs: open --trace-file (or use stderr). Exits 125 with
 * one line when the file cannot be opened. */
void trace_open(struct reaper *r);

static inline bool trace_on(const struct reaper *r)
{
	return r->trace_fd >= 0;
}

/* "t=<seconds> " then the printf-formatted fields, then a newline, in one
 * write; dropped, never blocking, when the destination is full. */
void trace_event(const struct reaper *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* text as a logfmt value: as is when plain, else quoted with \" and \\. */
const char *trace_value(const char *text, char *buf, size_t size);

#endif
