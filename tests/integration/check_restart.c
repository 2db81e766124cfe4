/*
 * check_restart: --restart, --restart-max and --restart-delay (issue 20,
 * item 2; README "Restart a host job").
 *
 * Each command appends a line to a file at every run, so the runs are
 * counted from outside. As PID 1 and on the host:
 * - on-failure restarts a failing run up to --restart-max, then exits with
 *   the last run's status; a success ends it; always restarts a success;
 *   the REAPER_* variables do the same;
 * - no restart after TERM to reaper, nor after --timeout;
 * - the back-off is idle: once reaper waits out a one-hour back-off, its
 *   context-switch counts (/proc/PID/status) do not move over a window
 *   (the window is the measurement, not a synchronisation); TERM during
 *   it ends reaper at once (a bounded wait far below the hour), with the
 *   last run's exit code;
 * - what a run left behind is dealt with by --orphans before the next
 *   start: terminated (the next run sees it gone), or waited for.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define EXIT_MS 20000
#define LINE_MS 10000
#define WINDOW_MS 1000

struct files {
	char dir[128];
	char runs[192];   /* one line per run */
	char trace[192];  /* --trace-file */
	char pid[192];    /* the orphan's pid */
};

static void make_files(struct files *f)
{
	make_tmpdir(f->dir, sizeof(f->dir), "restart");
	snprintf(f->runs, sizeof(f->runs), "%s/runs", f->dir);
	snprintf(f->trace, sizeof(f->trace), "%s/trace", f->dir);
	snprintf(f->pid, sizeof(f->pid), "%s/pid", f->dir);
}

static void remove_files(const struct files *f)
{
	unlink(f->runs);
	unlink(f->trace);
	unlink(f->pid);
	rmdir(f->dir);
}

