/*
 * check_send: --send SIG@DURATION makes reaper send SIG to the job
 * DURATION after start (issue 6, test 3).
 *
 * - `--send USR1@200ms` reaches the signal recorder within a bounded
 *   window: from just before the test starts reaper to the moment the
 *   recorder's "sig 10" line arrives, at least 200 ms and less than
 *   200 ms + SLACK_MS. The bound is deliberately generous (a loaded CI
 *   machine, a sanitizer build, unshare's start-up): it catches a send
 *   that never comes, or one scheduled in the wrong unit, not jitter.
 * - By reaper's own clock (the trace's t, which counts from reaper's
 *   start), a send due at D is not sent before D.
 * - Several --send are delivered in time order, whatever their order on
 *   the command line or in REAPER_SEND, in any unit.
 * - The same path as a received signal: rewrites apply (USR1:USR2), and
 *   a TERM sent so starts --kill-after.
 * - A malformed --send is a usage error (125) naming the option.
 *
 * Each case runs as PID 1 and on the host.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "harness_util.h"

#define RUN_MS 10000
#define LINE_MS 5000
#define SEND_MS 200
#define SLACK_MS 1500
#define MAX_ARGS 24

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The job starts with the signals these tests send already blocked (reaper
 * hands its own starting mask on), so a --send that lands before the
 * recorder has blocked them itself cannot kill it: on a loaded machine the
 * exec can take longer than the earliest send (100 ms). The recorder reads
 * them from its signalfd either way. */
static const sigset_t *send_mask(void)
{
	static sigset_t mask;
	sigemptyset(&mask);
	int signos[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGINT };
	for (size_t i = 0; i < sizeof signos / sizeof signos[0]; i++)
		sigaddset(&mask, signos[i]);
	return &mask;
}

static int run_blocked(struct run *r, enum run_where where, char *const argv[], int timeout_ms)
{
	struct run_opts opts = { .mask = send_mask() };
	run_start(r, where, argv, &opts);
	return run_wait(r, timeout_ms);
}

/* ---- the window -------------------------------------------------------- */

START_TEST(test_send_window)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--send", "USR1@200ms", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "USR1", NULL };
	struct run r;
	struct run_opts opts = { .mask = send_mask() };
	long long start = now_us();
	run_start(&r, where, argv, &opts);
	char line[256];
	ck_assert_msg(run_read_line(&r, line, sizeof line, LINE_MS) &&
			      strncmp(line, "ready ", 6) == 0,
		      "as %s: the recorder did not say ready first; stdout:\n%s\nstderr:\n%s",
		      where_name(where), r.out, r.err);
	bool got = run_read_line(&r, line, sizeof line, SEND_MS + SLACK_MS);
	long long took_us = now_us() - start;
	ck_assert_msg(got, "as %s: no signal within %d ms; stderr:\n%s", where_name(where),
		      SEND_MS + SLACK_MS, r.err);
	ck_assert_msg(strcmp(line, "sig 10") == 0, "as %s: first signal line [%s], want [sig 10]",
		      where_name(where), line);
	ck_assert_msg(took_us >= SEND_MS * 1000LL,
		      "as %s: USR1 arrived %lld.%03lld ms after start, before the 200 ms asked",
		      where_name(where), took_us / 1000, took_us % 1000);
	ck_assert_msg(took_us < (SEND_MS + SLACK_MS) * 1000LL,
		      "as %s: USR1 arrived %lld ms after start, not within %d ms of the 200 ms asked",
		      where_name(where), took_us / 1000, SLACK_MS);
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == 0, "as %s: reaper exited %d; stderr:\n%s", where_name(where), code,
		      r.err);
}
END_TEST

/* The t of the first "event=signal ... from=send" line, in 0.1 ms units,
 * or -1. t is "<seconds>.<4 digits>" at the start of the line. */
static long long send_event_t(const char *trace)
{
	for (const char *line = trace; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		char buf[256];
		snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1),
			 line);
		if (strncmp(buf, "t=", 2) == 0 && strstr(buf, " event=signal ") != NULL &&
		    strstr(buf, " from=send") != NULL) {
			char *stop;
			errno = 0;
			long long whole = strtoll(buf + 2, &stop, 10);
			if (errno != 0 || stop == buf + 2 || *stop != '.' || whole < 0)
				return -1;
			long long frac = 0;
			const char *p = stop + 1;
			for (int i = 0; i < 4; i++, p++) {
				if (*p < '0' || *p > '9')
					return -1;
				frac = frac * 10 + (*p - '0');
			}
			return *p == ' ' ? whole * 10000 + frac : -1;
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	return -1;
}

