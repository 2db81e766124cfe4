/*
 * check_parse: the pure parsers of src/parse.h and src/signame.h. Signal
 * names and numbers (real-time ones relative to SIGRTMIN/SIGRTMAX, which
 * glibc decides at run time), signal_name and its round trip, which signals are forwarded,
 * SIG:SIG rewrite rules, exit codes, booleans, bounded counts and the
 * case-blind prefix and word tests.
 *
 * Every parser must return 0 or a negative errno and leave its output
 * untouched on failure: each case presets the output to a sentinel.
 */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "signame.h"
#include "unit_util.h"

#define SENTINEL (-4242)
#define ANY_ERR 1 /* expected error: -EINVAL or -ERANGE, either is right */

/* A signal number: absolute, or an offset from SIGRTMIN / SIGRTMAX. */
enum sig_base { ABS, RTMIN, RTMAX };

static int sig_value(enum sig_base base, int off)
{
	return off + (base == RTMIN ? SIGRTMIN : base == RTMAX ? SIGRTMAX : 0);
}

/* -EINVAL or -ERANGE exactly, or ANY_ERR: one of the two. */
static void assert_err(const char *text, int got, int want)
{
	if (want == ANY_ERR)
		ck_assert_msg(got == -EINVAL || got == -ERANGE,
			      "\"%s\": got %d, want -EINVAL or -ERANGE", text, got);
	else
		ck_assert_msg(got == want, "\"%s\": got %d, want %d", text, got, want);
}

/* ---- parse_signal ------------------------------------------------------ */

static const struct { const char *text; enum sig_base base; int off; } signal_ok[] = {
	{ "TERM", ABS, SIGTERM },      { "SIGTERM", ABS, SIGTERM },
	{ "sigterm", ABS, SIGTERM },   { "Term", ABS, SIGTERM },
	{ "15", ABS, 15 },             { "1", ABS, 1 },
	{ "KILL", ABS, SIGKILL },      { "HUP", ABS, SIGHUP },
	{ "USR1", ABS, SIGUSR1 },      { "SIGWINCH", ABS, SIGWINCH },
	{ "CHLD", ABS, SIGCHLD },      { "CLD", ABS, SIGCHLD },
	{ "SIGCLD", ABS, SIGCHLD },    { "IOT", ABS, SIGABRT },
	{ "POLL", ABS, SIGIO },        { "IO", ABS, SIGIO },
	{ "RTMIN", RTMIN, 0 },         { "RTMIN+3", RTMIN, 3 },
	{ "rtmin+3", RTMIN, 3 },       { "SIGRTMIN+1", RTMIN, 1 },
	{ "rtmax", RTMAX, 0 },         { "SIGRTMAX", RTMAX, 0 },
	{ "RTMAX-2", RTMAX, -2 },      { "SIGRTMAX-1", RTMAX, -1 },
};

START_TEST(test_parse_signal_ok)
{
	int want = sig_value(signal_ok[_i].base, signal_ok[_i].off);
	const char *text = signal_ok[_i].text;
	int got = SENTINEL;
	int rc = parse_signal(text, false, &got);
	ck_assert_msg(rc == 0, "\"%s\": rc %d", text, rc);
	ck_assert_msg(got == want, "\"%s\": got %d, want %d", text, got, want);

	got = SENTINEL;
	rc = parse_signal(text, true, &got);
	ck_assert_msg(rc == 0 && got == want, "\"%s\" allow_zero: rc %d, got %d", text, rc, got);
}
END_TEST

