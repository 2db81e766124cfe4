/*
 * check_signals: what reaper does with the signals it receives (issue 2,
 * tests 5, 7 and 8; DESIGN.md "The core loop" and "Options").
 *
 * - forwarding: TERM, INT, HUP, QUIT, USR1, USR2, WINCH, CONT and
 *   RTMIN+1..RTMIN+3 sent to reaper reach the child and a grandchild in
 *   its process group (default, --forward=group), or the child alone (-c,
 *   --forward=child); as PID 1 of a namespace and on the host.
 * - storm: 10000 mixed signals from several senders neither kill reaper
 *   nor change its exit status; real-time signals reach the child exactly
 *   as many times as they were sent.
 * - rewrite and expected exits: -r TERM:QUIT, -r TERM:0, -e 143.
 *
 * The child is tests/helpers/sigrecorder ("sig N" per signal, "gsig N"
 * from its grandchild) or tests/helpers/sigignorer. Every step waits for a
 * helper's line with a deadline.
 *
 * Proving that something did NOT arrive: after the signals under test, a
 * marker signal is sent and must be the next line. The marker is a high
 * real-time signal on purpose: when several signals are pending, the
 * kernel hands out the lowest number first, so a stray TERM (15) or
 * RTMIN+1 (35) still pending would come out before SIGRTMAX (64), while a
 * stray signal behind a low marker like USR2 (12) could hide after it.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 15000

/* Next line of r's stdout, failing the test on EOF or timeout. The
 * recorder's "sig 17" (it reaped its grandchild) is not about forwarding
 * and is skipped. */
static void next_line(struct run *r, char *line, size_t size, const char *waiting_for)
{
	do {
		ck_assert_msg(run_read_line(r, line, size, LINE_MS),
			      "no line within %d ms while waiting for %s\n--- stdout:\n%s\n"
			      "--- stderr:\n%s", LINE_MS, waiting_for, r->out, r->err);
	} while (strcmp(line, "sig 17") == 0);
}

static void expect_next(struct run *r, const char *want)
{
	char line[256];
	next_line(r, line, sizeof line, want);
	ck_assert_msg(strcmp(line, want) == 0, "expected \"%s\", got \"%s\"\n--- stdout:\n%s\n"
		      "--- stderr:\n%s", want, line, r->out, r->err);
}

/* The last "NSpid:" entry of pid: its pid inside its own namespace. */
static long inner_pid(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	FILE *f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *field = strstr(buf, "\nNSpid:");
	ck_assert_msg(field != NULL, "no NSpid in %s", path);
	char *end = strchr(field + 1, '\n');
	if (end)
		*end = '\0';
	char *last = strrchr(field, '\t');
	if (!last)
		last = strrchr(field, ' ');
	ck_assert_ptr_nonnull(last);
	return strtol(last + 1, NULL, 10);
}

/* ---- test 5: forwarding ------------------------------------------------ */

struct family {
	struct run r;
	long child_pid, child_pgid; /* as the recorder sees them */
	pid_t grandchild;           /* host pid of the grandchild */
};

/* Start reaper with opts and the recorder with a grandchild; wait until
 * both record, and find the grandchild's host pid. The recorder and its
 * grandchild exit 0 on SIGRTMAX. */
static void family_start(struct family *f, enum run_where where, const char *const opts[],
			 char *const env_add[])
{
	const char *cmd[] = { helper_path("sigrecorder"), "--spawn-grandchild", "--exit-on", "RTMAX",
			      NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), opts, cmd);
	run_start_blocked(&f->r, where, argv, env_add, false);

	char line[256];
	ck_assert_msg(run_expect_prefix(&f->r, "ready-grandchild ", line, sizeof line, LINE_MS),
		      "no ready-grandchild line: %s", f->r.err);
	long gpid = strtol(line + strlen("ready-grandchild "), NULL, 10);
	ck_assert_msg(run_expect_prefix(&f->r, "ready ", line, sizeof line, LINE_MS),
		      "no ready line: %s", f->r.err);
	ck_assert_int_eq(sscanf(line, "ready %ld %ld", &f->child_pid, &f->child_pgid), 2);

	pid_t recorder = only_child(run_reaper_pid(&f->r, LINE_MS));
	f->grandchild = only_child(recorder);
	ck_assert_msg(inner_pid(f->grandchild) == gpid,
		      "host pid %ld is not the grandchild %ld", (long)f->grandchild, gpid);
}

