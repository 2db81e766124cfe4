/*
 * check_duration: parse_duration_ms and format_duration of src/duration.h.
 * Units ms, s, m, h, or none for seconds; a fraction is cut to whole
 * milliseconds; at most DURATION_MAX_MS (-ERANGE beyond), negatives and
 * anything malformed -EINVAL, the output untouched on failure. What
 * format_duration writes, parse_duration_ms must read back to the same ms.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "unit_util.h"

#define SENTINEL ((uint64_t)0xdeadbeefcafeULL)

/* ---- parse_duration_ms: accepted --------------------------------------- */

static const struct { const char *text; uint64_t ms; } parse_ok[] = {
	{ "250ms", 250 },             { "10s", 10000 },
	{ "1.5s", 1500 },             { "2m", 120000 },
	{ "1h", 3600000 },            { "30", 30000 },
	{ "0.5", 500 },               { "0", 0 },
	{ "1.0005s", 1000 },          { "0.25ms", 0 },
	{ "0ms", 0 },                 { "0s", 0 },
	{ "0m", 0 },                  { "0h", 0 },
	{ "1ms", 1 },                 { "999ms", 999 },
	{ "1.999ms", 1 },             { "0.001s", 1 },
	{ "0.0009s", 0 },             { "0.001", 1 },
	{ "1.0009", 1000 },           { "1.123456789123s", 1123 },
	{ "1.5m", 90000 },            { "0.5h", 1800000 },
	{ "0.001h", 3600 },           { "007s", 7000 },
	{ "3s", 3000 },               { "90m", 5400000 },
	{ "1000ms", 1000 },           { "24h", 86400000 },
	/* The edge: 2^40 ms, however it is written. */
	{ "1099511627776ms", DURATION_MAX_MS },
	{ "1099511627776.9ms", DURATION_MAX_MS },
	{ "1099511627.776s", DURATION_MAX_MS },
	{ "1099511627.7769", DURATION_MAX_MS },
	{ "18325193m", 18325193ULL * 60000 },
	{ "305419h", 305419ULL * 3600000 },
};

START_TEST(test_parse_ok)
{
	uint64_t ms = SENTINEL;
	const char *text = parse_ok[_i].text;
	int rc = parse_duration_ms(text, &ms);

	ck_assert_msg(rc == 0, "\"%s\": rc %d", text, rc);
	ck_assert_msg(ms == parse_ok[_i].ms, "\"%s\": %" PRIu64 " ms, want %" PRIu64,
		      text, ms, parse_ok[_i].ms);
}
END_TEST

/* ---- parse_duration_ms: rejected --------------------------------------- */

static const struct { const char *text; int rc; } parse_bad[] = {
	{ "", -EINVAL },        { "abc", -EINVAL },     { "-1", -EINVAL },
	{ "-0", -EINVAL },      { "-1s", -EINVAL },     { "+1", -EINVAL },
	{ "1.", -EINVAL },      { "1.s", -EINVAL },     { ".5", -EINVAL },
	{ ".5s", -EINVAL },     { "1x", -EINVAL },      { "1 s", -EINVAL },
	{ " 1", -EINVAL },      { "1 ", -EINVAL },      { "1s ", -EINVAL },
	{ "s", -EINVAL },       { "ms", -EINVAL },      { "1.5.5", -EINVAL },
	{ "1ss", -EINVAL },     { "1mss", -EINVAL },    { "1sec", -EINVAL },
	{ "1d", -EINVAL },      { "0x10", -EINVAL },    { "1e3", -EINVAL },
	{ "1,5s", -EINVAL },    { "1s1", -EINVAL },     { "1h30", -EINVAL },
	{ "99999999999999999999", -ERANGE },
	{ "99999999999999999999ms", -ERANGE },
	{ "99999999999999999999999999999999999999h", -ERANGE },
	{ "1099511627777ms", -ERANGE },
	{ "1099511627777", -ERANGE },
	{ "1099511627776", -ERANGE },
	{ "1099511627.777s", -ERANGE },
	{ "18325194m", -ERANGE },
	{ "305420h", -ERANGE },
	{ "5124095576031h", -ERANGE },   /* * 3600000 wraps past 2^64 to 2048384 */
	{ "18446744073709551616ms", -ERANGE }, /* 2^64: wraps to 0 */
};

START_TEST(test_parse_bad)
{
	uint64_t ms = SENTINEL;
	const char *text = parse_bad[_i].text;
	int rc = parse_duration_ms(text, &ms);

	ck_assert_msg(rc == parse_bad[_i].rc, "\"%s\": rc %d, want %d", text, rc, parse_bad[_i].rc);
	ck_assert_msg(ms == SENTINEL, "\"%s\": written on failure (%" PRIu64 ")", text, ms);
}
END_TEST

/* ---- format_duration --------------------------------------------------- */

static const struct { uint64_t ms; const char *text; } formats[] = {
	{ 250, "250ms" },          { 3000, "3s" },           { 1500, "1.5s" },
	{ 1005, "1.005s" },        { 120000, "2m" },         { 3600000, "1h" },
	{ 5400000, "90m" },         { 61000, "61s" },         { 0, "0ms" },
	{ 1, "1ms" },              { 999, "999ms" },         { 1000, "1s" },
	{ 1010, "1.01s" },         { 1100, "1.1s" },         { 59999, "59.999s" },
	{ 60000, "1m" },           { 3660000, "61m" },       { 86400000, "24h" },
	{ 90000000, "25h" },       { 7140000, "119m" },      { 3601000, "3601s" },
	{ DURATION_MAX_MS, "1099511627.776s" },
};

