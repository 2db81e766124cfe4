/*
 * check_trace: --trace writes one logfmt line per event, with stable field
 * names and a monotonic time since start (issue 6, test 1).
 *
 * The known scenario: the main child (sh) runs jobtree, whose grandchild
 * calls setsid() and is orphaned to reaper when jobtree exits; sh then
 * execs the signal recorder, which exits 0 on TERM. `--send TERM@300ms`
 * makes reaper send TERM to the job's group (the orphan has its own
 * session, so it does not get it); the recorder exits 0, the orphan is a
 * left-over that gets TERM from the orphan policy, exits 0 and is reaped.
 * The trace must hold exactly these events, in this order:
 *
 *   spawn pid=M cmd=/bin/sh
 *   signal sig=TERM from=send
 *   forward sig=TERM target=group:M
 *   exit pid=M code=0
 *   escalate sig=TERM left=1
 *   reap pid=O status=exit:0
 *   done code=0 reason="the main child's exit code"
 *
 * M and O are what the helpers print (as the process's own PID namespace
 * numbers it, as reaper does). The job starts with TERM blocked, so a TERM
 * that came before sh had exec'd the recorder would wait for the recorder
 * rather than kill sh; the send comes long after the orphan is set up,
 * which takes milliseconds.
 *
 * Also: --trace-file writes the same lines to the file and nothing to
 * stderr; a signal the test sends carries the sender's pid and uid; the
 * rewrite, drop, timeout and escalation to KILL events. Every line is
 * parsed: "t=<seconds>.<4 digits>" first, then "event=<name>", then
 * key=value fields (a value with spaces in double quotes); t never goes
 * back. Each case runs with reaper as PID 1 and on the host.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define RUN_MS 10000
#define LINE_MS 5000
#define MAX_FIELDS 12
#define MAX_EVENTS 32

/* ---- logfmt ------------------------------------------------------------ */

struct field {
	char key[24];
	char value[200];
};

struct event {
	long long t;      /* in units of 0.1 ms */
	int n;            /* fields after t */
	struct field f[MAX_FIELDS];
};

/* Parse "key=value key=\"quoted value\" ..." (one line, no newline) into
 * f; returns the number of fields, or -1 (with why) when malformed. Keys
 * are [a-z]+; a plain value runs to the next space; a quoted one to the
 * next unescaped '"', with \" and \\ as escapes. One space between fields. */
static int parse_fields(const char *s, struct field *f, int max, char *why, size_t why_size)
{
	int n = 0;
	while (*s != '\0') {
		if (n == max) {
			snprintf(why, why_size, "more than %d fields", max);
			return -1;
		}
		size_t klen = 0;
		while (s[klen] >= 'a' && s[klen] <= 'z')
			klen++;
		if (klen == 0 || klen >= sizeof f[n].key || s[klen] != '=') {
			snprintf(why, why_size, "bad key at [%s]", s);
			return -1;
		}
		memcpy(f[n].key, s, klen);
		f[n].key[klen] = '\0';
		s += klen + 1;
		size_t vlen = 0;
		if (*s == '"') {
			s++;
			while (*s != '"') {
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				if (*s == '\0' || vlen + 1 >= sizeof f[n].value) {
					snprintf(why, why_size, "unterminated or long quoted value for %s",
						 f[n].key);
					return -1;
				}
				f[n].value[vlen++] = *s++;
			}
			s++;
		} else {
			while (*s != ' ' && *s != '\0') {
				if (*s == '"' || vlen + 1 >= sizeof f[n].value) {
					snprintf(why, why_size, "bad plain value for %s", f[n].key);
					return -1;
				}
				f[n].value[vlen++] = *s++;
			}
			if (vlen == 0) {
				snprintf(why, why_size, "empty value for %s", f[n].key);
				return -1;
			}
		}
		f[n].value[vlen] = '\0';
		n++;
		if (*s == ' ') {
			s++;
			if (*s == '\0' || *s == ' ') {
				snprintf(why, why_size, "stray space");
				return -1;
			}
		} else if (*s != '\0') {
			snprintf(why, why_size, "no space after the value of %s", f[n - 1].key);
			return -1;
		}
	}
	return n;
}

/* "<digits>.<4 digits>" in units of 0.1 ms; -1 when it is not that. */
static long long parse_t(const char *text)
{
	long long whole = 0;
	const char *p = text;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000)
			return -1;
		p++;
	}
	if (*p++ != '.')
		return -1;
	long long frac = 0;
	for (int i = 0; i < 4; i++, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		frac = frac * 10 + (*p - '0');
	}
	return *p == '\0' ? whole * 10000 + frac : -1;
}

/*
 * Parse every line of text as a trace line into ev: "t=..." first, then
 * "event=<name>", then the event's fields. Fails the test, quoting the
 * trace, on a malformed line, an unterminated last line, or a t that goes
 * back. Returns the number of events.
 */
