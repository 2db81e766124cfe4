/*
 * check_hostjob: reaper wrapping a job on a host (issue 3, tests 5, 6 and
 * 8; DESIGN.md, "Orphans and the host case").
 *
 * - test 5: SIGTERM to reaper wrapping `sh -c 'sleep 1000 & sleep 1000'`
 *   leaves no process of the job alive (also with a sleep escaped by
 *   setsid, and under --isolate);
 * - test 6: `kill -9` of reaper kills the main child through its
 *   parent-death signal (KILL by default; --child-pdeathsig and
 *   REAPER_CHILD_PDEATHSIG choose another, or none); with --isolate it
 *   kills every process of the job, a grandchild escaped with setsid and a
 *   double-forked one included. The control without --isolate shows those
 *   two survive there, so the check can fail;
 * - test 8: a sibling started by the test, outside reaper's tree, gets no
 *   signal at all whatever reaper does: orphans terminated and KILLed, tree
 *   forwarding, timeout and KILL, --isolate stopped by TERM or killed.
 *
 * Every process of the job is pinned with a pidfd while it is known to be
 * alive and below reaper, so "it is gone" cannot be fooled by PID reuse.
 * Reaper's death is waited for through a pidfd with a deadline, pumping
 * its output meanwhile; run_wait comes after the checks, since it kills
 * whatever is left. On the host whatever reaper leaves is re-parented to
 * the test process (a child subreaper), which lets the test see how a
 * re-parented main child died (waitid on its pidfd).
 */
#define _GNU_SOURCE
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000
/* How long a process may take to die once its killer has acted. */
#define DEATH_MS 5000
#define MAX_TREE 64

/* ---- /proc and pidfds ---------------------------------------------------- */

/* The parsed numbers of a /proc children file, appended to out. */
static int read_children(const char *path, pid_t *out, int n, int max)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return n; /* the task is gone: no children */
	long value = -1;
	int c;
	while ((c = getc(f)) != EOF) {
		if (isdigit(c)) {
			value = (value < 0 ? 0 : value * 10) + (c - '0');
		} else if (value > 0) {
			ck_assert_msg(n < max, "more than %d processes below reaper", max);
			out[n++] = (pid_t)value;
			value = -1;
		}
	}
	fclose(f);
	return n;
}

/* Every descendant of root (the children of each of its threads, and
 * theirs), into out; returns how many. */
static int descendants(pid_t root, pid_t *out, int max)
{
	int n = 0;
	pid_t queue[MAX_TREE + 1];
	int head = 0, tail = 0;
	queue[tail++] = root;
	while (head < tail) {
		pid_t pid = queue[head++];
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
		DIR *dir = opendir(path);
		if (dir == NULL)
			continue;
		struct dirent *de;
		while ((de = readdir(dir)) != NULL) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			char cpath[320];
			snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", (int)pid,
				 de->d_name);
			int before = n;
			n = read_children(cpath, out, n, max);
			for (int i = before; i < n; i++) {
				ck_assert_msg(tail <= MAX_TREE, "tree too large");
				queue[tail++] = out[i];
			}
		}
		closedir(dir);
	}
	return n;
}

/* The line of /proc/<pid>/status that starts with key, or "" if none. */
static void status_field(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	out[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, strlen(key)) == 0) {
			snprintf(out, size, "%s", line + strlen(key));
			break;
		}
	}
	fclose(f);
}

/* pid as its innermost PID namespace numbers it (the last NSpid field). */
static pid_t inner_pid(pid_t pid)
{
	char field[128];
	status_field(pid, "NSpid:", field, sizeof field);
	char *p = field, *end;
	long last = -1;
	for (;;) {
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno != 0)
			break;
		last = v;
		p = end;
	}
	return (pid_t)last;
}

static bool has_name(pid_t pid, const char *name)
{
	char field[64];
	status_field(pid, "Name:", field, sizeof field);
	char *nl = strchr(field, '\n');
	if (nl != NULL)
		*nl = '\0';
	char *start = field;
	while (*start == '\t' || *start == ' ')
		start++;
	return strcmp(start, name) == 0;
}

/* The host pid of the descendant of root that its own namespace calls
 * ns_pid (the same number on the host, without a namespace). */
