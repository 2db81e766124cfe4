/*
 * check_links: every file the user documentation points at exists in the
 * repository (issue 19): README.md, doc/DESIGN.md, doc/reaper.1 and
 * docker/README.md.
 *
 * What counts as a pointer: in Markdown, the target of a link
 * "[text](target)" (web addresses and "#anchors" are not files) and every
 * `code span` without a space; in the man page, every word once the roff
 * escapes are gone. Of those, a name ending in ".md", a name starting with
 * "../", and a path whose first component is a top-level entry of the
 * repository ("tests/...", "docker/", but not "/proc/..." or "on/off") is
 * a file that must exist: taken from the document's own directory, then
 * from the repository's root (prose names "tests/demo.sh" from anywhere),
 * never outside the repository. Shell patterns ("check_stress_*.c") must
 * match something. build/ is what make produces, not a document's target,
 * and is left out. The scanner must find the pointers everyone knows (the
 * design document from the README), so a broken scanner cannot pass.
 *
 * The repository is REAPER_SOURCE_DIR, fixed at build time.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "harness_util.h"

#define MAX_TEXT (256 * 1024)
#define MAX_BAD 4096

/* The repository, fixed at build time. */
static const char *repo_root(void)
{
	return REAPER_SOURCE_DIR;
}

/* The whole of repo/rel, NUL-terminated, into a static buffer. */
static const char *read_doc(const char *rel)
{
	static char text[MAX_TEXT];
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", repo_root(), rel);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(text, 1, sizeof text - 1, f);
	ck_assert_msg(!ferror(f) && n < sizeof text - 1, "%s: read error or too long", path);
	(void)fclose(f); /* read-only: nothing to lose */
	text[n] = '\0';
	return text;
}

/* Does repo/first exist (first: the name up to the first '/')? */
static bool top_level(const char *name)
{
	char first[NAME_MAX + 1];
	size_t len = strcspn(name, "/");
	if (len == 0 || len > NAME_MAX || name[len] != '/' || strncmp(name, "./", 2) == 0)
		return false; /* "./server": the reader's own file, in an example */
	memcpy(first, name, len);
	first[len] = '\0';
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", repo_root(), first);
	return stat(path, &st) == 0;
}

static bool is_pointer(const char *name)
{
	size_t len = strlen(name);
	if (strncmp(name, "build/", 6) == 0)
		return false;
	return (len > 3 && strcmp(name + len - 3, ".md") == 0) || strncmp(name, "../", 3) == 0 ||
	       top_level(name);
}

/* The first file inside the repository that the pattern dir/name
 * matches, resolved (the caller frees it), or NULL. */
static char *match_under(const char *dir, const char *name)
{
	char pattern[PATH_MAX];
	glob_t g;
	char *found = NULL;

	snprintf(pattern, sizeof pattern, "%s/%s", dir, name);
	if (glob(pattern, 0, NULL, &g) != 0)
		return NULL;
	const char *root = repo_root();
	size_t root_len = strlen(root);
	for (size_t i = 0; i < g.gl_pathc && found == NULL; i++) {
		char *real = realpath(g.gl_pathv[i], NULL);
		if (real != NULL && strncmp(real, root, root_len) == 0 &&
		    (real[root_len] == '/' || real[root_len] == '\0'))
			found = real;
		else
			free(real);
	}
	globfree(&g);
	return found;
}

struct scan {
	const char *doc;   /* the document, relative to the repository */
	int pointers;      /* pointers seen */
	bool saw_design;   /* one of them was doc/DESIGN.md */
	char bad[MAX_BAD]; /* the ones that point at nothing */
};