START_TEST(test_format)
{
	char buf[DURATION_TEXT_MAX];

	memset(buf, 'x', sizeof buf);
	const char *got = format_duration(formats[_i].ms, buf);
	ck_assert_ptr_eq(got, buf);
	ck_assert_msg(memchr(buf, '\0', sizeof buf) != NULL, "%" PRIu64 ": unterminated",
		      formats[_i].ms);
	ck_assert_str_eq(got, formats[_i].text);
}
END_TEST

/* Beyond what parse accepts, format still stays inside its buffer. */
START_TEST(test_format_huge)
{
	static const uint64_t values[] = { UINT64_MAX, UINT64_MAX - 999, UINT64_MAX / 60000 * 60000,
					   UINT64_MAX / 3600000 * 3600000, DURATION_MAX_MS * 1000 };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char buf[DURATION_TEXT_MAX + 8];
		memset(buf, 'x', sizeof buf);
		format_duration(values[i], buf);
		ck_assert_msg(memchr(buf, '\0', DURATION_TEXT_MAX) != NULL, "%" PRIu64 ": unterminated",
			      values[i]);
		ck_assert_msg(buf[0] >= '1' && buf[0] <= '9', "%" PRIu64 ": \"%s\"", values[i], buf);
		for (size_t k = DURATION_TEXT_MAX; k < sizeof buf; k++)
			ck_assert_msg(buf[k] == 'x', "%" PRIu64 ": wrote past the buffer", values[i]);
	}
}
END_TEST

/* ---- parse(format(ms)) == ms ------------------------------------------- */

static void assert_round_trip(uint64_t ms)
{
	char buf[DURATION_TEXT_MAX];
	uint64_t back = SENTINEL;
	const char *text = format_duration(ms, buf);
	int rc = parse_duration_ms(text, &back);

	ck_assert_msg(rc == 0 && back == ms, "%" PRIu64 " -> \"%s\" -> rc %d, %" PRIu64,
		      ms, text, rc, back);
}

static const uint64_t round_trips[] = {
	0, 1, 9, 10, 99, 100, 250, 999, 1000, 1001, 1005, 1010, 1500, 3000, 59999, 60000,
	61000, 90000, 120000, 3599999, 3600000, 3600001, 7200000, 86400000, 90061001,
	DURATION_MAX_MS - 1, DURATION_MAX_MS,
	/* Whole minutes past an hour, which format writes in minutes ("90m"). */
	3660000, 5400000, 7140000, 90060000,
};

START_TEST(test_round_trip)
{
	assert_round_trip(round_trips[_i]);
}
END_TEST

/* A sweep: every ms below 2 minutes, each whole minute up to 48 hours and
 * one just off it, then growing steps to the maximum. Failures are counted
 * so that the message shows how many and the first. */
struct sweep {
	uint64_t tried, failed, first;
	char first_text[DURATION_TEXT_MAX];
};

static void sweep_one(struct sweep *sw, uint64_t ms)
{
	char buf[DURATION_TEXT_MAX];
	uint64_t back = SENTINEL;
	const char *text = format_duration(ms, buf);

	sw->tried++;
	if ((parse_duration_ms(text, &back) != 0 || back != ms) && sw->failed++ == 0) {
		sw->first = ms;
		snprintf(sw->first_text, sizeof sw->first_text, "%s", text);
	}
}

START_TEST(test_round_trip_sweep)
{
	struct sweep sw = { 0, 0, 0, "" };

	for (uint64_t ms = 0; ms < 120000; ms++)
		sweep_one(&sw, ms);
	for (uint64_t min = 2; min <= 48 * 60; min++) {
		sweep_one(&sw, min * 60000);
		sweep_one(&sw, min * 60000 + 1234);
	}
	for (uint64_t ms = 48 * 3600000ULL; ms < DURATION_MAX_MS; ms = ms * 3 / 2 + 7)
		sweep_one(&sw, ms);
	sweep_one(&sw, DURATION_MAX_MS);
	ck_assert_msg(sw.failed == 0, "%" PRIu64 " of %" PRIu64 " values do not round-trip; "
		      "first %" PRIu64 " -> \"%s\"", sw.failed, sw.tried, sw.first, sw.first_text);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("duration");
	TCase *tc = unit_tcase(s, "parse_duration_ms", 10);
	tcase_add_loop_test(tc, test_parse_ok, 0, N(parse_ok));
	tcase_add_loop_test(tc, test_parse_bad, 0, N(parse_bad));

	tc = unit_tcase(s, "format_duration", 10);
	tcase_add_loop_test(tc, test_format, 0, N(formats));
	tcase_add_test(tc, test_format_huge);

	tc = unit_tcase(s, "round_trip", 10);
	tcase_add_loop_test(tc, test_round_trip, 0, N(round_trips));
	tcase_add_test(tc, test_round_trip_sweep);
	return s;
}
