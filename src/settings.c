/*
 * settings: the setters behind every option and variable (see settings.h).
 *
 * Owns: the value each option and variable accepts, the compatibility
 * meanings of tini's, dumb-init's and catatonit's, and why a value is
 * refused. Never: a system call, an allocation or output. Invariant: an
 * option and its variable share one setter, so a value means the same
 * thing in either place.
 */
#include "settings.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "duration.h"
#include "parse.h"
#include "signame.h"

static int set_flag(bool *flag, const char *value)
{
	return parse_bool(value, flag);
}

/* A text kept as given (it points into argv or environ); not empty. */
static int set_text(const char **field, const char *value)
{
	if (*value == '\0')
		return -EINVAL;
	*field = value;
	return 0;
}

#define ITEM_MAX 64

/* The next item of a comma-separated list into item; *rest moves past it,
 * to NULL after the last. 0, or -EINVAL when the item does not fit. */
static int next_item(const char **rest, char item[ITEM_MAX])
{
	const char *end = strchr(*rest, ',');
	size_t len = end != NULL ? (size_t)(end - *rest) : strlen(*rest);

	if (len >= ITEM_MAX)
		return -EINVAL;
	memcpy(item, *rest, len);
	item[len] = '\0';
	*rest = end != NULL ? end + 1 : NULL;
	return 0;
}

/* Apply a comma-separated list through a one-value setter. */
int settings_set_each(setting_fn *set, struct config *cfg, const char *list)
{
	char item[ITEM_MAX];

	for (const char *rest = list; rest != NULL;) {
		int err = next_item(&rest, item);
		if (err == 0)
			err = set(cfg, item);
		if (err < 0)
			return err;
	}
	return 0;
}

/* The first reason one item of a list gives. */
bool settings_explain_each(explain_fn *explain, const char *list, char *why, size_t size)
{
	char item[ITEM_MAX];

	for (const char *rest = list; rest != NULL;) {
		if (next_item(&rest, item) < 0)
			return false; /* too long: expected says what an item is */
		if (explain(item, why, size))
			return true;
	}
	return false;
}

