/*
 * options: the table of options (see options.h).
 *
 * Owns: every spelling of every option, and the order in which --help
 * lists them and the environment applies them. Never: a system call, an
 * allocation, output. Invariants: a letter, a long name and a variable
 * name each appear once; every option is named by some line of --help
 * (check_cli's table tests hold both).
 */
#include "options.h"

#include <string.h>

#include "settings.h"
#include "signame.h"

#define FORWARD_VALUES "group, child or tree"
#define ORPHANS_VALUES "terminate, wait, leave or term-leave"
#define DURATION_VALUES "a duration such as 250ms, 10s, 1.5s, 2m, 1h"
#define RESTART_VALUES "no, on-failure or always"
#define SEND_VALUES "SIG@DURATION, at most 32"
#define BOOLEAN "a boolean"

/* A row's peers: an array of its own, so that rows without any (most)
 * carry no room for them. */
#define PEERS(...) \
	.peers = (const struct option_peer[]){__VA_ARGS__}, \
	.peer_count = sizeof((const struct option_peer[]){__VA_ARGS__}) / sizeof(struct option_peer)

/* Variables read first, so the REAPER_* ones override them. Within a row,
 * and from row to row, in table order: REAPER_FORWARD before
 * REAPER_SINGLE_CHILD, REAPER_VERBOSE before REAPER_QUIET, REAPER_TRACE
 * before REAPER_TRACE_FILE. */
