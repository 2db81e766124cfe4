/*
 * cmdrun: what the engine suites' support code (tests/docker/dockertest,
 * tests/cri/critest and crid, tests/podman/podtest) shares: run a command
 * with a deadline and capture its output, find a program, build a command
 * line, count the zombies ps shows.
 *
 * Must never make the process a child subreaper (unlike the integration
 * harness, tests/integration/harness.c): podman's conmon, which leaves its
 * parent, would re-parent to the Check runner. Links nothing but libc and
 * Check.
 */
#ifndef REAPER_CMDRUN_H
#define REAPER_CMDRUN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Monotonic milliseconds, for deadlines and reported durations. */
long long cmd_now_ms(void);

/*
 * Run argv (argv[0] a path) with stdin /dev/null, in a process group of
 * its own and killed with the caller (PR_SET_PDEATHSIG), stdout into out
 * and stderr into err, each NUL-terminated with the excess dropped; err
 * NULL puts stderr into out too. When timeout_ms passes before both
 * reach EOF, SIGKILLs the process group. Returns the exit code, 128+S
 * when killed by S, or -1 if it could not start or ran out of time (err,
 * or out when err is NULL, then ends saying so). Never fails the test.
 */
int cmd_capture(char *const argv[], char *out, size_t out_size, char *err, size_t err_size,
		int timeout_ms);

/* name as is when it holds a '/', else the first executable name in
 * $PATH (a default PATH with the sbin directories when unset), then in
 * extra (more directories, ':'-separated; may be NULL), into buf; false
 * if none. */
bool cmd_find(const char *name, const char *extra, char *buf, size_t size);

/* Append the NULL-terminated list ap to argv (*argc entries of max,
 * borrowed strings) and NULL-terminate it; fail the test, naming prog,
 * when it does not fit. */
void cmd_args_add(char **argv, int *argc, int max, const char *prog, va_list ap);

/* The zombies in `ps -o stat,...` output: lines that start with 'Z'. */
int cmd_count_zombies(const char *ps_out);

/* look(arg), a zombie count, again until it is 0 (want_zero) or at least
 * want, or timeout_ms passed; returns the last count, the first into
 * *first (may be NULL). Only a new look can tell, and each one (an exec
 * in a container) takes a while anyway. */
int cmd_await_zombies(int (*look)(void *arg), void *arg, bool want_zero, int want, int timeout_ms,
		      int *first);

#endif
