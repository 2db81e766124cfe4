/*
 * check_personality: reaper linked as tini, docker-init, dumb-init or
 * catatonit takes that program's defaults and conventions (issue 20, item
 * 3), reaper's own options and variables still override them, and under
 * its own name nothing changes. Each case runs build/reaper through a
 * symlink of the peer's name in a temporary directory, so argv[0] is that
 * name, as PID 1 of a new PID namespace and as a subreaper on the host
 * where the behaviour is the job's (session, leftovers); the conventions
 * of the command line (exit codes, streams) are reaper's own business and
 * run on the host only.
 *
 * - session: the main child leads a session of its own (its sid, read from
 *   /proc, is its pid) under dumb-init's name, and not under dumb-init -c,
 *   DUMB_INIT_SETSID=0, --session=no, REAPER_SESSION=0, tini or reaper;
 *   reaper --session gives one under its own name;
 * - leftovers: when the main child exits, tini, docker-init, catatonit and
 *   dumb-init -c leave what is left untouched; dumb-init sends it TERM and
 *   does not wait; reaper TERMs it and KILLs it after --grace; tini with
 *   --orphans=terminate or REAPER_ORPHANS=terminate does as reaper;
 * - the command line: a usage error exits 1 under a peer's name, 125 under
 *   reaper's; help and version go to the stream the peer uses, the version
 *   line has the form the peer's users parse;
 * - dumb-init stops itself with the job on TSTP (sent to its group as
 *   STOP), and CONT resumes both; reaper under its own name does not stop.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000

static char link_dir[64];

/* Every name reaper answers to, linked to build/reaper in link_dir. */
static const char *const link_names[] = { "reaper", "tini", "docker-init", "dumb-init",
					  "catatonit" };
#define N_LINKS (int)(sizeof link_names / sizeof link_names[0])

static void make_links(void)
{
	make_tmpdir(link_dir, sizeof link_dir, "personality");
	for (int i = 0; i < N_LINKS; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", link_dir, link_names[i]);
		ck_assert_msg(symlink(reaper_path(), path) == 0, "symlink %s: %s", path,
			      strerror(errno));
	}
}

static void remove_links(void)
{
	for (int i = 0; i < N_LINKS; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", link_dir, link_names[i]);
		(void)unlink(path); /* best effort: the directory is ours */
	}
	(void)rmdir(link_dir);
}

/* The link called name (static storage; two alternate, for one argv). */
static char *linked(const char *name)
{
	static char paths[2][PATH_MAX];
	static int next;
	char *path = paths[next++ % 2];
	snprintf(path, PATH_MAX, "%s/%s", link_dir, name);
	return path;
}

/* ---- session ------------------------------------------------------------ */

/* The child prints its pid and its session id, both read from its own
 * /proc/PID/stat (fields 1 and 6; sh's name has no space). As PID 1, a
 * session begun outside the namespace shows as 0. */
#define SHOW_IDS "read -r pid comm state ppid pgrp sid rest < /proc/$$/stat; echo \"ids $pid $sid\""

static const struct {
	const char *name;
	const char *opt;  /* one option before the command, or NULL */
	const char *env;  /* one variable, or NULL */
	bool session;
} sessions[] = {
	{ "dumb-init", NULL, NULL, true },
	{ "dumb-init", NULL, "DUMB_INIT_SETSID=1", true },
	{ "dumb-init", "-c", NULL, false },
	{ "dumb-init", NULL, "DUMB_INIT_SETSID=0", false },
	{ "dumb-init", "--session=no", NULL, false },
	{ "dumb-init", NULL, "REAPER_SESSION=0", false },
	{ "tini", NULL, NULL, false },
	{ "catatonit", NULL, NULL, false },
	{ "reaper", NULL, NULL, false },
	{ "reaper", "--session", NULL, true },
	{ "reaper", NULL, "REAPER_SESSION=1", true },
};
#define N_SESSIONS (int)(sizeof sessions / sizeof sessions[0])

