/*
 * check_wrapper_shell: the README's advice on shell wrappers ("In a
 * container"; issue 15, item 7) holds in bash, dash and busybox sh, as
 * PID 1 of a namespace and on the host.
 *
 * - wrapper: each form the README gives runs as `SHELL -c SCRIPT` under
 *   reaper with the --forward mode the README gives it for, "app" being
 *   tests/helpers/sigrecorder --exit-on TERM --exit 42. Once the app is
 *   ready (and, for a form that traps TERM, the shell catches it), TERM
 *   goes to reaper, as `docker stop` sends it, or to the app alone, which
 *   then exits on its own as far as the shell can tell. The app must see
 *   TERM ("sig 15"), and reaper must exit 143 for `app; exit $?` stopped
 *   through reaper (the shell dies of the TERM in either mode), 42 in every
 *   other case. A shell that is not installed skips with one line.
 * - readme: each form appears in README.md exactly as run here (inline in
 *   backquotes, or as an indented block), so the advice cannot drift from
 *   what this suite proves.
 *
 * Not tested, because only a race shows it: the README's warning that the
 * `--forward=child` recipe loses the app's status in bash when the shell
 * and the app get TERM at once (`--forward=group`).
 *
 * The repository is REAPER_SOURCE_DIR, fixed at build time.
 */
#define _GNU_SOURCE
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000
#define APP_CODE 42
#define README_MAX (256 * 1024)

/* The README's recipe for a wrapper that works after the app, with the
 * default --forward=group: the app gets TERM from reaper itself; a shell
 * runs a trap only once its foreground command has exited. */
static const char *const fg_recipe[] = {
	"trap : TERM INT",
	"app",
	"status=$?",
	"trap - TERM INT",
	"# ... work after the app ...",
	"exit $status",
	NULL,
};

/* The same with --forward=child: the shell must pass TERM on. */
static const char *const bg_recipe[] = {
	"app & pid=$!",
	"trap 'kill -TERM $pid' TERM INT",
	"wait $pid",
	"trap - TERM INT",
	"wait $pid",
	"status=$?",
	"# ... work after the app ...",
	"exit $status",
	NULL,
};

static const char *const naive[] = { "app; exit $?", NULL };
static const char *const exec_app[] = { "exec app", NULL };

struct form {
	const char *forward;       /* the --forward mode the README pairs it with */
	const char *const *lines;  /* the script; the word "app" stands for the app */
	const char *inline_text;   /* how the README quotes it inline, or NULL: a block */
	bool traps;                /* the shell traps TERM: wait for that first */
	bool execs;                /* the app replaces the shell */
	int stopped_code;          /* reaper's exit code after TERM to reaper */
};

static const struct form forms[] = {
	{ "group", naive, "`sh -c 'app; exit $?'`", false, false, 128 + SIGTERM },
	{ "child", naive, "`sh -c 'app; exit $?'`", false, false, 128 + SIGTERM },
	{ "group", exec_app, "`exec app`", false, true, APP_CODE },
	{ "child", exec_app, "`exec app`", false, true, APP_CODE },
	{ "group", fg_recipe, NULL, true, false, APP_CODE },
	{ "child", bg_recipe, NULL, true, false, APP_CODE },
};
#define N_FORMS (sizeof forms / sizeof forms[0])

struct shell {
	const char *program;  /* looked up in $PATH */
	const char *applet;   /* argv[1] for a multi-call binary, or NULL */
};

static const struct shell shells[] = {
	{ "bash", NULL },
	{ "dash", NULL },
	{ "busybox", "sh" },
};
#define N_SHELLS (sizeof shells / sizeof shells[0])

/* Who gets the TERM: reaper (docker stop) or the app alone. */
enum stop { STOP_REAPER, STOP_APP, N_STOPS };

