/*
 * check_execplan: the environment exec_plan_prepare hands to COMMAND
 * (src/execplan.h). The REAPER_* variables reaper reads are left out, so a
 * reaper nested below (an engine's --init in front of an image whose
 * ENTRYPOINT is reaper) does not apply them a second time; everything else
 * passes in order: the peers' variables (TINI_*, DUMB_INIT_*), REAPER_*
 * names reaper does not read, names that only begin like one of ours.
 * LISTEN_PID naming reaper still becomes the child's slot, and HOME for
 * --user is still appended.
 */
#include <check.h>
#include <string.h>

#include "execplan.h"
#include "unit_util.h"

#define MAX_ENV 8

static const struct {
	const char *name;
	const char *env[MAX_ENV];   /* NULL-terminated */
	const char *want[MAX_ENV];  /* what COMMAND gets, NULL-terminated */
} rows[] = {
	{ "ours left out, the rest in order",
	  { "PATH=/bin", "REAPER_USER=app", "A=1", "REAPER_REWRITE=TERM:QUIT,QUIT:TERM",
	    "REAPER_SEND=TERM@1s", "B=2", NULL },
	  { "PATH=/bin", "A=1", "B=2", NULL } },
	{ "every kind of ours",
	  { "REAPER_TIMEOUT=5m", "REAPER_TRACE=1", "REAPER_TRACE_FILE=/t", "REAPER_REPORT=1",
	    "REAPER_CAPS=kill", "REAPER_PAUSE=0", "REAPER_VERBOSE=2", NULL },
	  { NULL } },
	{ "the peers' variables stay for the peer",
	  { "TINI_SUBREAPER=1", "TINI_KILL_PROCESS_GROUP=1", "DUMB_INIT_SETSID=0",
	    "CATATONIT_DEBUG=1", NULL },
	  { "TINI_SUBREAPER=1", "TINI_KILL_PROCESS_GROUP=1", "DUMB_INIT_SETSID=0",
	    "CATATONIT_DEBUG=1", NULL } },
	{ "names we do not read stay",
	  { "REAPER_FUTURE=1", "REAPER_USERX=a", "REAPER_USE=a", "REAPER_=1", "MY_REAPER_USER=a",
	    "REAPER_USER", NULL },
	  { "REAPER_FUTURE=1", "REAPER_USERX=a", "REAPER_USE=a", "REAPER_=1", "MY_REAPER_USER=a",
	    "REAPER_USER", NULL } },
	{ "an empty value is still ours", { "REAPER_GRACE=", "X=", NULL }, { "X=", NULL } },
	{ "nothing at all", { NULL }, { NULL } },
};

START_TEST(test_environment)
{
	char *argv[] = { "/bin/true", NULL };
	struct exec_plan plan;

	ck_assert_int_eq(exec_plan_prepare(&plan, argv, (char *const *)rows[_i].env, 1, NULL), 0);
	size_t n = 0;
	for (; rows[_i].want[n] != NULL; n++) {
		ck_assert_msg(plan.envp[n] != NULL, "%s: entry %zu missing", rows[_i].name, n);
		ck_assert_msg(strcmp(plan.envp[n], rows[_i].want[n]) == 0, "%s: entry %zu is %s",
			      rows[_i].name, n, plan.envp[n]);
	}
	ck_assert_msg(plan.envp[n] == NULL, "%s: extra entry %s", rows[_i].name, plan.envp[n]);
	exec_plan_free(&plan);
}
END_TEST

/* A left-out variable does not shift LISTEN_PID off its slot, nor HOME. */
START_TEST(test_listen_pid_and_home)
{
	char *argv[] = { "/bin/true", NULL };
	char *env[] = { "REAPER_USER=app", "LISTEN_PID=42", "REAPER_CAPS=none", "LISTEN_FDS=1",
			NULL };
	char home[] = "HOME=/home/app";
	struct exec_plan plan;

	ck_assert_int_eq(exec_plan_prepare(&plan, argv, env, 42, home), 0);
	ck_assert(plan.has_listen_pid);
	ck_assert_ptr_eq(plan.envp[0], plan.listen_pid);
	ck_assert_str_eq(plan.envp[1], "LISTEN_FDS=1");
	ck_assert_str_eq(plan.envp[2], "HOME=/home/app");
	ck_assert_ptr_null(plan.envp[3]);
	exec_plan_free(&plan);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("execplan");
	TCase *tc = unit_tcase(s, "environment", 10);

	tcase_add_loop_test(tc, test_environment, 0, N(rows));
	tcase_add_test(tc, test_listen_pid_and_home);
	return s;
}
