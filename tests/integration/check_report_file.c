/*
 * check_report_file: --report-file and --report-format (issue 20, item 5),
 * each case as PID 1 and on the host.
 *
 *   - a job that stops on TERM from --send: the JSON object says it
 *     exited 0 after the first stop signal, no KILL, TERM received and
 *     forwarded once; nothing on stderr (no --report); valid JSON for
 *     python3's json module when python3 is there (else said and skipped);
 *   - a job that ignores TERM: KILL by --kill-after, "child_signal":
 *     "KILL", exit 137, escalation counted;
 *   - the text format with --report too: the file holds exactly the
 *     lines --report printed;
 *   - a path that cannot be written: one line, exit 125, the command
 *     never ran;
 *   - the directory afterwards holds the report and nothing else (no
 *     temporary file), an older report replaced whole.
 *
 * Values are compared as strings of the file; durations only for being
 * there (numbers) or null, never against a clock.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define RUN_MS 10000

static char dir[256];
static char path[512];

static void setup(void)
{
	make_tmpdir(dir, sizeof(dir), "report_file");
	snprintf(path, sizeof(path), "%s/r.json", dir);
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	if (d != NULL) {
		for (struct dirent *e; (e = readdir(d)) != NULL;) {
			char p[600];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			(void)unlink(p);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

/* The directory holds only the report: no temporary file is left. */
static void assert_only_report(const char *what)
{
	DIR *d = opendir(dir);
	char names[1024] = "";
	size_t len = 0;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s ", e->d_name);
		n++;
	}
	closedir(d);
	ck_assert_msg(n == 1 && strcmp(names, "r.json ") == 0, "%s: the directory holds [%s]", what,
		      names);
}

static void read_report(char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "no report file %s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	ck_assert_msg(n > 0 && (size_t)n < size - 1, "report file: %zd bytes", n);
	buf[n] = '\0';
}

/* The object has the line `  "key": value,` (or without the comma, last). */
static void assert_key(const char *json, const char *key, const char *value, const char *what)
{
	char want[256], last[256];
	snprintf(want, sizeof(want), "\n  \"%s\": %s,\n", key, value);
	snprintf(last, sizeof(last), "\n  \"%s\": %s\n}", key, value);
	ck_assert_msg(strstr(json, want) != NULL || strstr(json, last) != NULL,
		      "%s: want \"%s\": %s in:\n%s", what, key, value, json);
}

/* `"key": N,` with N a number (a duration we do not time). */
static void assert_number(const char *json, const char *key, const char *what)
{
	char want[128];
	snprintf(want, sizeof(want), "\n  \"%s\": ", key);
	const char *p = strstr(json, want);
	ck_assert_msg(p != NULL, "%s: no key %s in:\n%s", what, key, json);
	p += strlen(want);
	ck_assert_msg(*p >= '0' && *p <= '9', "%s: %s is not a number in:\n%s", what, key, json);
}

/* python3's json module agrees it is one valid object, where python3 is. */
static void assert_valid_json(const char *what)
{
	char python[256];
	if (find_program("python3", python, sizeof(python)) == NULL) {
		fprintf(stderr, "check_report_file: no python3: JSON validity not checked\n");
		return;
	}
	char code[700];
	snprintf(code, sizeof(code),
		 "import json,sys; o=json.load(open(sys.argv[1])); "
		 "sys.exit(0 if isinstance(o, dict) and len(o) >= 19 else 1)");
	char *argv[] = { python, "-c", code, path, NULL };
	struct run r;
	int code_rc = run_simple(&r, RUN_HOST, argv, RUN_MS);
	ck_assert_msg(code_rc == 0, "%s: python3 json says %d: %s", what, code_rc, r.err);
}

/* A job that exits 0 on TERM, sent by --send: TERM starts blocked in the
 * job (reaper hands its starting mask on), so it cannot die of it before
 * the recorder is set up. */
START_TEST(test_json_clean_stop)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--send", "TERM@200ms", "--kill-after", "10s",
			 "--report-file", path, "--report-format=json", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "TERM", NULL };
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	struct run_opts opts = { .mask = &term };
	struct run r;
	char json[8192], what[64];

	snprintf(what, sizeof(what), "as %s", where_name(where));
	run_start(&r, where, argv, &opts);
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == 0, "%s: reaper exited %d; stderr:\n%s", what, code, r.err);
	ck_assert_msg(r.err_len == 0, "%s: stderr without --report: [%s]", what, r.err);
	read_report(json, sizeof(json));
	ck_assert_msg(json[0] == '{' && strcmp(json + strlen(json) - 2, "}\n") == 0,
		      "%s: not one object:\n%s", what, json);
	char command[512];
	snprintf(command, sizeof(command), "[\"%s\", \"--exit-on\", \"TERM\"]",
		 helper_path("sigrecorder"));
	assert_key(json, "command", command, what);
	assert_key(json, "signals_received", "{\"TERM\": 1}", what);
	assert_key(json, "child_ended", "\"exited\"", what);
	assert_key(json, "child_exit_code", "0", what);
	assert_key(json, "child_signal", "null", what);
	assert_key(json, "kill_after_ms", "10000", what);
	assert_key(json, "killed_by_escalation", "0", what);
	assert_key(json, "processes_reaped", "1", what);
	assert_key(json, "exit_code", "0", what);
	assert_key(json, "reason", "\"exited\"", what);
	assert_key(json, "reason_text", "\"the main child's exit code\"", what);
	assert_number(json, "runtime_ms", what);
	assert_number(json, "first_stop_ms", what);
	assert_number(json, "child_end_after_stop_ms", what);
	assert_number(json, "child_pid", what);
	ck_assert_msg(strstr(json, "\"signals_forwarded\": {\"TERM\": 1") != NULL,
		      "%s: TERM not forwarded once:\n%s", what, json);
	assert_only_report(what);
	assert_valid_json(what);
}
END_TEST

