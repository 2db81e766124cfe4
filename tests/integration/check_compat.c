/*
 * check_compat: the flags and variables of tini, dumb-init and catatonit
 * mean what those programs document (issue 2, test 12; DESIGN.md
 * "Drop-in compatibility"), so a Dockerfile can swap the program name.
 *
 * - forwarding: tini -g, TINI_KILL_PROCESS_GROUP, catatonit -g go to the
 *   child's process group; dumb-init -c/--single-child and
 *   DUMB_INIT_SETSID=0 to the child alone. The same scenario also runs
 *   under the real tini, dumb-init and catatonit (as PID 1) when they are
 *   installed, asserting they observe what reaper is expected to: the
 *   expectations are theirs, not ours.
 * - dumb-init rewrites: -r 15:3, --rewrite=15:0.
 * - accepted and passed through: tini -s, -v, -vv, -e, TINI_SUBREAPER,
 *   TINI_VERBOSITY; dumb-init -v.
 * - read as the peers read them (issue 15): TINI_VERBOSITY with atoi (4,
 *   10, -1: debug lines; empty, text: silent; never refused),
 *   DUMB_INIT_DEBUG=1 and CATATONIT_DEBUG: debug lines; dumb-init -v's
 *   lines (signals forwarded) at reaper -v. The job runs, its code is ours.
 * - tini -w logs each reaped zombie ("reaped") on stderr.
 * - information: -l/-L/--license (MIT text), -V/--version, -h/--help:
 *   exit 0.
 * catatonit -P (pause) is covered by check_pause.c.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000

static void expect_next(struct run *r, const char *want)
{
	char line[256];
	do {
		ck_assert_msg(run_read_line(r, line, sizeof line, LINE_MS),
			      "no line within %d ms while waiting for \"%s\"\n--- stdout:\n%s\n"
			      "--- stderr:\n%s", LINE_MS, want, r->out, r->err);
	} while (strcmp(line, "sig 17") == 0); /* the recorder reaped its grandchild */
	ck_assert_msg(strcmp(line, want) == 0, "expected \"%s\", got \"%s\"\n--- stdout:\n%s\n"
		      "--- stderr:\n%s", want, line, r->out, r->err);
}

/* ---- forwarding --------------------------------------------------------- */

enum target { TO_GROUP, TO_CHILD };

static const struct {
	const char *program;  /* NULL: reaper */
	enum run_where where;
	const char *opts[3];
	const char *env[2];
	enum target target;
} fwd_rows[] = {
	{ NULL, RUN_PID1, { "-g", NULL }, { NULL }, TO_GROUP },
	{ NULL, RUN_HOST, { "-g", NULL }, { NULL }, TO_GROUP },
	{ NULL, RUN_HOST, { "-s", "-g", NULL }, { NULL }, TO_GROUP },
	/* -g on the command line wins over dumb-init's variable. */
	{ NULL, RUN_PID1, { "-g", NULL }, { "DUMB_INIT_SETSID=0", NULL }, TO_GROUP },
	{ NULL, RUN_PID1, { NULL }, { "TINI_KILL_PROCESS_GROUP=1", NULL }, TO_GROUP },
	{ NULL, RUN_HOST, { NULL }, { "TINI_KILL_PROCESS_GROUP=1", NULL }, TO_GROUP },
	{ NULL, RUN_PID1, { "-c", NULL }, { NULL }, TO_CHILD },
	{ NULL, RUN_HOST, { "--single-child", NULL }, { NULL }, TO_CHILD },
	{ NULL, RUN_PID1, { "--single-child", NULL }, { NULL }, TO_CHILD },
	{ NULL, RUN_PID1, { NULL }, { "DUMB_INIT_SETSID=0", NULL }, TO_CHILD },
	{ NULL, RUN_HOST, { NULL }, { "DUMB_INIT_SETSID=0", NULL }, TO_CHILD },
	/* The real programs, as PID 1, with the same flags. */
	{ "/usr/bin/tini", RUN_PID1, { "-g", NULL }, { NULL }, TO_GROUP },
	{ "/usr/bin/tini", RUN_PID1, { NULL }, { "TINI_KILL_PROCESS_GROUP=1", NULL }, TO_GROUP },
	{ "/usr/bin/tini", RUN_PID1, { NULL }, { NULL }, TO_CHILD },
	{ "/usr/bin/dumb-init", RUN_PID1, { NULL }, { NULL }, TO_GROUP },
	{ "/usr/bin/dumb-init", RUN_PID1, { "-c", NULL }, { NULL }, TO_CHILD },
	{ "/usr/bin/dumb-init", RUN_PID1, { "--single-child", NULL }, { NULL }, TO_CHILD },
	{ "/usr/bin/dumb-init", RUN_PID1, { NULL }, { "DUMB_INIT_SETSID=0", NULL }, TO_CHILD },
	{ "/usr/bin/catatonit", RUN_PID1, { "-g", NULL }, { NULL }, TO_GROUP },
};