/* Send signo to reaper and wait for its effect: "sig N" and, with group
 * forwarding, "gsig N" (in either order). Any other line fails. */
static void forward_one(struct family *f, int signo, bool group)
{
	char want_child[32], want_grand[32], line[256];
	snprintf(want_child, sizeof want_child, "sig %d", signo);
	snprintf(want_grand, sizeof want_grand, "gsig %d", signo);
	bool seen_child = false, seen_grand = !group;
	run_signal(&f->r, signo);
	while (!seen_child || !seen_grand) {
		next_line(&f->r, line, sizeof line, want_child);
		if (!seen_child && strcmp(line, want_child) == 0)
			seen_child = true;
		else if (!seen_grand && strcmp(line, want_grand) == 0)
			seen_grand = true;
		else
			ck_abort_msg("after signal %d to reaper (%s forwarding): unexpected \"%s\"\n"
				     "--- stdout:\n%s\n--- stderr:\n%s", signo,
				     group ? "group" : "child", line, f->r.out, f->r.err);
	}
}

/* The grandchild's next line must be a marker sent to it directly: with
 * child-only forwarding this proves it got nothing from reaper (anything
 * pending would come out first). The grandchild exits on it; then the
 * child is stopped through reaper, which must exit 0. The group case ends
 * the same way, so reaper's clean-up of a grandchild that outlives the
 * child (a TERM, or the namespace's end) cannot race with the last lines. */
static void family_finish(struct family *f)
{
	char want[32];
	ck_assert_int_eq(kill(f->grandchild, SIGRTMAX), 0);
	snprintf(want, sizeof want, "gsig %d", SIGRTMAX);
	expect_next(&f->r, want);
	run_signal(&f->r, SIGRTMAX);
	snprintf(want, sizeof want, "sig %d", SIGRTMAX);
	expect_next(&f->r, want);
	int code = run_wait(&f->r, EXIT_MS);
	ck_assert_msg(code == 0, "reaper exited %d, want the recorder's 0\n--- stderr:\n%s", code,
		      f->r.err);
}

static const struct {
	enum run_where where;
	const char *opts[3];
	bool group;
} forward_rows[] = {
	{ RUN_PID1, { NULL }, true },
	{ RUN_PID1, { "--forward=group", NULL }, true },
	{ RUN_PID1, { "-c", NULL }, false },
	{ RUN_PID1, { "--forward=child", NULL }, false },
	{ RUN_HOST, { NULL }, true },
	{ RUN_HOST, { "--forward=group", NULL }, true },
	{ RUN_HOST, { "-c", NULL }, false },
	{ RUN_HOST, { "--forward=child", NULL }, false },
};

START_TEST(test_forwarding)
{
	const int signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
				SIGWINCH, SIGCONT, SIGRTMIN + 1, SIGRTMIN + 2, SIGRTMIN + 3 };
	bool group = forward_rows[_i].group;
	struct family f;
	family_start(&f, forward_rows[_i].where, forward_rows[_i].opts, NULL);
	ck_assert_msg(f.child_pgid == f.child_pid, "child %ld should lead its group, is in %ld",
		      f.child_pid, f.child_pgid);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		forward_one(&f, signals[i], group);
	family_finish(&f);
}
END_TEST

/* ---- test 7: storm ----------------------------------------------------- */

