/*
 * check_stress_fds: reaper's own descriptors never leak into the child
 * (issue 8, stress test 6; STYLE.md "every descriptor reaper makes is
 * close-on-exec from birth").
 *
 * The child is tests/helpers/fdlist, which prints the descriptors it was
 * started with ("fds 0 1 2", then "fd N TARGET" lines). It must see
 * exactly the descriptors the caller gave reaper, no more and no fewer,
 * whatever reaper opened for itself meanwhile: its signalfd, the child's
 * pidfd, the exec-error pipe, a --trace-file, the --isolate control pipe
 * and namespace helper, and what -u resolves (passwd, group). The caller's
 * descriptors are set up by tests/helpers/fdplay: extra ones (5 and 9,
 * opened on /dev/null), or 0, 1, or 2 closed, so that reaper's own
 * descriptors take those low numbers: a child that then saw fd 1 would be
 * writing into reaper's signalfd.
 *
 * Each row runs as PID 1 of a new namespace and on the host, and must
 * exit with fdlist's code (3), which also proves the list was printed.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define RUN_MS 15000
#define CHILD_CODE 3


/* "@TRACE" in opts stands for a trace file in the test's own directory. */
static const struct {
	const char *name;
	const char *play[8];   /* fdplay steps; { NULL }: run reaper directly */
	const char *opts[8];   /* reaper's options */
	const char *want;      /* fdlist's first line */
	bool on_stderr;        /* stdout closed: fdlist writes to stderr */
} fd_rows[] = {
	{ "plain", { NULL }, { NULL }, "fds 0 1 2", false },
	{ "--trace-file", { NULL }, { "--trace-file", "@TRACE", NULL }, "fds 0 1 2", false },
	{ "--trace, -v", { NULL }, { "--trace", "-v", NULL }, "fds 0 1 2", false },
	{ "--isolate", { NULL }, { "--isolate", NULL }, "fds 0 1 2", false },
	{ "-u nobody", { NULL }, { "-u", "nobody", NULL }, "fds 0 1 2", false },
	{ "--timeout, --report", { NULL }, { "--timeout", "60s", "--report", NULL },
	  "fds 0 1 2", false },
	{ "--isolate -u --trace-file", { NULL },
	  { "--isolate", "-u", "nobody:nogroup", "--trace-file", "@TRACE", NULL }, "fds 0 1 2",
	  false },
	{ "caller passes 5 and 9", { "--open", "5=/dev/null", "--open", "9=/dev/null", NULL },
	  { "--trace-file", "@TRACE", NULL }, "fds 0 1 2 5 9", false },
	{ "caller passes 5 and 9, --isolate -u", { "--open", "5=/dev/null", "--open",
	  "9=/dev/null", NULL }, { "--isolate", "-u", "nobody", NULL }, "fds 0 1 2 5 9", false },
	{ "stdin closed", { "--close", "0", NULL }, { "--trace-file", "@TRACE", NULL },
	  "fds 1 2", false },
	{ "stdout closed", { "--close", "1", NULL }, { "--trace-file", "@TRACE", NULL },
	  "fds 0 2", true },
	{ "stdin and stdout closed, --isolate", { "--close", "0", "--close", "1", NULL },
	  { "--isolate", "-v", NULL }, "fds 2", true },
	{ "stdin and stdout closed, 5 passed, -u --trace-file", { "--close", "0", "--close", "1",
	  "--open", "5=/dev/null", NULL }, { "-u", "nobody", "--trace-file", "@TRACE", NULL },
	  "fds 2 5", true },
};
#define N_FD_ROWS (int)(sizeof fd_rows / sizeof fd_rows[0])

/* The text from "fds " up to the "end" line in text, into out. */
static bool listing(const char *text, char *out, size_t size)
{
	const char *start = strstr(text, "fds ");
	while (start != NULL && start != text && start[-1] != '\n')
		start = strstr(start + 1, "fds ");
	if (start == NULL)
		return false;
	const char *end = strstr(start, "\nend\n");
	if (end == NULL)
		return false;
	snprintf(out, size, "%.*s", (int)(end - start), start);
	return true;
}

/* The target fdlist printed for fd, or "" when it listed none. */
static void target_of(const char *list, int fd, char *out, size_t size)
{
	char key[32];
	snprintf(key, sizeof key, "\nfd %d ", fd);
	const char *p = strstr(list, key);
	out[0] = '\0';
	if (p != NULL)
		snprintf(out, size, "%.*s", (int)strcspn(p + strlen(key), "\n"), p + strlen(key));
}

