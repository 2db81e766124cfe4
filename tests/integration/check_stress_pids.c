/*
 * check_stress_pids: PID exhaustion (issue 8, stress test 3). Inside a
 * pids-limited cgroup (pids.max = PIDS_MAX) the job fork-bombs; reaper
 * keeps reaping, the bomb ends when the test stops it, reaper exits with
 * the job's status, and nothing is left in the cgroup.
 *
 * The job is tests/helpers/forkbomb: every bomber makes two more and
 * exits, so the bomb lives on orphans, and a zombie keeps its slot in the
 * cgroup until it is reaped: once the cgroup is full ("limited", the first
 * process creation refused) the bomb can only go on while reaper reaps.
 * The test waits until, after the limit was hit, the bomb has made 20
 * times pids.max more bombers (4 times for spinning bombers, which leave
 * reaper little CPU); then stops it:
 *
 *   TERM    TERM to reaper, forwarded to the job's process group: the
 *           bombers die of it, the bomb's main process exits 3;
 *   ignore  the bombers ignore TERM: the main process exits 3 and the
 *           --orphans policy (TERM, then KILL after --grace) ends them
 *           while they are still forking;
 *   timeout --timeout expires (the bombers ignore its TERM; KILL after
 *           --kill-after): exit 124.
 *
 * Afterwards the cgroup must be empty (pids.current 0, which counts
 * zombies too), its pids.events must show refused forks, and it is
 * removed. Rows run as PID 1 of a new namespace and on the host; the
 * bombers yield the CPU when the cgroup is full, except in the spinning
 * rows, which run as PID 1 only: on the host reaper finds its descendants
 * by reading every process of the machine in /proc, and with 60 spinning
 * bombers taking the CPU that took seconds. A control without reaper
 * shows that the bomb does stall when nobody reaps (the test process
 * inherits the orphans and reaps none for CONTROL_MS).
 *
 * The cgroup: the pids controller of cgroup v1, or cgroup v2 where pids
 * is (or can be) enabled below the test's own cgroup; a new child group
 * per case. The test process moves itself into it just for run_start (a
 * fork inherits its parent's cgroup) and back out at once. When no such
 * cgroup can be made, every case says why on stderr and passes. An
 * unchecked fixture removes the groups a failed case left, killing what
 * is still in them.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define PIDS_MAX 64
#define LINE_MS 20000
#define BOMB_MS 30000
#define CONTROL_MS 2000
#define EXIT_MS 30000
#define JOB_CODE 3


enum stop_how { STOP_TERM, STOP_IGNORE, STOP_TIMEOUT, STOP_CONTROL };

static const struct {
	const char *name;
	enum run_where where;
	enum stop_how how;
	const char *opts[6];     /* reaper's options */
	bool ignore_term, spin;  /* forkbomb's --ignore-term and --spin */
	int progress;            /* forks wanted after the limit, in pids.max */
	int want;                /* reaper's exit code */
} pids_rows[] = {
	{ "TERM", RUN_PID1, STOP_TERM, { NULL }, false, false, 20, JOB_CODE },
	{ "TERM", RUN_HOST, STOP_TERM, { NULL }, false, false, 20, JOB_CODE },
	{ "bombers ignore TERM", RUN_PID1, STOP_IGNORE, { "--grace", "200ms", NULL }, true,
	  false, 20, JOB_CODE },
	{ "bombers ignore TERM", RUN_HOST, STOP_IGNORE, { "--grace", "200ms", NULL }, true,
	  false, 20, JOB_CODE },
	{ "timeout", RUN_PID1, STOP_TIMEOUT, { "--timeout", "1s", "--kill-after", "200ms", NULL },
	  true, false, 0, 124 },
	{ "timeout", RUN_HOST, STOP_TIMEOUT, { "--timeout", "1s", "--kill-after", "200ms", NULL },
	  true, false, 0, 124 },
	/* Bombers that never yield the CPU: as PID 1 only (see the header). */
	{ "spinning, TERM", RUN_PID1, STOP_TERM, { NULL }, false, true, 4, JOB_CODE },
	{ "spinning, bombers ignore TERM", RUN_PID1, STOP_IGNORE, { "--grace", "200ms", NULL },
	  true, true, 4, JOB_CODE },
	/* Control, without reaper: the test process inherits the orphans and
	 * reaps none until the end, so the bomb must stall. */
	{ "control without reaper", RUN_HOST, STOP_CONTROL, { NULL }, false, false, 20, JOB_CODE },
};
#define N_CASES (int)(sizeof pids_rows / sizeof pids_rows[0])

