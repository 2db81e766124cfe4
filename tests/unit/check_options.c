/*
 * check_options: the option table of src/options.h, row by row. Every
 * spelling is unique (long names, letters with the peers' letters,
 * variables with the peers' variables) and REAPER_<NAME> is the long name
 * in capitals; options_find finds each row by its getopt key and each
 * peer letter; every option and letter is named in --help; and the
 * getopt tables and the environment reader cli.c builds from the table
 * take every row in each of its spellings (--name, -x, REAPER_*, the
 * peers'), while a letter no row has is refused.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "settings.h"
#include "unit_util.h"

#define MAX_ARGS 6
#define MAX_ENV 2

#include "unit_cli.h"

static const struct option_row *rows;
static size_t row_count;

static void load(void)
{
	rows = options_table(&row_count);
}

/* A value each value-taking option accepts. Adding an option means adding
 * its row here: test_accepts fails until then. */
static const struct {
	const char *name, *value;
} samples[] = {
	{"forward", "child"},        {"rewrite", "HUP:TERM"},  {"orphans", "wait"},
	{"grace", "1s"},             {"timeout", "5s"},        {"stop-signal", "INT"},
	{"kill-after", "2s"},        {"child-pdeathsig", "none"}, {"user", "nobody"},
	{"caps", "none"},            {"trace-file", "/tmp/t"}, {"send", "TERM@1s"},
	{"parent-death-signal", "KILL"}, {"expect-exit", "3"}, {"stop-delay", "10s"},
	{"report-file", "/tmp/r"},    {"report-format", "json"},
	{"restart", "on-failure"},   {"restart-max", "3"},     {"restart-delay", "100ms"},
};

static const char *sample(const struct option_row *row)
{
	if (row->kind != OPTION_VALUE)
		return "1"; /* a flag's or a count's variable takes a boolean */
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].name, row->name) == 0)
			return samples[i].value;
	ck_abort_msg("no sample value for --%s", row->name);
	return NULL;
}

static bool is_action(const struct option_row *row)
{
	return row->kind == OPTION_HELP || row->kind == OPTION_VERSION ||
	       row->kind == OPTION_LICENSE;
}

START_TEST(test_row_fields)
{
	load();
	ck_assert_int_le(row_count, OPTIONS_MAX);
	const struct option_row *row = &rows[_i];
	ck_assert_ptr_nonnull(row->name);
	for (const char *p = row->name; *p != '\0'; p++)
		ck_assert_msg(islower((unsigned char)*p) || *p == '-', "--%s", row->name);
	if (is_action(row)) {
		ck_assert_msg(row->set == NULL && row->variable == NULL, "--%s", row->name);
		return;
	}
	ck_assert_msg(row->set != NULL && row->expected != NULL, "--%s", row->name);
	ck_assert_msg(!row->list || row->list_expected != NULL, "--%s: list_expected", row->name);
	ck_assert_msg(row->kind != OPTION_COUNT || (row->count_max >= 1 && row->count_max <= 9),
		      "--%s: count_max %u", row->name, row->count_max);
	if (row->variable != NULL) {
		char want[64] = "REAPER_";
		size_t n = strlen(want);
		for (const char *p = row->name; *p != '\0' && n + 1 < sizeof(want); p++)
			want[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		want[n] = '\0';
		ck_assert_str_eq(row->variable, want);
	}
	ck_assert_msg(row->peer_count <= OPTION_PEERS_MAX && (row->peer_count == 0) == (row->peers == NULL),
		      "--%s: %zu peers", row->name, row->peer_count);
	for (size_t p = 0; p < row->peer_count; p++) {
		const struct option_peer *peer = &row->peers[p];
		ck_assert_msg(peer->variable == NULL || peer->set != NULL, "--%s peer %zu", row->name, p);
		ck_assert_msg(peer->variable == NULL || strncmp(peer->variable, "REAPER_", 7) != 0,
			      "--%s: a peer's variable is not reaper's", row->name);
	}
}
END_TEST

/* Each spelling (a long name, a letter, a variable) is used once over the
 * whole table, peers included. */
START_TEST(test_unique)
{
	const char *seen[4 * OPTIONS_MAX];
	char letters[2 * OPTIONS_MAX + 1] = "";
	size_t n = 0;

	load();
	for (size_t i = 0; i < row_count; i++) {
		const char *names[1 + OPTION_PEERS_MAX] = {rows[i].variable};
		char row_letters[1 + OPTION_PEERS_MAX] = {rows[i].letter};
		for (size_t p = 0; p < rows[i].peer_count; p++) {
			names[1 + p] = rows[i].peers[p].variable;
			row_letters[1 + p] = rows[i].peers[p].letter;
		}
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(rows[i].name, rows[j].name) != 0, "--%s twice", rows[i].name);
		for (size_t k = 0; k < 1 + OPTION_PEERS_MAX; k++) {
			if (names[k] != NULL) {
				for (size_t j = 0; j < n; j++)
					ck_assert_msg(strcmp(names[k], seen[j]) != 0, "%s twice", names[k]);
				seen[n++] = names[k];
			}
			if (row_letters[k] != 0) {
				ck_assert_msg(strchr(letters, row_letters[k]) == NULL, "-%c twice",
					      row_letters[k]);
				letters[strlen(letters)] = row_letters[k];
			}
		}
	}
}
END_TEST

