/*
 * check_cli_jobs: the job-control and privilege options of src/cli.h
 * (--orphans, --grace, -t, -k, --stop-signal, --child-pdeathsig,
 * --forward=tree, --isolate, -u, --caps, --no-new-privs), their REAPER_*
 * variables and the command line winning over each. check_cli.c covers
 * the rest of cli_parse.
 *
 * Each row names the fields it changes; every other field of the job must
 * keep its default, so a setter that writes the wrong field fails too.
 */
#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "unit_util.h"

#define MAX_ARGS 12
#define MAX_ENV 4

#include "unit_cli.h"

#define MAX_WANT 3
#define COMMAND "job"

/* ---- rows that run ----------------------------------------------------- */

enum field {
	F_END,
	F_ORPHANS, F_GRACE, F_TIMEOUT, F_KILL_AFTER, /* F_KILL_AFTER: and kill_after_set */
	F_STOP, F_PDEATH, F_FORWARD, F_ISOLATE, F_USER, F_CAPS, F_NNP, F_STOP_DELAY,
};

struct want {
	enum field field;
	uint64_t num;
	const char *str;
};

#define NUM(field, value) { (field), (value), NULL }
#define STR(field, text) { (field), 0, (text) }
#define DEFAULTS { F_END, 0, NULL }

