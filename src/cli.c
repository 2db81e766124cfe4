/*
 * cli: argv and environment -> struct config.
 *
 * Owns: reading argv (getopt_long, its tables built from options.c's
 * table) and the environment, the order they apply in, and the usage
 * messages; what each value does is settings.c's. Never: a system call,
 * an allocation or output (getopt_long runs with opterr = 0; --help is
 * put together in static storage). Invariant: every option, flags
 * included, and every variable goes through its row's setter, so a value
 * means the same thing in either place; the environment is applied
 * before the command line, so the command line wins.
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "settings.h"

const char *cli_getenv(char *const envp[], const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	}
	return NULL;
}

/* A message quotes what the user gave, which may hold a newline or an
 * escape sequence: keep it one line of text that cannot pass for another
 * log line or drive the terminal. */
static void one_line(char *text)
{
	for (char *p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static enum cli_action usage(struct cli_result *result, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum cli_action usage(struct cli_result *result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->message, sizeof(result->message), fmt, ap);
	va_end(ap);
	one_line(result->message);
	result->action = CLI_USAGE;
	return CLI_USAGE;
}

/* value, given as prefix and name ("--" "timeout", "" "REAPER_SEND"), was
 * refused by row's setter: say why when the row can tell, else what it
 * takes. A variable holding a list is described as one. */
static enum cli_action refuse(struct cli_result *result, const char *prefix, const char *name,
			      const struct option_row *row, bool list, const char *value)
{
	const char *expected = list ? row->list_expected : row->expected;
	char why[128];
	bool told = row->explain != NULL &&
		    (list ? settings_explain_each(row->explain, value, why, sizeof(why))
			  : row->explain(value, why, sizeof(why)));

	if (told)
		return usage(result, "%s%s: invalid value '%s' (%s)", prefix, name, value, why);
	return usage(result, "%s%s: invalid value '%s' (expected %s)", prefix, name, value,
		     expected);
}

static bool is_reaper_variable(const char *name)
{
	return strncmp(name, "REAPER_", 7) == 0;
}

/* The peers' variables first, read as those programs read them (empty
 * included), so that reaper's own override them. */
static enum cli_action apply_peer_variables(struct config *cfg, char *const envp[],
					    struct cli_result *result)
{
	size_t count;
	const struct option_row *rows = options_table(&count);

	for (size_t i = 0; i < count; i++) {
		for (size_t p = 0; p < rows[i].peer_count; p++) {
			const struct option_peer *peer = &rows[i].peers[p];
			const char *value = peer->variable != NULL ? cli_getenv(envp, peer->variable)
								     : NULL;
			if (value != NULL && peer->set(cfg, value) < 0)
				return usage(result, "%s: invalid value '%s'", peer->variable, value);
		}
	}
	return CLI_RUN;
}

/* An empty REAPER_* variable is an unset one: compose files and env
 * files blank a variable to turn it off. */
static enum cli_action apply_environment(struct config *cfg, char *const envp[],
					 struct cli_result *result)
{
	size_t count;
	const struct option_row *rows = options_table(&count);

	if (apply_peer_variables(cfg, envp, result) != CLI_RUN)
		return CLI_USAGE;
	for (size_t i = 0; i < count; i++) {
		const struct option_row *row = &rows[i];
		const char *value = row->variable != NULL ? cli_getenv(envp, row->variable) : NULL;
		if (value == NULL || *value == '\0')
			continue;
		int err = row->list ? settings_set_each(row->set, cfg, value) : row->set(cfg, value);
		if (err < 0)
			return refuse(result, "", row->variable, row, row->list, value);
	}
	return CLI_RUN;
}

/* A REAPER_* variable no option reads is most likely a misspelt one
 * (REAPER_TIMOUT=5): a warning, not silence, and not a refusal, since a
 * newer reaper's variable must not stop an older one. */
static void warn_unknown_variables(char *const envp[], struct cli_result *result)
{
	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
		const char *entry = envp[i];
		size_t len = strcspn(entry, "=");
		bool empty = entry[len] == '\0' || entry[len + 1] == '\0'; /* as good as unset */
		if (!is_reaper_variable(entry) || empty || options_reads_variable(entry, len))
			continue;
		if (result->warning_count < CLI_WARNINGS_MAX) {
			char *line = result->warnings[result->warning_count];
			snprintf(line, sizeof(result->warnings[0]), "unknown variable %.*s, ignored",
				 (int)(len < 96 ? len : 96), entry);
			one_line(line);
		}
		result->warning_count++;
	}
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
	cfg->restart_max = RESTART_UNLIMITED;
	cfg->restart_delay_ms = 1000;
	for (int signo = 0; signo < NSIG; signo++)
		cfg->rewrite[signo] = signo;
}


/* getopt_long's tables from the option table: a letter per row and peer
 * letter (':' after one that takes a value), a long option per row.
 * "+": stop at the first non-option; ":": report a missing value as ':'. */
static void build_getopt(char shorts[3 * OPTIONS_MAX + 3], struct option longs[OPTIONS_MAX + 1])
{
	size_t count, s = 0, l = 0;
	const struct option_row *rows = options_table(&count);

	shorts[s++] = '+';
	shorts[s++] = ':';
	for (size_t i = 0; i < count; i++) {
		const struct option_row *row = &rows[i];
		bool value = row->kind == OPTION_VALUE;
		if (row->letter != 0) {
			shorts[s++] = row->letter;
			if (value)
				shorts[s++] = ':';
		}
		for (size_t p = 0; p < row->peer_count; p++)
			if (row->peers[p].letter != 0)
				shorts[s++] = row->peers[p].letter;
		int has_arg = value				  ? required_argument
			      : row->kind == OPTION_SWITCH ? optional_argument
							   : no_argument;
		longs[l++] = (struct option){row->name, has_arg, NULL, options_key(i)};
	}
	shorts[s] = '\0';
	longs[l] = (struct option){NULL, 0, NULL, 0};
}

/* Run value through row's setter, naming the option as --name. */
static enum cli_action apply_option(struct config *cfg, const struct option_row *row,
				    const char *value, struct cli_result *result)
{
	if (row->set(cfg, value) < 0)
		return refuse(result, "--", row->name, row, false, value);
	return CLI_RUN;
}

/* The counted options, after the whole command line: each setter gets how
 * many times its option was given, at most its count_max. */
static enum cli_action apply_counts(struct config *cfg, const unsigned counts[OPTIONS_MAX],
				    struct cli_result *result)
{
	size_t count;
	const struct option_row *rows = options_table(&count);

	for (size_t i = 0; i < count; i++) {
		if (rows[i].kind != OPTION_COUNT || counts[i] == 0)
			continue;
		unsigned n = counts[i] < rows[i].count_max ? counts[i] : rows[i].count_max;
		char text[2] = {(char)('0' + (n < 9 ? n : 9)), '\0'};
		if (apply_option(cfg, &rows[i], text, result) != CLI_RUN)
			return CLI_USAGE;
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

/* What one option getopt returned does: an action to return, a count,
 * or its setter run (a peer letter with its fixed value, a flag with
 * "1"). CLI_RUN to go on. */
static enum cli_action take_option(struct config *cfg, const struct option_row *rows,
				   const struct option_row *row, const char *peer_value,
				   unsigned counts[OPTIONS_MAX], struct cli_result *result)
{
	switch (row->kind) {
	case OPTION_HELP:
		return result->action = CLI_HELP;
	case OPTION_VERSION:
		return result->action = CLI_VERSION;
	case OPTION_LICENSE:
		return result->action = CLI_LICENSE;
	case OPTION_COUNT:
		counts[row - rows]++;
		return CLI_RUN;
	case OPTION_FLAG:
		return apply_option(cfg, row, peer_value != NULL ? peer_value : "1", result);
	case OPTION_SWITCH:
		return apply_option(cfg, row, optarg != NULL ? optarg : "1", result);
	case OPTION_VALUE:
		return apply_option(cfg, row, peer_value != NULL ? peer_value : optarg, result);
	}
	return CLI_RUN;
}

enum cli_action cli_parse(struct config *cfg, int argc, char *argv[],
			  char *const envp[], struct cli_result *result)
{
	char shorts[3 * OPTIONS_MAX + 3], name[3];
	struct option longs[OPTIONS_MAX + 1];
	unsigned counts[OPTIONS_MAX] = {0};
	size_t count;
	const struct option_row *rows = options_table(&count);

	result->action = CLI_RUN;
	result->message[0] = '\0';
	result->warning_count = 0;
	warn_unknown_variables(envp, result);
	if (apply_environment(cfg, envp, result) != CLI_RUN)
		return CLI_USAGE;

	build_getopt(shorts, longs);
	optind = 0; /* glibc: a full reset, so cli_parse may run again */
	opterr = 0;
	for (;;) {
		/* getopt starts at argv[1], and optind is the element it reads
		 * next (a cluster it is inside, or the one after). */
		int next = optind > 0 ? optind : 1;
		const char *arg = next < argc ? argv[next] : "";
		int key = getopt_long(argc, argv, shorts, longs, NULL);
		if (key == -1)
			break;
		if (key == ':')
			return usage(result, "option '%s' needs a value", rejected_option(arg, name));
		const char *peer_value;
		const struct option_row *row = options_find(key, &peer_value);
		if (key == '?' || row == NULL)
			return usage(result, "unknown option '%s'", rejected_option(arg, name));
		enum cli_action action = take_option(cfg, rows, row, peer_value, counts, result);
		if (action != CLI_RUN)
			return action;
	}
	if (apply_counts(cfg, counts, result) != CLI_RUN)
		return CLI_USAGE;

	/* privs.c checks these values later: tell it where each came from. */
	cfg->user_origin = cfg->user_spec == cli_getenv(envp, "REAPER_USER") ? "REAPER_USER" : "--user";
	cfg->caps_origin = cfg->caps_spec == cli_getenv(envp, "REAPER_CAPS") ? "REAPER_CAPS" : "--caps";

	cfg->argv = optind < argc ? &argv[optind] : NULL;
	if (cfg->pause && cfg->argv != NULL)
		return usage(result, "--pause runs no command, but '%s' was given", cfg->argv[0]);
	if (!cfg->pause && cfg->argv == NULL)
		return usage(result, "no command given");
	if (cfg->restart != RESTART_NO && (cfg->pause || cfg->isolate))
		return usage(result, "--restart cannot be combined with %s",
			     cfg->pause ? "--pause" : "--isolate");
	return CLI_RUN;
}

/* src's bytes onto the string in buf (size bytes), cut to fit. */
static void append(char *buf, size_t size, const char *src)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s", src);
}

const char *cli_help(void)
{
	static char text[2048];
	size_t count;
	const struct option_row *rows = options_table(&count);

	text[0] = '\0';
	append(text, sizeof(text),
	       "Usage: reaper [OPTIONS] [--] COMMAND [ARG...]   or   reaper --pause\n"
	       "Run COMMAND, forward signals to it, reap every zombie, stop what it\n"
	       "leaves behind, and exit with its status (128+S if killed by signal S).\n");
	for (size_t i = 0; i < count; i++)
		if (rows[i].help != NULL)
			append(text, sizeof(text), rows[i].help);
	append(text, sizeof(text),
	       "REAPER_<NAME> sets an option too (REAPER_TIMEOUT=5m); the command line wins.\n"
	       "Exit: 124 timeout, 125 usage or set-up, 126 cannot run, 127 not found.\n"
	       "More in man reaper.\n");
	return text;
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
