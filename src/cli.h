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

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

enum forward_mode {
	FWD_GROUP, /* the child's process group (default; tini -g, catatonit -g) */
	FWD_CHILD, /* the main child alone (dumb-init -c, DUMB_INIT_SETSID=0) */
	FWD_TREE,  /* every descendant (as a namespace's init: every process in it) */
};

/* What happens to descendants left when the main child exits. */
enum orphan_policy {
	ORPHANS_TERMINATE, /* TERM them, KILL after the grace period, reap all */
	ORPHANS_WAIT,      /* wait until every one has exited on its own */
	ORPHANS_LEAVE,     /* exit at once (tini's behaviour) */
	ORPHANS_TERM_LEAVE, /* TERM them once, then exit at once (dumb-init's) */
};

/* --child-pdeathsig default: KILL when reaper is not PID 1. */
#define PDEATHSIG_DEFAULT (-1)

enum log_level {
	LOG_ERROR = 0, /* -q: failures of reaper itself only */
	LOG_WARN = 1,  /* default */
	LOG_INFO = 2,  /* -v: each stage, signal and reap */
	LOG_DEBUG = 3, /* -vv */
};

/* --send SIG@DURATION: at most this many, kept sorted by time. */
#define SEND_MAX 32

struct send_at {
	int signo;
	uint64_t at_ms;          /* after start */
};

struct config {
	char **argv;             /* COMMAND and its arguments, inside the argv given */
	enum forward_mode forward;
	int rewrite[NSIG];       /* signal forwarded for each signal; 0 drops it */
	bool expect_exit[256];   /* -e: these exit codes of the main child map to 0 */
	bool warn_reap;          /* -w: log every reaped process but the main child */
	enum log_level verbosity;
	bool pause;              /* -P: no command, reap until TERM or INT */
	int parent_death_signo;  /* -p: signal reaper gets when its parent dies; 0 off */
	enum orphan_policy orphans;
	uint64_t grace_ms;       /* TERM to KILL when reaper stops descendants itself */
	uint64_t timeout_ms;     /* -t: wall-clock limit of the job; 0 none */
	uint64_t kill_after_ms;  /* -k: KILL this long after a stop signal... */
	bool kill_after_set;     /* ...when given */
	int stop_signo;          /* sent when the timeout expires */
	int child_pdeathsig;     /* the main child's PR_SET_PDEATHSIG; 0 off */
	bool isolate;            /* run the job in a new PID namespace */
	bool session;            /* --session: COMMAND leads a session of its own */
	bool suspend_self;       /* stop after forwarding TSTP, TTIN, TTOU (dumb-init) */
	const char *user_spec;   /* -u: USER[:GROUP] for COMMAND, or NULL */
	const char *caps_spec;   /* --caps: "none" or a list, or NULL (unchanged) */
	const char *user_origin; /* "--user" or "REAPER_USER", for messages */
	const char *caps_origin; /* "--caps" or "REAPER_CAPS" */
	bool no_new_privs;
	bool trace;              /* one logfmt line per event */
	const char *trace_file;  /* where; NULL for stderr */
	bool report;             /* a summary at exit */
	struct send_at sends[SEND_MAX]; /* --send, in time order (stable) */
	size_t send_count;
};

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
