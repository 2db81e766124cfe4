/*
 * check_pause: `reaper -P` / `--pause` (issue 2, test 10; catatonit's -P),
 * the pod-infrastructure case: no command, reap what is orphaned into the
 * namespace, exit 0 on TERM or INT and on nothing else.
 *
 * As PID 1: reaper -P runs as init of a fresh PID namespace (unshare);
 * a process joins that namespace from the host with nsenter and makes
 * orphans there (tests/helpers/orphanfactory), which the kernel hands to
 * the namespace's init. With -w reaper logs each reaped process on stderr
 * ("reaped ..."): those lines are the event the test waits for, and then
 * no zombie may be left under reaper.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define LINE_MS 10000
#define EXIT_MS 10000
#define ORPHANS 5

/* The first executable nsenter on PATH, or NULL. */
static const char *find_nsenter(void)
{
	static const char *const candidates[] = { "/usr/bin/nsenter", "/bin/nsenter",
						  "/usr/sbin/nsenter", "/sbin/nsenter" };
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Occurrences of needle in haystack. */
static int count_in(const char *haystack, const char *needle)
{
	int n = 0;
	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Wait until reaper's stderr has carried want "reaped" lines. */
static bool wait_reaped(struct run *r, int want, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	while (count_in(r->err, "reaped") < want) {
		long long left = deadline - now_ms();
		if (left <= 0 || r->exited)
			return false;
		run_pump(r, (int)left);
	}
	return true;
}

/* In reaper's namespace (pid and mount: its /proc), run orphanfactory N
 * from the host; fail unless it made its orphans and exited 0. */
static void make_orphans_inside(pid_t reaper, int n)
{
	const char *nsenter = find_nsenter();
	ck_assert_msg(nsenter != NULL, "nsenter not found (util-linux)");
	char target[32], count[16];
	snprintf(target, sizeof target, "%ld", (long)reaper);
	snprintf(count, sizeof count, "%d", n);
	char *argv[] = { (char *)nsenter, "-t", target, "-p", "-m", "--",
			 (char *)helper_path("orphanfactory"), count, NULL };
	struct run ns;
	run_start(&ns, RUN_HOST, argv, NULL);
	bool done = run_expect_line(&ns, "done", LINE_MS);
	int code = run_wait(&ns, EXIT_MS);
	ck_assert_msg(done && code == 0, "orphanfactory in the namespace: exit %d\n%s%s", code,
		      ns.out, ns.err);
}

static const char *const pause_flags[] = { "-P", "--pause" };

START_TEST(test_pause_reaps_orphans)
{
	char *argv[] = { (char *)reaper_path(), (char *)pause_flags[_i], "-w", NULL };
	struct run r;
	run_start(&r, RUN_PID1, argv, NULL);
	pid_t pid = run_reaper_pid(&r, LINE_MS);

	/* Not termination signals for -P: reaper must still be there to reap
	 * the orphans made after them. */
	run_signal(&r, SIGHUP);
	run_signal(&r, SIGUSR1);
	run_signal(&r, SIGQUIT);

	make_orphans_inside(pid, ORPHANS);
	ck_assert_msg(wait_reaped(&r, ORPHANS, LINE_MS),
		      "%s as PID 1 logged %d of %d reaped orphans\n--- stderr:\n%s",
		      pause_flags[_i], count_in(r.err, "reaped"), ORPHANS, r.err);
	ck_assert_int_eq(count_zombies_below(pid), 0);
	ck_assert_int_eq(count_descendants(pid), 0);

	/* A second batch: reaping goes on. */
	make_orphans_inside(pid, ORPHANS);
	ck_assert_msg(wait_reaped(&r, 2 * ORPHANS, LINE_MS),
		      "second batch: %d of %d reaped\n--- stderr:\n%s", count_in(r.err, "reaped"),
		      2 * ORPHANS, r.err);
	ck_assert_int_eq(count_zombies_below(pid), 0);

	run_signal(&r, SIGTERM);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 0, "reaper %s exited %d on TERM, want 0\n%s", pause_flags[_i], code,
		      r.err);
}
END_TEST

/* Rows: where, the flag, the signal that ends it. */
static const struct {
	enum run_where where;
	const char *flag;
	int signo;
} exit_rows[] = {
	{ RUN_PID1, "-P", SIGTERM },
	{ RUN_PID1, "-P", SIGINT },
	{ RUN_PID1, "--pause", SIGTERM },
	{ RUN_HOST, "-P", SIGTERM },
	{ RUN_HOST, "-P", SIGINT },
};

/* It exits 0 on TERM or INT, and not before: HUP, USR1 and WINCH come
 * first, then an orphan round trip (PID 1 only) or the exit signal itself
 * shows it was still there. On the host nothing can be orphaned into it
 * (it has no descendants), so there the exit status is what is checked. */
START_TEST(test_pause_exits_on_signal)
{
	char *argv[] = { (char *)reaper_path(), (char *)exit_rows[_i].flag, "-w", NULL };
	struct run r;
	run_start(&r, exit_rows[_i].where, argv, NULL);
	pid_t pid = run_reaper_pid(&r, LINE_MS);
	run_signal(&r, SIGHUP);
	run_signal(&r, SIGUSR1);
	run_signal(&r, SIGWINCH);
	if (exit_rows[_i].where == RUN_PID1) {
		make_orphans_inside(pid, 1);
		ck_assert_msg(wait_reaped(&r, 1, LINE_MS), "not reaping after HUP/USR1/WINCH: %s",
			      r.err);
	}
	ck_assert_msg(!r.exited, "reaper %s left before TERM/INT: %s", exit_rows[_i].flag, r.err);
	run_signal(&r, exit_rows[_i].signo);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 0, "reaper %s exited %d on signal %d, want 0\n%s",
		      exit_rows[_i].flag, code, exit_rows[_i].signo, r.err);
	ck_assert_msg(r.out_len == 0, "reaper wrote on stdout: %s", r.out);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("pause");
	TCase *tc = tcase_create("pause");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_pause_reaps_orphans, 0,
			    (int)(sizeof pause_flags / sizeof pause_flags[0]));
	tcase_add_loop_test(tc, test_pause_exits_on_signal, 0,
			    (int)(sizeof exit_rows / sizeof exit_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}
