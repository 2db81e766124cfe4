/*
 * parse: pure parsers for the plain values users give reaper on the
 * command line and in the environment: numbers, exit codes, booleans.
 * Signals are signame's, durations duration's.
 *
 * A leaf: no other module of reaper's. Never: a system call, an
 * allocation, or a message. Every parser returns 0 or a negative errno
 * (-EINVAL: malformed, -ERANGE: out of range) and hands its value back
 * through a pointer that is written only on success; the caller names the
 * option or variable in its error message.
 */
#ifndef REAPER_PARSE_H
#define REAPER_PARSE_H

#include <stdbool.h>

/* The number at the start of text as atoi(3) reads it (leading blanks, a
 * sign, digits; anything else ends it; no digits give 0), saturated at
 * LONG_MIN and LONG_MAX instead of overflowing. For variables of other
 * programs that read them with atoi (TINI_VERBOSITY). Pure. */
long parse_leading_long(const char *text);

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

#endif
