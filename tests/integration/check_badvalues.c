/*
 * check_badvalues: every value-taking option of issue 3 rejects negative,
 * garbage and overflowing values with exit 125 and one line on stderr
 * naming the option, or the variable when the value came from the
 * environment (issue 3, test 9; DESIGN.md, "Exit status"):
 *
 *   reaper: --timeout: invalid value '-1' (expected a duration such as ...); see 'reaper --help'
 *   reaper: REAPER_TIMEOUT: invalid value '-1' (expected ...); see 'reaper --help'
 *
 * Each bad value goes through every way to give it: --name=VALUE,
 * --name VALUE, the short option where there is one (the message still
 * names the long one), and REAPER_NAME=VALUE. The command is printargs,
 * so an empty stdout also shows it never ran.
 *
 * An empty value is bad on the command line only: an empty REAPER_*
 * variable is an unset one (issue 15), so the job runs, one variable of
 * each kind. A refused signal says why ("KILL cannot be caught, ...",
 * "unknown signal 'FOO'"); the fault signals a process may send are
 * accepted by --rewrite. An unknown REAPER_* variable is one warning line
 * (-q silences it), and an empty command is 127 with one line, as env(1);
 * a missing command that starts with '-' (an option after the image name)
 * is 127 with one line that says how to give options in a container.
 *
 * Last, --isolate where a PID namespace cannot be made (an unprivileged
 * user, through setpriv): 125 and a line that says what to do.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define EXIT_MS 10000

static const char *const bad_durations[] = {
	"-1", "-5s", "-0.5s",                               /* negative */
	"abc", "10x", "1.s", ".5s", "1e3", "5 s", "",       /* garbage */
	"99999999999999999999", "18446744073709551616ms",    /* overflow */
	"9999999999h", "1099511627777ms",
	NULL,
};
static const char *const bad_stop_signals[] = {
	"-1", "-15",                                         /* negative */
	"FOO", "SIGFOO", "TERM2", "RTMIN+x", "", "0",        /* garbage, or no signal */
	"65", "RTMIN+99", "4294967311", "99999999999999999999", /* overflow */
	NULL,
};
static const char *const bad_pdeathsigs[] = {
	"-1", "-9",
	"FOO", "nonee", "KILL9", "",
	"65", "RTMAX-99", "4294967305", "99999999999999999999",
	NULL,
};
static const char *const bad_orphans[] = {
	"-1",
	"kill", "terminate,wait", "", "0",
	"99999999999999999999",
	NULL,
};
static const char *const bad_booleans[] = {
	"-1",
	"maybe", "2", "yes please",
	"99999999999999999999",
	NULL,
};

static const struct option_values {
	const char *option;     /* the long option, or NULL (environment only) */
	char short_letter;      /* its short form, or 0 */
	const char *variable;   /* its REAPER_* variable */
	const char *const *values;
} options[] = {
	{ "--orphans", 0, "REAPER_ORPHANS", bad_orphans },
	{ "--grace", 0, "REAPER_GRACE", bad_durations },
	{ "--timeout", 't', "REAPER_TIMEOUT", bad_durations },
	{ "--kill-after", 'k', "REAPER_KILL_AFTER", bad_durations },
	{ "--stop-signal", 0, "REAPER_STOP_SIGNAL", bad_stop_signals },
	{ "--child-pdeathsig", 0, "REAPER_CHILD_PDEATHSIG", bad_pdeathsigs },
	{ NULL, 0, "REAPER_ISOLATE", bad_booleans }, /* --isolate takes no value */
	{ NULL, 0, "REAPER_SESSION", bad_booleans }, /* --session only with "=": not here */
};
#define N_OPTIONS (int)(sizeof options / sizeof options[0])

enum form { FORM_EQUALS, FORM_SEPARATE, FORM_SHORT, FORM_ENV };

struct bad_case {
	const struct option_values *opt;
	const char *value;
	enum form form;
};

/* Every (option, value, form), built once by test_suite. */
static struct bad_case cases[512];
static int n_cases;

/* Runs before any test, where ck_assert cannot report: abort instead. */
static void add_case(const struct option_values *opt, const char *value, enum form form)
{
	if (n_cases == (int)(sizeof cases / sizeof cases[0])) {
		fprintf(stderr, "check_badvalues: more than %d cases\n", n_cases);
		abort();
	}
	cases[n_cases++] = (struct bad_case){ opt, value, form };
}