static const int storm_standard[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH, SIGCONT,
	SIGALRM, SIGURG, SIGPIPE, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGXCPU,
};

/*
 * A sender process: count signals to pid, a third real-time by sigqueue,
 * a third real-time by kill, a third standard. EAGAIN (reaper's real-time
 * queue full) is tolerated: the storm is about surviving. Exits 0, or 1 on
 * any other error. Never returns.
 */
static void storm_sender(pid_t pid, int count, int seed)
{
	int span = SIGRTMAX - SIGRTMIN + 1;
	int nstd = (int)(sizeof storm_standard / sizeof storm_standard[0]);
	for (int i = 0; i < count; i++) {
		int k = i + seed;
		int rc;
		if (k % 3 == 0) {
			union sigval v = { .sival_int = k };
			rc = sigqueue(pid, SIGRTMIN + k % span, v);
		} else if (k % 3 == 1) {
			rc = kill(pid, SIGRTMIN + (k / 3) % span);
		} else {
			rc = kill(pid, storm_standard[(k / 3) % nstd]);
		}
		if (rc != 0 && errno != EAGAIN)
			_exit(1);
	}
	_exit(0);
}

/* Fork n senders running fn-like loops; wait for all; fail if any failed. */
static void run_senders(pid_t target, int senders, int per_sender,
			void (*sender)(pid_t, int, int))
{
	pid_t pids[16];
	ck_assert_int_le(senders, 16);
	for (int s = 0; s < senders; s++) {
		pids[s] = fork();
		ck_assert_msg(pids[s] >= 0, "fork: %s", strerror(errno));
		if (pids[s] == 0)
			sender(target, per_sender, s * 7919);
	}
	for (int s = 0; s < senders; s++) {
		int status;
		pid_t got;
		while ((got = waitpid(pids[s], &status, 0)) < 0 && errno == EINTR)
			;
		ck_assert_int_eq(got, pids[s]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "sender %d failed (status %#x)", s, status);
	}
}

START_TEST(test_storm_ignored)
{
	char *argv[] = { (char *)reaper_path(), "--", (char *)helper_path("sigignorer"), "7",
			 NULL };
	struct run r;
	run_start_blocked(&r, wheres[_i], argv, NULL, true);
	ck_assert_msg(run_expect_line(&r, "ready", LINE_MS), "sigignorer not ready: %s", r.err);
	pid_t pid = run_reaper_pid(&r, LINE_MS);

	run_senders(pid, 4, 2500, storm_sender); /* 10000 signals */

	/* Reaper survived: it still carries the child's own exit code. */
	ck_assert_msg(kill(pid, 0) == 0, "reaper %ld is gone after the storm: %s", (long)pid,
		      r.err);
	ck_assert_int_eq(write(r.stdin_fd, "\n", 1), 1);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 7, "%s, reaper exited %d after the storm, want the child's 7\n"
		      "--- stderr:\n%s", where_phrase(wheres[_i]), code, r.err);
}
END_TEST

#define RT_ROUNDS 10
#define RT_SENDERS 4
#define RT_PER_SENDER 50 /* per round: 10 * 4 * 50 = 2000 in all */

/* Sends count real-time RTMIN+1, alternately by sigqueue and kill, and a
 * SIGUSR1 after every tenth (standard: may coalesce). Never returns. */
static void rt_sender(pid_t pid, int count, int seed)
{
	for (int i = 0; i < count; i++) {
		union sigval v = { .sival_int = seed + i };
		int rc = (i % 2) ? kill(pid, SIGRTMIN + 1) : sigqueue(pid, SIGRTMIN + 1, v);
		if (rc != 0)
			_exit(1); /* even EAGAIN: the pacing should keep the queue short */
		if (i % 10 == 9 && kill(pid, SIGUSR1) != 0)
			_exit(1);
	}
	_exit(0);
}

