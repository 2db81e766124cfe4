/*
 * fuzz_parse: libFuzzer target over the value parsers (src/parse.h,
 * signame.h, duration.h), the ones every option and REAPER_* variable goes through: parse_signal,
 * parse_rewrite, parse_duration_ms (and format_duration), parse_send,
 * parse_exit_code, parse_bool, parse_uint, parse_leading_long, signal_name
 * and signal_unforwardable_reason.
 *
 * Input: TEXT [NUL NUMBER]. TEXT (up to the first NUL) goes to every
 * parser; up to 8 bytes after it, little-endian, are a number for
 * parse_uint's max, format_duration and signal_name. Besides memory and
 * UB errors (the sanitizers), each call must keep its contract: only 0,
 * -EINVAL or -ERANGE; the value written only on success and in range; what
 * is printed parses back to the same value; and each parser agrees with a
 * plain reference built from the others or from libc.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "duration.h"
#include "parse.h"
#include "signame.h"

#define SENTINEL_INT (-77)
#define SENTINEL_U64 UINT64_C(0xa5a5a5a5a5a5a5a5)

static bool is_parse_error(int err)
{
	return err == -EINVAL || err == -ERANGE;
}

static bool all_digits(const char *text)
{
	if (*text == '\0')
		return false;
	for (const char *p = text; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* signal_name(signo) is short, and reads back as signo (with and without
 * SIG, in lower case too) when signo is a signal; otherwise it does not
 * parse as one. */
