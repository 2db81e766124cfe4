/*
 * check_stopped: a stopped job must still end on TERM (issue 15, item 1;
 * DESIGN.md "The core loop").
 *
 * A stopped process acts on no signal but KILL and CONT: a TERM waits,
 * pending. After forwarding a terminating signal to a target in which
 * something is stopped, and after the TERM of --orphans=terminate, reaper
 * sends SIGCONT too; on a host without a terminal it no longer stops
 * itself when the child stops (it would then never read the TERM).
 *
 * - stopped_child: the child, stopped by SIGSTOP sent to it directly, ends
 *   on TERM to reaper with its handler's code, for each --forward mode.
 * - tstp_group: the job stopped by TSTP sent through reaper, then TERM.
 * - timeout: --timeout with a stopped child: exit 124, the handler ran.
 * - rewrite: -r USR1:TERM with a stopped child.
 * - leftover: the main child exits, a leftover stopped by SIGSTOP runs its
 *   TERM handler (--orphans=terminate) and reaper exits.
 * - member: a grandchild in the child's group is stopped, the child is not;
 *   TERM through reaper (--forward=group, tree) reaches the grandchild.
 * - job_control: TSTP to reaper stops the child, CONT resumes it, and
 *   nothing else reached it; then the job stopped again still ends on TERM.
 *
 * Each case runs as PID 1 and on the host. --grace and --kill-after are
 * 60 s and every wait is bounded well below that (10 s): only the CONT can
 * end the job within the bound. No duration is asserted.
 *
 * The child is tests/helpers/sigrecorder: "sig N" per signal, exit 42 on
 * TERM (--exit-on TERM --exit 42); --stoppable leaves TSTP to stop it.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 10000
#define STATE_MS 10000

/* Start reaper with opts around sigrecorder with rec_opts; wait for its
 * "ready" line and return its host pid. */
static pid_t start_recorder(struct run *r, enum run_where where, const char *const opts[],
			    const char *const rec_opts[])
{
	const char *cmd[12] = { helper_path("sigrecorder") };
	size_t n = 1;
	for (size_t i = 0; rec_opts[i] != NULL && n < 11; i++)
		cmd[n++] = rec_opts[i];
	cmd[n] = NULL;
	char *argv[24];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), opts, cmd);
	run_start_blocked(r, where, argv, NULL, false);
	ck_assert_msg(run_expect_prefix(r, "ready ", NULL, 0, LINE_MS),
		      "%s: no ready line\n--- stderr:\n%s", where_name(where), r->err);
	return only_child(run_reaper_pid(r, LINE_MS));
}

/* Pump r until pid is stopped (want) or not (!want); fail at STATE_MS. */
static void await_stopped(struct run *r, pid_t pid, bool want, const char *what)
{
	long long deadline = now_ms() + STATE_MS;
	char state;
	while (((state = proc_state(pid)) == 'T') != want) {
		ck_assert_msg(now_ms() < deadline, "%s: pid %d still in state '%c' after %d ms\n"
			      "--- stdout:\n%s\n--- stderr:\n%s", what, (int)pid, state ? state : '-',
			      STATE_MS, r->out, r->err);
		run_pump(r, 1); /* only /proc can tell: look again soon */
	}
}

/* SIGSTOP pid directly (not through reaper) and wait until it shows. */
static void stop_directly(struct run *r, pid_t pid)
{
	ck_assert_msg(kill(pid, SIGSTOP) == 0, "SIGSTOP %d: %s", (int)pid, strerror(errno));
	await_stopped(r, pid, true, "after SIGSTOP");
}

/* Wait for reaper's exit within EXIT_MS (far below the 60 s grace) and
 * check its code. */
static void expect_exit(struct run *r, int want, const char *what)
{
	int code = run_wait(r, EXIT_MS);
	ck_assert_msg(code == want, "%s: reaper exited %d, want %d\n--- stdout:\n%s\n"
		      "--- stderr:\n%s", what, code, want, r->out, r->err);
}