/* Send signo to the init under test. run_signal first waits until reaper
 * blocks signo; the real programs may use handlers instead (the check
 * would wait 5 s in vain), and they are set up before they fork the
 * child, whose "ready" line we have seen: send directly. */
static void send_to_init(struct run *r, int signo, bool is_reaper)
{
	if (is_reaper) {
		run_signal(r, signo);
		return;
	}
	pid_t pid = run_reaper_pid(r, LINE_MS);
	ck_assert_msg(kill(pid, signo) == 0, "kill %ld: %s", (long)pid, strerror(errno));
}

/* Send signo to the init under test; wait for "sig N" and, for the group,
 * "gsig N", in either order; anything else fails. */
static void forward_one(struct run *r, int signo, enum target target, bool is_reaper)
{
	char want_child[32], want_grand[32], line[256];
	snprintf(want_child, sizeof want_child, "sig %d", signo);
	snprintf(want_grand, sizeof want_grand, "gsig %d", signo);
	bool seen_child = false, seen_grand = target == TO_CHILD;
	send_to_init(r, signo, is_reaper);
	while (!seen_child || !seen_grand) {
		ck_assert_msg(run_read_line(r, line, sizeof line, LINE_MS),
			      "after signal %d: no line within %d ms\n--- stdout:\n%s\n"
			      "--- stderr:\n%s", signo, LINE_MS, r->out, r->err);
		if (strcmp(line, "sig 17") == 0)
			continue;
		if (!seen_child && strcmp(line, want_child) == 0)
			seen_child = true;
		else if (!seen_grand && strcmp(line, want_grand) == 0)
			seen_grand = true;
		else
			ck_abort_msg("after signal %d (%s): unexpected \"%s\"\n--- stdout:\n%s\n"
				     "--- stderr:\n%s", signo,
				     target == TO_GROUP ? "group" : "child only", line, r->out,
				     r->err);
	}
}

START_TEST(test_forwarding)
{
	bool is_reaper = fwd_rows[_i].program == NULL;
	const char *program = is_reaper ? reaper_path() : fwd_rows[_i].program;
	if (access(program, X_OK) != 0) {
		fprintf(stderr, "SKIP %s row %d: %s is not installed\n", tcase_name(), _i, program);
		return;
	}
	const char *cmd[] = { helper_path("sigrecorder"), "--spawn-grandchild", "--exit-on", "RTMAX",
			      NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], program, fwd_rows[_i].opts, cmd);
	sigset_t all;
	sigfillset(&all);
	struct run_opts opts = { .env_add = (char *const *)fwd_rows[_i].env, .mask = &all };
	struct run r;
	run_start(&r, fwd_rows[_i].where, argv, &opts);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "%s: no ready line: %s",
		      program, r.err);
	pid_t grandchild = only_child(only_child(run_reaper_pid(&r, LINE_MS)));

	const int signals[] = { SIGUSR1, SIGTERM, SIGRTMIN + 1 };
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		forward_one(&r, signals[i], fwd_rows[_i].target, is_reaper);
	/* The grandchild's next line must be a marker sent to it directly:
	 * with child-only forwarding this proves nothing reached it (the
	 * highest signal comes out last of all pending ones). It exits on it,
	 * then the child is stopped through the init. Ending the group case
	 * the same way keeps the init's clean-up of a grandchild that outlived
	 * the child (a TERM, or the namespace's end) out of the picture. */
	char want[32];
	ck_assert_int_eq(kill(grandchild, SIGRTMAX), 0);
	snprintf(want, sizeof want, "gsig %d", SIGRTMAX);
	expect_next(&r, want);
	send_to_init(&r, SIGRTMAX, is_reaper);
	snprintf(want, sizeof want, "sig %d", SIGRTMAX);
	expect_next(&r, want);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 0, "%s exited %d, want the recorder's 0\n%s", program, code, r.err);
}
END_TEST

/* ---- dumb-init rewrites ------------------------------------------------- */

static const struct {
	const char *opts[3];
	int term_becomes; /* 0: dropped */
} rewrite_rows[] = {
	{ { "-r", "15:3", NULL }, SIGQUIT },
	{ { "--rewrite=15:3", NULL }, SIGQUIT },
	{ { "--rewrite=15:0", NULL }, 0 },
	{ { "-r", "15:0", NULL }, 0 },
};

