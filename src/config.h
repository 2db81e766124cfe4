/*
 * config: what one run of reaper is asked to do, as cli (argv and the
 * environment) fills it and every other module reads it: struct config
 * and the enums and limits of its fields. Types only: no function, no
 * state. Above log.h (enum log_level) and nothing else of reaper's.
 */
#ifndef REAPER_CONFIG_H
#define REAPER_CONFIG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

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

/* --report-format: how --report-file words the summary. */
enum report_format {
	REPORT_TEXT, /* the --report lines (default) */
	REPORT_JSON, /* one JSON object: doc/reaper.1, REPORT FILE */
};

/* --restart: when the main child is started again after it ends. */
enum restart_policy {
	RESTART_NO,         /* never (default) */
	RESTART_ON_FAILURE, /* when reaper would exit non-zero for the run */
	RESTART_ALWAYS,     /* whatever the run's status */
};

/* --restart-max default: no limit. */
#define RESTART_UNLIMITED ((unsigned)-1)

/* --child-pdeathsig default: KILL when reaper is not PID 1. */
#define PDEATHSIG_DEFAULT (-1)

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
	uint64_t stop_delay_ms;  /* --stop-delay: hold the first stop signal; 0 off */
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
	bool report;             /* a summary at exit, on stderr */
	const char *report_file; /* the summary written to this file too, or NULL */
	enum report_format report_format;
	struct send_at sends[SEND_MAX]; /* --send, in time order (stable) */
	size_t send_count;
	enum restart_policy restart;
	unsigned restart_max;    /* restarts at most; RESTART_UNLIMITED by default */
	uint64_t restart_delay_ms; /* first back-off; doubles up to 32 times it */
};

#endif
