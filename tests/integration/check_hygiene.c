/*
 * check_hygiene: PID-1 hygiene once the child runs (issue 2).
 *
 * - reaper moves to "/" (its cwd must not pin a mount) and keeps only
 *   stderr and its own anonymous descriptors: the descriptors it was given
 *   (stdin, stdout, an extra fd 7) are closed in reaper, yet the child has
 *   every one of them;
 * - with socket activation, LISTEN_PID addressed to reaper is re-pointed at
 *   the child; LISTEN_PID addressed to someone else is left alone.
 *
 * Reaper settles (chdir, close) between exec and its event loop, so the
 * test first proves the loop runs: a forwarded USR1 reaches the child.
 */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <dirent.h>
#include <unistd.h>

#include "harness.h"

#define LINE_MS 10000
#define EXIT_MS 15000

/* The target of /proc/<pid>/<what>, or "" when it cannot be read. */
static void read_link(pid_t pid, const char *what, char *out, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	ssize_t n = readlink(path, out, size - 1);
	out[n > 0 ? n : 0] = '\0';
}

/* The first child of pid, from /proc/<pid>/task/<pid>/children. */
static pid_t first_child(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	int child = 0;
	int got = fscanf(f, "%d", &child);
	fclose(f);
	ck_assert_msg(got == 1, "reaper %d has no child", (int)pid);
	return child;
}

START_TEST(settles_in_root_holding_nothing_of_the_childs)
{
	struct run *r = calloc(1, sizeof(*r));
	char script[512];
	snprintf(script, sizeof(script),
		 "exec 7</etc/hostname; exec %s -- sh -c "
		 "'trap \"echo usr1\" USR1; echo ready; while :; do sleep 0.02; done'",
		 reaper_path());
	char *const argv[] = {"/bin/sh", "-c", script, NULL};
	struct run_opts opts = {.pipe_stdin = true, .cwd = "/tmp"};
	char line[256];

	run_start(r, RUN_HOST, argv, &opts);
	ck_assert(run_expect_line(r, "ready", LINE_MS));
	run_signal(r, SIGUSR1);
	ck_assert_msg(run_expect_line(r, "usr1", LINE_MS), "USR1 was not forwarded");

	pid_t reaper = r->pid; /* sh exec'd reaper: same pid */
	read_link(reaper, "cwd", line, sizeof(line));
	ck_assert_str_eq(line, "/");

	char dir_path[64];
	snprintf(dir_path, sizeof(dir_path), "/proc/%d/fd", (int)reaper);
	DIR *dir = opendir(dir_path);
	ck_assert(dir != NULL);
	int kept = 0;
	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		snprintf(dir_path, sizeof(dir_path), "fd/%d", fd);
		read_link(reaper, dir_path, line, sizeof(line));
		ck_assert_msg(fd == 2 || strncmp(line, "anon_inode:", 11) == 0,
			      "reaper still holds fd %d -> %s", fd, line);
		kept++;
	}
	closedir(dir);
	ck_assert_int_ge(kept, 2); /* stderr and the signalfd at least */

	pid_t child = first_child(reaper);
	read_link(child, "cwd", line, sizeof(line));
	ck_assert_str_eq(line, "/tmp");
	read_link(child, "fd/7", line, sizeof(line));
	ck_assert_str_eq(line, "/etc/hostname");
	read_link(child, "fd/0", line, sizeof(line));
	ck_assert_msg(strncmp(line, "pipe:", 5) == 0, "child stdin is %s", line);

	run_signal(r, SIGTERM);
	ck_assert_int_eq(run_wait(r, EXIT_MS), 128 + SIGTERM);
	free(r);
}
END_TEST

/* sh -c 'export LISTEN_PID=$$; exec reaper ...': $$ is reaper's pid. */
static const struct {
	const char *listen_pid;  /* shell word for LISTEN_PID */
	bool repointed;          /* the child must see its own pid */
} listen_rows[] = {
	{"$$", true},
	{"1", false},
};

START_TEST(listen_pid_follows_the_child)
{
	struct run *r = calloc(1, sizeof(*r));
	char script[512];
	snprintf(script, sizeof(script),
		 "export LISTEN_FDS=1 LISTEN_PID=%s; exec %s -- sh -c "
		 "'echo \"$LISTEN_PID $$\"'",
		 listen_rows[_i].listen_pid, reaper_path());
	char *const argv[] = {"/bin/sh", "-c", script, NULL};
	char line[128];

	run_start(r, RUN_HOST, argv, NULL);
	pid_t reaper = r->pid;
	ck_assert(run_read_line(r, line, sizeof(line), LINE_MS));
	ck_assert_int_eq(run_wait(r, EXIT_MS), 0);

	long seen = 0, child = 0;
	ck_assert_int_eq(sscanf(line, "%ld %ld", &seen, &child), 2);
	if (listen_rows[_i].repointed) {
		ck_assert_int_eq(seen, child);
		ck_assert_int_ne(seen, reaper);
	} else {
		ck_assert_int_eq(seen, 1);
	}
	free(r);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("hygiene");
	TCase *tc = tcase_create("settle");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, settles_in_root_holding_nothing_of_the_childs);
	tcase_add_loop_test(tc, listen_pid_follows_the_child, 0,
			    (int)(sizeof(listen_rows) / sizeof(listen_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