static void check_signal_name(int signo)
{
	char buf[SIGNAME_MAX + 8];
	char alt[SIGNAME_MAX + 8];
	int back = SENTINEL_INT;

	memset(buf, 0x5a, sizeof(buf));
	FUZZ_CHECK(signal_name(signo, buf) == buf);
	FUZZ_CHECK(memchr(buf, '\0', SIGNAME_MAX) != NULL);
	FUZZ_CHECK(buf[SIGNAME_MAX] == 0x5a);

	int err = parse_signal(buf, true, &back);
	if (signo < 0 || signo > SIGRTMAX) {
		FUZZ_CHECK(err != 0);
		return;
	}
	FUZZ_CHECK(err == 0 && back == signo);
	if (signo == 0 || all_digits(buf))
		return;
	snprintf(alt, sizeof(alt), "SIG%s", buf);
	back = SENTINEL_INT;
	FUZZ_CHECK(parse_signal(alt, false, &back) == 0 && back == signo);
	for (char *p = alt; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	back = SENTINEL_INT;
	FUZZ_CHECK(parse_signal(alt, false, &back) == 0 && back == signo);
}

static void check_signal(const char *text)
{
	int strict = SENTINEL_INT, lax = SENTINEL_INT;
	int e_strict = parse_signal(text, false, &strict);
	int e_lax = parse_signal(text, true, &lax);

	FUZZ_CHECK(e_strict == 0 || is_parse_error(e_strict));
	FUZZ_CHECK(e_lax == 0 || is_parse_error(e_lax));
	if (e_strict != 0)
		FUZZ_CHECK(strict == SENTINEL_INT);
	if (e_lax != 0)
		FUZZ_CHECK(lax == SENTINEL_INT && e_strict != 0);
	if (e_strict == 0) {
		FUZZ_CHECK(strict >= 1 && strict <= SIGRTMAX);
		FUZZ_CHECK(e_lax == 0 && lax == strict);
	}
	if (e_lax == 0) {
		FUZZ_CHECK(lax >= 0 && lax <= SIGRTMAX);
		FUZZ_CHECK(e_strict == 0 || lax == 0);
		check_signal_name(lax);
	}
}

/* Parse text[0, len) as a signal, the way a reference splitter would. */
static int signal_part(const char *text, size_t len, bool allow_zero, int *signo)
{
	char *part = fuzz_strndup((const uint8_t *)text, len);
	int err = parse_signal(part, allow_zero, signo);

	free(part);
	return err;
}

static void check_rewrite(const char *text)
{
	int from = SENTINEL_INT, to = SENTINEL_INT;
	int err = parse_rewrite(text, &from, &to);

	FUZZ_CHECK(err == 0 || is_parse_error(err));
	if (err != 0) {
		FUZZ_CHECK(from == SENTINEL_INT && to == SENTINEL_INT);
		return;
	}
	FUZZ_CHECK(signal_is_forwardable(from));
	FUZZ_CHECK(to >= 0 && to <= SIGRTMAX);

	/* FROM is what comes before the first ':', TO all that follows. */
	const char *colon = strchr(text, ':');
	int ref_from = SENTINEL_INT, ref_to = SENTINEL_INT;
	FUZZ_CHECK(colon != NULL);
	FUZZ_CHECK(signal_part(text, (size_t)(colon - text), false, &ref_from) == 0);
	FUZZ_CHECK(parse_signal(colon + 1, true, &ref_to) == 0);
	FUZZ_CHECK(ref_from == from && ref_to == to);
}

/* format_duration(ms) fits, and parses back to ms. */
static void check_duration_text(uint64_t ms)
{
	char buf[DURATION_TEXT_MAX + 8];
	uint64_t back = SENTINEL_U64;

	memset(buf, 0x5a, sizeof(buf));
	FUZZ_CHECK(format_duration(ms, buf) == buf);
	/* Shorter than the buffer: snprintf did not cut it. */
	FUZZ_CHECK(strlen(buf) < DURATION_TEXT_MAX - 1);
	FUZZ_CHECK(buf[DURATION_TEXT_MAX] == 0x5a);
	FUZZ_CHECK(parse_duration_ms(buf, &back) == 0);
	FUZZ_CHECK(back == ms);
}

static void check_duration(const char *text)
{
	uint64_t ms = SENTINEL_U64;
	int err = parse_duration_ms(text, &ms);

	FUZZ_CHECK(err == 0 || is_parse_error(err));
	if (err != 0) {
		FUZZ_CHECK(ms == SENTINEL_U64);
		return;
	}
	FUZZ_CHECK(text[0] >= '0' && text[0] <= '9');
	FUZZ_CHECK(ms <= DURATION_MAX_MS);
	check_duration_text(ms);

	/* Whole numbers with a unit scale exactly: "N" + unit is N * unit. */
	if (all_digits(text) && strlen(text) <= 12) {
		unsigned long long whole = strtoull(text, NULL, 10);
		FUZZ_CHECK(ms == whole * 1000);
	}
}

static void check_send(const char *text)
{
	int signo = SENTINEL_INT;
	uint64_t at_ms = SENTINEL_U64;
	int err = parse_send(text, &signo, &at_ms);

	FUZZ_CHECK(err == 0 || is_parse_error(err));
	if (err != 0) {
		FUZZ_CHECK(signo == SENTINEL_INT && at_ms == SENTINEL_U64);
		return;
	}
	FUZZ_CHECK(signo >= 1 && signo <= SIGRTMAX);
	FUZZ_CHECK(at_ms <= DURATION_MAX_MS);

	/* SIG is what comes before the last '@', DURATION all that follows. */
	const char *at = strrchr(text, '@');
	int ref_signo = SENTINEL_INT;
	uint64_t ref_ms = SENTINEL_U64;
	FUZZ_CHECK(at != NULL);
	FUZZ_CHECK(signal_part(text, (size_t)(at - text), false, &ref_signo) == 0);
	FUZZ_CHECK(parse_duration_ms(at + 1, &ref_ms) == 0);
	FUZZ_CHECK(ref_signo == signo && ref_ms == at_ms);
}

/* parse_uint against strtoull: same digits, same value, same verdict. Text
 * that is not a number may be either error: parse_uint stops at the first
 * digit past max ("9x" with max 5 is -ERANGE), as tests/unit allow. */
static void check_uint(const char *text, unsigned long max)
{
	unsigned long v = (unsigned long)SENTINEL_U64;
	int err = parse_uint(text, max, &v);

	FUZZ_CHECK(err == 0 || is_parse_error(err));
	if (!all_digits(text)) {
		FUZZ_CHECK(err != 0);
		FUZZ_CHECK(v == (unsigned long)SENTINEL_U64);
		return;
	}
	errno = 0;
	unsigned long long ref = strtoull(text, NULL, 10);
	bool too_big = errno == ERANGE || ref > max;
	if (too_big) {
		FUZZ_CHECK(err == -ERANGE);
		FUZZ_CHECK(v == (unsigned long)SENTINEL_U64);
	} else {
		FUZZ_CHECK(err == 0);
		FUZZ_CHECK(v == ref);
	}
}

static void check_exit_code(const char *text)
{
	int code = SENTINEL_INT;
	int err = parse_exit_code(text, &code);
	unsigned long ref = 0;

	FUZZ_CHECK(err == 0 || is_parse_error(err));
	FUZZ_CHECK((err == 0) == (parse_uint(text, 255, &ref) == 0));
	if (err != 0) {
		FUZZ_CHECK(code == SENTINEL_INT);
		return;
	}
	FUZZ_CHECK(code >= 0 && code <= 255 && (unsigned long)code == ref);
}

static void check_bool(const char *text)
{
	static const char *const truths[] = {"1", "true", "yes", "on"};
	static const char *const lies[] = {"", "0", "false", "no", "off"};
	bool value = true, ref_value = false;
	int ref = -EINVAL;

	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++)
		if (strcasecmp(text, truths[i]) == 0) {
			ref = 0;
			ref_value = true;
		}
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++)
		if (strcasecmp(text, lies[i]) == 0) {
			ref = 0;
			ref_value = false;
		}

	/* A failed call leaves the value alone, whichever it was. */
	FUZZ_CHECK(parse_bool(text, &value) == ref);
	FUZZ_CHECK(value == (ref == 0 ? ref_value : true));
	value = false;
	FUZZ_CHECK(parse_bool(text, &value) == ref);
	FUZZ_CHECK(value == (ref == 0 ? ref_value : false));
}

