/* Every check_*.c defines this suite; tests/check_main.c runs it. The
 * Makefile force-includes this header so the prototype exists once. It
 * includes nothing, so a test file's own feature macros (_GNU_SOURCE)
 * still come before the first system header; C11 allows the typedef to be
 * repeated by check.h. */
#ifndef REAPER_TESTS_SUITE_H
#define REAPER_TESTS_SUITE_H
typedef struct Suite Suite;
Suite *test_suite(void);
#endif