/* Reaper's own clock: the trace counts t from reaper's start, so a send
 * due at 200 ms must carry t >= 0.2000. A few runs, since how early a
 * send that rounds its start down to the millisecond fires depends on
 * where in the millisecond reaper started. */
START_TEST(test_send_not_early_by_own_clock)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--trace", "--send", "USR1@200ms", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "USR1", NULL };
	for (int run = 1; run <= 3; run++) {
		struct run r;
		int code = run_blocked(&r, where, argv, RUN_MS);
		ck_assert_msg(code == 0, "as %s: reaper exited %d; stderr:\n%s", where_name(where),
			      code, r.err);
		long long t = send_event_t(r.err);
		ck_assert_msg(t >= 0, "as %s: no 'event=signal ... from=send' line:\n%s",
			      where_name(where), r.err);
		ck_assert_msg(t >= SEND_MS * 10LL,
			      "as %s, run %d: --send USR1@200ms was sent at t=%lld.%04lld by "
			      "reaper's own clock, before 200 ms:\n%s",
			      where_name(where), run, t / 10000, t % 10000, r.err);
	}
}
END_TEST

/* ---- order ------------------------------------------------------------- */

static const struct {
	const char *args[8];  /* reaper options, NULL-terminated */
	const char *env;      /* REAPER_SEND value, or NULL */
	const char *want[4];  /* the recorder's signal lines, in order */
} order_rows[] = {
	{ { "--send", "USR2@400ms", "--send", "USR1@200ms" }, NULL, { "sig 10", "sig 12" } },
	{ { "--send", "USR1@100ms", "--send", "HUP@200ms", "--send", "USR2@300ms" }, NULL,
	  { "sig 10", "sig 1", "sig 12" } },
	{ { "--send", "USR2@300ms", "--send", "USR1@100ms", "--send", "HUP@200ms" }, NULL,
	  { "sig 10", "sig 1", "sig 12" } },
	{ { "--send", "USR2@0.3s", "--send", "SIGHUP@200ms", "--send", "10@0.1" }, NULL,
	  { "sig 10", "sig 1", "sig 12" } },
	{ { NULL }, "USR2@300ms,USR1@100ms,HUP@200ms", { "sig 10", "sig 1", "sig 12" } },
};
#define N_ORDER_ROWS (int)(sizeof order_rows / sizeof order_rows[0])

/* Loop index: row _i / N_WHERES, where _i % N_WHERES. The recorder exits
 * on USR2, the last signal of every row. */
START_TEST(test_send_order)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	char *argv[MAX_ARGS];
	int a = 0;
	argv[a++] = (char *)reaper_path();
	for (int i = 0; order_rows[row].args[i] != NULL; i++)
		argv[a++] = (char *)order_rows[row].args[i];
	argv[a++] = "--";
	argv[a++] = (char *)helper_path("sigrecorder");
	argv[a++] = "--exit-on";
	argv[a++] = "USR2";
	argv[a] = NULL;
	char env_send[128];
	char *env[] = { env_send, NULL };
	struct run_opts opts = { .mask = send_mask() };
	if (order_rows[row].env != NULL) {
		snprintf(env_send, sizeof env_send, "REAPER_SEND=%s", order_rows[row].env);
		opts.env_add = env;
	}
	struct run r;
	run_start(&r, where, argv, &opts);
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == 0, "row %d as %s: reaper exited %d; stderr:\n%s", row,
		      where_name(where), code, r.err);

	/* The lines after "ready" are the signals, in arrival order. */
	const char *p = strstr(r.out, "ready ");
	ck_assert_msg(p == r.out, "row %d as %s: stdout does not start with ready:\n%s", row,
		      where_name(where), r.out);
	p = strchr(p, '\n') + 1;
	char want[128] = "";
	for (int i = 0; order_rows[row].want[i] != NULL; i++) {
		strcat(want, order_rows[row].want[i]);
		strcat(want, "\n");
	}
	ck_assert_msg(strcmp(p, want) == 0, "row %d as %s: the recorder got\n%swant\n%s", row,
		      where_name(where), p, want);
}
END_TEST