START_TEST(test_storm_realtime_counted)
{
	struct rlimit lim;
	ck_assert_int_eq(getrlimit(RLIMIT_SIGPENDING, &lim), 0);
	/* A round queues at most RT_SENDERS * RT_PER_SENDER at reaper and as
	 * many at the recorder. */
	if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < 4 * RT_SENDERS * RT_PER_SENDER) {
		fprintf(stderr, "SKIP %s: RLIMIT_SIGPENDING %lu is too low for a round of %d\n",
			tcase_name(), (unsigned long)lim.rlim_cur, RT_SENDERS * RT_PER_SENDER);
		return;
	}

	char *argv[] = { (char *)reaper_path(), "--", (char *)helper_path("sigrecorder"),
			 "--exit-on", "RTMAX", NULL };
	struct run r;
	run_start_blocked(&r, wheres[_i], argv, NULL, false);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, LINE_MS), "no ready line: %s",
		      r.err);
	pid_t pid = run_reaper_pid(&r, LINE_MS);
	ck_assert(run_reaper_blocks(&r, SIGRTMIN + 1, LINE_MS));

	char rt_line[32], line[256];
	snprintf(rt_line, sizeof rt_line, "sig %d", SIGRTMIN + 1);
	int seen = 0, usr1 = 0;
	for (int round = 1; round <= RT_ROUNDS; round++) {
		run_senders(pid, RT_SENDERS, RT_PER_SENDER, rt_sender);
		/* Pace: the next round starts once all of this one arrived. */
		while (seen < round * RT_SENDERS * RT_PER_SENDER) {
			ck_assert_msg(run_read_line(&r, line, sizeof line, LINE_MS),
				      "round %d: %d of %d real-time signals arrived\n"
				      "--- stderr:\n%s", round, seen,
				      round * RT_SENDERS * RT_PER_SENDER, r.err);
			if (strcmp(line, rt_line) == 0)
				seen++;
			else if (strcmp(line, "sig 10") == 0)
				usr1++;
			else
				ck_abort_msg("unexpected line \"%s\"", line);
		}
	}
	char last[32];
	snprintf(last, sizeof last, "sig %d", SIGRTMAX);
	run_signal(&r, SIGRTMAX);
	/* What comes before the terminator: late USR1s only, no extra RT. */
	for (;;) {
		next_line(&r, line, sizeof line, last);
		if (strcmp(line, last) == 0)
			break;
		ck_assert_msg(strcmp(line, "sig 10") == 0,
			      "after %d real-time signals: unexpected \"%s\"", seen, line);
		usr1++;
	}
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 0, "reaper exited %d: %s", code, r.err);
	int total = RT_ROUNDS * RT_SENDERS * RT_PER_SENDER;
	ck_assert_msg(run_count_lines(&r, rt_line) == total, "%s: %d RTMIN+1 arrived, %d sent",
		      where_phrase(wheres[_i]), run_count_lines(&r, rt_line), total);
	ck_assert_msg(usr1 >= 1 && usr1 <= total / 10, "%d USR1 arrived of %d sent", usr1,
		      total / 10);
}
END_TEST

/* ---- test 8: rewrite and expected exit codes --------------------------- */

/* reaper OPTS -- sigrecorder --exit-on RTMAX, ready. */
static void start_recorder(struct run *r, enum run_where where, const char *const opts[])
{
	const char *cmd[] = { helper_path("sigrecorder"), "--exit-on", "RTMAX", NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), opts, cmd);
	run_start_blocked(r, where, argv, NULL, false);
	ck_assert_msg(run_expect_prefix(r, "ready ", NULL, 0, LINE_MS), "no ready line: %s",
		      r->err);
}

static void finish_recorder(struct run *r)
{
	char want[32];
	snprintf(want, sizeof want, "sig %d", SIGRTMAX);
	run_signal(r, SIGRTMAX);
	expect_next(r, want);
	int code = run_wait(r, EXIT_MS);
	ck_assert_msg(code == 0, "reaper exited %d: %s", code, r->err);
}