static pid_t host_pid(pid_t root, pid_t ns_pid)
{
	pid_t tree[MAX_TREE];
	int n = descendants(root, tree, MAX_TREE);
	for (int i = 0; i < n; i++)
		if (inner_pid(tree[i]) == ns_pid)
			return tree[i];
	ck_abort_msg("no descendant of %d is pid %d in its namespace", (int)root, (int)ns_pid);
	return -1;
}

/* ---- the job's lines ---------------------------------------------------- */

/* Wait for jobtree's "ready PID" and return PID. */
static pid_t expect_ready(struct run *r)
{
	char line[128];
	ck_assert_msg(run_expect_prefix(r, "ready ", line, sizeof line, LINE_MS),
		      "no 'ready'; stdout: %s; stderr: %s", r->out, r->err);
	return (pid_t)line_field(line, 1, 1);
}

/* PID from "grandchild KIND PID SID" among what r printed (the
 * grandchildren print in any order, all before "ready"). */
static pid_t grandchild_pid(const struct run *r, const char *kind)
{
	char prefix[64];
	int len = snprintf(prefix, sizeof prefix, "grandchild %s ", kind);
	for (const char *line = r->out; *line != '\0';) {
		if (strncmp(line, prefix, (size_t)len) == 0)
			return (pid_t)line_field(line, 2, 1);
		const char *nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	ck_abort_msg("no '%s' line; stdout: %s", prefix, r->out);
	return -1;
}

static void expect_line(struct run *r, const char *want)
{
	ck_assert_msg(run_expect_line(r, want, LINE_MS), "no '%s'; stdout: %s; stderr: %s", want,
		      r->out, r->err);
}

/* ---- test 5: SIGTERM to reaper on the host ------------------------------- */

static const struct shell_job {
	const char *name;
	bool isolate;
	const char *script;
} shell_jobs[] = {
	{ "sh with two sleeps", false, "sleep 1000 & sleep 1000" },
	{ "a sleep escaped with setsid", false, "setsid sleep 1000 & sleep 1000" },
	{ "--isolate", true, "sleep 1000 & sleep 1000" },
};
#define N_SHELL_JOBS (int)(sizeof shell_jobs / sizeof shell_jobs[0])

/* Wait until two sleeps run below reaper; pin every process of the job. */
static int pin_shell_job(struct run *r, int *fds, int max)
{
	long long deadline = now_ms() + LINE_MS;
	pid_t tree[MAX_TREE];
	int n, sleeps;
	for (;;) {
		n = descendants(r->pid, tree, MAX_TREE);
		sleeps = 0;
		for (int i = 0; i < n; i++)
			sleeps += has_name(tree[i], "sleep");
		if (sleeps == 2)
			break;
		ck_assert_msg(now_ms() < deadline, "%d sleeps below reaper after %d ms; stderr: %s",
			      sleeps, LINE_MS, r->err);
		run_pump(r, 1); /* only /proc can tell: look again soon */
	}
	ck_assert(n <= max);
	for (int i = 0; i < n; i++)
		fds[i] = open_pidfd(tree[i]);
	return n;
}

START_TEST(test_term_leaves_nothing)
{
	const struct shell_job *job = &shell_jobs[_i];
	char *argv[] = { (char *)reaper_path(), job->isolate ? "--isolate" : "--", "sh", "-c",
			 (char *)job->script, NULL };
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int fds[MAX_TREE];
	int n = pin_shell_job(&r, fds, MAX_TREE);
	int reaper_fd = open_pidfd(r.pid);

	run_signal(&r, SIGTERM);
	await_gone(&r, reaper_fd, "reaper", EXIT_MS);
	/* Reaper has exited: nothing of the job may still run. */
	for (int i = 0; i < n; i++) {
		ck_assert_msg(pidfd_gone(fds[i]), "%s: process %d of %d outlived reaper", job->name, i + 1,
			      n);
		close(fds[i]);
	}
	close(reaper_fd);
	int got = run_wait(&r, EXIT_MS);
	ck_assert_msg(got == 128 + SIGTERM, "%s: exit %d; stderr: %s", job->name, got, r.err);
	ck_assert_msg(r.leftovers == 0, "%s: %d processes left", job->name, r.leftovers);
}
END_TEST

/* ---- test 6: kill -9 of reaper on the host ------------------------------- */

/* How the main child must fare once reaper is killed. */
static const struct pdeath_case {
	const char *name;
	const char *option;     /* a --child-pdeathsig option, or NULL */
	const char *env;        /* a REAPER_CHILD_PDEATHSIG=... entry, or NULL */
	int signo;              /* the signal the main child gets, 0 for none */
	bool fatal;             /* it dies of it (else it survives and is released) */
} pdeath_cases[] = {
	{ "default", NULL, NULL, SIGKILL, true },
	{ "--child-pdeathsig TERM", "--child-pdeathsig=TERM", NULL, SIGTERM, true },
	{ "REAPER_CHILD_PDEATHSIG=USR1", NULL, "REAPER_CHILD_PDEATHSIG=SIGUSR1", SIGUSR1, false },
	{ "--child-pdeathsig none", "--child-pdeathsig=none", NULL, 0, false },
};
#define N_PDEATH_CASES (int)(sizeof pdeath_cases / sizeof pdeath_cases[0])

/* How a process that is now our child ended: CLD_KILLED or CLD_EXITED in
 * code, the signal or exit status in status. Leaves it for run_wait. */
static void how_it_ended(int pidfd, int *code, int *status)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	ck_assert_msg(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOWAIT) == 0,
		      "waitid on the main child: %s (was it re-parented to the test?)",
		      strerror(errno));
	*code = si.si_code;
	*status = si.si_status;
}

