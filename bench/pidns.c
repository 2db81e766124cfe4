/*
 * pidns: runs one init (or the bare workload) as PID 1 of a fresh PID
 * namespace and takes the measurements that need the sender's clock
 * (issue 7). Benchmark driver, not a test.
 *
 *   pidns run -- COMMAND...                 wait for PID 1, pass on its status
 *   pidns siglat COUNT -- COMMAND...        SIGUSR1 to PID 1, COUNT times
 *   pidns shutdown TIMEOUT_MS -- COMMAND... SIGTERM to PID 1, time until it is gone
 *   pidns hold PIDFILE -- COMMAND...        keep PID 1 up until we get TERM or INT
 *
 * COMMAND runs as PID 1 of a new PID namespace, in a new mount namespace
 * with its own /proc: what `unshare --pid --fork --mount-proc` does, done
 * here so that we know PID 1's pid in our namespace without a middle
 * process. COMMAND gets the write end of a report pipe as fd 3. Every
 * message on it is one 8-byte CLOCK_MONOTONIC time in ns, written in one
 * write(2): the first one means "ready" (the workload can take what the
 * mode sends it), siglat reads one more per signal.
 *
 * Output on stdout, one line per figure:
 *   siglat    one latency in ns per line: from just before kill(2) to the
 *             child's timestamp after its sigwaitinfo(2) returned
 *   shutdown  "exit_ns=N status=S" (S as from waitpid, hex) or
 *             "exit_ns=timeout status=-" when PID 1 outlived TIMEOUT_MS
 *             (it is then killed)
 *   hold      nothing: PIDFILE gets PID 1's pid, written when ready
 *
 * Every mode ends by SIGKILLing PID 1 if it still runs (the whole namespace
 * goes with it) and reaping it. Needs CAP_SYS_ADMIN (root).
 * Exit status: PID 1's exit code for run, else 0; 1 a measurement failed
 * (a signal never reached the child, no ready message); 2 usage; 3 set-up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPORT_FD 3
/* A message that does not come within this long means the workload or the
 * init is stuck: the measurement fails instead of hanging the run. */
#define MESSAGE_TIMEOUT_MS 10000

static noreturn void fail(const char *what)
{
	fprintf(stderr, "pidns: %s: %s\n", what, strerror(errno));
	exit(3);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool parse_long(const char *text, long max, long *value)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max)
		return false;
	*value = v;
	return true;
}

/* The child: PID 1 of the new namespace. A private mount namespace of its
 * own so that mounting /proc changes nothing outside. */
static noreturn void child(int report_fd, char **argv)
{
	if (unshare(CLONE_NEWNS) < 0)
		fail("unshare(CLONE_NEWNS)");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail("making / private");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
		fail("mounting /proc");
	if (report_fd != REPORT_FD) {
		if (dup2(report_fd, REPORT_FD) < 0)
			fail("dup2");
		close(report_fd);
	} else if (fcntl(REPORT_FD, F_SETFD, 0) < 0) {
		fail("fcntl");
	}
	execvp(argv[0], argv);
	fprintf(stderr, "pidns: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Reads one message, waiting at most MESSAGE_TIMEOUT_MS. Returns 0, or -1
 * on timeout, EOF or error (said on stderr). */
static int read_message(int fd, int64_t *ns)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int ready;
	do
		ready = poll(&p, 1, MESSAGE_TIMEOUT_MS);
	while (ready < 0 && errno == EINTR);
	if (ready <= 0) {
		fprintf(stderr, "pidns: no message from the workload within %d ms\n",
			MESSAGE_TIMEOUT_MS);
		return -1;
	}
	ssize_t got;
	do
		got = read(fd, ns, sizeof *ns);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof *ns) {
		fprintf(stderr, "pidns: the report pipe closed (read %zd)\n", got);
		return -1;
	}
	return 0;
}

/* Waits for pid up to timeout_ms (0: forever); returns its status and
 * when it exited, or -1 if it still runs. A pidfd turns readable when the
 * process exits, so the time is taken then, not when we get round to
 * reaping it. */
static int wait_for(pid_t pid, long timeout_ms, int64_t *exited_ns)
{
	int status;
	if (timeout_ms > 0) {
		int pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pid_fd < 0)
			fail("pidfd_open");
		struct pollfd p = {.fd = pid_fd, .events = POLLIN};
		int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
		int ready;
		do {
			int64_t left_ms = (deadline - now_ns()) / 1000000;
			ready = poll(&p, 1, left_ms > 0 ? (int)left_ms : 0);
		} while (ready < 0 && errno == EINTR);
		*exited_ns = now_ns();
		close(pid_fd);
		if (ready < 0)
			fail("poll");
		if (ready == 0)
			return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			fail("waitpid");
	}
	if (timeout_ms <= 0)
		*exited_ns = now_ns();
	return status;
}

