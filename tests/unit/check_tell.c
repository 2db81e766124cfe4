/*
 * check_tell: src/tell.h (issue 17), the one module that words what reaper
 * did. A wait status in each of its four styles; the reason a run ends;
 * then each fact turned into its --trace line (the stable vocabulary of
 * doc/reaper.1, TRACE EVENTS) and its --report count, read back from a
 * pipe that stands in for the trace file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2 */
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "forward.h"
#include "log.h"
#include "reap.h"
#include "reaper.h"
#include "shutdown.h"
#include "tell.h"
#include "unit_util.h"

#define CORE 0x80 /* the core-dump bit of a wait status */

/* ---- tell_status ---------------------------------------------------------- */

static const struct {
	int status;
	enum tell_style style;
	const char *text;
} statuses[] = {
	{ W_EXITCODE(3, 0), TELL_WORDS, "exited 3" },
	{ W_EXITCODE(0, SIGTERM), TELL_WORDS, "killed by TERM" },
	{ W_EXITCODE(0, SIGSEGV) | CORE, TELL_WORDS, "killed by SEGV" },
	{ W_STOPCODE(SIGTSTP), TELL_WORDS, "stopped by TSTP" },
	{ W_EXITCODE(0, 0), TELL_WORDS_CORE, "exited 0" },
	{ W_EXITCODE(0, SIGSEGV) | CORE, TELL_WORDS_CORE, "killed by SEGV, core dumped" },
	{ W_EXITCODE(0, SIGKILL), TELL_WORDS_CORE, "killed by KILL" },
	{ W_EXITCODE(255, 0), TELL_FIELD, "code=255" },
	{ W_EXITCODE(0, SIGINT), TELL_FIELD, "signal=INT" },
	{ W_STOPCODE(SIGSTOP), TELL_FIELD, "stopped=STOP" },
	{ W_EXITCODE(1, 0), TELL_PAIR, "exit:1" },
	{ W_EXITCODE(0, SIGKILL) | CORE, TELL_PAIR, "signal:KILL" },
};

START_TEST(test_status)
{
	char buf[64];

	ck_assert_str_eq(tell_status(statuses[_i].status, statuses[_i].style, buf, sizeof(buf)),
			 statuses[_i].text);
}
END_TEST

/* ---- tell_reason ---------------------------------------------------------- */

static const struct {
	struct reap_ending end;
	const char *why;
} reasons[] = {
	{ { 0, REAP_PAUSED, 0 }, "--pause was told to stop" },
	{ { 124, REAP_TIMED_OUT, 0 }, "the job timed out" },
	{ { 0, REAP_EXPECTED, W_EXITCODE(3, 0) }, "the main child's 3 is expected (-e)" },
	{ { 0, REAP_EXPECTED, W_EXITCODE(0, SIGTERM) }, "the main child's 143 is expected (-e)" },
	{ { 137, REAP_KILLED, W_EXITCODE(0, SIGKILL) }, "the main child was killed by KILL" },
	{ { 139, REAP_KILLED, W_EXITCODE(0, SIGSEGV) | CORE }, "the main child was killed by SEGV" },
	{ { 7, REAP_EXITED, W_EXITCODE(7, 0) }, "the main child's exit code" },
};

START_TEST(test_reason)
{
	char buf[96];

	ck_assert_str_eq(tell_reason(&reasons[_i].end, buf, sizeof(buf)), reasons[_i].why);
}
END_TEST

/* ---- facts into trace lines and counts ------------------------------------ */

static struct config cfg;
static struct reaper r;
static int trace_read_fd = -1;

static void setup(void)
{
	int fds[2];

	ck_assert_int_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	cli_defaults(&cfg);
	cfg.report = true;
	log_set_level(LOG_ERROR); /* the log lines are check_trace's; keep stderr quiet */
	memset(&r, 0, sizeof(r));
	r.cfg = &cfg;
	r.self_pid = 1;
	r.signal_fd = r.control_fd = r.tty.fd = r.shutdown.timer_fd = -1;
	r.job.child_pid = 42;
	r.job.child_pidfd = -1;
	r.trace_fd = fds[1];
	trace_read_fd = fds[0];
}

