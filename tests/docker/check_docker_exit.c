/*
 * check_docker_exit: how a container with reaper as ENTRYPOINT ends (issue
 * 4, tests 1 and 2).
 *
 * 1. `docker run` returns reaper's exit code, which is the app's: 0 and 7
 *    as they are, a death by TERM or KILL as 128+S, a missing command 127
 *    and one that cannot be executed 126, each with reaper's one line;
 *    `docker run IMAGE --help` (the ENTRYPOINT's "--" makes --help the
 *    command) 127 with a hint about REAPER_* and --entrypoint.
 * 2. `docker stop` of an app that handles TERM: the app sees TERM, the
 *    container ends with the app's code, well under Docker's 10 s. For
 *    contrast (printed, not asserted) the same app without reaper: as PID
 *    1 itself, and started by a shell as PID 1, which never passes TERM on,
 *    so Docker waits out its timeout and KILLs.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dockertest.h"
#include "harness.h"

/* ---- 1. exit codes ----------------------------------------------------- */

static const struct {
	const char *what;
	const char *argv[4];    /* the command, after the image */
	int want;
	const char *output_has; /* or NULL */
} exit_rows[] = {
	{ "exit 0", { "sh", "-c", "exit 0", NULL }, 0, NULL },
	{ "exit 7", { "sh", "-c", "exit 7", NULL }, 7, NULL },
	{ "killed by TERM", { "sh", "-c", "kill -TERM $$", NULL }, 143, NULL },
	{ "killed by KILL", { "sh", "-c", "kill -KILL $$", NULL }, 137, NULL },
	{ "missing command", { "/nonexistent", NULL }, 127, "reaper: cannot run '/nonexistent'" },
	{ "not executable", { "/etc/passwd", NULL }, 126, "reaper: cannot run '/etc/passwd'" },
	/* An option after the image name is the command (issue 18): the
	 * line says how to give options (REAPER_*, --entrypoint). */
	{ "option as command", { "--help", NULL }, 127, "No such file or directory (an option after" },
};

START_TEST(test_exit_codes)
{
	struct docker_cmd c;
	char name[32];
	snprintf(name, sizeof name, "exit%d", _i);
	docker_cmd_run(&c, name, docker_image(), NULL);
	for (int k = 0; exit_rows[_i].argv[k] != NULL; k++)
		docker_cmd_add(&c, (char *)exit_rows[_i].argv[k], NULL);
	char out[8192];
	int code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == exit_rows[_i].want, "%s: docker run exited %d, want %d; output: %s",
		      exit_rows[_i].what, code, exit_rows[_i].want, out);
	if (exit_rows[_i].output_has != NULL)
		ck_assert_msg(strstr(out, exit_rows[_i].output_has) != NULL, "%s: no '%s' in: %s",
			      exit_rows[_i].what, exit_rows[_i].output_has, out);
}
END_TEST

/* ---- 2. docker stop ---------------------------------------------------- */

struct stopped {
	long long stop_ms; /* how long `docker stop` took */
	int code;          /* the container's exit code (attached docker run's) */
	bool saw_term;     /* the app printed "sig 15" */
};

/* Run container c attached, wait for the app's "ready", time `docker
 * stop`, then collect the exit code and what the app said. */
static struct stopped stop_timed(const struct docker_cmd *c)
{
	struct run r;
	run_start(&r, RUN_HOST, c->argv, NULL);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, DOCKER_LINE_MS),
		      "%s: no 'ready' line; output: %s %s", c->name, r.out, r.err);
	struct docker_cmd stop;
	docker_cmd(&stop, "stop", c->name, NULL);
	long long start = now_ms();
	docker_expect_ok(&stop);
	struct stopped s = { .stop_ms = now_ms() - start };
	s.code = run_wait(&r, DOCKER_CMD_MS);
	s.saw_term = run_count_lines(&r, "sig 15") > 0;
	return s;
}

START_TEST(test_stop)
{
	/* The app reads TERM from a signalfd and exits 42. */
	struct docker_cmd with;
	docker_cmd_run(&with, "stop-reaper", docker_image(),
		       "sigrecorder", "--exit-on", "TERM", "--exit", "42", NULL);
	struct stopped a = stop_timed(&with);

	struct docker_cmd bare;
	docker_cmd_run(&bare, "stop-bare", "--entrypoint", "/helpers/sigrecorder", docker_image(),
		       "--exit-on", "TERM", "--exit", "42", NULL);
	struct stopped b = stop_timed(&bare);
	/* An entrypoint script or a shell-form CMD: TERM to a PID 1 that has
	 * no handler for it does nothing, and the shell does not pass it on. */
	struct docker_cmd shell;
	docker_cmd_run(&shell, "stop-sh", "--entrypoint", "/bin/sh", docker_image(), "-c",
		       "sigrecorder --exit-on TERM --exit 42; exit $?", NULL);
	struct stopped s = stop_timed(&shell);

	printf("docker stop: %.2f s with reaper as PID 1 (exit %d); without reaper: "
	       "%.2f s with the app as PID 1 (exit %d), %.2f s with sh -c as PID 1 (exit %d%s)\n",
	       a.stop_ms / 1000.0, a.code, b.stop_ms / 1000.0, b.code, s.stop_ms / 1000.0,
	       s.code, s.saw_term ? "" : ", the app never saw TERM");
	(void)fflush(stdout); /* Check forks: a buffered line would be lost */

	ck_assert_msg(a.saw_term, "with reaper: the app did not see TERM");
	ck_assert_msg(a.code == 42, "with reaper: exit %d, want the app's 42", a.code);
	/* Issue 4: "well under Docker's 10 s". 5 s leaves room for a slow
	 * engine and still cannot pass by way of Docker's KILL. */
	ck_assert_msg(a.stop_ms < 5000, "with reaper: docker stop took %lld ms", a.stop_ms);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = docker_suite("docker exit");
	TCase *tc = docker_tcase("1 exit codes", 120);
	tcase_add_loop_test(tc, test_exit_codes, 0, (int)(sizeof exit_rows / sizeof exit_rows[0]));
	suite_add_tcase(s, tc);
	tc = docker_tcase("2 docker stop", 120);
	tcase_add_test(tc, test_stop);
	suite_add_tcase(s, tc);
	return s;
}