START_TEST(test_kill9_pdeathsig)
{
	const struct pdeath_case *c = &pdeath_cases[_i];
	signal(SIGPIPE, SIG_IGN); /* a write to a main child killed by mistake fails, not us */
	char *env[] = { (char *)c->env, NULL };
	struct run_opts opts = { .pipe_stdin = true, .env_add = c->env != NULL ? env : NULL };
	char *argv[] = { (char *)reaper_path(), c->option != NULL ? (char *)c->option : "--",
			 (char *)helper_path("jobtree"), "--wait", NULL };
	struct run r;
	run_start(&r, RUN_HOST, argv, &opts);
	pid_t main_pid = expect_ready(&r);
	ck_assert_msg(host_pid(r.pid, main_pid) == main_pid, "the main child is not below reaper");
	int main_fd = open_pidfd(main_pid);
	int reaper_fd = open_pidfd(r.pid);

	run_signal(&r, SIGKILL);
	await_gone(&r, reaper_fd, "reaper", DEATH_MS);
	close(reaper_fd);
	if (c->signo != 0 && !c->fatal) {
		char want[32];
		snprintf(want, sizeof want, "sig %d", c->signo);
		expect_line(&r, want);
	}
	if (!c->fatal) {
		/* It survived reaper: let it end on its own now. A KILL sent
		 * by mistake has been queued already (the kernel sends the
		 * parent-death signal before reaper's pidfd reports its exit). */
		ck_assert_msg(write(r.stdin_fd, "\n", 1) == 1, "%s: the main child is gone: %s",
			      c->name, strerror(errno));
	}
	await_gone(&r, main_fd, "the main child", DEATH_MS);
	int code, status;
	how_it_ended(main_fd, &code, &status);
	close(main_fd);
	if (c->fatal)
		ck_assert_msg(code == CLD_KILLED && status == c->signo,
			      "%s: the main child ended with code %d status %d, want killed by %d",
			      c->name, code, status, c->signo);
	else
		ck_assert_msg(code == CLD_EXITED && status == 0,
			      "%s: the main child ended with code %d status %d, want exit 0", c->name,
			      code, status);
	if (c->signo == 0)
		ck_assert_msg(strstr(r.out, "sig ") == NULL, "%s: the main child got %s", c->name,
			      r.out);

	int got = run_wait(&r, EXIT_MS);
	ck_assert_int_eq(got, 128 + SIGKILL);
	ck_assert_msg(r.leftovers == 1, "%s: %d left behind, want the main child alone", c->name,
		      r.leftovers);
}
END_TEST

