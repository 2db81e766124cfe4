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

#include "cli.h"
#include "parse.h"

/* A setter: parse value into cfg; 0 or -errno. */
typedef int setter_fn(struct config *cfg, const char *value);

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

/* An explainer: why value was refused, or false (see settings.h). */
typedef bool explain_fn(const char *value, char *why, size_t size);

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
static int set_each(setter_fn *set, struct config *cfg, const char *list)
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
static bool explain_each(explain_fn *explain, const char *list, char *why, size_t size)
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

static int set_forward(struct config *cfg, const char *value)
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

static int set_orphans(struct config *cfg, const char *value)
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

static int set_grace(struct config *cfg, const char *value)
{
	return parse_duration_ms(value, &cfg->grace_ms);
}

static int set_timeout(struct config *cfg, const char *value)
{
	return parse_duration_ms(value, &cfg->timeout_ms);
}

static int set_kill_after(struct config *cfg, const char *value)
{
	int err = parse_duration_ms(value, &cfg->kill_after_ms);

	if (err == 0)
		cfg->kill_after_set = true;
	return err;
}

static int set_stop_signal(struct config *cfg, const char *value)
{
	return parse_signal(value, false, &cfg->stop_signo);
}

/* "none" or 0 turns it off, also where it would default to KILL. */
static int set_child_pdeathsig(struct config *cfg, const char *value)
{
	if (strcasecmp(value, "none") == 0) {
		cfg->child_pdeathsig = 0;
		return 0;
	}
	return parse_signal(value, true, &cfg->child_pdeathsig);
}

static int set_isolate(struct config *cfg, const char *value)
{
	return set_flag(&cfg->isolate, value);
}

/* --session alone (no value) turns it on. */
static int set_session(struct config *cfg, const char *value)
{
	if (value == NULL) {
		cfg->session = true;
		return 0;
	}
	return set_flag(&cfg->session, value);
}

/* Checked when privileges are prepared (privs.c), where the passwd and
 * group files and the capability names are: here only emptiness. */
static int set_user(struct config *cfg, const char *value)
{
	return set_text(&cfg->user_spec, value);
}

static int set_caps(struct config *cfg, const char *value)
{
	return set_text(&cfg->caps_spec, value);
}

static int set_no_new_privs(struct config *cfg, const char *value)
{
	return set_flag(&cfg->no_new_privs, value);
}

/* Insert in time order; equal times keep the order given. */
static int set_send(struct config *cfg, const char *value)
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

static int set_send_list(struct config *cfg, const char *value)
{
	return set_each(set_send, cfg, value);
}

static int set_trace(struct config *cfg, const char *value)
{
	return set_flag(&cfg->trace, value);
}

/* A trace file implies --trace. */
static int set_trace_file(struct config *cfg, const char *value)
{
	int err = set_text(&cfg->trace_file, value);

	if (err == 0)
		cfg->trace = true;
	return err;
}

static int set_report(struct config *cfg, const char *value)
{
	return set_flag(&cfg->report, value);
}

static int set_single_child(struct config *cfg, const char *value)
{
	bool on;
	int err = parse_bool(value, &on);

	if (err == 0 && on)
		cfg->forward = FWD_CHILD;
	return err;
}

static int set_rewrite(struct config *cfg, const char *value)
{
	int from, to;
	int err = parse_rewrite(value, &from, &to);

	if (err == 0)
		cfg->rewrite[from] = to;
	return err;
}

static int set_expect_exit(struct config *cfg, const char *value)
{
	int code;
	int err = parse_exit_code(value, &code);

	if (err == 0)
		cfg->expect_exit[code] = true;
	return err;
}

static int set_warn_reap(struct config *cfg, const char *value)
{
	return set_flag(&cfg->warn_reap, value);
}

static int set_pause(struct config *cfg, const char *value)
{
	return set_flag(&cfg->pause, value);
}

/* REAPER_VERBOSE counts like -v: 1 (or yes) is -v, 2 is -vv; 3 is
 * accepted like -vvv and means the same as 2. */
static int set_verbose(struct config *cfg, const char *value)
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

static int set_quiet(struct config *cfg, const char *value)
{
	bool on;
	int err = parse_bool(value, &on);

	if (err == 0 && on)
		cfg->verbosity = LOG_ERROR;
	return err;
}

static int set_parent_death_signal(struct config *cfg, const char *value)
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
static int set_tini_verbosity(struct config *cfg, const char *value)
{
	long level = parse_leading_long(value);

	cfg->verbosity = level < 0 || level > LOG_DEBUG ? LOG_DEBUG : (enum log_level)level;
	return 0;
}

