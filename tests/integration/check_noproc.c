/*
 * check_noproc: reaper as PID 1 of a namespace whose /proc is empty
 * (issue 15, item 3; DESIGN.md: "Few resources are no reason to refuse").
 *
 * unshare gives reaper a new PID and mount namespace with an empty tmpfs
 * over /proc. A TERM sent to reaper reaches the job's process group; the
 * main child (jobtree) dies of it and leaves a grandchild that ignores
 * TERM (it double-forked, so reaper inherited it); the orphan
 * policy, which cannot count what is left, says so ("some processes left")
 * and ends it with kill(-1): TERM, then KILL after --grace. Reaper reaps it
 * and exits 128 + TERM.
 *
 * Only as PID 1: on a host, leftovers are found through /proc alone, and
 * without it reaper waits for them (the README says so).
 */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000

START_TEST(test_pid1_without_proc)
{
	char unshare[4096], script[1024];
#if defined(__SANITIZE_ADDRESS__)
	/* Without /proc the sanitizer runtime reads no ASAN_OPTIONS (it takes
	 * them from /proc/self/environ), and LeakSanitizer's exit check, which
	 * needs /proc/PID/task, ends the sanitized reaper with a fatal error. */
	test_skip("the sanitized reaper cannot run without /proc");
	return;
#endif
	if (find_program("unshare", unshare, sizeof unshare) == NULL) {
		test_skip("unshare(1) is not installed (util-linux)");
		return;
	}
	/* jobtree: the grandchild ignores TERM; the main process waits for a
	 * line that never comes, and dies of the forwarded TERM. */
	snprintf(script, sizeof script,
		 "mount -t tmpfs none /proc && test ! -e /proc/self && exec '%s' -v --grace "
		 "300ms -- '%s' --wait --spawn double --on-term ignore",
		 reaper_path(), helper_path("jobtree"));
	char *argv[] = { unshare, "--pid", "--fork", "--mount", "--kill-child", "/bin/sh", "-c",
			 script, NULL };
	struct run_opts opts = { .pipe_stdin = true };
	struct run r;
	run_start(&r, RUN_HOST, argv, &opts);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "no 'ready'; stderr: %s",
		      r.err);
	/* unshare's one child became reaper (exec'd by the shell) before
	 * "ready", and has taken its signals over by then. */
	ck_assert_int_eq(kill(only_child(r.pid), SIGTERM), 0);
	/* run_wait closes stdin, which would end the main process: wait first. */
	int fd = open_pidfd(r.pid);
	await_gone(&r, fd, "unshare", EXIT_MS);
	(void)close(fd);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 128 + SIGTERM, "exit %d; stderr: %s", got, r.err);
	ck_assert_msg(strstr(r.err, "killed by TERM\n") != NULL, "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, "reaper: some processes left: sending TERM, KILL after "
				    "300ms\n") != NULL, "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, "(killed by KILL)\n") != NULL, "stderr: %s", r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("noproc");
	TCase *tc = tcase_create("empty_proc");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pid1_without_proc);
	suite_add_tcase(s, tc);
	return s;
}
