/*
 * check_stress_io: reaper's log can never block or kill it (issue 8,
 * stress test 5; STYLE.md "Errors and logging": a full or closed stderr
 * drops the line, never stalls the loop; a SIGPIPE our own write caused is
 * not forwarded).
 *
 * Every case runs reaper with -v (a line per reaped process and per
 * forwarded signal) as PID 1 of a new namespace and on the host:
 *
 * - closed: stdout and stderr closed (or stderr alone) before reaper
 *   starts (tests/helpers/fdplay). The job makes 2000 orphans and exits
 *   9: reaper exits 9 and leaves nothing.
 * - full: stderr is a pipe the test does not read while the job makes
 *   5000 orphans (about 150 kB of log for a 64 kB pipe). The test waits
 *   on reaper's pidfd without reading anything; reaper must reap all 5000
 *   (each one is an event=reap line in a --trace-file), exit 9, and the
 *   stderr read afterwards must lack lines (they were dropped, not
 *   waited for).
 * - broken: stderr is a pipe whose read end is closed, so every log line
 *   fails with EPIPE and raises SIGPIPE in reaper. The child is
 *   tests/helpers/sigrecorder: after a probe signal, a SIGPIPE the test
 *   sends to reaper reaches it (the control), the USR1s that follow (each
 *   logged, so each raising a SIGPIPE of reaper's own) reach it, and the
 *   next line after them is the SIGRTMAX marker: no "sig 13" of reaper's
 *   own came before it.
 */
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

#define LINE_MS 10000
#define RUN_MS 30000
#define JOB_CODE 9
#define CLOSED_ORPHANS 2000
#define FULL_ORPHANS 5000
#define BROKEN_USR1 20


static void send_line(struct run *r, const char *text)
{
	size_t len = strlen(text);
	ck_assert_msg(write(r->stdin_fd, text, len) == (ssize_t)len, "write to the job: %s",
		      strerror(errno));
}

/* Lines of text that contain needle. */
static int count_containing(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* ---- closed ------------------------------------------------------------ */

static const struct {
	const char *name;
	const char *play[8];
	bool stdout_open;
} closed_rows[] = {
	{ "stdout and stderr closed", { "--close", "1", "--close", "2", NULL }, false },
	{ "stderr closed", { "--close", "2", NULL }, true },
	{ "stdin, stdout and stderr closed", { "--close", "0", "--close", "1", "--close", "2",
					       NULL }, false },
};
#define N_CLOSED (int)(sizeof closed_rows / sizeof closed_rows[0])

START_TEST(test_closed)
{
	int row = _i / 2;
	enum run_where where = wheres[_i % N_WHERES];
	const char *what = closed_rows[row].name;
	char *argv[24];
	size_t argc = 0;
	argv[argc++] = (char *)helper_path("fdplay");
	for (size_t i = 0; closed_rows[row].play[i] != NULL; i++)
		argv[argc++] = (char *)closed_rows[row].play[i];
	argv[argc++] = "--";
	argv[argc++] = (char *)reaper_path();
	argv[argc++] = "-v";
	argv[argc++] = "--trace";
	argv[argc++] = "--report";
	argv[argc++] = "--";
	argv[argc++] = (char *)helper_path("orphanstream");
	argv[argc++] = "--exit";
	argv[argc++] = "9";
	argv[argc] = NULL;

	bool stdin_open = strcmp(closed_rows[row].play[1], "0") != 0;
	struct run_opts opts = { .pipe_stdin = true };
	struct run r;
	run_start(&r, where, argv, &opts);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "%d\nexit\n", CLOSED_ORPHANS);
	if (stdin_open)
		send_line(&r, cmd);
	/* With stdin closed the job reads EOF at once and exits 9. */
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == JOB_CODE, "%s, %s: reaper exited %d, want the job's %d\n"
		      "--- stdout:\n%s\n--- stderr:\n%s", what, where_phrase(where), code,
		      JOB_CODE, r.out, r.err);
	if (closed_rows[row].stdout_open) {
		char want[32];
		snprintf(want, sizeof want, "made %d", CLOSED_ORPHANS);
		ck_assert_msg(run_count_lines(&r, want) == 1, "%s: the job did not finish:\n%s",
			      what, r.out);
	}
	ck_assert_msg(r.err_len == 0, "%s, %s: stderr was closed, yet it carried:\n%s", what,
		      where_phrase(where), r.err);
	ck_assert_msg(r.leftovers == 0, "%s, %s: %d processes left behind", what,
		      where_phrase(where), r.leftovers);
}
END_TEST