static const struct option_row rows[] = {
	{.name = "forward", .kind = OPTION_VALUE, .variable = "REAPER_FORWARD",
	 .set = set_forward, .expected = FORWARD_VALUES,
	 PEERS({.letter = 'g', .value = "group"}, /* tini, catatonit */
	       {.variable = "TINI_KILL_PROCESS_GROUP", .set = set_group_if_present},
	       {.variable = "DUMB_INIT_SETSID", .set = set_dumb_init_setsid}),
	 .help = "  --forward=group|child|tree  where signals go (default: group)\n"},
	{.name = "single-child", .letter = 'c', .kind = OPTION_FLAG,
	 .variable = "REAPER_SINGLE_CHILD", .set = set_single_child, .expected = BOOLEAN,
	 .help = "  -c, --single-child / -g   --forward=child (dumb-init) / group (tini)\n"},
	{.name = "rewrite", .letter = 'r', .kind = OPTION_VALUE, .variable = "REAPER_REWRITE",
	 .set = set_rewrite, .expected = "SIG:SIG, SIG:0 drops",
	 .explain = signal_explain_rewrite, .list = true,
	 .list_expected = "SIG:SIG[,SIG:SIG...]",
	 .help = "  -r, --rewrite SIG:SIG     forward SIG as another; SIG:0 drops it (repeatable)\n"},
	{.name = "orphans", .kind = OPTION_VALUE, .variable = "REAPER_ORPHANS",
	 .set = set_orphans, .expected = ORPHANS_VALUES,
	 .help = "  --orphans=terminate|wait|leave|term-leave   left-overs (default: terminate)\n"},
	{.name = "grace", .kind = OPTION_VALUE, .variable = "REAPER_GRACE",
	 .set = set_grace, .expected = DURATION_VALUES,
	 .help = "  --grace DURATION          TERM to KILL for left-overs (default: 3s)\n"},
	{.name = "timeout", .letter = 't', .kind = OPTION_VALUE, .variable = "REAPER_TIMEOUT",
	 .set = set_timeout, .expected = DURATION_VALUES,
	 .help = "  -t, --timeout DURATION    send --stop-signal SIG (TERM) then; exit 124\n"},
	{.name = "stop-signal", .kind = OPTION_VALUE, .variable = "REAPER_STOP_SIGNAL",
	 .set = set_stop_signal, .expected = "a signal", .explain = explain_signal},
	{.name = "kill-after", .letter = 'k', .kind = OPTION_VALUE,
	 .variable = "REAPER_KILL_AFTER", .set = set_kill_after, .expected = DURATION_VALUES,
	 .help = "  -k, --kill-after D, --stop-delay D   KILL D after a stop signal; hold TERM D\n"},
	{.name = "stop-delay", .kind = OPTION_VALUE, .variable = "REAPER_STOP_DELAY",
	 .set = set_stop_delay, .expected = DURATION_VALUES},
	{.name = "child-pdeathsig", .kind = OPTION_VALUE, .variable = "REAPER_CHILD_PDEATHSIG",
	 .set = set_child_pdeathsig, .expected = "a signal or none",
	 .explain = explain_signal_or_zero,
	 .help = "  --child-pdeathsig SIG|none  COMMAND gets SIG if reaper dies (KILL)\n"},
	{.name = "isolate", .kind = OPTION_FLAG, .variable = "REAPER_ISOLATE",
	 .set = set_isolate, .expected = BOOLEAN,
	 .help = "  --isolate / --session[=no]   the job in its own PID namespace / session\n"},
	{.name = "session", .kind = OPTION_SWITCH, .variable = "REAPER_SESSION",
	 .set = set_session, .expected = BOOLEAN},
	{.name = "user", .letter = 'u', .kind = OPTION_VALUE, .variable = "REAPER_USER",
	 .set = set_user, .expected = "USER[:GROUP]",
	 .help = "  -u, --user USER[:GROUP]   run as USER; --caps LIST|none; --no-new-privs\n"},
	{.name = "caps", .kind = OPTION_VALUE, .variable = "REAPER_CAPS",
	 .set = set_caps, .expected = "none or a list of capabilities"},
	{.name = "no-new-privs", .kind = OPTION_FLAG, .variable = "REAPER_NO_NEW_PRIVS",
	 .set = set_no_new_privs, .expected = BOOLEAN},
	{.name = "trace", .kind = OPTION_FLAG, .variable = "REAPER_TRACE",
	 .set = set_trace, .expected = BOOLEAN,
	 .help = "  --trace, --trace-file PATH, --report   events as they happen; a summary\n"},
	{.name = "trace-file", .kind = OPTION_VALUE, .variable = "REAPER_TRACE_FILE",
	 .set = set_trace_file, .expected = "a file name"},
	{.name = "report", .kind = OPTION_FLAG, .variable = "REAPER_REPORT",
	 .set = set_report, .expected = BOOLEAN},
	{.name = "report-file", .kind = OPTION_VALUE, .variable = "REAPER_REPORT_FILE",
	 .set = set_report_file, .expected = "a file name",
	 .help = "  --report-file PATH, --report-format=text|json   the summary in a file\n"},
	{.name = "report-format", .kind = OPTION_VALUE, .variable = "REAPER_REPORT_FORMAT",
	 .set = set_report_format, .expected = "text or json"},
	{.name = "send", .kind = OPTION_VALUE, .variable = "REAPER_SEND",
	 .set = set_send, .expected = SEND_VALUES, .explain = signal_explain_send,
	 .list = true, .list_expected = SEND_VALUES "[,...]",
	 .help = "  --send SIG@DURATION       send SIG to the job DURATION after start\n"},
	/* --restart and its two settings: one line of --help. */
	{.name = "restart", .kind = OPTION_VALUE, .variable = "REAPER_RESTART",
	 .set = set_restart, .expected = RESTART_VALUES,
	 .help = "  --restart=no|on-failure|always  --restart-max N  --restart-delay DURATION\n"},
	{.name = "restart-max", .kind = OPTION_VALUE, .variable = "REAPER_RESTART_MAX",
	 .set = set_restart_max, .expected = "a number of restarts"},
	{.name = "restart-delay", .kind = OPTION_VALUE, .variable = "REAPER_RESTART_DELAY",
	 .set = set_restart_delay, .expected = DURATION_VALUES},
	{.name = "parent-death-signal", .letter = 'p', .kind = OPTION_VALUE,
	 .variable = "REAPER_PARENT_DEATH_SIGNAL", .set = set_parent_death_signal,
	 .expected = "a signal", .explain = explain_signal,
	 .help = "  -p, --parent-death-signal SIG   get SIG when our parent dies (tini)\n"},
	{.name = "expect-exit", .letter = 'e', .kind = OPTION_VALUE,
	 .variable = "REAPER_EXPECT_EXIT", .set = set_expect_exit,
	 .expected = "an exit code 0 to 255", .list = true,
	 .list_expected = "N[,N...] with N 0 to 255",
	 .help = "  -e, --expect-exit N  exit code N counts as 0;  -P, --pause  reap until TERM\n"},
	{.name = "warn-reap", .letter = 'w', .kind = OPTION_FLAG, .variable = "REAPER_WARN_REAP",
	 .set = set_warn_reap, .expected = BOOLEAN}, /* on the line of -v */
	{.name = "pause", .letter = 'P', .kind = OPTION_FLAG, .variable = "REAPER_PAUSE",
	 .set = set_pause, .expected = BOOLEAN}, /* on the line of -e */
	/* -v and -q count, so that -q wins over -v wherever it stands. */
	{.name = "verbose", .letter = 'v', .kind = OPTION_COUNT, .count_max = 3,
	 .variable = "REAPER_VERBOSE", .set = set_verbose, .expected = "0 to 3 or a boolean",
	 PEERS({.variable = "TINI_VERBOSITY", .set = set_tini_verbosity},
	       {.variable = "DUMB_INIT_DEBUG", .set = set_dumb_init_debug},
	       {.variable = "CATATONIT_DEBUG", .set = set_catatonit_debug}),
	 .help = "  -v, --verbose / -q, --quiet   more / less log; -w, --warn-reap: each reap\n"},
	{.name = "quiet", .letter = 'q', .kind = OPTION_COUNT, .count_max = 1,
	 .variable = "REAPER_QUIET", .set = set_quiet, .expected = BOOLEAN},
	{.name = "subreaper", .letter = 's', .kind = OPTION_FLAG, .set = set_subreaper,
	 .expected = "", PEERS({.variable = "TINI_SUBREAPER", .set = set_subreaper}),
	 .help = "  -s (tini; always a subreaper)  -h, --help  -V, --version  -l, --license\n"},
	{.name = "help", .letter = 'h', .kind = OPTION_HELP},
	{.name = "version", .letter = 'V', .kind = OPTION_VERSION},
	{.name = "license", .letter = 'l', .kind = OPTION_LICENSE,
	 PEERS({.letter = 'L'})},
};

