/*
 * check_idle: an idle reaper makes no system call (issue 2, test 11;
 * DESIGN.md "The core loop", step 4: no periodic wake-ups).
 *
 * Reaper runs a child that blocks (the signal recorder, and `sleep 30`).
 * Once reaper is known to sit in its wait, strace attaches to it for a
 * fixed window of a few seconds (the window is the measurement here, not
 * a synchronisation), is detached with SIGINT, and its log must show no
 * completed system call: only the one call reaper was blocked in when
 * strace came, which strace prints as unfinished/detached. A reaper with
 * any timeout on its wait (tini wakes every second) fails this.
 *
 * Without strace, or where ptrace is not allowed, the case says so on
 * stderr and skips.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define WINDOW_MS 3000
#define LINE_MS 10000

/*
 * Completed system calls and other events in an strace -o log: every line
 * with a return value (" = "), a signal delivery ("--- SIG") or an exit
 * ("+++"). The call reaper was blocked in at attach time appears as
 * "poll(... <unfinished ...>" or "... <detached ...>" and is not counted,
 * nor is a "restart_syscall(<... resuming ...>" of it that never returned.
 */
static int count_events(const char *log, int *lines)
{
	int events = 0;
	*lines = 0;
	for (const char *line = log; *line;) {
		size_t len = strcspn(line, "\n");
		if (len > 0) {
			char copy[1024];
			snprintf(copy, sizeof copy, "%.*s", (int)len, line);
			(*lines)++;
			if (strstr(copy, " = ") || strstr(copy, "--- ") || strstr(copy, "+++ "))
				events++;
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	return events;
}

/* Wait for strace's "<argv0>: Process PID attached" (argv0 as strace
 * was invoked); false on EOF or timeout. */
static bool strace_attached(struct run *st, pid_t pid)
{
	char want[64], line[1024];
	snprintf(want, sizeof want, ": Process %ld attached", (long)pid);
	size_t want_len = strlen(want);
	long long deadline = now_ms() + LINE_MS;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0 || !run_read_line(st, line, sizeof line, (int)left))
			return false;
		size_t len = strlen(line);
		if (len >= want_len && strcmp(line + len - want_len, want) == 0)
			return true;
	}
}

/*
 * Attach strace to pid for WINDOW_MS and return how many completed calls
 * or events it saw; the log goes to log (NUL-terminated). Returns -1 (and
 * says why) when strace cannot trace here.
 */
static int observe(pid_t pid, char *log, size_t size)
{
	char strace_buf[4096];
	const char *strace = find_program("strace", strace_buf, sizeof strace_buf);
	if (!strace) {
		test_skip("strace is not installed (make deps installs it)");
		return -1;
	}
	char out_path[] = "/tmp/reaper-idle-XXXXXX";
	int out_fd = mkstemp(out_path);
	ck_assert_msg(out_fd >= 0, "mkstemp: %s", strerror(errno));
	close(out_fd);

	/* strace reports attach and detach on stderr: fold it into stdout so
	 * the harness can wait for the "attached" line. */
	char pid_arg[32];
	snprintf(pid_arg, sizeof pid_arg, "%ld", (long)pid);
	char *argv[] = { "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", (char *)strace, "-f",
			 "-p", pid_arg, "-o", out_path, NULL };
	struct run st;
	run_start(&st, RUN_HOST, argv, NULL);
	if (!strace_attached(&st, pid)) {
		kill(st.pid, SIGKILL);
		int code = run_wait(&st, LINE_MS);
		unlink(out_path);
		if (strstr(st.out, "Operation not permitted") || strstr(st.out, "ptrace")) {
			char why[512];
			snprintf(why, sizeof why, "strace cannot attach here: %.400s", st.out);
			test_skip(why);
			return -1;
		}
		ck_abort_msg("strace did not attach to %ld (exit %d): %s", (long)pid, code, st.out);
	}

	/* The measurement: a fixed window in which reaper must do nothing. */
	(void)poll(NULL, 0, WINDOW_MS);

	ck_assert_int_eq(kill(st.pid, SIGINT), 0);
	int code = run_wait(&st, LINE_MS);
	ck_assert_msg(read_small_file(out_path, log, size), "cannot open %s", out_path);
	unlink(out_path);
	ck_assert_msg(code == 0 || code == 128 + SIGINT, "strace exited %d: %s", code, st.out);

	int lines;
	int events = count_events(log, &lines);
	ck_assert_msg(lines > 0,
		      "strace recorded not even the call reaper was blocked in; cannot judge: %s",
		      st.out);
	return events;
}

/* Watch reaper (idle by now) for WINDOW_MS and check it made no system
 * call, then TERM it and put its exit code in *code; false (after a SKIP
 * line) when strace cannot watch here. Reaper is waited for either way. */
static bool idle_then_term(struct run *r, int *code)
{
	static char log[65536];
	int events = observe(run_reaper_pid(r, LINE_MS), log, sizeof log);

	run_signal(r, SIGTERM);
	*code = run_wait(r, LINE_MS);
	if (events < 0)
		return false;
	ck_assert_msg(events == 0,
		      "idle reaper made %d system call(s) in %d ms; strace log:\n%s", events,
		      WINDOW_MS, log);
	return true;
}

/* Reaper with the recorder as its child. A signal round trip (sent to
 * reaper, seen by the child) proves reaper went through its loop and is
 * back in its wait before strace comes. */
START_TEST(test_idle_with_recorder)
{
	char *argv[] = { (char *)reaper_path(), "--", (char *)helper_path("sigrecorder"),
			 "--exit-on", "TERM", NULL };
	struct run r;
	run_start(&r, wheres[_i], argv, NULL);
	char line[256];
	ck_assert_msg(run_read_line(&r, line, sizeof line, LINE_MS), "no ready line: %s", r.err);
	ck_assert_msg(strncmp(line, "ready ", 6) == 0, "not a ready line: %s", line);
	run_signal(&r, SIGWINCH);
	ck_assert_msg(run_expect_line(&r, "sig 28", LINE_MS), "WINCH not forwarded: %s%s", r.out,
		      r.err);

	int code;
	if (!idle_then_term(&r, &code))
		return;
	ck_assert_msg(code == 0, "reaper exited %d after TERM: %s", code, r.err);
}
END_TEST

/* The plain case from the issue: reaper waiting on `sleep 30`. The child
 * prints "ready" after it was exec'd, so reaper has seen the exec-error
 * pipe close; a WINCH round trip cannot be seen with sleep, so the
 * recorder case above is the precise one and this one the realistic. */
START_TEST(test_idle_with_sleep)
{
	char *argv[] = { (char *)reaper_path(), "--", "/bin/sh", "-c",
			 "echo ready; exec sleep 30", NULL };
	struct run r;
	run_start(&r, wheres[_i], argv, NULL);
	ck_assert_msg(run_expect_line(&r, "ready", LINE_MS), "no ready line: %s", r.err);

	int code;
	if (!idle_then_term(&r, &code))
		return;
	ck_assert_msg(code == 128 + SIGTERM, "reaper exited %d, want 143 (sleep killed by TERM)",
		      code);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("idle");
	TCase *tc = tcase_create("no-syscalls");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_idle_with_recorder, 0, 2);
	tcase_add_loop_test(tc, test_idle_with_sleep, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
