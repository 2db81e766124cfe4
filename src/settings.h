/*
 * settings: what each option and each REAPER_* (or tini, dumb-init,
 * catatonit) variable does to struct config: the setters, and the two tables that
 * name them for cli.c, which reads argv and the environment.
 *
 * Pure: no system call, no allocation, no output.
 */
#ifndef REAPER_SETTINGS_H
#define REAPER_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* getopt keys of the long options that have no short letter. */
enum {
	OPT_FORWARD = 256,
	OPT_ORPHANS,
	OPT_GRACE,
	OPT_STOP_SIGNAL,
	OPT_CHILD_PDEATHSIG,
	OPT_ISOLATE,
	OPT_CAPS,
	OPT_NO_NEW_PRIVS,
	OPT_TRACE,
	OPT_TRACE_FILE,
	OPT_REPORT,
	OPT_SEND,
	OPT_SESSION,
};

/* One setting: set parses value into cfg and returns 0 or -errno. */
struct setting {
	int key;              /* the option's getopt key; 0 for a variable */
	const char *name;     /* "--forward" or "REAPER_FORWARD" */
	int (*set)(struct config *cfg, const char *value);
	const char *expected; /* what a good value looks like, for messages */
	/* Optional (NULL: expected says it all): why set refused value when
	 * its form was right but what it names cannot be used ("unknown
	 * signal 'FOO'", "KILL cannot be caught, ..."). Writes one phrase
	 * into why and returns true, or returns false to let expected speak.
	 * Pure. */
	bool (*explain)(const char *value, char *why, size_t size);
};

/* The variables, compatibility ones first so that REAPER_* override
 * them; *count gets how many. */
const struct setting *settings_environment(size_t *count);

/* The value-taking option with getopt key key, or NULL. */
const struct setting *settings_option(int key);

#endif
