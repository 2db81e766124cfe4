/*
 * unit_cli: the checked cli_parse both cli suites (check_cli.c,
 * check_cli_jobs.c) run every row through. Header-only (static inline),
 * like unit_util.h. The including file defines MAX_ARGS and MAX_ENV, the
 * sizes of its rows' args and env, before including this.
 */
#ifndef REAPER_UNIT_CLI_H
#define REAPER_UNIT_CLI_H

#include <check.h>
#include <string.h>

#include "cli.h"

#if !defined(MAX_ARGS) || !defined(MAX_ENV)
#error "define MAX_ARGS and MAX_ENV before including unit_cli.h"
#endif

/* Build argv (room for MAX_ARGS + 1) and envp from a row's NULL-terminated
 * args and env, run cli_defaults and cli_parse, and check what every parse
 * must keep: argv untouched, result->action equal to the return value,
 * a usage message that is one non-empty line without "reaper:", and
 * warnings that are each one non-empty line.
 * argv points into args; the caller owns cfg and result. */
static inline enum cli_action parse_checked(const char *const args[], const char *const env[],
					    char *argv[MAX_ARGS + 1], struct config *cfg,
					    struct cli_result *result)
{
	char *envp[MAX_ENV + 1] = { NULL };
	char *copy[MAX_ARGS + 1];
	int argc = 0;

	for (int i = 0; env[i] != NULL; i++)
		envp[i] = (char *)env[i];
	for (; args[argc] != NULL; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	memcpy(copy, argv, sizeof copy);

	cli_defaults(cfg);
	memset(result, 0x5a, sizeof *result);
	enum cli_action action = cli_parse(cfg, argc, argv, envp, result);

	for (int i = 0; i <= argc; i++) {
		ck_assert_msg(argv[i] == copy[i], "argv[%d] was moved", i);
		if (argv[i] != NULL)
			ck_assert_str_eq(argv[i], args[i]);
	}
	ck_assert_int_eq(result->action, action);
	ck_assert_msg(result->warning_count < 1000, "warning_count not set");
	for (size_t i = 0; i < result->warning_count && i < CLI_WARNINGS_MAX; i++) {
		const char *w = result->warnings[i];
		ck_assert_msg(memchr(w, '\0', sizeof result->warnings[i]) != NULL, "unterminated");
		ck_assert_msg(w[0] != '\0' && strchr(w, '\n') == NULL, "warning: \"%s\"", w);
	}
	if (action == CLI_USAGE) {
		const char *msg = result->message;
		ck_assert_msg(memchr(msg, '\0', sizeof result->message) != NULL, "unterminated");
		ck_assert_msg(msg[0] != '\0', "empty usage message");
		ck_assert_msg(strchr(msg, '\n') == NULL, "not one line: \"%s\"", msg);
		ck_assert_msg(strncmp(msg, "reaper:", 7) != 0, "prefixed: \"%s\"", msg);
	}
	return action;
}

#endif