START_TEST(test_session)
{
	enum run_where where = wheres[_i / N_SESSIONS];
	int row = _i % N_SESSIONS;
	char *env[] = { (char *)sessions[row].env, NULL };
	struct run_opts opts = { .env_add = sessions[row].env != NULL ? env : NULL };
	char *argv[6];
	int n = 0;
	argv[n++] = linked(sessions[row].name);
	if (sessions[row].opt != NULL)
		argv[n++] = (char *)sessions[row].opt;
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = SHOW_IDS;
	argv[n] = NULL;
	char context[96];
	snprintf(context, sizeof context, "%s %s %s, as %s", sessions[row].name,
		 sessions[row].opt != NULL ? sessions[row].opt : "",
		 sessions[row].env != NULL ? sessions[row].env : "", where_name(where));

	struct run r;
	char line[128];
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_prefix(&r, "ids ", line, sizeof line, LINE_MS),
		      "%s: no ids; stdout: %s; stderr: %s", context, r.out, r.err);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 0, "%s: exit %d; stderr: %s", context, got, r.err);
	long pid = line_field(line, 1, 1), sid = line_field(line, 2, 0);
	if (sessions[row].session)
		ck_assert_msg(sid == pid, "%s: the child (pid %ld) is in session %ld, not its own",
			      context, pid, sid);
	else
		ck_assert_msg(sid != pid, "%s: the child leads a session of its own", context);
}
END_TEST

/* ---- leftovers -------------------------------------------------------- */

enum leftovers { LEFT_TERMINATE, LEFT_LEAVE, LEFT_TERM_LEAVE };

static const struct {
	const char *name;
	const char *opt;
	const char *env;
	enum leftovers want;
} leftovers[] = {
	{ "reaper", NULL, NULL, LEFT_TERMINATE },
	{ "tini", NULL, NULL, LEFT_LEAVE },
	{ "docker-init", NULL, NULL, LEFT_LEAVE },
	{ "catatonit", NULL, NULL, LEFT_LEAVE },
	{ "dumb-init", NULL, NULL, LEFT_TERM_LEAVE },
	{ "dumb-init", "-c", NULL, LEFT_LEAVE },
	{ "tini", "--orphans=terminate", NULL, LEFT_TERMINATE },
	{ "tini", NULL, "REAPER_ORPHANS=terminate", LEFT_TERMINATE },
	{ "dumb-init", "--orphans=leave", NULL, LEFT_LEAVE },
};
#define N_LEFTOVERS (int)(sizeof leftovers / sizeof leftovers[0])

static const char *const policy_lines[] = {
	[LEFT_TERMINATE] = "reaper: 1 process left: sending TERM, KILL after 300ms\n",
	[LEFT_LEAVE] = "reaper: leaving 1 process behind\n",
	[LEFT_TERM_LEAVE] = "reaper: 1 process left: sending TERM, not waiting\n",
};

/* The job (jobtree) leaves one grandchild, escaped with setsid, that
 * ignores TERM and ends on a line on stdin; the main child exits 6. */
START_TEST(test_leftovers)
{
	enum run_where where = wheres[_i / N_LEFTOVERS];
	int row = _i % N_LEFTOVERS;
	enum leftovers want = leftovers[row].want;
	char *env[] = { (char *)leftovers[row].env, NULL };
	struct run_opts opts = { .pipe_stdin = true,
				 .env_add = leftovers[row].env != NULL ? env : NULL };
	char *argv[16];
	int n = 0;
	argv[n++] = linked(leftovers[row].name);
	argv[n++] = "-v";
	argv[n++] = "--grace=300ms";
	if (leftovers[row].opt != NULL)
		argv[n++] = (char *)leftovers[row].opt;
	const char *job[] = { helper_path("jobtree"), "--spawn", "setsid", "--on-term", "ignore",
			      "--gc-stdin", "--exit", "6", NULL };
	for (int i = 0; job[i] != NULL; i++)
		argv[n++] = (char *)job[i];
	argv[n] = NULL;
	char context[96];
	snprintf(context, sizeof context, "%s %s %s, as %s", leftovers[row].name,
		 leftovers[row].opt != NULL ? leftovers[row].opt : "",
		 leftovers[row].env != NULL ? leftovers[row].env : "", where_name(where));

	struct run r;
	char line[128];
	run_start(&r, where, argv, &opts);
	int run_fd = open_pidfd(r.pid);
	ck_assert_msg(run_expect_prefix(&r, "grandchild setsid ", line, sizeof line, LINE_MS),
		      "%s: no grandchild; stdout: %s; stderr: %s", context, r.out, r.err);
	pid_t pid = (pid_t)line_field(line, 2, 1);
	int gc_fd = where == RUN_HOST ? open_pidfd(pid) : -1;
	await_gone(&r, run_fd, "reaper", EXIT_MS);
	close(run_fd);
	ck_assert_msg(strstr(r.err, policy_lines[want]) != NULL, "%s: no '%s' in: %s", context,
		      policy_lines[want], r.err);
	if (want == LEFT_TERM_LEAVE && where == RUN_HOST)
		ck_assert_msg(run_expect_line(&r, "gsig setsid 15", LINE_MS),
			      "%s: the grandchild got no TERM; stdout: %s", context, r.out);
	if (want != LEFT_TERMINATE && where == RUN_HOST) {
		/* reaper is gone and the grandchild, which ignores TERM, lives */
		ck_assert_msg(!pidfd_gone(gc_fd), "%s: the grandchild died with reaper", context);
		ck_assert_int_eq(write(r.stdin_fd, "\n", 1), 1);
		ck_assert_msg(run_expect_line(&r, "finished setsid", LINE_MS), "%s: stdout: %s",
			      context, r.out);
		await_gone(&r, gc_fd, "the grandchild", EXIT_MS);
	}
	if (gc_fd >= 0)
		close(gc_fd);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 6, "%s: exit %d; stderr: %s", context, got, r.err);
	if (want == LEFT_LEAVE)
		ck_assert_msg(strstr(r.out, "gsig ") == NULL, "%s: the grandchild was signalled: %s",
			      context, r.out);
	if (want == LEFT_TERMINATE) {
		ck_assert_msg(run_count_lines(&r, "gsig setsid 15") == 1, "%s: stdout: %s", context,
			      r.out);
		ck_assert_msg(strstr(r.err, "killed by KILL") != NULL, "%s: not KILLed: %s", context,
			      r.err);
	}
	ck_assert_int_eq(r.leftovers, want != LEFT_TERMINATE && where == RUN_HOST ? 1 : 0);
}
END_TEST

