/*
 * options: the one table of reaper's options. A row per option holds
 * every spelling of it (the long name, the short letter, the REAPER_*
 * variable, the flags and variables of tini, dumb-init and catatonit that
 * mean the same), the setter (settings.h) that gives it its meaning, how
 * a good value looks, and its line of --help. cli.c drives getopt, the
 * environment and --help from it; execplan.c asks it which variables
 * reaper consumed.
 *
 * Above settings, config and the value parsers; below cli. Pure: no
 * system call, no allocation, no output; the table is constant.
 */
#ifndef REAPER_OPTIONS_H
#define REAPER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

/* How an option is given on the command line. */
enum option_kind {
	OPTION_VALUE,   /* takes a value: --timeout 5s */
	OPTION_FLAG,    /* no value; the setter gets "1" where it appears */
	OPTION_SWITCH,  /* a flag that may take a boolean: --session=no; the
			 * setter gets the value, or "1" without one */
	OPTION_COUNT,   /* no value, counted (-vv): after the whole command
			 * line, in table order, the setter gets the count,
			 * at most count_max, as decimal text */
	OPTION_HELP,    /* no value, no setter: cli prints help, version */
	OPTION_VERSION, /* or license and exits */
	OPTION_LICENSE,
};

/* Another init's spelling of an option. */
struct option_peer {
	const char *variable;   /* "TINI_VERBOSITY", or NULL */
	setting_fn *set;        /* its setter: the peer's own reading of it */
	char letter;            /* or a short flag ('g'): the row's setter... */
	const char *value;      /* ...with this value ("group"), or a bare action */
};

/* Peers of one option at most (tini's, dumb-init's and catatonit's). */
#define OPTION_PEERS_MAX 3

struct option_row {
	const char *name;       /* long option without "--" ("timeout") */
	const char *variable;   /* "REAPER_TIMEOUT", or NULL */
	setting_fn *set;        /* NULL only for HELP, VERSION, LICENSE */
	const char *expected;   /* a good value, for "(expected ...)" */
	explain_fn *explain;    /* why a value was refused, or NULL */
	/* The variable takes a comma-separated list (list below), each item
	 * a value of the option; list_expected describes it. */
	const char *list_expected;
	const struct option_peer *peers; /* peer_count of them (or NULL, 0) */
	size_t peer_count;
	/* Its line of --help (with the newline), or NULL when another row's
	 * line names it too. In table order they are the body of --help. */
	const char *help;
	enum option_kind kind;
	unsigned count_max;     /* OPTION_COUNT: the most the setter is told */
	char letter;            /* short option ('t'), or 0 */
	bool list;
};

/* Rows at most: the size of getopt tables built on the stack. */
#define OPTIONS_MAX 40

/* The rows, in the order --help lists them and the environment is
 * applied in (so REAPER_VERBOSE, then REAPER_QUIET); *count gets how
 * many. Static storage. */
const struct option_row *options_table(size_t *count);

/* getopt_long's value for row index i: its letter, or a key above any
 * letter for a long-only option. */
int options_key(size_t i);

/* The row getopt_long's value key names, by options_key or by a peer's
 * letter (then *peer_value gets that peer's value, else NULL); NULL for
 * none. */
const struct option_row *options_find(int key, const char **peer_value);

/* Whether reaper reads the variable named by the len bytes at name (a
 * REAPER_* one or a peer's). */
bool options_reads_variable(const char *name, size_t len);

#endif
