/*
 * check_manpage: doc/reaper.1 renders without warnings, names every
 * option `reaper --help` lists, and `make install` installs it (issue 6,
 * test 4).
 *
 * - `groff -ww -man -Tutf8 doc/reaper.1` (all warnings on) exits 0 and
 *   writes nothing on stderr; `man --warnings -l doc/reaper.1` likewise.
 *   Without groff (or man) the case says so on stderr and skips.
 * - The options of --help: a small parser takes every token that starts
 *   with "-" or "--" and a letter at the start of a word ("-c,",
 *   "--forward=group" gives --forward, "[--]" gives nothing) and each must
 *   appear as a whole word in the rendered page (rendered wide, so no
 *   line break or hyphenation splits an option; U+2010 and U+2212 read as
 *   "-"). The parser must find the options everyone knows, so an empty
 *   list cannot pass.
 * - --help fits on one screen (24 lines of at most 80 columns) and points
 *   to the man page.
 * - `make install DESTDIR=<tmp> PREFIX=/usr` installs the page as
 *   usr/share/man/man1/reaper.1 (mode 0644, same bytes) and `man -M` finds
 *   it there.
 *
 * The repository is REAPER_SOURCE_DIR, fixed at build time.
 */
#define _GNU_SOURCE
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define RUN_MS 20000
#define MAX_OPTS 64
#define HELP_LINES 24
#define HELP_COLUMNS 80

/* The repository, fixed at build time (the sanitized build's
 * REAPER_BUILD_DIR is one level deeper, so it cannot be derived). */
static const char *repo_root(void)
{
	return REAPER_SOURCE_DIR;
}

static const char *page_path(void)
{
	static char path[4200];
	snprintf(path, sizeof path, "%s/doc/reaper.1", repo_root());
	ck_assert_msg(access(path, R_OK) == 0, "%s: %s", path, strerror(errno));
	return path;
}

/* ---- rendering without warnings ---------------------------------------- */

START_TEST(test_groff_no_warnings)
{
	char groff_buf[4096];
	const char *groff = find_program("groff", groff_buf, sizeof groff_buf);
	if (groff == NULL) {
		test_skip("groff is not installed, cannot render the man page");
		return;
	}
	char *argv[] = { (char *)groff, "-ww", "-man", "-Tutf8", (char *)page_path(), NULL };
	struct run r;
	int code = run_simple(&r, RUN_HOST, argv, RUN_MS);
	ck_assert_msg(code == 0, "groff exited %d; stderr:\n%s", code, r.err);
	ck_assert_msg(r.err_len == 0, "groff -ww warned:\n%s", r.err);
	ck_assert_msg(strstr(r.out, "REAPER(1)") != NULL, "no REAPER(1) header in:\n%.500s", r.out);
}
END_TEST

START_TEST(test_man_no_warnings)
{
	char man_buf[4096];
	const char *man = find_program("man", man_buf, sizeof man_buf);
	if (man == NULL) {
		test_skip("man is not installed");
		return;
	}
	char *argv[] = { (char *)man, "--warnings", "-l", (char *)page_path(), NULL };
	char *env[] = { "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80", "LC_ALL=C", NULL };
	struct run_opts opts = { .env_add = env };
	struct run r;
	run_start(&r, RUN_HOST, argv, &opts);
	int code = run_wait(&r, RUN_MS);
	ck_assert_msg(code == 0, "man exited %d; stderr:\n%s", code, r.err);
	ck_assert_msg(r.err_len == 0, "man --warnings warned:\n%s", r.err);
	ck_assert_msg(strstr(r.out, "REAPER(1)") != NULL, "no REAPER(1) header in:\n%.500s", r.out);
}
END_TEST

/* ---- --help against the page ------------------------------------------- */

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/*
 * The option tokens of help text: at the start of a word (not after a
 * letter, digit, '-' or '_'), "-" or "--" and a letter, then letters,
 * digits and '-'. Stored once each, in order of appearance. Returns the
 * count.
 */
static int help_options(const char *help, char opts[][32], int max)
{
	int n = 0;
	for (const char *p = help; *p != '\0'; p++) {
		if (*p != '-' || (p > help && word_char(p[-1])))
			continue;
		const char *name = p[1] == '-' ? p + 2 : p + 1;
		if (!isalpha((unsigned char)*name))
			continue;
		const char *end = name;
		while (isalnum((unsigned char)*end) || *end == '-')
			end++;
		while (end[-1] == '-')
			end--;
		size_t len = (size_t)(end - p);
		ck_assert_msg(len < sizeof opts[0], "option token too long at [%.40s]", p);
		bool seen = false;
		for (int i = 0; i < n && !seen; i++)
			seen = strlen(opts[i]) == len && strncmp(opts[i], p, len) == 0;
		if (!seen) {
			ck_assert_msg(n < max, "more than %d options in --help", max);
			memcpy(opts[n], p, len);
			opts[n][len] = '\0';
			n++;
		}
		p = end - 1;
	}
	return n;
}