/* dumb-init turns its debug output on for DUMB_INIT_DEBUG=1 exactly. */
static int set_dumb_init_debug(struct config *cfg, const char *value)
{
	if (strcmp(value, "1") == 0)
		cfg->verbosity = LOG_DEBUG;
	return 0;
}

/* catatonit logs at its debug level when CATATONIT_DEBUG is set at all,
 * to any value, empty included. */
static int set_catatonit_debug(struct config *cfg, const char *value)
{
	(void)value;
	cfg->verbosity = LOG_DEBUG;
	return 0;
}

/* tini checks only that TINI_KILL_PROCESS_GROUP is set. */
static int set_group_if_present(struct config *cfg, const char *value)
{
	(void)value;
	cfg->forward = FWD_GROUP;
	return 0;
}

/* dumb-init: DUMB_INIT_SETSID=0 means signals go to the child alone. */
static int set_dumb_init_setsid(struct config *cfg, const char *value)
{
	if (strcmp(value, "0") == 0)
		cfg->forward = FWD_CHILD;
	return 0;
}

/* TINI_SUBREAPER: reaper is a subreaper whenever it is not PID 1. */
static int accept_anything(struct config *cfg, const char *value)
{
	(void)cfg;
	(void)value;
	return 0;
}

static int set_rewrite_list(struct config *cfg, const char *value)
{
	return set_each(set_rewrite, cfg, value);
}

static int set_expect_exit_list(struct config *cfg, const char *value)
{
	return set_each(set_expect_exit, cfg, value);
}

/* Why text names no signal (with allow_zero, "0" is one), or false. An
 * empty text is left to expected. */
static bool explain_signal_text(const char *text, bool allow_zero, char *why, size_t size)
{
	int signo;
	int err = parse_signal(text, allow_zero, &signo);

	if (err == 0 || *text == '\0')
		return false;
	if (err == -ERANGE)
		snprintf(why, size, "signals are numbered 1 to %d", SIGRTMAX);
	else
		snprintf(why, size, "unknown signal '%s'", text);
	return true;
}

static bool explain_signal(const char *value, char *why, size_t size)
{
	return explain_signal_text(value, false, why, size);
}

static bool explain_signal_or_zero(const char *value, char *why, size_t size)
{
	return explain_signal_text(value, true, why, size);
}

/* text's part before end (a separator in it) into buf; false when it
 * does not fit, and expected speaks. */
static bool cut(const char *text, const char *end, char *buf, size_t size)
{
	size_t len = (size_t)(end - text);

	if (len >= size)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return true;
}

/* SIG@DURATION: the signal's reason; a bad duration is expected's. */
static bool explain_send(const char *value, char *why, size_t size)
{
	char sig[ITEM_MAX];
	const char *at = strrchr(value, '@');

	return at != NULL && cut(value, at, sig, sizeof(sig)) &&
	       explain_signal_text(sig, false, why, size);
}

static bool explain_send_list(const char *value, char *why, size_t size)
{
	return explain_each(explain_send, value, why, size);
}

/* FROM:TO: FROM first, as a name and then as something reaper can
 * forward at all (KILL, STOP, CHLD), then TO. No colon is expected's. */
static bool explain_rewrite(const char *value, char *why, size_t size)
{
	char source[ITEM_MAX];
	const char *colon = strchr(value, ':');
	int from;

	if (colon == NULL || !cut(value, colon, source, sizeof(source)))
		return false;
	if (explain_signal_text(source, false, why, size))
		return true;
	const char *reason = parse_signal(source, false, &from) == 0
				     ? signal_unforwardable_reason(from) : NULL;
	if (reason != NULL) {
		snprintf(why, size, "%s", reason);
		return true;
	}
	return explain_signal_text(colon + 1, true, why, size);
}

static bool explain_rewrite_list(const char *value, char *why, size_t size)
{
	return explain_each(explain_rewrite, value, why, size);
}

#define FORWARD_VALUES "group, child or tree"
#define ORPHANS_VALUES "terminate, wait, leave or term-leave"
#define DURATION_VALUES "a duration such as 250ms, 10s, 1.5s, 2m, 1h"
#define SEND_VALUES "SIG@DURATION, at most 32"