static void append(char *buf, size_t size, size_t *len, const char *text, size_t n)
{
	ck_assert_msg(*len + n < size, "script longer than %zu bytes", size);
	memcpy(buf + *len, text, n);
	*len += n;
	buf[*len] = '\0';
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Is p, inside line, the word "app" standing alone? */
static bool app_word(const char *line, const char *p)
{
	return strncmp(p, "app", 3) == 0 && (p == line || !word_char(p[-1])) && !word_char(p[3]);
}

/* lines, one per line, with each word "app" replaced by app. */
static void build_script(char *buf, size_t size, const char *const *lines, const char *app)
{
	size_t len = 0;
	buf[0] = '\0';
	for (; *lines != NULL; lines++) {
		for (const char *p = *lines; *p != '\0';) {
			if (app_word(*lines, p)) {
				append(buf, size, &len, app, strlen(app));
				p += 3;
			} else {
				append(buf, size, &len, p++, 1);
			}
		}
		append(buf, size, &len, "\n", 1);
	}
}


/* Pump r until the shell catches TERM (its trap is set), or fail. */
static void await_trap(struct run *r, pid_t shell, const char *what)
{
	long long deadline = now_ms() + LINE_MS;
	while (!proc_signal_mask_has(shell, "SigCgt", SIGTERM)) {
		ck_assert_msg(now_ms() < deadline, "%s: the shell set no TERM trap within %d ms\n"
			      "--- stdout:\n%s\n--- stderr:\n%s", what, LINE_MS, r->out, r->err);
		run_pump(r, 1); /* only /proc can tell: look again soon */
	}
}

START_TEST(test_wrapper)
{
	int i = _i;
	enum run_where where = wheres[i % N_WHERES];
	i /= N_WHERES;
	enum stop stop = (enum stop)(i % N_STOPS);
	i /= N_STOPS;
	const struct shell *sh = &shells[i % (int)N_SHELLS];
	const struct form *f = &forms[i / (int)N_SHELLS];

	char shell_path[4096], why[128];
	if (find_program(sh->program, shell_path, sizeof shell_path) == NULL) {
		snprintf(why, sizeof why, "%s is not installed", sh->program);
		test_skip(why);
		return;
	}
	char app[4200], script[16384], forward[32], what[512];
	snprintf(app, sizeof app, "'%s' --exit-on TERM --exit %d", helper_path("sigrecorder"),
		 APP_CODE);
	build_script(script, sizeof script, f->lines, app);
	snprintf(forward, sizeof forward, "--forward=%s", f->forward);
	snprintf(what, sizeof what, "%s%s%s -c '%s%s' %s, %s, TERM to %s", sh->program,
		 sh->applet != NULL ? " " : "", sh->applet != NULL ? sh->applet : "", f->lines[0],
		 f->lines[1] != NULL ? "; ..." : "", forward, where_phrase(where),
		 stop == STOP_REAPER ? "reaper" : "the app");

	char *argv[8];
	int n = 0;
	argv[n++] = (char *)reaper_path();
	argv[n++] = forward;
	argv[n++] = "--";
	argv[n++] = shell_path;
	if (sh->applet != NULL)
		argv[n++] = (char *)sh->applet;
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n] = NULL;

	struct run r;
	run_start(&r, where, argv, NULL);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS),
		      "%s: the app never got ready\n--- stdout:\n%s\n--- stderr:\n%s", what, r.out,
		      r.err);
	pid_t shell = only_child(run_reaper_pid(&r, LINE_MS));
	pid_t app_pid = f->execs ? shell : only_child(shell);
	if (f->traps)
		await_trap(&r, shell, what);
	if (stop == STOP_REAPER)
		run_signal(&r, SIGTERM);
	else
		ck_assert_msg(kill(app_pid, SIGTERM) == 0, "%s: kill %d: %s", what, (int)app_pid,
			      strerror(errno));
	ck_assert_msg(run_expect_line(&r, "sig 15", LINE_MS),
		      "%s: the app never saw TERM\n--- stdout:\n%s\n--- stderr:\n%s", what, r.out,
		      r.err);
	int code = run_wait(&r, EXIT_MS);
	int want = stop == STOP_REAPER ? f->stopped_code : APP_CODE;
	ck_assert_msg(code == want, "%s: reaper exited %d, the README says %d\n--- stdout:\n%s\n"
		      "--- stderr:\n%s", what, code, want, r.out, r.err);
}
END_TEST

/* README.md, NUL-terminated, into buf (size at least README_MAX). */
static void read_readme(char *buf, size_t size)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/README.md", REAPER_SOURCE_DIR);
	FILE *f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, size - 1, f);
	ck_assert_msg(ferror(f) == 0 && feof(f), "%s: read error or larger than %zu bytes", path,
		      size - 1);
	(void)fclose(f); /* read-only: nothing to lose */
	buf[n] = '\0';
}

START_TEST(test_readme)
{
	const struct form *f = &forms[_i];
	char *readme = malloc(README_MAX);
	ck_assert_msg(readme != NULL, "malloc: %s", strerror(errno));
	read_readme(readme, README_MAX);
	char want[2048];
	if (f->inline_text != NULL) {
		snprintf(want, sizeof want, "%s", f->inline_text);
	} else {
		/* An indented block: each line behind four spaces, blank line
		 * before and after. */
		size_t len = 0;
		want[0] = '\0';
		append(want, sizeof want, &len, "\n\n", 2);
		for (const char *const *line = f->lines; *line != NULL; line++) {
			append(want, sizeof want, &len, "    ", 4);
			append(want, sizeof want, &len, *line, strlen(*line));
			append(want, sizeof want, &len, "\n", 1);
		}
		append(want, sizeof want, &len, "\n", 1);
	}
	ck_assert_msg(strstr(readme, want) != NULL, "README.md does not give this form as tested:\n%s",
		      want);
	free(readme);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("wrapper_shell");

	TCase *tc = tcase_create("wrapper");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_wrapper, 0, (int)(N_FORMS * N_SHELLS * N_STOPS * N_WHERES));
	suite_add_tcase(s, tc);

	tc = tcase_create("readme");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_readme, 0, (int)N_FORMS);
	suite_add_tcase(s, tc);
	return s;
}
