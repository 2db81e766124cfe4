/*
 * check_fewfds: reaper with only four descriptors (issue 15, item 3;
 * DESIGN.md: "Few resources are no reason to refuse").
 *
 * Reaper runs under `prlimit --nofile=4:4`, as tini, dumb-init and
 * catatonit can: it holds 0, 1, 2 and its signalfd when it starts the job,
 * so there is no descriptor for the child's pidfd, and once it has closed
 * stdin and stdout two are left, too few for a timerfd beside a walk of
 * /proc. Each case shows the job still runs, is reaped and gets its
 * signals, and that the deadlines still fire:
 *
 * - the job's exit code passes through;
 * - TERM sent to reaper reaches the job (sigrecorder exits 42 on it);
 * - orphans re-parented to reaper are reaped, every one;
 * - --orphans=terminate: a leftover that ignores TERM gets it, then KILL
 *   once --grace 300ms has passed, and reaper exits with the main child's
 *   code (the deadline is a poll timeout here: the -v log says so);
 * - --timeout 300ms on a job that ignores TERM: KILL after --kill-after,
 *   exit 124.
 *
 * As PID 1 of a new namespace (the limit is set by prlimit, which unshare
 * starts as that PID 1 and which execs reaper) and on the host. Waits are
 * bounded; nothing here is timed.
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
#define ORPHANS 5

/* Start prlimit --nofile=4:4 reaper -v OPTS... -- CMD... in r, where
 * says; false, with a SKIP line, when there is no prlimit. No leak check
 * in the sanitized build: LeakSanitizer's exit check opens /proc/PID/task
 * and more, which the limit does not leave room for. */
static bool start_few_fds(struct run *r, enum run_where where, const char *const *opts,
			  const char *const *cmd, bool pipe_stdin)
{
	static char prlimit[4096];
	char *argv[16];
	size_t n = 0;

	if (find_program("prlimit", prlimit, sizeof prlimit) == NULL) {
		test_skip("prlimit(1) is not installed (util-linux)");
		return false;
	}
	const char *head[] = { prlimit, "--nofile=4:4", reaper_path(), "-v" };
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		argv[n++] = (char *)head[i];
	for (; opts != NULL && *opts != NULL; opts++)
		argv[n++] = (char *)*opts;
	argv[n++] = "--";
	for (; *cmd != NULL; cmd++) {
		ck_assert_msg(n + 1 < sizeof argv / sizeof argv[0], "argv too small");
		argv[n++] = (char *)*cmd;
	}
	argv[n] = NULL;
	struct run_opts ropts = { .pipe_stdin = pipe_stdin, .env_add = no_leak_check_env() };
	run_start(r, where, argv, &ropts);
	return true;
}

/* Where in r's stderr text is, or fail. */
static const char *find_err(const struct run *r, const char *text, const char *context)
{
	const char *at = strstr(r->err, text);
	ck_assert_msg(at != NULL, "%s: no '%s' on stderr: %s", context, text, r->err);
	return at;
}

static int count_err(const struct run *r, const char *text)
{
	int n = 0;
	for (const char *p = r->err; (p = strstr(p, text)) != NULL; p += strlen(text))
		n++;
	return n;
}

START_TEST(test_exit_code_passes)
{
	enum run_where where = wheres[_i];
	const char *cmd[] = { "/bin/sh", "-c", "exit 7", NULL };
	struct run r;
	if (!start_few_fds(&r, where, NULL, cmd, false))
		return;
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 7, "%s: exit %d; stderr: %s", where_name(where), got, r.err);
	find_err(&r, "reaper: exiting with 7", where_name(where));
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

