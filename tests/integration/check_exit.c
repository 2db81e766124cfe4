/*
 * check_exit: reaper ends with its main child's status (DESIGN.md, "Exit
 * status"): exit code N gives N, death by signal S gives 128 + S. When the
 * command cannot run, or reaper is used wrongly, it prints one line on
 * stderr that starts with "reaper:" and names the culprit, exits 127, 126
 * or 125, never writes to stdout, and the command never runs. Each case
 * runs with reaper as PID 1 of a new PID namespace and as a subreaper on
 * the host.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 10000

static const struct {
	const char *script; /* run by sh -c as the main child */
	int want;           /* reaper's exit code */
} exit_rows[] = {
	{ "exit 0", 0 },
	{ "exit 7", 7 },
	{ "exit 255", 255 },
	{ "kill -TERM $$", 128 + SIGTERM },
	{ "kill -KILL $$", 128 + SIGKILL },
	{ "kill -SEGV $$", 128 + SIGSEGV },
	{ "kill -HUP $$", 128 + SIGHUP },
};
#define N_EXIT_ROWS (int)(sizeof exit_rows / sizeof exit_rows[0])

/* Loop index i: row i / N_WHERES, place i % N_WHERES. */
START_TEST(test_exit_status)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	struct run r;
	char *argv[] = { (char *)reaper_path(), "/bin/sh", "-c", (char *)exit_rows[row].script, NULL };
	int got = run_simple(&r, where, argv, TIMEOUT_MS);
	ck_assert_msg(got == exit_rows[row].want,
		      "as %s, sh -c '%s': reaper exited %d, want %d; stderr: %s",
		      where_name(where), exit_rows[row].script, got, exit_rows[row].want, r.err);
	ck_assert_msg(r.out_len == 0, "as %s: unexpected stdout: %s", where_name(where), r.out);
	/* Death by a signal is the child's, not reaper's: reaper exits normally. */
	if (where == RUN_HOST)
		ck_assert_msg(WIFEXITED(r.status), "reaper itself was killed: status %#x", r.status);
}
END_TEST

/* The main child exits while a grandchild it started holds no pipes: the
 * status is still the main child's, not the grandchild's. */
START_TEST(test_exit_status_is_main_childs)
{
	enum run_where where = wheres[_i];
	struct run r;
	char *argv[] = { (char *)reaper_path(), "/bin/sh", "-c",
			 "(exit 3) & wait; sh -c 'exit 9' >/dev/null 2>&1 & exit 42", NULL };
	int got = run_simple(&r, where, argv, TIMEOUT_MS);
	ck_assert_msg(got == 42, "as %s: reaper exited %d, want 42; stderr: %s",
		      where_name(where), got, r.err);
}
END_TEST

/* ---- reaper's own failures -------------------------------------------- */

enum failure {
	FAIL_NOT_FOUND,    /* reaper nosuchcmd */
	FAIL_NO_SUCH_PATH, /* reaper DIR/missing/cmd */
	FAIL_NOT_EXEC,     /* a script without any x bit */
	FAIL_DIRECTORY,    /* reaper DIR */
	FAIL_BAD_OPTION,   /* reaper --bogus sh -c ... */
	FAIL_NO_COMMAND,   /* reaper */
	FAIL_ONLY_DASHES,  /* reaper -- */
	FAIL_BAD_ENV,      /* REAPER_FORWARD=bogus reaper sh -c ... */
};

static const struct {
	enum failure kind;
	int want;
} failure_rows[] = {
	{ FAIL_NOT_FOUND, 127 },
	{ FAIL_NO_SUCH_PATH, 127 },
	{ FAIL_NOT_EXEC, 126 },
	{ FAIL_DIRECTORY, 126 },
	{ FAIL_BAD_OPTION, 125 },
	{ FAIL_NO_COMMAND, 125 },
	{ FAIL_ONLY_DASHES, 125 },
	{ FAIL_BAD_ENV, 125 },
};
#define N_FAILURE_ROWS (int)(sizeof failure_rows / sizeof failure_rows[0])

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* stderr is exactly one line, starting with "reaper: ". */
static void assert_one_line(const struct run *r)
{
	ck_assert_msg(strncmp(r->err, "reaper: ", 8) == 0, "stderr does not start with 'reaper: ': [%s]",
		      r->err);
	const char *nl = strchr(r->err, '\n');
	ck_assert_msg(nl != NULL && nl[1] == '\0', "stderr is not exactly one line: [%s]", r->err);
}

static void assert_contains(const char *haystack, const char *needle)
{
	ck_assert_msg(strstr(haystack, needle) != NULL, "[%s] does not contain [%s]", haystack,
		      needle);
}

