/*
 * check_nested: two inits in a row behave as one (issue 15, item 4;
 * DESIGN.md "Nested inits"): an engine's --init in front of an image whose
 * ENTRYPOINT is reaper, a job script that calls reaper again, reaper under
 * or over tini and catatonit.
 *
 * For every chain (reaper/reaper, tini -s/reaper, reaper/tini -s,
 * catatonit/reaper, reaper/catatonit), as PID 1 and on the host:
 * - user: REAPER_USER=nobody reaches every reaper in the chain; the job
 *   runs as nobody and reaper exits with the job's code (the inner reaper
 *   of reaper/reaper, already nobody, used to fail at setgroups: 125);
 * - term: a TERM to the outermost init reaches the job (sigrecorder) once,
 *   before a marker sent after it, and the job's exit code on it (42)
 *   comes back out;
 * - orphans: the job's orphans (orphanfactory) are reaped while it runs,
 *   and nothing is left when it exits.
 * Reaper under reaper, with a REAPER_* variable both would read:
 * - REAPER_REWRITE=TERM:QUIT,QUIT:TERM turns TERM into QUIT once (applied
 *   twice it gave the job TERM back);
 * - REAPER_SEND of two real-time signals delivers each once (they queue,
 *   so a second sender shows as a second line);
 * - REAPER_TRACE=1 traces one reaper: one "event=done" line, not two.
 *
 * Every command starts with all signals blocked, which each init passes
 * on, so a signal that arrives before a program is set up waits for it.
 * tini and catatonit are Debian's (/usr/bin); a chain without one skips.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000
#define MAX_ARGS 24

#define TINI "/usr/bin/tini"
#define CATATONIT "/usr/bin/catatonit"
#define REAPER "reaper" /* replaced by reaper_path() */

/* The inits in front of the job, outermost first, each ending in "--". */
static const struct {
	const char *name;
	const char *inits[6];
} chains[] = {
	{ "reaper/reaper", { REAPER, "--", REAPER, "--", NULL } },
	{ "tini/reaper", { TINI, "-s", "--", REAPER, "--", NULL } },
	{ "reaper/tini", { REAPER, "--", TINI, "-s", "--", NULL } },
	{ "catatonit/reaper", { CATATONIT, "--", REAPER, "--", NULL } },
	{ "reaper/catatonit", { REAPER, "--", CATATONIT, "--", NULL } },
};
#define N_CHAINS (int)(sizeof chains / sizeof chains[0])

/* argv: chain's inits, then cmd. False (with a SKIP line) when one of its
 * programs is missing here. */
static bool chain_argv(char **argv, size_t size, int chain, const char *const *cmd)
{
	size_t n = 0;
	for (const char *const *a = chains[chain].inits; *a != NULL; a++) {
		if ((*a)[0] == '/' && access(*a, X_OK) != 0) {
			char why[128];
			snprintf(why, sizeof why, "%s: no %s", chains[chain].name, *a);
			test_skip(why);
			return false;
		}
		ck_assert(n + 1 < size);
		argv[n++] = strcmp(*a, REAPER) == 0 ? (char *)reaper_path() : (char *)*a;
	}
	for (; *cmd != NULL; cmd++) {
		ck_assert(n + 1 < size);
		argv[n++] = (char *)*cmd;
	}
	argv[n] = NULL;
	return true;
}

/* The next line of r's stdout must be want. */
static void expect_next(struct run *r, const char *want, const char *what)
{
	char line[256];
	ck_assert_msg(run_read_line(r, line, sizeof line, LINE_MS),
		      "%s: no line within %d ms, waiting for \"%s\"\n--- stdout:\n%s\n"
		      "--- stderr:\n%s", what, LINE_MS, want, r->out, r->err);
	ck_assert_msg(strcmp(line, want) == 0, "%s: expected \"%s\", got \"%s\"\n--- stdout:\n%s\n"
		      "--- stderr:\n%s", what, want, line, r->out, r->err);
}

static void expect_ready(struct run *r, const char *what)
{
	ck_assert_msg(run_expect_prefix(r, "ready ", NULL, 0, LINE_MS),
		      "%s: no ready line\n--- stdout:\n%s\n--- stderr:\n%s", what, r->out, r->err);
}

