/*
 * cli: argv and environment -> struct config.
 *
 * Owns: the getopt table (the compatibility flags of tini, dumb-init and
 * catatonit included), reading argv and the environment, and the usage
 * messages; what each value does is settings.c's. Never: a system call,
 * an allocation or output (getopt_long runs with opterr = 0). Invariant:
 * the environment is applied before the command line, and both go through
 * the same setter, so a value means the same thing in either place and
 * the command line wins.
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

/* value was refused by s: say why when s can tell, else what it takes. */
static enum cli_action refuse(struct cli_result *result, const struct setting *s,
			      const char *value)
{
	char why[128];

	if (s->explain != NULL && s->explain(value, why, sizeof(why)))
		return usage(result, "%s: invalid value '%s' (%s)", s->name, value, why);
	return usage(result, "%s: invalid value '%s' (expected %s)", s->name, value, s->expected);
}

static bool is_reaper_variable(const char *name)
{
	return strncmp(name, "REAPER_", 7) == 0;
}

/* An empty REAPER_* variable is an unset one: compose files and env
 * files blank a variable to turn it off. The other programs' variables
 * are read as those programs read them, empty included. */
static enum cli_action apply_environment(struct config *cfg, char *const envp[],
					 struct cli_result *result)
{
	size_t count;
	const struct setting *settings = settings_environment(&count);

	for (size_t i = 0; i < count; i++) {
		const struct setting *s = &settings[i];
		const char *value = cli_getenv(envp, s->name);
		if (value == NULL || (*value == '\0' && is_reaper_variable(s->name)))
			continue;
		if (s->set(cfg, value) < 0)
			return refuse(result, s, value);
	}
	return CLI_RUN;
}

/* Whether a setting reads the variable named by the len bytes at name. */
static bool is_known_variable(const char *name, size_t len)
{
	size_t count;
	const struct setting *settings = settings_environment(&count);

	for (size_t i = 0; i < count; i++)
		if (strncmp(settings[i].name, name, len) == 0 && settings[i].name[len] == '\0')
			return true;
	return false;
}

/* A REAPER_* variable no setting reads is most likely a misspelt one
 * (REAPER_TIMOUT=5): a warning, not silence, and not a refusal, since a
 * newer reaper's variable must not stop an older one. */
static void warn_unknown_variables(char *const envp[], struct cli_result *result)
{
	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
		const char *entry = envp[i];
		size_t len = strcspn(entry, "=");
		bool empty = entry[len] == '\0' || entry[len + 1] == '\0'; /* as good as unset */
		if (!is_reaper_variable(entry) || empty || is_known_variable(entry, len))
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
	for (int signo = 0; signo < NSIG; signo++)
		cfg->rewrite[signo] = signo;
}


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
	{"session", optional_argument, NULL, OPT_SESSION},
	{NULL, 0, NULL, 0},
};



static enum cli_action apply_option(struct config *cfg, int key, const char *value,
				    struct cli_result *result)
{
	const struct setting *s = settings_option(key);

	if (s != NULL && s->set(cfg, value) < 0)
		return refuse(result, s, value);
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
	result->warning_count = 0;
	warn_unknown_variables(envp, result);
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
	cfg->user_origin = cfg->user_spec == cli_getenv(envp, "REAPER_USER") ? "REAPER_USER" : "--user";
	cfg->caps_origin = cfg->caps_spec == cli_getenv(envp, "REAPER_CAPS") ? "REAPER_CAPS" : "--caps";

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
	       "  --orphans=terminate|wait|leave|term-leave   left-overs (default: terminate)\n"
	       "  --grace DURATION          TERM to KILL for left-overs (default: 3s)\n"
	       "  -t, --timeout DURATION    send --stop-signal SIG (TERM) then; exit 124\n"
	       "  -k, --kill-after DURATION KILL everything DURATION after a stop signal\n"
	       "  --child-pdeathsig SIG|none  COMMAND gets SIG if reaper dies (KILL)\n"
	       "  --isolate / --session[=no]   the job in its own PID namespace / session\n"
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
