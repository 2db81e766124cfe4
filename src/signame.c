/*
 * signame: signal names and numbers, and the rules written with them
 * (see signame.h).
 *
 * Owns: the mapping between signal names and numbers, which signals
 * reaper forwards, and why a signal text is refused. Never: a system
 * call, an allocation, a message. Values are written only on success.
 */
#include "signame.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "parse.h"
#include "sysio.h"

static const struct {
	const char *name;
	int signo;
} signal_names[] = {
	{"HUP", SIGHUP},	{"INT", SIGINT},	{"QUIT", SIGQUIT},
	{"ILL", SIGILL},	{"TRAP", SIGTRAP},	{"ABRT", SIGABRT},
	{"BUS", SIGBUS},	{"FPE", SIGFPE},	{"KILL", SIGKILL},
	{"USR1", SIGUSR1},	{"SEGV", SIGSEGV},	{"USR2", SIGUSR2},
	{"PIPE", SIGPIPE},	{"ALRM", SIGALRM},	{"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT},	{"CHLD", SIGCHLD},	{"CONT", SIGCONT},
	{"STOP", SIGSTOP},	{"TSTP", SIGTSTP},	{"TTIN", SIGTTIN},
	{"TTOU", SIGTTOU},	{"URG", SIGURG},	{"XCPU", SIGXCPU},
	{"XFSZ", SIGXFSZ},	{"VTALRM", SIGVTALRM},	{"PROF", SIGPROF},
	{"WINCH", SIGWINCH},	{"IO", SIGIO},		{"PWR", SIGPWR},
	{"SYS", SIGSYS},
	/* Aliases after the canonical names, so signal_name finds those first. */
	{"IOT", SIGABRT},	{"CLD", SIGCHLD},	{"POLL", SIGIO},
};

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (prefix already stripped of SIG). */
static int parse_realtime(const char *text, int *signo)
{
	const char *rest = parse_skip_prefix(text, "rtmin");
	bool from_min = rest != NULL;

	if (!from_min && (rest = parse_skip_prefix(text, "rtmax")) == NULL)
		return -EINVAL;
	unsigned long offset = 0;
	if (*rest != '\0') {
		if (*rest != (from_min ? '+' : '-'))
			return -EINVAL;
		int err = parse_uint(rest + 1, (unsigned long)(SIGRTMAX - SIGRTMIN), &offset);
		if (err < 0)
			return err;
	}
	*signo = from_min ? SIGRTMIN + (int)offset : SIGRTMAX - (int)offset;
	return 0;
}

int parse_signal(const char *text, bool allow_zero, int *signo)
{
	if (text == NULL || *text == '\0')
		return -EINVAL;
	if (*text >= '0' && *text <= '9') {
		unsigned long v;
		int err = parse_uint(text, (unsigned long)SIGRTMAX, &v);
		if (err < 0)
			return err;
		if (v == 0 && !allow_zero)
			return -ERANGE;
		*signo = (int)v;
		return 0;
	}
	const char *after_sig = parse_skip_prefix(text, "sig");
	const char *name = after_sig != NULL ? after_sig : text;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (strcasecmp(name, signal_names[i].name) == 0) {
			*signo = signal_names[i].signo;
			return 0;
		}
	}
	return parse_realtime(name, signo);
}

/* An int has at most 10 digits and a sign: SIGNAME_MAX always holds the
 * number, so sysio_format_uint's "did not fit" cannot happen here. */
const char *signal_name(int signo, char buf[SIGNAME_MAX])
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (signal_names[i].signo == signo) {
			strcpy(buf, signal_names[i].name);
			return buf;
		}
	}
	if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
		strcpy(buf, "RTMIN");
		if (signo > SIGRTMIN) {
			buf[5] = '+';
			(void)sysio_format_uint(buf + 6, SIGNAME_MAX - 6, (uint64_t)(signo - SIGRTMIN));
		}
		return buf;
	}
	if (signo < 0) {
		buf[0] = '-';
		(void)sysio_format_uint(buf + 1, SIGNAME_MAX - 1, (uint64_t)-(int64_t)signo);
		return buf;
	}
	(void)sysio_format_uint(buf, SIGNAME_MAX, (uint64_t)signo);
	return buf;
}

bool signal_is_forwardable(int signo)
{
	if (signo < 1 || signo > SIGRTMAX)
		return false;
	switch (signo) {
	case SIGCHLD:
	case SIGKILL:
	case SIGSTOP:
		return false;
	default:
		return true;
	}
}

const char *signal_unforwardable_reason(int signo)
{
	switch (signo) {
	case SIGKILL:
		return "KILL cannot be caught, so reaper never receives it";
	case SIGSTOP:
		return "STOP cannot be caught, so reaper never receives it";
	case SIGCHLD:
		return "reaper handles CHLD itself: it reaps";
	default:
		return signal_is_forwardable(signo) ? NULL : "no such signal";
	}
}

/* text's part before end (a separator in it) into buf; false when it
 * does not fit. */
static bool cut(const char *text, const char *end, char *buf, size_t size)
{
	size_t len = (size_t)(end - text);

	if (len >= size)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return true;
}

int parse_rewrite(const char *text, int *from, int *to)
{
	char source[32];
	const char *colon = text != NULL ? strchr(text, ':') : NULL;

	if (colon == NULL || !cut(text, colon, source, sizeof(source)))
		return -EINVAL;

	int f, t;
	int err = parse_signal(source, false, &f);
	if (err < 0)
		return err;
	if (!signal_is_forwardable(f))
		return -EINVAL;
	err = parse_signal(colon + 1, true, &t);
	if (err < 0)
		return err;
	*from = f;
	*to = t;
	return 0;
}

int parse_send(const char *text, int *signo, uint64_t *at_ms)
{
	char sig[32];
	const char *at = text != NULL ? strrchr(text, '@') : NULL;

	if (at == NULL || !cut(text, at, sig, sizeof(sig)))
		return -EINVAL;

	int s;
	uint64_t ms;
	int err = parse_signal(sig, false, &s);
	if (err == 0)
		err = parse_duration_ms(at + 1, &ms);
	if (err != 0)
		return err;
	*signo = s;
	*at_ms = ms;
	return 0;
}


bool signal_explain(const char *text, bool allow_zero, char *why, size_t size)
{
	int signo;
	int err = parse_signal(text, allow_zero, &signo);

	if (err == 0 || *text == '\0')
		return false;
	if (err == -ERANGE)
		snprintf(why, size, "signals are numbered 1 to %d", SIGRTMAX);
	else
		snprintf(why, size, "unknown signal '%s'", text);
	return true;
}

/* FROM first, as a name and then as something reaper can forward at all
 * (KILL, STOP, CHLD), then TO. */
bool signal_explain_rewrite(const char *text, char *why, size_t size)
{
	char source[64]; /* an item of a list is up to 64 (settings.c) */
	const char *colon = strchr(text, ':');
	int from;

	if (colon == NULL || !cut(text, colon, source, sizeof(source)))
		return false;
	if (signal_explain(source, false, why, size))
		return true;
	const char *reason = parse_signal(source, false, &from) == 0
				     ? signal_unforwardable_reason(from) : NULL;
	if (reason != NULL) {
		snprintf(why, size, "%s", reason);
		return true;
	}
	return signal_explain(colon + 1, true, why, size);
}

/* The signal's reason; a bad duration is the caller's to describe. */
bool signal_explain_send(const char *text, char *why, size_t size)
{
	char sig[64];
	const char *at = strrchr(text, '@');

	return at != NULL && cut(text, at, sig, sizeof(sig)) &&
	       signal_explain(sig, false, why, size);
}
