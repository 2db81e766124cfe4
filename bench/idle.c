/*
 * idle: the child of the idle and memory figures (issue 7). Benchmark
 * helper, not a test.
 *
 *   idle              (fd 3: the report pipe of bench/pidns)
 *
 * Writes its "ready" time (8 bytes, CLOCK_MONOTONIC ns) on fd 3, closes
 * it, and sleeps in pause(2) until killed: PID 1 above it has nothing to
 * do, which is what the idle figure watches.
 * Exit status: 3 the ready message could not be written.
 */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define REPORT_FD 3

int main(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (write(REPORT_FD, &ns, sizeof ns) != (ssize_t)sizeof ns)
		return 3;
	(void)close(REPORT_FD);
	for (;;)
		pause();
}