/* Check one candidate (len bytes at s). */
static void check_name(struct scan *sc, const char *s, size_t len)
{
	char name[PATH_MAX];
	if (len == 0 || len >= sizeof name)
		return;
	memcpy(name, s, len);
	name[len] = '\0';
	char *hash = strchr(name, '#'); /* README.md#section names the file */
	if (hash != NULL)
		*hash = '\0';
	if (name[0] == '\0' || !is_pointer(name))
		return;
	sc->pointers++;

	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/%s", repo_root(), sc->doc);
	*strrchr(dir, '/') = '\0';
	char *found = match_under(dir, name);
	if (found == NULL)
		found = match_under(repo_root(), name);
	if (found == NULL) {
		size_t used = strlen(sc->bad);
		snprintf(sc->bad + used, sizeof sc->bad - used, "  %s: %s\n", sc->doc, name);
		return;
	}
	char design[PATH_MAX];
	snprintf(design, sizeof design, "%s/doc/DESIGN.md", repo_root());
	if (strcmp(found, design) == 0)
		sc->saw_design = true;
	free(found);
}

static bool url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0 ||
	       strncmp(s, "mailto:", 7) == 0;
}

/* Markdown: link targets and code spans without spaces. */
static void scan_markdown(struct scan *sc)
{
	const char *text = read_doc(sc->doc);
	for (const char *p = text; *p != '\0'; p++) {
		if (p[0] == ']' && p[1] == '(') {
			const char *start = p + 2;
			size_t len = strcspn(start, ") \n");
			if (!url(start))
				check_name(sc, start, len);
			p = start + len - 1;
		} else if (p[0] == '`') {
			const char *start = p + 1;
			size_t len = strcspn(start, "`\n");
			if (start[len] != '`')
				continue;
			if (memchr(start, ' ', len) == NULL)
				check_name(sc, start, len);
			p = start + len;
		}
	}
}

/* The man page: words, once \- and the font escapes are gone, trimmed of
 * punctuation around them. */
static void scan_roff(struct scan *sc)
{
	static char plain[MAX_TEXT];
	const char *text = read_doc(sc->doc);
	size_t n = 0;
	for (const char *p = text; *p != '\0' && n < sizeof plain - 1; p++) {
		if (p[0] == '\\' && p[1] == '-') {
			plain[n++] = '-';
			p++;
		} else if (p[0] == '\\' && p[1] == 'f' && p[2] != '\0') {
			p += 2;
		} else {
			plain[n++] = *p;
		}
	}
	plain[n] = '\0';
	const char *trim_start = "(\"'<[";
	const char *trim_end = ")\"'>],;:.";
	for (char *word = strtok(plain, " \t\n"); word != NULL; word = strtok(NULL, " \t\n")) {
		while (*word != '\0' && strchr(trim_start, *word) != NULL)
			word++;
		size_t len = strlen(word);
		while (len > 0 && strchr(trim_end, word[len - 1]) != NULL)
			len--;
		if (!url(word))
			check_name(sc, word, len);
	}
}

static const char *const docs[] = { "README.md", "doc/DESIGN.md", "doc/reaper.1",
				    "docker/README.md" };
#define N_DOCS (int)(sizeof docs / sizeof docs[0])

START_TEST(test_pointers_exist)
{
	struct scan sc = { .doc = docs[_i] };
	size_t len = strlen(sc.doc);
	if (len > 2 && strcmp(sc.doc + len - 2, ".1") == 0)
		scan_roff(&sc);
	else
		scan_markdown(&sc);
	ck_assert_msg(sc.bad[0] == '\0', "%s points at what the repository does not have:\n%s",
		      sc.doc, sc.bad);
	/* Each of these names the design document; a scanner that finds
	 * nothing must not pass. */
	ck_assert_msg(sc.pointers > 0 && (strcmp(sc.doc, "docker/README.md") == 0 ||
					  strcmp(sc.doc, "doc/DESIGN.md") == 0 || sc.saw_design),
		      "%s: %d pointers found, doc/DESIGN.md %s among them", sc.doc, sc.pointers,
		      sc.saw_design ? "is" : "is not");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("links");
	TCase *tc = tcase_create("docs");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_pointers_exist, 0, N_DOCS);
	suite_add_tcase(s, tc);
	return s;
}
