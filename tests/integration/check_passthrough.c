/*
 * check_passthrough: reaper is transparent to its command. Arguments
 * (spaces, quotes, empty strings, UTF-8, things that look like options), the
 * environment, the working directory, stdin, stdout and stderr reach the
 * command, and come back, byte for byte; reaper adds nothing of its own to
 * either stream. Each case runs with reaper as PID 1 of a new PID namespace
 * and as a subreaper on the host.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 10000

/* r->out is exactly want (want_len bytes, NULs allowed). */
static void assert_bytes(const char *what, const char *got, size_t got_len, const char *want,
			 size_t want_len)
{
	size_t i = 0;
	while (i < got_len && i < want_len && got[i] == want[i])
		i++;
	ck_assert_msg(got_len == want_len && i == want_len,
		      "%s: %zu bytes, want %zu; first difference at byte %zu\n"
		      "got:  [%.200s]\nwant: [%.200s]",
		      what, got_len, want_len, i, got + (i > 20 ? i - 20 : 0),
		      want + (i > 20 ? i - 20 : 0));
}

static char *args[] = {
	"two words",
	"",
	"it's \"quoted\" \\ back",
	"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x92\x80",
	"--bogus",
	"-v",
	"--",
	"line\nbreak",
	"*",
	"$HOME",
	"",
};
#define N_ARGS (int)(sizeof args / sizeof args[0])

START_TEST(test_arguments)
{
	enum run_where where = wheres[_i];
	char *argv[N_ARGS + 3] = { (char *)reaper_path(), (char *)helper_path("printargs") };
	for (int i = 0; i < N_ARGS; i++)
		argv[2 + i] = args[i];
	argv[N_ARGS + 2] = NULL;

	char cwd[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	char want[8192];
	size_t len = (size_t)snprintf(want, sizeof want, "argc %d\n", N_ARGS + 1);
	for (int i = 0; i < N_ARGS; i++)
		len += (size_t)snprintf(want + len, sizeof want - len, "arg %d %zu:%s\n", i + 1,
					strlen(args[i]), args[i]);
	len += (size_t)snprintf(want + len, sizeof want - len, "cwd %s\n", cwd);

	struct run r;
	int got = run_simple(&r, where, argv, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	assert_bytes(where_name(where), r.out, r.out_len, want, len);
	ck_assert_msg(r.err_len == 0, "as %s: stderr: [%s]", where_name(where), r.err);
}
END_TEST

/* "--" ends reaper's options and is not passed on; a second one is. */
START_TEST(test_double_dash)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "--", (char *)helper_path("printargs"), "--",
			 "-x", NULL };
	struct run r;
	int got = run_simple(&r, where, argv, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	ck_assert_msg(strncmp(r.out, "argc 3\narg 1 2:--\narg 2 2:-x\ncwd ", 31) == 0,
		      "as %s: [%s]", where_name(where), r.out);
}
END_TEST

START_TEST(test_environment)
{
	enum run_where where = wheres[_i];
	char *env[] = {
		"PASSTHRU_VAR=two  spaces=and \xc3\xa9\ttab",
		"PASSTHRU_EMPTY=",
		NULL,
	};
	struct run_opts opts = { .env_add = env };
	char *argv[] = { (char *)reaper_path(), "/bin/sh", "-c",
			 "printf '%s|%s|%s' \"$PASSTHRU_VAR\" \"${PASSTHRU_EMPTY-unset}\" "
			 "\"${PASSTHRU_NEVER_SET-unset}\"",
			 NULL };
	struct run r;
	run_start(&r, where, argv, &opts);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	ck_assert_str_eq(r.out, "two  spaces=and \xc3\xa9\ttab||unset");
	ck_assert_msg(r.err_len == 0, "as %s: stderr: [%s]", where_name(where), r.err);
}
END_TEST

START_TEST(test_working_directory)
{
	enum run_where where = wheres[_i];
	char dir[] = "/tmp/reaper-check-cwd-XXXXXX";
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	char real[PATH_MAX];
	ck_assert_ptr_nonnull(realpath(dir, real));
	struct run_opts opts = { .cwd = dir };
	char *argv[] = { (char *)reaper_path(), (char *)helper_path("printargs"), NULL };
	struct run r;
	run_start(&r, where, argv, &opts);
	int got = run_wait(&r, TIMEOUT_MS);
	rmdir(dir);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	char want[PATH_MAX + 32];
	snprintf(want, sizeof want, "argc 1\ncwd %s\n", real);
	ck_assert_str_eq(r.out, want);
}
END_TEST

/* Every byte value, NUL included, goes in on stdin and out on stdout. */
START_TEST(test_stdin_to_stdout)
{
	enum run_where where = wheres[_i];
	char data[4096];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7 + i / 256);
	struct run_opts opts = { .pipe_stdin = true };
	char *argv[] = { (char *)reaper_path(), "/bin/cat", NULL };
	struct run r;
	run_start(&r, where, argv, &opts);
	/* Less than a pipe buffer: the write cannot block. */
	ck_assert_int_eq(write(r.stdin_fd, data, sizeof data), (ssize_t)sizeof data);
	int got = run_wait(&r, TIMEOUT_MS); /* closes stdin: cat sees EOF */
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	assert_bytes(where_name(where), r.out, r.out_len, data, sizeof data);
	ck_assert_msg(r.err_len == 0, "as %s: stderr: [%s]", where_name(where), r.err);
}
END_TEST

/* stdout and stderr stay apart and exact: binary bytes, no final newline. */
START_TEST(test_stdout_and_stderr)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "/bin/sh", "-c",
			 "printf 'out\\001\\377\\nsecond'; printf 'err\\002\\n' >&2; "
			 "printf ' line' ; printf 'more err' >&2",
			 NULL };
	struct run r;
	int got = run_simple(&r, where, argv, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	static const char want_out[] = "out\001\377\nsecond line";
	static const char want_err[] = "err\002\nmore err";
	assert_bytes("stdout", r.out, r.out_len, want_out, sizeof want_out - 1);
	assert_bytes("stderr", r.err, r.err_len, want_err, sizeof want_err - 1);
}
END_TEST

/* Nearly 64 KiB on stdout arrive whole and in order. */
START_TEST(test_large_stdout)
{
	enum run_where where = wheres[_i];
	char *argv[] = { (char *)reaper_path(), "/bin/sh", "-c",
			 "i=1; while [ $i -le 10000 ]; do echo $i; i=$((i+1)); done", NULL };
	struct run r;
	int got = run_simple(&r, where, argv, TIMEOUT_MS);
	ck_assert_msg(got == 0, "as %s: exit %d; stderr: %s", where_name(where), got, r.err);
	static char want[65536];
	size_t len = 0;
	for (int i = 1; i <= 10000; i++)
		len += (size_t)snprintf(want + len, sizeof want - len, "%d\n", i);
	ck_assert_msg(!r.out_truncated, "output did not fit the harness buffer");
	assert_bytes(where_name(where), r.out, r.out_len, want, len);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("passthrough");
	TCase *tc = tcase_create("command line");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_arguments, 0, N_WHERES);
	tcase_add_loop_test(tc, test_double_dash, 0, N_WHERES);
	tcase_add_loop_test(tc, test_environment, 0, N_WHERES);
	tcase_add_loop_test(tc, test_working_directory, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("streams");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_stdin_to_stdout, 0, N_WHERES);
	tcase_add_loop_test(tc, test_stdout_and_stderr, 0, N_WHERES);
	tcase_add_loop_test(tc, test_large_stdout, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