static const struct { const char *text; bool allow_zero; int err; } signal_bad[] = {
	{ "", false, -EINVAL },        { "", true, -EINVAL },
	{ "0", false, ANY_ERR },       { "65", false, -ERANGE },
	{ "65", true, -ERANGE },       { "-1", false, ANY_ERR },
	{ "-1", true, ANY_ERR },       { "15x", false, -EINVAL },
	{ " 15", false, -EINVAL },     { "15 ", false, -EINVAL },
	{ "SIG", false, -EINVAL },     { "SIGFOO", false, -EINVAL },
	{ "FOO", false, -EINVAL },     { "SIGSIGTERM", false, -EINVAL },
	{ "TERM ", false, -EINVAL },   { "RTMIN+99", false, ANY_ERR },
	{ "RTMAX+1", false, ANY_ERR }, { "RTMIN-1", false, ANY_ERR },
	{ "RTMIN+", false, -EINVAL },  { "RTMIN+x", false, -EINVAL },
	{ "99999999999999999999", false, ANY_ERR },
	{ "99999999999999999999", true, ANY_ERR },
};

START_TEST(test_parse_signal_bad)
{
	int got = SENTINEL;
	int rc = parse_signal(signal_bad[_i].text, signal_bad[_i].allow_zero, &got);
	assert_err(signal_bad[_i].text, rc, signal_bad[_i].err);
	ck_assert_msg(got == SENTINEL, "\"%s\": value written on failure (%d)",
		      signal_bad[_i].text, got);
}
END_TEST

START_TEST(test_parse_signal_zero)
{
	int got = SENTINEL;
	ck_assert_int_eq(parse_signal("0", true, &got), 0);
	ck_assert_int_eq(got, 0);
	got = SENTINEL;
	ck_assert_int_lt(parse_signal("0", false, &got), 0);
	ck_assert_int_eq(got, SENTINEL);
}
END_TEST

/* The edges of the real-time range, which only exist at run time. */
START_TEST(test_parse_signal_rt_edges)
{
	int span = SIGRTMAX - SIGRTMIN;
	struct { const char *prefix; int arg, want; } rows[] = {
		{ "", SIGRTMAX, SIGRTMAX },       { "", SIGRTMAX + 1, -ERANGE },
		{ "RTMIN+", span, SIGRTMAX },   { "RTMAX-", span, SIGRTMIN },
		{ "RTMIN+", span + 1, -1 },     { "RTMAX-", span + 1, -1 },
	};
	for (int i = 0; i < 6; i++) {
		char text[32];
		int got = SENTINEL;
		snprintf(text, sizeof text, "%s%d", rows[i].prefix, rows[i].arg);
		int rc = parse_signal(text, false, &got);
		if (rows[i].want > 0)
			ck_assert_msg(rc == 0 && got == rows[i].want, "\"%s\": rc %d, got %d",
				      text, rc, got);
		else
			ck_assert_msg((rows[i].want == -1 ? rc < 0 : rc == rows[i].want)
				      && got == SENTINEL, "\"%s\": rc %d, got %d", text, rc, got);
	}
}
END_TEST

/* ---- signal_name ------------------------------------------------------- */

static const struct { enum sig_base base; int off; const char *name; } names[] = {
	{ ABS, SIGHUP, "HUP" },     { ABS, SIGINT, "INT" },
	{ ABS, SIGQUIT, "QUIT" },   { ABS, SIGKILL, "KILL" },
	{ ABS, SIGUSR1, "USR1" },   { ABS, SIGSEGV, "SEGV" },
	{ ABS, SIGTERM, "TERM" },   { ABS, SIGCHLD, "CHLD" },
	{ ABS, SIGABRT, "ABRT" },   { ABS, SIGIO, "IO" },
	{ ABS, SIGWINCH, "WINCH" }, { ABS, SIGSYS, "SYS" },
	{ RTMIN, 0, "RTMIN" },      { RTMIN, 3, "RTMIN+3" },
	{ ABS, 0, "0" },            { ABS, 200, "200" },
	{ ABS, -1, "-1" },
};

START_TEST(test_signal_name)
{
	char buf[SIGNAME_MAX];
	memset(buf, 'x', sizeof buf);
	int signo = sig_value(names[_i].base, names[_i].off);
	const char *got = signal_name(signo, buf);
	ck_assert_ptr_eq(got, buf);
	ck_assert_msg(memchr(buf, '\0', sizeof buf) != NULL, "%d: not terminated", signo);
	ck_assert_str_eq(got, names[_i].name);
}
END_TEST