static void teardown(void)
{
	(void)close(r.trace_fd);
	(void)close(trace_read_fd);
}

/* What was traced, each line without its "t=<seconds> " stamp. */
static const char *traced(void)
{
	static char out[1024];
	char raw[1024];
	ssize_t n = read(trace_read_fd, raw, sizeof(raw) - 1);
	size_t len = 0;

	out[0] = '\0';
	if (n <= 0)
		return out;
	raw[n] = '\0';
	for (char *line = raw, *end; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		ck_assert_msg(strncmp(line, "t=", 2) == 0, "no stamp: %s", line);
		const char *body = strchr(line, ' ') + 1;
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? "\n" : "", body);
	}
	return out;
}

static struct delivery sent(int signo, enum forward_mode target, int err)
{
	return (struct delivery){ .signo = signo, .target = target, .child_pid = 42, .err = err };
}

START_TEST(test_forward_group)
{
	struct forwarding f = { .signo = SIGTERM, .sent = SIGTERM,
				.d = { .terminating = true, .signal = sent(SIGTERM, FWD_GROUP, 0) } };

	tell_forward(&r, &f);
	ck_assert_str_eq(traced(), "event=forward sig=TERM target=group:42");
	ck_assert_uint_eq(r.stats.forwarded[SIGTERM], 1);
	ck_assert_uint_ne(r.stats.first_stop_ns, 0);
}
END_TEST

START_TEST(test_forward_rewrite_cont)
{
	struct forwarding f = { .signo = SIGTERM, .sent = SIGUSR1,
				.d = { .stopped = 1, .signal = sent(SIGUSR1, FWD_CHILD, 0),
				       .cont = sent(SIGCONT, FWD_CHILD, 0) } };

	tell_forward(&r, &f);
	ck_assert_str_eq(traced(), "event=rewrite sig=TERM as=USR1\n"
				   "event=forward sig=USR1 target=child:42\n"
				   "event=forward sig=CONT target=child:42");
	ck_assert_uint_eq(r.stats.forwarded[SIGUSR1], 1);
	ck_assert_uint_eq(r.stats.forwarded[SIGCONT], 1);
	ck_assert_uint_eq(r.stats.first_stop_ns, 0); /* USR1 is no stop signal */
}
END_TEST

START_TEST(test_forward_drop_and_failure)
{
	struct forwarding drop = { .signo = SIGUSR2, .sent = 0 };
	struct forwarding gone = { .signo = SIGHUP, .sent = SIGHUP,
				   .d = { .signal = sent(SIGHUP, FWD_TREE, -ESRCH) } };

	tell_forward(&r, &drop);
	tell_forward(&r, &gone);
	ck_assert_str_eq(traced(), "event=drop sig=USR2"); /* a failure is logged, not traced */
	ck_assert_uint_eq(r.stats.forwarded[SIGUSR2], 0);
	ck_assert_uint_eq(r.stats.forwarded[SIGHUP], 0);
}
END_TEST

START_TEST(test_tree_target)
{
	struct delivered d = { .signal = sent(SIGINT, FWD_TREE, 0) };

	tell_delivered(&r, &d);
	ck_assert_str_eq(traced(), "event=forward sig=INT target=tree");
}
END_TEST

START_TEST(test_signal_received)
{
	tell_signal(&r, SIGTERM, -1, 0);
	tell_signal(&r, SIGTERM, 77, 1000);
	ck_assert_str_eq(traced(), "event=signal sig=TERM from=send\n"
				   "event=signal sig=TERM from=77 uid=1000");
	ck_assert_uint_eq(r.stats.received[SIGTERM], 2);
}
END_TEST

START_TEST(test_reaped)
{
	struct reaped stop = { .pid = 42, .status = W_STOPCODE(SIGTSTP), .main_child = true };
	struct reaped orphan = { .pid = 7, .status = W_EXITCODE(0, SIGKILL), .main_child = false };
	struct reaped main_exit = { .pid = 42, .status = W_EXITCODE(3, 0), .main_child = true };

	tell_reaped(&r, &stop);
	ck_assert_uint_eq(r.stats.reaped, 0); /* a stop is not a reap */
	tell_reaped(&r, &orphan);
	tell_reaped(&r, &main_exit);
	ck_assert_str_eq(traced(), "event=stop pid=42 stopped=TSTP\n"
				   "event=reap pid=7 status=signal:KILL\n"
				   "event=exit pid=42 code=3");
	ck_assert_uint_eq(r.stats.reaped, 2);
	ck_assert_uint_ne(r.stats.child_end_ns, 0);
}
END_TEST