#define ROW_COUNT (sizeof(rows) / sizeof(rows[0]))
_Static_assert(ROW_COUNT <= OPTIONS_MAX, "raise OPTIONS_MAX");

/* Long-only options' getopt keys: above any char getopt returns. */
#define LONG_KEY_BASE 256

const struct option_row *options_table(size_t *count)
{
	*count = ROW_COUNT;
	return rows;
}

int options_key(size_t i)
{
	return rows[i].letter != 0 ? rows[i].letter : LONG_KEY_BASE + (int)i;
}

const struct option_row *options_find(int key, const char **peer_value)
{
	*peer_value = NULL;
	if (key >= LONG_KEY_BASE)
		return (size_t)(key - LONG_KEY_BASE) < ROW_COUNT ? &rows[key - LONG_KEY_BASE] : NULL;
	for (size_t i = 0; i < ROW_COUNT; i++) {
		if (rows[i].letter == key)
			return &rows[i];
		for (size_t p = 0; p < rows[i].peer_count; p++) {
			if (key != 0 && rows[i].peers[p].letter == key) {
				*peer_value = rows[i].peers[p].value;
				return &rows[i];
			}
		}
	}
	return NULL;
}

static bool names(const char *variable, const char *name, size_t len)
{
	return variable != NULL && strncmp(variable, name, len) == 0 && variable[len] == '\0';
}

bool options_reads_variable(const char *name, size_t len)
{
	for (size_t i = 0; i < ROW_COUNT; i++) {
		if (names(rows[i].variable, name, len))
			return true;
		for (size_t p = 0; p < rows[i].peer_count; p++)
			if (names(rows[i].peers[p].variable, name, len))
				return true;
	}
	return false;
}
