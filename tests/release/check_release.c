/*
 * check_release: the binaries `make release` ships (issue 19), as a user
 * gets them: build/release/reaper-VERSION-ARCH for x86_64 and aarch64 and
 * SHA256SUMS. The checksums verify; file(1) says each is static, stripped
 * and for its machine; --version names the version and the commit; and
 * each one's core behaviour (exit codes, forwarded signals, reaped orphans,
 * --timeout) holds as PID 1 of a PID namespace, the binary of another
 * machine under qemu-user (qemu-ARCH-static, Debian's qemu-user-static).
 *
 * Under emulation the children are this machine's helpers (build/helpers):
 * without binfmt_misc, which is not mounted here, the kernel cannot exec a
 * program of another machine, and qemu-user runs only the program it was
 * given. What qemu-user 7.2 cannot emulate, and is skipped there only:
 * - the two lowest real-time signals of the host (34 and 35) land on
 *   glibc's reserved ones in the guest; sent to the emulated reaper they
 *   are never seen again (the job gets neither them nor what follows);
 * - PR_SET_CHILD_SUBREAPER is refused: off PID 1 the emulated reaper warns
 *   once and runs the job (test_host_runs_job checks the warning).
 * CLONE_PIDFD and clone3 are refused too; reaper's fallback is what runs.
 *
 * A case prints one SKIP line and passes when its binary is not built
 * (make release) or there is no qemu-user for it.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 30000 /* an emulated start is slower; this only bounds a hang */
#define LINE_MS 10000

static const struct target {
	const char *arch;    /* uname -m, and the suffix of the binary's name */
	const char *machine; /* what file(1) calls it */
} targets[] = {
	{ "x86_64", "x86-64" },
	{ "aarch64", "ARM aarch64" },
};
#define N_TARGETS ((int)(sizeof targets / sizeof targets[0]))

/* How to start one release binary: argv[0..n) of the prefix. */
struct runner {
	char path[4096];
	char qemu[4096];
	bool emulated;
	char *prefix[2];
	int n;
};

/* Fill ru for t; false (after one SKIP line) when it cannot run here. */
static bool find_runner(const struct target *t, struct runner *ru)
{
	struct utsname u;

	ck_assert_msg(uname(&u) == 0, "uname failed");
	snprintf(ru->path, sizeof ru->path, "%s/reaper-%s-%s", REAPER_RELEASE_DIR, REAPER_VERSION,
		 t->arch);
	if (access(ru->path, X_OK) != 0) {
		char why[4200];
		snprintf(why, sizeof why, "no %s (make release builds it)", ru->path);
		test_skip(why);
		return false;
	}
	ru->emulated = strcmp(u.machine, t->arch) != 0;
	ru->n = 0;
	if (ru->emulated) {
		char name[64];
		snprintf(name, sizeof name, "qemu-%s-static", t->arch);
		if (find_program(name, ru->qemu, sizeof ru->qemu) == NULL) {
			char why[128];
			snprintf(why, sizeof why, "no %s to run the %s binary (Debian: qemu-user-static)",
				 name, t->arch);
			test_skip(why);
			return false;
		}
		ru->prefix[ru->n++] = ru->qemu;
	}
	ru->prefix[ru->n++] = ru->path;
	return true;
}

/* argv = the runner's prefix, then args (NULL-terminated). */
static void make_argv(char **argv, size_t size, const struct runner *ru, char *const *args)
{
	size_t i = 0;
	for (int p = 0; p < ru->n; p++)
		argv[i++] = ru->prefix[p];
	for (; *args; args++) {
		ck_assert_msg(i + 1 < size, "argv too small");
		argv[i++] = *args;
	}
	argv[i] = NULL;
}