/* parse_leading_long is atoi without its overflow: strtol in base 10. */
static void check_leading_long(const char *text)
{
	FUZZ_CHECK(parse_leading_long(text) == strtol(text, NULL, 10));
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Once per process: every signal number round-trips through its name, and
 * the edges of the duration range print and read back. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int signo = -2; signo <= SIGRTMAX + 2; signo++) {
		check_signal_name(signo);
		/* A refusal reason exactly for what --rewrite refuses. */
		FUZZ_CHECK((signal_unforwardable_reason(signo) == NULL) ==
			   signal_is_forwardable(signo));
	}
	check_signal_name(INT32_MIN);
	check_signal_name(INT32_MAX);
	for (uint64_t ms = 0; ms <= 2000; ms++)
		check_duration_text(ms);
	check_duration_text(DURATION_MAX_MS);
	check_duration_text(DURATION_MAX_MS - 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *start = data;
	size_t len = fuzz_next_piece(&data, &size);
	char *text = fuzz_strndup(start, len);
	uint64_t number = 0;

	for (size_t i = 0; i < size && i < 8; i++)
		number |= (uint64_t)data[i] << (8 * i);

	check_signal(text);
	check_rewrite(text);
	check_duration(text);
	check_send(text);
	check_exit_code(text);
	check_bool(text);
	check_leading_long(text);
	check_uint(text, (unsigned long)number);
	check_uint(text, (unsigned long)(number % 1000));
	check_uint(text, (unsigned long)-1);
	check_signal_name((int)(uint32_t)number);
	check_duration_text(number % (DURATION_MAX_MS + 1));

	free(text);
	return 0;
}