static int parse_trace(const char *text, struct event *ev, int max)
{
	int n = 0;
	long long last_t = -1;
	const char *line = text;
	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		ck_assert_msg(nl != NULL, "trace does not end with a newline:\n%s", text);
		char buf[512], why[160] = "";
		size_t len = (size_t)(nl - line);
		ck_assert_msg(len < sizeof buf, "trace line too long:\n%s", text);
		memcpy(buf, line, len);
		buf[len] = '\0';
		ck_assert_msg(n < max, "more than %d trace lines:\n%s", max, text);
		struct field all[MAX_FIELDS + 1];
		int nf = parse_fields(buf, all, MAX_FIELDS + 1, why, sizeof why);
		ck_assert_msg(nf >= 2, "not a logfmt line (%s): [%s]\nwhole trace:\n%s",
			      nf < 0 ? why : "fewer than two fields", buf, text);
		ck_assert_msg(strcmp(all[0].key, "t") == 0 && strcmp(all[1].key, "event") == 0,
			      "line does not start with t=... event=...: [%s]", buf);
		ev[n].t = parse_t(all[0].value);
		ck_assert_msg(ev[n].t >= 0, "t is not <seconds>.<4 digits>: [%s]", buf);
		ck_assert_msg(ev[n].t >= last_t, "t goes back at [%s]\nwhole trace:\n%s", buf, text);
		last_t = ev[n].t;
		ev[n].n = nf - 1;
		memcpy(ev[n].f, all + 1, sizeof ev[n].f[0] * (size_t)(nf - 1));
		n++;
		line = nl + 1;
	}
	return n;
}

/* The trace in text holds exactly the events of want (each "event=... k=v
 * ...", without t), in that order, with the same field names, order and
 * values. */
static void assert_trace(const char *text, const char *const want[], int n_want)
{
	struct event got[MAX_EVENTS];
	int n = parse_trace(text, got, MAX_EVENTS);
	for (int i = 0; i < n_want; i++) {
		struct field wf[MAX_FIELDS];
		char why[160] = "";
		int nw = parse_fields(want[i], wf, MAX_FIELDS, why, sizeof why);
		ck_assert_msg(nw > 0, "bad expected line [%s]: %s", want[i], why);
		ck_assert_msg(i < n, "trace ends before event %d [%s]:\n%s", i + 1, want[i], text);
		bool same = got[i].n == nw;
		for (int k = 0; same && k < nw; k++)
			same = strcmp(got[i].f[k].key, wf[k].key) == 0 &&
			       strcmp(got[i].f[k].value, wf[k].value) == 0;
		ck_assert_msg(same, "event %d is not [%s]\nwhole trace:\n%s", i + 1, want[i], text);
	}
	ck_assert_msg(n == n_want, "%d events, want %d:\n%s", n, n_want, text);
}

/* ---- helpers' output --------------------------------------------------- */

/* Find the line of out that is prefix followed by exactly n_nums decimal
 * numbers separated by single spaces; store them in nums. */
