/*
 * check_emulated: reaper run by qemu-user (qemu-ARCH-static, ARCH this
 * machine's), as an image for another architecture is run under
 * emulation. qemu-user refuses PR_SET_CHILD_SUBREAPER with EINVAL; off PID 1
 * reaper then warns in one line and runs the job all the same (its orphans
 * go to the host's init), instead of exiting 125. As PID 1 of a PID
 * namespace it never asks, so it says nothing. Each case prints one SKIP
 * line and passes when there is no qemu-user for this machine (Debian's
 * package qemu-user-static).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 30000 /* an emulated start is slower; this only bounds a hang */

static const char warning[] = "reaper: cannot become a child subreaper (Invalid argument): "
			      "orphans of the job go to the host's init, not to reaper\n";

/* qemu-user for this machine into buf, or NULL (the case then skips). */
static const char *find_qemu(char *buf, size_t size)
{
	struct utsname u;
	char name[sizeof u.machine + 16];

	ck_assert_msg(uname(&u) == 0, "uname failed");
	snprintf(name, sizeof name, "qemu-%s-static", u.machine);
	if (find_program(name, buf, size) != NULL)
		return buf;
	test_skip("no qemu-user for this machine (qemu-ARCH-static; Debian: qemu-user-static)");
	return NULL;
}

/* Off PID 1: the job runs and its exit code comes through; the refusal is
 * one warning line, and the job's orphans do not keep reaper waiting. */
START_TEST(test_refused_subreaper_runs_job)
{
	char qemu[4096];
	if (find_qemu(qemu, sizeof qemu) == NULL)
		return;
	struct run r;
	char *argv[] = { qemu, (char *)reaper_path(), "--", "/bin/sh", "-c",
			 "sh -c 'sleep 0.1 &' ; exit 7", NULL };
	int got = run_simple(&r, RUN_HOST, argv, TIMEOUT_MS);
	ck_assert_msg(got == 7, "emulated on the host: reaper exited %d, want 7; stderr: %s", got,
		      r.err);
	ck_assert_msg(strcmp(r.err, warning) == 0,
		      "emulated on the host: stderr is not the one warning line:\n%s", r.err);
}
END_TEST

/* As PID 1 there is no subreaper to ask for: nothing to warn about. */
START_TEST(test_pid1_emulated_is_quiet)
{
	char qemu[4096];
	if (find_qemu(qemu, sizeof qemu) == NULL)
		return;
	struct run r;
	char *argv[] = { qemu, (char *)reaper_path(), "--", "/bin/sh", "-c", "exit 7", NULL };
	int got = run_simple(&r, RUN_PID1, argv, TIMEOUT_MS);
	ck_assert_msg(got == 7, "emulated as PID 1: reaper exited %d, want 7; stderr: %s", got,
		      r.err);
	ck_assert_msg(r.err_len == 0, "emulated as PID 1: unexpected stderr: %s", r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("emulated");
	TCase *tc = tcase_create("qemu-user");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_refused_subreaper_runs_job);
	tcase_add_test(tc, test_pid1_emulated_is_quiet);
	suite_add_tcase(s, tc);
	return s;
}