/* opt occurs in text as a whole word: not inside a longer option. */
static bool has_option(const char *text, const char *opt)
{
	size_t len = strlen(opt);
	for (const char *p = strstr(text, opt); p != NULL; p = strstr(p + 1, opt)) {
		bool start_ok = p == text || !word_char(p[-1]);
		bool end_ok = !word_char(p[len]);
		if (start_ok && end_ok)
			return true;
	}
	return false;
}

/* Turn the UTF-8 hyphen (U+2010), non-breaking hyphen (U+2011) and minus
 * (U+2212) into '-', in place. */
static void ascii_dashes(char *s)
{
	char *out = s;
	for (const char *in = s; *in != '\0';) {
		if ((unsigned char)in[0] == 0xe2 && (unsigned char)in[1] == 0x80 &&
		    ((unsigned char)in[2] == 0x90 || (unsigned char)in[2] == 0x91)) {
			*out++ = '-';
			in += 3;
		} else if ((unsigned char)in[0] == 0xe2 && (unsigned char)in[1] == 0x88 &&
			   (unsigned char)in[2] == 0x92) {
			*out++ = '-';
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}

/* The page as text: rendered by groff with a line length no paragraph
 * reaches (no breaks, no hyphenation) and no bold/underline codes; or,
 * without groff, the source with \- as '-' and font escapes removed. */
static void page_text(char *text, size_t size)
{
	char groff_buf[4096];
	const char *groff = find_program("groff", groff_buf, sizeof groff_buf);
	if (groff != NULL) {
		char *argv[] = { (char *)groff, "-ww", "-man", "-Tutf8", "-P-cbou", "-rLL=2000n",
				 (char *)page_path(), NULL };
		struct run r;
		int code = run_simple(&r, RUN_HOST, argv, RUN_MS);
		ck_assert_msg(code == 0 && !r.out_truncated, "groff (wide) exited %d; stderr:\n%s",
			      code, r.err);
		snprintf(text, size, "%s", r.out);
		ascii_dashes(text);
		return;
	}
	test_skip("groff is not installed: comparing with the roff source instead");
	FILE *f = fopen(page_path(), "re");
	ck_assert_msg(f != NULL, "%s: %s", page_path(), strerror(errno));
	size_t n = 0;
	int c;
	while ((c = getc(f)) != EOF && n + 1 < size) {
		if (c == '\\') {
			int next = getc(f);
			if (next == '-') {
				text[n++] = '-';
			} else if (next == 'f') {
				(void)getc(f); /* the font letter */
			} else if (next != EOF) {
				text[n++] = '\\';
				if (n + 1 < size)
					text[n++] = (char)next;
			}
			continue;
		}
		text[n++] = (char)c;
	}
	text[n] = '\0';
	fclose(f);
}

START_TEST(test_help_options_in_page)
{
	char *argv[] = { (char *)reaper_path(), "--help", NULL };
	struct run r;
	int code = run_simple(&r, RUN_HOST, argv, RUN_MS);
	ck_assert_msg(code == 0, "reaper --help exited %d; stderr:\n%s", code, r.err);

	char opts[MAX_OPTS][32];
	int n = help_options(r.out, opts, MAX_OPTS);
	/* The parser must see what is plainly there, or the test proves nothing. */
	static const char *const known[] = { "--forward", "-c", "--single-child", "-g",
					     "--rewrite", "--trace", "--trace-file", "--report",
					     "--send", "--kill-after", "-k", "--help", "-V" };
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		bool found = false;
		for (int k = 0; k < n && !found; k++)
			found = strcmp(opts[k], known[i]) == 0;
		ck_assert_msg(found, "the --help parser missed %s; --help:\n%s", known[i], r.out);
	}
	for (int k = 0; k < n; k++)
		ck_assert_msg(opts[k][0] == '-' && opts[k][strlen(opts[k]) - 1] != '-' &&
				      strcmp(opts[k], "--") != 0,
			      "the --help parser took [%s] for an option", opts[k]);

	static char text[65536];
	page_text(text, sizeof text);
	char missing[2048] = "";
	for (int k = 0; k < n; k++) {
		if (!has_option(text, opts[k])) {
			strncat(missing, " ", sizeof missing - strlen(missing) - 1);
			strncat(missing, opts[k], sizeof missing - strlen(missing) - 1);
		}
	}
	ck_assert_msg(missing[0] == '\0', "options in --help but not in the man page:%s", missing);
}
END_TEST

/* The issue: "--help fits on one screen and points to the man page". */
START_TEST(test_help_fits_one_screen)
{
	char *argv[] = { (char *)reaper_path(), "--help", NULL };
	struct run r;
	int code = run_simple(&r, RUN_HOST, argv, RUN_MS);
	ck_assert_int_eq(code, 0);
	int lines = 0;
	for (const char *p = r.out; *p != '\0';) {
		size_t len = strcspn(p, "\n");
		lines++;
		ck_assert_msg(len <= HELP_COLUMNS, "--help line %d is %zu columns: [%.*s]", lines, len,
			      (int)len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
	ck_assert_msg(lines <= HELP_LINES, "--help is %d lines, more than a %d-line screen", lines,
		      HELP_LINES);
	ck_assert_msg(strstr(r.out, "man reaper") != NULL, "--help does not point to 'man reaper':\n%s",
		      r.out);
}
END_TEST

/* ---- make install ------------------------------------------------------ */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

static void remove_tree(const char *dir)
{
	ck_assert_msg(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "removing %s: %s", dir,
		      strerror(errno));
}

static bool same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "re"), *fb = fopen(b, "re");
	bool same = fa != NULL && fb != NULL;
	while (same) {
		int ca = getc(fa), cb = getc(fb);
		same = ca == cb;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa != NULL)
		fclose(fa);
	if (fb != NULL)
		fclose(fb);
	return same;
}

START_TEST(test_make_install)
{
	char make_buf[4096];
	const char *make = find_program("make", make_buf, sizeof make_buf);
	if (make == NULL) {
		test_skip("make is not installed");
		return;
	}
	char dir[64];
	snprintf(dir, sizeof dir, "/tmp/reaper-check-manpage-XXXXXX");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	char destdir[128], build[4200], old[4300];
	snprintf(destdir, sizeof destdir, "DESTDIR=%s", dir);
	snprintf(build, sizeof build, "BUILD=%s", REAPER_BUILD_DIR);
	/* Install the reaper under test as it is: never rebuild it here. */
	snprintf(old, sizeof old, "--old-file=%s/reaper", REAPER_BUILD_DIR);
	char *argv[] = { (char *)make, "--no-print-directory", "-C", (char *)repo_root(), build, old,
			 "install", destdir, "PREFIX=/usr", NULL };
	struct run r;
	int code = run_simple(&r, RUN_HOST, argv, RUN_MS);
	ck_assert_msg(code == 0, "make install exited %d\nstdout:\n%s\nstderr:\n%s", code, r.out,
		      r.err);

	char page[256], bin[256];
	snprintf(page, sizeof page, "%s/usr/share/man/man1/reaper.1", dir);
	snprintf(bin, sizeof bin, "%s/usr/bin/reaper", dir);
	struct stat st;
	ck_assert_msg(stat(page, &st) == 0, "make install did not install %s: %s\nmake said:\n%s",
		      page, strerror(errno), r.out);
	ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644,
		      "%s: mode %o, want a regular file 0644", page, (unsigned)st.st_mode);
	ck_assert_msg(same_bytes(page, page_path()), "%s differs from %s", page, page_path());
	ck_assert_msg(access(bin, X_OK) == 0, "%s not installed: %s", bin, strerror(errno));

	/* `man reaper` finds it in the installed tree. */
	char man_buf[4096];
	const char *man = find_program("man", man_buf, sizeof man_buf);
	if (man != NULL) {
		char mandir[256];
		snprintf(mandir, sizeof mandir, "%s/usr/share/man", dir);
		char *man_argv[] = { (char *)man, "-M", mandir, "reaper", NULL };
		char *env[] = { "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80", "LC_ALL=C", NULL };
		struct run_opts opts = { .env_add = env };
		struct run m;
		run_start(&m, RUN_HOST, man_argv, &opts);
		code = run_wait(&m, RUN_MS);
		ck_assert_msg(code == 0 && strstr(m.out, "REAPER(1)") != NULL,
			      "man -M %s reaper exited %d\nstdout:\n%.500s\nstderr:\n%s", mandir, code,
			      m.out, m.err);
	} else {
		test_skip("man is not installed: not checking that man finds the page");
	}
	remove_tree(dir);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("manpage");
	TCase *tc = tcase_create("render");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_groff_no_warnings);
	tcase_add_test(tc, test_man_no_warnings);
	suite_add_tcase(s, tc);

	tc = tcase_create("options");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_help_options_in_page);
	tcase_add_test(tc, test_help_fits_one_screen);
	suite_add_tcase(s, tc);

	tc = tcase_create("install");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_make_install);
	suite_add_tcase(s, tc);
	return s;
}
