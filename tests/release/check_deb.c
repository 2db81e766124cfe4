/*
 * check_deb: the Debian package `make deb` builds (issue 19). lintian
 * finds no error in it; apt installs it into this machine, /usr/bin/reaper
 * and the static build run from where it put them, and apt removes it
 * without a trace. The machine is left as found: the install case skips
 * when a package reaper or a /usr/bin/reaper is already there, and removes
 * what it installed before it asserts anything.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define APT_MS 300000 /* apt may wait for its lock (another apt run) */
#define RUN_MS 30000

static char *const apt_env[] = { "DEBIAN_FRONTEND=noninteractive", NULL };

/* The package file, or NULL after a SKIP line. */
static const char *deb_file(void)
{
	if (access(REAPER_DEB_FILE, R_OK) == 0)
		return REAPER_DEB_FILE;
	test_skip("no " REAPER_DEB_FILE " (make deb builds it)");
	return NULL;
}

/* Is the package reaper installed (in any state but gone)? */
static bool package_present(void)
{
	struct run r;
	char *argv[] = { "/usr/bin/dpkg-query", "-W", "-f=${db:Status-Abbrev}", "reaper", NULL };
	if (run_simple(&r, RUN_HOST, argv, RUN_MS) != 0)
		return false; /* dpkg knows no such package */
	return r.out[0] != '\0' && strncmp(r.out, "un", 2) != 0;
}

START_TEST(test_lintian_no_error)
{
	const char *deb = deb_file();
	char lintian[4096];
	if (deb == NULL)
		return;
	if (find_program("lintian", lintian, sizeof lintian) == NULL) {
		test_skip("no lintian (make release-deps installs it)");
		return;
	}
	struct run r;
	char *argv[] = { lintian, "--fail-on", "error", (char *)deb, NULL };
	int got = run_simple(&r, RUN_HOST, argv, APT_MS);
	ck_assert_msg(got == 0, "lintian exited %d:\n%s%s", got, r.out, r.err);
	/* Warnings are allowed; they go to the log for whoever reads it. */
	if (r.out_len > 0)
		fprintf(stderr, "lintian %s:\n%s", deb, r.out);
}
END_TEST

/* Append to problems what is wrong with one step; false when it is. */
static bool step(char *problems, size_t size, bool ok, const char *what, const struct run *r)
{
	if (!ok) {
		size_t len = strlen(problems);
		/* The tail of long output is cut: the start says what went wrong. */
		snprintf(problems + len, size - len, "%s\n%.2000s%.1000s", what, r->out, r->err);
	}
	return ok;
}

START_TEST(test_install_run_remove)
{
	const char *deb = deb_file();
	char apt[4096];
	if (deb == NULL)
		return;
	if (find_program("apt-get", apt, sizeof apt) == NULL) {
		test_skip("no apt-get");
		return;
	}
	if (package_present() || access("/usr/bin/reaper", F_OK) == 0) {
		test_skip("a package reaper or a /usr/bin/reaper is already installed: left alone");
		return;
	}
	char problems[8192] = "";
	struct run_opts opts = { .env_add = apt_env };
	struct run r;
	char *install[] = { apt, "-y", "-q", "-o", "DPkg::Lock::Timeout=240", "install",
			    (char *)deb, NULL };
	run_start(&r, RUN_HOST, install, &opts);
	bool installed = step(problems, sizeof problems, run_wait(&r, APT_MS) == 0,
			      "apt-get install failed:", &r);
	if (installed) {
		char *version[] = { "/usr/bin/reaper", "--version", NULL };
		step(problems, sizeof problems,
		     run_simple(&r, RUN_HOST, version, RUN_MS) == 0 &&
			     strcmp(r.out, "reaper " REAPER_VERSION " - " REAPER_COMMIT "\n") == 0,
		     "/usr/bin/reaper --version:", &r);
		char *job[] = { "/usr/lib/reaper/reaper-static", "--", "/bin/sh", "-c", "exit 7",
				NULL };
		step(problems, sizeof problems, run_simple(&r, RUN_HOST, job, RUN_MS) == 7,
		     "/usr/lib/reaper/reaper-static -- sh -c 'exit 7' did not exit 7:", &r);
		step(problems, sizeof problems,
		     access("/usr/share/man/man1/reaper.1.gz", R_OK) == 0 &&
			     access("/usr/share/doc/reaper/copyright", R_OK) == 0,
		     "no man page or copyright file", &r);
	}
	/* Removed whatever happened above: the machine as found. */
	char *remove[] = { apt, "-y", "-q", "-o", "DPkg::Lock::Timeout=240", "remove", "reaper",
			   NULL };
	run_start(&r, RUN_HOST, remove, &opts);
	int removed = run_wait(&r, APT_MS);
	ck_assert_msg(problems[0] == '\0', "%s", problems);
	ck_assert_msg(removed == 0, "apt-get remove reaper exited %d:\n%s%s", removed, r.out, r.err);
	ck_assert_msg(!package_present(), "the package reaper is still there after apt remove");
	const char *gone[] = { "/usr/bin/reaper", "/usr/lib/reaper", "/usr/share/doc/reaper",
			       "/usr/share/man/man1/reaper.1.gz" };
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
		ck_assert_msg(access(gone[i], F_OK) != 0, "%s is left after apt remove", gone[i]);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("deb");
	TCase *tc = tcase_create("deb");
	tcase_set_timeout(tc, 700);
	tcase_add_test(tc, test_lintian_no_error);
	tcase_add_test(tc, test_install_run_remove);
	suite_add_tcase(s, tc);
	return s;
}