/* Ends PID 1 if a mode left it running; ECHILD: the mode reaped it. */
static void kill_and_reap(pid_t pid)
{
	(void)kill(pid, SIGKILL); /* ESRCH: gone already */
	while (waitpid(pid, NULL, 0) < 0) {
		if (errno == ECHILD)
			return;
		if (errno != EINTR)
			fail("waitpid");
	}
}

static int mode_siglat(pid_t pid1, int report_fd, long count)
{
	int64_t t;
	if (read_message(report_fd, &t) < 0)
		return 1;
	for (long i = 0; i < count; i++) {
		int64_t sent = now_ns();
		if (kill(pid1, SIGUSR1) < 0)
			fail("kill");
		if (read_message(report_fd, &t) < 0) {
			fprintf(stderr, "pidns: signal %ld of %ld never reached the child\n",
				i + 1, count);
			return 1;
		}
		printf("%lld\n", (long long)(t - sent));
	}
	return 0;
}

static int mode_shutdown(pid_t pid1, int report_fd, long timeout_ms)
{
	int64_t t;
	if (read_message(report_fd, &t) < 0)
		return 1;
	int64_t sent = now_ns();
	if (kill(pid1, SIGTERM) < 0)
		fail("kill");
	int status = wait_for(pid1, timeout_ms, &t);
	if (status < 0)
		printf("exit_ns=timeout status=-\n");
	else
		printf("exit_ns=%lld status=%#x\n", (long long)(t - sent), (unsigned)status);
	return 0;
}

static int mode_hold(pid_t pid1, int report_fd, const char *pidfile)
{
	int64_t t;
	sigset_t stop;
	if (read_message(report_fd, &t) < 0)
		return 1;
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", pidfile) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		fail(pidfile);
	}
	FILE *f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%d\n", (int)pid1) < 0 || fclose(f) != 0)
		fail(tmp);
	if (rename(tmp, pidfile) < 0)
		fail(pidfile);
	(void)sigemptyset(&stop);
	(void)sigaddset(&stop, SIGTERM);
	(void)sigaddset(&stop, SIGINT);
	int signo;
	(void)sigwait(&stop, &signo); /* blocked in main before fork */
	return 0;
}

int main(int argc, char *argv[])
{
	long number = 0;
	int first = 0;
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "run") == 0 && argc > 3 && strcmp(argv[2], "--") == 0) {
		first = 3;
	} else if ((strcmp(mode, "siglat") == 0 || strcmp(mode, "shutdown") == 0) &&
		   argc > 4 && parse_long(argv[2], 1000000, &number) &&
		   strcmp(argv[3], "--") == 0) {
		first = 4;
	} else if (strcmp(mode, "hold") == 0 && argc > 4 && strcmp(argv[3], "--") == 0) {
		first = 4;
	} else {
		fprintf(stderr, "usage: pidns run|siglat COUNT|shutdown TIMEOUT_MS|hold PIDFILE"
				" -- COMMAND...\n");
		return 2;
	}

	/* hold waits for TERM or INT with sigwait: block them now; the
	 * child gets its own mask back before exec. */
	sigset_t stop, orig;
	(void)sigemptyset(&stop);
	(void)sigaddset(&stop, SIGTERM);
	(void)sigaddset(&stop, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop, &orig) < 0)
		fail("sigprocmask");

	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		fail("pipe2");
	if (unshare(CLONE_NEWPID) < 0)
		fail("unshare(CLONE_NEWPID) (needs root)");
	fflush(NULL);
	pid_t pid1 = fork();
	if (pid1 < 0)
		fail("fork");
	if (pid1 == 0) {
		if (sigprocmask(SIG_SETMASK, &orig, NULL) < 0)
			fail("sigprocmask");
		close(report[0]);
		child(report[1], &argv[first]);
	}
	close(report[1]);

	int rc;
	if (strcmp(mode, "siglat") == 0) {
		rc = mode_siglat(pid1, report[0], number);
	} else if (strcmp(mode, "shutdown") == 0) {
		rc = mode_shutdown(pid1, report[0], number);
	} else if (strcmp(mode, "hold") == 0) {
		rc = mode_hold(pid1, report[0], argv[2]);
	} else {
		int64_t t;
		int status = wait_for(pid1, 0, &t);
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		return rc;
	}
	fflush(stdout);
	kill_and_reap(pid1);
	return rc;
}