/* Every signal's name parses back to it, in upper and lower case. */
START_TEST(test_signal_name_round_trip)
{
	for (int signo = 1; signo <= SIGRTMAX; signo++) {
		char buf[SIGNAME_MAX], lower[SIGNAME_MAX];
		memset(buf, 'x', sizeof buf);
		const char *name = signal_name(signo, buf);
		ck_assert_msg(memchr(buf, '\0', sizeof buf) != NULL, "%d: not terminated", signo);
		ck_assert_msg(strncmp(name, "SIG", 3) != 0, "%d: \"%s\" has the prefix", signo, name);
		int got = SENTINEL;
		int rc = parse_signal(name, false, &got);
		ck_assert_msg(rc == 0 && got == signo, "%d -> \"%s\" -> rc %d, %d",
			      signo, name, rc, got);
		size_t i;
		for (i = 0; name[i] != '\0'; i++)
			lower[i] = (char)tolower((unsigned char)name[i]);
		lower[i] = '\0';
		got = SENTINEL;
		rc = parse_signal(lower, false, &got);
		ck_assert_msg(rc == 0 && got == signo, "%d -> \"%s\" -> rc %d, %d",
			      signo, lower, rc, got);
	}
}
END_TEST

/* ---- signal_is_forwardable --------------------------------------------- */

static const struct { enum sig_base base; int off; bool forwarded; } forwardable[] = {
	{ ABS, SIGTERM, true },  { ABS, SIGINT, true },   { ABS, SIGHUP, true },
	{ ABS, SIGQUIT, true },  { ABS, SIGUSR1, true },  { ABS, SIGUSR2, true },
	{ ABS, SIGWINCH, true }, { ABS, SIGCONT, true },  { ABS, SIGTSTP, true },
	{ ABS, SIGTTIN, true },  { ABS, SIGTTOU, true },  { ABS, SIGPIPE, true },
	{ ABS, SIGALRM, true },  { RTMIN, 0, true },      { RTMIN, 1, true },
	{ RTMAX, -1, true },     { RTMAX, 0, true },      { ABS, SIGCHLD, false },
	{ ABS, SIGKILL, false }, { ABS, SIGSTOP, false }, { ABS, 0, false },
	{ ABS, -1, false },      { RTMAX, 1, false },
	/* The faults, when a process sends them, are forwarded (issue 15). */
	{ ABS, SIGSEGV, true },  { ABS, SIGBUS, true },   { ABS, SIGILL, true },
	{ ABS, SIGFPE, true },   { ABS, SIGTRAP, true },  { ABS, SIGSYS, true },
};

START_TEST(test_signal_is_forwardable)
{
	int signo = sig_value(forwardable[_i].base, forwardable[_i].off);
	ck_assert_msg(signal_is_forwardable(signo) == forwardable[_i].forwarded,
		      "signal %d: want %s", signo, forwardable[_i].forwarded ? "true" : "false");
}
END_TEST

/* The reason is there exactly when the signal is not forwarded, and names
 * why for the three a user can name. */
static const struct { int signo; const char *reason; } reasons[] = {
	{ SIGKILL, "KILL cannot be caught, so reaper never receives it" },
	{ SIGSTOP, "STOP cannot be caught, so reaper never receives it" },
	{ SIGCHLD, "reaper handles CHLD itself: it reaps" },
	{ 0, "no such signal" },
	{ SIGTERM, NULL },
	{ SIGSEGV, NULL },
};

START_TEST(test_signal_unforwardable_reason)
{
	const char *got = signal_unforwardable_reason(reasons[_i].signo);
	if (reasons[_i].reason == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, reasons[_i].reason);
}
END_TEST