static const struct {
	const char *args[MAX_ARGS];
	const char *env[MAX_ENV];
	struct want want[MAX_WANT]; /* the fields that differ from the defaults */
} jobs[] = {
	{ { "reaper", COMMAND }, { NULL }, { DEFAULTS } },
	/* Options. */
	{ { "reaper", "--orphans=terminate", COMMAND }, { NULL }, { NUM(F_ORPHANS, ORPHANS_TERMINATE) } },
	{ { "reaper", "--orphans=wait", COMMAND }, { NULL }, { NUM(F_ORPHANS, ORPHANS_WAIT) } },
	{ { "reaper", "--orphans=leave", COMMAND }, { NULL }, { NUM(F_ORPHANS, ORPHANS_LEAVE) } },
	{ { "reaper", "--orphans", "wait", COMMAND }, { NULL }, { NUM(F_ORPHANS, ORPHANS_WAIT) } },
	{ { "reaper", "--grace", "1.5s", COMMAND }, { NULL }, { NUM(F_GRACE, 1500) } },
	{ { "reaper", "--grace=250ms", COMMAND }, { NULL }, { NUM(F_GRACE, 250) } },
	{ { "reaper", "--grace", "0", COMMAND }, { NULL }, { NUM(F_GRACE, 0) } },
	{ { "reaper", "-t", "10s", COMMAND }, { NULL }, { NUM(F_TIMEOUT, 10000) } },
	{ { "reaper", "-t10s", COMMAND }, { NULL }, { NUM(F_TIMEOUT, 10000) } },
	{ { "reaper", "--timeout", "10s", COMMAND }, { NULL }, { NUM(F_TIMEOUT, 10000) } },
	{ { "reaper", "--timeout=1h", COMMAND }, { NULL }, { NUM(F_TIMEOUT, 3600000) } },
	{ { "reaper", "-k", "2s", COMMAND }, { NULL }, { NUM(F_KILL_AFTER, 2000) } },
	{ { "reaper", "--kill-after=2s", COMMAND }, { NULL }, { NUM(F_KILL_AFTER, 2000) } },
	{ { "reaper", "-k0", COMMAND }, { NULL }, { NUM(F_KILL_AFTER, 0) } },
	{ { "reaper", "--stop-signal", "INT", COMMAND }, { NULL }, { NUM(F_STOP, SIGINT) } },
	{ { "reaper", "--stop-signal=sigquit", COMMAND }, { NULL }, { NUM(F_STOP, SIGQUIT) } },
	{ { "reaper", "--stop-signal", "9", COMMAND }, { NULL }, { NUM(F_STOP, SIGKILL) } },
	{ { "reaper", "--child-pdeathsig", "TERM", COMMAND }, { NULL }, { NUM(F_PDEATH, SIGTERM) } },
	{ { "reaper", "--child-pdeathsig=KILL", COMMAND }, { NULL }, { NUM(F_PDEATH, SIGKILL) } },
	{ { "reaper", "--child-pdeathsig", "none", COMMAND }, { NULL }, { NUM(F_PDEATH, 0) } },
	{ { "reaper", "--child-pdeathsig", "NONE", COMMAND }, { NULL }, { NUM(F_PDEATH, 0) } },
	{ { "reaper", "--child-pdeathsig", "0", COMMAND }, { NULL }, { NUM(F_PDEATH, 0) } },
	{ { "reaper", "--forward=tree", COMMAND }, { NULL }, { NUM(F_FORWARD, FWD_TREE) } },
	{ { "reaper", "--forward", "tree", COMMAND }, { NULL }, { NUM(F_FORWARD, FWD_TREE) } },
	{ { "reaper", "--isolate", COMMAND }, { NULL }, { NUM(F_ISOLATE, true) } },
	{ { "reaper", "-u", "app:grp", COMMAND }, { NULL }, { STR(F_USER, "app:grp") } },
	{ { "reaper", "--user", "app", COMMAND }, { NULL }, { STR(F_USER, "app") } },
	{ { "reaper", "--user=1000:1000", COMMAND }, { NULL }, { STR(F_USER, "1000:1000") } },
	{ { "reaper", "-uapp", COMMAND }, { NULL }, { STR(F_USER, "app") } },
	{ { "reaper", "--caps", "net_bind_service", COMMAND }, { NULL },
	  { STR(F_CAPS, "net_bind_service") } },
	{ { "reaper", "--caps=none", COMMAND }, { NULL }, { STR(F_CAPS, "none") } },
	{ { "reaper", "--no-new-privs", COMMAND }, { NULL }, { NUM(F_NNP, true) } },
	{ { "reaper", "-t", "10s", "-k", "2s", "--stop-signal", "INT", COMMAND }, { NULL },
	  { NUM(F_TIMEOUT, 10000), NUM(F_KILL_AFTER, 2000), NUM(F_STOP, SIGINT) } },
	{ { "reaper", "--isolate", "-u", "app", "--no-new-privs", COMMAND }, { NULL },
	  { NUM(F_ISOLATE, true), STR(F_USER, "app"), NUM(F_NNP, true) } },
	/* Options stop at COMMAND: these belong to it. */
	{ { "reaper", COMMAND, "--isolate", "-t", "5s", "--grace=1s" }, { NULL }, { DEFAULTS } },
	/* The environment. */
	/* An empty REAPER_* variable is an unset one: no error, no change,
	 * and the command line still applies. */
	{ { "reaper", COMMAND }, { "REAPER_ORPHANS=", "REAPER_GRACE=", "REAPER_USER=",
				   "REAPER_CAPS=" }, { DEFAULTS } },
	{ { "reaper", COMMAND }, { "REAPER_STOP_SIGNAL=", "REAPER_CHILD_PDEATHSIG=",
				   "REAPER_FORWARD=", "REAPER_ISOLATE=" }, { DEFAULTS } },
	{ { "reaper", "--grace=2s", COMMAND }, { "REAPER_GRACE=" }, { NUM(F_GRACE, 2000) } },
	{ { "reaper", COMMAND }, { "REAPER_ORPHANS=wait" }, { NUM(F_ORPHANS, ORPHANS_WAIT) } },
	{ { "reaper", COMMAND }, { "REAPER_ORPHANS=leave" }, { NUM(F_ORPHANS, ORPHANS_LEAVE) } },
	{ { "reaper", COMMAND }, { "REAPER_ORPHANS=terminate" }, { NUM(F_ORPHANS, ORPHANS_TERMINATE) } },
	{ { "reaper", COMMAND }, { "REAPER_GRACE=1.5s" }, { NUM(F_GRACE, 1500) } },
	{ { "reaper", COMMAND }, { "REAPER_GRACE=10" }, { NUM(F_GRACE, 10000) } },
	{ { "reaper", COMMAND }, { "REAPER_TIMEOUT=5m" }, { NUM(F_TIMEOUT, 300000) } },
	{ { "reaper", COMMAND }, { "REAPER_KILL_AFTER=30s" }, { NUM(F_KILL_AFTER, 30000) } },
	{ { "reaper", COMMAND }, { "REAPER_STOP_SIGNAL=INT" }, { NUM(F_STOP, SIGINT) } },
	{ { "reaper", COMMAND }, { "REAPER_STOP_SIGNAL=1" }, { NUM(F_STOP, SIGHUP) } },
	{ { "reaper", COMMAND }, { "REAPER_CHILD_PDEATHSIG=TERM" }, { NUM(F_PDEATH, SIGTERM) } },
	{ { "reaper", COMMAND }, { "REAPER_CHILD_PDEATHSIG=none" }, { NUM(F_PDEATH, 0) } },
	{ { "reaper", COMMAND }, { "REAPER_CHILD_PDEATHSIG=0" }, { NUM(F_PDEATH, 0) } },
	{ { "reaper", COMMAND }, { "REAPER_FORWARD=tree" }, { NUM(F_FORWARD, FWD_TREE) } },
	{ { "reaper", COMMAND }, { "REAPER_ISOLATE=1" }, { NUM(F_ISOLATE, true) } },
	{ { "reaper", COMMAND }, { "REAPER_ISOLATE=yes" }, { NUM(F_ISOLATE, true) } },
	{ { "reaper", COMMAND }, { "REAPER_ISOLATE=0" }, { DEFAULTS } },
	{ { "reaper", COMMAND }, { "REAPER_USER=app:grp" }, { STR(F_USER, "app:grp") } },
	{ { "reaper", COMMAND }, { "REAPER_CAPS=chown,net_bind_service" },
	  { STR(F_CAPS, "chown,net_bind_service") } },
	{ { "reaper", COMMAND }, { "REAPER_NO_NEW_PRIVS=true" }, { NUM(F_NNP, true) } },
	{ { "reaper", COMMAND }, { "REAPER_NO_NEW_PRIVS=off" }, { DEFAULTS } },
	{ { "reaper", COMMAND }, { "REAPER_TIMEOUT=10s", "REAPER_KILL_AFTER=1s", "REAPER_ISOLATE=on" },
	  { NUM(F_TIMEOUT, 10000), NUM(F_KILL_AFTER, 1000), NUM(F_ISOLATE, true) } },
	/* The command line wins. */
	{ { "reaper", "--orphans=leave", COMMAND }, { "REAPER_ORPHANS=wait" },
	  { NUM(F_ORPHANS, ORPHANS_LEAVE) } },
	{ { "reaper", "--orphans=terminate", COMMAND }, { "REAPER_ORPHANS=leave" },
	  { NUM(F_ORPHANS, ORPHANS_TERMINATE) } },
	{ { "reaper", "--grace", "1s", COMMAND }, { "REAPER_GRACE=10s" }, { NUM(F_GRACE, 1000) } },
	{ { "reaper", "-t", "10s", COMMAND }, { "REAPER_TIMEOUT=5m" }, { NUM(F_TIMEOUT, 10000) } },
	{ { "reaper", "-t", "0", COMMAND }, { "REAPER_TIMEOUT=5m" }, { NUM(F_TIMEOUT, 0) } },
	{ { "reaper", "-k", "2s", COMMAND }, { "REAPER_KILL_AFTER=30s" }, { NUM(F_KILL_AFTER, 2000) } },
	{ { "reaper", "--stop-signal", "HUP", COMMAND }, { "REAPER_STOP_SIGNAL=INT" },
	  { NUM(F_STOP, SIGHUP) } },
	{ { "reaper", "--child-pdeathsig", "none", COMMAND }, { "REAPER_CHILD_PDEATHSIG=TERM" },
	  { NUM(F_PDEATH, 0) } },
	{ { "reaper", "--child-pdeathsig", "KILL", COMMAND }, { "REAPER_CHILD_PDEATHSIG=none" },
	  { NUM(F_PDEATH, SIGKILL) } },
	{ { "reaper", "--forward=group", COMMAND }, { "REAPER_FORWARD=tree" }, { DEFAULTS } },
	{ { "reaper", "--isolate", COMMAND }, { "REAPER_ISOLATE=0" }, { NUM(F_ISOLATE, true) } },
	{ { "reaper", "-u", "b", COMMAND }, { "REAPER_USER=a:g" }, { STR(F_USER, "b") } },
	{ { "reaper", "--caps", "none", COMMAND }, { "REAPER_CAPS=chown" }, { STR(F_CAPS, "none") } },
	{ { "reaper", "--no-new-privs", COMMAND }, { "REAPER_NO_NEW_PRIVS=no" }, { NUM(F_NNP, true) } },
	/* --stop-delay: option, variable, the option winning. */
	{ { "reaper", "--stop-delay", "30s", COMMAND }, { NULL }, { NUM(F_STOP_DELAY, 30000) } },
	{ { "reaper", "--stop-delay=1.5s", COMMAND }, { NULL }, { NUM(F_STOP_DELAY, 1500) } },
	{ { "reaper", COMMAND }, { "REAPER_STOP_DELAY=2m" }, { NUM(F_STOP_DELAY, 120000) } },
	{ { "reaper", "--stop-delay", "0", COMMAND }, { "REAPER_STOP_DELAY=5s" },
	  { NUM(F_STOP_DELAY, 0) } },
};