static void build_cases(void)
{
	n_cases = 0;
	for (int i = 0; i < N_OPTIONS; i++) {
		const struct option_values *opt = &options[i];
		for (const char *const *v = opt->values; *v != NULL; v++) {
			if (opt->option != NULL) {
				add_case(opt, *v, FORM_EQUALS);
				add_case(opt, *v, FORM_SEPARATE);
			}
			if (opt->short_letter != 0)
				add_case(opt, *v, FORM_SHORT);
			if (**v != '\0') /* an empty variable is an unset one */
				add_case(opt, *v, FORM_ENV);
		}
	}
}

START_TEST(test_bad_value)
{
	const struct bad_case *c = &cases[_i];
	char assignment[256], short_opt[3] = { '-', c->opt->short_letter, '\0' };
	char *env[] = { assignment, NULL };
	char *argv[8];
	int argc = 0;
	argv[argc++] = (char *)reaper_path();
	switch (c->form) {
	case FORM_EQUALS:
		snprintf(assignment, sizeof assignment, "%s=%s", c->opt->option, c->value);
		argv[argc++] = assignment;
		break;
	case FORM_SEPARATE:
		argv[argc++] = (char *)c->opt->option;
		argv[argc++] = (char *)c->value;
		break;
	case FORM_SHORT:
		argv[argc++] = short_opt;
		argv[argc++] = (char *)c->value;
		break;
	case FORM_ENV:
		snprintf(assignment, sizeof assignment, "%s=%s", c->opt->variable, c->value);
		break;
	}
	argv[argc++] = (char *)helper_path("printargs");
	argv[argc] = NULL;
	struct run_opts opts = { .env_add = c->form == FORM_ENV ? env : NULL };
	const char *named = c->form == FORM_ENV ? c->opt->variable : c->opt->option;
	char context[128];
	snprintf(context, sizeof context, "%s '%s'%s", named, c->value,
		 c->form == FORM_SHORT ? " (short option)" : "");

	struct run r;
	run_start(&r, RUN_HOST, argv, &opts);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 125, "%s: exit %d; stderr: %s", context, got, r.err);
	ck_assert_msg(r.out_len == 0, "%s: the command ran: %s", context, r.out);
	char want[256];
	snprintf(want, sizeof want, "reaper: %s: invalid value '%s' (", named, c->value);
	ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "%s: stderr [%s], want it to start [%s]",
		      context, r.err, want);
	const char *end = "; see 'reaper --help'\n";
	ck_assert_msg(r.err_len > strlen(end) &&
			      strcmp(r.err + r.err_len - strlen(end), end) == 0 &&
			      strchr(r.err, '\n') == r.err + r.err_len - 1,
		      "%s: stderr is not one line ending [%s]: [%s]", context, end, r.err);
}
END_TEST

/* Run reaper with opts (NULL-terminated) then printargs, env_add as the
 * environment's extra; the exit code, r filled. */
static int run_reaper(struct run *r, const char *const *opts, const char *const *env)
{
	char *argv[16];
	const char *cmd[] = { helper_path("printargs"), "ran", NULL };
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), opts, cmd);
	struct run_opts ro = { .env_add = (char *const *)env };
	run_start(r, RUN_HOST, argv, &ro);
	return run_wait(r, EXIT_MS);
}

/* ---- empty variables: as if unset --------------------------------------- */

static const char *const empty_variables[] = {
	"REAPER_TIMEOUT=",          /* a duration */
	"REAPER_STOP_SIGNAL=",      /* a signal */
	"REAPER_CHILD_PDEATHSIG=",  /* a signal or none */
	"REAPER_ORPHANS=",          /* a choice */
	"REAPER_USER=",             /* a text */
	"REAPER_REWRITE=",          /* a list */
	"REAPER_SEND=",             /* a list of SIG@DURATION */
	"REAPER_ISOLATE=",          /* a boolean (false before, too) */
};

START_TEST(test_empty_variable)
{
	const char *opts[] = { NULL };
	const char *env[] = { empty_variables[_i], NULL };
	struct run r;
	int got = run_reaper(&r, opts, env);
	ck_assert_msg(got == 0, "%s: exit %d; stderr: %s", env[0], got, r.err);
	ck_assert_msg(strstr(r.out, ":ran\n") != NULL, "%s: stdout [%s]", env[0], r.out);
	ck_assert_msg(r.err_len == 0, "%s: stderr: %s", env[0], r.err);
}
END_TEST

