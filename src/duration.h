/*
 * duration: the lengths of time users give reaper ("250ms", "1.5s", "2m")
 * and the way reaper writes them back in messages.
 *
 * A leaf: no other module of reaper's. Pure: no system call, no
 * allocation, no message. The parser returns 0 or a negative errno
 * (-EINVAL: malformed, -ERANGE: too long) and writes its value only on
 * success; the caller names the option or variable in its message.
 */
#ifndef REAPER_DURATION_H
#define REAPER_DURATION_H

#include <stdint.h>

/*
 * A duration: "250ms", "10s", "1.5s", "2m", "1h", or a bare number of
 * seconds ("30", "0.5"). Fractions are cut to whole milliseconds. At most
 * DURATION_MAX_MS; -ERANGE beyond. Negative values are -EINVAL.
 */
#define DURATION_MAX_MS ((uint64_t)1 << 40) /* ~35 years */
int parse_duration_ms(const char *text, uint64_t *ms);

/* ms as a person writes it, in a form parse_duration_ms reads back:
 * "250ms", "3s", "1.5s", "2m", "90m", "1h". Returns buf (at least
 * DURATION_TEXT_MAX bytes). */
#define DURATION_TEXT_MAX 32
const char *format_duration(uint64_t ms, char buf[DURATION_TEXT_MAX]);

#endif
