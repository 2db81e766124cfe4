/*
 * sigignorer: ignores every catchable signal (SIG_IGN), for the signal
 * storm tests: whatever reaper forwards must not end it.
 *
 *   sigignorer [CODE]
 *
 * Prints "ready\n" once every disposition is set, then reads stdin and
 * exits with CODE (default 0) at the first newline or at EOF: the test
 * decides when it ends by writing a line or closing the pipe.
 *
 * Exit status: CODE; 2 bad usage. SIGCHLD is ignored too, so the kernel
 * reaps any child it has (it starts none).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	for (int signo = 1; signo < NSIG; signo++)
		(void)signal(signo, SIG_IGN); /* KILL, STOP and glibc's own refuse: fine */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	long code = 0;
	if (argc > 2) {
		fprintf(stderr, "usage: sigignorer [CODE]\n");
		return 2;
	}
	if (argc == 2) {
		char *end;
		errno = 0;
		code = strtol(argv[1], &end, 10);
		if (errno != 0 || end == argv[1] || *end != '\0' || code < 0 || code > 255) {
			fprintf(stderr, "sigignorer: bad exit code '%s'\n", argv[1]);
			return 2;
		}
	}

	static const char ready[] = "ready\n";
	(void)!write(STDOUT_FILENO, ready, sizeof ready - 1);
	char c;
	for (;;) {
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue; /* a stop/continue may interrupt the read */
		if (got <= 0 || c == '\n')
			break;
	}
	return (int)code;
}