/* ---- the command line ------------------------------------------------ */

enum stream { NONE, OUT, ERR };

static const struct {
	const char *name;
	const char *args[3];
	int exit_code;
	enum stream stream;      /* where the text goes (the other stays empty) */
	const char *starts;      /* how that text starts */
} commands[] = {
	{ "reaper", { "--yolo", "true" }, 125, ERR, "reaper: unknown option '--yolo'" },
	{ "tini", { "--yolo", "true" }, 1, ERR, "reaper: unknown option '--yolo'" },
	{ "docker-init", { "--yolo", "true" }, 1, ERR, "reaper: unknown option '--yolo'" },
	{ "dumb-init", { "--yolo", "true" }, 1, ERR, "reaper: unknown option '--yolo'" },
	{ "catatonit", { "--yolo", "true" }, 1, ERR, "reaper: unknown option '--yolo'" },
	{ "reaper", { NULL }, 125, ERR, "reaper: no command given" },
	{ "dumb-init", { NULL }, 1, ERR, "reaper: no command given" },
	{ "tini", { "-r", "KILL:HUP", "true" }, 1, ERR, "reaper: --rewrite: invalid value" },
	{ "reaper", { "--help" }, 0, OUT, "Usage: reaper" },
	{ "tini", { "-h" }, 0, OUT, "Running as tini:" },
	{ "dumb-init", { "--help" }, 0, ERR, "Running as dumb-init:" },
	{ "catatonit", { "-h" }, 0, ERR, "Running as catatonit:" },
	{ "reaper", { "--version" }, 0, OUT, "reaper " },
	{ "tini", { "--version" }, 0, OUT, "tini version " },
	{ "docker-init", { "--version" }, 0, OUT, "reaper " },
	{ "catatonit", { "-V" }, 0, OUT, "tini version " },
	{ "dumb-init", { "-V" }, 0, ERR, "reaper " },
	/* The job's own exit codes are the job's under every name. */
	{ "dumb-init", { "/bin/sh", "-c", "exit 7" }, 7, NONE, NULL },
	{ "tini", { "/nonexistent/x" }, 127, ERR, "reaper: cannot run '/nonexistent/x'" },
};
#define N_COMMANDS (int)(sizeof commands / sizeof commands[0])