/* The index of value (any case) among names, or -EINVAL. */
static int choose(const char *value, const char *const names[], size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcasecmp(value, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int set_forward(struct config *cfg, const char *value)
{
	static const char *const names[] = {
		[FWD_GROUP] = "group", [FWD_CHILD] = "child", [FWD_TREE] = "tree",
	};
	int mode = choose(value, names, sizeof(names) / sizeof(names[0]));

	if (mode < 0)
		return mode;
	cfg->forward = (enum forward_mode)mode;
	return 0;
}

int set_orphans(struct config *cfg, const char *value)
{
	static const char *const names[] = {
		[ORPHANS_TERMINATE] = "terminate", [ORPHANS_WAIT] = "wait", [ORPHANS_LEAVE] = "leave",
		[ORPHANS_TERM_LEAVE] = "term-leave",
	};
	int policy = choose(value, names, sizeof(names) / sizeof(names[0]));

	if (policy < 0)
		return policy;
	cfg->orphans = (enum orphan_policy)policy;
	return 0;
}

int set_grace(struct config *cfg, const char *value)
{
	return parse_duration_ms(value, &cfg->grace_ms);
}

int set_timeout(struct config *cfg, const char *value)
{
	return parse_duration_ms(value, &cfg->timeout_ms);
}

int set_stop_delay(struct config *cfg, const char *value)
{
	return parse_duration_ms(value, &cfg->stop_delay_ms);
}

int set_kill_after(struct config *cfg, const char *value)
{
	int err = parse_duration_ms(value, &cfg->kill_after_ms);

	if (err == 0)
		cfg->kill_after_set = true;
	return err;
}

int set_stop_signal(struct config *cfg, const char *value)
{
	return parse_signal(value, false, &cfg->stop_signo);
}

/* "none" or 0 turns it off, also where it would default to KILL. */
int set_child_pdeathsig(struct config *cfg, const char *value)
{
	if (strcasecmp(value, "none") == 0) {
		cfg->child_pdeathsig = 0;
		return 0;
	}
	return parse_signal(value, true, &cfg->child_pdeathsig);
}

int set_isolate(struct config *cfg, const char *value)
{
	return set_flag(&cfg->isolate, value);
}

int set_session(struct config *cfg, const char *value)
{
	return set_flag(&cfg->session, value);
}

/* Checked when privileges are prepared (privs.c), where the passwd and
 * group files and the capability names are: here only emptiness. */
int set_user(struct config *cfg, const char *value)
{
	return set_text(&cfg->user_spec, value);
}

int set_caps(struct config *cfg, const char *value)
{
	return set_text(&cfg->caps_spec, value);
}

int set_no_new_privs(struct config *cfg, const char *value)
{
	return set_flag(&cfg->no_new_privs, value);
}

/* Insert in time order; equal times keep the order given. */
int set_send(struct config *cfg, const char *value)
{
	int signo;
	uint64_t at_ms;
	int err = parse_send(value, &signo, &at_ms);

	if (err < 0)
		return err;
	if (cfg->send_count == SEND_MAX)
		return -E2BIG;
	size_t i = cfg->send_count++;
	for (; i > 0 && cfg->sends[i - 1].at_ms > at_ms; i--)
		cfg->sends[i] = cfg->sends[i - 1];
	cfg->sends[i] = (struct send_at){.signo = signo, .at_ms = at_ms};
	return 0;
}

int set_restart(struct config *cfg, const char *value)
{
	static const char *const names[] = {
		[RESTART_NO] = "no", [RESTART_ON_FAILURE] = "on-failure", [RESTART_ALWAYS] = "always",
	};
	int policy = choose(value, names, sizeof(names) / sizeof(names[0]));

	if (policy < 0)
		return policy;
	cfg->restart = (enum restart_policy)policy;
	return 0;
}

/* At most RESTART_UNLIMITED - 1: the default, no limit, is not a number. */
int set_restart_max(struct config *cfg, const char *value)
{
	unsigned long max;
	int err = parse_uint(value, RESTART_UNLIMITED - 1, &max);

	if (err == 0)
		cfg->restart_max = (unsigned)max;
	return err;
}

int set_restart_delay(struct config *cfg, const char *value)
{
	return parse_duration_ms(value, &cfg->restart_delay_ms);
}

int set_trace(struct config *cfg, const char *value)
{
	return set_flag(&cfg->trace, value);
}

/* A trace file implies --trace. */
int set_trace_file(struct config *cfg, const char *value)
{
	int err = set_text(&cfg->trace_file, value);

	if (err == 0)
		cfg->trace = true;
	return err;
}

int set_report(struct config *cfg, const char *value)
{
	return set_flag(&cfg->report, value);
}

/* Checked when it is opened, before the job starts (reportfile.c). */
int set_report_file(struct config *cfg, const char *value)
{
	return set_text(&cfg->report_file, value);
}

int set_report_format(struct config *cfg, const char *value)
{
	static const char *const names[] = {
		[REPORT_TEXT] = "text", [REPORT_JSON] = "json",
	};
	int format = choose(value, names, sizeof(names) / sizeof(names[0]));

	if (format < 0)
		return format;
	cfg->report_format = (enum report_format)format;
	return 0;
}

int set_single_child(struct config *cfg, const char *value)
{
	bool on;
	int err = parse_bool(value, &on);

	if (err == 0 && on)
		cfg->forward = FWD_CHILD;
	return err;
}

int set_rewrite(struct config *cfg, const char *value)
{
	int from, to;
	int err = parse_rewrite(value, &from, &to);

	if (err == 0)
		cfg->rewrite[from] = to;
	return err;
}

int set_expect_exit(struct config *cfg, const char *value)
{
	int code;
	int err = parse_exit_code(value, &code);

	if (err == 0)
		cfg->expect_exit[code] = true;
	return err;
}

int set_warn_reap(struct config *cfg, const char *value)
{
	return set_flag(&cfg->warn_reap, value);
}

int set_pause(struct config *cfg, const char *value)
{
	return set_flag(&cfg->pause, value);
}

/* REAPER_VERBOSE counts like -v: 1 (or yes) is -v, 2 is -vv; 3 is
 * accepted like -vvv and means the same as 2. */
int set_verbose(struct config *cfg, const char *value)
{
	unsigned long count;
	bool on;

	if (parse_uint(value, 3, &count) == 0) {
		count = count > LOG_DEBUG - LOG_WARN ? LOG_DEBUG - LOG_WARN : count;
		cfg->verbosity = (enum log_level)(LOG_WARN + count);
		return 0;
	}
	int err = parse_bool(value, &on);
	if (err == 0)
		cfg->verbosity = on ? LOG_INFO : LOG_WARN;
	return err;
}

int set_quiet(struct config *cfg, const char *value)
{
	bool on;
	int err = parse_bool(value, &on);

	if (err == 0 && on)
		cfg->verbosity = LOG_ERROR;
	return err;
}

int set_parent_death_signal(struct config *cfg, const char *value)
{
	return parse_signal(value, false, &cfg->parent_death_signo);
}

/*
 * tini reads TINI_VERBOSITY with atoi(3) into an unsigned int, and refuses
 * nothing: "", "text" are 0, "4abc" is 4, "-1" wraps to the most. Its
 * scale is ours shifted by nothing: 0 fatal errors only (our ERROR), 1
 * warnings too (its default, our WARN), 2 info (INFO), 3 debug (DEBUG);
 * 4 and up add its trace lines, the most we have is DEBUG. So the number
 * is ours, clamped, and a negative one is DEBUG, as it is everything to
 * tini. A value tini runs with must not stop reaper.
 */
int set_tini_verbosity(struct config *cfg, const char *value)
{
	long level = parse_leading_long(value);

	cfg->verbosity = level < 0 || level > LOG_DEBUG ? LOG_DEBUG : (enum log_level)level;
	return 0;
}

/* dumb-init turns its debug output on for DUMB_INIT_DEBUG=1 exactly. */
int set_dumb_init_debug(struct config *cfg, const char *value)
{
	if (strcmp(value, "1") == 0)
		cfg->verbosity = LOG_DEBUG;
	return 0;
}

/* catatonit logs at its debug level when CATATONIT_DEBUG is set at all,
 * to any value, empty included. */
int set_catatonit_debug(struct config *cfg, const char *value)
{
	(void)value;
	cfg->verbosity = LOG_DEBUG;
	return 0;
}

/* tini checks only that TINI_KILL_PROCESS_GROUP is set. */
int set_group_if_present(struct config *cfg, const char *value)
{
	(void)value;
	cfg->forward = FWD_GROUP;
	return 0;
}

/* dumb-init: DUMB_INIT_SETSID=0 means signals go to the child alone. */
int set_dumb_init_setsid(struct config *cfg, const char *value)
{
	if (strcmp(value, "0") == 0)
		cfg->forward = FWD_CHILD;
	return 0;
}

/* -s, --subreaper and TINI_SUBREAPER (tini): accepted, and nothing to
 * do, since reaper is a subreaper whenever it is not PID 1. */
int set_subreaper(struct config *cfg, const char *value)
{
	(void)cfg;
	(void)value;
	return 0;
}

bool explain_signal(const char *value, char *why, size_t size)
{
	return signal_explain(value, false, why, size);
}

bool explain_signal_or_zero(const char *value, char *why, size_t size)
{
	return signal_explain(value, true, why, size);
}
