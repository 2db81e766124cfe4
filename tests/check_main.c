/*
 * The runner shared by every test binary: each check_<name>.c defines
 * test_suite() and links with this file. CK_FORK, CK_VERBOSITY and
 * CK_DEFAULT_TIMEOUT from the environment work as Check documents.
 */
#include <check.h>
#include <stdlib.h>

Suite *test_suite(void);

int main(void)
{
	SRunner *runner = srunner_create(test_suite());
	srunner_run_all(runner, CK_ENV);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
