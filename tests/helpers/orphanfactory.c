/*
 * orphanfactory: makes N orphans at once, for the reaping tests.
 *
 *   orphanfactory [--wait] [--exit CODE] [--linger] [--subreaper] N
 *
 * Forks a middle process that forks N children and exits once they have
 * all exited (closed their end of a pipe), without reaping any: the N
 * zombies are re-parented together to the nearest subreaper or init, which
 * then has to reap them (one SIGCHLD may stand for all of them). The
 * factory reaps the middle and prints "done": by then every orphan has been
 * re-parented.
 *
 * --linger   the orphans stay alive (pause) until killed, instead of
 *            exiting; "done" means all N are running and re-parented. They
 *            keep stdout and stderr open.
 * --wait     after "done", wait for a line or EOF on stdin before exiting
 *            (the test decides when the main child goes away).
 * --exit     exit status after "done" (default 0).
 * --subreaper the factory makes itself a child subreaper first, so the
 *            orphans re-parent to it, and it never reaps them: with --wait,
 *            a control case where N zombies must be seen.
 *
 * Output: "done\n" on stdout, in one write(2).
 * Exit status: CODE as above; 2 bad usage; 3 a set-up call failed (the
 * message names it on stderr).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_util.h"

static void fail(const char *what)
{
	fprintf(stderr, "orphanfactory: %s: %s\n", what, strerror(errno));
	exit(3);
}

/* The middle process: fork n orphans-to-be, wait until each has exited
 * (or, lingering, started), then exit without reaping them. */
static void middle(long n, bool linger)
{
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		_exit(3);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "orphanfactory: fork %ld of %ld: %s\n", i + 1, n,
				strerror(errno));
			_exit(3);
		}
		if (pid == 0) {
			close(sync[0]);
			if (!linger)
				_exit(0); /* closes sync[1]: one less writer */
			(void)!write(sync[1], "x", 1);
			close(sync[1]);
			for (;;)
				pause();
		}
	}
	close(sync[1]);
	/* Lingering: one byte per orphan; else EOF once all have exited. */
	long seen = 0;
	char buf[256];
	for (;;) {
		ssize_t got = read(sync[0], buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		seen += got;
		if (linger && seen >= n)
			break;
	}
	_exit(0);
}

int main(int argc, char *argv[])
{
	bool wait_stdin = false, linger = false, subreaper = false;
	long code = 0, n = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait") == 0) {
			wait_stdin = true;
		} else if (strcmp(argv[i], "--linger") == 0) {
			linger = true;
		} else if (strcmp(argv[i], "--subreaper") == 0) {
			subreaper = true;
		} else if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc) {
			if (!parse_number(argv[++i], 255, &code))
				goto usage;
		} else if (n < 0 && parse_number(argv[i], 1000000, &n)) {
			continue;
		} else {
			goto usage;
		}
	}
	if (n < 0)
		goto usage;

	if (subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail("PR_SET_CHILD_SUBREAPER");
	fflush(NULL);
	pid_t mid = fork();
	if (mid < 0)
		fail("fork");
	if (mid == 0)
		middle(n, linger);
	int status;
	while (waitpid(mid, &status, 0) < 0) {
		if (errno != EINTR)
			fail("waitpid");
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "orphanfactory: the middle process failed (status %#x)\n", status);
		return 3;
	}
	static const char done[] = "done\n";
	(void)!write(STDOUT_FILENO, done, sizeof done - 1);

	if (wait_stdin) {
		char c;
		for (;;) {
			ssize_t got = read(STDIN_FILENO, &c, 1);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0 || c == '\n')
				break;
		}
	}
	return (int)code;

usage:
	fprintf(stderr, "usage: orphanfactory [--wait] [--exit CODE] [--linger] [--subreaper] N\n");
	return 2;
}