/* REAPER_VERBOSE= is unset too: it leaves the level TINI_VERBOSITY gave
 * (it used to mean 0, back to warnings only). */
START_TEST(test_empty_verbose)
{
	const char *opts[] = { NULL };
	const char *env[] = { "TINI_VERBOSITY=2", "REAPER_VERBOSE=", NULL };
	struct run r;
	int got = run_reaper(&r, opts, env);
	ck_assert_msg(got == 0, "exit %d; stderr: %s", got, r.err);
	ck_assert_msg(strstr(r.err, "reaper: started ") != NULL, "no -v line: [%s]", r.err);
}
END_TEST

/* ---- why a value is refused ---------------------------------------------- */

static const struct {
	const char *opts[4];
	const char *env[2];
	const char *line; /* the whole of stderr; NULL: accepted, the job runs */
} reasons[] = {
	{ { "-r", "KILL:HUP", NULL }, { NULL }, "reaper: --rewrite: invalid value 'KILL:HUP' "
	  "(KILL cannot be caught, so reaper never receives it); see 'reaper --help'\n" },
	{ { "-r", "STOP:x", NULL }, { NULL }, "reaper: --rewrite: invalid value 'STOP:x' "
	  "(STOP cannot be caught, so reaper never receives it); see 'reaper --help'\n" },
	{ { "--rewrite=CHLD:x", NULL }, { NULL }, "reaper: --rewrite: invalid value 'CHLD:x' "
	  "(reaper handles CHLD itself: it reaps); see 'reaper --help'\n" },
	{ { "-r", "FOO:HUP", NULL }, { NULL }, "reaper: --rewrite: invalid value 'FOO:HUP' "
	  "(unknown signal 'FOO'); see 'reaper --help'\n" },
	{ { "-r", "TERM", NULL }, { NULL }, "reaper: --rewrite: invalid value 'TERM' "
	  "(expected SIG:SIG, SIG:0 drops); see 'reaper --help'\n" },
	{ { NULL }, { "REAPER_REWRITE=TERM:QUIT,CHLD:TERM", NULL },
	  "reaper: REAPER_REWRITE: invalid value 'TERM:QUIT,CHLD:TERM' "
	  "(reaper handles CHLD itself: it reaps); see 'reaper --help'\n" },
	{ { "--stop-signal", "FOO", NULL }, { NULL }, "reaper: --stop-signal: invalid value 'FOO' "
	  "(unknown signal 'FOO'); see 'reaper --help'\n" },
	{ { "--send", "FOO@1s", NULL }, { NULL }, "reaper: --send: invalid value 'FOO@1s' "
	  "(unknown signal 'FOO'); see 'reaper --help'\n" },
	{ { "--child-pdeathsig", "KILLL", NULL }, { NULL },
	  "reaper: --child-pdeathsig: invalid value 'KILLL' "
	  "(unknown signal 'KILLL'); see 'reaper --help'\n" },
	{ { "-p", "FOO", NULL }, { NULL }, "reaper: --parent-death-signal: invalid value 'FOO' "
	  "(unknown signal 'FOO'); see 'reaper --help'\n" },
	/* The faults a process sends are forwarded, so they may be rewritten. */
	{ { "-r", "SYS:HUP", NULL }, { NULL }, NULL },
	{ { "-r", "SEGV:TERM", "-r", "HUP:BUS" }, { NULL }, NULL },
};

START_TEST(test_reason)
{
	struct run r;
	int got = run_reaper(&r, reasons[_i].opts, reasons[_i].env);
	const char *what = reasons[_i].opts[0] != NULL ? reasons[_i].opts[1] : reasons[_i].env[0];
	if (reasons[_i].line == NULL) {
		ck_assert_msg(got == 0, "%s: exit %d; stderr: %s", what, got, r.err);
		ck_assert_msg(strstr(r.out, ":ran\n") != NULL, "%s: stdout [%s]", what, r.out);
		return;
	}
	ck_assert_msg(got == 125, "%s: exit %d; stderr: %s", what, got, r.err);
	ck_assert_msg(r.out_len == 0, "%s: the command ran: %s", what, r.out);
	ck_assert_str_eq(r.err, reasons[_i].line);
}
END_TEST

/* ---- unknown variables, empty command ------------------------------------ */