static void expect_line(struct run *r, const char *want, const char *what)
{
	ck_assert_msg(run_expect_line(r, want, LINE_MS), "%s: no \"%s\" within %d ms\n"
		      "--- stdout:\n%s\n--- stderr:\n%s", what, want, LINE_MS, r->out, r->err);
}

static const char *const term42[] = { "--exit-on", "TERM", "--exit", "42", NULL };

/* ---- the child stopped by SIGSTOP, TERM to reaper ------------------------ */

static const struct {
	enum run_where where;
	const char *forward;
} modes[] = {
	{ RUN_PID1, "--forward=group" }, { RUN_PID1, "--forward=child" },
	{ RUN_PID1, "--forward=tree" },  { RUN_HOST, "--forward=group" },
	{ RUN_HOST, "--forward=child" }, { RUN_HOST, "--forward=tree" },
};

START_TEST(test_stopped_child)
{
	const char *opts[] = { modes[_i].forward, "--grace", "60s", "--kill-after", "60s", NULL };
	struct run r;
	pid_t child = start_recorder(&r, modes[_i].where, opts, term42);
	stop_directly(&r, child);
	run_signal(&r, SIGTERM);
	expect_exit(&r, 42, modes[_i].forward);
	expect_line(&r, "sig 15", modes[_i].forward);
}
END_TEST

/* ---- the job stopped by TSTP through reaper, then TERM -------------------- */

START_TEST(test_tstp_group)
{
	const char *opts[] = { "--grace", "60s", "--kill-after", "60s", NULL };
	const char *rec[] = { "--stoppable", "--exit-on", "TERM", "--exit", "42", NULL };
	struct run r;
	pid_t child = start_recorder(&r, wheres[_i], opts, rec);
	run_signal(&r, SIGTSTP);
	await_stopped(&r, child, true, "after TSTP to reaper");
	run_signal(&r, SIGTERM);
	expect_exit(&r, 42, "TERM after TSTP");
}
END_TEST

/* ---- --timeout with a stopped child --------------------------------------- */

START_TEST(test_timeout)
{
	const char *opts[] = { "--timeout", "3s", "--grace", "60s", "--kill-after", "60s", NULL };
	struct run r;
	pid_t child = start_recorder(&r, wheres[_i], opts, term42);
	/* The child must be stopped before the timeout fires: if it is gone
	 * by then, the machine was too slow for this case, not reaper wrong. */
	ck_assert_msg(kill(child, SIGSTOP) == 0, "SIGSTOP %d: %s (did the 3 s timeout pass "
		      "before the child could be stopped?)", (int)child, strerror(errno));
	await_stopped(&r, child, true, "after SIGSTOP");
	expect_exit(&r, 124, "--timeout with a stopped child");
	expect_line(&r, "sig 15", "--timeout: the handler's line");
}
END_TEST

/* ---- a rewrite whose target is TERM --------------------------------------- */

START_TEST(test_rewrite)
{
	const char *opts[] = { "-r", "USR1:TERM", "--grace", "60s", "--kill-after", "60s", NULL };
	struct run r;
	pid_t child = start_recorder(&r, wheres[_i], opts, term42);
	stop_directly(&r, child);
	run_signal(&r, SIGUSR1);
	expect_exit(&r, 42, "-r USR1:TERM");
	expect_line(&r, "sig 15", "-r USR1:TERM");
}
END_TEST

/* ---- a stopped leftover and --orphans=terminate --------------------------- */

/* The main child (-c: TERM reaches it alone) exits 0 on TERM; its
 * grandchild, stopped, is left to reaper's clean-up, whose TERM must reach
 * its handler ("gsig 15") long before the 60 s grace ends in KILL. */
