/*
 * check_clock: clock_wait_ms of src/clock.h, the poll timeout that stands
 * in for the deadline timer when reaper has no descriptor for a timerfd
 * (issue 15). It rounds up, so a wait never ends before the deadline; it
 * is 0 once the deadline has passed (the timer "fired"), and never more
 * than a poll timeout can hold.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>

#include "clock.h"
#include "unit_util.h"

#define MS 1000000ULL /* ns */

static const struct {
	uint64_t at_ms;
	uint64_t now_ns;
	int want;
} waits[] = {
	{ 1000, 1000 * MS, 0 },           /* exactly due */
	{ 1000, 1000 * MS + 1, 0 },       /* just past */
	{ 1000, 5000 * MS, 0 },           /* long past */
	{ 1000, 1000 * MS - 1, 1 },       /* 1 ns early: wait a whole ms */
	{ 1000, 999 * MS, 1 },
	{ 1000, 999 * MS + 1, 1 },
	{ 1000, 998 * MS + 1, 2 },        /* 1.999999 ms: rounded up */
	{ 1300, 1000 * MS, 300 },         /* --grace 300ms */
	{ 1300, 1000 * MS + 500000, 300 },
	{ 1, 0, 1 },
	{ 0, 0, 0 },
	{ UINT64_C(1) << 40, 0, INT_MAX }, /* the longest duration: capped */
	{ (uint64_t)INT_MAX + 5, 5 * MS, INT_MAX },
	{ (uint64_t)INT_MAX + 5, 6 * MS, INT_MAX - 1 },
};

START_TEST(test_wait)
{
	int got = clock_wait_ms(waits[_i].at_ms, waits[_i].now_ns);

	ck_assert_msg(got == waits[_i].want, "at %llu ms, now %llu ns: %d, want %d",
		      (unsigned long long)waits[_i].at_ms, (unsigned long long)waits[_i].now_ns,
		      got, waits[_i].want);
}
END_TEST

/* Whatever now is, waiting the answer reaches the deadline, and one ms
 * less does not (unless the answer is 0: due). */
START_TEST(test_never_early)
{
	for (uint64_t now = 990 * MS; now <= 1001 * MS; now += 12345) {
		int w = clock_wait_ms(1000, now);
		ck_assert_msg(now + (uint64_t)w * MS >= 1000 * MS, "now %llu: %d ms is early",
			      (unsigned long long)now, w);
		if (w > 0)
			ck_assert_msg(now + (uint64_t)(w - 1) * MS < 1000 * MS,
				      "now %llu: %d ms is a whole ms late", (unsigned long long)now,
				      w);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = unit_tcase(s, "clock_wait_ms", 10);
	tcase_add_loop_test(tc, test_wait, 0, N(waits));
	tcase_add_test(tc, test_never_early);
	return s;
}