START_TEST(test_unknown_variable)
{
	const char *env[] = { "REAPER_TIMOUT=5", NULL };
	const char *loud[] = { NULL }, *quiet[] = { "-q", NULL };
	struct run r;
	int got = run_reaper(&r, loud, env);
	ck_assert_msg(got == 0, "exit %d; stderr: %s", got, r.err);
	ck_assert_msg(strstr(r.out, ":ran\n") != NULL, "stdout [%s]", r.out);
	ck_assert_str_eq(r.err, "reaper: unknown variable REAPER_TIMOUT, ignored\n");
	got = run_reaper(&r, quiet, env);
	ck_assert_msg(got == 0, "-q: exit %d; stderr: %s", got, r.err);
	ck_assert_msg(r.err_len == 0, "-q: stderr: %s", r.err);
}
END_TEST

/* reaper '' as env '': 127, one line. */
START_TEST(test_empty_command)
{
	char *argv[] = { (char *)reaper_path(), "", NULL };
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 127, "exit %d; stderr: %s", got, r.err);
	ck_assert_str_eq(r.err, "reaper: cannot run '': No such file or directory\n");
}
END_TEST

/* reaper -- --help, as `docker run IMAGE --help` makes it through the
 * ENTRYPOINT's "--": still 127 and one line, which says how to give
 * reaper options in a container (issue 18). A missing command that is not
 * an option gets no hint (test_empty_command, check_exit). */
START_TEST(test_option_as_command)
{
	char *argv[] = { (char *)reaper_path(), "--", "--help", NULL };
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 127, "exit %d; stderr: %s", got, r.err);
	ck_assert_msg(r.out_len == 0, "stdout: %s", r.out);
	const char *line = "reaper: cannot run '--help': No such file or directory (";
	ck_assert_msg(strncmp(r.err, line, strlen(line)) == 0, "stderr: %s", r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
	ck_assert_msg(strstr(r.err, "REAPER_") != NULL && strstr(r.err, "--entrypoint") != NULL,
		      "no hint: %s", r.err);
}
END_TEST

/* setpriv(1) from PATH into path; false if there is none. */
static bool find_setpriv(char *path, size_t size)
{
	const char *dirs = getenv("PATH");
	if (dirs == NULL || *dirs == '\0')
		dirs = "/usr/local/bin:/usr/bin:/bin";
	while (*dirs != '\0') {
		size_t len = strcspn(dirs, ":");
		int n = snprintf(path, size, "%.*s/setpriv", (int)len, dirs);
		if (n > 0 && (size_t)n < size && access(path, X_OK) == 0)
			return true;
		dirs += len + (dirs[len] == ':');
	}
	return false;
}

/* --isolate as nobody: no PID namespace, so 125 and one line that says
 * what it needs; the command never runs. */
START_TEST(test_isolate_without_privilege)
{
	char setpriv[4096];
	if (geteuid() != 0 || !find_setpriv(setpriv, sizeof setpriv)) {
		fprintf(stderr, "check_badvalues: skipping the unprivileged --isolate case: it needs "
				"root and setpriv(1) to become nobody\n");
		return;
	}
	char *argv[] = { setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
			 (char *)reaper_path(), "--isolate", (char *)helper_path("printargs"), NULL };
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 125, "exit %d; stderr: %s", got, r.err);
	ck_assert_msg(r.out_len == 0, "the command ran: %s", r.out);
	ck_assert_msg(strncmp(r.err, "reaper: --isolate: ", 19) == 0 &&
			      strstr(r.err, "CAP_SYS_ADMIN") != NULL &&
			      strchr(r.err, '\n') == r.err + r.err_len - 1,
		      "stderr: [%s]", r.err);
}
END_TEST

Suite *test_suite(void)
{
	build_cases();
	Suite *s = suite_create("badvalues");
	TCase *tc = tcase_create("bad values");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_bad_value, 0, n_cases);
	tcase_add_loop_test(tc, test_empty_variable, 0,
			    (int)(sizeof empty_variables / sizeof empty_variables[0]));
	tcase_add_test(tc, test_empty_verbose);
	tcase_add_loop_test(tc, test_reason, 0, (int)(sizeof reasons / sizeof reasons[0]));
	tcase_add_test(tc, test_unknown_variable);
	tcase_add_test(tc, test_empty_command);
	tcase_add_test(tc, test_option_as_command);
	tcase_add_test(tc, test_isolate_without_privilege);
	suite_add_tcase(s, tc);
	return s;
}
