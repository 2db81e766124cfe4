/*
 * check_reap: orphans are re-parented to reaper and reaped by it
 * (DESIGN.md, "The core loop", steps 1 and 5). As PID 1 orphans come to
 * reaper because it is the namespace's init; on the host because it
 * registered as a child subreaper. 1000 orphans that exit at once must
 * leave no zombie, though their SIGCHLDs coalesce.
 *
 * Zombies are counted from the host through /proc (count_zombies_below),
 * while the main child is still alive, so reaper has no reason to exit and
 * tear anything down yet. A control case without reaper shows that the
 * orphan factory's zombies do stay when nobody reaps them, so the count
 * can fail.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 20000
#define N_ORPHANS 1000

/* Tell a factory started with --wait to exit. */
static void release(struct run *r)
{
	ck_assert_int_eq(write(r->stdin_fd, "\n", 1), 1);
}

/* Control, without reaper: the factory's orphans stay zombies under
 * whoever inherits them and does not reap. As PID 1 the factory is that
 * init; on the host it makes itself a subreaper. */
START_TEST(test_control_zombies_stay)
{
	enum run_where where = wheres[_i];
	struct run_opts opts = { .pipe_stdin = true };
	char *argv[] = { (char *)helper_path("orphanfactory"), "--wait", "--subreaper", "10", NULL };
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_line(&r, "done", TIMEOUT_MS), "no 'done'; stderr: %s", r.err);
	pid_t factory = run_reaper_pid(&r, TIMEOUT_MS);
	await_below(&r, factory, 10, 10, 5000, "control");
	release(&r);
	ck_assert_int_eq(run_wait(&r, TIMEOUT_MS), 0);
	/* On the host the ten zombies went to the test process: run_wait
	 * reaped them, so none is left to the system's init. */
	if (where == RUN_HOST)
		ck_assert_int_eq(r.leftovers, 10);
}
END_TEST

/* 1000 orphans, all zombies at once, are reaped while the main child
 * lives: nothing is left below reaper but the main child. */
START_TEST(test_reaps_many_orphans)
{
	enum run_where where = wheres[_i];
	char count[16];
	snprintf(count, sizeof count, "%d", N_ORPHANS);
	struct run_opts opts = { .pipe_stdin = true };
	char *argv[] = { (char *)reaper_path(), (char *)helper_path("orphanfactory"), "--wait",
			 count, NULL };
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_line(&r, "done", TIMEOUT_MS), "as %s: no 'done'; stderr: %s",
		      where_name(where), r.err);
	pid_t reaper = run_reaper_pid(&r, TIMEOUT_MS);
	await_below(&r, reaper, 0, 1, 10000, where_name(where));
	release(&r);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	ck_assert_str_eq(r.out, "done\n");
	/* Reaping orphans is routine: nothing to say at the default level. */
	ck_assert_msg(r.err_len == 0, "as %s: stderr: [%.1000s]", where_name(where), r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* With -w each reaped orphan is logged: exactly 1000 lines, even though
 * the main child exits right after making them (the zombies are reaper's
 * before the main child exits, so the last drain must take them all). */
START_TEST(test_warn_reap_counts_every_orphan)
{
	enum run_where where = wheres[_i];
	char count[16];
	snprintf(count, sizeof count, "%d", N_ORPHANS);
	char *argv[] = { (char *)reaper_path(), "-w", (char *)helper_path("orphanfactory"),
			 count, NULL };
	struct run r;
	run_start(&r, where, argv, NULL);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %.1000s", where_name(where), got, r.err);
	ck_assert_msg(!r.err_truncated, "stderr did not fit the harness buffer");
	int reaped = 0;
	for (const char *p = r.err; (p = strstr(p, "reaper: reaped pid ")) != NULL; p++)
		reaped++;
	ck_assert_msg(reaped == N_ORPHANS, "as %s: %d 'reaped pid' lines, want %d; stderr: %.500s",
		      where_name(where), reaped, N_ORPHANS, r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* Orphans that keep running are re-parented to reaper: on the host this
 * holds only because reaper is a child subreaper. When the main child
 * exits, reaper terminates and reaps them before it exits (the default
 * --orphans=terminate), so none is left to the test process. */
START_TEST(test_orphans_reparent_to_reaper)
{
	enum run_where where = wheres[_i];
	struct run_opts opts = { .pipe_stdin = true };
	char *argv[] = { (char *)reaper_path(), (char *)helper_path("orphanfactory"), "--wait",
			 "--linger", "5", NULL };
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_line(&r, "done", TIMEOUT_MS), "as %s: no 'done'; stderr: %s",
		      where_name(where), r.err);
	pid_t reaper = run_reaper_pid(&r, TIMEOUT_MS);
	/* The factory and its five orphans, none a zombie. */
	await_below(&r, reaper, 0, 6, 5000, where_name(where));
	release(&r);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	ck_assert_msg(r.leftovers == 0, "as %s: %d orphans outlived reaper; stderr: %s",
		      where_name(where), r.leftovers, r.err);
}
END_TEST

/* More orphans than reaper lists through the kernel's child lists (4096):
 * on the host, reaper finds them through all of /proc instead. Every one
 * is sent TERM once (the report counts them) and none outlives reaper. */
#define MANY_LINGERING 4200

START_TEST(test_many_lingering_orphans_terminated)
{
	enum run_where where = wheres[_i];
	struct run_opts opts = { .pipe_stdin = true };
	char count[16];
	snprintf(count, sizeof count, "%d", MANY_LINGERING);
	char *argv[] = { (char *)reaper_path(), "--report", "--",
			 (char *)helper_path("orphanfactory"), "--wait", "--linger", count, NULL };
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_line(&r, "done", TIMEOUT_MS), "as %s: no 'done'; stderr: %s",
		      where_name(where), r.err);
	release(&r);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	char want[64];
	snprintf(want, sizeof want, "left-overs sent TERM: %d;", MANY_LINGERING);
	ck_assert_msg(strstr(r.err, want) != NULL, "as %s: the report lacks [%s]; stderr: %s",
		      where_name(where), want, r.err);
	ck_assert_msg(r.leftovers == 0, "as %s: %d orphans outlived reaper; stderr: %s",
		      where_name(where), r.leftovers, r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("reap");
	TCase *tc = tcase_create("control");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_control_zombies_stay, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("orphans");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_reaps_many_orphans, 0, N_WHERES);
	tcase_add_loop_test(tc, test_warn_reap_counts_every_orphan, 0, N_WHERES);
	tcase_add_loop_test(tc, test_orphans_reparent_to_reaper, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("many");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_many_lingering_orphans_terminated, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
