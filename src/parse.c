/*
 * parse: pure parsers for user-given values, and the signal name table.
 *
 * Owns: the mapping between signal names and numbers. Never: a system call,
 * an allocation, a message. Values are written only on success.
 */
#include "parse.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

int parse_uint(const char *text, unsigned long max, unsigned long *value)
{
	unsigned long v = 0;

	if (text == NULL || *text == '\0')
		return -EINVAL;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		unsigned digit = (unsigned)(*p - '0');
		if (digit > max || v > (max - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	*value = v;
	return 0;
}

static unsigned char ascii_lower(char c)
{
	unsigned char u = (unsigned char)c;
	return u >= 'A' && u <= 'Z' ? (unsigned char)(u | 0x20) : u;
}

const char *parse_skip_prefix(const char *text, const char *prefix)
{
	for (; *prefix != '\0'; text++, prefix++)
		if (ascii_lower(*text) != (unsigned char)*prefix)
			return NULL;
	return text;
}

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

/* Decimal digits of v into out (no allocation, async-signal-safe). */
static void format_uint(char *out, unsigned v)
{
	char digits[12];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*out++ = digits[--n];
	*out = '\0';
}

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
			format_uint(buf + 6, (unsigned)(signo - SIGRTMIN));
		}
		return buf;
	}
	if (signo < 0) {
		buf[0] = '-';
		format_uint(buf + 1, (unsigned)-(int64_t)signo);
		return buf;
	}
	format_uint(buf, (unsigned)signo);
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

long parse_leading_long(const char *text)
{
	const char *p = text;
	bool negative = false;
	long v = 0;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r')) /* isspace in the C locale */
		p++;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++) {
		int digit = *p - '0';
		if (!negative && v > (LONG_MAX - digit) / 10)
			return LONG_MAX;
		if (negative && v < (LONG_MIN + digit) / 10)
			return LONG_MIN;
		v = v * 10 + (negative ? -digit : digit);
	}
	return v;
}

int parse_rewrite(const char *text, int *from, int *to)
{
	char source[32];
	const char *colon = text != NULL ? strchr(text, ':') : NULL;

	if (colon == NULL || (size_t)(colon - text) >= sizeof(source))
		return -EINVAL;
	memcpy(source, text, (size_t)(colon - text));
	source[colon - text] = '\0';

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

int parse_exit_code(const char *text, int *code)
{
	unsigned long v;
	int err = parse_uint(text, 255, &v);

	if (err < 0)
		return err;
	*code = (int)v;
	return 0;
}

int parse_bool(const char *text, bool *value)
{
	static const char *const truths[] = {"1", "true", "yes", "on"};
	static const char *const lies[] = {"", "0", "false", "no", "off"};

	if (text == NULL)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		if (strcasecmp(text, truths[i]) == 0) {
			*value = true;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		if (strcasecmp(text, lies[i]) == 0) {
			*value = false;
			return 0;
		}
	}
	return -EINVAL;
}

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

int parse_send(const char *text, int *signo, uint64_t *at_ms)
{
	char sig[32];
	const char *at = text != NULL ? strrchr(text, '@') : NULL;

	if (at == NULL || (size_t)(at - text) >= sizeof(sig))
		return -EINVAL;
	memcpy(sig, text, (size_t)(at - text));
	sig[at - text] = '\0';

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
