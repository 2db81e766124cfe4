/*
 * check_faults: fault signals sent by a person or a program (issue 15,
 * item 2; DESIGN.md "The core loop").
 *
 * SEGV, BUS, ILL, FPE, TRAP and SYS sent to reaper with kill(2),
 * sigqueue(3) or tgkill(2) are requests like any other: reaper forwards
 * them and lives on (before, PID 1 dropped them and a host reaper died of
 * them, leaving the job to its parent-death signal). A real fault inside
 * reaper must still end it.
 *
 * - sent: each of the six, by each of the three calls, reaches the child
 *   ("sig N" from tests/helpers/sigrecorder); then the child exits 7 on a
 *   marker sent through reaper, and reaper exits 7.
 * - real_fault: reaper is stopped with ptrace (PTRACE_SEIZE, then
 *   PTRACE_INTERRUPT), its instruction pointer set to an unmapped address,
 *   and released: it takes a real SIGSEGV while SEGV is blocked, and must
 *   die of it (the harness reports 128 + SEGV: on the host reaper's own
 *   wait status; as PID 1, unshare's, which passes its child's death on).
 *   x86_64 and aarch64 only; elsewhere the case says SKIP.
 *
 * Each runs as PID 1 and on the host.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* prlimit */
#endif
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define LINE_MS 10000
#define EXIT_MS 10000

static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS };

/* Start reaper around a recorder that exits 7 on RTMAX, every signal
 * blocked from fork on (the recorder's start-up window); wait for its
 * "ready" line and for reaper to block the faults. */
static pid_t start_recorder(struct run *r, enum run_where where)
{
	static sigset_t all;
	const char *cmd[] = { helper_path("sigrecorder"), "--exit-on", "RTMAX", "--exit", "7", NULL };
	char *argv[16];

	sigfillset(&all);
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), NULL, cmd);
	struct run_opts opts = { .mask = &all };
	run_start(r, where, argv, &opts);
	ck_assert_msg(run_expect_prefix(r, "ready ", NULL, 0, LINE_MS),
		      "%s: no ready line\n--- stderr:\n%s", where_name(where), r->err);
	pid_t pid = run_reaper_pid(r, LINE_MS);
	/* Before: the faults were never blocked; say so, then send anyway. */
	if (!run_reaper_blocks(r, SIGSEGV, 5000))
		fprintf(stderr, "%s: reaper does not block SIGSEGV\n", tcase_name());
	return pid;
}

/* ---- sent by a process: forwarded ----------------------------------------- */

enum how { BY_KILL, BY_SIGQUEUE, BY_TGKILL, N_HOWS };

static const char *const how_names[N_HOWS] = { "kill", "sigqueue", "tgkill" };

static void send_by(enum how how, pid_t pid, int signo)
{
	int rc = -1;
	switch (how) {
	case BY_KILL:
		rc = kill(pid, signo);
		break;
	case BY_SIGQUEUE:
		rc = sigqueue(pid, signo, (union sigval){ .sival_int = 7 });
		break;
	case BY_TGKILL:
		rc = (int)syscall(SYS_tgkill, pid, pid, signo);
		break;
	case N_HOWS:
		break;
	}
	ck_assert_msg(rc == 0, "%s(%d, %d): %s", how_names[how], (int)pid, signo, strerror(errno));
}

START_TEST(test_sent)
{
	enum run_where where = wheres[_i / N_HOWS];
	enum how how = (enum how)(_i % N_HOWS);
	char line[64], want[32];
	struct run r;
	pid_t pid = start_recorder(&r, where);

	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		send_by(how, pid, faults[i]);
		snprintf(want, sizeof want, "sig %d", faults[i]);
		ck_assert_msg(run_read_line(&r, line, sizeof line, LINE_MS),
			      "%s: signal %d by %s: no \"%s\" within %d ms\n--- stdout:\n%s\n"
			      "--- stderr:\n%s", where_name(where), faults[i], how_names[how], want,
			      LINE_MS, r.out, r.err);
		ck_assert_msg(strcmp(line, want) == 0, "%s: signal %d by %s: got \"%s\"",
			      where_name(where), faults[i], how_names[how], line);
	}
	run_signal(&r, SIGRTMAX);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 7, "%s, %s: reaper exited %d, want the recorder's 7\n"
		      "--- stderr:\n%s", where_name(where), how_names[how], code, r.err);
}
END_TEST

/* ---- a real fault still ends reaper -------------------------------------- */

#if defined(__x86_64__)
#define IP(regs) ((regs).rip)
#elif defined(__aarch64__)
#define IP(regs) ((regs).pc)
#endif

#ifdef IP
/* Below mmap_min_addr: never mapped. A system call interrupted by the
 * ptrace stop is restarted by moving the pointer back an instruction,
 * which stays in the same unmapped page. */
#define UNMAPPED 0x1000

/* Wait (bounded) for pid's ptrace stop; only waitpid can tell. */
static void await_trace_stop(struct run *r, pid_t pid)
{
	long long deadline = now_ms() + LINE_MS;
	int status;
	pid_t got;

	while ((got = waitpid(pid, &status, WNOHANG | __WALL)) == 0) {
		ck_assert_msg(now_ms() < deadline, "reaper %d did not stop for ptrace", (int)pid);
		run_pump(r, 1);
	}
	ck_assert_msg(got == pid && WIFSTOPPED(status), "waitpid %d: %d, status %#x: %s",
		      (int)pid, (int)got, status, strerror(errno));
}

/* Make pid jump to UNMAPPED: stop it, move its instruction pointer,
 * release it. No core file: the fault is the point, not its dump. */
static void make_it_fault(struct run *r, pid_t pid)
{
	struct rlimit no_core = { 0, 0 };
	struct user_regs_struct regs;
	struct iovec iov = { .iov_base = &regs, .iov_len = sizeof regs };

	ck_assert_msg(prlimit(pid, RLIMIT_CORE, &no_core, NULL) == 0, "prlimit: %s",
		      strerror(errno));
	ck_assert_msg(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0, "PTRACE_SEIZE %d: %s", (int)pid,
		      strerror(errno));
	ck_assert_msg(ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0, "PTRACE_INTERRUPT: %s",
		      strerror(errno));
	await_trace_stop(r, pid);
	ck_assert_msg(ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) == 0, "GETREGSET: %s",
		      strerror(errno));
	IP(regs) = UNMAPPED;
	ck_assert_msg(ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov) == 0, "SETREGSET: %s",
		      strerror(errno));
	ck_assert_msg(ptrace(PTRACE_DETACH, pid, 0, 0) == 0, "PTRACE_DETACH: %s", strerror(errno));
}
#endif

START_TEST(test_real_fault)
{
#ifdef IP
	struct run r;
	pid_t pid = start_recorder(&r, wheres[_i]);

	make_it_fault(&r, pid);
	int code = run_wait(&r, EXIT_MS);
	ck_assert_msg(code == 128 + SIGSEGV, "%s: a real fault: reaper exited %d, want %d\n"
		      "--- stderr:\n%s", where_name(wheres[_i]), code, 128 + SIGSEGV, r.err);
#else
	test_skip("moving reaper's instruction pointer is written for x86_64 and aarch64 only");
#endif
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("sent");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sent, 0, N_WHERES * N_HOWS);
	suite_add_tcase(s, tc);

	tc = tcase_create("real_fault");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_real_fault, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
