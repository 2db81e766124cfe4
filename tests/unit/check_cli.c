/*
 * check_cli: cli_defaults, cli_parse and cli_help of src/cli.h. Each row
 * gives argv and an environment of its own and the config (or action and
 * error message) they must give. Options stop at the first non-option; the
 * environment (REAPER_* and the tini / dumb-init variables) applies first
 * and the command line wins. cli_parse must leave argv as it was and work
 * again in the same process, which test_repeat checks explicitly (with
 * CK_FORK=no every row does). A refused value is named with why it is
 * refused (test_refusal); tini's, dumb-init's and catatonit's variables
 * are read as those programs read them; an empty REAPER_* variable is an
 * unset one; an unknown REAPER_* variable is a warning (test_warnings).
 */
#include <check.h>
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "unit_util.h"

#define MAX_ARGS 10
#define MAX_ENV 6

#include "unit_cli.h"

#define NONE (-1) /* no command: cfg.argv must be NULL */
#define RTMAX_TEXT "64" /* SIGRTMAX on Linux with glibc */

/* ---- rows that run: the scalar fields of the config ------------------- */

static const struct {
	const char *args[MAX_ARGS];
	const char *env[MAX_ENV];
	int cmd; /* index in args of COMMAND, or NONE */
	enum forward_mode forward;
	enum log_level level;
	bool warn_reap, pause;
	int pdeath;
} runs[] = {
	{ { "reaper", "sh", "-c", "cmd" }, { NULL }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "--", "ls", "-l" }, { NULL }, 2, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "--", "-x" }, { NULL }, 2, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "sh", "-v", "-h" }, { NULL }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-v", "--", "cmd" }, { NULL }, 3, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "-v", "sh", "-c", "x" }, { NULL }, 2, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "-vv", "cmd" }, { NULL }, 2, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "-v", "-v", "-v", "c" }, { NULL }, 4, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "--verbose", "cmd" }, { NULL }, 2, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "-q", "cmd" }, { NULL }, 2, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper", "--quiet", "cmd" }, { NULL }, 2, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper", "-c", "cmd" }, { NULL }, 2, FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "--single-child", "c" }, { NULL }, 2, FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "--forward=child", "c" }, { NULL }, 2, FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "--forward", "child", "c" }, { NULL }, 3, FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "--forward=group", "c" }, { NULL }, 2, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-g", "cmd" }, { NULL }, 2, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-w", "cmd" }, { NULL }, 2, FWD_GROUP, LOG_WARN, true, false, 0 },
	{ { "reaper", "--warn-reap", "c" }, { NULL }, 2, FWD_GROUP, LOG_WARN, true, false, 0 },
	{ { "reaper", "-P" }, { NULL }, NONE, FWD_GROUP, LOG_WARN, false, true, 0 },
	{ { "reaper", "--pause", "--" }, { NULL }, NONE, FWD_GROUP, LOG_WARN, false, true, 0 },
	{ { "reaper", "-s", "cmd" }, { NULL }, 2, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-p", "SIGKILL", "c" }, { NULL }, 3, FWD_GROUP, LOG_WARN, false, false, SIGKILL },
	{ { "reaper", "-p", "15", "c" }, { NULL }, 3, FWD_GROUP, LOG_WARN, false, false, SIGTERM },
	{ { "reaper", "--parent-death-signal=usr1", "c" }, { NULL }, 2,
	  FWD_GROUP, LOG_WARN, false, false, SIGUSR1 },
	/* REAPER_* variables. */
	{ { "reaper", "c" }, { "REAPER_FORWARD=child" }, 1, FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_SINGLE_CHILD=1" }, 1, FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_SINGLE_CHILD=0" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_WARN_REAP=yes" }, 1, FWD_GROUP, LOG_WARN, true, false, 0 },
	{ { "reaper", "c" }, { "REAPER_VERBOSE=0" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_VERBOSE=1" }, 1, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_VERBOSE=2" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_VERBOSE=3" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_VERBOSE=true" }, 1, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_QUIET=1" }, 1, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper" }, { "REAPER_PAUSE=1" }, NONE, FWD_GROUP, LOG_WARN, false, true, 0 },
	{ { "reaper", "c" }, { "REAPER_PARENT_DEATH_SIGNAL=TERM" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, SIGTERM },
	{ { "reaper", "c" }, { "PATH=/bin", "REAPER", "HOME=/", "REAPER_FORWARDX=child" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	/* The command line wins. */
	{ { "reaper", "--forward=group", "c" }, { "REAPER_FORWARD=child" }, 2,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-g", "c" }, { "REAPER_SINGLE_CHILD=yes" }, 2,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-q", "c" }, { "REAPER_VERBOSE=3" }, 2, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper", "-q", "c" }, { "REAPER_VERBOSE=2" }, 2, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper", "-w", "c" }, { "REAPER_WARN_REAP=no" }, 2, FWD_GROUP, LOG_WARN, true, false, 0 },
	{ { "reaper", "-p", "KILL", "c" }, { "REAPER_PARENT_DEATH_SIGNAL=TERM" }, 3,
	  FWD_GROUP, LOG_WARN, false, false, SIGKILL },
	/* tini and dumb-init variables. */
	{ { "reaper", "c" }, { "TINI_KILL_PROCESS_GROUP=" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-c", "c" }, { "TINI_KILL_PROCESS_GROUP=1" }, 2,
	  FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "DUMB_INIT_SETSID=0" }, 1, FWD_CHILD, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "DUMB_INIT_SETSID=1" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=0" }, 1, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=1" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=2" }, 1, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=3" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_SUBREAPER=" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_SUBREAPER=1" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	/* TINI_VERBOSITY as tini reads it: atoi, refusing nothing; 4 and up
	 * (its trace) and a negative number (unsigned in tini: the most) are
	 * our DEBUG; no number is 0. */
	{ { "reaper", "c" }, { "TINI_VERBOSITY=4" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=10" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=-1" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=" }, 1, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=text" }, 1, FWD_GROUP, LOG_ERROR, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=2abc" }, 1, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY= +2" }, 1, FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=99999999999999999999" }, 1,
	  FWD_GROUP, LOG_DEBUG, false, false, 0 },
	/* dumb-init: debug for "1" exactly; catatonit: for any value. */
	{ { "reaper", "c" }, { "DUMB_INIT_DEBUG=1" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "DUMB_INIT_DEBUG=0" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "DUMB_INIT_DEBUG=yes" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "DUMB_INIT_DEBUG=" }, 1, FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "CATATONIT_DEBUG=1" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "CATATONIT_DEBUG=" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "CATATONIT_DEBUG=0" }, 1, FWD_GROUP, LOG_DEBUG, false, false, 0 },
	/* REAPER_* override them, the command line overrides all. */
	{ { "reaper", "c" }, { "DUMB_INIT_DEBUG=1", "REAPER_VERBOSE=0" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "-q", "c" }, { "CATATONIT_DEBUG=1" }, 2, FWD_GROUP, LOG_ERROR, false, false, 0 },
	/* An empty REAPER_* variable is an unset one, whatever its kind. */
	{ { "reaper", "c" }, { "TINI_VERBOSITY=2", "REAPER_VERBOSE=" }, 1,
	  FWD_GROUP, LOG_INFO, false, false, 0 },
	{ { "reaper", "c" }, { "TINI_VERBOSITY=3", "REAPER_QUIET=" }, 1,
	  FWD_GROUP, LOG_DEBUG, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_FORWARD=", "REAPER_ORPHANS=" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_TIMEOUT=", "REAPER_GRACE=", "REAPER_KILL_AFTER=" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_STOP_SIGNAL=", "REAPER_CHILD_PDEATHSIG=",
			       "REAPER_PARENT_DEATH_SIGNAL=" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_REWRITE=", "REAPER_EXPECT_EXIT=", "REAPER_SEND=" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_USER=", "REAPER_CAPS=", "REAPER_TRACE_FILE=" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
	{ { "reaper", "c" }, { "REAPER_PAUSE=", "REAPER_ISOLATE=", "REAPER_SINGLE_CHILD=" }, 1,
	  FWD_GROUP, LOG_WARN, false, false, 0 },
};

START_TEST(test_run)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(runs[_i].args, runs[_i].env, argv, &cfg, &result), CLI_RUN);
	if (runs[_i].cmd == NONE)
		ck_assert_ptr_null(cfg.argv);
	else
		ck_assert_ptr_eq(cfg.argv, &argv[runs[_i].cmd]);
	ck_assert_int_eq(cfg.forward, runs[_i].forward);
	ck_assert_int_eq(cfg.verbosity, runs[_i].level);
	ck_assert_int_eq(cfg.warn_reap, runs[_i].warn_reap);
	ck_assert_int_eq(cfg.pause, runs[_i].pause);
	ck_assert_int_eq(cfg.parent_death_signo, runs[_i].pdeath);
}
END_TEST

