/*
 * parse: pure parsers for the values users give reaper on the command line
 * and in the environment (signal names, SIG:SIG rewrite rules, exit codes,
 * booleans, small counts), and the signal name table used by log messages.
 *
 * Never: a system call, an allocation, or a message. Every parser returns 0
 * or a negative errno (-EINVAL: malformed, -ERANGE: out of range) and hands
 * its value back through a pointer that is written only on success; the
 * caller names the option or variable in its error message.
 */
#ifndef REAPER_PARSE_H
#define REAPER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * "TERM", "SIGTERM", "sigterm", "15", "RTMIN", "RTMIN+3", "SIGRTMAX-1":
 * a signal number from 1 to SIGRTMAX. With allow_zero, "0" gives 0 (used by
 * rewrite targets, where 0 means "drop"). Async-signal-safe.
 */
int parse_signal(const char *text, bool allow_zero, int *signo);

/*
 * The canonical short name of signo without the SIG prefix ("TERM",
 * "RTMIN+3"), written into buf (at least SIGNAME_MAX bytes). Unknown numbers
 * come out as their decimal value. Returns buf. Async-signal-safe.
 */
#define SIGNAME_MAX 16
const char *signal_name(int signo, char buf[SIGNAME_MAX]);

/*
 * true when reaper forwards signo: every catchable signal except SIGCHLD,
 * which reaper handles itself. The fault signals (SEGV, BUS, ILL, FPE,
 * TRAP, SYS) count: one a process sends with kill(2) is forwarded like
 * any other (issue 15), and may be a --rewrite source or target.
 */
bool signal_is_forwardable(int signo);

/* Why signo is not forwardable, as a phrase for a usage message ("KILL
 * cannot be caught, so reaper never receives it"), or NULL when it is.
 * Static storage. Pure. */
const char *signal_unforwardable_reason(int signo);

/* The number at the start of text as atoi(3) reads it (leading blanks, a
 * sign, digits; anything else ends it; no digits give 0), saturated at
 * LONG_MIN and LONG_MAX instead of overflowing. For variables of other
 * programs that read them with atoi (TINI_VERBOSITY). Pure. */
long parse_leading_long(const char *text);

/* "FROM:TO", both parse_signal() values; TO may be 0 (drop). FROM must be
 * forwardable (else -EINVAL). */
int parse_rewrite(const char *text, int *from, int *to);

/* A decimal exit code 0..255. */
int parse_exit_code(const char *text, int *code);

/* 1/0, true/false, yes/no, on/off, any case; the empty string is false. */
int parse_bool(const char *text, bool *value);

/* text after prefix when text starts with it, ignoring ASCII case (prefix
 * in lower case), else NULL. Our own, not strncasecmp: in the static build
 * that pulls in 24 kB of glibc's per-CPU variants. */
const char *parse_skip_prefix(const char *text, const char *prefix);

/* A plain decimal number 0..max, no sign, no spaces, no trailing text. */
int parse_uint(const char *text, unsigned long max, unsigned long *value);

/*
 * A duration: "250ms", "10s", "1.5s", "2m", "1h", or a bare number of
 * seconds ("30", "0.5"). Fractions are cut to whole milliseconds. At most
 * DURATION_MAX_MS; -ERANGE beyond. Negative values are -EINVAL.
 */
#define DURATION_MAX_MS ((uint64_t)1 << 40) /* ~35 years */
int parse_duration_ms(const char *text, uint64_t *ms);

/* "SIG@DURATION" (--send): the signal and when, after start. */
int parse_send(const char *text, int *signo, uint64_t *at_ms);

/* ms as a person writes it, in a form parse_duration_ms reads back:
 * "250ms", "3s", "1.5s", "2m", "90m", "1h". Returns buf (at least
 * DURATION_TEXT_MAX bytes). */
#define DURATION_TEXT_MAX 32
const char *format_duration(uint64_t ms, char buf[DURATION_TEXT_MAX]);

#endif
