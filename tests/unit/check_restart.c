/*
 * check_restart: src/restart.h. The pure decision behind --restart,
 * --restart-max and --restart-delay: which policy restarts which run, that
 * a stop request (a stop signal, --timeout) always wins, the --restart-max
 * cap, and the back-off: the start delay, doubling, capped at 32 times it,
 * started over by a run that lasted at least that long.
 */
#include <check.h>
#include <stdint.h>

#include "config.h"
#include "restart.h"
#include "unit_util.h"

#define NO RESTART_NO
#define ONF RESTART_ON_FAILURE
#define ALW RESTART_ALWAYS
#define INF RESTART_UNLIMITED

static const struct {
	struct restart_facts in;
	enum restart_verdict verdict;
	uint64_t delay_ms;
	unsigned streak;
} rows[] = {
	/* policy, max, restarts, code, stop, delay, streak, ran_ms */
	{ { NO, INF, 0, 1, false, 1000, 0, 0 }, RESTART_NOT_ASKED, 0, 0 },
	{ { NO, INF, 0, 0, false, 1000, 0, 0 }, RESTART_NOT_ASKED, 0, 0 },
	{ { ONF, INF, 0, 0, false, 1000, 0, 0 }, RESTART_SUCCEEDED, 0, 0 },
	{ { ONF, INF, 0, 1, false, 1000, 0, 0 }, RESTART_AGAIN, 1000, 1 },
	{ { ONF, INF, 0, 143, false, 1000, 0, 0 }, RESTART_AGAIN, 1000, 1 },
	{ { ALW, INF, 0, 0, false, 1000, 0, 0 }, RESTART_AGAIN, 1000, 1 },
	{ { ALW, INF, 0, 3, false, 1000, 0, 0 }, RESTART_AGAIN, 1000, 1 },
	/* told to stop: never, whatever else holds */
	{ { ALW, INF, 0, 0, true, 1000, 0, 0 }, RESTART_TOLD_TO_STOP, 0, 0 },
	{ { ONF, INF, 0, 143, true, 1000, 0, 0 }, RESTART_TOLD_TO_STOP, 0, 0 },
	{ { ONF, 0, 0, 1, true, 1000, 0, 0 }, RESTART_TOLD_TO_STOP, 0, 0 },
	/* --restart-max N: N restarts, then no more */
	{ { ONF, 0, 0, 1, false, 1000, 0, 0 }, RESTART_MAX_REACHED, 0, 0 },
	{ { ONF, 3, 2, 1, false, 1000, 2, 0 }, RESTART_AGAIN, 4000, 3 },
	{ { ONF, 3, 3, 1, false, 1000, 3, 0 }, RESTART_MAX_REACHED, 0, 3 },
	{ { ALW, 1, 1, 0, false, 1000, 1, 0 }, RESTART_MAX_REACHED, 0, 1 },
	/* success under on-failure ends even below the cap */
	{ { ONF, 3, 1, 0, false, 1000, 1, 0 }, RESTART_SUCCEEDED, 0, 1 },
	/* back-off: doubling from the start delay, capped at 32 times it */
	{ { ALW, INF, 1, 1, false, 1000, 1, 10 }, RESTART_AGAIN, 2000, 2 },
	{ { ALW, INF, 4, 1, false, 1000, 4, 10 }, RESTART_AGAIN, 16000, 5 },
	{ { ALW, INF, 5, 1, false, 1000, 5, 10 }, RESTART_AGAIN, 32000, 6 },
	{ { ALW, INF, 9, 1, false, 1000, 9, 10 }, RESTART_AGAIN, 32000, 10 },
	{ { ALW, INF, 9, 1, false, 1000, 9, 31999 }, RESTART_AGAIN, 32000, 10 },
	/* a run as long as the cap starts the doubling over */
	{ { ALW, INF, 9, 1, false, 1000, 9, 32000 }, RESTART_AGAIN, 1000, 1 },
	{ { ALW, INF, 2, 1, false, 100, 2, 3200 }, RESTART_AGAIN, 100, 1 },
	{ { ALW, INF, 2, 1, false, 100, 2, 3199 }, RESTART_AGAIN, 400, 3 },
	/* no delay: no back-off at all */
	{ { ALW, INF, 7, 1, false, 0, 7, 0 }, RESTART_AGAIN, 0, 1 },
	/* the longest delay the parser gives: the cap does not overflow */
	{ { ALW, INF, 9, 1, false, (uint64_t)1 << 40, 9, 0 }, RESTART_AGAIN, (uint64_t)1 << 45, 10 },
};

START_TEST(test_decide)
{
	struct restart_decision d = restart_decide(&rows[_i].in);

	ck_assert_int_eq(d.verdict, rows[_i].verdict);
	ck_assert_uint_eq(d.delay_ms, rows[_i].delay_ms);
	ck_assert_uint_eq(d.streak, rows[_i].streak);
}
END_TEST

START_TEST(test_cap)
{
	ck_assert_uint_eq(restart_cap_ms(1000), 32000);
	ck_assert_uint_eq(restart_cap_ms(0), 0);
	ck_assert_uint_eq(restart_cap_ms(250), 8000);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("restart");
	TCase *tc = unit_tcase(s, "decide", 5);
	tcase_add_loop_test(tc, test_decide, 0, N(rows));
	tcase_add_test(tc, test_cap);
	return s;
}
