/*
 * duration: reading and writing lengths of time (see duration.h).
 *
 * Owns: the units reaper accepts. Never: a system call, an allocation, a
 * message. Values are written only on success.
 */
#include "duration.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *suffix;
	uint64_t ms;
} duration_units[] = {
	{"ms", 1}, {"s", 1000}, {"m", UINT64_C(60) * 1000}, {"h", UINT64_C(60) * 60 * 1000},
	{"", 1000},
};

int parse_duration_ms(const char *text, uint64_t *ms)
{
	uint64_t whole = 0, fraction = 0, scale = 1;
	const char *p = text;

	if (text == NULL || (*p < '0' || *p > '9'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > DURATION_MAX_MS)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000) { /* digits past a nanosecond change nothing */
				fraction = fraction * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		uint64_t unit = duration_units[i].ms;
		if (strcmp(p, duration_units[i].suffix) != 0)
			continue;
		if (whole > DURATION_MAX_MS / unit)
			return -ERANGE;
		uint64_t total = whole * unit + fraction * unit / scale;
		if (total > DURATION_MAX_MS)
			return -ERANGE;
		*ms = total;
		return 0;
	}
	return -EINVAL;
}

const char *format_duration(uint64_t ms, char buf[DURATION_TEXT_MAX])
{
	const uint64_t minute = UINT64_C(60) * 1000, hour = 60 * minute;

	if (ms < 1000)
		snprintf(buf, DURATION_TEXT_MAX, "%llums", (unsigned long long)ms);
	else if (ms % minute != 0) {
		unsigned fraction = (unsigned)(ms % 1000);
		int digits = 3;
		while (fraction != 0 && fraction % 10 == 0) {
			fraction /= 10;
			digits--;
		}
		if (fraction != 0)
			snprintf(buf, DURATION_TEXT_MAX, "%llu.%0*us",
				 (unsigned long long)(ms / 1000), digits, fraction);
		else
			snprintf(buf, DURATION_TEXT_MAX, "%llus", (unsigned long long)(ms / 1000));
	}
	else if (ms % hour == 0)
		snprintf(buf, DURATION_TEXT_MAX, "%lluh", (unsigned long long)(ms / hour));
	else
		snprintf(buf, DURATION_TEXT_MAX, "%llum", (unsigned long long)(ms / minute));
	return buf;
}
