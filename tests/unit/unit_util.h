/*
 * unit_util: what every unit suite's test_suite() repeats: the row count
 * of a table for tcase_add_loop_test, and a test case that has its
 * timeout set and is already added to the suite. Header-only (static
 * inline), so each suite stays one file linked with the module it tests.
 */
#ifndef REAPER_UNIT_UTIL_H
#define REAPER_UNIT_UTIL_H

#include <check.h>

/* Rows in a table (an array, never a pointer). */
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A new test case called name with a timeout of timeout_s seconds, added
 * to s; the suite owns it. */
static inline TCase *unit_tcase(Suite *s, const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, timeout_s);
	suite_add_tcase(s, tc);
	return tc;
}

#endif
