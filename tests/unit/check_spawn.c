/*
 * check_spawn: src/spawn.h's pure part, spawn_not_found_hint: which failed
 * commands get the hint about options after the image name (issue 18).
 * Starting children is tested for real by the integration suites.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "spawn.h"

static const struct {
	const char *name;
	int err;
	bool hint;
} cases[] = {
	{ "--help", ENOENT, true },      { "-u", ENOENT, true },
	{ "--user=app", ENOENT, true },  { "-", ENOENT, true },
	{ "--help", EACCES, false },     { "-u", ENOEXEC, false },
	{ "app", ENOENT, false },        { "/bin/app", ENOENT, false },
	{ "./-x", ENOENT, false },       { "", ENOENT, false },
	{ "app--help", ENOENT, false },  { NULL, ENOENT, false },
};

START_TEST(test_not_found_hint)
{
	const char *hint = spawn_not_found_hint(cases[_i].name, cases[_i].err);
	ck_assert_ptr_nonnull(hint);
	if (!cases[_i].hint) {
		ck_assert_str_eq(hint, "");
		return;
	}
	/* One sentence on the same line, naming both ways out. */
	ck_assert_msg(hint[0] == ' ', "the hint follows the error: '%s'", hint);
	ck_assert_ptr_null(strchr(hint, '\n'));
	ck_assert_ptr_nonnull(strstr(hint, "REAPER_"));
	ck_assert_ptr_nonnull(strstr(hint, "--entrypoint"));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("not_found_hint");
	tcase_add_loop_test(tc, test_not_found_hint, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_set_timeout(tc, 5);
	suite_add_tcase(s, tc);
	return s;
}