/* Rows: options; what TERM turns into (QUIT, itself, or 0: nothing). After
 * TERM, USR1 and then the RTMIN+2 marker are sent: the child's lines must
 * be exactly the expected one (if any), "sig 10", and the marker; a TERM
 * forwarded as well (or instead) comes out before the marker. */
static const struct {
	const char *opts[4];
	int term_becomes; /* 0: dropped */
} rewrite_rows[] = {
	{ { "-r", "TERM:QUIT", NULL }, SIGQUIT },
	{ { "--rewrite", "SIGTERM:3", NULL }, SIGQUIT },
	{ { "-r", "TERM:0", NULL }, 0 },
	{ { "--rewrite=15:0", NULL }, 0 },
	{ { NULL }, SIGTERM }, /* control: the test sees a TERM when one is sent */
};

START_TEST(test_rewrite)
{
	int row = _i / 2;
	enum run_where where = wheres[_i % N_WHERES];
	struct run r;
	start_recorder(&r, where, rewrite_rows[row].opts);
	/* One at a time: pending standard signals come out lowest first, so
	 * sending TERM and USR1 together could reorder "sig 3" and "sig 10". */
	char want[32];
	run_signal(&r, SIGTERM);
	if (rewrite_rows[row].term_becomes != 0) {
		snprintf(want, sizeof want, "sig %d", rewrite_rows[row].term_becomes);
		expect_next(&r, want);
	}
	run_signal(&r, SIGUSR1);
	expect_next(&r, "sig 10");
	run_signal(&r, SIGRTMIN + 2);
	snprintf(want, sizeof want, "sig %d", SIGRTMIN + 2);
	expect_next(&r, want);
	finish_recorder(&r);
}
END_TEST

/* Rows: -e options; command; whether TERM is sent; reaper's exit code. */
static const struct {
	const char *opts[5];
	const char *script;
	bool send_term;
	int want;
} expect_rows[] = {
	{ { "-e", "143", NULL }, "echo ready; exec sleep 30", true, 0 },
	{ { "--expect-exit", "143", NULL }, "echo ready; exec sleep 30", true, 0 },
	{ { NULL }, "echo ready; exec sleep 30", true, 128 + SIGTERM }, /* control */
	{ { "-e", "143", NULL }, "echo ready; exit 7", false, 7 },
	{ { "-e", "143", NULL }, "echo ready; exit 143", false, 0 },
	{ { "-e", "143", "-e", "7", NULL }, "echo ready; exit 7", false, 0 },
	{ { "-e", "143", NULL }, "echo ready; exit 0", false, 0 },
};

START_TEST(test_expect_exit)
{
	int row = _i / 2;
	enum run_where where = wheres[_i % N_WHERES];
	const char *cmd[] = { "/bin/sh", "-c", expect_rows[row].script, NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), expect_rows[row].opts, cmd);
	struct run r;
	run_start(&r, where, argv, NULL);
	ck_assert_msg(run_expect_line(&r, "ready", LINE_MS), "no ready line: %s", r.err);
	if (expect_rows[row].send_term)
		run_signal(&r, SIGTERM);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == expect_rows[row].want, "%s (%s): reaper exited %d, want %d\n%s",
		      expect_rows[row].script, where_phrase(where), code, expect_rows[row].want,
		      r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("signals");

	TCase *tc = tcase_create("forwarding");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_forwarding, 0,
			    (int)(sizeof forward_rows / sizeof forward_rows[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("storm");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_storm_ignored, 0, 2);
	tcase_add_loop_test(tc, test_storm_realtime_counted, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("rewrite");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_rewrite, 0,
			    2 * (int)(sizeof rewrite_rows / sizeof rewrite_rows[0]));
	tcase_add_loop_test(tc, test_expect_exit, 0,
			    2 * (int)(sizeof expect_rows / sizeof expect_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}