/* ---- the cgroup -------------------------------------------------------- */

/* Found by the unchecked setup, in the runner: forked cases inherit it. */
static char parent_dir[4096];  /* where our groups go; "" when none */
static char home_dir[4096];    /* the group the test process is in */
static char no_cgroup[512];    /* why not, when parent_dir is "" */
static bool cgroup_v2;
static pid_t runner;

static bool read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return true;
}

/* 0, or -errno. */
static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* Does the comma- or space-separated list contain word? */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += len) {
		bool starts = p == list || p[-1] == ',' || p[-1] == ' ';
		bool ends = p[len] == '\0' || p[len] == ',' || p[len] == ' ' || p[len] == '\n';
		if (starts && ends)
			return true;
	}
	return false;
}

/* Our group in the hierarchy of /proc/self/cgroup whose controller list
 * has controller (v1), or the v2 one (controller NULL). */
static bool own_group(const char *controller, char *path, size_t size)
{
	char buf[8192];
	if (!read_text("/proc/self/cgroup", buf, sizeof buf))
		return false;
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char *first = strchr(line, ':');
		char *second = first ? strchr(first + 1, ':') : NULL;
		if (second == NULL)
			continue;
		*second = '\0';
		bool match = controller == NULL ? first[1] == '\0' && strncmp(line, "0", 1) == 0
						: has_word(first + 1, controller);
		if (match) {
			snprintf(path, size, "%s", second + 1);
			return true;
		}
	}
	return false;
}

/* The mount point and root of the first mount of fstype (with option
 * opt among its super options, when opt is not NULL). */
static bool find_mount(const char *fstype, const char *opt, char *point, char *root,
		       size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof line, f) != NULL) {
		char *fields[32];
		int n = 0;
		for (char *tok = strtok(line, " \n"); tok != NULL && n < 32; tok = strtok(NULL, " \n"))
			fields[n++] = tok;
		int dash = -1;
		for (int i = 6; i < n && dash < 0; i++)
			if (strcmp(fields[i], "-") == 0)
				dash = i;
		/* After "-": fstype, source, super options. */
		if (dash < 0 || dash + 3 >= n || strcmp(fields[dash + 1], fstype) != 0)
			continue;
		if (opt != NULL && !has_word(fields[dash + 3], opt))
			continue;
		snprintf(root, size, "%s", fields[3]);
		snprintf(point, size, "%s", fields[4]);
		found = true;
	}
	fclose(f);
	return found;
}

/* mount point + our group's path below the mount's root. */
static void join_group(char *out, size_t size, const char *point, const char *root,
		       const char *group)
{
	size_t root_len = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (root_len > 0 && strncmp(group, root, root_len) == 0)
		group += root_len;
	snprintf(out, size, "%s%s", point, strcmp(group, "/") == 0 ? "" : group);
}

static void find_pids_hierarchy(void)
{
	char point[4096], root[4096], group[4096], buf[4096];
	if (find_mount("cgroup", "pids", point, root, sizeof point) &&
	    own_group("pids", group, sizeof group)) {
		join_group(parent_dir, sizeof parent_dir, point, root, group);
		snprintf(home_dir, sizeof home_dir, "%s", parent_dir);
		cgroup_v2 = false;
		return;
	}
	if (!find_mount("cgroup2", NULL, point, root, sizeof point) ||
	    !own_group(NULL, group, sizeof group)) {
		snprintf(no_cgroup, sizeof no_cgroup,
			 "no cgroup v1 pids hierarchy and no cgroup v2 mount");
		return;
	}
	char dir[4096], path[4200];
	join_group(dir, sizeof dir, point, root, group);
	snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
	if (!read_text(path, buf, sizeof buf) || !has_word(buf, "pids")) {
		snprintf(no_cgroup, sizeof no_cgroup,
			 "cgroup v2 at %.100s: the pids controller is not available in %.300s",
			 point, dir);
		return;
	}
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
	if (!read_text(path, buf, sizeof buf) || !has_word(buf, "pids")) {
		int err = write_text(path, "+pids");
		if (err < 0) {
			snprintf(no_cgroup, sizeof no_cgroup,
				 "cgroup v2: cannot enable pids in %.300s: %s", path, strerror(-err));
			return;
		}
	}
	snprintf(parent_dir, sizeof parent_dir, "%s", dir);
	snprintf(home_dir, sizeof home_dir, "%s", dir);
	cgroup_v2 = true;
}