/* kill -9 of reaper wrapping a job with a plain, a setsid and a
 * double-forked grandchild. With --isolate, the kernel takes the job's
 * namespace down: every one of them dies. Without, only the main child
 * dies (its parent-death signal): the control. */
START_TEST(test_kill9_isolate)
{
	bool isolate = _i == 0;
	const char *name = isolate ? "--isolate" : "control without --isolate";
	char *argv[] = { (char *)reaper_path(), isolate ? "--isolate" : "--",
			 (char *)helper_path("jobtree"), "--wait", "--spawn", "plain", "--spawn",
			 "setsid", "--spawn", "double", NULL };
	static const char *const kinds[] = { "plain", "setsid", "double" };
	struct run_opts opts = { .pipe_stdin = true };
	struct run r;
	run_start(&r, RUN_HOST, argv, &opts);
	pid_t main_ns = expect_ready(&r);
	int main_fd = open_pidfd(host_pid(r.pid, main_ns));
	int gc_fds[3];
	for (int i = 0; i < 3; i++)
		gc_fds[i] = open_pidfd(host_pid(r.pid, grandchild_pid(&r, kinds[i])));
	pid_t tree[MAX_TREE];
	ck_assert_int_eq(descendants(r.pid, tree, MAX_TREE), isolate ? 5 : 4);
	int reaper_fd = open_pidfd(r.pid);

	run_signal(&r, SIGKILL);
	await_gone(&r, reaper_fd, "reaper", DEATH_MS);
	close(reaper_fd);
	await_gone(&r, main_fd, "the main child", DEATH_MS);
	close(main_fd);
	for (int i = 0; i < 3; i++) {
		char what[64];
		snprintf(what, sizeof what, "%s: the %s grandchild", name, kinds[i]);
		if (isolate)
			await_gone(&r, gc_fds[i], what, DEATH_MS);
		else
			ck_assert_msg(!pidfd_gone(gc_fds[i]), "%s died without --isolate", what);
		close(gc_fds[i]);
	}
	int got = run_wait(&r, EXIT_MS);
	ck_assert_int_eq(got, 128 + SIGKILL);
	/* --isolate: the inner reaper, which the namespace's end leaves to us
	 * as a zombie. Control: the main child and the three grandchildren. */
	ck_assert_msg(r.leftovers == (isolate ? 1 : 4), "%s: %d left behind", name, r.leftovers);
}
END_TEST

/* ---- test 8: a sibling outside reaper's tree ----------------------------- */

enum sibling_case {
	SIB_ORPHANS,     /* orphans that ignore TERM: TERM, grace, KILL */
	SIB_TREE,        /* --forward=tree: USR1, then TERM */
	SIB_TIMEOUT,     /* --timeout, then --kill-after */
	SIB_ISOLATE,     /* --isolate, TERM to reaper, orphans KILLed */
	SIB_ISOLATE_KILL, /* --isolate, kill -9 of reaper */
};
#define N_SIBLING_CASES 5

static const char *sibling_case_name(enum sibling_case c)
{
	static const char *const names[] = { "orphans terminate", "forward tree",
					     "timeout and kill-after", "isolate and TERM",
					     "isolate and kill -9" };
	return names[c];
}

/* Run case c under reaper, to its end, and check its exit code (but for
 * reaper killed as PID 1, where unshare's is not the point). */