START_TEST(test_checksums)
{
	char sha[4096];
	if (find_program("sha256sum", sha, sizeof sha) == NULL) {
		test_skip("no sha256sum");
		return;
	}
	char sums[4200];
	snprintf(sums, sizeof sums, "%s/SHA256SUMS", REAPER_RELEASE_DIR);
	if (access(sums, R_OK) != 0) {
		test_skip("no SHA256SUMS (make release writes it)");
		return;
	}
	struct run r;
	char *argv[] = { sha, "-c", "SHA256SUMS", NULL };
	struct run_opts opts = { .cwd = REAPER_RELEASE_DIR };
	run_start(&r, RUN_HOST, argv, &opts);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "sha256sum -c SHA256SUMS exited %d:\n%s%s", got, r.out, r.err);
	for (int i = 0; i < N_TARGETS; i++) {
		char want[128];
		snprintf(want, sizeof want, "reaper-%s-%s: OK", REAPER_VERSION, targets[i].arch);
		ck_assert_msg(run_count_lines(&r, want) == 1, "SHA256SUMS does not verify \"%s\":\n%s",
			      want, r.out);
	}
}
END_TEST

/* file(1): statically linked, stripped, for its machine. */
START_TEST(test_file_type)
{
	const struct target *t = &targets[_i];
	struct runner ru;
	char file[4096];
	if (!find_runner(t, &ru))
		return;
	if (find_program("file", file, sizeof file) == NULL) {
		test_skip("no file(1) (Debian: file; make release-deps installs it)");
		return;
	}
	struct run r;
	char *argv[] = { file, "-b", ru.path, NULL };
	ck_assert_int_eq(run_simple(&r, RUN_HOST, argv, TIMEOUT_MS), 0);
	ck_assert_msg(strstr(r.out, "statically linked") != NULL, "%s: not static: %s", ru.path, r.out);
	ck_assert_msg(strstr(r.out, t->machine) != NULL, "%s: not %s: %s", ru.path, t->machine, r.out);
	ck_assert_msg(strstr(r.out, ", stripped") != NULL, "%s: not stripped: %s", ru.path, r.out);
}
END_TEST

START_TEST(test_version)
{
	struct runner ru;
	if (!find_runner(&targets[_i], &ru))
		return;
	char *argv[8], *args[] = { "--version", NULL };
	make_argv(argv, 8, &ru, args);
	struct run r;
	ck_assert_int_eq(run_simple(&r, RUN_HOST, argv, TIMEOUT_MS), 0);
	ck_assert_str_eq(r.out, "reaper " REAPER_VERSION " - " REAPER_COMMIT "\n");
}
END_TEST

/* The job's exit code, and 128 + S for a job killed by S. */
START_TEST(test_exit_codes)
{
	struct runner ru;
	if (!find_runner(&targets[_i], &ru))
		return;
	char *argv[16];
	char *exit7[] = { "--", "/bin/sh", "-c", "exit 7", NULL };
	char *killed[] = { "--", "/bin/sh", "-c", "kill -TERM $$", NULL };
	struct run r;

	make_argv(argv, 16, &ru, exit7);
	int got = run_simple(&r, RUN_PID1, argv, TIMEOUT_MS);
	ck_assert_msg(got == 7, "%s: exit 7: reaper exited %d; stderr: %s", ru.path, got, r.err);
	make_argv(argv, 16, &ru, killed);
	got = run_simple(&r, RUN_PID1, argv, TIMEOUT_MS);
	ck_assert_msg(got == 128 + SIGTERM, "%s: job killed by TERM: reaper exited %d; stderr: %s",
		      ru.path, got, r.err);
}
END_TEST

/* Signals sent to reaper reach the job (sigrecorder) as they were sent. */
static const int fwd_signals[] = { SIGHUP, SIGUSR1, SIGWINCH, 34, 35, 36, 62 };
#define N_FWD ((int)(sizeof fwd_signals / sizeof fwd_signals[0]))

START_TEST(test_forwarding)
{
	struct runner ru;
	if (!find_runner(&targets[_i / N_FWD], &ru))
		return;
	int sig = fwd_signals[_i % N_FWD];
	if (ru.emulated && (sig == 34 || sig == 35)) {
		test_skip("qemu-user maps the host's two lowest real-time signals onto glibc's "
			  "reserved ones: the emulated reaper never sees them");
		return;
	}
	char *argv[16];
	char *args[] = { "--", (char *)helper_path("sigrecorder"), "--exit-on", "TERM", "--exit",
			 "3", NULL };
	make_argv(argv, 16, &ru, args);
	struct run r;
	run_start(&r, RUN_PID1, argv, NULL);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS),
		      "%s: the recorder never said ready; stderr: %s", ru.path, r.err);
	/* reaper forked the recorder: its signal handling is set up. */
	pid_t reaper = run_reaper_pid(&r, LINE_MS);
	char want[32];
	ck_assert_int_eq(kill(reaper, sig), 0);
	snprintf(want, sizeof want, "sig %d", sig);
	ck_assert_msg(run_expect_line(&r, want, LINE_MS), "%s: signal %d not forwarded:\n%s%s",
		      ru.path, sig, r.out, r.err);
	ck_assert_int_eq(kill(reaper, SIGTERM), 0);
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 3, "%s: after TERM reaper exited %d, want 3:\n%s%s", ru.path, got,
		      r.out, r.err);
}
END_TEST