START_TEST(test_failure)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	char dir[64], marker[128], target[128], touch[160], expect[512];
	make_tmpdir(dir, sizeof dir, "check-exit");
	snprintf(marker, sizeof marker, "%s/ran", dir);
	/* Where a command is given, running it would create the marker. */
	snprintf(touch, sizeof touch, "touch %s", marker);

	char *reaper = (char *)reaper_path();
	char *env_bad[] = { "REAPER_FORWARD=bogus", NULL };
	struct run_opts opts = { 0 };
	char *argv[8] = { reaper };
	expect[0] = '\0';
	switch (failure_rows[row].kind) {
	case FAIL_NOT_FOUND:
		argv[1] = "nosuchcmd";
		snprintf(expect, sizeof expect, "reaper: cannot run 'nosuchcmd': %s\n",
			 strerror(ENOENT));
		break;
	case FAIL_NO_SUCH_PATH:
		snprintf(target, sizeof target, "%s/missing/cmd", dir);
		argv[1] = target;
		snprintf(expect, sizeof expect, "reaper: cannot run '%s': %s\n", target,
			 strerror(ENOENT));
		break;
	case FAIL_NOT_EXEC:
		snprintf(target, sizeof target, "%s/script", dir);
		{
			char script[256];
			snprintf(script, sizeof script, "#!/bin/sh\n%s\n", touch);
			write_file(target, script, 0644);
		}
		argv[1] = target;
		snprintf(expect, sizeof expect, "reaper: cannot run '%s': %s\n", target,
			 strerror(EACCES));
		break;
	case FAIL_DIRECTORY:
		argv[1] = dir;
		snprintf(expect, sizeof expect, "reaper: cannot run '%s': %s\n", dir,
			 strerror(EACCES));
		break;
	case FAIL_BAD_OPTION:
		argv[1] = "--bogus";
		argv[2] = "/bin/sh";
		argv[3] = "-c";
		argv[4] = touch;
		break;
	case FAIL_NO_COMMAND:
		break;
	case FAIL_ONLY_DASHES:
		argv[1] = "--";
		break;
	case FAIL_BAD_ENV:
		opts.env_add = env_bad;
		argv[1] = "/bin/sh";
		argv[2] = "-c";
		argv[3] = touch;
		break;
	}

	struct run r;
	run_start(&r, where, argv, &opts);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == failure_rows[row].want, "as %s: exit %d, want %d; stderr: %s",
		      where_name(where), got, failure_rows[row].want, r.err);
	ck_assert_msg(r.out_len == 0, "as %s: reaper wrote to stdout: [%s]", where_name(where),
		      r.out);
	assert_one_line(&r);
	if (expect[0] != '\0')
		ck_assert_str_eq(r.err, expect);
	switch (failure_rows[row].kind) {
	case FAIL_BAD_OPTION:
		assert_contains(r.err, "'--bogus'");
		assert_contains(r.err, "; see 'reaper --help'");
		break;
	case FAIL_NO_COMMAND:
	case FAIL_ONLY_DASHES:
		assert_contains(r.err, "; see 'reaper --help'");
		break;
	case FAIL_BAD_ENV:
		assert_contains(r.err, "REAPER_FORWARD");
		assert_contains(r.err, "bogus");
		break;
	case FAIL_NOT_FOUND:
	case FAIL_NO_SUCH_PATH:
	case FAIL_NOT_EXEC:
	case FAIL_DIRECTORY:
		break;
	}
	ck_assert_msg(access(marker, F_OK) != 0, "as %s: the command ran", where_name(where));
	if (failure_rows[row].kind == FAIL_NOT_EXEC)
		unlink(target);
	rmdir(dir);
}
END_TEST

/* The exec-error path must not turn an exit code of the child into a
 * failure of reaper: a command that exists and exits 126 or 127 itself
 * gives 126 or 127 with nothing from reaper on stderr. */
START_TEST(test_child_exit_126_127_is_silent)
{
	enum run_where where = wheres[_i % N_WHERES];
	char *script = _i / N_WHERES == 0 ? "exit 126" : "exit 127";
	struct run r;
	char *argv[] = { (char *)reaper_path(), "/bin/sh", "-c", script, NULL };
	int got = run_simple(&r, where, argv, TIMEOUT_MS);
	ck_assert_int_eq(got, _i / N_WHERES == 0 ? 126 : 127);
	ck_assert_msg(r.err_len == 0, "as %s: reaper wrote [%s]", where_name(where), r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("exit");
	TCase *tc = tcase_create("status");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_exit_status, 0, N_EXIT_ROWS * N_WHERES);
	tcase_add_loop_test(tc, test_exit_status_is_main_childs, 0, N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_failure, 0, N_FAILURE_ROWS * N_WHERES);
	tcase_add_loop_test(tc, test_child_exit_126_127_is_silent, 0, 2 * N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