static void expect(struct config *want, const struct want *w)
{
	switch (w->field) {
	case F_END: break;
	case F_ORPHANS: want->orphans = (enum orphan_policy)w->num; break;
	case F_GRACE: want->grace_ms = w->num; break;
	case F_TIMEOUT: want->timeout_ms = w->num; break;
	case F_KILL_AFTER: want->kill_after_ms = w->num; want->kill_after_set = true; break;
	case F_STOP: want->stop_signo = (int)w->num; break;
	case F_PDEATH: want->child_pdeathsig = (int)w->num; break;
	case F_FORWARD: want->forward = (enum forward_mode)w->num; break;
	case F_ISOLATE: want->isolate = w->num != 0; break;
	case F_USER: want->user_spec = w->str; break;
	case F_CAPS: want->caps_spec = w->str; break;
	case F_NNP: want->no_new_privs = w->num != 0; break;
	case F_STOP_DELAY: want->stop_delay_ms = w->num; break;
	}
}

static void assert_spec(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s = \"%s\", want NULL", what, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s = \"%s\", want \"%s\"",
			      what, got != NULL ? got : "(null)", want);
}

START_TEST(test_job)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg, want;
	struct cli_result result;

	cli_defaults(&want);
	for (int k = 0; k < MAX_WANT; k++)
		expect(&want, &jobs[_i].want[k]);
	ck_assert_int_eq(parse_checked(jobs[_i].args, jobs[_i].env, argv, &cfg, &result), CLI_RUN);
	ck_assert_ptr_nonnull(cfg.argv);
	ck_assert_str_eq(cfg.argv[0], COMMAND);
	ck_assert_int_eq(cfg.orphans, want.orphans);
	ck_assert_msg(cfg.grace_ms == want.grace_ms, "grace_ms %" PRIu64 ", want %" PRIu64,
		      cfg.grace_ms, want.grace_ms);
	ck_assert_msg(cfg.timeout_ms == want.timeout_ms, "timeout_ms %" PRIu64 ", want %" PRIu64,
		      cfg.timeout_ms, want.timeout_ms);
	ck_assert_int_eq(cfg.kill_after_set, want.kill_after_set);
	if (want.kill_after_set)
		ck_assert_msg(cfg.kill_after_ms == want.kill_after_ms,
			      "kill_after_ms %" PRIu64 ", want %" PRIu64,
			      cfg.kill_after_ms, want.kill_after_ms);
	ck_assert_int_eq(cfg.stop_signo, want.stop_signo);
	ck_assert_int_eq(cfg.child_pdeathsig, want.child_pdeathsig);
	ck_assert_int_eq(cfg.forward, want.forward);
	ck_assert_int_eq(cfg.isolate, want.isolate);
	assert_spec("user_spec", cfg.user_spec, want.user_spec);
	assert_spec("caps_spec", cfg.caps_spec, want.caps_spec);
	ck_assert_int_eq(cfg.no_new_privs, want.no_new_privs);
	ck_assert_msg(cfg.stop_delay_ms == want.stop_delay_ms,
		      "stop_delay_ms %" PRIu64 ", want %" PRIu64, cfg.stop_delay_ms,
		      want.stop_delay_ms);
}
END_TEST