START_TEST(test_reason_matches_forwardable)
{
	for (int signo = -1; signo <= SIGRTMAX + 1; signo++)
		ck_assert_msg((signal_unforwardable_reason(signo) == NULL) ==
				      signal_is_forwardable(signo),
			      "signal %d", signo);
}
END_TEST

/* ---- parse_rewrite ----------------------------------------------------- */

static const struct { const char *text; enum sig_base base; int from, to; } rewrite_ok[] = {
	{ "TERM:QUIT", ABS, SIGTERM, SIGQUIT },
	{ "15:3", ABS, 15, 3 },
	{ "term:0", ABS, SIGTERM, 0 },
	{ "SIGUSR1:SIGUSR2", ABS, SIGUSR1, SIGUSR2 },
	{ "INT:TERM", ABS, SIGINT, SIGTERM },
	{ "RTMIN+1:RTMIN+2", RTMIN, 1, 2 },
	/* Faults a process sends are forwarded, so they can be rewritten. */
	{ "SYS:HUP", ABS, SIGSYS, SIGHUP },
	{ "SEGV:TERM", ABS, SIGSEGV, SIGTERM },
	{ "HUP:BUS", ABS, SIGHUP, SIGBUS },
	{ "TRAP:0", ABS, SIGTRAP, 0 },
};

START_TEST(test_parse_rewrite_ok)
{
	int from = SENTINEL, to = SENTINEL;
	const char *text = rewrite_ok[_i].text;
	int rc = parse_rewrite(text, &from, &to);
	ck_assert_msg(rc == 0, "\"%s\": rc %d", text, rc);
	ck_assert_int_eq(from, sig_value(rewrite_ok[_i].base, rewrite_ok[_i].from));
	if (rewrite_ok[_i].to == 0)
		ck_assert_int_eq(to, 0);
	else
		ck_assert_int_eq(to, sig_value(rewrite_ok[_i].base, rewrite_ok[_i].to));
}
END_TEST

static const struct { const char *text; int err; } rewrite_bad[] = {
	{ "TERM", -EINVAL },      { "TERM:", -EINVAL },         { ":TERM", -EINVAL },
	{ ":", -EINVAL },         { "", -EINVAL },              { "TERM:QUIT:INT", -EINVAL },
	{ "KILL:TERM", -EINVAL }, { "STOP:TERM", -EINVAL },     { "CHLD:TERM", -EINVAL },
	{ "CLD:TERM", -EINVAL },  { "0:TERM", ANY_ERR },        { "TERM:FOO", -EINVAL },
	{ "FOO:TERM", -EINVAL },  { "TERM:65", ANY_ERR },       { "TERM :QUIT", -EINVAL },
};

START_TEST(test_parse_rewrite_bad)
{
	int from = SENTINEL, to = SENTINEL;
	int rc = parse_rewrite(rewrite_bad[_i].text, &from, &to);
	assert_err(rewrite_bad[_i].text, rc, rewrite_bad[_i].err);
	ck_assert_msg(from == SENTINEL && to == SENTINEL, "\"%s\": written on failure (%d, %d)",
		      rewrite_bad[_i].text, from, to);
}
END_TEST

/* ---- parse_exit_code --------------------------------------------------- */

static const struct { const char *text; int rc, code; } exit_codes[] = {
	{ "0", 0, 0 },         { "7", 0, 7 },             { "143", 0, 143 },
	{ "255", 0, 255 },     { "256", -ERANGE, 0 },     { "99999999999999999999", ANY_ERR, 0 },
	{ "-1", ANY_ERR, 0 },  { "", -EINVAL, 0 },        { "1x", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 }, { "x", -EINVAL, 0 },
};

START_TEST(test_parse_exit_code)
{
	int code = SENTINEL;
	int rc = parse_exit_code(exit_codes[_i].text, &code);
	if (exit_codes[_i].rc == 0) {
		ck_assert_msg(rc == 0, "\"%s\": rc %d", exit_codes[_i].text, rc);
		ck_assert_int_eq(code, exit_codes[_i].code);
	} else {
		assert_err(exit_codes[_i].text, rc, exit_codes[_i].rc);
		ck_assert_int_eq(code, SENTINEL);
	}
}
END_TEST

