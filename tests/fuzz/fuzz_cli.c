/*
 * fuzz_cli: libFuzzer target over cli_parse (src/cli.h): the whole command
 * line and environment reaper reads before it runs anything, so every
 * option, every REAPER_* variable and the tini / dumb-init ones.
 *
 * Input: entries separated by NUL bytes. An entry that starts with byte 1
 * is an environment entry (the rest of it, "NAME=value" or anything else);
 * every other entry is the next argv element, the first being argv[0]. At
 * most MAX_ENTRIES of each; argv and envp end with NULL, as the kernel
 * gives them. Each string has a heap block of its own, so a read past its
 * NUL is an AddressSanitizer report.
 *
 * Checked besides the sanitizers: argv is left as it was; result.action
 * is the return value; a usage message is one non-empty line; CLI_RUN
 * gives a command inside argv exactly when not --pause, and a config whose
 * every field is in range (signals, durations, sends in time order, specs
 * pointing into what was given and naming where they came from); and a
 * second cli_parse of the same input gives the same result (getopt's
 * global state is reset); the warnings are one line each, about an
 * unknown REAPER_* variable of the environment given.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>

#include "cli.h"
#include "duration.h"
#include "fuzz.h"
#include "signame.h"

#define MAX_ENTRIES 64
#define ENV_MARK 1

struct input {
	int argc;
	char *argv[MAX_ENTRIES + 1];
	char *copy[MAX_ENTRIES + 1]; /* what argv held, to see it unchanged */
	size_t env_count;
	char *envp[MAX_ENTRIES + 1];
};

static void split_input(const uint8_t *data, size_t size, struct input *in)
{
	memset(in, 0, sizeof(*in));
	while (size > 0) {
		const uint8_t *start = data;
		size_t len = fuzz_next_piece(&data, &size);
		if (len > 0 && start[0] == ENV_MARK) {
			if (in->env_count < MAX_ENTRIES)
				in->envp[in->env_count++] = fuzz_strndup(start + 1, len - 1);
		} else if (in->argc < MAX_ENTRIES) {
			in->argv[in->argc] = fuzz_strndup(start, len);
			in->copy[in->argc] = fuzz_strndup(start, len);
			in->argc++;
		}
	}
}

static void free_input(struct input *in)
{
	for (int i = 0; i < in->argc; i++) {
		free(in->argv[i]);
		free(in->copy[i]);
	}
	for (size_t i = 0; i < in->env_count; i++)
		free(in->envp[i]);
}

/* p points into one of the strings given: argv's or envp's. */
static bool points_into_input(const struct input *in, const char *p, bool *from_env)
{
	for (int i = 0; i < in->argc; i++)
		if (p >= in->argv[i] && p <= in->argv[i] + strlen(in->argv[i])) {
			*from_env = false;
			return true;
		}
	for (size_t i = 0; i < in->env_count; i++)
		if (p >= in->envp[i] && p <= in->envp[i] + strlen(in->envp[i])) {
			*from_env = true;
			return true;
		}
	return false;
}

/* A spec (--user, --caps) is non-empty, lies in what was given, and its
 * origin names the variable exactly when it came from the environment. */
static void check_spec(const struct input *in, const char *spec, const char *origin,
		       const char *variable, const char *option)
{
	bool from_env = false;

	if (spec == NULL)
		return;
	FUZZ_CHECK(*spec != '\0');
	FUZZ_CHECK(points_into_input(in, spec, &from_env));
	FUZZ_CHECK(origin != NULL);
	FUZZ_CHECK(strcmp(origin, from_env ? variable : option) == 0);
}

static bool signal_or_zero(int signo)
{
	return signo >= 0 && signo <= SIGRTMAX;
}

