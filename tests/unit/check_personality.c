/*
 * check_personality: src/personality.h. Which name gives which
 * personality; what each puts into struct config before the environment
 * and the command line; that reaper's own options and variables (and the
 * peers' own flags) still override it, dumb-init's single-child mode
 * included; the conventions (usage exit code, streams, version line).
 */
#include <check.h>
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "personality.h"
#include "unit_util.h"

/* ---- names ------------------------------------------------------------- */

static const struct {
	const char *argv0;
	const char *want; /* the personality's name */
} names[] = {
	{ "reaper", "reaper" },
	{ "/usr/bin/reaper", "reaper" },
	{ NULL, "reaper" },
	{ "", "reaper" },
	{ "tini", "tini" },
	{ "/sbin/tini", "tini" },
	{ "/usr/bin/tini-static", "tini" },
	{ "./tini_0.19", "tini" },
	{ "docker-init", "docker-init" },
	{ "/usr/libexec/docker/docker-init", "docker-init" },
	{ "dumb-init", "dumb-init" },
	{ "/usr/local/bin/dumb-init_1.2.5_x86_64", "dumb-init" },
	{ "catatonit", "catatonit" },
	{ "/usr/libexec/podman/catatonit", "catatonit" },
	{ "tinifoil", "reaper" },
	{ "xtini", "reaper" },
	{ "dumb", "reaper" },
	{ "/tini/reaper", "reaper" },
	{ "TINI", "reaper" },
};

START_TEST(test_names)
{
	const struct personality *p = personality_of(names[_i].argv0);

	ck_assert_msg(strcmp(p->name, names[_i].want) == 0, "%s: got %s, want %s",
		      names[_i].argv0 != NULL ? names[_i].argv0 : "(null)", p->name, names[_i].want);
}
END_TEST

/* ---- defaults and what overrides them ----------------------------------- */

#define MAX_ARGS 10
#define MAX_ENV 3

enum { SESSION_OFF, SESSION_ON };
enum { STOP_KEPT, STOP_AS_STOP };

