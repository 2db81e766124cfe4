/*
 * sigchild: the child of the signal-latency figure (issue 7). Benchmark
 * helper, not a test.
 *
 *   sigchild          (fd 3: the report pipe of bench/pidns)
 *
 * Blocks SIGUSR1, writes its "ready" time, then for each SIGUSR1 that
 * sigwaitinfo(2) returns, writes the CLOCK_MONOTONIC time in ns right
 * after it returned: one 8-byte message per write(2) on fd 3. The sender
 * (pidns siglat) took its time just before kill(2), so the difference is
 * what the init between them adds, plus two wake-ups.
 *
 * Runs until killed (pidns ends with SIGKILL to PID 1), or until fd 3 is
 * gone. Exit status: 3 a set-up call failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPORT_FD 3

static int report_now(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	ssize_t n;
	do
		n = write(REPORT_FD, &ns, sizeof ns);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof ns ? 0 : -1;
}

int main(void)
{
	sigset_t usr1;
	(void)sigemptyset(&usr1);
	(void)sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, NULL) < 0) {
		fprintf(stderr, "sigchild: sigprocmask: %s\n", strerror(errno));
		return 3;
	}
	if (report_now() < 0)
		return 3;
	for (;;) {
		int signo = sigwaitinfo(&usr1, NULL);
		if (signo < 0 && errno == EINTR)
			continue;
		if (signo < 0 || report_now() < 0)
			return 3;
	}
}