/* signo to the outermost init, once the job printed "ready" (so every
 * init in front of it is set up). Not run_signal: tini waits in
 * sigtimedwait, during which /proc shows the awaited signals unblocked,
 * so run_signal would wait its full 5 s for a mask it never sees. */
static void signal_outer(struct run *r, int signo)
{
	pid_t pid = run_reaper_pid(r, LINE_MS);
	ck_assert_msg(kill(pid, signo) == 0, "kill %d %d: %s", (int)pid, signo, strerror(errno));
}

static void describe(char *what, size_t size, int chain, enum run_where where)
{
	snprintf(what, size, "%s %s", chains[chain].name, where_phrase(where));
}

/* ---- every chain --------------------------------------------------------- */

START_TEST(test_user)
{
	int chain = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	const struct passwd *pw = getpwnam("nobody");
	if (pw == NULL) {
		test_skip("no user 'nobody' on this host");
		return;
	}
	char what[128], want[64];
	describe(what, sizeof what, chain, where);
	snprintf(want, sizeof want, "ids %u %u", (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	const char *cmd[] = { "/bin/sh", "-c", "echo \"ids $(id -u) $(id -g)\"; exit 7", NULL };
	char *argv[MAX_ARGS], *env[] = { "REAPER_USER=nobody", NULL };
	if (!chain_argv(argv, MAX_ARGS, chain, cmd))
		return;
	struct run r;
	run_start_blocked(&r, where, argv, env, false);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 7, "%s: exit %d, want 7\n--- stdout:\n%s\n--- stderr:\n%s", what,
		      code, r.out, r.err);
	ck_assert_msg(run_count_lines(&r, want) == 1, "%s: no \"%s\" line\n--- stdout:\n%s", what,
		      want, r.out);
}
END_TEST

/* TERM to the outermost init, then a marker: the job must see exactly one
 * TERM and then the marker (a second TERM, sent along another path, would
 * come before it); the recorder exits 42 on TERM's twin, RTMAX, and that
 * is the chain's exit code. Then the same with the job ending on TERM. */
START_TEST(test_term)
{
	int chain = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	char what[128], marker[32], rtmax[32];
	describe(what, sizeof what, chain, where);
	snprintf(marker, sizeof marker, "sig %d", SIGRTMIN + 2);
	snprintf(rtmax, sizeof rtmax, "sig %d", SIGRTMAX);

	const char *cmd[] = { helper_path("sigrecorder"), "--exit-on", "RTMAX", "--exit", "42",
			      NULL };
	char *argv[MAX_ARGS];
	if (!chain_argv(argv, MAX_ARGS, chain, cmd))
		return;
	struct run r;
	run_start_blocked(&r, where, argv, NULL, false);
	expect_ready(&r, what);
	signal_outer(&r, SIGTERM);
	expect_next(&r, "sig 15", what);
	signal_outer(&r, SIGRTMIN + 2);
	expect_next(&r, marker, what);
	signal_outer(&r, SIGRTMAX);
	expect_next(&r, rtmax, what);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 42, "%s: exit %d, want 42\n--- stderr:\n%s", what, code, r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 1, "%s: TERM arrived %d times\n%s", what,
		      run_count_lines(&r, "sig 15"), r.out);

	const char *on_term[] = { helper_path("sigrecorder"), "--exit-on", "TERM", "--exit", "43",
				  NULL };
	ck_assert(chain_argv(argv, MAX_ARGS, chain, on_term));
	run_start_blocked(&r, where, argv, NULL, false);
	expect_ready(&r, what);
	signal_outer(&r, SIGTERM);
	code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 43, "%s: exit %d after TERM, want 43\n--- stderr:\n%s", what, code,
		      r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 1, "%s: TERM arrived %d times\n%s", what,
		      run_count_lines(&r, "sig 15"), r.out);
}
END_TEST

/* orphanfactory makes 3 orphans and waits for stdin: while it does, the
 * outermost init has two descendants (the inner init and the factory) and
 * no zombie, whoever of the two adopted the orphans. */