/* ---- the received-signal path ------------------------------------------ */

/* -r USR1:USR2 applies to a sent USR1: the recorder gets USR2 only. */
START_TEST(test_send_rewrite_applies)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "-r", "USR1:USR2", "--send", "USR1@100ms", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "USR2", NULL };
	struct run r;
	int code = run_blocked(&r, where, argv, RUN_MS);
	ck_assert_msg(code == 0, "as %s: reaper exited %d; stderr:\n%s", where_name(where), code,
		      r.err);
	ck_assert_msg(run_count_lines(&r, "sig 12") == 1 && run_count_lines(&r, "sig 10") == 0,
		      "as %s: want USR2 and no USR1:\n%s", where_name(where), r.out);
}
END_TEST

/* A sent TERM is a stop signal like a received one: --kill-after KILLs a
 * job that only records it. */
START_TEST(test_send_starts_kill_after)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--send", "TERM@100ms", "--kill-after", "200ms",
			 "--", (char *)helper_path("sigrecorder"), NULL };
	struct run r;
	int code = run_blocked(&r, where, argv, RUN_MS);
	ck_assert_msg(code == 128 + SIGKILL, "as %s: reaper exited %d, want %d; stderr:\n%s",
		      where_name(where), code, 128 + SIGKILL, r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 1, "as %s: the TERM did not arrive:\n%s",
		      where_name(where), r.out);
}
END_TEST

/* ---- usage errors ------------------------------------------------------ */

static const char *const bad_sends[] = { "USR1", "USR1@", "@1s", "BOGUS@1s", "USR1@soon",
					 "USR1@-1s", "USR1@1s@2s" };
#define N_BAD_SENDS (int)(sizeof bad_sends / sizeof bad_sends[0])

START_TEST(test_send_bad_value)
{
	const char *value = bad_sends[_i];
	char *argv[] = { (char *)reaper_path(), "--send", (char *)value, "--", "/bin/sh", "-c",
			 "echo ran", NULL };
	struct run r;
	int code = run_blocked(&r, RUN_HOST, argv, RUN_MS);
	ck_assert_msg(code == 125, "--send %s: reaper exited %d, want 125; stderr:\n%s", value,
		      code, r.err);
	ck_assert_msg(r.out_len == 0, "--send %s: the command ran: %s", value, r.out);
	const char *nl = strchr(r.err, '\n');
	ck_assert_msg(strncmp(r.err, "reaper: ", 8) == 0 && nl != NULL && nl[1] == '\0' &&
			      strstr(r.err, "--send") != NULL,
		      "--send %s: want one 'reaper: ' line naming --send, got [%s]", value, r.err);
}
END_TEST

/* At most 32 --send: the 33rd is a usage error, 32 are fine. */
START_TEST(test_send_limit)
{
	int count = _i == 0 ? 32 : 33;
	char *argv[2 * 33 + 8];
	int a = 0;
	argv[a++] = (char *)reaper_path();
	for (int i = 0; i < count; i++) {
		argv[a++] = "--send";
		argv[a++] = "WINCH@1h";
	}
	argv[a++] = "--";
	argv[a++] = "/bin/sh";
	argv[a++] = "-c";
	argv[a++] = "exit 0";
	argv[a] = NULL;
	struct run r;
	int code = run_blocked(&r, RUN_HOST, argv, RUN_MS);
	ck_assert_msg(code == (count == 32 ? 0 : 125), "%d --send: reaper exited %d; stderr:\n%s",
		      count, code, r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("send");
	TCase *tc = tcase_create("timing");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_send_window, 0, N_WHERES);
	tcase_add_loop_test(tc, test_send_not_early_by_own_clock, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("order");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_send_order, 0, N_ORDER_ROWS * N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("path");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_send_rewrite_applies, 0, N_WHERES);
	tcase_add_loop_test(tc, test_send_starts_kill_after, 0, N_WHERES);
	tcase_add_loop_test(tc, test_send_bad_value, 0, N_BAD_SENDS);
	tcase_add_loop_test(tc, test_send_limit, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
