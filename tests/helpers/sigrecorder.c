/*
 * sigrecorder: prints one line per signal it receives, for the integration
 * tests to read from a pipe.
 *
 *   sigrecorder [--exit-on SIG] [--exit CODE] [--spawn-grandchild] [--stoppable]
 *
 * Its first instruction blocks every signal; it then reads them from a
 * signalfd, one siginfo at a time, so a real-time signal delivered five
 * times shows up five times, in order. Lines, each in one write(2) so lines
 * of the two recorders never interleave:
 *
 *   ready-grandchild PID   the grandchild is set up (--spawn-grandchild)
 *   ready PID PGID         printed last: every recorder is set up
 *   sig N                  signal N reached the recorder
 *   gsig N                 signal N reached the grandchild
 *
 * --exit-on SIG (TERM, SIGTERM, 15, RTMIN+3, any case): after printing that
 * signal, exit with CODE (--exit, default 0); the grandchild exits 0 on it.
 * --spawn-grandchild: fork a grandchild in the same process group that
 * records too. The recorder reaps it (printing "sig 17" as for any SIGCHLD)
 * and does not wait for it before exiting.
 * --stoppable: leave TSTP, TTIN and TTOU unblocked with their default
 * action, so they stop the recorder (and its grandchild) as they stop a
 * shell's job; they are then not recorded. CONT still continues it (a
 * blocked CONT continues too) and is recorded.
 *
 * Window left open: the dynamic loader runs between exec and the first
 * instruction of main; a signal arriving there acts with its default
 * action. Start the recorder with the signal already blocked (reaper
 * passes its original mask on) to close it.
 *
 * Exit status: CODE as above; 2 bad usage; 3 a set-up call failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_util.h"

static void say(const char *text)
{
	/* Nobody listens any more: keep recording anyway. */
	(void)write_all(STDOUT_FILENO, text, strlen(text));
}

static void fail(const char *what)
{
	fprintf(stderr, "sigrecorder: %s: %s\n", what, strerror(errno));
	exit(3);
}

/* A signal number from its name or number; 0 if unknown. */
static int parse_signal(const char *text)
{
	static const struct { const char *name; int signo; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
		{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
		{ "PWR", SIGPWR }, { "SYS", SIGSYS },
	};
	long value;
	if (parse_number(text, SIGRTMAX, &value))
		return value > 0 ? (int)value : 0;
	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(text, names[i].name) == 0)
			return names[i].signo;
	int base = 0, sign = 1;
	if (strncasecmp(text, "RTMIN", 5) == 0)
		base = SIGRTMIN;
	else if (strncasecmp(text, "RTMAX", 5) == 0)
		base = SIGRTMAX, sign = -1;
	if (base == 0)
		return 0;
	text += 5;
	if (*text == '\0')
		return base;
	if (*text != (sign > 0 ? '+' : '-') || !parse_number(text + 1, SIGRTMAX, &value))
		return 0;
	int signo = base + sign * (int)value;
	return signo >= SIGRTMIN && signo <= SIGRTMAX ? signo : 0;
}

static void reap_children(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
}

/* TSTP, TTIN, TTOU: the stops a terminal or a shell sends. */
static void job_stops(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTSTP);
	sigaddset(set, SIGTTIN);
	sigaddset(set, SIGTTOU);
}

/* --stoppable: the job stops take their default action again. */
static void make_stoppable(void)
{
	sigset_t stops;
	job_stops(&stops);
	for (int signo = 1; signo < NSIG; signo++)
		if (sigismember(&stops, signo) == 1 && signal(signo, SIG_DFL) == SIG_ERR)
			fail("signal");
	if (sigprocmask(SIG_UNBLOCK, &stops, NULL) < 0)
		fail("sigprocmask");
}

/* Every signal, but the job stops when they are left to stop us. */
static int open_signalfd(bool stoppable)
{
	sigset_t all, stops;
	sigfillset(&all);
	job_stops(&stops);
	for (int signo = 1; stoppable && signo < NSIG; signo++)
		if (sigismember(&stops, signo) == 1)
			sigdelset(&all, signo);
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		fail("signalfd");
	return sfd;
}

/* Print each signal read from sfd as "<prefix> N"; exit on exit_on. */
static noreturn void record(int sfd, const char *prefix, int exit_on, int code)
{
	struct signalfd_siginfo infos[64];
	for (;;) {
		ssize_t n = read(sfd, infos, sizeof infos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof infos[0])
			fail("read signalfd");
		for (size_t i = 0; i < (size_t)n / sizeof infos[0]; i++) {
			int signo = (int)infos[i].ssi_signo;
			char line[64];
			snprintf(line, sizeof line, "%s %d\n", prefix, signo);
			say(line);
			if (signo == SIGCHLD)
				reap_children();
			if (signo == exit_on)
				exit(code);
		}
	}
}

int main(int argc, char *argv[])
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL); /* first: see the header comment */

	int exit_on = 0;
	long code = 0;
	bool grandchild = false, stoppable = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--exit-on") == 0 && i + 1 < argc) {
			exit_on = parse_signal(argv[++i]);
			if (exit_on == 0) {
				fprintf(stderr, "sigrecorder: bad signal '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc) {
			if (!parse_number(argv[++i], 255, &code)) {
				fprintf(stderr, "sigrecorder: bad exit code '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--spawn-grandchild") == 0) {
			grandchild = true;
		} else if (strcmp(argv[i], "--stoppable") == 0) {
			stoppable = true;
		} else {
			fprintf(stderr, "usage: sigrecorder [--exit-on SIG] [--exit CODE] "
					"[--spawn-grandchild] [--stoppable]\n");
			return 2;
		}
	}

	if (stoppable)
		make_stoppable();
	char line[128];
	if (grandchild) {
		/* The grandchild says it is ready through this pipe, so "ready"
		 * comes only once both record. */
		int ready_pipe[2];
		if (pipe2(ready_pipe, O_CLOEXEC) < 0)
			fail("pipe2");
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			close(ready_pipe[0]);
			int sfd = open_signalfd(stoppable);
			snprintf(line, sizeof line, "ready-grandchild %d\n", (int)getpid());
			say(line);
			close(ready_pipe[1]);
			record(sfd, "gsig", exit_on, 0);
		}
		close(ready_pipe[1]);
		char byte;
		while (read(ready_pipe[0], &byte, 1) < 0 && errno == EINTR)
			continue; /* EOF: the grandchild is ready (or died) */
		close(ready_pipe[0]);
	}
	int sfd = open_signalfd(stoppable);
	snprintf(line, sizeof line, "ready %d %d\n", (int)getpid(), (int)getpgrp());
	say(line);
	record(sfd, "sig", exit_on, (int)code);
}