START_TEST(test_child_sees_only_what_the_caller_passed)
{
	int row = _i / 2;
	enum run_where where = wheres[_i % N_WHERES];
	char dir[] = "/tmp/reaper-fds-XXXXXX";
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	/* -u nobody must be able to get to its program: it is in the build
	 * tree, readable by all; the trace file is written by reaper. */
	char trace[64];
	snprintf(trace, sizeof trace, "%s/trace", dir);

	char *argv[32];
	size_t argc = 0;
	bool played = fd_rows[row].play[0] != NULL;
	if (played) {
		argv[argc++] = (char *)helper_path("fdplay");
		for (size_t i = 0; fd_rows[row].play[i] != NULL; i++)
			argv[argc++] = (char *)fd_rows[row].play[i];
		argv[argc++] = "--";
	}
	argv[argc++] = (char *)reaper_path();
	bool traced = false;
	for (size_t i = 0; fd_rows[row].opts[i] != NULL; i++) {
		bool is_trace = strcmp(fd_rows[row].opts[i], "@TRACE") == 0;
		traced = traced || is_trace;
		argv[argc++] = is_trace ? trace : (char *)fd_rows[row].opts[i];
	}
	argv[argc++] = "--";
	argv[argc++] = (char *)helper_path("fdlist");
	argv[argc++] = "--exit";
	argv[argc++] = "3";
	argv[argc] = NULL;

	struct run r;
	run_start(&r, where, argv, NULL);
	int code = run_wait(&r, RUN_MS);
	const char *what = fd_rows[row].name;
	ck_assert_msg(code == CHILD_CODE, "%s, %s: reaper exited %d, want fdlist's %d\n"
		      "--- stdout:\n%s\n--- stderr:\n%s", what, where_phrase(where), code,
		      CHILD_CODE, r.out, r.err);

	char list[4096];
	const char *text = fd_rows[row].on_stderr ? r.err : r.out;
	ck_assert_msg(listing(text, list, sizeof list), "%s, %s: no fd listing\n--- stdout:\n%s\n"
		      "--- stderr:\n%s", what, where_phrase(where), r.out, r.err);
	size_t first = strcspn(list, "\n");
	ck_assert_msg(strlen(fd_rows[row].want) == first &&
		      strncmp(list, fd_rows[row].want, first) == 0,
		      "%s, %s: the child has \"%.*s\", want \"%s\" (what the caller passed)\n%s",
		      what, where_phrase(where), (int)first, list, fd_rows[row].want, list);

	/* None of what the child has is one of reaper's anonymous objects
	 * (signalfd, pidfd, timerfd) or the trace file. */
	for (int fd = 0; fd < 16; fd++) {
		char target[512];
		target_of(list, fd, target, sizeof target);
		ck_assert_msg(strncmp(target, "anon_inode:", 11) != 0 && strcmp(target, trace) != 0,
			      "%s, %s: the child's fd %d is %s\n%s", what, where_phrase(where), fd,
			      target, list);
	}
	if (played) {
		char target[512];
		for (int fd = 5; fd <= 9; fd += 4) {
			if (strstr(fd_rows[row].want, fd == 5 ? " 5" : " 9") == NULL)
				continue;
			target_of(list, fd, target, sizeof target);
			ck_assert_msg(strcmp(target, "/dev/null") == 0,
				      "%s, %s: the child's fd %d is \"%s\", the caller passed /dev/null",
				      what, where_phrase(where), fd, target);
		}
	}

	/* The trace file was open in reaper while the child started: the
	 * case could have leaked it. */
	if (traced) {
		FILE *f = fopen(trace, "re");
		ck_assert_msg(f != NULL, "%s: no trace file %s: %s", what, trace, strerror(errno));
		char buf[4096];
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		ck_assert_msg(strstr(buf, "event=spawn") != NULL, "%s: the trace has no spawn:\n%s",
			      what, buf);
		ck_assert_int_eq(unlink(trace), 0);
	}
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_msg(r.leftovers == 0, "%s: %d processes left behind", what, r.leftovers);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("stress_fds");
	TCase *tc = tcase_create("fds");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_child_sees_only_what_the_caller_passed, 0, 2 * N_FD_ROWS);
	suite_add_tcase(s, tc);
	return s;
}