static void check_config(const struct input *in, const struct config *cfg)
{
	FUZZ_CHECK(cfg->forward == FWD_GROUP || cfg->forward == FWD_CHILD || cfg->forward == FWD_TREE);
	FUZZ_CHECK(cfg->orphans == ORPHANS_TERMINATE || cfg->orphans == ORPHANS_WAIT ||
		   cfg->orphans == ORPHANS_LEAVE || cfg->orphans == ORPHANS_TERM_LEAVE);
	FUZZ_CHECK(cfg->verbosity >= LOG_ERROR && cfg->verbosity <= LOG_DEBUG);

	for (int signo = 0; signo < NSIG; signo++) {
		if (signal_is_forwardable(signo))
			FUZZ_CHECK(signal_or_zero(cfg->rewrite[signo]));
		else
			FUZZ_CHECK(cfg->rewrite[signo] == signo);
	}
	FUZZ_CHECK(signal_or_zero(cfg->parent_death_signo));
	FUZZ_CHECK(cfg->stop_signo >= 1 && cfg->stop_signo <= SIGRTMAX);
	FUZZ_CHECK(cfg->child_pdeathsig == PDEATHSIG_DEFAULT || signal_or_zero(cfg->child_pdeathsig));

	FUZZ_CHECK(cfg->grace_ms <= DURATION_MAX_MS);
	FUZZ_CHECK(cfg->timeout_ms <= DURATION_MAX_MS);
	FUZZ_CHECK(cfg->kill_after_ms <= DURATION_MAX_MS);
	if (!cfg->kill_after_set)
		FUZZ_CHECK(cfg->kill_after_ms == 0);

	FUZZ_CHECK(cfg->send_count <= SEND_MAX);
	for (size_t i = 0; i < cfg->send_count; i++) {
		FUZZ_CHECK(cfg->sends[i].signo >= 1 && cfg->sends[i].signo <= SIGRTMAX);
		FUZZ_CHECK(cfg->sends[i].at_ms <= DURATION_MAX_MS);
		if (i > 0)
			FUZZ_CHECK(cfg->sends[i - 1].at_ms <= cfg->sends[i].at_ms);
	}

	check_spec(in, cfg->user_spec, cfg->user_origin, "REAPER_USER", "--user");
	check_spec(in, cfg->caps_spec, cfg->caps_origin, "REAPER_CAPS", "--caps");
	if (cfg->trace_file != NULL) {
		bool from_env;
		FUZZ_CHECK(cfg->trace && *cfg->trace_file != '\0');
		FUZZ_CHECK(points_into_input(in, cfg->trace_file, &from_env));
	}

	/* The command: inside argv after argv[0], or none with --pause. */
	if (cfg->pause) {
		FUZZ_CHECK(cfg->argv == NULL);
	} else {
		FUZZ_CHECK(cfg->argv != NULL);
		FUZZ_CHECK(cfg->argv > in->argv && cfg->argv < in->argv + in->argc);
		FUZZ_CHECK(cfg->argv[0] != NULL);
	}
}

/* s as a usage message quotes it: control characters as '?'. */
static bool same_as_quoted(const char *s, const char *quoted, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char want = c < 0x20 || c == 0x7f ? '?' : (char)c;
		if (quoted[i] != want)
			return false;
	}
	return true;
}

/* argv[i] is where the option name comes from: the whole element for a
 * long one, a letter of a "-..." cluster for a short one. */
static bool names_element(const char *arg, const char *name, size_t len)
{
	if (len > 2 && name[0] == '-' && name[1] == '-')
		return same_as_quoted(arg, name, len);
	if (len != 2 || name[0] != '-' || arg[0] != '-' || arg[1] == '-')
		return false;
	for (const char *p = arg + 1; *p != '\0'; p++)
		if (same_as_quoted((char[]){*p, '\0'}, name + 1, 1))
			return true;
	return false;
}

/* The option a getopt error names is where parsing stopped: some element
 * argv[i] it comes from gives the same message when it is the last one
 * (so the message cannot name an earlier, valid option), and for a
 * missing value that is the last element itself. */
static void check_rejected_name(struct input *in, const struct cli_result *result,
				const char *name, size_t len, bool needs_value)
{
	static struct config cut_cfg;
	static struct cli_result cut_result;
	char *const *envp = in->env_count > 0 ? in->envp : NULL;
	bool seen = false;

	for (int i = needs_value ? in->argc - 1 : 1; i >= 1 && i < in->argc && !seen; i++) {
		if (!names_element(in->argv[i], name, len))
			continue;
		char *after = in->argv[i + 1];
		in->argv[i + 1] = NULL;
		cli_defaults(&cut_cfg);
		enum cli_action action = cli_parse(&cut_cfg, i + 1, in->argv, envp, &cut_result);
		in->argv[i + 1] = after;
		seen = action == CLI_USAGE && strcmp(cut_result.message, result->message) == 0;
	}
	FUZZ_CHECK(seen);
}

