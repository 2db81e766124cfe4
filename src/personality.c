/*
 * personality: which program reaper stands in for, by argv[0], and what
 * that changes (see personality.h).
 *
 * Owns: the table of personalities and the name match. Never: a system
 * call, an allocation or output. Invariant: reaper's own row puts into
 * struct config exactly what cli_defaults does, so under its own name
 * nothing changes; a peer's row changes defaults only, never what an
 * option or variable means, and the parse still reads every one of them
 * after the defaults.
 */
#include "personality.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define OVERRIDE "reaper's options and REAPER_* variables override these (man reaper, " \
	"PERSONALITIES).\n"

static const struct personality reaper_own = {
	.name = "reaper",
	.forward = FWD_GROUP,
	.orphans = ORPHANS_TERMINATE,
	.child_pdeathsig = PDEATHSIG_DEFAULT,
	.usage_exit = 125,
	.version = VERSION_REAPER,
};

/* tini and docker-init (Docker's copy of tini): signals to the child alone
 * (-g or TINI_KILL_PROCESS_GROUP: its group); it exits as soon as the
 * child has, leaving the rest; help and version on stdout. As
 * docker-init, the version line stays reaper's own: dockerd parses any
 * "NAME VERSION - git.COMMIT" for `docker info`, so there is no need to
 * pretend to be tini there (issue 18). */
#define TINI_ROW(program, version_style) { \
	.name = (program), \
	.forward = FWD_CHILD, \
	.orphans = ORPHANS_LEAVE, \
	.usage_exit = 1, \
	.version = (version_style), \
	.summary = "Running as " program ": signals go to the child alone (-g: its group), " \
		   "and what it leaves is left at exit.\n" OVERRIDE, \
}

static const struct personality tini = TINI_ROW("tini", VERSION_TINI);
static const struct personality docker_init = TINI_ROW("docker-init", VERSION_REAPER);

/* dumb-init in single-child mode (-c, DUMB_INIT_SETSID=0): no session,
 * the child alone gets signals and nothing is sent to the rest at exit;
 * it still stops itself on TSTP, TTIN and TTOU. */
static const struct personality dumb_init_single = {
	.name = "dumb-init",
	.forward = FWD_CHILD,
	.orphans = ORPHANS_LEAVE,
	.suspend_self = true,
	.usage_exit = 1,
	.help_to_stderr = true,
	.version_to_stderr = true,
	.version = VERSION_REAPER,
};

/* dumb-init's default, setsid mode: the child leads a session of its own
 * (with reaper's terminal), signals go to its group, TSTP, TTIN and TTOU
 * go as STOP (a group outside our session would ignore them) and stop
 * dumb-init too, and at the child's exit the rest get TERM. */
static const struct personality dumb_init = {
	.name = "dumb-init",
	.forward = FWD_GROUP,
	.orphans = ORPHANS_TERM_LEAVE,
	.session = true,
	.stop_as_sigstop = true,
	.suspend_self = true,
	.single_child = &dumb_init_single,
	.usage_exit = 1,
	.help_to_stderr = true,
	.version_to_stderr = true,
	.version = VERSION_REAPER,
	.summary = "Running as dumb-init: COMMAND leads a session of its own and its group gets "
		   "the signals (-c: the child alone); at its exit the rest get TERM.\n" OVERRIDE,
};

/* catatonit: tini's defaults, but help on stderr; its version line is
 * tini's form, for docker info. */
static const struct personality catatonit = {
	.name = "catatonit",
	.forward = FWD_CHILD,
	.orphans = ORPHANS_LEAVE,
	.usage_exit = 1,
	.help_to_stderr = true,
	.version = VERSION_TINI,
	.summary = "Running as catatonit: signals go to the child alone (-g: its group), and "
		   "what it leaves is left at exit.\n" OVERRIDE,
};

static const struct personality *const peers[] = {&tini, &docker_init, &dumb_init, &catatonit};

/* Whether base is name, or name and then a separator ("tini-static",
 * "dumb-init_1.2.5_x86_64", "tini.orig"). */
static bool names(const char *base, const char *name)
{
	size_t len = strlen(name);

	return strncmp(base, name, len) == 0 &&
	       (base[len] == '\0' || base[len] == '-' || base[len] == '_' || base[len] == '.');
}

const struct personality *personality_of(const char *argv0)
{
	if (argv0 == NULL)
		return &reaper_own;
	const char *slash = strrchr(argv0, '/');
	const char *base = slash != NULL ? slash + 1 : argv0;

	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
		if (names(base, peers[i]->name))
			return peers[i];
	return &reaper_own;
}

void personality_defaults(const struct personality *p, struct config *cfg)
{
	cfg->forward = p->forward;
	cfg->orphans = p->orphans;
	cfg->session = p->session;
	cfg->suspend_self = p->suspend_self;
	cfg->child_pdeathsig = p->child_pdeathsig;
	if (p->stop_as_sigstop) {
		cfg->rewrite[SIGTSTP] = SIGSTOP;
		cfg->rewrite[SIGTTIN] = SIGSTOP;
		cfg->rewrite[SIGTTOU] = SIGSTOP;
	}
}

enum cli_action personality_parse(const struct personality *p, struct config *cfg, int argc,
				  char *argv[], char *const envp[], struct cli_result *result)
{
	cli_defaults(cfg);
	personality_defaults(p, cfg);
	enum cli_action action = cli_parse(cfg, argc, argv, envp, result);

	if (action != CLI_RUN || p->single_child == NULL || cfg->forward != FWD_CHILD)
		return action;
	cli_defaults(cfg);
	personality_defaults(p->single_child, cfg);
	return cli_parse(cfg, argc, argv, envp, result);
}

const char *personality_version(const struct personality *p, const char *version,
				const char *commit, char *buf, size_t size)
{
	switch (p->version) {
	case VERSION_TINI:
		snprintf(buf, size, "tini version %s_reaper - %s\n", version, commit);
		break;
	case VERSION_REAPER:
		snprintf(buf, size, "reaper %s - %s\n", version, commit);
		break;
	}
	return buf;
}