static const struct {
	const char *args[MAX_ARGS]; /* args[0] chooses the personality */
	const char *env[MAX_ENV];
	enum forward_mode forward;
	enum orphan_policy orphans;
	int session;
	int tstp;                   /* STOP_AS_STOP: TSTP, TTIN, TTOU forwarded as STOP */
	bool suspend_self;
	int pdeathsig;
} configs[] = {
	/* Under reaper's own name: its defaults. */
	{ { "reaper", "job" }, { NULL }, FWD_GROUP, ORPHANS_TERMINATE, SESSION_OFF, STOP_KEPT, false,
	  PDEATHSIG_DEFAULT },
	{ { "reaper", "-c", "job" }, { NULL }, FWD_CHILD, ORPHANS_TERMINATE, SESSION_OFF, STOP_KEPT,
	  false, PDEATHSIG_DEFAULT },
	{ { "reaper", "job" }, { "DUMB_INIT_SETSID=0" }, FWD_CHILD, ORPHANS_TERMINATE, SESSION_OFF,
	  STOP_KEPT, false, PDEATHSIG_DEFAULT },
	{ { "reaper", "--session", "job" }, { NULL }, FWD_GROUP, ORPHANS_TERMINATE, SESSION_ON,
	  STOP_KEPT, false, PDEATHSIG_DEFAULT },
	{ { "reaper", "--orphans=term-leave", "job" }, { NULL }, FWD_GROUP, ORPHANS_TERM_LEAVE,
	  SESSION_OFF, STOP_KEPT, false, PDEATHSIG_DEFAULT },
	/* tini and docker-init: the child alone, leftovers left. */
	{ { "tini", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF, STOP_KEPT, false, 0 },
	{ { "tini", "--", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF, STOP_KEPT, false,
	  0 },
	{ { "/sbin/docker-init", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF, STOP_KEPT,
	  false, 0 },
	{ { "tini", "-g", "job" }, { NULL }, FWD_GROUP, ORPHANS_LEAVE, SESSION_OFF, STOP_KEPT, false,
	  0 },
	{ { "tini", "job" }, { "TINI_KILL_PROCESS_GROUP=1" }, FWD_GROUP, ORPHANS_LEAVE, SESSION_OFF,
	  STOP_KEPT, false, 0 },
	{ { "tini", "--orphans=terminate", "job" }, { NULL }, FWD_CHILD, ORPHANS_TERMINATE,
	  SESSION_OFF, STOP_KEPT, false, 0 },
	{ { "tini", "job" }, { "REAPER_ORPHANS=wait", "REAPER_FORWARD=tree" }, FWD_TREE, ORPHANS_WAIT,
	  SESSION_OFF, STOP_KEPT, false, 0 },
	{ { "tini", "--child-pdeathsig=KILL", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE,
	  SESSION_OFF, STOP_KEPT, false, SIGKILL },
	{ { "tini", "job" }, { "REAPER_SESSION=yes" }, FWD_CHILD, ORPHANS_LEAVE, SESSION_ON,
	  STOP_KEPT, false, 0 },
	/* catatonit: as tini. */
	{ { "catatonit", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF, STOP_KEPT, false,
	  0 },
	{ { "catatonit", "-g", "job" }, { NULL }, FWD_GROUP, ORPHANS_LEAVE, SESSION_OFF, STOP_KEPT,
	  false, 0 },
	/* dumb-init, setsid mode: a session, its group, TERM to the rest. */
	{ { "dumb-init", "job" }, { NULL }, FWD_GROUP, ORPHANS_TERM_LEAVE, SESSION_ON, STOP_AS_STOP,
	  true, 0 },
	{ { "dumb-init", "job" }, { "DUMB_INIT_SETSID=1" }, FWD_GROUP, ORPHANS_TERM_LEAVE, SESSION_ON,
	  STOP_AS_STOP, true, 0 },
	{ { "dumb-init", "job" }, { "DUMB_INIT_SETSID=" }, FWD_GROUP, ORPHANS_TERM_LEAVE, SESSION_ON,
	  STOP_AS_STOP, true, 0 },
	/* Its single-child mode, by its flags and its variable. */
	{ { "dumb-init", "-c", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF, STOP_KEPT,
	  true, 0 },
	{ { "dumb-init", "--single-child", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF,
	  STOP_KEPT, true, 0 },
	{ { "dumb-init", "job" }, { "DUMB_INIT_SETSID=0" }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF,
	  STOP_KEPT, true, 0 },
	/* reaper's own options and variables win, before or after -c. */
	{ { "dumb-init", "--orphans=wait", "-c", "job" }, { NULL }, FWD_CHILD, ORPHANS_WAIT,
	  SESSION_OFF, STOP_KEPT, true, 0 },
	{ { "dumb-init", "-c", "--session", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_ON,
	  STOP_KEPT, true, 0 },
	{ { "dumb-init", "-c", "job" }, { "REAPER_ORPHANS=terminate" }, FWD_CHILD, ORPHANS_TERMINATE,
	  SESSION_OFF, STOP_KEPT, true, 0 },
	{ { "dumb-init", "--session=no", "job" }, { NULL }, FWD_GROUP, ORPHANS_TERM_LEAVE,
	  SESSION_OFF, STOP_AS_STOP, true, 0 },
	{ { "dumb-init", "job" }, { "REAPER_SESSION=0" }, FWD_GROUP, ORPHANS_TERM_LEAVE, SESSION_OFF,
	  STOP_AS_STOP, true, 0 },
	{ { "dumb-init", "-r", "20:1", "-r", "21:2", "-r", "22:3", "job" }, { NULL }, FWD_GROUP,
	  ORPHANS_TERM_LEAVE, SESSION_ON, STOP_KEPT /* checked apart below */, true, 0 },
	{ { "dumb-init", "--forward=child", "job" }, { NULL }, FWD_CHILD, ORPHANS_LEAVE, SESSION_OFF,
	  STOP_KEPT, true, 0 },
};

static enum cli_action parse_row(int row, struct config *cfg, struct cli_result *result)
{
	static char *argv[MAX_ARGS + 1];
	char *envp[MAX_ENV + 1] = { NULL };
	int argc = 0;

	for (; configs[row].args[argc] != NULL; argc++)
		argv[argc] = (char *)configs[row].args[argc];
	argv[argc] = NULL;
	for (int i = 0; configs[row].env[i] != NULL; i++)
		envp[i] = (char *)configs[row].env[i];
	return personality_parse(personality_of(argv[0]), cfg, argc, argv, envp, result);
}

START_TEST(test_configs)
{
	struct config cfg;
	struct cli_result result;
	const char *name = configs[_i].args[0];

	ck_assert_int_eq(parse_row(_i, &cfg, &result), CLI_RUN);
	ck_assert_msg(cfg.argv != NULL && strcmp(cfg.argv[0], "job") == 0, "row %d: no job", _i);
	ck_assert_msg(cfg.forward == configs[_i].forward, "row %d (%s): forward %d, want %d", _i,
		      name, cfg.forward, configs[_i].forward);
	ck_assert_msg(cfg.orphans == configs[_i].orphans, "row %d (%s): orphans %d, want %d", _i,
		      name, cfg.orphans, configs[_i].orphans);
	ck_assert_msg(cfg.session == (configs[_i].session == SESSION_ON),
		      "row %d (%s): session %d", _i, name, cfg.session);
	ck_assert_msg(cfg.suspend_self == configs[_i].suspend_self, "row %d (%s): suspend_self %d",
		      _i, name, cfg.suspend_self);
	ck_assert_msg(cfg.child_pdeathsig == configs[_i].pdeathsig, "row %d (%s): pdeathsig %d", _i,
		      name, cfg.child_pdeathsig);
	if (configs[_i].tstp == STOP_AS_STOP) {
		ck_assert_int_eq(cfg.rewrite[SIGTSTP], SIGSTOP);
		ck_assert_int_eq(cfg.rewrite[SIGTTIN], SIGSTOP);
		ck_assert_int_eq(cfg.rewrite[SIGTTOU], SIGSTOP);
	} else if (strcmp(configs[_i].args[1], "-r") != 0) {
		ck_assert_int_eq(cfg.rewrite[SIGTSTP], SIGTSTP);
		ck_assert_int_eq(cfg.rewrite[SIGTTIN], SIGTTIN);
		ck_assert_int_eq(cfg.rewrite[SIGTTOU], SIGTTOU);
	} else { /* the -r row: given rewrites win over the STOP ones */
		ck_assert_int_eq(cfg.rewrite[SIGTSTP], 1);
		ck_assert_int_eq(cfg.rewrite[SIGTTIN], 2);
		ck_assert_int_eq(cfg.rewrite[SIGTTOU], 3);
	}
	/* Nothing else moves: TERM is forwarded as TERM under every name. */
	ck_assert_int_eq(cfg.rewrite[SIGTERM], SIGTERM);
}
END_TEST

/* Under its own name, the personality changes nothing at all. */
START_TEST(test_reaper_changes_nothing)
{
	struct config plain, own;

	cli_defaults(&plain);
	cli_defaults(&own);
	personality_defaults(personality_of("reaper"), &own);
	ck_assert(memcmp(&plain, &own, sizeof(plain)) == 0);
}
END_TEST

/* ---- conventions --------------------------------------------------------- */

static const struct {
	const char *argv0;
	int usage_exit;
	bool help_to_stderr;
	bool version_to_stderr;
	const char *version;      /* for version 1.2.3, commit git.abc */
	bool summary;
} conventions[] = {
	{ "reaper", 125, false, false, "reaper 1.2.3 - git.abc\n", false },
	{ "tini", 1, false, false, "tini version 1.2.3_reaper - git.abc\n", true },
	{ "docker-init", 1, false, false, "reaper 1.2.3 - git.abc\n", true },
	{ "dumb-init", 1, true, true, "reaper 1.2.3 - git.abc\n", true },
	{ "catatonit", 1, true, false, "tini version 1.2.3_reaper - git.abc\n", true },
};

START_TEST(test_conventions)
{
	const struct personality *p = personality_of(conventions[_i].argv0);
	char buf[64];

	ck_assert_int_eq(p->usage_exit, conventions[_i].usage_exit);
	ck_assert_int_eq(p->help_to_stderr, conventions[_i].help_to_stderr);
	ck_assert_int_eq(p->version_to_stderr, conventions[_i].version_to_stderr);
	ck_assert_str_eq(personality_version(p, "1.2.3", "git.abc", buf, sizeof(buf)),
			 conventions[_i].version);
	ck_assert_int_eq(p->summary != NULL, conventions[_i].summary);
	if (p->summary != NULL) /* whole lines, and it says it is reaper's options that win */
		ck_assert(strstr(p->summary, "REAPER_") != NULL &&
			  p->summary[strlen(p->summary) - 1] == '\n');
}
END_TEST

/* A usage error stays one under every name, and help stays help. */
static const struct {
	const char *args[MAX_ARGS];
	enum cli_action want;
} actions[] = {
	{ { "dumb-init" }, CLI_USAGE },
	{ { "dumb-init", "--yolo", "job" }, CLI_USAGE },
	{ { "dumb-init", "-c", "--yolo", "job" }, CLI_USAGE },
	{ { "tini" }, CLI_USAGE },
	{ { "tini", "-h" }, CLI_HELP },
	{ { "catatonit", "-V" }, CLI_VERSION },
	{ { "dumb-init", "-c", "--version" }, CLI_VERSION },
	{ { "tini", "-l" }, CLI_LICENSE },
};

START_TEST(test_actions)
{
	char *argv[MAX_ARGS + 1] = { NULL };
	char *envp[] = { NULL };
	struct config cfg;
	struct cli_result result;
	int argc = 0;

	for (; actions[_i].args[argc] != NULL; argc++)
		argv[argc] = (char *)actions[_i].args[argc];
	ck_assert_int_eq(personality_parse(personality_of(argv[0]), &cfg, argc, argv, envp, &result),
			 actions[_i].want);
	ck_assert_int_eq(result.action, actions[_i].want);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("personality");

	tcase_add_loop_test(unit_tcase(s, "names", 5), test_names, 0, N(names));
	tcase_add_loop_test(unit_tcase(s, "configs", 5), test_configs, 0, N(configs));
	tcase_add_test(unit_tcase(s, "reaper", 5), test_reaper_changes_nothing);
	tcase_add_loop_test(unit_tcase(s, "conventions", 5), test_conventions, 0, N(conventions));
	tcase_add_loop_test(unit_tcase(s, "actions", 5), test_actions, 0, N(actions));
	return s;
}