static const struct setting env_settings[] = {
	/* Compatibility variables first, so REAPER_* override them. */
	{0, "TINI_SUBREAPER", accept_anything, "", NULL},
	{0, "TINI_VERBOSITY", set_tini_verbosity, "", NULL},
	{0, "TINI_KILL_PROCESS_GROUP", set_group_if_present, "", NULL},
	{0, "DUMB_INIT_SETSID", set_dumb_init_setsid, "", NULL},
	{0, "DUMB_INIT_DEBUG", set_dumb_init_debug, "", NULL},
	{0, "CATATONIT_DEBUG", set_catatonit_debug, "", NULL},
	{0, "REAPER_FORWARD", set_forward, FORWARD_VALUES, NULL},
	{0, "REAPER_SINGLE_CHILD", set_single_child, "a boolean", NULL},
	{0, "REAPER_REWRITE", set_rewrite_list, "SIG:SIG[,SIG:SIG...]", explain_rewrite_list},
	{0, "REAPER_EXPECT_EXIT", set_expect_exit_list, "N[,N...] with N 0 to 255", NULL},
	{0, "REAPER_WARN_REAP", set_warn_reap, "a boolean", NULL},
	{0, "REAPER_VERBOSE", set_verbose, "0 to 3 or a boolean", NULL},
	{0, "REAPER_QUIET", set_quiet, "a boolean", NULL},
	{0, "REAPER_PAUSE", set_pause, "a boolean", NULL},
	{0, "REAPER_PARENT_DEATH_SIGNAL", set_parent_death_signal, "a signal", explain_signal},
	{0, "REAPER_ORPHANS", set_orphans, ORPHANS_VALUES, NULL},
	{0, "REAPER_GRACE", set_grace, DURATION_VALUES, NULL},
	{0, "REAPER_TIMEOUT", set_timeout, DURATION_VALUES, NULL},
	{0, "REAPER_KILL_AFTER", set_kill_after, DURATION_VALUES, NULL},
	{0, "REAPER_STOP_SIGNAL", set_stop_signal, "a signal", explain_signal},
	{0, "REAPER_CHILD_PDEATHSIG", set_child_pdeathsig, "a signal or none",
	 explain_signal_or_zero},
	{0, "REAPER_ISOLATE", set_isolate, "a boolean", NULL},
	{0, "REAPER_SESSION", set_session, "a boolean", NULL},
	{0, "REAPER_USER", set_user, "USER[:GROUP]", NULL},
	{0, "REAPER_CAPS", set_caps, "none or a list of capabilities", NULL},
	{0, "REAPER_NO_NEW_PRIVS", set_no_new_privs, "a boolean", NULL},
	{0, "REAPER_TRACE", set_trace, "a boolean", NULL},
	{0, "REAPER_TRACE_FILE", set_trace_file, "a file name", NULL},
	{0, "REAPER_REPORT", set_report, "a boolean", NULL},
	{0, "REAPER_SEND", set_send_list, SEND_VALUES "[,...]", explain_send_list},
};

/* The value-taking options: setter and how to describe a good value. */
static const struct setting option_settings[] = {
	{OPT_FORWARD, "--forward", set_forward, FORWARD_VALUES, NULL},
	{OPT_ORPHANS, "--orphans", set_orphans, ORPHANS_VALUES, NULL},
	{OPT_GRACE, "--grace", set_grace, DURATION_VALUES, NULL},
	{'t', "--timeout", set_timeout, DURATION_VALUES, NULL},
	{'k', "--kill-after", set_kill_after, DURATION_VALUES, NULL},
	{OPT_STOP_SIGNAL, "--stop-signal", set_stop_signal, "a signal", explain_signal},
	{OPT_CHILD_PDEATHSIG, "--child-pdeathsig", set_child_pdeathsig, "a signal or none",
	 explain_signal_or_zero},
	{'u', "--user", set_user, "USER[:GROUP]", NULL},
	{OPT_CAPS, "--caps", set_caps, "none or a list of capabilities", NULL},
	{OPT_TRACE_FILE, "--trace-file", set_trace_file, "a file name", NULL},
	{OPT_SEND, "--send", set_send, SEND_VALUES, explain_send},
	{OPT_SESSION, "--session", set_session, "a boolean", NULL},
	{'r', "--rewrite", set_rewrite, "SIG:SIG, SIG:0 drops", explain_rewrite},
	{'e', "--expect-exit", set_expect_exit, "an exit code 0 to 255", NULL},
	{'p', "--parent-death-signal", set_parent_death_signal, "a signal", explain_signal},
};

const struct setting *settings_environment(size_t *count)
{
	*count = sizeof(env_settings) / sizeof(env_settings[0]);
	return env_settings;
}

const struct setting *settings_option(int key)
{
	for (size_t i = 0; i < sizeof(option_settings) / sizeof(option_settings[0]); i++)
		if (option_settings[i].key == key)
			return &option_settings[i];
	return NULL;
}