START_TEST(test_rewrite)
{
	const char *cmd[] = { helper_path("sigrecorder"), "--exit-on", "RTMAX", NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), rewrite_rows[_i].opts, cmd);
	struct run r;
	run_start(&r, RUN_PID1, argv, NULL);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "no ready line: %s",
		      r.err);
	char want[32];
	run_signal(&r, SIGTERM);
	if (rewrite_rows[_i].term_becomes != 0) {
		snprintf(want, sizeof want, "sig %d", rewrite_rows[_i].term_becomes);
		expect_next(&r, want);
	}
	/* A TERM forwarded too (or instead) would come out before the marker. */
	run_signal(&r, SIGRTMIN + 2);
	snprintf(want, sizeof want, "sig %d", SIGRTMIN + 2);
	expect_next(&r, want);
	run_signal(&r, SIGRTMAX);
	snprintf(want, sizeof want, "sig %d", SIGRTMAX);
	expect_next(&r, want);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 0, "reaper exited %d: %s", code, r.err);
}
END_TEST

/* ---- accepted flags and variables --------------------------------------- */

static const struct {
	const char *opts[3];
	const char *env[2];
	const char *script;
	int want;
	bool quiet;       /* nothing at all on stderr */
	const char *says; /* or NULL: stderr holds this (a line of -v and up) */
} accept_rows[] = {
	{ { "-s", NULL }, { NULL }, "exit 3", 3, false, NULL },
	{ { "-e", "7", NULL }, { NULL }, "exit 7", 0, false, NULL },
	{ { "-e", "7", NULL }, { NULL }, "exit 8", 8, false, NULL },
	{ { "-v", NULL }, { NULL }, "exit 3", 3, false, NULL },
	{ { "-vv", NULL }, { NULL }, "exit 3", 3, false, NULL },
	{ { "-v", "-v", NULL }, { NULL }, "exit 3", 3, false, NULL },
	{ { NULL }, { "TINI_SUBREAPER=1", NULL }, "exit 3", 3, false, NULL },
	{ { NULL }, { "TINI_SUBREAPER=", NULL }, "exit 3", 3, false, NULL },
	{ { NULL }, { "TINI_VERBOSITY=0", NULL }, "exit 3", 3, true, NULL },
	{ { NULL }, { "TINI_VERBOSITY=3", NULL }, "exit 3", 3, false, NULL },
	{ { NULL }, { "DUMB_INIT_SETSID=1", NULL }, "exit 3", 3, false, NULL },
	/* dumb-init -v prints the signals it gets and forwards and each exit:
	 * reaper -v (INFO) has a line for each (see README). */
	{ { "-v", NULL }, { NULL }, "trap 'exit 3' USR1; kill -USR1 $PPID; sleep 10 & wait",
	  3, false, "forwarded USR1" },
	/* Peer variables as the peers read them (issue 15): TINI_VERBOSITY
	 * with atoi, never refused; 4 and up, and -1 (unsigned in tini), are
	 * the most; empty and text are 0. */
	{ { NULL }, { "TINI_VERBOSITY=4", NULL }, "exit 3", 3, false, "started " },
	{ { NULL }, { "TINI_VERBOSITY=10", NULL }, "exit 3", 3, false, "started " },
	{ { NULL }, { "TINI_VERBOSITY=-1", NULL }, "exit 3", 3, false, "started " },
	{ { NULL }, { "TINI_VERBOSITY=", NULL }, "exit 3", 3, true, NULL },
	{ { NULL }, { "TINI_VERBOSITY=text", NULL }, "exit 3", 3, true, NULL },
	{ { NULL }, { "DUMB_INIT_DEBUG=1", NULL }, "exit 3", 3, false, "started " },
	{ { NULL }, { "CATATONIT_DEBUG=1", NULL }, "exit 3", 3, false, "started " },
};

START_TEST(test_accepted)
{
	int row = _i / 2;
	const char *cmd[] = { "/bin/sh", "-c", accept_rows[row].script, NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), accept_rows[row].opts, cmd);
	struct run_opts opts = { .env_add = (char *const *)accept_rows[row].env };
	struct run r;
	run_start(&r, wheres[_i % N_WHERES], argv, &opts);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == accept_rows[row].want, "%s %s %s: exit %d, want %d\n%s",
		      accept_rows[row].opts[0] ? accept_rows[row].opts[0] : "",
		      accept_rows[row].env[0] ? accept_rows[row].env[0] : "",
		      accept_rows[row].script, code, accept_rows[row].want, r.err);
	if (accept_rows[row].quiet)
		ck_assert_msg(r.err_len == 0, "expected a silent run, stderr: %s", r.err);
	if (accept_rows[row].says != NULL)
		ck_assert_msg(strstr(r.err, accept_rows[row].says) != NULL,
			      "%s: stderr lacks \"%s\": %s",
			      accept_rows[row].env[0] ? accept_rows[row].env[0] : accept_rows[row].opts[0],
			      accept_rows[row].says, r.err);
}
END_TEST

