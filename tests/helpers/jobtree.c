/*
 * jobtree: a job that leaves processes behind, for the orphan, host-job and
 * tree-forwarding tests (issue 3).
 *
 *   jobtree [--spawn plain|setsid|double]... [--on-term exit|ignore]
 *           [--cleanup-ms N] [--gc-stdin] [--wait] [--exit CODE]
 *
 * The main process blocks every signal first, then forks one grandchild
 * (of reaper) per --spawn:
 *
 *   plain   a background child in the main process's group and session;
 *   setsid  a child that calls setsid(): its own session and group, out of
 *           reach of a signal sent to the main process's group;
 *   double  the classic double fork: a middle process forks the grandchild
 *           and exits at once, so the grandchild is orphaned (re-parented to
 *           the nearest subreaper or init) and stays in the group.
 *
 * Each grandchild reads its signals from a signalfd. On TERM it prints the
 * line, then with --on-term exit (the default) spends --cleanup-ms
 * (default 0) cleaning up, says "finished" and exits 0; with
 * --on-term ignore it goes on (only KILL ends it). With --gc-stdin a line
 * or EOF on stdin ends it the same clean way (for --orphans=wait).
 *
 * The main process prints "ready" once every grandchild is set up. Without
 * --wait it then exits CODE (--exit, default 0). With --wait it records its
 * own signals until a line or EOF on stdin (exit CODE), or until TERM,
 * which it dies of, so its parent sees a death by signal.
 *
 * Lines on stdout, each in one write(2); PIDs as the process's own PID
 * namespace numbers them:
 *
 *   grandchild KIND PID SID   grandchild KIND is set up
 *   ready PID                 the main process: every grandchild is set up
 *   sig N                     the main process got signal N (--wait)
 *   gsig KIND N               grandchild KIND got signal N
 *   finished KIND             grandchild KIND cleaned up and exits 0
 *
 * Exit status: CODE; 2 bad usage; 3 a set-up call failed (named on
 * stderr). libc only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper_util.h"

#define MAX_SPAWN 16

struct options {
	const char *kinds[MAX_SPAWN];
	int n_kinds;
	bool ignore_term;
	long cleanup_ms;
	bool gc_stdin;
	bool wait_stdin;
	long code;
};

static void say(const char *text)
{
	/* Nobody listens any more: go on regardless. */
	(void)write_all(STDOUT_FILENO, text, strlen(text));
}

static noreturn void fail(const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof line, "jobtree: %s: %s\n", what, strerror(errno));
	if (n > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n); /* nothing better to do */
	_exit(3);
}

static int open_signalfd(void)
{
	sigset_t all;
	sigfillset(&all);
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		fail("signalfd");
	return sfd;
}

/* A line or EOF on stdin: true once it has come. */
static bool stdin_ended(void)
{
	char c;
	for (;;) {
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		return got <= 0 || c == '\n';
	}
}

/* Wait for a signal (read into *si, true) or, if watch_stdin, the end of
 * stdin (false). */
static bool next_event(int sfd, bool watch_stdin, struct signalfd_siginfo *si)
{
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		if (poll(fds, watch_stdin ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		if (fds[0].revents != 0) {
			ssize_t n = read(sfd, si, sizeof *si);
			if (n == (ssize_t)sizeof *si)
				return true;
			if (n < 0 && errno == EINTR)
				continue;
			fail("read signalfd");
		}
		if (watch_stdin && fds[1].revents != 0 && stdin_ended())
			return false;
	}
}

/* The grandchild's clean exit: the cleanup it simulates, then the line. */
static noreturn void finish(const char *kind, long cleanup_ms)
{
	struct timespec left = { cleanup_ms / 1000, (cleanup_ms % 1000) * 1000000 };
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		continue;
	char line[64];
	snprintf(line, sizeof line, "finished %s\n", kind);
	say(line);
	_exit(0);
}

static noreturn void grandchild(const char *kind, const struct options *o, int ready_fd)
{
	int sfd = open_signalfd();
	char line[128];
	snprintf(line, sizeof line, "grandchild %s %d %d\n", kind, (int)getpid(), (int)getsid(0));
	say(line);
	if (write(ready_fd, "x", 1) != 1)
		fail("write ready");
	close(ready_fd);
	for (;;) {
		struct signalfd_siginfo si;
		if (!next_event(sfd, o->gc_stdin, &si))
			finish(kind, o->cleanup_ms);
		snprintf(line, sizeof line, "gsig %s %d\n", kind, (int)si.ssi_signo);
		say(line);
		if (si.ssi_signo == SIGCHLD)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				continue;
		if (si.ssi_signo == SIGTERM && !o->ignore_term)
			finish(kind, o->cleanup_ms);
	}
}

/* Fork the grandchild of one kind; the main process returns. */
static void spawn(const char *kind, const struct options *o, int ready[2])
{
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid > 0) {
		if (strcmp(kind, "double") == 0) {
			while (waitpid(pid, NULL, 0) < 0)
				if (errno != EINTR)
					fail("waitpid");
		}
		return;
	}
	close(ready[0]);
	if (strcmp(kind, "setsid") == 0 && setsid() < 0)
		fail("setsid");
	if (strcmp(kind, "double") == 0) {
		pid_t inner = fork();
		if (inner < 0)
			fail("fork");
		if (inner > 0)
			_exit(0); /* orphans the grandchild */
	}
	grandchild(kind, o, ready[1]);
}