START_TEST(test_term_reaches_job)
{
	enum run_where where = wheres[_i];
	const char *cmd[] = { helper_path("sigrecorder"), "--exit-on", "TERM", "--exit", "42",
			      NULL };
	struct run r;
	if (!start_few_fds(&r, where, NULL, cmd, false))
		return;
	/* The recorder runs: reaper has long taken its signals over. Not
	 * run_signal, which waits for argv[0] (prlimit here) to block TERM. */
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS),
		      "%s: no 'ready'; stderr: %s", where_name(where), r.err);
	ck_assert_int_eq(kill(run_reaper_pid(&r, LINE_MS), SIGTERM), 0);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 42, "%s: exit %d; stderr: %s", where_name(where), got, r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 1, "%s: stdout: %s", where_name(where),
		      r.out);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* Each `(sh -c 'exit 0' &)` leaves one orphan, re-parented to reaper. */
START_TEST(test_orphans_reaped)
{
	enum run_where where = wheres[_i];
	const char *cmd[] = { "/bin/sh", "-c",
			      "for i in 1 2 3 4 5; do (/bin/sh -c 'exit 0' &); done; exit 3", NULL };
	struct run r;
	if (!start_few_fds(&r, where, NULL, cmd, false))
		return;
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 3, "%s: exit %d; stderr: %s", where_name(where), got, r.err);
	int reaped = count_err(&r, "reaper: reaped pid ");
	ck_assert_msg(reaped == ORPHANS, "%s: %d reaped, want %d; stderr: %s", where_name(where),
		      reaped, ORPHANS, r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* The main child waits for a line; its child ignores TERM (set before
 * "ready", and kept across exec). */
START_TEST(test_grace_kills_ignorer)
{
	enum run_where where = wheres[_i];
	const char *opts[] = { "--orphans=terminate", "--grace", "300ms", NULL };
	const char *cmd[] = {
		"/bin/sh", "-c",
		"(trap '' TERM; echo ready; exec /bin/sleep 1000) & read line; exit 5", NULL };
	struct run r;
	if (!start_few_fds(&r, where, opts, cmd, true))
		return;
	ck_assert_msg(run_expect_line(&r, "ready", LINE_MS), "%s: no 'ready'; stderr: %s",
		      where_name(where), r.err);
	ck_assert_int_eq(write(r.stdin_fd, "\n", 1), 1); /* the main child exits 5 */
	int got = run_wait(&r, EXIT_MS);
	const char *context = where_name(where);
	ck_assert_msg(got == 5, "%s: exit %d; stderr: %s", context, got, r.err);
	find_err(&r, "reaper: 1 process left: sending TERM, KILL after 300ms\n", context);
	find_err(&r, "waiting for deadlines with a poll timeout", context);
	find_err(&r, "(killed by KILL)\n", context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

START_TEST(test_timeout_kills_ignorer)
{
	enum run_where where = wheres[_i];
	const char *opts[] = { "--timeout", "300ms", "--kill-after", "300ms", NULL };
	const char *cmd[] = { helper_path("sigignorer"), NULL };
	struct run r;
	if (!start_few_fds(&r, where, opts, cmd, true)) /* open: only KILL ends it */
		return;
	ck_assert_msg(run_expect_line(&r, "ready", LINE_MS), "%s: no 'ready'; stderr: %s",
		      where_name(where), r.err);
	/* run_wait closes stdin, which would end the ignorer: wait first. */
	int fd = open_pidfd(r.pid);
	await_gone(&r, fd, "reaper", EXIT_MS);
	(void)close(fd);
	int got = run_wait(&r, EXIT_MS);
	const char *context = where_name(where);
	ck_assert_msg(got == 124, "%s: exit %d; stderr: %s", context, got, r.err);
	find_err(&r, "reaper: timeout of 300ms expired: sending TERM, KILL after 300ms\n", context);
	find_err(&r, "killed by KILL\n", context);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("fewfds");
	TCase *tc = tcase_create("four_descriptors");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_exit_code_passes, 0, N_WHERES);
	tcase_add_loop_test(tc, test_term_reaches_job, 0, N_WHERES);
	tcase_add_loop_test(tc, test_orphans_reaped, 0, N_WHERES);
	tcase_add_loop_test(tc, test_grace_kills_ignorer, 0, N_WHERES);
	tcase_add_loop_test(tc, test_timeout_kills_ignorer, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