START_TEST(test_orphans)
{
	int chain = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	char what[128];
	describe(what, sizeof what, chain, where);
	const char *cmd[] = { helper_path("orphanfactory"), "--wait", "--exit", "5", "3", NULL };
	char *argv[MAX_ARGS];
	if (!chain_argv(argv, MAX_ARGS, chain, cmd))
		return;
	struct run r;
	run_start_blocked(&r, where, argv, NULL, true);
	ck_assert_msg(run_expect_line(&r, "done", LINE_MS), "%s: no 'done'\n--- stderr:\n%s", what,
		      r.err);
	await_below(&r, run_reaper_pid(&r, LINE_MS), 0, 2, LINE_MS, what);
	ck_assert_int_eq(write(r.stdin_fd, "\n", 1), 1); /* the factory exits 5 */
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 5, "%s: exit %d, want 5\n--- stderr:\n%s", what, code, r.err);
	ck_assert_msg(r.leftovers == 0, "%s: %d processes left behind", what, r.leftovers);
}
END_TEST

/* ---- reaper under reaper: its variables apply once ----------------------- */

static void start_rr_recorder(struct run *r, enum run_where where, char *const env[])
{
	const char *cmd[] = { helper_path("sigrecorder"), "--exit-on", "RTMAX", NULL };
	char *argv[MAX_ARGS];
	ck_assert(chain_argv(argv, MAX_ARGS, 0, cmd));
	run_start_blocked(r, where, argv, env, false);
	expect_ready(r, "reaper/reaper");
}

static void finish_rr_recorder(struct run *r)
{
	char rtmax[32];
	snprintf(rtmax, sizeof rtmax, "sig %d", SIGRTMAX);
	signal_outer(r, SIGRTMAX);
	ck_assert_msg(run_expect_line(r, rtmax, LINE_MS), "no \"%s\"\n%s", rtmax, r->err);
	int code = run_wait(r, EXIT_MS);
	ck_assert_msg(code == 0, "exit %d, want 0\n--- stderr:\n%s", code, r->err);
}

START_TEST(test_rewrite_once)
{
	char *env[] = { "REAPER_REWRITE=TERM:QUIT,QUIT:TERM", NULL };
	struct run r;
	start_rr_recorder(&r, wheres[_i], env);
	signal_outer(&r, SIGTERM);
	expect_next(&r, "sig 3", where_phrase(wheres[_i]));
	finish_rr_recorder(&r);
}
END_TEST

/* RTMIN+1 at 50ms and RTMIN+2 at 400ms: a second sender's RTMIN+1 would
 * come long before the first RTMIN+2; real-time signals queue, so each one
 * sent is one line. */
START_TEST(test_send_once)
{
	char env_send[64], first[32], second[32];
	snprintf(env_send, sizeof env_send, "REAPER_SEND=RTMIN+1@50ms,RTMIN+2@400ms");
	snprintf(first, sizeof first, "sig %d", SIGRTMIN + 1);
	snprintf(second, sizeof second, "sig %d", SIGRTMIN + 2);
	char *env[] = { env_send, NULL };
	struct run r;
	start_rr_recorder(&r, wheres[_i], env);
	ck_assert_msg(run_expect_line(&r, second, LINE_MS), "no \"%s\"\n%s", second, r.err);
	finish_rr_recorder(&r);
	ck_assert_msg(run_count_lines(&r, first) == 1 && run_count_lines(&r, second) == 1,
		      "%s: RTMIN+1 arrived %d times, RTMIN+2 %d\n%s", where_phrase(wheres[_i]),
		      run_count_lines(&r, first), run_count_lines(&r, second), r.out);
}
END_TEST

START_TEST(test_trace_once)
{
	char *env[] = { "REAPER_TRACE=1", NULL };
	struct run r;
	start_rr_recorder(&r, wheres[_i], env);
	finish_rr_recorder(&r);
	int done = 0;
	for (const char *p = r.err; (p = strstr(p, " event=done ")) != NULL; p++)
		done++;
	ck_assert_msg(done == 1, "%s: %d traces ended\n--- stderr:\n%s", where_phrase(wheres[_i]),
		      done, r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nested");
	TCase *tc = tcase_create("chains");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_user, 0, N_CHAINS * N_WHERES);
	tcase_add_loop_test(tc, test_term, 0, N_CHAINS * N_WHERES);
	tcase_add_loop_test(tc, test_orphans, 0, N_CHAINS * N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("variables_once");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_rewrite_once, 0, N_WHERES);
	tcase_add_loop_test(tc, test_send_once, 0, N_WHERES);
	tcase_add_loop_test(tc, test_trace_once, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