/* ---- parse_bool -------------------------------------------------------- */

static const struct { const char *text; int rc; bool value; } bools[] = {
	{ "1", 0, true },       { "0", 0, false },     { "true", 0, true },
	{ "false", 0, false },  { "yes", 0, true },    { "no", 0, false },
	{ "on", 0, true },      { "off", 0, false },   { "TRUE", 0, true },
	{ "False", 0, false },  { "YeS", 0, true },    { "NO", 0, false },
	{ "oN", 0, true },      { "OFF", 0, false },   { "", 0, false },
	{ "2", -EINVAL, false }, { "maybe", -EINVAL, false },
	{ "yess", -EINVAL, false }, { " 1", -EINVAL, false },
};

START_TEST(test_parse_bool)
{
	const char *text = bools[_i].text;
	/* Preset both ways: a parser that writes on failure, or writes a
	 * constant, is caught by one of the two. */
	for (int preset = 0; preset < 2; preset++) {
		bool value = preset;
		int rc = parse_bool(text, &value);
		ck_assert_msg(rc == bools[_i].rc, "\"%s\": rc %d", text, rc);
		bool want = bools[_i].rc == 0 ? bools[_i].value : (bool)preset;
		ck_assert_msg(value == want, "\"%s\" (preset %d): got %d", text, preset, value);
	}
}
END_TEST

/* ---- parse_uint -------------------------------------------------------- */

static const struct {
	const char *text; unsigned long max; int rc; unsigned long value;
} uints[] = {
	{ "0", 10, 0, 0 },            { "10", 10, 0, 10 },
	{ "7", 10, 0, 7 },            { "11", 10, -ERANGE, 0 },
	{ "0", 0, 0, 0 },             { "1", 0, -ERANGE, 0 },
	{ "5", 5, 0, 5 },             { "9", 5, -ERANGE, 0 },
	{ "4294967296", ULONG_MAX, 0, 4294967296UL },
	{ "99999999999999999999999", ULONG_MAX, -ERANGE, 0 },
	{ "-1", ULONG_MAX, -EINVAL, 0 }, { "+1", 10, -EINVAL, 0 },
	{ " 1", 10, -EINVAL, 0 },     { "1 ", 10, -EINVAL, 0 },
	{ "", 10, -EINVAL, 0 },       { "1x", 10, -EINVAL, 0 },
	{ "0x10", 100, -EINVAL, 0 },
};

static const struct {
	const char *text, *prefix;
	int skipped; /* bytes skipped, -1 for no match */
} prefixes[] = {
	{ "SIGTERM", "sig", 3 }, { "sigterm", "sig", 3 }, { "SiGtErM", "sig", 3 },
	{ "SIG", "sig", 3 },     { "SI", "sig", -1 },     { "", "sig", -1 },
	{ "TERM", "sig", -1 },   { "xsig", "sig", -1 },   { "anything", "", 0 },
	{ "RTMIN+3", "rtmin", 5 }, { "rtmax", "rtmin", -1 },
};

START_TEST(test_parse_skip_prefix)
{
	const char *text = prefixes[_i].text;
	const char *rest = parse_skip_prefix(text, prefixes[_i].prefix);

	if (prefixes[_i].skipped < 0)
		ck_assert_ptr_null(rest);
	else
		ck_assert_ptr_eq(rest, text + prefixes[_i].skipped);
}
END_TEST

START_TEST(test_parse_uint)
{
	unsigned long value = 4242;
	int rc = parse_uint(uints[_i].text, uints[_i].max, &value);
	ck_assert_msg(rc == uints[_i].rc, "\"%s\" max %lu: rc %d, want %d",
		      uints[_i].text, uints[_i].max, rc, uints[_i].rc);
	ck_assert_uint_eq(value, uints[_i].rc == 0 ? uints[_i].value : 4242);
}
END_TEST