static void case_dir(int i, char *out, size_t size)
{
	snprintf(out, size, "%s/reaper-stress-pids-%d-%d", parent_dir, (int)runner, i);
}

/* A value of a "key value" file such as pids.events; -1 if not found. */
static long file_value(const char *dir, const char *name, const char *key)
{
	char path[4200], buf[4096];
	snprintf(path, sizeof path, "%.4000s/%s", dir, name);
	if (!read_text(path, buf, sizeof buf))
		return -1;
	if (key == NULL)
		return strtol(buf, NULL, 10);
	size_t len = strlen(key);
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
		if (strncmp(line, key, len) == 0 && line[len] == ' ')
			return strtol(line + len + 1, NULL, 10);
	return -1;
}

static void move_self(const char *dir)
{
	char path[4200], pid[32];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	int err = write_text(path, pid);
	ck_assert_msg(err == 0, "moving the test into %s: %s", dir, strerror(-err));
}

/* Kill what is in dir and remove it; a case that failed half-way may
 * have left a bomb there. Best effort, bounded: the runner's own exit
 * reaps what comes back to it. */
static void sweep(const char *dir)
{
	char path[4200], buf[65536];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	long long deadline = now_ms() + 10000;
	while (rmdir(dir) < 0 && errno != ENOENT && now_ms() < deadline) {
		if (cgroup_v2) {
			char kill_path[4200];
			snprintf(kill_path, sizeof kill_path, "%s/cgroup.kill", dir);
			(void)write_text(kill_path, "1"); /* not on older kernels: the loop below */
		}
		if (read_text(path, buf, sizeof buf))
			for (char *p = strtok(buf, "\n"); p != NULL; p = strtok(NULL, "\n"))
				(void)kill((pid_t)strtol(p, NULL, 10), SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			continue;
		(void)poll(NULL, 0, 1); /* only the cgroup can tell: look again soon */
	}
}

static void setup_cgroup(void)
{
	runner = getpid();
	if (geteuid() != 0) {
		snprintf(no_cgroup, sizeof no_cgroup, "not root: cannot create a cgroup");
		return;
	}
	find_pids_hierarchy();
}

static void teardown_cgroup(void)
{
	if (parent_dir[0] == '\0')
		return;
	for (int i = 0; i < N_CASES; i++) {
		char dir[4200];
		case_dir(i, dir, sizeof dir);
		sweep(dir);
	}
}

/* ---- the case ---------------------------------------------------------- */

/* Read the bomb's lines until it has hit the limit and then made
 * progress * PIDS_MAX more bombers, or until give_up_ms has passed (then
 * false). The forks counted are in *forks, those at the limit in
 * *at_limit (-1 if it was never hit). */
static bool await_progress(struct run *r, int progress, int give_up_ms, long *forks,
			   long *at_limit)
{
	char line[128];
	long long deadline = now_ms() + give_up_ms;
	*forks = 0;
	*at_limit = -1;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0 || !run_read_line(r, line, sizeof line, (int)left))
			return false;
		if (strncmp(line, "limited ", 8) == 0 && *at_limit < 0)
			*at_limit = strtol(line + 8, NULL, 10);
		else if (strncmp(line, "forks ", 6) == 0)
			*forks = strtol(line + 6, NULL, 10);
		if (*at_limit >= 0 && *forks >= *at_limit + (long)progress * PIDS_MAX)
			return true;
	}
}

