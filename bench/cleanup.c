/*
 * cleanup: the workload of the shutdown figure (issue 7). Benchmark
 * helper, not a test.
 *
 *   cleanup [--setsid] MARKER MS     (fd 3: the report pipe of bench/pidns)
 *
 * The main child blocks SIGTERM and forks a grandchild, which inherits the
 * mask, so neither can miss a TERM; then it writes "ready" (8 bytes,
 * CLOCK_MONOTONIC ns) on fd 3. Each waits for TERM with sigwaitinfo(2) and
 * then "cleans up" for MS milliseconds; the grandchild then writes "done"
 * to MARKER. The main child does not wait for the grandchild: like most
 * apps, it leaves it to the init. Whether MARKER exists afterwards says
 * whether the grandchild finished.
 *
 * The grandchild stays in the main child's process group, so an init that
 * signals the group reaches both at once; with --setsid it is a helper in
 * a session of its own (a log shipper, a daemonised worker), which only an
 * init that stops what is left after the main child reaches. In the same
 * group both end 100 ms after TERM, so whether the grandchild's marker
 * beats an init that exits with the main child is a race of microseconds.
 *
 * Exit status: 0 after the clean-up; 2 usage; 3 a set-up call failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPORT_FD 3

static void wait_for_term(const sigset_t *term)
{
	while (sigwaitinfo(term, NULL) < 0) {
		if (errno != EINTR)
			_exit(3);
	}
}

static void clean_up(long ms)
{
	struct timespec left = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

int main(int argc, char *argv[])
{
	char *end;
	errno = 0;
	bool new_session = argc > 1 && strcmp(argv[1], "--setsid") == 0;
	if (new_session) {
		argc--;
		argv++;
	}
	long ms = argc == 3 ? strtol(argv[2], &end, 10) : -1;
	if (argc != 3 || errno != 0 || end == argv[2] || *end != '\0' || ms < 0 || ms > 60000) {
		fprintf(stderr, "usage: cleanup [--setsid] MARKER MS\n");
		return 2;
	}
	sigset_t term;
	(void)sigemptyset(&term);
	(void)sigaddset(&term, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &term, NULL) < 0)
		return 3;
	/* The grandchild closes its end of `settled` once it is in its own
	 * session: "ready" before that would let a TERM to our group reach
	 * it too. */
	int settled[2];
	if (pipe2(settled, O_CLOEXEC) < 0)
		return 3;
	pid_t pid = fork();
	if (pid < 0)
		return 3;
	if (pid == 0) {
		(void)close(REPORT_FD);
		(void)close(settled[0]);
		if (new_session && setsid() < 0)
			_exit(3);
		(void)close(settled[1]);
		wait_for_term(&term);
		clean_up(ms);
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "done\n", 5) != 5 || close(fd) < 0)
			_exit(3);
		_exit(0);
	}
	(void)close(settled[1]);
	char byte;
	ssize_t got;
	do
		got = read(settled[0], &byte, 1);
	while (got < 0 && errno == EINTR);
	if (got != 0)
		return 3;
	(void)close(settled[0]);
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (write(REPORT_FD, &ns, sizeof ns) != (ssize_t)sizeof ns)
		return 3;
	(void)close(REPORT_FD);
	wait_for_term(&term);
	clean_up(ms);
	return 0;
}