START_TEST(test_parse_uint_ulong_max)
{
	char text[32];
	unsigned long value = 4242;
	snprintf(text, sizeof text, "%lu", ULONG_MAX);
	ck_assert_int_eq(parse_uint(text, ULONG_MAX, &value), 0);
	ck_assert_uint_eq(value, ULONG_MAX);
	value = 4242;
	ck_assert_int_eq(parse_uint(text, ULONG_MAX - 1, &value), -ERANGE);
	ck_assert_uint_eq(value, 4242);
}
END_TEST

/* ---- parse_leading_long: atoi as tini reads TINI_VERBOSITY ------------- */

static const struct { const char *text; long value; } leading[] = {
	{ "4", 4 },      { "10", 10 },    { "", 0 },       { "text", 0 },
	{ "-1", -1 },    { " 3", 3 },     { "\t\n+2", 2 }, { "4abc", 4 },
	{ "3 4", 3 },    { "-", 0 },      { "+", 0 },      { "--1", 0 },
	{ "0x10", 0 },   { "007", 7 },    { "-0", 0 },     { " - 1", 0 },
	{ "99999999999999999999999", LONG_MAX },
	{ "-99999999999999999999999", LONG_MIN },
};

START_TEST(test_parse_leading_long)
{
	ck_assert_msg(parse_leading_long(leading[_i].text) == leading[_i].value,
		      "\"%s\": %ld, want %ld", leading[_i].text,
		      parse_leading_long(leading[_i].text), leading[_i].value);
}
END_TEST

START_TEST(test_parse_leading_long_edges)
{
	char text[32];
	snprintf(text, sizeof text, "%ld", LONG_MAX);
	ck_assert(parse_leading_long(text) == LONG_MAX);
	snprintf(text, sizeof text, "%ld", LONG_MIN);
	ck_assert(parse_leading_long(text) == LONG_MIN);
	snprintf(text, sizeof text, "%ld", LONG_MAX - 1);
	ck_assert(parse_leading_long(text) == LONG_MAX - 1);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = unit_tcase(s, "parse_signal", 5);
	tcase_add_loop_test(tc, test_parse_signal_ok, 0, N(signal_ok));
	tcase_add_loop_test(tc, test_parse_signal_bad, 0, N(signal_bad));
	tcase_add_test(tc, test_parse_signal_zero);
	tcase_add_test(tc, test_parse_signal_rt_edges);

	tc = unit_tcase(s, "signal_name", 5);
	tcase_add_loop_test(tc, test_signal_name, 0, N(names));
	tcase_add_test(tc, test_signal_name_round_trip);

	tc = unit_tcase(s, "signal_is_forwardable", 5);
	tcase_add_loop_test(tc, test_signal_is_forwardable, 0, N(forwardable));
	tcase_add_loop_test(tc, test_signal_unforwardable_reason, 0, N(reasons));
	tcase_add_test(tc, test_reason_matches_forwardable);
	tcase_add_loop_test(tc, test_parse_skip_prefix, 0, N(prefixes));

	tc = unit_tcase(s, "parse_rewrite", 5);
	tcase_add_loop_test(tc, test_parse_rewrite_ok, 0, N(rewrite_ok));
	tcase_add_loop_test(tc, test_parse_rewrite_bad, 0, N(rewrite_bad));

	tc = unit_tcase(s, "values", 5);
	tcase_add_loop_test(tc, test_parse_exit_code, 0, N(exit_codes));
	tcase_add_loop_test(tc, test_parse_bool, 0, N(bools));
	tcase_add_loop_test(tc, test_parse_uint, 0, N(uints));
	tcase_add_test(tc, test_parse_uint_ulong_max);
	tcase_add_loop_test(tc, test_parse_leading_long, 0, N(leading));
	tcase_add_test(tc, test_parse_leading_long_edges);
	return s;
}