/* ---- rows that do not run: the message names the option or variable --- */

static const struct {
	const char *args[MAX_ARGS];
	const char *env[MAX_ENV];
	const char *needle;
} bad_jobs[] = {
	{ { "reaper", "--orphans=bogus", COMMAND }, { NULL }, "--orphans" },
	{ { "reaper", "--orphans=", COMMAND }, { NULL }, "--orphans" },
	{ { "reaper", "--orphans=waitx", COMMAND }, { NULL }, "--orphans" },
	{ { "reaper", "--orphans" }, { NULL }, "--orphans" },
	{ { "reaper", "--grace", "-1", COMMAND }, { NULL }, "--grace" },
	{ { "reaper", "--grace", "abc", COMMAND }, { NULL }, "--grace" },
	{ { "reaper", "--grace", "1.", COMMAND }, { NULL }, "--grace" },
	{ { "reaper", "--grace=", COMMAND }, { NULL }, "--grace" },
	{ { "reaper", "--grace", "99999999999999999999", COMMAND }, { NULL }, "--grace" },
	{ { "reaper", "-t", "-5s", COMMAND }, { NULL }, "--timeout" },
	{ { "reaper", "-t", "x", COMMAND }, { NULL }, "--timeout" },
	{ { "reaper", "--timeout=1099511627777ms", COMMAND }, { NULL }, "--timeout" },
	{ { "reaper", "--timeout", "10 s", COMMAND }, { NULL }, "--timeout" },
	{ { "reaper", "--timeout" }, { NULL }, "--timeout" },
	{ { "reaper", "-t" }, { NULL }, "-t" },
	{ { "reaper", "-k", "-1", COMMAND }, { NULL }, "--kill-after" },
	{ { "reaper", "--kill-after=2x", COMMAND }, { NULL }, "--kill-after" },
	{ { "reaper", "-k", "99999999999999999999", COMMAND }, { NULL }, "--kill-after" },
	{ { "reaper", "--kill-after" }, { NULL }, "--kill-after" },
	{ { "reaper", "--stop-signal", "FOO", COMMAND }, { NULL }, "--stop-signal" },
	{ { "reaper", "--stop-signal", "0", COMMAND }, { NULL }, "--stop-signal" },
	{ { "reaper", "--stop-signal=65", COMMAND }, { NULL }, "--stop-signal" },
	{ { "reaper", "--stop-signal=", COMMAND }, { NULL }, "--stop-signal" },
	{ { "reaper", "--child-pdeathsig", "FOO", COMMAND }, { NULL }, "--child-pdeathsig" },
	{ { "reaper", "--child-pdeathsig", "-1", COMMAND }, { NULL }, "--child-pdeathsig" },
	{ { "reaper", "--child-pdeathsig", "nonee", COMMAND }, { NULL }, "--child-pdeathsig" },
	{ { "reaper", "--child-pdeathsig=", COMMAND }, { NULL }, "--child-pdeathsig" },
	{ { "reaper", "--forward=trees", COMMAND }, { NULL }, "--forward" },
	{ { "reaper", "-u", "", COMMAND }, { NULL }, "--user" },
	{ { "reaper", "--user=", COMMAND }, { NULL }, "--user" },
	{ { "reaper", "--user" }, { NULL }, "--user" },
	{ { "reaper", "--caps", "", COMMAND }, { NULL }, "--caps" },
	{ { "reaper", "--isolate=1", COMMAND }, { NULL }, "--isolate" },
	{ { "reaper", "--no-new-privs=yes", COMMAND }, { NULL }, "--no-new-privs" },
	{ { "reaper", COMMAND }, { "REAPER_ORPHANS=bogus" }, "REAPER_ORPHANS" },
	{ { "reaper", COMMAND }, { "REAPER_GRACE=-1" }, "REAPER_GRACE" },
	{ { "reaper", COMMAND }, { "REAPER_GRACE=abc" }, "REAPER_GRACE" },
	{ { "reaper", COMMAND }, { "REAPER_TIMEOUT=99999999999999999999" }, "REAPER_TIMEOUT" },
	{ { "reaper", COMMAND }, { "REAPER_TIMEOUT=-1s" }, "REAPER_TIMEOUT" },
	{ { "reaper", COMMAND }, { "REAPER_KILL_AFTER=x" }, "REAPER_KILL_AFTER" },
	{ { "reaper", COMMAND }, { "REAPER_KILL_AFTER=1099511627777ms" }, "REAPER_KILL_AFTER" },
	{ { "reaper", COMMAND }, { "REAPER_STOP_SIGNAL=FOO" }, "REAPER_STOP_SIGNAL" },
	{ { "reaper", COMMAND }, { "REAPER_STOP_SIGNAL=0" }, "REAPER_STOP_SIGNAL" },
	{ { "reaper", COMMAND }, { "REAPER_CHILD_PDEATHSIG=FOO" }, "REAPER_CHILD_PDEATHSIG" },
	{ { "reaper", COMMAND }, { "REAPER_FORWARD=trees" }, "REAPER_FORWARD" },
	{ { "reaper", COMMAND }, { "REAPER_ISOLATE=maybe" }, "REAPER_ISOLATE" },
	{ { "reaper", COMMAND }, { "REAPER_NO_NEW_PRIVS=2" }, "REAPER_NO_NEW_PRIVS" },
	/* A good option after a bad variable does not hide the variable. */
	{ { "reaper", "--grace=1s", COMMAND }, { "REAPER_GRACE=-1" }, "REAPER_GRACE" },
};

