/*
 * check_tree: --forward=tree sends each signal to every descendant, by the
 * rule that decides what is reaper's (issue 3, test 7): on the host the
 * main child's tree and every orphan re-parented to reaper, as PID 1 every
 * other process of the namespace.
 *
 * The job is jobtree with two grandchildren: one escaped with setsid (its
 * own session and group, so a signal to the main child's group misses it)
 * and one double-forked (orphaned, re-parented to reaper, still in the
 * group). USR1 sent to reaper must reach the main child and both, once
 * each. The control runs the same job with the default --forward=group:
 * the setsid grandchild gets no USR1, though it is alive and recording (it
 * reports the orphans' TERM later), so the tree check can fail.
 *
 * A forwarded TERM under tree forwarding reaches everyone too: each
 * grandchild finishes on it and reaper exits with the main child's 143.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000

/* How a row asks for its forwarding. */
enum mode { TREE_OPTION, TREE_ENV, GROUP_CONTROL };
#define N_MODES 3

static const char *mode_name(enum mode mode)
{
	return mode == TREE_OPTION ? "--forward=tree" : mode == TREE_ENV ? "REAPER_FORWARD=tree"
									 : "--forward=group";
}

/* Pump r until every line of wants has appeared in its stdout, in any
 * order (the processes print independently); fail at the deadline. */
static void await_lines(struct run *r, const char *const *wants, int n, const char *context)
{
	long long deadline = now_ms() + LINE_MS;
	for (int i = 0; i < n; i++) {
		while (run_count_lines(r, wants[i]) == 0) {
			long long left = deadline - now_ms();
			ck_assert_msg(left > 0, "%s: no '%s' line; stdout: %s; stderr: %s", context,
				      wants[i], r->out, r->err);
			run_pump(r, (int)left);
		}
	}
}

static void start_job(struct run *r, enum run_where where, enum mode mode)
{
	static char *env[] = { "REAPER_FORWARD=tree", NULL };
	struct run_opts opts = { .pipe_stdin = true, .env_add = mode == TREE_ENV ? env : NULL };
	char *argv[] = { (char *)reaper_path(), "-v",
			 mode == TREE_OPTION ? "--forward=tree"
			 : mode == TREE_ENV  ? "--"
					     : "--forward=group",
			 (char *)helper_path("jobtree"), "--wait", "--spawn", "setsid", "--spawn",
			 "double", "--exit", "9", NULL };
	run_start(r, where, argv, &opts);
	ck_assert_msg(run_expect_prefix(r, "ready ", NULL, 0, LINE_MS), "no 'ready'; stderr: %s",
		      r->err);
}

static void expect_count(const struct run *r, const char *line, int want, const char *context)
{
	int got = run_count_lines(r, line);
	ck_assert_msg(got == want, "%s: '%s' %d times, want %d; stdout: %s; stderr: %s", context,
		      line, got, want, r->out, r->err);
}

/* USR1 reaches the setsid grandchild with tree forwarding only; the rest
 * of the run shows the control's grandchild was there to receive it. */
START_TEST(test_usr1_reaches_other_session)
{
	enum run_where where = wheres[_i / N_MODES];
	enum mode mode = _i % N_MODES;
	bool tree = mode != GROUP_CONTROL;
	char context[64];
	snprintf(context, sizeof context, "as %s, %s", where_name(where), mode_name(mode));
	struct run r;
	start_job(&r, where, mode);

	run_signal(&r, SIGUSR1);
	static const char *const tree_lines[] = { "sig 10", "gsig double 10", "gsig setsid 10" };
	await_lines(&r, tree_lines, tree ? 3 : 2, context);

	ck_assert_int_eq(write(r.stdin_fd, "\n", 1), 1); /* the main child exits 9 */
	static const char *const end_lines[] = { "finished double", "finished setsid" };
	await_lines(&r, end_lines, 2, context);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 9, "%s: exit %d; stderr: %s", context, got, r.err);

	expect_count(&r, "sig 10", 1, context);
	expect_count(&r, "gsig double 10", 1, context);
	expect_count(&r, "gsig setsid 10", tree ? 1 : 0, context);
	/* The orphans' TERM, after the main child exited: both were alive. */
	expect_count(&r, "gsig double 15", 1, context);
	expect_count(&r, "gsig setsid 15", 1, context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* A forwarded TERM, tree-wide: the main child dies of it and each
 * grandchild finishes on it, escaped or not. */
START_TEST(test_term_reaches_every_descendant)
{
	enum run_where where = wheres[_i / 2];
	enum mode mode = _i % 2 == 0 ? TREE_OPTION : TREE_ENV;
	char context[64];
	snprintf(context, sizeof context, "as %s, %s", where_name(where), mode_name(mode));
	struct run r;
	start_job(&r, where, mode);

	run_signal(&r, SIGTERM);
	static const char *const lines[] = { "sig 15", "gsig double 15", "gsig setsid 15",
					     "finished double", "finished setsid" };
	await_lines(&r, lines, 5, context);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 128 + SIGTERM, "%s: exit %d; stderr: %s", context, got, r.err);
	for (int i = 1; i < 5; i++)
		expect_count(&r, lines[i], 1, context);
	ck_assert_msg(strstr(r.err, "KILL to") == NULL, "%s: KILL sent: %s", context, r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("forward tree");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_usr1_reaches_other_session, 0, N_WHERES * N_MODES);
	tcase_add_loop_test(tc, test_term_reaches_every_descendant, 0, N_WHERES * 2);
	suite_add_tcase(s, tc);
	return s;
}