/* A job that ignores TERM (the recorder without --exit-on records it and
 * goes on): --kill-after KILLs it. An older report is replaced. */
START_TEST(test_json_needs_kill)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--send", "TERM@200ms", "--kill-after", "300ms",
			 "--", (char *)helper_path("sigrecorder"), NULL };
	char *env[] = { NULL, "REAPER_REPORT_FORMAT=json", NULL };
	char env_file[600];
	snprintf(env_file, sizeof(env_file), "REAPER_REPORT_FILE=%s", path);
	env[0] = env_file;
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	struct run_opts opts = { .mask = &term, .env_add = env };
	struct run r;
	char json[8192], what[64];

	FILE *old = fopen(path, "w");
	ck_assert_ptr_nonnull(old);
	fputs("an older report\n", old);
	fclose(old);
	snprintf(what, sizeof(what), "as %s", where_name(where));
	run_start(&r, where, argv, &opts);
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == 128 + SIGKILL, "%s: reaper exited %d; stderr:\n%s", what, code, r.err);
	ck_assert_msg(run_count_lines(&r, "sig 15") == 1, "%s: the TERM did not arrive:\n%s", what,
		      r.out);
	read_report(json, sizeof(json));
	assert_key(json, "child_ended", "\"killed\"", what);
	assert_key(json, "child_exit_code", "null", what);
	assert_key(json, "child_signal", "\"KILL\"", what);
	assert_key(json, "kill_after_ms", "300", what);
	assert_key(json, "killed_by_escalation", "1", what);
	assert_key(json, "exit_code", "137", what);
	assert_key(json, "reason", "\"killed\"", what);
	assert_number(json, "child_end_after_stop_ms", what);
	assert_only_report(what);
	assert_valid_json(what);
}
END_TEST

/* --report and the text format: the file is what stderr showed, line for
 * line, without the "reaper: report: " prefix. */
START_TEST(test_text_same_as_report)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--report", "--report-file", path, "--",
			 "/bin/sh", "-c", "exit 4", NULL };
	struct run r;
	char text[8192], want[8192] = "", what[64];
	size_t len = 0;

	snprintf(what, sizeof(what), "as %s", where_name(where));
	int code = run_simple(&r, where, argv, RUN_MS);
	ck_assert_msg(code == 4, "%s: reaper exited %d; stderr:\n%s", what, code, r.err);
	for (const char *p = strstr(r.err, "reaper: report: "); p != NULL;
	     p = strstr(p, "reaper: report: ")) {
		p += strlen("reaper: report: ");
		size_t n = strcspn(p, "\n");
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%.*s\n", (int)n, p);
	}
	ck_assert_msg(len > 0, "%s: no report on stderr:\n%s", what, r.err);
	read_report(text, sizeof(text));
	/* The runtime is measured twice, a moment apart: compare from line 2. */
	const char *text2 = strchr(text, '\n'), *want2 = strchr(want, '\n');
	ck_assert_msg(strncmp(text, "runtime ", 8) == 0 && text2 != NULL && want2 != NULL &&
			      strcmp(text2, want2) == 0,
		      "%s: file:\n%s\nstderr's report:\n%s", what, text, want);
	assert_only_report(what);
}
END_TEST

/* A directory that does not exist: one line, 125, and the command never
 * ran (it would print "ran"). */
START_TEST(test_bad_path)
{
	enum run_where where = wheres[_i];
	char bad[600];
	snprintf(bad, sizeof(bad), "%s/missing/r.json", dir);
	char *argv[] = { (char *)reaper_path(), "--report-file", bad, "--report-format=json", "--",
			 "/bin/sh", "-c", "echo ran", NULL };
	struct run r;

	int code = run_simple(&r, where, argv, RUN_MS);
	ck_assert_msg(code == 125, "as %s: reaper exited %d; stderr:\n%s", where_name(where), code,
		      r.err);
	ck_assert_msg(strstr(r.out, "ran") == NULL, "as %s: the command ran", where_name(where));
	ck_assert_msg(strncmp(r.err, "reaper: --report-file: ", 23) == 0 &&
			      strchr(r.err, '\n') == r.err + r.err_len - 1,
		      "as %s: not one line: [%s]", where_name(where), r.err);
	ck_assert_msg(access(bad, F_OK) < 0, "as %s: %s exists", where_name(where), bad);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("report_file");
	TCase *tc = tcase_create("report_file");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_json_clean_stop, 0, N_WHERES);
	tcase_add_loop_test(tc, test_json_needs_kill, 0, N_WHERES);
	tcase_add_loop_test(tc, test_text_same_as_report, 0, N_WHERES);
	tcase_add_loop_test(tc, test_bad_path, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
