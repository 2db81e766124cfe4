/*
 * reportfile: --report-file PATH and --report-format=text|json, the
 * --report summary written at exit to a file a machine reads (a CI step
 * that fails when the job needed KILL to stop).
 *
 * The JSON object's keys are a stable interface, documented in
 * doc/reaper.1 (REPORT FILE) and the README: keys are only ever added.
 * They are the rows of one table in reportfile.c; a new key is a field of
 * struct reportfile_facts, set in reportfile_gather, and one row.
 *
 * Above tell (struct stats), report (the text format) and reap (the
 * ending); called by main (open) and tell (write). Never: an allocation,
 * stdout, or any effect on the exit code.
 */
#ifndef REAPER_REPORTFILE_H
#define REAPER_REPORTFILE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signame.h"

struct reaper;
struct reap_ending;

/* Everything the JSON object says, ready to render: a number below 0 and
 * a NULL string are written as null. */
struct reportfile_facts {
	const char *version;           /* reaper's */
	char *const *command;          /* the job's argv; NULL: none (--pause) */
	int64_t runtime_ms;
	const unsigned *received;      /* NSIG counters each (struct stats) */
	const unsigned *forwarded;
	int64_t child_pid;             /* the main child; -1: none */
	const char *child_ended;       /* "exited", "killed", or NULL */
	int64_t child_exit_code;       /* -1: it did not exit */
	const char *child_signal;      /* killed by it ("KILL"), or NULL */
	bool child_core_dumped;
	int64_t first_stop_ms;         /* first stop signal forwarded, after start */
	int64_t child_end_after_stop_ms; /* main child's end after it */
	int64_t kill_after_ms;         /* --kill-after; -1: not given */
	int64_t processes_reaped;
	int64_t leftovers_sent_term;
	int64_t killed_by_escalation;
	int64_t exit_code;             /* reaper's */
	const char *reason;            /* reap_ending's reason, one word */
	const char *reason_text;       /* and in words (tell_reason) */
	int64_t runs;                  /* times the main child started (--restart) */
	int64_t stop_delay_ms;         /* --stop-delay; -1: not given */
	const char *held_signal;       /* the stop signal it held, or NULL */
	int64_t held_ms;               /* for how long; -1: none held */
	char child_signal_name[SIGNAME_MAX]; /* storage behind child_signal */
	char held_signal_name[SIGNAME_MAX];  /* storage behind held_signal */
	char reason_words[96];         /* storage behind reason_text */
};

/* Output: a buffer that, when full, is flushed to fd (or, with fd -1,
 * refuses more: err becomes -ENOSPC). err keeps the first failure, a
 * write's -errno included; what follows it is dropped. */
struct reportfile_out {
	char *buf;
	size_t size;
	size_t len;
	int fd;
	int err;
};

/* The facts of a run that ends with e, at now_ns (CLOCK_MONOTONIC). Pure:
 * reads r (config, job, stats) only. */
void reportfile_gather(const struct reaper *r, const struct reap_ending *e, uint64_t now_ns,
		       struct reportfile_facts *f);

/* The JSON object (one key per line, then a newline) into out. Pure when
 * out->fd is -1. Strings are escaped by hand: quote, backslash and control
 * characters, and each byte that is not well-formed UTF-8 as U+FFFD. */
void reportfile_render_json(const struct reportfile_facts *f, struct reportfile_out *out);

/* Before the job starts: with --report-file, open the file's directory
 * (kept in r->report_dir_fd, close-on-exec, so a relative path survives
 * the chdir to /) and prove a file can be created in it (created and
 * removed at once). Returns 0, or -1 with one line naming the option and
 * why in err (main exits 125 with it); nothing is left open then. */
int reportfile_open(struct reaper *r, char *err, size_t err_size);

/* At exit: write the summary to a temporary file in that directory and
 * rename it to PATH, so PATH is whole or not there at all. A failure is
 * logged (and the temporary file removed); the exit code stays. */
void reportfile_write(const struct reaper *r, const struct reap_ending *e, const char *why);

#endif
