/*
 * ttyprobe: what a program sees of its terminal, then a signal recorder.
 *
 * Usage: ttyprobe [--exit-on SIGNO [--code N]] [--die-on SIGNO]
 *
 * Blocks every signal it can, then prints one line
 *
 *     tty PID PGID FG SID PPID
 *
 * where FG is tcgetpgrp(0) (-1 when stdin is not a terminal or is not ours)
 * and SID is getsid(0); then one line `sig N` per signal read from a
 * signalfd. On --exit-on SIGNO it exits with --code (default 0) after
 * printing the line; on --die-on SIGNO it restores the default action and
 * dies by that signal, so its parent sees "killed by SIGNO". Used by the
 * terminal tests (tests/integration/check_pty.c): the terminal's foreground
 * group must be the child's own group, and Ctrl-C must reach it.
 *
 * Numbers only for signals: the tests pass SIGINT and friends as numbers.
 * Lines go out with one write(2) each, so they never interleave.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "helper_util.h"

static void die(const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof line, "ttyprobe: %s: %s\n", what, strerror(errno));
	if (n > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n); /* nothing better to do */
	_exit(99);
}

static int parse_num(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		errno = EINVAL;
		die(s);
	}
	return (int)v;
}

static void say(const char *line, size_t len)
{
	if (!write_all(STDOUT_FILENO, line, len))
		die("write");
}

int main(int argc, char *argv[])
{
	int exit_on = 0, exit_code = 0, die_on = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--exit-on") == 0 && i + 1 < argc)
			exit_on = parse_num(argv[++i], 1, NSIG - 1);
		else if (strcmp(argv[i], "--code") == 0 && i + 1 < argc)
			exit_code = parse_num(argv[++i], 0, 255);
		else if (strcmp(argv[i], "--die-on") == 0 && i + 1 < argc)
			die_on = parse_num(argv[++i], 1, NSIG - 1);
		else {
			errno = EINVAL;
			die(argv[i]);
		}
	}

	sigset_t all;
	if (sigfillset(&all) != 0 || sigprocmask(SIG_BLOCK, &all, NULL) != 0)
		die("sigprocmask");
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");

	char line[128];
	int n = snprintf(line, sizeof line, "tty %ld %ld %ld %ld %ld\n", (long)getpid(),
			 (long)getpgrp(), (long)tcgetpgrp(STDIN_FILENO), (long)getsid(0),
			 (long)getppid());
	say(line, (size_t)n);

	for (;;) {
		struct signalfd_siginfo si;
		ssize_t got = read(sfd, &si, sizeof si);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof si)
			die("read signalfd");
		int signo = (int)si.ssi_signo;
		n = snprintf(line, sizeof line, "sig %d\n", signo);
		say(line, (size_t)n);
		if (signo == exit_on)
			_exit(exit_code);
		if (signo == die_on) {
			sigset_t one;
			if (signal(signo, SIG_DFL) == SIG_ERR || sigemptyset(&one) != 0 ||
			    sigaddset(&one, signo) != 0 || raise(signo) != 0 ||
			    sigprocmask(SIG_UNBLOCK, &one, NULL) != 0)
				die("die-on");
			die("still alive after die-on");
		}
	}
}