static int count_lines(const char *path)
{
	char text[4096];
	int n = 0;

	(void)read_small_file(path, text, sizeof(text)); /* "" when not there yet */
	for (const char *p = text; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

/* An sh command line that appends "run" to runs, then does rest. */
static void script(char *buf, size_t size, const struct files *f, const char *rest)
{
	snprintf(buf, size, "echo run >> '%s'; %s", f->runs, rest);
}

/* ---- how many runs, and the exit code ----------------------------------- */

static const struct {
	const char *policy, *max;
	const char *tail;    /* after "echo run >> runs; " */
	bool env;            /* REAPER_* variables instead of options */
	int code, runs;
} counts[] = {
	{ "on-failure", "2", "exit 3", false, 3, 3 },
	{ "on-failure", "2", "exit 3", true, 3, 3 },
	{ "on-failure", "0", "exit 3", false, 3, 1 },
	{ "on-failure", "5", "exit 0", false, 0, 1 },
	{ "on-failure", "2", "kill -KILL $$", false, 137, 3 },
	{ "always", "2", "exit 0", false, 0, 3 },
	{ "always", "1", "exit 4", true, 4, 2 },
	{ "no", "5", "exit 3", false, 3, 1 },
};
#define N_COUNTS (int)(sizeof(counts) / sizeof(counts[0]))

START_TEST(test_runs)
{
	enum run_where where = wheres[_i / N_COUNTS];
	const typeof(counts[0]) *row = &counts[_i % N_COUNTS];
	struct files f;
	char cmd[1024], restart[32], max[32], e1[64], e2[64], e3[64];
	struct run r;

	make_files(&f);
	script(cmd, sizeof(cmd), &f, row->tail);
	snprintf(restart, sizeof(restart), "--restart=%s", row->policy);
	snprintf(max, sizeof(max), "--restart-max=%s", row->max);
	snprintf(e1, sizeof(e1), "REAPER_RESTART=%s", row->policy);
	snprintf(e2, sizeof(e2), "REAPER_RESTART_MAX=%s", row->max);
	snprintf(e3, sizeof(e3), "REAPER_RESTART_DELAY=10ms");
	char *with_opts[] = { (char *)reaper_path(), restart, max, "--restart-delay=10ms", "--",
			      "sh", "-c", cmd, NULL };
	char *with_env[] = { (char *)reaper_path(), "sh", "-c", cmd, NULL };
	char *env[] = { e1, e2, e3, NULL };
	struct run_opts opts = { .env_add = row->env ? env : NULL };

	run_start(&r, where, row->env ? with_env : with_opts, &opts);
	int code = run_wait(&r, EXIT_MS);
	int runs = count_lines(f.runs);
	remove_files(&f);
	ck_assert_msg(code == row->code && runs == row->runs,
		      "%s, --restart=%s --restart-max=%s (%s), '%s': exit %d after %d runs, "
		      "want %d after %d; stderr:\n%s", where_phrase(where), row->policy, row->max,
		      row->env ? "variables" : "options", row->tail, code, runs, row->code, row->runs,
		      r.err);
}
END_TEST

/* ---- told to stop: no restart -------------------------------------------- */

/* Wait until the runs file has want lines; fail at the deadline. */
static void await_runs(struct run *r, const struct files *f, int want)
{
	long long deadline = now_ms() + LINE_MS;

	while (count_lines(f->runs) < want) {
		ck_assert_msg(now_ms() < deadline, "no run %d within %d ms; stderr:\n%s", want,
			      LINE_MS, r->err);
		run_pump(r, 20);
	}
}

START_TEST(test_no_restart_after_term)
{
	enum run_where where = wheres[_i];
	struct files f;
	char cmd[1024];
	struct run r;

	make_files(&f);
	script(cmd, sizeof(cmd), &f, "exec sleep 100");
	char *argv[] = { (char *)reaper_path(), "--restart=always", "--restart-delay=0", "--",
			 "sh", "-c", cmd, NULL };
	run_start(&r, where, argv, NULL);
	await_runs(&r, &f, 1);
	run_signal(&r, SIGTERM);
	int code = run_wait(&r, EXIT_MS);
	int runs = count_lines(f.runs);
	remove_files(&f);
	ck_assert_msg(code == 128 + SIGTERM && runs == 1,
		      "%s: TERM to reaper: exit %d after %d runs, want 143 after 1; stderr:\n%s",
		      where_phrase(where), code, runs, r.err);
}
END_TEST

START_TEST(test_no_restart_after_timeout)
{
	enum run_where where = wheres[_i];
	struct files f;
	char cmd[1024];
	struct run r;

	make_files(&f);
	script(cmd, sizeof(cmd), &f, "exec sleep 100");
	char *argv[] = { (char *)reaper_path(), "--restart=always", "--restart-delay=0",
			 "--timeout=300ms", "--", "sh", "-c", cmd, NULL };
	run_start(&r, where, argv, NULL);
	int code = run_wait(&r, EXIT_MS);
	int runs = count_lines(f.runs);
	remove_files(&f);
	ck_assert_msg(code == 124 && runs == 1,
		      "%s: --timeout: exit %d after %d runs, want 124 after 1; stderr:\n%s",
		      where_phrase(where), code, runs, r.err);
}
END_TEST

/* ---- the back-off: idle, and cut short by a stop signal ------------------ */

/* voluntary + involuntary context switches of pid, from /proc. */
static long switches(pid_t pid)
{
	char path[64], text[4096], value[64];
	long total = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	(void)read_small_file(path, text, sizeof(text));
	const char *keys[] = { "voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:" };
	for (size_t i = 0; i < 2; i++) {
		const char *at = strstr(text, keys[i]);
		ck_assert_msg(at != NULL, "no %s in %s", keys[i], path);
		snprintf(value, sizeof(value), "%s", at + strlen(keys[i]));
		total += strtol(value, NULL, 10);
	}
	return total;
}

START_TEST(test_back_off_idle_and_stoppable)
{
	enum run_where where = wheres[_i];
	struct files f;
	char cmd[1024], trace[256], text[8192];
	struct run r;

	make_files(&f);
	script(cmd, sizeof(cmd), &f, "exit 5");
	snprintf(trace, sizeof(trace), "--trace-file=%s", f.trace);
	char *argv[] = { (char *)reaper_path(), "--restart=on-failure", "--restart-delay=1h",
			 trace, "--", "sh", "-c", cmd, NULL };
	run_start(&r, where, argv, NULL);
	pid_t pid = run_reaper_pid(&r, LINE_MS);
	long long deadline = now_ms() + LINE_MS;
	for (;;) {
		(void)read_small_file(f.trace, text, sizeof(text));
		if (strstr(text, "event=restart run=2 delay_ms=3600000\n") != NULL)
			break;
		ck_assert_msg(now_ms() < deadline, "no restart event; trace:\n%s\nstderr:\n%s",
			      text, r.err);
		run_pump(&r, 20);
	}
	/* Settled: two looks 100 ms apart agree (the turn that armed the
	 * back-off has ended); then the window. */
	long before = switches(pid);
	for (long again;; before = again) {
		run_pump(&r, 100);
		again = switches(pid);
		if (again == before)
			break;
		ck_assert_msg(now_ms() < deadline, "reaper never settled in the back-off");
	}
	run_pump(&r, WINDOW_MS);
	long after = switches(pid);
	(void)read_small_file(f.trace, text, sizeof(text));
	ck_assert_msg(after == before,
		      "%s: reaper woke %ld times in %d ms of its back-off; trace:\n%s",
		      where_phrase(where), after - before, WINDOW_MS, text);
	run_signal(&r, SIGTERM);
	int code = run_wait(&r, EXIT_MS); /* far below the hour of the back-off */
	int runs = count_lines(f.runs);
	remove_files(&f);
	ck_assert_msg(code == 5 && runs == 1,
		      "%s: TERM in the back-off: exit %d after %d runs, want 5 after 1; stderr:\n%s",
		      where_phrase(where), code, runs, r.err);
}
END_TEST

/* ---- what a run leaves behind, before the next start --------------------- */

START_TEST(test_leftovers_terminated_first)
{
	enum run_where where = wheres[_i];
	struct files f;
	char cmd[2048], text[4096];
	struct run r;

	make_files(&f);
	/* Run 1 leaves a plain sleep behind (it ignores nothing) and fails;
	 * run 2 says whether that sleep is still there, and succeeds. */
	snprintf(cmd, sizeof(cmd),
		 "if [ -s '%s' ]; then "
		 "  if kill -0 \"$(cat '%s')\" 2>/dev/null; then echo left >> '%s'; "
		 "  else echo gone >> '%s'; fi; exit 0; "
		 "fi; sleep 100 & echo $! > '%s'; echo run >> '%s'; exit 1",
		 f.pid, f.pid, f.runs, f.runs, f.pid, f.runs);
	char *argv[] = { (char *)reaper_path(), "--restart=on-failure", "--restart-delay=0",
			 "--", "sh", "-c", cmd, NULL };
	run_start(&r, where, argv, NULL);
	int code = run_wait(&r, EXIT_MS);
	(void)read_small_file(f.runs, text, sizeof(text));
	remove_files(&f);
	ck_assert_msg(code == 0 && strcmp(text, "run\ngone\n") == 0,
		      "%s: exit %d, runs file [%s], want 0 and [run gone]; stderr:\n%s",
		      where_phrase(where), code, text, r.err);
}
END_TEST

START_TEST(test_leftovers_waited_for)
{
	enum run_where where = wheres[_i];
	struct files f;
	char cmd[2048], text[4096];
	struct run r;

	make_files(&f);
	/* Run 1 leaves a process that writes "orphan" when it ends; with
	 * --orphans=wait, run 2 starts after that line. */
	snprintf(cmd, sizeof(cmd),
		 "if [ -s '%s' ]; then echo second >> '%s'; exit 0; fi; "
		 "echo first >> '%s'; (sleep 0.3; echo orphan >> '%s') & exit 1",
		 f.runs, f.runs, f.runs, f.runs);
	char *argv[] = { (char *)reaper_path(), "--restart=on-failure", "--restart-delay=0",
			 "--orphans=wait", "--", "sh", "-c", cmd, NULL };
	run_start(&r, where, argv, NULL);
	int code = run_wait(&r, EXIT_MS);
	(void)read_small_file(f.runs, text, sizeof(text));
	remove_files(&f);
	ck_assert_msg(code == 0 && strcmp(text, "first\norphan\nsecond\n") == 0,
		      "%s: exit %d, runs file [%s], want 0 and [first orphan second]; stderr:\n%s",
		      where_phrase(where), code, text, r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("restart");
	TCase *tc = tcase_create("runs");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_runs, 0, N_WHERES * N_COUNTS);
	tcase_add_loop_test(tc, test_no_restart_after_term, 0, N_WHERES);
	tcase_add_loop_test(tc, test_no_restart_after_timeout, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("back-off");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_back_off_idle_and_stoppable, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("leftovers");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_leftovers_terminated_first, 0, N_WHERES);
	tcase_add_loop_test(tc, test_leftovers_waited_for, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