static void check_message(struct input *in, const struct cli_result *result)
{
	static const char unknown[] = "unknown option '";
	static const char needs[] = "option '";
	static const char needs_end[] = "' needs a value";
	const char *msg = result->message;

	FUZZ_CHECK(memchr(msg, '\0', sizeof(result->message)) != NULL);
	FUZZ_CHECK(msg[0] != '\0');
	FUZZ_CHECK(strchr(msg, '\n') == NULL);
	FUZZ_CHECK(strncmp(msg, "reaper:", 7) != 0);

	/* A message cut at the end of the buffer may have lost the name's end. */
	size_t len = strlen(msg);
	if (len >= sizeof(result->message) - 1)
		return;
	size_t end_len = strlen(needs_end);
	if (strncmp(msg, unknown, strlen(unknown)) == 0 && msg[len - 1] == '\'')
		check_rejected_name(in, result, msg + strlen(unknown),
				    len - strlen(unknown) - 1, false);
	else if (strncmp(msg, needs, strlen(needs)) == 0 && len > strlen(needs) + end_len &&
		 strcmp(msg + len - end_len, needs_end) == 0)
		check_rejected_name(in, result, msg + strlen(needs),
				    len - strlen(needs) - end_len, true);
}

/* Every action: the warnings written are one line each, about a REAPER_*
 * variable, and each comes from an environment entry. */
static void check_warnings(const struct input *in, const struct cli_result *result)
{
	static const char head[] = "unknown variable REAPER_", tail[] = ", ignored";
	size_t reaper_entries = 0;

	for (size_t i = 0; i < in->env_count; i++)
		reaper_entries += strncmp(in->envp[i], "REAPER_", 7) == 0;
	FUZZ_CHECK(result->warning_count <= reaper_entries);
	for (size_t i = 0; i < result->warning_count && i < CLI_WARNINGS_MAX; i++) {
		const char *w = result->warnings[i];
		FUZZ_CHECK(memchr(w, '\0', sizeof(result->warnings[i])) != NULL);
		FUZZ_CHECK(strchr(w, '\n') == NULL && strncmp(w, head, strlen(head)) == 0);
		FUZZ_CHECK(strlen(w) > strlen(tail) &&
			   strcmp(w + strlen(w) - strlen(tail), tail) == 0);
	}
}

static enum cli_action parse(struct input *in, struct config *cfg, struct cli_result *result)
{
	char *const *envp = in->env_count > 0 ? in->envp : NULL;

	cli_defaults(cfg);
	memset(result, 0x5a, sizeof(*result));
	enum cli_action action = cli_parse(cfg, in->argc, in->argv, envp, result);

	FUZZ_CHECK(result->action == action);
	for (int i = 0; i < in->argc; i++)
		FUZZ_CHECK(strcmp(in->argv[i], in->copy[i]) == 0);
	FUZZ_CHECK(in->argv[in->argc] == NULL);
	return action;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg, again_cfg;
	static struct cli_result result, again_result;
	struct input in;

	split_input(data, size, &in);
	char *argv_before[MAX_ENTRIES + 1];
	memcpy(argv_before, in.argv, sizeof(argv_before));

	enum cli_action action = parse(&in, &cfg, &result);
	switch (action) {
	case CLI_RUN:
		check_config(&in, &cfg);
		break;
	case CLI_USAGE:
		check_message(&in, &result);
		break;
	case CLI_HELP:
	case CLI_VERSION:
	case CLI_LICENSE:
		break;
	default:
		FUZZ_CHECK(!"an action cli.h does not list");
	}
	check_warnings(&in, &result);
	FUZZ_CHECK(memcmp(argv_before, in.argv, sizeof(argv_before)) == 0);

	enum cli_action again = parse(&in, &again_cfg, &again_result);
	FUZZ_CHECK(again == action);
	FUZZ_CHECK(memcmp(&again_result, &result, sizeof(result)) == 0);
	if (action == CLI_RUN)
		FUZZ_CHECK(memcmp(&again_cfg, &cfg, sizeof(cfg)) == 0);

	free_input(&in);
	return 0;
}