/* ---- rows that do not run ---------------------------------------------- */

static const struct {
	const char *args[MAX_ARGS];
	const char *env[MAX_ENV];
	enum cli_action action;
	const char *needle; /* CLI_USAGE: the message names this; NULL: any */
} stops[] = {
	{ { "reaper", "-h" }, { NULL }, CLI_HELP, NULL },
	{ { "reaper", "--help", "cmd" }, { NULL }, CLI_HELP, NULL },
	{ { "reaper", "-V" }, { NULL }, CLI_VERSION, NULL },
	{ { "reaper", "-v", "--version" }, { NULL }, CLI_VERSION, NULL },
	{ { "reaper", "-l" }, { NULL }, CLI_LICENSE, NULL },
	{ { "reaper", "-L" }, { NULL }, CLI_LICENSE, NULL },
	{ { "reaper" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "-v" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--forward=bogus", "c" }, { NULL }, CLI_USAGE, "--forward" },
	{ { "reaper", "--forward" }, { NULL }, CLI_USAGE, "--forward" },
	{ { "reaper", "-r", "TERM", "c" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--rewrite=KILL:TERM", "c" }, { NULL }, CLI_USAGE, "--rewrite" },
	{ { "reaper", "--rewrite", "TERM:", "c" }, { NULL }, CLI_USAGE, "--rewrite" },
	{ { "reaper", "-r" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--rewrite" }, { NULL }, CLI_USAGE, "--rewrite" },
	{ { "reaper", "-e", "256", "c" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--expect-exit=x", "c" }, { NULL }, CLI_USAGE, "--expect-exit" },
	{ { "reaper", "-e" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "-p", "FOO", "c" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--parent-death-signal=0", "c" }, { NULL }, CLI_USAGE, "--parent-death-signal" },
	{ { "reaper", "-P", "cmd" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--pause", "sleep", "1" }, { NULL }, CLI_USAGE, NULL },
	{ { "reaper", "--bogus", "c" }, { NULL }, CLI_USAGE, "--bogus" },
	{ { "reaper", "--bogus=1", "c" }, { NULL }, CLI_USAGE, "--bogus" },
	{ { "reaper", "-Z", "c" }, { NULL }, CLI_USAGE, "-Z" },
	{ { "reaper", "-v", "-Z", "c" }, { NULL }, CLI_USAGE, "-Z" },
	/* A cluster with letters left after the bad one is named by that
	 * letter, not by the element before it (tests/fuzz found both). */
	{ { "reaper", "--trace", "-Zv", "c" }, { NULL }, CLI_USAGE, "'-Z'" },
	{ { "reaper", "--grace=1s", "-vZq", "c" }, { NULL }, CLI_USAGE, "'-Z'" },
	{ { "", "-Zv", "c" }, { NULL }, CLI_USAGE, "'-Z'" },
	{ { "reaper", "-vt" }, { NULL }, CLI_USAGE, "'-t'" },
	{ { "reaper", "--help=x", "c" }, { NULL }, CLI_USAGE, "'--help=x'" },
	/* What the user gave is quoted with its control characters as '?'
	 * (parse_checked() checks the message is one line). */
	{ { "reaper", "--foo\nreaper: fake", "c" }, { NULL }, CLI_USAGE, "'--foo?reaper: fake'" },
	{ { "reaper", "c" }, { "REAPER_GRACE=1\n\033[2J" }, CLI_USAGE, "'1??[2J'" },
	{ { "reaper", "c" }, { "REAPER_FORWARD=bogus" }, CLI_USAGE, "REAPER_FORWARD" },
	{ { "reaper", "c" }, { "REAPER_SINGLE_CHILD=2" }, CLI_USAGE, "REAPER_SINGLE_CHILD" },
	{ { "reaper", "c" }, { "REAPER_EXPECT_EXIT=300" }, CLI_USAGE, "REAPER_EXPECT_EXIT" },
	{ { "reaper", "c" }, { "REAPER_EXPECT_EXIT=3,x" }, CLI_USAGE, "REAPER_EXPECT_EXIT" },
	{ { "reaper", "c" }, { "REAPER_WARN_REAP=maybe" }, CLI_USAGE, "REAPER_WARN_REAP" },
	{ { "reaper", "c" }, { "REAPER_REWRITE=TERM:QUIT,KILL:TERM" }, CLI_USAGE, "REAPER_REWRITE" },
	{ { "reaper", "c" }, { "REAPER_VERBOSE=9" }, CLI_USAGE, "REAPER_VERBOSE" },
	{ { "reaper", "c" }, { "REAPER_QUIET=2" }, CLI_USAGE, "REAPER_QUIET" },
	{ { "reaper" }, { "REAPER_PAUSE=x" }, CLI_USAGE, "REAPER_PAUSE" },
	{ { "reaper", "c" }, { "REAPER_PARENT_DEATH_SIGNAL=FOO" }, CLI_USAGE,
	  "REAPER_PARENT_DEATH_SIGNAL" },
	/* On the command line an empty value stays an error. */
	{ { "reaper", "--timeout=", "c" }, { NULL }, CLI_USAGE, "--timeout" },
	{ { "reaper", "--stop-signal", "", "c" }, { NULL }, CLI_USAGE, "--stop-signal" },
	{ { "reaper", "-u", "", "c" }, { NULL }, CLI_USAGE, "--user" },
	{ { "reaper", "-r", "", "c" }, { NULL }, CLI_USAGE, "--rewrite" },
	/* --restart: its values, and what it cannot be combined with. */
	{ { "reaper", "--restart=sometimes", "c" }, { NULL }, CLI_USAGE, "--restart" },
	{ { "reaper", "--restart-max=-1", "c" }, { NULL }, CLI_USAGE, "--restart-max" },
	{ { "reaper", "--restart-delay=soon", "c" }, { NULL }, CLI_USAGE, "--restart-delay" },
	{ { "reaper", "c" }, { "REAPER_RESTART=yes" }, CLI_USAGE, "REAPER_RESTART" },
	{ { "reaper", "c" }, { "REAPER_RESTART_MAX=x" }, CLI_USAGE, "REAPER_RESTART_MAX" },
	{ { "reaper", "c" }, { "REAPER_RESTART_DELAY=-1s" }, CLI_USAGE, "REAPER_RESTART_DELAY" },
	{ { "reaper", "--restart=always", "--pause" }, { NULL }, CLI_USAGE, "--pause" },
	{ { "reaper", "--restart=on-failure", "--isolate", "c" }, { NULL }, CLI_USAGE, "--isolate" },
	{ { "reaper", "--isolate", "c" }, { "REAPER_RESTART=always" }, CLI_USAGE, "--restart" },
};

START_TEST(test_stop)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(stops[_i].args, stops[_i].env, argv, &cfg, &result),
			 stops[_i].action);
	if (stops[_i].needle != NULL)
		ck_assert_msg(strstr(result.message, stops[_i].needle) != NULL,
			      "\"%s\" does not name %s", result.message, stops[_i].needle);
}
END_TEST

/* ---- why a value is refused: the whole message --------------------------- */

static const struct {
	const char *args[MAX_ARGS];
	const char *env[MAX_ENV];
	const char *message;
} refusals[] = {
	{ { "reaper", "-r", "KILL:HUP", "c" }, { NULL },
	  "--rewrite: invalid value 'KILL:HUP' (KILL cannot be caught, so reaper never receives it)" },
	{ { "reaper", "-r", "STOP:x", "c" }, { NULL },
	  "--rewrite: invalid value 'STOP:x' (STOP cannot be caught, so reaper never receives it)" },
	{ { "reaper", "--rewrite=CHLD:x", "c" }, { NULL },
	  "--rewrite: invalid value 'CHLD:x' (reaper handles CHLD itself: it reaps)" },
	{ { "reaper", "-r", "SIGCLD:TERM", "c" }, { NULL },
	  "--rewrite: invalid value 'SIGCLD:TERM' (reaper handles CHLD itself: it reaps)" },
	{ { "reaper", "-r", "FOO:HUP", "c" }, { NULL },
	  "--rewrite: invalid value 'FOO:HUP' (unknown signal 'FOO')" },
	{ { "reaper", "-r", "HUP:FOO", "c" }, { NULL },
	  "--rewrite: invalid value 'HUP:FOO' (unknown signal 'FOO')" },
	{ { "reaper", "-r", "HUP:99", "c" }, { NULL },
	  "--rewrite: invalid value 'HUP:99' (signals are numbered 1 to " RTMAX_TEXT ")" },
	{ { "reaper", "-r", "TERM", "c" }, { NULL },
	  "--rewrite: invalid value 'TERM' (expected SIG:SIG, SIG:0 drops)" },
	{ { "reaper", "--report-format=xml", "c" }, { NULL },
	  "--report-format: invalid value 'xml' (expected text or json)" },
	{ { "reaper", "c" }, { "REAPER_REPORT_FORMAT=yaml" },
	  "REAPER_REPORT_FORMAT: invalid value 'yaml' (expected text or json)" },
	{ { "reaper", "--report-file=", "c" }, { NULL },
	  "--report-file: invalid value '' (expected a file name)" },
	{ { "reaper", "-r", "TERM:", "c" }, { NULL },
	  "--rewrite: invalid value 'TERM:' (expected SIG:SIG, SIG:0 drops)" },
	{ { "reaper", "c" }, { "REAPER_REWRITE=TERM:QUIT,KILL:HUP" },
	  "REAPER_REWRITE: invalid value 'TERM:QUIT,KILL:HUP' "
	  "(KILL cannot be caught, so reaper never receives it)" },
	{ { "reaper", "--stop-signal=FOO", "c" }, { NULL },
	  "--stop-signal: invalid value 'FOO' (unknown signal 'FOO')" },
	{ { "reaper", "--stop-signal", "0", "c" }, { NULL },
	  "--stop-signal: invalid value '0' (signals are numbered 1 to " RTMAX_TEXT ")" },
	{ { "reaper", "--stop-signal", "", "c" }, { NULL },
	  "--stop-signal: invalid value '' (expected a signal)" },
	{ { "reaper", "c" }, { "REAPER_STOP_SIGNAL=SIGFOO" },
	  "REAPER_STOP_SIGNAL: invalid value 'SIGFOO' (unknown signal 'SIGFOO')" },
	{ { "reaper", "--send", "FOO@1s", "c" }, { NULL },
	  "--send: invalid value 'FOO@1s' (unknown signal 'FOO')" },
	{ { "reaper", "--send", "TERM@x", "c" }, { NULL },
	  "--send: invalid value 'TERM@x' (expected SIG@DURATION, at most 32)" },
	{ { "reaper", "c" }, { "REAPER_SEND=TERM@1s,BAR@2s" },
	  "REAPER_SEND: invalid value 'TERM@1s,BAR@2s' (unknown signal 'BAR')" },
	{ { "reaper", "--child-pdeathsig=KILLL", "c" }, { NULL },
	  "--child-pdeathsig: invalid value 'KILLL' (unknown signal 'KILLL')" },
	{ { "reaper", "-p", "FOO", "c" }, { NULL },
	  "--parent-death-signal: invalid value 'FOO' (unknown signal 'FOO')" },
	{ { "reaper", "c" }, { "REAPER_PARENT_DEATH_SIGNAL=99" },
	  "REAPER_PARENT_DEATH_SIGNAL: invalid value '99' (signals are numbered 1 to " RTMAX_TEXT ")" },
	{ { "reaper", "--grace=x", "c" }, { NULL },
	  "--grace: invalid value 'x' (expected a duration such as 250ms, 10s, 1.5s, 2m, 1h)" },
};

START_TEST(test_refusal)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(refusals[_i].args, refusals[_i].env, argv, &cfg, &result),
			 CLI_USAGE);
	ck_assert_str_eq(result.message, refusals[_i].message);
}
END_TEST

/* The faults a process sends are forwarded, so they may be rewritten. */
START_TEST(test_rewrite_faults)
{
	static const char *const args[] = { "reaper", "-r", "SYS:HUP", "-r", "HUP:SEGV", "-r",
					     "BUS:0", "c", NULL };
	static const char *const none[] = { NULL };
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(args, none, argv, &cfg, &result), CLI_RUN);
	ck_assert_int_eq(cfg.rewrite[SIGSYS], SIGHUP);
	ck_assert_int_eq(cfg.rewrite[SIGHUP], SIGSEGV);
	ck_assert_int_eq(cfg.rewrite[SIGBUS], 0);
}
END_TEST

/* ---- warnings: unknown REAPER_* variables -------------------------------- */

static const struct {
	const char *env[MAX_ENV];
	size_t count;
	const char *first, *second;
} warnings[] = {
	{ { "REAPER_TIMOUT=5" }, 1, "unknown variable REAPER_TIMOUT, ignored", NULL },
	{ { "REAPER_TIMEOUT=5", "REAPER_GRAC=1s", "REAPER_X=1" }, 2,
	  "unknown variable REAPER_GRAC, ignored", "unknown variable REAPER_X, ignored" },
	{ { "REAPER_A\nB=1" }, 1, "unknown variable REAPER_A?B, ignored", NULL },
	/* Known, empty (as good as unset), or not ours: nothing to say. */
	{ { "REAPER_TIMEOUT=5", "REAPER_TIMOUT=", "TINI_VERBOSITY=1", "REAPER=1",
	    "XREAPER_Y=1", "REAPER_NOEQUALS" }, 0, NULL, NULL },
	{ { "REAPER_1=1", "REAPER_2=1", "REAPER_3=1", "REAPER_4=1", "REAPER_5=1" }, 5,
	  "unknown variable REAPER_1, ignored", "unknown variable REAPER_2, ignored" },
};

START_TEST(test_warnings)
{
	static const char *const args[] = { "reaper", "c", NULL };
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(args, warnings[_i].env, argv, &cfg, &result), CLI_RUN);
	ck_assert_uint_eq(result.warning_count, warnings[_i].count);
	if (warnings[_i].first != NULL)
		ck_assert_str_eq(result.warnings[0], warnings[_i].first);
	if (warnings[_i].second != NULL)
		ck_assert_str_eq(result.warnings[1], warnings[_i].second);
}
END_TEST

/* ---- the rewrite table and the expected exit codes ---------------------- */

static const struct {
	const char *args[MAX_ARGS];
	const char *env[MAX_ENV];
	int rules[3][2]; /* {from, to}; the rest stay identity */
} rewrites[] = {
	{ { "reaper", "c" }, { NULL }, { { 0 } } },
	{ { "reaper", "-r", "TERM:QUIT", "c" }, { NULL }, { { SIGTERM, SIGQUIT } } },
	{ { "reaper", "-r", "15:0", "c" }, { NULL }, { { SIGTERM, 0 } } },
	{ { "reaper", "--rewrite=USR1:USR2", "c" }, { NULL }, { { SIGUSR1, SIGUSR2 } } },
	{ { "reaper", "--rewrite", "HUP:TERM", "c" }, { NULL }, { { SIGHUP, SIGTERM } } },
	{ { "reaper", "-r", "TERM:QUIT", "-r", "INT:0", "c" }, { NULL },
	  { { SIGTERM, SIGQUIT }, { SIGINT, 0 } } },
	{ { "reaper", "-r", "TERM:QUIT", "-r", "QUIT:INT", "c" }, { NULL },
	  { { SIGTERM, SIGQUIT }, { SIGQUIT, SIGINT } } },
	{ { "reaper", "-r", "TERM:QUIT", "-r", "TERM:INT", "c" }, { NULL }, { { SIGTERM, SIGINT } } },
	{ { "reaper", "c" }, { "REAPER_REWRITE=TERM:QUIT,INT:0" },
	  { { SIGTERM, SIGQUIT }, { SIGINT, 0 } } },
	{ { "reaper", "-r", "TERM:INT", "c" }, { "REAPER_REWRITE=TERM:QUIT" }, { { SIGTERM, SIGINT } } },
};

START_TEST(test_rewrite)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(rewrites[_i].args, rewrites[_i].env, argv, &cfg, &result),
			 CLI_RUN);
	for (int signo = 1; signo < NSIG; signo++) {
		int want = signo;
		for (int r = 0; r < 3 && rewrites[_i].rules[r][0] != 0; r++)
			if (rewrites[_i].rules[r][0] == signo)
				want = rewrites[_i].rules[r][1];
		ck_assert_msg(cfg.rewrite[signo] == want, "rewrite[%d] = %d, want %d",
			      signo, cfg.rewrite[signo], want);
	}
}
END_TEST

static const struct {
	const char *args[MAX_ARGS];
	const char *env[MAX_ENV];
	int n, codes[3];
} expects[] = {
	{ { "reaper", "c" }, { NULL }, 0, { 0 } },
	{ { "reaper", "-e", "143", "c" }, { NULL }, 1, { 143 } },
	{ { "reaper", "-e", "143", "-e", "3", "c" }, { NULL }, 2, { 143, 3 } },
	{ { "reaper", "--expect-exit=0", "c" }, { NULL }, 1, { 0 } },
	{ { "reaper", "--expect-exit", "255", "c" }, { NULL }, 1, { 255 } },
	{ { "reaper", "c" }, { "REAPER_EXPECT_EXIT=3,143" }, 2, { 3, 143 } },
	{ { "reaper", "c" }, { "REAPER_EXPECT_EXIT=7" }, 1, { 7 } },
};

START_TEST(test_expect_exit)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(expects[_i].args, expects[_i].env, argv, &cfg, &result),
			 CLI_RUN);
	for (int code = 0; code < 256; code++) {
		bool want = false;
		for (int k = 0; k < expects[_i].n; k++)
			want = want || expects[_i].codes[k] == code;
		ck_assert_msg(cfg.expect_exit[code] == want, "expect_exit[%d] = %d", code,
			      cfg.expect_exit[code]);
	}
}
END_TEST

/* ---- single cases ------------------------------------------------------ */

START_TEST(test_defaults)
{
	struct config cfg;
	memset(&cfg, 0xa5, sizeof cfg);
	cli_defaults(&cfg);
	ck_assert_ptr_null(cfg.argv);
	ck_assert_int_eq(cfg.forward, FWD_GROUP);
	ck_assert_int_eq(cfg.verbosity, LOG_WARN);
	ck_assert(!cfg.warn_reap && !cfg.pause);
	ck_assert_int_eq(cfg.parent_death_signo, 0);
	for (int signo = 1; signo < NSIG; signo++)
		ck_assert_int_eq(cfg.rewrite[signo], signo);
	for (int code = 0; code < 256; code++)
		ck_assert(!cfg.expect_exit[code]);
}
END_TEST

/* getopt keeps state between calls: errors and successes in a row. */
START_TEST(test_repeat)
{
	static const char *const none[] = { NULL };
	static const char *const bad[] = { "reaper", "-Z", "x", NULL };
	static const char *const missing[] = { "reaper", "-r", NULL };
	static const char *const vv[] = { "reaper", "-vv", "a", "b", NULL };
	static const char *const child[] = { "reaper", "-c", "--", "y", NULL };
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(parse_checked(vv, none, argv, &cfg, &result), CLI_RUN);
		ck_assert_ptr_eq(cfg.argv, &argv[2]);
		ck_assert_int_eq(cfg.verbosity, LOG_DEBUG);
		ck_assert_int_eq(parse_checked(bad, none, argv, &cfg, &result), CLI_USAGE);
		ck_assert_int_eq(parse_checked(missing, none, argv, &cfg, &result), CLI_USAGE);
		ck_assert_int_eq(parse_checked(child, none, argv, &cfg, &result), CLI_RUN);
		ck_assert_ptr_eq(cfg.argv, &argv[3]);
		ck_assert_int_eq(cfg.forward, FWD_CHILD);
		ck_assert_int_eq(cfg.verbosity, LOG_WARN);
	}
}
END_TEST

static const char *const help_words[] = {
	"--forward", "--rewrite", "--expect-exit", "--warn-reap", "--pause",
	"--verbose", "--quiet", "--version", "--help",
};

START_TEST(test_help)
{
	const char *help = cli_help();
	ck_assert_ptr_nonnull(help);
	ck_assert_msg(strstr(help, help_words[_i]) != NULL, "help lacks %s", help_words[_i]);
}
END_TEST

START_TEST(test_help_screen)
{
	const char *help = cli_help();
	int lines = 0;
	ck_assert_msg(strstr(help, "man reaper") != NULL || strstr(help, "reaper(1)") != NULL,
		      "help does not point to the man page");
	for (const char *line = help; *line != '\0'; lines++) {
		const char *end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		ck_assert_msg(end - line <= 80, "line %d is %d columns", lines + 1, (int)(end - line));
		line = *end == '\n' ? end + 1 : end;
	}
	ck_assert_msg(lines > 0 && lines <= 24, "help has %d lines", lines);
	ck_assert_ptr_nonnull(strstr(cli_license(), "MIT"));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = unit_tcase(s, "cli_parse", 5);
	tcase_add_loop_test(tc, test_run, 0, N(runs));
	tcase_add_loop_test(tc, test_stop, 0, N(stops));
	tcase_add_loop_test(tc, test_refusal, 0, N(refusals));
	tcase_add_test(tc, test_rewrite_faults);
	tcase_add_loop_test(tc, test_warnings, 0, N(warnings));
	tcase_add_loop_test(tc, test_rewrite, 0, N(rewrites));
	tcase_add_loop_test(tc, test_expect_exit, 0, N(expects));
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_repeat);

	tc = unit_tcase(s, "cli_help", 5);
	tcase_add_loop_test(tc, test_help, 0, N(help_words));
	tcase_add_test(tc, test_help_screen);
	return s;
}