START_TEST(test_find)
{
	const char *peer_value;

	load();
	ck_assert_ptr_eq(options_find(options_key(_i), &peer_value), &rows[_i]);
	ck_assert_ptr_null(peer_value);
	for (size_t p = 0; p < rows[_i].peer_count; p++) {
		const struct option_peer *peer = &rows[_i].peers[p];
		if (peer->letter == 0)
			continue;
		ck_assert_ptr_eq(options_find(peer->letter, &peer_value), &rows[_i]);
		ck_assert_ptr_eq(peer_value, peer->value);
	}
	if (rows[_i].variable != NULL)
		ck_assert(options_reads_variable(rows[_i].variable, strlen(rows[_i].variable)));
}
END_TEST

/* "-x" or "--name" in text as a word of its own: not inside a longer one. */
static bool names_option(const char *text, const char *option)
{
	size_t len = strlen(option);

	for (const char *p = strstr(text, option); p != NULL; p = strstr(p + 1, option)) {
		char after = p[len];
		bool starts = p == text || p[-1] == ' ' || p[-1] == '\n';
		if (starts && !isalnum((unsigned char)after) && after != '-')
			return true;
	}
	return false;
}

/* Spellings --help leaves to the man page: tini's, whose meaning --help
 * gives under -s and -l. Nothing else may be missing. */
static const char *const unlisted[] = {"--subreaper", "-L"};

/* Every option is named in --help, by its own row's line or another's. */
static bool in_help(const char *help, const char *option)
{
	for (size_t i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]); i++)
		if (strcmp(option, unlisted[i]) == 0)
			return true;
	return names_option(help, option);
}

START_TEST(test_help_names)
{
	const char *help = cli_help();
	char option[64];

	load();
	const struct option_row *row = &rows[_i];
	snprintf(option, sizeof(option), "--%s", row->name);
	ck_assert_msg(in_help(help, option), "--help does not name %s", option);
	char letters[1 + OPTION_PEERS_MAX] = {row->letter};
	for (size_t p = 0; p < row->peer_count; p++)
		letters[1 + p] = row->peers[p].letter;
	for (size_t k = 0; k < 1 + OPTION_PEERS_MAX; k++) {
		snprintf(option, sizeof(option), "-%c", letters[k]);
		ck_assert_msg(letters[k] == 0 || in_help(help, option),
			      "--help does not name %s", option);
	}
	if (row->help != NULL) {
		size_t len = strlen(row->help);
		ck_assert_msg(len > 1 && row->help[len - 1] == '\n' &&
			      strchr(row->help, '\n') == row->help + len - 1,
			      "--%s: help is not one line", row->name);
		ck_assert_ptr_nonnull(strstr(help, row->help));
	}
}
END_TEST

