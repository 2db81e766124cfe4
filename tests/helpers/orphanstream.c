/*
 * orphanstream: makes orphans as fast as it can, on demand or in the
 * background, for the stress tests (issue 8, tests 1, 2 and 4).
 *
 *   orphanstream [--exit CODE] [--batch B]
 *   orphanstream --background [--batch B] -- PROG [ARG...]
 *
 * An orphan is made by a middle process that vforks up to B children
 * (default 1000), each of which exits 0 at once, and then exits itself
 * without waiting for them: the children, live or already zombies, are
 * re-parented to the nearest subreaper or init, which has to reap them.
 * orphanstream reaps only its middles, one batch at a time.
 *
 * Command mode (the default) prints "ready PID" and then reads stdin, one
 * command per line:
 *
 *   N          make N orphans, then print "made TOTAL" (orphans so far)
 *   linger N   make N orphans that stay (pause, in a process group of
 *              their own, signals as inherited) until killed; prints
 *              "lingering TOTAL" once each of them runs and is re-parented
 *   exit       exit CODE (--exit, default 0) at once
 *
 * EOF on stdin exits CODE too.
 *
 * --background: fork a worker that leaves the process group (so signals
 * forwarded to the group never reach it) and makes batches until stdin is
 * readable (a line or EOF); it then prints "orphans TOTAL" and exits 0.
 * The original process execs PROG with the signal mask it was given: PROG
 * is the worker's parent, and must reap it.
 *
 * Lines go to stdout, each in one write(2).
 * Exit status: CODE; 2 bad usage; 3 a set-up call failed (named on
 * stderr). libc only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static noreturn void fail(const char *what)
{
	fprintf(stderr, "orphanstream: %s: %s\n", what, strerror(errno));
	exit(3);
}

/* "WORD VALUE\n" on stdout in one write. */
static void say(const char *word, long value)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%s %ld\n", word, value);
	if (n > 0)
		(void)!write(STDOUT_FILENO, line, (size_t)n); /* nobody listens: go on */
}

static bool parse_number(const char *text, long max, long *value)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 0 || v > max)
		return false;
	*value = v;
	return true;
}

/* A child that exits 0 at once. vfork, since the child only calls _exit;
 * a function of its own, so no variable of the caller lives across it. */
static __attribute__((noinline)) pid_t spawn_short(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(0);
	return pid;
}

/* The middle: n children that exit at once, then exit without reaping
 * them. Never returns. */
static noreturn void middle_short(long n)
{
	for (long i = 0; i < n; i++)
		if (spawn_short() < 0)
			_exit(3);
	_exit(0);
}

/* The middle for lingering orphans: each child leaves the group and says
 * so on the pipe before it pauses, so "lingering" means they all run. */
static noreturn void middle_linger(long n, int ready_fd)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			_exit(3);
		if (pid == 0) {
			(void)setpgid(0, 0);
			(void)!write(ready_fd, "x", 1);
			close(ready_fd);
			for (;;)
				pause();
		}
	}
	_exit(0);
}

/* Fork a middle running fn-like code, and reap it. */
static void run_middle(long n, bool linger)
{
	int sync[2] = { -1, -1 };
	if (linger && pipe2(sync, O_CLOEXEC) < 0)
		fail("pipe2");
	pid_t mid = fork();
	if (mid < 0)
		fail("fork");
	if (mid == 0) {
		if (linger) {
			close(sync[0]);
			middle_linger(n, sync[1]);
		}
		middle_short(n);
	}
	int status;
	while (waitpid(mid, &status, 0) < 0)
		if (errno != EINTR)
			fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "orphanstream: a middle process failed (status %#x)\n", status);
		exit(3);
	}
	if (!linger)
		return;
	close(sync[1]);
	/* One byte per orphan; EOF early means one of them died. */
	long seen = 0;
	char buf[256];
	while (seen < n) {
		ssize_t got = read(sync[0], buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		seen += got;
	}
	close(sync[0]);
	if (seen < n) {
		fprintf(stderr, "orphanstream: %ld of %ld lingering orphans started\n", seen, n);
		exit(3);
	}
}

static void make_orphans(long n, long batch, bool linger)
{
	while (n > 0) {
		long now = n < batch ? n : batch;
		run_middle(now, linger);
		n -= now;
	}
}

/* Is stdin readable (a line or EOF) right now? */
static bool stdin_ready(void)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	int n = poll(&pfd, 1, 0);
	return n > 0 || (n < 0 && errno != EINTR);
}

static noreturn void background_worker(long batch)
{
	long total = 0;
	(void)setpgid(0, 0);
	while (!stdin_ready()) {
		make_orphans(batch, batch, false);
		total += batch;
	}
	say("orphans", total);
	_exit(0);
}

/* Read one line of stdin into buf (without the newline); false at EOF. */
static bool read_line(char *buf, size_t size)
{
	size_t len = 0;
	for (;;) {
		char c;
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		if (c == '\n')
			break;
		if (len + 1 < size)
			buf[len++] = c;
	}
	buf[len] = '\0';
	return true;
}

static int command_mode(long batch, int code)
{
	long made = 0, lingering = 0, n;
	char line[64];
	say("ready", (long)getpid());
	while (read_line(line, sizeof line)) {
		if (strcmp(line, "exit") == 0)
			break;
		if (strncmp(line, "linger ", 7) == 0 && parse_number(line + 7, 100000, &n)) {
			make_orphans(n, batch, true);
			lingering += n;
			say("lingering", lingering);
		} else if (parse_number(line, 100000000, &n)) {
			make_orphans(n, batch, false);
			made += n;
			say("made", made);
		} else {
			fprintf(stderr, "orphanstream: bad command '%s'\n", line);
			return 2;
		}
	}
	return code;
}

int main(int argc, char *argv[])
{
	long code = 0, batch = 1000;
	bool background = false;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc) {
			if (!parse_number(argv[++i], 255, &code))
				goto usage;
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if (!parse_number(argv[++i], 100000, &batch) || batch == 0)
				goto usage;
		} else if (strcmp(argv[i], "--background") == 0) {
			background = true;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			goto usage;
		}
	}
	if (background != (i < argc))
		goto usage; /* PROG with --background, and only then */
	if (!background)
		return command_mode(batch, (int)code);

	fflush(NULL);
	pid_t worker = fork();
	if (worker < 0)
		fail("fork");
	if (worker == 0)
		background_worker(batch);
	(void)setpgid(worker, worker); /* the worker does it too; one of them wins */
	execvp(argv[i], argv + i);
	fail(argv[i]);

usage:
	fprintf(stderr, "usage: orphanstream [--exit CODE] [--batch B]\n"
			"       orphanstream --background [--batch B] -- PROG [ARG...]\n");
	return 2;
}
