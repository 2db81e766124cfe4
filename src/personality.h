/*
 * personality: installed or linked as tini, docker-init, dumb-init or
 * catatonit (argv[0]'s base name), reaper takes that program's defaults
 * and conventions (issue 20); under any other name, its own.
 *
 * A personality is a row of a static table: the defaults it puts into
 * struct config before the environment and the command line are read (so
 * every option and variable, reaper's own included, still overrides them),
 * and the conventions main follows: the usage-error exit code, which
 * stream help and version go to, and the version line.
 *
 * Pure: no system call, no allocation, no output.
 */
#ifndef REAPER_PERSONALITY_H
#define REAPER_PERSONALITY_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "config.h"

enum version_style {
	VERSION_REAPER, /* "reaper 0.1.0 - git.abc1234" */
	VERSION_TINI,   /* "tini version 0.1.0_reaper - git.abc1234": what docker info parses */
};

struct personality {
	const char *name;           /* the program name it answers to */
	/* Defaults for struct config. */
	enum forward_mode forward;
	enum orphan_policy orphans;
	bool session;               /* the main child gets a session of its own */
	bool stop_as_sigstop;       /* TSTP, TTIN and TTOU are forwarded as STOP */
	bool suspend_self;          /* reaper stops after forwarding TSTP, TTIN, TTOU */
	int child_pdeathsig;        /* PDEATHSIG_DEFAULT, or the signal (0: none) */
	/* The defaults that stand instead when the parse ends in --forward=child
	 * (dumb-init's -c and DUMB_INIT_SETSID=0 change more than the target),
	 * or NULL. */
	const struct personality *single_child;
	/* Conventions. */
	int usage_exit;             /* exit code of a usage error */
	bool help_to_stderr;
	bool version_to_stderr;
	enum version_style version;
	const char *summary;        /* one line said before --help, or NULL */
};

/* The personality argv0 names (its base name: "tini", "/sbin/docker-init",
 * "tini-static"; a peer's name followed by '-', '_' or '.' counts), or
 * reaper's own. argv0 may be NULL. Static storage. */
const struct personality *personality_of(const char *argv0);

/* Put p's defaults into cfg, which cli_defaults has set. */
void personality_defaults(const struct personality *p, struct config *cfg);

/*
 * cli_defaults, p's defaults, then cli_parse (see cli.h): the whole parse
 * under p. When p has single_child defaults and the parse ends in
 * --forward=child, it parses again on those, so that every explicit value
 * still wins over them. Returns cli_parse's action.
 */
enum cli_action personality_parse(const struct personality *p, struct config *cfg, int argc,
				  char *argv[], char *const envp[], struct cli_result *result);

/* The version line (with its newline) into buf, for p's style. Returns
 * buf. */
const char *personality_version(const struct personality *p, const char *version,
				const char *commit, char *buf, size_t size);

#endif