START_TEST(test_escalation)
{
	struct escalation term = { .signo = SIGTERM, .count = 2 };
	struct escalation none = { .signo = SIGKILL, .count = 0 };
	struct escalation again = { .signo = SIGKILL, .count = 5, .again = true };
	struct escalation kill = { .signo = SIGKILL, .count = 1 };

	tell_escalation(&r, &term);
	tell_escalation(&r, &none);
	tell_escalation(&r, &again);
	tell_escalation(&r, &kill);
	ck_assert_str_eq(traced(), "event=escalate sig=TERM left=2\n"
				   "event=escalate sig=KILL left=1");
	ck_assert_uint_eq(r.stats.terminated, 2);
	ck_assert_uint_eq(r.stats.killed, 1);
}
END_TEST

START_TEST(test_timeout_spawn_done)
{
	char *argv[] = { "my job", NULL };
	struct timeout t = { .after_ms = 2500, .signo = SIGTERM, .kill_ms = 3000 };
	struct reap_ending end = { .code = 124, .reason = REAP_TIMED_OUT };

	cfg.argv = argv;
	cfg.report = false; /* tell_done would print the summary on stderr */
	tell_spawn(&r);
	tell_timeout(&r, &t);
	tell_done(&r, &end);
	ck_assert_str_eq(traced(), "event=spawn pid=42 cmd=\"my job\"\n"
				   "event=timeout after=2.5s sig=TERM\n"
				   "event=done code=124 reason=\"the job timed out\"");
}
END_TEST

/* Nothing is counted when --report is off. */
START_TEST(test_no_report_no_count)
{
	struct forwarding f = { .signo = SIGTERM, .sent = SIGTERM,
				.d = { .terminating = true, .signal = sent(SIGTERM, FWD_GROUP, 0) } };

	cfg.report = false;
	tell_signal(&r, SIGTERM, 1, 0);
	tell_forward(&r, &f);
	ck_assert_uint_eq(r.stats.received[SIGTERM], 0);
	ck_assert_uint_eq(r.stats.forwarded[SIGTERM], 0);
	ck_assert_uint_eq(r.stats.first_stop_ns, 0);
}
END_TEST

/* --report-file alone counts too (issue 20): the file needs the figures,
 * though no summary goes to stderr. */
START_TEST(test_report_file_counts)
{
	struct forwarding f = { .signo = SIGTERM, .sent = SIGTERM,
				.d = { .terminating = true, .signal = sent(SIGTERM, FWD_GROUP, 0) } };

	cfg.report = false;
	cfg.report_file = "/nonexistent/r.json";
	tell_signal(&r, SIGTERM, 1, 0);
	tell_forward(&r, &f);
	ck_assert_uint_eq(r.stats.received[SIGTERM], 1);
	ck_assert_uint_eq(r.stats.forwarded[SIGTERM], 1);
	ck_assert_uint_ne(r.stats.first_stop_ns, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("tell");
	TCase *tc = unit_tcase(s, "words", 5);
	tcase_add_loop_test(tc, test_status, 0, N(statuses));
	tcase_add_loop_test(tc, test_reason, 0, N(reasons));

	tc = unit_tcase(s, "facts", 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_forward_group);
	tcase_add_test(tc, test_forward_rewrite_cont);
	tcase_add_test(tc, test_forward_drop_and_failure);
	tcase_add_test(tc, test_tree_target);
	tcase_add_test(tc, test_signal_received);
	tcase_add_test(tc, test_reaped);
	tcase_add_test(tc, test_escalation);
	tcase_add_test(tc, test_timeout_spawn_done);
	tcase_add_test(tc, test_no_report_no_count);
	tcase_add_test(tc, test_report_file_counts);
	return s;
}