/* ---- full -------------------------------------------------------------- */

START_TEST(test_full_pipe)
{
	enum run_where where = wheres[_i];
	char dir[] = "/tmp/reaper-io-XXXXXX";
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	char trace[64];
	snprintf(trace, sizeof trace, "%s/trace", dir);
	char *argv[] = { (char *)reaper_path(), "-v", "--trace-file", trace, "--",
			 (char *)helper_path("orphanstream"), "--exit", "9", NULL };
	struct run_opts opts = { .pipe_stdin = true };
	struct run r;
	run_start(&r, where, argv, &opts);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "%d\nexit\n", FULL_ORPHANS);
	send_line(&r, cmd);

	/* Nothing reads reaper's stderr until it has exited: wait on its
	 * pidfd alone (harness.c opened it; run_wait closes it). */
	ck_assert_msg(r.pid_fd >= 0, "no pidfd for the run: cannot wait without reading");
	struct pollfd pfd = { .fd = r.pid_fd, .events = POLLIN };
	long long deadline = now_ms() + RUN_MS;
	int ready;
	do
		ready = poll(&pfd, 1, (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0));
	while (ready < 0 && errno == EINTR);
	bool exited = ready > 0;
	int code = run_wait(&r, LINE_MS); /* reads the pipe at last */
	ck_assert_msg(exited, "%s: reaper did not exit within %d ms with its stderr full\n"
		      "--- stderr (%zu bytes)", where_phrase(where), RUN_MS, r.err_len);
	ck_assert_msg(code == JOB_CODE, "%s: reaper exited %d, want the job's %d\n%s",
		      where_phrase(where), code, JOB_CODE, r.out);

	char want[32];
	snprintf(want, sizeof want, "made %d", FULL_ORPHANS);
	ck_assert_msg(run_count_lines(&r, want) == 1, "the job did not finish:\n%s", r.out);
	int logged = count_containing(r.err, "reaper: reaped pid ");
	ck_assert_msg(logged > 0 && logged < FULL_ORPHANS,
		      "%s: %d of %d reaps logged: the pipe was never full, or nothing was "
		      "logged (%zu bytes of stderr)", where_phrase(where), logged, FULL_ORPHANS,
		      r.err_len);

	FILE *f = fopen(trace, "re");
	ck_assert_msg(f != NULL, "no trace file: %s", strerror(errno));
	int reaps = 0, exits = 0;
	char line[512];
	while (fgets(line, sizeof line, f) != NULL) {
		reaps += strstr(line, " event=reap ") != NULL;
		exits += strstr(line, " event=exit ") != NULL;
	}
	fclose(f);
	ck_assert_int_eq(unlink(trace), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_msg(reaps == FULL_ORPHANS && exits == 1,
		      "%s: reaper traced %d reaps and %d main-child exits, want %d and 1",
		      where_phrase(where), reaps, exits, FULL_ORPHANS);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

/* ---- broken ------------------------------------------------------------ */

static void expect_next(struct run *r, const char *want, const char *when)
{
	char line[256];
	ck_assert_msg(run_read_line(r, line, sizeof line, LINE_MS),
		      "%s: no line while waiting for \"%s\"\n--- stdout:\n%s", when, want, r->out);
	ck_assert_msg(strcmp(line, want) == 0, "%s: expected \"%s\", got \"%s\"\n--- stdout:\n%s",
		      when, want, line, r->out);
}

START_TEST(test_broken_pipe)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)helper_path("fdplay"), "--broken", "2", "--",
			 (char *)reaper_path(), "-v", "--trace", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "RTMAX", "--exit", "9",
			 NULL };
	/* Every signal blocked from fork on: reaper passes that mask to the
	 * recorder, which must not die of a signal before it reads them. */
	sigset_t all;
	sigfillset(&all);
	struct run_opts opts = { .mask = &all };
	struct run r;
	run_start(&r, where, argv, &opts);
	char line[256];
	ck_assert_msg(run_expect_prefix(&r, "ready ", line, sizeof line, LINE_MS),
		      "%s: the recorder did not start\n--- stdout:\n%s", where_phrase(where),
		      r.out);
	/* The recorder runs: reaper blocked every signal before it forked. */
	pid_t reaper = run_reaper_pid(&r, LINE_MS);

	/* A probe first. What the child got before it is not reaper's doing:
	 * under AddressSanitizer, reaper's child writes a warning to the
	 * broken stderr before its exec, and takes that SIGPIPE itself. The
	 * SIGPIPEs of reaper's own log lines that follow are what counts. */
	char probe[32];
	snprintf(probe, sizeof probe, "sig %d", SIGRTMIN + 2);
	ck_assert_int_eq(kill(reaper, SIGRTMIN + 2), 0);
	int before_probe = 0;
	for (;;) {
		ck_assert_msg(run_read_line(&r, line, sizeof line, LINE_MS),
			      "%s: the probe did not arrive\n--- stdout:\n%s", where_phrase(where),
			      r.out);
		if (strcmp(line, probe) == 0)
			break;
		ck_assert_msg(strcmp(line, "sig 13") == 0, "%s: before the probe: \"%s\"",
			      where_phrase(where), line);
		before_probe++;
	}

	/* Control: a SIGPIPE from someone else is the job's. */
	ck_assert_int_eq(kill(reaper, SIGPIPE), 0);
	expect_next(&r, "sig 13", "a SIGPIPE sent to reaper");
	/* Each forwarded USR1 is logged, and each log line raises a SIGPIPE
	 * in reaper: none of those may reach the job. */
	for (int i = 0; i < BROKEN_USR1; i++) {
		ck_assert_int_eq(kill(reaper, SIGUSR1), 0);
		expect_next(&r, "sig 10", "a USR1 sent to reaper");
	}
	/* The marker is the highest signal: anything still pending at the
	 * recorder (a SIGPIPE, 13) would come out before it. */
	char marker[32];
	snprintf(marker, sizeof marker, "sig %d", SIGRTMAX);
	ck_assert_int_eq(kill(reaper, SIGRTMAX), 0);
	expect_next(&r, marker, "the marker after the USR1s");
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == JOB_CODE, "%s: reaper exited %d, want the recorder's %d",
		      where_phrase(where), code, JOB_CODE);
	ck_assert_msg(run_count_lines(&r, "sig 13") - before_probe == 1,
		      "%s: the job got %d SIGPIPEs after the probe, the test sent 1\n%s",
		      where_phrase(where), run_count_lines(&r, "sig 13") - before_probe, r.out);
	ck_assert_msg(r.err_len == 0, "stderr was broken, yet it carried:\n%s", r.err);
	ck_assert_int_eq(r.leftovers, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("stress_io");
	TCase *tc = tcase_create("closed");
	tcase_set_timeout(tc, 40);
	tcase_add_loop_test(tc, test_closed, 0, 2 * N_CLOSED);
	suite_add_tcase(s, tc);

	tc = tcase_create("full");
	tcase_set_timeout(tc, 45);
	tcase_add_loop_test(tc, test_full_pipe, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("broken");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_broken_pipe, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
