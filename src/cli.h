/*
 * cli: turns argv and the environment (REAPER_* plus the variables of tini,
 * dumb-init and catatonit) into one struct config.
 *
 * Pure: no system call, no allocation, no output. Errors come back as one
 * line of text in struct cli_result, and warnings as lines; main prints
 * them. An empty REAPER_* variable counts as unset. The environment is
 * applied first and the command line after it, so the command line wins.
 * Option parsing stops at the first argument that is not an option, as in
 * env(1); "--" is accepted and never required.
 */
#ifndef REAPER_CLI_H
#define REAPER_CLI_H

#include <stddef.h>

#include "config.h"

enum cli_action {
	CLI_RUN,      /* cfg is complete: run it */
	CLI_HELP,     /* print cli_help() and exit 0 */
	CLI_VERSION,  /* print the version and exit 0 */
	CLI_LICENSE,  /* print the license and exit 0 */
	CLI_USAGE,    /* bad usage: print result.message, exit 125 */
};

#define CLI_WARNINGS_MAX 4

struct cli_result {
	enum cli_action action;
	char message[256];       /* CLI_USAGE only: one line, no "reaper: " prefix */
	/* Any action: things cli ignored but the user should hear of (an
	 * unknown REAPER_* variable), one line each without the prefix, for
	 * main to log as warnings (so -q silences them). All are counted;
	 * the first CLI_WARNINGS_MAX are written. */
	char warnings[CLI_WARNINGS_MAX][128];
	size_t warning_count;
};

/* The defaults: group forwarding, no rewrites, warnings, no command,
 * orphans terminated with a 3 s grace, no timeout. */
void cli_defaults(struct config *cfg);

/*
 * Fill cfg (already set by cli_defaults) from envp then argv. envp is a
 * NULL-terminated "NAME=value" array (environ in production). Returns the
 * action; on CLI_RUN, cfg->argv is non-NULL unless cfg->pause. argv is not
 * modified; cfg->argv points into it. Not reentrant: uses getopt_long.
 */
enum cli_action cli_parse(struct config *cfg, int argc, char *argv[],
			  char *const envp[], struct cli_result *result);

/* The value of name in envp, a NULL-terminated "NAME=value" array (or
 * NULL), or NULL when it is not there. Pure. */
const char *cli_getenv(char *const envp[], const char *name);

/* The --help text (static storage, fits on one screen). */
const char *cli_help(void);

/* The MIT license text that -l prints, as tini does (static storage). */
const char *cli_license(void);

#endif
