/*
 * clock: CLOCK_MONOTONIC readings, for deadlines and trace timestamps.
 */
#ifndef REAPER_CLOCK_H
#define REAPER_CLOCK_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t clock_now_ms(void)
{
	return clock_now_ns() / 1000000u;
}

/* Milliseconds from now_ns until the deadline at_ms (both CLOCK_MONOTONIC),
 * rounded up so a wait of that long never ends before it; 0 once it has
 * passed, INT_MAX at most (a poll timeout). Pure. */
static inline int clock_wait_ms(uint64_t at_ms, uint64_t now_ns)
{
	uint64_t at_ns = at_ms * 1000000u;

	if (now_ns >= at_ns)
		return 0;
	uint64_t wait = (at_ns - now_ns + 999999u) / 1000000u;
	return wait > INT_MAX ? INT_MAX : (int)wait;
}

#endif