/* tini -w: a line with "reaped" for each zombie that is not the main
 * child; none without -w. The child makes 3 orphans, which re-parent to
 * reaper (a subreaper, or PID 1) as zombies. */
START_TEST(test_warn_reap)
{
	bool warn = _i < 2;
	char *argv[8];
	size_t argc = 0;
	argv[argc++] = (char *)reaper_path();
	if (warn)
		argv[argc++] = "-w";
	argv[argc++] = "--";
	argv[argc++] = (char *)helper_path("orphanfactory");
	argv[argc++] = "3";
	argv[argc] = NULL;
	struct run r;
	run_start(&r, wheres[_i % N_WHERES], argv, NULL);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 0, "exit %d: %s", code, r.err);
	ck_assert_str_eq(r.out, "done\n");
	int lines = 0;
	for (const char *p = r.err; (p = strstr(p, "reaped")) != NULL; p++)
		lines++;
	if (warn)
		ck_assert_msg(lines == 3, "-w: %d \"reaped\" lines for 3 orphans:\n%s", lines, r.err);
	else
		ck_assert_msg(lines == 0, "without -w: \"reaped\" logged:\n%s", r.err);
}
END_TEST

/* ---- information flags -------------------------------------------------- */

/* strcasestr is a GNU extension, out of reach under the forced include. */
static bool contains_nocase(const char *haystack, const char *needle)
{
	size_t len = strlen(needle);
	for (; *haystack; haystack++)
		if (strncasecmp(haystack, needle, len) == 0)
			return true;
	return false;
}

static const struct {
	const char *flag;
	const char *any_of[2]; /* the output contains one of these (case-insensitive) */
} info_rows[] = {
	{ "-l", { "MIT", "Permission is hereby granted" } },        /* tini */
	{ "-L", { "MIT", "Permission is hereby granted" } },        /* catatonit */
	{ "--license", { "MIT", "Permission is hereby granted" } },
	{ "-V", { "0.", "version" } },                               /* dumb-init, catatonit */
	{ "--version", { "0.", "version" } },                        /* tini, dumb-init */
	{ "-h", { "usage", NULL } },
	{ "--help", { "usage", NULL } },
};

START_TEST(test_info)
{
	char *argv[] = { (char *)reaper_path(), (char *)info_rows[_i].flag, NULL };
	struct run r;
	int code = run_simple(&r, RUN_HOST, argv, EXIT_MS);
	ck_assert_msg(code == 0, "reaper %s exited %d: %s", info_rows[_i].flag, code, r.err);
	bool found = false;
	for (size_t i = 0; i < 2 && info_rows[_i].any_of[i]; i++)
		found = found || contains_nocase(r.out, info_rows[_i].any_of[i]) ||
			contains_nocase(r.err, info_rows[_i].any_of[i]);
	ck_assert_msg(found, "reaper %s printed neither \"%s\" nor \"%s\":\n%s%s",
		      info_rows[_i].flag, info_rows[_i].any_of[0],
		      info_rows[_i].any_of[1] ? info_rows[_i].any_of[1] : "", r.out, r.err);
	if (strcmp(info_rows[_i].flag, "-V") == 0 || strcmp(info_rows[_i].flag, "--version") == 0) {
		bool digit = false;
		for (const char *p = r.out; *p && !digit; p++)
			digit = *p >= '0' && *p <= '9';
		for (const char *p = r.err; *p && !digit; p++)
			digit = *p >= '0' && *p <= '9';
		ck_assert_msg(digit, "no version number: %s%s", r.out, r.err);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("compat");

	TCase *tc = tcase_create("forwarding");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_forwarding, 0, (int)(sizeof fwd_rows / sizeof fwd_rows[0]));
	tcase_add_loop_test(tc, test_rewrite, 0,
			    (int)(sizeof rewrite_rows / sizeof rewrite_rows[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("flags");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_accepted, 0,
			    2 * (int)(sizeof accept_rows / sizeof accept_rows[0]));
	tcase_add_loop_test(tc, test_warn_reap, 0, 4);
	tcase_add_loop_test(tc, test_info, 0, (int)(sizeof info_rows / sizeof info_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}