START_TEST(test_leftover)
{
	const char *opts[] = { "-c", "--orphans=terminate", "--grace", "60s", NULL };
	const char *rec[] = { "--spawn-grandchild", "--exit-on", "TERM", NULL };
	struct run r;
	pid_t child = start_recorder(&r, wheres[_i], opts, rec);
	pid_t grandchild = only_child(child);
	stop_directly(&r, grandchild);
	run_signal(&r, SIGTERM);
	expect_line(&r, "sig 15", "the main child's TERM");
	expect_line(&r, "gsig 15", "the stopped leftover's TERM handler");
	expect_exit(&r, 0, "a stopped leftover");
}
END_TEST

/* ---- a stopped member of the job, not the main child ------------------------ */

/* The grandchild, in the child's group, is stopped directly; the child is
 * not. TERM to reaper must reach the grandchild's handler through the
 * forward's own CONT: with --orphans=wait nothing else would wake it. */
static const struct {
	enum run_where where;
	const char *forward;
} member_rows[] = {
	{ RUN_PID1, "--forward=group" }, { RUN_PID1, "--forward=tree" },
	{ RUN_HOST, "--forward=group" }, { RUN_HOST, "--forward=tree" },
};

START_TEST(test_member)
{
	const char *opts[] = { member_rows[_i].forward, "--orphans=wait", "--kill-after", "60s",
			       NULL };
	const char *rec[] = { "--spawn-grandchild", "--exit-on", "TERM", NULL };
	struct run r;
	pid_t child = start_recorder(&r, member_rows[_i].where, opts, rec);
	stop_directly(&r, only_child(child));
	run_signal(&r, SIGTERM);
	expect_line(&r, "gsig 15", member_rows[_i].forward);
	expect_exit(&r, 0, member_rows[_i].forward);
}
END_TEST

/* ---- job control keeps working -------------------------------------------- */

/* TSTP and CONT through reaper stop and resume the job with nothing added:
 * the first lines after "ready" are the CONT and a marker (a high
 * real-time signal, handed out after any lower one still pending, such as
 * a stray TERM). Then a second stop still ends on TERM. */
START_TEST(test_job_control)
{
	const char *opts[] = { "--grace", "60s", "--kill-after", "60s", NULL };
	const char *rec[] = { "--stoppable", "--exit-on", "TERM", "--exit", "42", NULL };
	char line[64], want[32];
	struct run r;
	pid_t child = start_recorder(&r, wheres[_i], opts, rec);

	run_signal(&r, SIGTSTP);
	await_stopped(&r, child, true, "after TSTP to reaper");
	run_signal(&r, SIGCONT);
	await_stopped(&r, child, false, "after CONT to reaper");
	run_signal(&r, SIGRTMAX);
	snprintf(want, sizeof want, "sig %d", SIGRTMAX);
	const char *expected[] = { "sig 18", want };
	for (size_t i = 0; i < 2; i++) {
		ck_assert_msg(run_read_line(&r, line, sizeof line, LINE_MS),
			      "no line while waiting for \"%s\"\n--- stderr:\n%s", expected[i], r.err);
		ck_assert_msg(strcmp(line, expected[i]) == 0, "want \"%s\", got \"%s\"\n"
			      "--- stdout:\n%s\n--- stderr:\n%s", expected[i], line, r.out, r.err);
	}

	run_signal(&r, SIGTSTP);
	await_stopped(&r, child, true, "after the second TSTP");
	run_signal(&r, SIGTERM);
	expect_exit(&r, 42, "TERM after the second TSTP");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("stopped");
	TCase *tc = tcase_create("stopped_child");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_stopped_child, 0, sizeof modes / sizeof modes[0]);
	suite_add_tcase(s, tc);

	tc = tcase_create("member");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_member, 0, sizeof member_rows / sizeof member_rows[0]);
	suite_add_tcase(s, tc);

	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "tstp_group", test_tstp_group }, { "timeout", test_timeout },
		{ "rewrite", test_rewrite },       { "leftover", test_leftover },
		{ "job_control", test_job_control },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 60);
		tcase_add_loop_test(tc, cases[i].test, 0, N_WHERES);
		suite_add_tcase(s, tc);
	}
	return s;
}