/* mkdir the case's group with pids.max = PIDS_MAX. */
static void make_group(const char *dir)
{
	char path[4300], max[16];
	ck_assert_msg(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/pids.max", dir);
	snprintf(max, sizeof max, "%d", PIDS_MAX);
	int err = write_text(path, max);
	ck_assert_msg(err == 0, "%s: %s", path, strerror(-err));
}

START_TEST(test_pid_exhaustion)
{
	if (parent_dir[0] == '\0') {
		fprintf(stderr, "SKIP %s: %s\n", tcase_name(), no_cgroup);
		return;
	}
	enum stop_how how = pids_rows[_i].how;
	enum run_where where = pids_rows[_i].where;
	char what[128];
	snprintf(what, sizeof what, "%s, %s", pids_rows[_i].name, where_phrase(where));
	char dir[4200];
	case_dir(_i, dir, sizeof dir);
	make_group(dir);

	char *argv[24];
	size_t argc = 0;
	if (how != STOP_CONTROL) {
		argv[argc++] = (char *)reaper_path();
		for (size_t i = 0; pids_rows[_i].opts[i] != NULL; i++)
			argv[argc++] = (char *)pids_rows[_i].opts[i];
		argv[argc++] = "--";
	}
	argv[argc++] = (char *)helper_path("forkbomb");
	argv[argc++] = "--cgroup";
	argv[argc++] = dir;
	argv[argc++] = "--exit";
	argv[argc++] = "3";
	if (pids_rows[_i].ignore_term)
		argv[argc++] = "--ignore-term";
	if (pids_rows[_i].spin)
		argv[argc++] = "--spin";
	argv[argc] = NULL;

	struct run r;
	long long start = now_ms();
	move_self(dir);
	run_start(&r, where, argv, NULL);
	move_self(home_dir);

	/* "limited" may come before "ready": read every line from the first. */
	long forks, at_limit;
	if (how == STOP_CONTROL) {
		bool went_on = await_progress(&r, pids_rows[_i].progress, CONTROL_MS, &forks,
					      &at_limit);
		ck_assert_msg(at_limit >= 0, "%s: the bomb never hit pids.max = %d\n"
			      "--- stdout:\n%s\n--- stderr:\n%s", what, PIDS_MAX, r.out, r.err);
		ck_assert_msg(!went_on, "%s: with nobody reaping, the bomb still made %ld forks "
			      "after the limit (at %ld): the test cannot tell a reaper that reaps",
			      what, forks - at_limit, at_limit);
	} else {
		/* progress 0 (timeout rows): the limit is enough, the timeout
		 * stops the bomb. */
		ck_assert_msg(await_progress(&r, pids_rows[_i].progress, BOMB_MS, &forks, &at_limit),
			      "%s: the bomb stalled at %ld forks (the limit was hit at %ld): "
			      "reaper stopped reaping?\n--- stdout:\n%s\n--- stderr:\n%s", what, forks,
			      at_limit, r.out, r.err);
	}
	/* TERM to reaper; in the control, to the bomb's process group (the
	 * harness made it one), so that its bombers die at once too. */
	long long stop = now_ms();
	if (how == STOP_CONTROL)
		ck_assert_int_eq(kill(-r.pid, SIGTERM), 0);
	else if (how != STOP_TIMEOUT)
		run_signal(&r, SIGTERM);
	int code = run_wait(&r, EXIT_MS);
	fprintf(stderr, "stress_pids %s: limit hit at %ld forks, %ld forks in %lld ms, "
		"then %lld ms to the end\n", what, at_limit, forks, stop - start, now_ms() - stop);
	ck_assert_msg(code == pids_rows[_i].want, "%s: reaper exited %d, want %d\n"
		      "--- stderr:\n%s", what, code, pids_rows[_i].want, r.err);
	if (how != STOP_CONTROL)
		ck_assert_msg(r.leftovers == 0, "%s: %d processes left behind", what, r.leftovers);
	long current = file_value(dir, "pids.current", NULL);
	long refused = file_value(dir, "pids.events", "max");
	ck_assert_msg(current == 0, "%s: pids.current is %ld after reaper exited", what, current);
	ck_assert_msg(refused > 0, "%s: pids.events shows no fork refused (max %ld)", what,
		      refused);
	ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("stress_pids");
	TCase *tc = tcase_create("pid exhaustion");
	tcase_set_timeout(tc, 90);
	tcase_add_unchecked_fixture(tc, setup_cgroup, teardown_cgroup);
	tcase_add_loop_test(tc, test_pid_exhaustion, 0, N_CASES);
	suite_add_tcase(s, tc);
	return s;
}