static enum cli_action expected_action(const struct option_row *row)
{
	switch (row->kind) {
	case OPTION_HELP: return CLI_HELP;
	case OPTION_VERSION: return CLI_VERSION;
	case OPTION_LICENSE: return CLI_LICENSE;
	case OPTION_VALUE:
	case OPTION_FLAG:
	case OPTION_SWITCH:
	case OPTION_COUNT:
		break;
	}
	return CLI_RUN;
}

/* Run args (and env) and expect action, with no warning. */
static void expect(const char *const args[], const char *const env[], enum cli_action action)
{
	char *argv[MAX_ARGS + 1];
	struct config cfg;
	struct cli_result result;

	enum cli_action got = parse_checked(args, env, argv, &cfg, &result);
	ck_assert_msg(got == action, "%s %s [%s]: action %d, not %d: %s", args[1],
		      args[2] != NULL ? args[2] : "", env[0] != NULL ? env[0] : "", got, action,
		      got == CLI_USAGE ? result.message : "");
	ck_assert_msg(result.warning_count == 0, "%s: %s", env[0], result.warnings[0]);
}

/* The generated getopt tables take --name and -x (with a value when the
 * option takes one), the environment reader REAPER_<NAME>, and a peer's
 * letter and variable: each through the row, to the same outcome. */
START_TEST(test_accepts)
{
	char long_name[64], short_name[3], variable[96];
	const char *none[] = {NULL};

	load();
	const struct option_row *row = &rows[_i];
	enum cli_action action = expected_action(row);
	const char *value = sample(row);
	bool takes = row->kind == OPTION_VALUE;
	/* --pause runs no command; every other row gets one. */
	const char *cmd = row->set == set_pause ? NULL : "cmd";

	snprintf(long_name, sizeof(long_name), "--%s", row->name);
	const char *with_long[] = {"reaper", long_name, takes ? value : cmd, takes ? cmd : NULL, NULL};
	expect(with_long, none, action);
	if (row->letter != 0) {
		snprintf(short_name, sizeof(short_name), "-%c", row->letter);
		const char *with_short[] = {"reaper", short_name, takes ? value : cmd,
					    takes ? cmd : NULL, NULL};
		expect(with_short, none, action);
	}
	const char *bare[] = {"reaper", cmd, NULL};
	if (row->variable != NULL) {
		snprintf(variable, sizeof(variable), "%s=%s", row->variable, value);
		const char *env[] = {variable, NULL};
		expect(bare, env, CLI_RUN);
	}
	for (size_t p = 0; p < row->peer_count; p++) {
		const struct option_peer *peer = &row->peers[p];
		if (peer->letter != 0) {
			snprintf(short_name, sizeof(short_name), "-%c", peer->letter);
			const char *with_peer[] = {"reaper", short_name, cmd, NULL};
			expect(with_peer, none, action);
		}
		if (peer->variable != NULL) {
			snprintf(variable, sizeof(variable), "%s=1", peer->variable);
			const char *env[] = {variable, NULL};
			expect(bare, env, CLI_RUN);
		}
	}
}
END_TEST

/* A letter no row has is refused as unknown: the short option string
 * holds the table's letters and nothing else. */
START_TEST(test_other_letters)
{
	char option[3];
	const char *peer_value;

	for (int c = '0'; c <= 'z'; c++) {
		if (!isalnum(c) || options_find(c, &peer_value) != NULL)
			continue;
		snprintf(option, sizeof(option), "-%c", c);
		const char *args[] = {"reaper", option, "cmd", NULL};
		const char *env[] = {NULL};
		char *argv[MAX_ARGS + 1];
		struct config cfg;
		struct cli_result result;
		ck_assert_int_eq(parse_checked(args, env, argv, &cfg, &result), CLI_USAGE);
		ck_assert_msg(strstr(result.message, "unknown option") != NULL, "%s: %s", option,
			      result.message);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = unit_tcase(s, "table", 10);
	int n;

	load();
	n = (int)row_count;
	tcase_add_loop_test(tc, test_row_fields, 0, n);
	tcase_add_test(tc, test_unique);
	tcase_add_loop_test(tc, test_find, 0, n);
	tcase_add_loop_test(tc, test_help_names, 0, n);
	tcase_add_loop_test(tc, test_accepts, 0, n);
	tcase_add_test(tc, test_other_letters);
	return s;
}