static bool find_numbers(const char *out, const char *prefix, long nums[], int n_nums)
{
	size_t plen = strlen(prefix);
	for (const char *line = out; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		if (len > plen && strncmp(line, prefix, plen) == 0) {
			const char *p = line + plen, *end = line + len;
			int k = 0;
			while (k < n_nums && p < end) {
				char *stop;
				errno = 0;
				long v = strtol(p, &stop, 10);
				if (errno != 0 || stop == p || v <= 0 || v > 1L << 30 ||
				    (stop != end && *stop != ' '))
					break;
				nums[k++] = v;
				p = stop == end ? end : stop + 1;
			}
			if (k == n_nums && p == end)
				return true;
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	return false;
}

/* ---- the known scenario ------------------------------------------------ */

/* Run the scenario described at the top; trace_file NULL means --trace
 * (to stderr). Returns the trace text in trace (from stderr or the file). */
static void run_scenario(enum run_where where, const char *trace_file, char *trace, size_t size,
			 long *main_pid, long *orphan_pid)
{
	char trace_arg[300];
	char *argv[16];
	int a = 0;
	argv[a++] = (char *)reaper_path();
	if (trace_file != NULL) {
		snprintf(trace_arg, sizeof trace_arg, "--trace-file=%s", trace_file);
		argv[a++] = trace_arg;
	} else {
		argv[a++] = "--trace";
	}
	argv[a++] = "--send";
	argv[a++] = "TERM@300ms";
	argv[a++] = "--";
	argv[a++] = "/bin/sh";
	argv[a++] = "-c";
	argv[a++] = "\"$0\" --spawn setsid && exec \"$1\" --exit-on TERM";
	argv[a++] = (char *)helper_path("jobtree");
	argv[a++] = (char *)helper_path("sigrecorder");
	argv[a] = NULL;

	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	struct run_opts opts = { .mask = &term };
	struct run r;
	run_start(&r, where, argv, &opts);
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == 0, "as %s: reaper exited %d, want 0\nstdout:\n%s\nstderr:\n%s",
		      where_name(where), code, r.out, r.err);
	long nums[2];
	ck_assert_msg(find_numbers(r.out, "ready ", nums, 2),
		      "as %s: no 'ready PID PGID' from the recorder:\n%s", where_name(where), r.out);
	*main_pid = nums[0];
	ck_assert_msg(find_numbers(r.out, "grandchild setsid ", nums, 2),
		      "as %s: no 'grandchild setsid PID SID' from jobtree:\n%s", where_name(where),
		      r.out);
	*orphan_pid = nums[0];
	/* The orphan really got TERM from the orphan policy and cleaned up. */
	ck_assert_msg(run_count_lines(&r, "gsig setsid 15") == 1 &&
			      run_count_lines(&r, "finished setsid") == 1,
		      "as %s: the orphan did not end on one TERM:\n%s", where_name(where), r.out);
	ck_assert_msg(r.leftovers == 0, "as %s: %d processes left behind", where_name(where),
		      r.leftovers);
	if (trace_file == NULL) {
		snprintf(trace, size, "%s", r.err);
	} else {
		ck_assert_msg(r.err_len == 0, "as %s: with --trace-file, stderr is not empty:\n%s",
			      where_name(where), r.err);
		ck_assert_msg(read_small_file(trace_file, trace, size), "cannot open %s", trace_file);
	}
}

static void assert_scenario_trace(const char *trace, long main_pid, long orphan_pid)
{
	char want[7][160];
	snprintf(want[0], sizeof want[0], "event=spawn pid=%ld cmd=/bin/sh", main_pid);
	snprintf(want[1], sizeof want[1], "event=signal sig=TERM from=send");
	snprintf(want[2], sizeof want[2], "event=forward sig=TERM target=group:%ld", main_pid);
	snprintf(want[3], sizeof want[3], "event=exit pid=%ld code=0", main_pid);
	snprintf(want[4], sizeof want[4], "event=escalate sig=TERM left=1");
	snprintf(want[5], sizeof want[5], "event=reap pid=%ld status=exit:0", orphan_pid);
	snprintf(want[6], sizeof want[6], "event=done code=0 reason=\"the main child's exit code\"");
	const char *const rows[] = { want[0], want[1], want[2], want[3], want[4], want[5], want[6] };
	assert_trace(trace, rows, 7);
}

START_TEST(test_trace_known_scenario)
{
	enum run_where where = wheres[_i];
	static char trace[65536];
	long main_pid, orphan_pid;
	run_scenario(where, NULL, trace, sizeof trace, &main_pid, &orphan_pid);
	assert_scenario_trace(trace, main_pid, orphan_pid);
}
END_TEST

START_TEST(test_trace_file)
{
	enum run_where where = wheres[_i];
	static char trace[65536];
	char dir[64], path[128];
	make_tmpdir(dir, sizeof dir, "check-trace");
	snprintf(path, sizeof path, "%s/trace.log", dir);
	long main_pid, orphan_pid;
	run_scenario(where, path, trace, sizeof trace, &main_pid, &orphan_pid);
	assert_scenario_trace(trace, main_pid, orphan_pid);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ---- other events ------------------------------------------------------ */

/* A signal the test sends to reaper names the sender: our pid on the host;
 * as PID 1 of a namespace the sender is outside it, which signalfd gives
 * as pid 0. The uid is ours either way. */
START_TEST(test_trace_sender)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--trace", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "USR1", NULL };
	struct run r;
	run_start(&r, where, argv, NULL);
	char line[128];
	ck_assert_msg(run_expect_prefix(&r, "ready ", line, sizeof line, LINE_MS),
		      "as %s: the recorder never said ready; stderr:\n%s", where_name(where), r.err);
	run_signal(&r, SIGUSR1);
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == 0, "as %s: reaper exited %d; stderr:\n%s", where_name(where), code,
		      r.err);
	long nums[2];
	ck_assert(find_numbers(r.out, "ready ", nums, 2));
	long from = where == RUN_HOST ? (long)getpid() : 0;
	char want[5][160];
	snprintf(want[0], sizeof want[0], "event=spawn pid=%ld cmd=%s", nums[0],
		 helper_path("sigrecorder"));
	snprintf(want[1], sizeof want[1], "event=signal sig=USR1 from=%ld uid=%lu", from,
		 (unsigned long)getuid());
	snprintf(want[2], sizeof want[2], "event=forward sig=USR1 target=group:%ld", nums[0]);
	snprintf(want[3], sizeof want[3], "event=exit pid=%ld code=0", nums[0]);
	snprintf(want[4], sizeof want[4], "event=done code=0 reason=\"the main child's exit code\"");
	const char *const rows[] = { want[0], want[1], want[2], want[3], want[4] };
	assert_trace(r.err, rows, 5);
}
END_TEST