START_TEST(test_bad_job)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	ck_assert_int_eq(parse_checked(bad_jobs[_i].args, bad_jobs[_i].env, argv, &cfg, &result),
			 CLI_USAGE);
	ck_assert_msg(strstr(result.message, bad_jobs[_i].needle) != NULL,
		      "\"%s\" does not name %s", result.message, bad_jobs[_i].needle);
}
END_TEST

/* ---- single cases ------------------------------------------------------ */

START_TEST(test_job_defaults)
{
	struct config cfg;

	memset(&cfg, 0xa5, sizeof cfg);
	cli_defaults(&cfg);
	ck_assert_int_eq(cfg.orphans, ORPHANS_TERMINATE);
	ck_assert_uint_eq(cfg.grace_ms, 3000);
	ck_assert_uint_eq(cfg.timeout_ms, 0);
	ck_assert(!cfg.kill_after_set);
	ck_assert_int_eq(cfg.stop_signo, SIGTERM);
	ck_assert_int_eq(cfg.child_pdeathsig, PDEATHSIG_DEFAULT);
	ck_assert(!cfg.isolate && !cfg.no_new_privs);
	ck_assert_ptr_null(cfg.user_spec);
	ck_assert_ptr_null(cfg.caps_spec);
}
END_TEST

static const char *const help_words[] = {
	"--orphans", "--grace", "--timeout", "--kill-after", "--stop-signal",
	"--child-pdeathsig", "--isolate", "--user", "--caps", "--no-new-privs",
};

START_TEST(test_job_help)
{
	ck_assert_msg(strstr(cli_help(), help_words[_i]) != NULL, "help lacks %s", help_words[_i]);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("cli_jobs");
	TCase *tc = unit_tcase(s, "cli_parse", 5);
	tcase_add_loop_test(tc, test_job, 0, N(jobs));
	tcase_add_loop_test(tc, test_bad_job, 0, N(bad_jobs));
	tcase_add_test(tc, test_job_defaults);

	tc = unit_tcase(s, "cli_help", 5);
	tcase_add_loop_test(tc, test_job_help, 0, N(help_words));
	return s;
}
