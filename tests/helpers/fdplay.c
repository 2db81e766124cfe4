/*
 * fdplay: arranges the descriptors a program starts with, then execs it:
 * for the tests where reaper's stdout or stderr is closed or broken, or a
 * caller passes descriptors of its own (issue 8, tests 5 and 6).
 *
 *   fdplay [--close N] [--broken N] [--open N=PATH] ... -- PROG [ARG...]
 *
 * Applied in the order given:
 *   --close N        close descriptor N;
 *   --broken N       N becomes the write end of a pipe whose read end is
 *                    already closed: every write fails with EPIPE and
 *                    raises SIGPIPE;
 *   --open N=PATH    N is PATH opened read-write (read-only if that is
 *                    refused), inheritable.
 * The signal mask and dispositions are left as they came.
 *
 * Exit status: that of PROG; 2 bad usage; 127 a step or exec failed (named
 * on stderr, if stderr is still there). libc only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <unistd.h>

static noreturn void fail(const char *what, const char *arg)
{
	char msg[512];
	int n = snprintf(msg, sizeof msg, "fdplay: %s %s: %s\n", what, arg, strerror(errno));
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	_exit(127);
}

static bool parse_fd(const char *text, const char *stop, int *fd)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || v < 0 || v > 1023)
		return false;
	if (stop == NULL ? *end != '\0' : end != stop)
		return false;
	*fd = (int)v;
	return true;
}

/* Make fd the descriptor target, without close-on-exec. */
static void move_to(int fd, int target, const char *arg)
{
	if (fd == target) {
		if (fcntl(fd, F_SETFD, 0) < 0)
			fail("fcntl", arg);
		return;
	}
	if (dup2(fd, target) < 0)
		fail("dup2", arg);
	close(fd);
}

int main(int argc, char *argv[])
{
	int i = 1, fd;
	for (; i < argc; i++) {
		const char *arg = argv[i + 1 < argc ? i + 1 : i];
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (i + 1 >= argc) {
			goto usage;
		} else if (strcmp(argv[i], "--close") == 0) {
			if (!parse_fd(arg, NULL, &fd))
				goto usage;
			(void)close(fd); /* closed already: as good */
		} else if (strcmp(argv[i], "--broken") == 0) {
			int p[2];
			if (!parse_fd(arg, NULL, &fd))
				goto usage;
			if (pipe2(p, O_CLOEXEC) < 0)
				fail("pipe2", arg);
			close(p[0]);
			move_to(p[1], fd, arg);
		} else if (strcmp(argv[i], "--open") == 0) {
			const char *eq = strchr(arg, '=');
			if (eq == NULL || !parse_fd(arg, eq, &fd))
				goto usage;
			int opened = open(eq + 1, O_RDWR | O_CLOEXEC);
			if (opened < 0)
				opened = open(eq + 1, O_RDONLY | O_CLOEXEC);
			if (opened < 0)
				fail("open", eq + 1);
			move_to(opened, fd, arg);
		} else {
			goto usage;
		}
		i++;
	}
	if (i >= argc)
		goto usage;
	execvp(argv[i], argv + i);
	fail("exec", argv[i]);

usage:
	fprintf(stderr, "usage: fdplay [--close N] [--broken N] [--open N=PATH] ... -- PROG [ARG...]\n");
	return 2;
}