/* Rewrites apply to --send and are traced: HUP dropped (HUP:0), USR1
 * rewritten to USR2, forwarded to the child alone (--forward=child). */
START_TEST(test_trace_rewrite_and_drop)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--trace", "--forward=child", "-r", "USR1:USR2",
			 "-r", "HUP:0", "--send", "HUP@100ms", "--send", "USR1@200ms", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "USR2", NULL };
	struct run r;
	int code = run_simple(&r, where, argv, RUN_MS);
	ck_assert_msg(code == 0, "as %s: reaper exited %d; stderr:\n%s", where_name(where), code,
		      r.err);
	long nums[2];
	ck_assert_msg(find_numbers(r.out, "ready ", nums, 2), "no ready line:\n%s", r.out);
	ck_assert_msg(run_count_lines(&r, "sig 1") == 0, "the dropped HUP arrived:\n%s", r.out);
	char want[8][200];
	snprintf(want[0], sizeof want[0], "event=spawn pid=%ld cmd=%s", nums[0],
		 helper_path("sigrecorder"));
	snprintf(want[1], sizeof want[1], "event=signal sig=HUP from=send");
	snprintf(want[2], sizeof want[2], "event=drop sig=HUP");
	snprintf(want[3], sizeof want[3], "event=signal sig=USR1 from=send");
	snprintf(want[4], sizeof want[4], "event=rewrite sig=USR1 as=USR2");
	snprintf(want[5], sizeof want[5], "event=forward sig=USR2 target=child:%ld", nums[0]);
	snprintf(want[6], sizeof want[6], "event=exit pid=%ld code=0", nums[0]);
	snprintf(want[7], sizeof want[7], "event=done code=0 reason=\"the main child's exit code\"");
	const char *const rows[] = { want[0], want[1], want[2], want[3],
				     want[4], want[5], want[6], want[7] };
	assert_trace(r.err, rows, 8);
}
END_TEST

/* --timeout: the timeout event, the stop signal forwarded, the recorder
 * (which only records TERM) killed by escalation after --kill-after, and
 * exit with signal=KILL; reaper exits 124. */
START_TEST(test_trace_timeout_and_escalation)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--trace", "--timeout", "200ms", "--kill-after",
			 "200ms", "--", (char *)helper_path("sigrecorder"), NULL };
	struct run r;
	int code = run_simple(&r, where, argv, RUN_MS);
	ck_assert_msg(code == 124, "as %s: reaper exited %d, want 124; stderr:\n%s",
		      where_name(where), code, r.err);
	long nums[2];
	ck_assert_msg(find_numbers(r.out, "ready ", nums, 2), "no ready line:\n%s", r.out);
	char want[6][160];
	snprintf(want[0], sizeof want[0], "event=spawn pid=%ld cmd=%s", nums[0],
		 helper_path("sigrecorder"));
	snprintf(want[1], sizeof want[1], "event=timeout after=200ms sig=TERM");
	snprintf(want[2], sizeof want[2], "event=forward sig=TERM target=group:%ld", nums[0]);
	snprintf(want[3], sizeof want[3], "event=escalate sig=KILL left=1");
	snprintf(want[4], sizeof want[4], "event=exit pid=%ld signal=KILL", nums[0]);
	snprintf(want[5], sizeof want[5], "event=done code=124 reason=\"the job timed out\"");
	const char *const rows[] = { want[0], want[1], want[2], want[3], want[4], want[5] };
	assert_trace(r.err, rows, 6);
}
END_TEST

/* Without --trace, nothing of it reaches stderr. */
START_TEST(test_no_trace_when_off)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--send", "TERM@100ms", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "TERM", NULL };
	struct run r;
	int code = run_simple(&r, where, argv, RUN_MS);
	ck_assert_msg(code == 0, "as %s: reaper exited %d; stderr:\n%s", where_name(where), code,
		      r.err);
	ck_assert_msg(r.err_len == 0, "as %s: stderr without --trace: [%s]", where_name(where),
		      r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("scenario");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_trace_known_scenario, 0, N_WHERES);
	tcase_add_loop_test(tc, test_trace_file, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_trace_sender, 0, N_WHERES);
	tcase_add_loop_test(tc, test_trace_rewrite_and_drop, 0, N_WHERES);
	tcase_add_loop_test(tc, test_trace_timeout_and_escalation, 0, N_WHERES);
	tcase_add_loop_test(tc, test_no_trace_when_off, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
