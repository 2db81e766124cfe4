/*
 * cli: argv and environment -> struct config.
 *
 * Owns: the option table, the REAPER_* variables and the compatibility
 * flags and variables of tini, dumb-init and catatonit. Never: a system
 * call, an allocation or output (getopt_long runs with opterr = 0).
 * Invariant: the environment is applied before the command line, and both
 * go through the same setter, so a value means the same thing in either
 * place and the command line wins.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* A setter: parse value into cfg; 0 or -errno. */
typedef int setter_fn(struct config *cfg, const char *value);

static int set_flag(bool *flag, const char *value)
{
	return parse_bool(value, flag);
}

/* Apply a comma-separated list through a one-value setter. */
static int set_each(setter_fn *set, struct config *cfg, const char *list)
{
	char item[64];
	const char *start = list;

	for (;;) {
		const char *end = strchr(start, ',');
		size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
		if (len >= sizeof(item))
			return -EINVAL;
		memcpy(item, start, len);
		item[len] = '\0';
		int err = set(cfg, item);
		if (err < 0)
			return err;
		if (end == NULL)
			return 0;
		start = end + 1;
	}
}

static int set_forward(struct config *cfg, const char *value)
{
	if (strcasecmp(value, "group") == 0)
		cfg->forward = FWD_GROUP;
	else if (strcasecmp(value, "child") == 0)
		cfg->forward = FWD_CHILD;
	else if (strcasecmp(value, "tree") == 0)
		cfg->forward = FWD_TREE;
	else
		return -EINVAL;
	return 0;
}