/* Orphans re-parented to reaper as PID 1 are reaped while the job runs. */
START_TEST(test_reaps_orphans)
{
	struct runner ru;
	if (!find_runner(&targets[_i], &ru))
		return;
	char *argv[16];
	char *args[] = { "--", (char *)helper_path("orphanfactory"), "--wait", "5", NULL };
	make_argv(argv, 16, &ru, args);
	struct run_opts opts = { .pipe_stdin = true };
	struct run r;
	run_start(&r, RUN_PID1, argv, &opts);
	ck_assert_msg(run_expect_line(&r, "done", LINE_MS), "%s: no \"done\"; stderr: %s", ru.path,
		      r.err);
	pid_t reaper = run_reaper_pid(&r, LINE_MS);
	/* Left: the factory alone, no zombie. */
	await_below(&r, reaper, 0, 1, LINE_MS, "the 5 orphans reaped");
	ck_assert_int_eq(write(r.stdin_fd, "\n", 1), 1); /* the factory exits 0 */
	int got = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(got == 0, "%s: reaper exited %d; stderr: %s", ru.path, got, r.err);
}
END_TEST

/* --timeout: the job is stopped, reaper exits 124. */
START_TEST(test_timeout)
{
	struct runner ru;
	if (!find_runner(&targets[_i], &ru))
		return;
	char *argv[16];
	char *args[] = { "--timeout", "1s", "--", "/bin/sleep", "100", NULL };
	make_argv(argv, 16, &ru, args);
	struct run r;
	int got = run_simple(&r, RUN_PID1, argv, TIMEOUT_MS);
	ck_assert_msg(got == 124, "%s: --timeout 1s: reaper exited %d; stderr: %s", ru.path, got,
		      r.err);
}
END_TEST

/* Off PID 1 the job runs and its code comes through; where qemu-user
 * refuses PR_SET_CHILD_SUBREAPER, reaper says so in one line. */
START_TEST(test_host_runs_job)
{
	struct runner ru;
	if (!find_runner(&targets[_i], &ru))
		return;
	char *argv[16];
	char *args[] = { "--", "/bin/sh", "-c", "exit 7", NULL };
	make_argv(argv, 16, &ru, args);
	struct run r;
	int got = run_simple(&r, RUN_HOST, argv, TIMEOUT_MS);
	ck_assert_msg(got == 7, "%s on the host: reaper exited %d; stderr: %s", ru.path, got, r.err);
	const char *want = ru.emulated ? "reaper: cannot become a child subreaper (Invalid argument): "
					 "orphans of the job go to the host's init, not to reaper\n"
				       : "";
	ck_assert_msg(strcmp(r.err, want) == 0, "%s on the host: stderr is not \"%s\":\n%s",
		      ru.path, want, r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("release");
	TCase *tc = tcase_create("files");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_checksums);
	tcase_add_loop_test(tc, test_file_type, 0, N_TARGETS);
	tcase_add_loop_test(tc, test_version, 0, N_TARGETS);
	suite_add_tcase(s, tc);

	tc = tcase_create("behaviour");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_exit_codes, 0, N_TARGETS);
	tcase_add_loop_test(tc, test_forwarding, 0, N_TARGETS * N_FWD);
	tcase_add_loop_test(tc, test_reaps_orphans, 0, N_TARGETS);
	tcase_add_loop_test(tc, test_timeout, 0, N_TARGETS);
	tcase_add_loop_test(tc, test_host_runs_job, 0, N_TARGETS);
	suite_add_tcase(s, tc);
	return s;
}
