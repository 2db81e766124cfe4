/*
 * signame: signal names and numbers ("TERM", "SIGRTMIN+3", "15"), which
 * signals reaper forwards, and the two rules users write with signals:
 * "FROM:TO" (--rewrite) and "SIG@DURATION" (--send).
 *
 * Above parse (numbers) and duration; below everything that names a
 * signal in a message. Pure: no system call, no allocation, no message.
 * Every parser returns 0 or a negative errno (-EINVAL: malformed,
 * -ERANGE: out of range) and hands its value back through a pointer that
 * is written only on success; the caller names the option or variable.
 */
#ifndef REAPER_SIGNAME_H
#define REAPER_SIGNAME_H

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

/* "FROM:TO", both parse_signal() values; TO may be 0 (drop). FROM must be
 * forwardable (else -EINVAL). */
int parse_rewrite(const char *text, int *from, int *to);

/* "SIG@DURATION" (--send): the signal and when, after start. */
int parse_send(const char *text, int *signo, uint64_t *at_ms);

/*
 * Why a text the matching parser refused names no usable signal, as one
 * phrase written into why ("unknown signal 'FOO'", "signals are numbered
 * 1 to 64", "KILL cannot be caught, ..."): true, or false when the fault
 * is elsewhere (the form, the duration, an empty text) and the caller's
 * description of a good value says it better. Pure.
 */
bool signal_explain(const char *text, bool allow_zero, char *why, size_t size);
bool signal_explain_rewrite(const char *text, char *why, size_t size);
bool signal_explain_send(const char *text, char *why, size_t size);

#endif