static void run_case(enum sibling_case c, enum run_where where, const char *context)
{
	const char *jobtree = helper_path("jobtree");
	char *argv_orphans[] = { (char *)reaper_path(), "--grace", "300ms", (char *)jobtree,
				 "--spawn", "setsid", "--spawn", "double", "--on-term", "ignore",
				 "--exit", "3", NULL };
	char *argv_tree[] = { (char *)reaper_path(), "--forward=tree", (char *)jobtree, "--wait",
			      "--spawn", "setsid", "--spawn", "double", NULL };
	char *argv_timeout[] = { (char *)reaper_path(), "-t", "300ms", "-k", "300ms",
				 (char *)jobtree, "--wait", "--spawn", "setsid", "--on-term",
				 "ignore", NULL };
	char *argv_isolate[] = { (char *)reaper_path(), "--isolate", "--grace", "300ms",
				 (char *)jobtree, "--wait", "--spawn", "setsid", "--spawn",
				 "double", "--on-term", "ignore", NULL };
	char *const *argv = c == SIB_ORPHANS ? argv_orphans
			    : c == SIB_TREE  ? argv_tree
			    : c == SIB_TIMEOUT ? argv_timeout
					       : argv_isolate;
	struct run_opts opts = { .pipe_stdin = true };
	struct run r;
	run_start(&r, where, argv, &opts);
	expect_ready(&r);
	int run_fd = open_pidfd(r.pid);
	int want = -1;
	switch (c) {
	case SIB_ORPHANS:
		want = 3;
		break;
	case SIB_TREE:
		run_signal(&r, SIGUSR1);
		expect_line(&r, "gsig setsid 10");
		run_signal(&r, SIGTERM);
		want = 128 + SIGTERM;
		break;
	case SIB_TIMEOUT:
		want = 124;
		break;
	case SIB_ISOLATE:
		run_signal(&r, SIGTERM);
		want = 128 + SIGTERM;
		break;
	case SIB_ISOLATE_KILL:
		run_signal(&r, SIGKILL);
		want = where == RUN_HOST ? 128 + SIGKILL : -1;
		break;
	}
	/* The job's stdin stays open until reaper is done: run_wait would
	 * close it, and jobtree --wait takes EOF as its cue to exit. */
	await_gone(&r, run_fd, "reaper", EXIT_MS);
	close(run_fd);
	int got = run_wait(&r, EXIT_MS);
	if (want >= 0)
		ck_assert_msg(got == want, "%s: exit %d, want %d; stderr: %s", context, got, want,
			      r.err);
}

/* The sibling is a signal recorder, a child of the test like reaper (or
 * unshare), in its own process group. After the case it must be alive and
 * have received nothing: a real-time marker signal, sent last, must be the
 * first signal it reports (standard signals would be read before it). */
START_TEST(test_sibling_survives)
{
	enum run_where where = wheres[_i / N_SIBLING_CASES];
	enum sibling_case c = _i % N_SIBLING_CASES;
	char context[96];
	snprintf(context, sizeof context, "%s, as %s", sibling_case_name(c), where_name(where));
	char *sib_argv[] = { (char *)helper_path("sigrecorder"), NULL };
	struct run sib;
	run_start(&sib, RUN_HOST, sib_argv, NULL);
	ck_assert_msg(run_expect_prefix(&sib, "ready ", NULL, 0, LINE_MS),
		      "the sibling is not ready; stderr: %s", sib.err);
	int sib_fd = open_pidfd(sib.pid);

	run_case(c, where, context);

	ck_assert_msg(!pidfd_gone(sib_fd), "%s: the sibling died; its output: %s", context, sib.out);
	ck_assert_msg(pidfd_send_signal(sib_fd, SIGRTMAX, NULL, 0) == 0, "pidfd_send_signal: %s",
		      strerror(errno));
	char marker[32], line[128];
	snprintf(marker, sizeof marker, "sig %d", SIGRTMAX);
	ck_assert_msg(run_read_line(&sib, line, sizeof line, LINE_MS),
		      "%s: the sibling said nothing after the marker", context);
	ck_assert_msg(strcmp(line, marker) == 0,
		      "%s: the sibling got '%s' before the marker '%s'; all: %s", context, line,
		      marker, sib.out);
	ck_assert_msg(pidfd_send_signal(sib_fd, SIGKILL, NULL, 0) == 0, "pidfd_send_signal: %s",
		      strerror(errno));
	close(sib_fd);
	ck_assert_int_eq(run_wait(&sib, EXIT_MS), 128 + SIGKILL);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("hostjob");
	TCase *tc = tcase_create("term on the host");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_term_leaves_nothing, 0, N_SHELL_JOBS);
	suite_add_tcase(s, tc);

	tc = tcase_create("kill -9 on the host");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_kill9_pdeathsig, 0, N_PDEATH_CASES);
	tcase_add_loop_test(tc, test_kill9_isolate, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("sibling survives");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_sibling_survives, 0, N_WHERES * N_SIBLING_CASES);
	suite_add_tcase(s, tc);
	return s;
}