static int set_orphans(struct config *cfg, const char *value)
{
	if (strcasecmp(value, "terminate") == 0)
		cfg->orphans = ORPHANS_TERMINATE;
	else if (strcasecmp(value, "wait") == 0)
		cfg->orphans = ORPHANS_WAIT;
	else if (strcasecmp(value, "leave") == 0)
		cfg->orphans = ORPHANS_LEAVE;
	else
		return -EINVAL;
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

/* Checked when privileges are prepared (privs.c), where the files and
 * libcap's name table are: here only emptiness. */
static int set_user(struct config *cfg, const char *value)
{
	if (*value == '\0')
		return -EINVAL;
	cfg->user_spec = value;
	return 0;
}

static int set_caps(struct config *cfg, const char *value)
{
	if (*value == '\0')
		return -EINVAL;
	cfg->caps_spec = value;
	return 0;
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
	if (*value == '\0')
		return -EINVAL;
	cfg->trace_file = value;
	cfg->trace = true;
	return 0;
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

/* tini: 0 fatal only, 1 warnings (default), 2 info, 3 debug: our levels. */
static int set_tini_verbosity(struct config *cfg, const char *value)
{
	unsigned long level;
	int err = parse_uint(value, LOG_DEBUG, &level);

	if (err == 0)
		cfg->verbosity = (enum log_level)level;
	return err;
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

#define FORWARD_VALUES "group, child or tree"
#define ORPHANS_VALUES "terminate, wait or leave"
#define DURATION_VALUES "a duration such as 250ms, 10s, 1.5s, 2m, 1h"
#define SEND_VALUES "SIG@DURATION, at most 32"

static const struct env_setting {
	const char *name;
	setter_fn *set;
	const char *expected; /* for the error message */
} env_settings[] = {
	/* Compatibility variables first, so REAPER_* override them. */
	{"TINI_SUBREAPER", accept_anything, ""},
	{"TINI_VERBOSITY", set_tini_verbosity, "0 to 3"},
	{"TINI_KILL_PROCESS_GROUP", set_group_if_present, ""},
	{"DUMB_INIT_SETSID", set_dumb_init_setsid, ""},
	{"REAPER_FORWARD", set_forward, FORWARD_VALUES},
	{"REAPER_SINGLE_CHILD", set_single_child, "a boolean"},
	{"REAPER_REWRITE", set_rewrite_list, "SIG:SIG[,SIG:SIG...]"},
	{"REAPER_EXPECT_EXIT", set_expect_exit_list, "N[,N...] with N 0 to 255"},
	{"REAPER_WARN_REAP", set_warn_reap, "a boolean"},
	{"REAPER_VERBOSE", set_verbose, "0 to 3 or a boolean"},
	{"REAPER_QUIET", set_quiet, "a boolean"},
	{"REAPER_PAUSE", set_pause, "a boolean"},
	{"REAPER_PARENT_DEATH_SIGNAL", set_parent_death_signal, "a signal"},
	{"REAPER_ORPHANS", set_orphans, ORPHANS_VALUES},
	{"REAPER_GRACE", set_grace, DURATION_VALUES},
	{"REAPER_TIMEOUT", set_timeout, DURATION_VALUES},
	{"REAPER_KILL_AFTER", set_kill_after, DURATION_VALUES},
	{"REAPER_STOP_SIGNAL", set_stop_signal, "a signal"},
	{"REAPER_CHILD_PDEATHSIG", set_child_pdeathsig, "a signal or none"},
	{"REAPER_ISOLATE", set_isolate, "a boolean"},
	{"REAPER_USER", set_user, "USER[:GROUP]"},
	{"REAPER_CAPS", set_caps, "none or a list of capabilities"},
	{"REAPER_NO_NEW_PRIVS", set_no_new_privs, "a boolean"},
	{"REAPER_TRACE", set_trace, "a boolean"},
	{"REAPER_TRACE_FILE", set_trace_file, "a file name"},
	{"REAPER_REPORT", set_report, "a boolean"},
	{"REAPER_SEND", set_send_list, SEND_VALUES "[,...]"},
};

static const char *env_get(char *const envp[], const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	}
	return NULL;
}

static enum cli_action usage(struct cli_result *result, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum cli_action usage(struct cli_result *result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->message, sizeof(result->message), fmt, ap);
	va_end(ap);
	/* The message quotes what the user gave, which may hold a newline or
	 * an escape sequence: keep it one line of text that cannot pass for
	 * another log line or drive the terminal. */
	for (char *p = result->message; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	result->action = CLI_USAGE;
	return CLI_USAGE;
}

static enum cli_action apply_environment(struct config *cfg, char *const envp[],
					 struct cli_result *result)
{
	for (size_t i = 0; i < sizeof(env_settings) / sizeof(env_settings[0]); i++) {
		const struct env_setting *s = &env_settings[i];
		const char *value = env_get(envp, s->name);
		if (value != NULL && s->set(cfg, value) < 0)
			return usage(result, "%s: invalid value '%s' (expected %s)",
				     s->name, value, s->expected);
	}
	return CLI_RUN;
}

void cli_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->forward = FWD_GROUP;
	cfg->verbosity = LOG_WARN;
	cfg->orphans = ORPHANS_TERMINATE;
	cfg->grace_ms = 3000;
	cfg->stop_signo = SIGTERM;
	cfg->child_pdeathsig = PDEATHSIG_DEFAULT;
	for (int signo = 0; signo < NSIG; signo++)
		cfg->rewrite[signo] = signo;
}

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
};

static const char short_options[] = "+:hVlLvqwgcsPr:e:p:t:k:u:";
static const struct option long_options[] = {
	{"forward", required_argument, NULL, OPT_FORWARD},
	{"single-child", no_argument, NULL, 'c'},
	{"rewrite", required_argument, NULL, 'r'},
	{"expect-exit", required_argument, NULL, 'e'},
	{"warn-reap", no_argument, NULL, 'w'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"pause", no_argument, NULL, 'P'},
	{"parent-death-signal", required_argument, NULL, 'p'},
	{"subreaper", no_argument, NULL, 's'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"license", no_argument, NULL, 'l'},
	{"orphans", required_argument, NULL, OPT_ORPHANS},
	{"grace", required_argument, NULL, OPT_GRACE},
	{"timeout", required_argument, NULL, 't'},
	{"kill-after", required_argument, NULL, 'k'},
	{"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
	{"child-pdeathsig", required_argument, NULL, OPT_CHILD_PDEATHSIG},
	{"isolate", no_argument, NULL, OPT_ISOLATE},
	{"user", required_argument, NULL, 'u'},
	{"caps", required_argument, NULL, OPT_CAPS},
	{"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"trace-file", required_argument, NULL, OPT_TRACE_FILE},
	{"report", no_argument, NULL, OPT_REPORT},
	{"send", required_argument, NULL, OPT_SEND},
	{NULL, 0, NULL, 0},
};

/* The value-taking options: setter and how to describe a good value. */
static const struct option_setting {
	int key;
	const char *name;
	setter_fn *set;
	const char *expected;
} option_settings[] = {
	{OPT_FORWARD, "--forward", set_forward, FORWARD_VALUES},
	{OPT_ORPHANS, "--orphans", set_orphans, ORPHANS_VALUES},
	{OPT_GRACE, "--grace", set_grace, DURATION_VALUES},
	{'t', "--timeout", set_timeout, DURATION_VALUES},
	{'k', "--kill-after", set_kill_after, DURATION_VALUES},
	{OPT_STOP_SIGNAL, "--stop-signal", set_stop_signal, "a signal"},
	{OPT_CHILD_PDEATHSIG, "--child-pdeathsig", set_child_pdeathsig, "a signal or none"},
	{'u', "--user", set_user, "USER[:GROUP]"},
	{OPT_CAPS, "--caps", set_caps, "none or a list of capabilities"},
	{OPT_TRACE_FILE, "--trace-file", set_trace_file, "a file name"},
	{OPT_SEND, "--send", set_send, SEND_VALUES},
	{'r', "--rewrite", set_rewrite, "SIG:SIG, SIG:0 drops"},
	{'e', "--expect-exit", set_expect_exit, "an exit code 0 to 255"},
	{'p', "--parent-death-signal", set_parent_death_signal, "a signal"},
};

static enum cli_action apply_option(struct config *cfg, int key, const char *value,
				    struct cli_result *result)
{
	for (size_t i = 0; i < sizeof(option_settings) / sizeof(option_settings[0]); i++) {
		const struct option_setting *s = &option_settings[i];
		if (s->key == key && s->set(cfg, value) < 0)
			return usage(result, "%s: invalid value '%s' (expected %s)",
				     s->name, value, s->expected);
	}
	return CLI_RUN;
}

/* Name of the option getopt just rejected, as the user wrote it: a long
 * one by its argument, a short one (maybe inside a cluster) by its letter.
 * arg is the element getopt was reading: not argv[optind - 1], since
 * optind stays on a cluster with letters left ("-Zv"), and the element
 * before it may be a long option or an empty argv[0]. */
static const char *rejected_option(const char *arg, char buf[3])
{
	if (strncmp(arg, "--", 2) == 0)
		return arg;
	buf[0] = '-';
	buf[1] = (char)optopt;
	buf[2] = '\0';
	return buf;
}

enum cli_action cli_parse(struct config *cfg, int argc, char *argv[],
			  char *const envp[], struct cli_result *result)
{
	int verbose = 0, quiet = 0;
	char name[3];

	result->action = CLI_RUN;
	result->message[0] = '\0';
	if (apply_environment(cfg, envp, result) != CLI_RUN)
		return CLI_USAGE;

	optind = 0; /* glibc: a full reset, so cli_parse may run again */
	opterr = 0;
	for (;;) {
		/* getopt starts at argv[1], and optind is the element it reads
		 * next (a cluster it is inside, or the one after). */
		int next = optind > 0 ? optind : 1;
		const char *arg = next < argc ? argv[next] : "";
		int key = getopt_long(argc, argv, short_options, long_options, NULL);
		if (key == -1)
			break;
		switch (key) {
		case 'h': return result->action = CLI_HELP;
		case 'V': return result->action = CLI_VERSION;
		case 'l': case 'L': return result->action = CLI_LICENSE;
		case 'v': verbose++; break;
		case 'q': quiet++; break;
		case 'w': cfg->warn_reap = true; break;
		case 'g': cfg->forward = FWD_GROUP; break;
		case 'c': cfg->forward = FWD_CHILD; break;
		case 's': break; /* tini -s: we are a subreaper whenever not PID 1 */
		case 'P': cfg->pause = true; break;
		case OPT_ISOLATE: cfg->isolate = true; break;
		case OPT_NO_NEW_PRIVS: cfg->no_new_privs = true; break;
		case OPT_TRACE: cfg->trace = true; break;
		case OPT_REPORT: cfg->report = true; break;
		case ':':
			return usage(result, "option '%s' needs a value",
				     rejected_option(arg, name));
		case '?':
			return usage(result, "unknown option '%s'", rejected_option(arg, name));
		default:
			if (apply_option(cfg, key, optarg, result) != CLI_RUN)
				return CLI_USAGE;
			break;
		}
	}
	if (verbose > 0 || quiet > 0) {
		int level = quiet > 0 ? LOG_ERROR : LOG_WARN + verbose;
		cfg->verbosity = (enum log_level)(level > LOG_DEBUG ? LOG_DEBUG : level);
	}

	/* privs.c checks these values later: tell it where each came from. */
	cfg->user_origin = cfg->user_spec == env_get(envp, "REAPER_USER") ? "REAPER_USER" : "--user";
	cfg->caps_origin = cfg->caps_spec == env_get(envp, "REAPER_CAPS") ? "REAPER_CAPS" : "--caps";

	cfg->argv = optind < argc ? &argv[optind] : NULL;
	if (cfg->pause && cfg->argv != NULL)
		return usage(result, "--pause runs no command, but '%s' was given", cfg->argv[0]);
	if (!cfg->pause && cfg->argv == NULL)
		return usage(result, "no command given");
	return CLI_RUN;
}

const char *cli_help(void)
{
	return "Usage: reaper [OPTIONS] [--] COMMAND [ARG...]   or   reaper --pause\n"
	       "Run COMMAND, forward signals to it, reap every zombie, stop what it\n"
	       "leaves behind, and exit with its status (128+S if killed by signal S).\n"
	       "  --forward=group|child|tree  where signals go (default: group)\n"
	       "  -c, --single-child / -g   --forward=child (dumb-init) / group (tini)\n"
	       "  -r, --rewrite SIG:SIG     forward SIG as another; SIG:0 drops it (repeatable)\n"
	       "  --orphans=terminate|wait|leave   left-over processes (default: terminate)\n"
	       "  --grace DURATION          TERM to KILL for left-overs (default: 3s)\n"
	       "  -t, --timeout DURATION    send --stop-signal SIG (TERM) then; exit 124\n"
	       "  -k, --kill-after DURATION KILL everything DURATION after a stop signal\n"
	       "  --child-pdeathsig SIG|none  COMMAND gets SIG if reaper dies (KILL)\n"
	       "  --isolate                 run the job in its own PID namespace\n"
	       "  -u, --user USER[:GROUP]   run as USER; --caps LIST|none; --no-new-privs\n"
	       "  --trace, --trace-file PATH, --report   events as they happen; a summary\n"
	       "  --send SIG@DURATION       send SIG to the job DURATION after start\n"
	       "  -p, --parent-death-signal SIG   get SIG when our parent dies (tini)\n"
	       "  -e, --expect-exit N       exit code N of COMMAND counts as 0 (repeatable)\n"
	       "  -w, --warn-reap           log every reaped process but COMMAND\n"
	       "  -P, --pause               run nothing; reap until TERM or INT\n"
	       "  -v, --verbose / -q, --quiet   more / less log on stderr\n"
	       "  -s (tini; always a subreaper)  -h, --help  -V, --version  -l, --license\n"
	       "REAPER_<NAME> sets an option too (REAPER_TIMEOUT=5m); the command line wins.\n"
	       "Exit: 124 timeout, 125 usage or set-up, 126 cannot run, 127 not found.\n"
	       "More in man reaper.\n";
}

const char *cli_license(void)
{
	return "MIT License\n"
	       "\n"
	       "Copyright (c) 2026 the reaper authors\n"
	       "\n"
	       "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
	       "of this software and associated documentation files (the \"Software\"), to deal\n"
	       "in the Software without restriction, including without limitation the rights\n"
	       "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
	       "copies of the Software, and to permit persons to whom the Software is\n"
	       "furnished to do so, subject to the following conditions:\n"
	       "\n"
	       "The above copyright notice and this permission notice shall be included in all\n"
	       "copies or substantial portions of the Software.\n"
	       "\n"
	       "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
	       "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
	       "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
	       "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
	       "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
	       "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
	       "SOFTWARE.\n";
}
