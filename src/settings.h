/*
 * settings: what each option and each REAPER_* (or tini, dumb-init,
 * catatonit) variable does to struct config: one setter per meaning,
 * which options.c's table names for every spelling of it.
 *
 * Above config and the value parsers (parse, signame, duration); below
 * options and cli. Pure: no system call, no allocation, no output.
 */
#ifndef REAPER_SETTINGS_H
#define REAPER_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* A setter: parse value into cfg; 0 or -errno (cfg may be changed in
 * part only by a list, item by item). value points into argv or the
 * environment and may be kept. */
typedef int setting_fn(struct config *cfg, const char *value);

/* An explainer: why a setter refused value when its form was right but
 * what it names cannot be used ("unknown signal 'FOO'", "KILL cannot be
 * caught, ..."): one phrase into why and true, or false to let the
 * description of a good value speak. */
typedef bool explain_fn(const char *value, char *why, size_t size);

/* A comma-separated list through a one-value setter, and the first
 * reason one of its items gives. Items are at most 63 bytes. */
int settings_set_each(setting_fn *set, struct config *cfg, const char *list);
bool settings_explain_each(explain_fn *explain, const char *list, char *why, size_t size);

/* reaper's own options; a flag's setter takes a boolean. */
setting_fn set_forward, set_single_child, set_rewrite, set_orphans, set_grace,
	set_timeout, set_stop_signal, set_kill_after, set_child_pdeathsig,
	set_isolate, set_session, set_user, set_caps, set_no_new_privs, set_trace,
	set_trace_file, set_report, set_report_file, set_report_format, set_send,
	set_parent_death_signal, set_expect_exit, set_warn_reap, set_pause, set_subreaper,
	set_stop_delay;

/* --restart, --restart-max, --restart-delay. */
setting_fn set_restart, set_restart_max, set_restart_delay;

/* REAPER_VERBOSE and -v: a count 0 to 3 (-vv is "2") or a boolean;
 * REAPER_QUIET and -q: a boolean. */
setting_fn set_verbose, set_quiet;

/* The peers' variables, read as those programs read them. */
setting_fn set_tini_verbosity, set_dumb_init_debug, set_catatonit_debug,
	set_group_if_present, set_dumb_init_setsid;

/* A signal (explain_signal) or also 0 / none (explain_signal_or_zero). */
explain_fn explain_signal, explain_signal_or_zero;

#endif