START_TEST(test_command_line)
{
	char *argv[5] = { linked(commands[_i].name) };
	for (int i = 0; i < 3 && commands[_i].args[i] != NULL; i++)
		argv[i + 1] = (char *)commands[_i].args[i];
	struct run r;
	int got = run_simple(&r, RUN_HOST, argv, EXIT_MS);
	const char *name = commands[_i].name, *arg = commands[_i].args[0];
	arg = arg != NULL ? arg : "(nothing)";

	ck_assert_msg(got == commands[_i].exit_code, "%s %s: exit %d, want %d; stderr: %s", name,
		      arg, got, commands[_i].exit_code, r.err);
	const char *text = commands[_i].stream == OUT ? r.out : r.err;
	const char *other = commands[_i].stream == OUT ? r.err : r.out;
	if (commands[_i].stream == NONE)
		return;
	ck_assert_msg(strncmp(text, commands[_i].starts, strlen(commands[_i].starts)) == 0,
		      "%s %s: on std%s: '%s', want it to start with '%s'", name, arg,
		      commands[_i].stream == OUT ? "out" : "err", text, commands[_i].starts);
	ck_assert_msg(other[0] == '\0', "%s %s: the other stream has '%s'", name, arg, other);
}
END_TEST

/* ---- dumb-init's job control -------------------------------------------- */

/* Pump r until pid is stopped (or not, stopped false); fail at the
 * deadline. */
static void await_state(struct run *r, pid_t pid, bool stopped, const char *what)
{
	long long deadline = now_ms() + LINE_MS;
	while ((proc_state(pid) == 'T') != stopped) {
		long long left = deadline - now_ms();
		ck_assert_msg(left > 0, "%s did not %s (state %c); stderr: %s", what,
			      stopped ? "stop" : "resume", proc_state(pid), r->err);
		run_pump(r, left < 5 ? (int)left : 5);
	}
}

/* On the host only: as PID 1 of a namespace the kernel lets no STOP from
 * inside stop reaper, as it does not stop dumb-init there. */
START_TEST(test_dumb_init_stops_with_the_job)
{
	char *argv[] = { linked("dumb-init"), (char *)helper_path("sigrecorder"), "--exit-on",
			 "TERM", "--exit", "9", NULL };
	struct run r;
	char line[128];
	run_start_blocked(&r, RUN_HOST, argv, NULL, false);
	ck_assert_msg(run_expect_prefix(&r, "ready ", line, sizeof line, LINE_MS),
		      "no ready; stdout: %s; stderr: %s", r.out, r.err);
	pid_t child = (pid_t)line_field(line, 1, 1);
	pid_t self = run_reaper_pid(&r, LINE_MS);

	run_signal(&r, SIGTSTP);
	await_state(&r, child, true, "the child");
	await_state(&r, self, true, "dumb-init (reaper)");
	ck_assert_msg(run_count_lines(&r, "sig 20") == 0, "TSTP went as TSTP: %s", r.out);
	ck_assert_int_eq(kill(self, SIGCONT), 0);
	ck_assert_msg(run_expect_line(&r, "sig 18", LINE_MS), "CONT not forwarded: %s", r.out);
	await_state(&r, child, false, "the child");
	await_state(&r, self, false, "dumb-init (reaper)");
	run_signal(&r, SIGTERM);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 9, "exit %d; stderr: %s", got, r.err);
}
END_TEST

/* Under its own name, reaper forwards TSTP as TSTP and stays running. */
START_TEST(test_reaper_does_not_stop)
{
	char *argv[] = { linked("reaper"), (char *)helper_path("sigrecorder"), "--exit-on",
			 "TERM", "--exit", "9", NULL };
	struct run r;
	run_start_blocked(&r, RUN_HOST, argv, NULL, false);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "no ready; stderr: %s",
		      r.err);
	pid_t self = run_reaper_pid(&r, LINE_MS);
	run_signal(&r, SIGTSTP);
	ck_assert_msg(run_expect_line(&r, "sig 20", LINE_MS), "TSTP not forwarded: %s", r.out);
	ck_assert_msg(proc_state(self) != 'T', "reaper stopped");
	run_signal(&r, SIGTERM);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 9, "exit %d; stderr: %s", got, r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("personality");
	TCase *tc = tcase_create("session");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, make_links, remove_links);
	tcase_add_loop_test(tc, test_session, 0, N_WHERES * N_SESSIONS);
	suite_add_tcase(s, tc);

	tc = tcase_create("leftovers");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, make_links, remove_links);
	tcase_add_loop_test(tc, test_leftovers, 0, N_WHERES * N_LEFTOVERS);
	suite_add_tcase(s, tc);

	tc = tcase_create("command line");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, make_links, remove_links);
	tcase_add_loop_test(tc, test_command_line, 0, N_COMMANDS);
	suite_add_tcase(s, tc);

	tc = tcase_create("job control");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, make_links, remove_links);
	tcase_add_test(tc, test_dumb_init_stops_with_the_job);
	tcase_add_test(tc, test_reaper_does_not_stop);
	suite_add_tcase(s, tc);
	return s;
}
