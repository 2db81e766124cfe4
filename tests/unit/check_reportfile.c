/*
 * check_reportfile: src/reportfile.h (issue 20, item 5), the --report-file
 * summary. The JSON renderer over odd strings (quotes, backslashes,
 * newlines, control characters, bytes that are not UTF-8); the facts a
 * run's end gives (exited, killed after escalation, timed out, --pause);
 * one whole object, the documented key order; a buffer too small; then
 * the file itself in a temporary directory: written whole under its name,
 * no temporary file left, and a path that cannot be written is exit 125.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "reap.h"
#include "reaper.h"
#include "reportfile.h"

#define MS 1000000ull

static char text[8192];

/* facts rendered into text; returns out.err. */
static int render(const struct reportfile_facts *f, size_t size)
{
	struct reportfile_out out = {.buf = text, .size = size, .fd = -1};

	memset(text, 0, sizeof(text));
	reportfile_render_json(f, &out);
	if (out.len < sizeof(text))
		text[out.len] = '\0';
	return out.err;
}

/* ---- escaping ------------------------------------------------------------- */

static const struct {
	const char *in;
	const char *json;
} strings[] = {
	{"plain", "\"plain\""},
	{"", "\"\""},
	{"say \"hi\"", "\"say \\\"hi\\\"\""},
	{"back\\slash", "\"back\\\\slash\""},
	{"two\nlines\r\n", "\"two\\nlines\\r\\n\""},
	{"tab\there", "\"tab\\there\""},
	{"bell\a esc\x1b del\x7f", "\"bell\\u0007 esc\\u001b del\x7f\""},
	{"\x01\x1f", "\"\\u0001\\u001f\""},
	{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
	{"bad \xff byte", "\"bad \\ufffd byte\""},
	{"cut \xc3", "\"cut \\ufffd\""},
	{"overlong \xc0\xaf", "\"overlong \\ufffd\\ufffd\""},
	{"surrogate \xed\xa0\x80", "\"surrogate \\ufffd\\ufffd\\ufffd\""},
	{"too big \xf4\x90\x80\x80", "\"too big \\ufffd\\ufffd\\ufffd\\ufffd\""},
	{"</script>", "\"</script>\""},
};

START_TEST(test_escape)
{
	char *argv[] = {(char *)strings[_i].in, "x", NULL};
	struct reportfile_facts f = {.command = argv, .child_pid = -1};
	char want[256];

	ck_assert_int_eq(render(&f, sizeof(text)), 0);
	snprintf(want, sizeof(want), "\n  \"command\": [%s, \"x\"],\n", strings[_i].json);
	ck_assert_msg(strstr(text, want) != NULL, "want %s in:\n%s", want, text);
}
END_TEST

/* ---- facts from the end of a run ------------------------------------------ */

static struct config cfg;
static struct reaper r;
static char *command[] = {"./app", "--serve", NULL};

static void reset(void)
{
	cli_defaults(&cfg);
	cfg.argv = command;
	memset(&r, 0, sizeof(r));
	r.cfg = &cfg;
	r.start_ns = 1000 * MS;
	r.job.child_pid = 42;
	r.job.child_reaped = true;
	r.report_dir_fd = -1;
}

/* One row: how the run went; the lines the object must hold. */
struct case_row {
	const char *name;
	void (*arrange)(void);
	struct reap_ending end;
	const char *lines[8];
};

static void exited_after_term(void)
{
	r.job.child_status = W_EXITCODE(0, 0);
	r.stats.received[SIGTERM] = 1;
	r.stats.forwarded[SIGTERM] = 1;
	r.stats.forwarded[SIGCONT] = 1;
	r.stats.first_stop_ns = 3000 * MS;
	r.stats.child_end_ns = 3250 * MS;
	r.stats.reaped = 1;
	cfg.kill_after_ms = 5000;
	cfg.kill_after_set = true;
}

static void killed_by_escalation(void)
{
	exited_after_term();
	r.job.child_status = W_EXITCODE(0, SIGKILL);
	r.stats.child_end_ns = 8001 * MS;
	r.stats.reaped = 3;
	r.stats.killed = 3;
}

static void timed_out(void)
{
	r.job.child_status = W_EXITCODE(0, SIGSEGV) | 0x80;
	r.stats.forwarded[SIGTERM] = 1;
	r.stats.first_stop_ns = 1200 * MS;
	r.stats.child_end_ns = 1300 * MS;
	r.stats.terminated = 2;
	cfg.timeout_ms = 200;
}

static void paused(void)
{
	cfg.pause = true;
	cfg.argv = NULL;
	r.job.child_pid = 0;
	r.job.child_reaped = false;
	r.stats.received[SIGINT] = 1;
}

static void no_stop(void)
{
	r.job.child_status = W_EXITCODE(3, 0);
	r.stats.reaped = 1;
	r.stats.child_end_ns = 2000 * MS;
}

/* --restart ran it three times; --stop-delay held the TERM 1.5 s. */
static void held_and_restarted(void)
{
	exited_after_term();
	r.stats.runs = 3;
	cfg.stop_delay_ms = 2000;
	r.stats.held_signo = SIGTERM;
	r.stats.held_ms = 1500;
}

static const struct case_row cases[] = {
	{"exited", exited_after_term, {0, REAP_EXITED, W_EXITCODE(0, 0)},
	 {"\"signals_received\": {\"TERM\": 1},", "\"signals_forwarded\": {\"TERM\": 1, \"CONT\": 1},",
	  "\"child_ended\": \"exited\",", "\"child_exit_code\": 0,", "\"child_signal\": null,",
	  "\"first_stop_ms\": 2000,", "\"child_end_after_stop_ms\": 250,", "\"kill_after_ms\": 5000,"}},
	{"killed", killed_by_escalation, {137, REAP_KILLED, W_EXITCODE(0, SIGKILL)},
	 {"\"child_ended\": \"killed\",", "\"child_exit_code\": null,", "\"child_signal\": \"KILL\",",
	  "\"child_end_after_stop_ms\": 5001,", "\"killed_by_escalation\": 3,",
	  "\"exit_code\": 137,", "\"reason\": \"killed\",",
	  "\"reason_text\": \"the main child was killed by KILL\","}},
	{"timed out", timed_out, {124, REAP_TIMED_OUT, 0},
	 {"\"signals_received\": {},", "\"child_signal\": \"SEGV\",", "\"child_core_dumped\": true,",
	  "\"kill_after_ms\": null,", "\"leftovers_sent_term\": 2,", "\"reason\": \"timed_out\",",
	  "\"child_end_after_stop_ms\": 100,", "\"exit_code\": 124,"}},
	{"paused", paused, {0, REAP_PAUSED, 0},
	 {"\"command\": [],", "\"child_pid\": null,", "\"child_ended\": null,",
	  "\"child_exit_code\": null,", "\"first_stop_ms\": null,",
	  "\"child_end_after_stop_ms\": null,", "\"reason\": \"paused\",",
	  "\"signals_received\": {\"INT\": 1},"}},
	{"no stop", no_stop, {0, REAP_EXPECTED, W_EXITCODE(3, 0)},
	 {"\"child_exit_code\": 3,", "\"first_stop_ms\": null,", "\"child_end_after_stop_ms\": null,",
	  "\"exit_code\": 0,", "\"reason\": \"expected\",", "\"processes_reaped\": 1,",
	  "\"reason_text\": \"the main child's 3 is expected (-e)\",", "\"runtime_ms\": 4000,"}},
	{"held and restarted", held_and_restarted, {0, REAP_EXITED, W_EXITCODE(0, 0)},
	 {"\"runs\": 3,", "\"stop_delay_ms\": 2000,", "\"held_signal\": \"TERM\",",
	  "\"held_ms\": 1500"}},
};

START_TEST(test_facts)
{
	const struct case_row *c = &cases[_i];
	struct reportfile_facts f;
	char want[256];

	reset();
	c->arrange();
	reportfile_gather(&r, &c->end, 5000 * MS, &f);
	ck_assert_int_eq(render(&f, sizeof(text)), 0);
	for (size_t i = 0; i < 8 && c->lines[i] != NULL; i++) {
		snprintf(want, sizeof(want), "\n  %s\n", c->lines[i]);
		ck_assert_msg(strstr(text, want) != NULL, "%s: want [%s] in:\n%s", c->name,
			      c->lines[i], text);
	}
}
END_TEST

/* The whole object: every key, once, in the documented order. */
START_TEST(test_whole_object)
{
	static const char want[] =
		"{\n"
		"  \"reaper_version\": \"" REAPER_VERSION "\",\n"
		"  \"command\": [\"./app\", \"--serve\"],\n"
		"  \"runtime_ms\": 4000,\n"
		"  \"signals_received\": {\"TERM\": 1},\n"
		"  \"signals_forwarded\": {\"TERM\": 1, \"CONT\": 1},\n"
		"  \"child_pid\": 42,\n"
		"  \"child_ended\": \"exited\",\n"
		"  \"child_exit_code\": 0,\n"
		"  \"child_signal\": null,\n"
		"  \"child_core_dumped\": false,\n"
		"  \"first_stop_ms\": 2000,\n"
		"  \"child_end_after_stop_ms\": 250,\n"
		"  \"kill_after_ms\": 5000,\n"
		"  \"processes_reaped\": 1,\n"
		"  \"leftovers_sent_term\": 0,\n"
		"  \"killed_by_escalation\": 0,\n"
		"  \"exit_code\": 0,\n"
		"  \"reason\": \"exited\",\n"
		"  \"reason_text\": \"the main child's exit code\",\n"
		"  \"runs\": 0,\n"
		"  \"stop_delay_ms\": null,\n"
		"  \"held_signal\": null,\n"
		"  \"held_ms\": null\n"
		"}\n";
	struct reap_ending end = {0, REAP_EXITED, W_EXITCODE(0, 0)};
	struct reportfile_facts f;

	reset();
	exited_after_term();
	reportfile_gather(&r, &end, 5000 * MS, &f);
	ck_assert_int_eq(render(&f, sizeof(text)), 0);
	ck_assert_str_eq(text, want);
}
END_TEST

/* A buffer that cannot take the object says so and writes nothing past it. */
START_TEST(test_small_buffer)
{
	struct reap_ending end = {0, REAP_EXITED, 0};
	struct reportfile_facts f;

	reset();
	reportfile_gather(&r, &end, 5000 * MS, &f);
	memset(text, 0, sizeof(text)); /* CK_FORK=no: earlier tests used it */
	struct reportfile_out out = {.buf = text, .size = 64, .fd = -1};
	reportfile_render_json(&f, &out);
	ck_assert_int_eq(out.err, -ENOSPC);
	ck_assert_uint_eq(out.len, 64);
	ck_assert_int_eq(text[64], '\0');
}
END_TEST

/* ---- the file -------------------------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_reportfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	log_set_level(LOG_ERROR);
}

/* Entries of dir but . and .., into names (space-separated). */
static int entries(char *names, size_t size)
{
	DIR *d = opendir(dir);
	int n = 0;
	size_t len = 0;

	ck_assert_ptr_nonnull(d);
	names[0] = '\0';
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		len += (size_t)snprintf(names + len, size - len, "%s ", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void remove_dir(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	(void)unlink(path);
	(void)rmdir(dir);
}

/* Loop index: the format. The file holds the whole summary, mode 0644
 * under umask 022, and is the only entry of its directory. */
START_TEST(test_write_file)
{
	char path[128], names[256], body[8192];
	struct reap_ending end = {0, REAP_EXITED, W_EXITCODE(0, 0)};

	make_dir();
	reset();
	exited_after_term();
	snprintf(path, sizeof(path), "%s/r.out", dir);
	cfg.report_file = path;
	cfg.report_format = _i == 0 ? REPORT_JSON : REPORT_TEXT;
	mode_t old = umask(022);
	ck_assert_int_eq(reportfile_open(&r, NULL, 0), 0);
	ck_assert_int_ge(r.report_dir_fd, 0);
	ck_assert_int_eq(fcntl(r.report_dir_fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_msg(entries(names, sizeof(names)) == 0, "after open: %s", names);
	reportfile_write(&r, &end, "the main child's exit code");
	umask(old);
	ck_assert_msg(entries(names, sizeof(names)) == 1 && strcmp(names, "r.out ") == 0,
		      "entries: %s", names);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, body, sizeof(body) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	body[n] = '\0';
	if (_i == 0) {
		ck_assert_msg(body[0] == '{' && strcmp(body + n - 2, "}\n") == 0, "%s", body);
		ck_assert_ptr_nonnull(strstr(body, "\"child_end_after_stop_ms\": 250,"));
	} else {
		ck_assert_msg(strncmp(body, "runtime ", 8) == 0, "%s", body);
		ck_assert_ptr_nonnull(strstr(body, "\nsignals received: TERM 1\n"));
		ck_assert_ptr_nonnull(strstr(body, "\nexit code 0: the main child's exit code\n"));
	}
	(void)close(r.report_dir_fd);
	remove_dir("r.out");
}
END_TEST

/* A run that writes over an older report replaces it whole. */
START_TEST(test_replaces_old)
{
	char path[128], names[256], body[64];
	struct reap_ending end = {3, REAP_EXITED, W_EXITCODE(3, 0)};

	make_dir();
	reset();
	snprintf(path, sizeof(path), "%s/r.json", dir);
	FILE *old = fopen(path, "w");
	ck_assert_ptr_nonnull(old);
	fputs("old report, longer than the new one would be at its start\n", old);
	fclose(old);
	cfg.report_file = path;
	cfg.report_format = REPORT_JSON;
	ck_assert_int_eq(reportfile_open(&r, NULL, 0), 0);
	reportfile_write(&r, &end, "x");
	ck_assert_int_eq(entries(names, sizeof(names)), 1);
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, body, sizeof(body) - 1);
	close(fd);
	ck_assert_int_gt(n, 2);
	ck_assert_int_eq(body[0], '{');
	(void)close(r.report_dir_fd);
	remove_dir("r.json");
}
END_TEST

/* Paths that cannot be written: one line, exit 125 (log_fatal). */
static const char *const bad_paths[] = {
	"/nonexistent-reaper-dir/r.json", "/tmp/", "/tmp", "/proc/self/r.json",
};

START_TEST(test_bad_path)
{
	char err[256] = "";

	reset();
	cfg.report_file = bad_paths[_i];
	ck_assert_int_eq(reportfile_open(&r, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "--report-file: ", 15) == 0, "%s: [%s]", bad_paths[_i], err);
	ck_assert_int_eq(r.report_dir_fd, -1); /* nothing left open */
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("reportfile");
	TCase *tc = tcase_create("json");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_escape, 0, sizeof(strings) / sizeof(strings[0]));
	tcase_add_loop_test(tc, test_facts, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_whole_object);
	tcase_add_test(tc, test_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_write_file, 0, 2);
	tcase_add_test(tc, test_replaces_old);
	tcase_add_loop_test(tc, test_bad_path, 0, sizeof(bad_paths) / sizeof(bad_paths[0]));
	suite_add_tcase(s, tc);
	return s;
}