/* Die of TERM, as a process without a handler would. */
static noreturn void die_of_term(void)
{
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	signal(SIGTERM, SIG_DFL);
	raise(SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	fail("still alive after TERM");
}

static noreturn void main_wait(const struct options *o)
{
	int sfd = open_signalfd();
	for (;;) {
		struct signalfd_siginfo si;
		if (!next_event(sfd, true, &si))
			exit((int)o->code);
		char line[64];
		snprintf(line, sizeof line, "sig %d\n", (int)si.ssi_signo);
		say(line);
		if (si.ssi_signo == SIGCHLD)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				continue;
		if (si.ssi_signo == SIGTERM)
			die_of_term();
	}
}

static bool parse_args(int argc, char *argv[], struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--spawn") == 0 && value != NULL) {
			if (o->n_kinds == MAX_SPAWN ||
			    (strcmp(value, "plain") != 0 && strcmp(value, "setsid") != 0 &&
			     strcmp(value, "double") != 0))
				return false;
			o->kinds[o->n_kinds++] = value;
			i++;
		} else if (strcmp(arg, "--on-term") == 0 && value != NULL) {
			if (strcmp(value, "exit") != 0 && strcmp(value, "ignore") != 0)
				return false;
			o->ignore_term = strcmp(value, "ignore") == 0;
			i++;
		} else if (strcmp(arg, "--cleanup-ms") == 0 && value != NULL) {
			if (!parse_number(value, 60000, &o->cleanup_ms))
				return false;
			i++;
		} else if (strcmp(arg, "--exit") == 0 && value != NULL) {
			if (!parse_number(value, 255, &o->code))
				return false;
			i++;
		} else if (strcmp(arg, "--gc-stdin") == 0) {
			o->gc_stdin = true;
		} else if (strcmp(arg, "--wait") == 0) {
			o->wait_stdin = true;
		} else {
			return false;
		}
	}
	return !(o->gc_stdin && o->wait_stdin); /* one reader of stdin only */
}

int main(int argc, char *argv[])
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL); /* first: nothing may act by default */

	struct options o = { .n_kinds = 0 };
	if (!parse_args(argc, argv, &o)) {
		fprintf(stderr, "usage: jobtree [--spawn plain|setsid|double]... "
				"[--on-term exit|ignore] [--cleanup-ms N] [--gc-stdin] [--wait] "
				"[--exit CODE]\n");
		return 2;
	}

	/* Each grandchild writes one byte once set up and closes its end;
	 * EOF before n bytes means one of them died. */
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		fail("pipe2");
	for (int i = 0; i < o.n_kinds; i++)
		spawn(o.kinds[i], &o, ready);
	close(ready[1]);
	int seen = 0;
	char buf[MAX_SPAWN];
	for (;;) {
		ssize_t got = read(ready[0], buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		seen += (int)got;
	}
	close(ready[0]);
	if (seen != o.n_kinds) {
		errno = ECHILD;
		fail("a grandchild died before it was set up");
	}

	char line[64];
	snprintf(line, sizeof line, "ready %d\n", (int)getpid());
	say(line);
	if (o.wait_stdin)
		main_wait(&o);
	return (int)o.code;
}
