/*
 * forkbomb: a fork bomb bounded by a pids cgroup, for the PID-exhaustion
 * stress test (issue 8, test 3).
 *
 *   forkbomb --cgroup DIR [--ignore-term] [--spin] [--exit CODE] [--every N]
 *
 * Refuses to start (exit 2) unless DIR/pids.max holds a number no larger
 * than 4096 and DIR/cgroup.procs lists this process: the bomb must hit a
 * limit, never the machine.
 *
 * The main process blocks every signal, forks the first bomber, prints
 * "ready PID" and then waits: TERM makes it exit CODE (--exit, default 0);
 * SIGCHLD makes it reap its own children.
 *
 * Every bomber makes two more bombers and then exits, never waiting for a
 * child: what exits is orphaned and comes, with its children, to the
 * nearest subreaper or init. A process creation that fails (EAGAIN: the
 * cgroup is full) is retried at once by a bomber that has made no child
 * yet; one that has made a child exits instead. So once the cgroup is
 * full it holds bombers spinning on process creation and the zombies of
 * those that exited, which only the reaper can clear: the bomb goes on
 * exactly as long as the reaper keeps reaping. (Were a bomber with a child
 * to keep retrying, the zombies of its own children would fill the cgroup
 * whatever the reaper does.) A bomber that found no room yields the CPU
 * (sched_yield) before it tries again; with --spin it does not, and a
 * cgroup full of spinning bombers leaves the reaper a sliver of the CPU.
 *
 * Bombers are processes made with clone(CLONE_VM) on stacks of their own,
 * not fork(): on a small VM a fork costs a millisecond or more of
 * page-table copying, and so does every fork the cgroup refuses, which
 * would starve the reaper of CPU; the pids controller counts these
 * processes all the same. Sharing memory, they share errno too: a failed
 * clone is taken as "no room" whatever errno says. A stack is reused once
 * the kernel has cleared its owner's tid at exit (CLONE_CHILD_CLEARTID).
 * Bombers run with every signal unblocked and default dispositions, TERM
 * ignored with --ignore-term (then only KILL ends them).
 *
 * Lines on stdout, each in one write(2):
 *
 *   ready PID    the main process, once the first bomber is forked
 *   limited N    the first process creation that failed (once), after N
 *                bombers had been made
 *   forks N      N bombers have been made in all, for every multiple of
 *                --every (default 256)
 *
 * Exit status: CODE; 2 bad usage or no limit; 3 a set-up call failed
 * (named on stderr). libc only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LIMIT 4096
#define SLOTS (2 * MAX_LIMIT)
#define STACK_SIZE (64 * 1024)

/* In the first bomber's memory, which every later bomber shares. */
static char *stacks;                 /* SLOTS stacks of STACK_SIZE */
static atomic_int slot_tid[SLOTS];   /* 0 free, -1 claimed, else its bomber */
static atomic_long forks;
static atomic_int limited;
static atomic_uint next_slot;
static long every = 256;
static bool spin;

static noreturn void fail(const char *what)
{
	fprintf(stderr, "forkbomb: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void say(const char *text)
{
	(void)!write(STDOUT_FILENO, text, strlen(text)); /* nobody listens: go on */
}

static bool parse_number(const char *text, long max, long *value)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || (*end != '\0' && *end != '\n') || v < 0 || v > max)
		return false;
	*value = v;
	return true;
}

/* The contents of dir/name, NUL-terminated; false if unreadable. */
static bool read_file(const char *dir, const char *name, char *buf, size_t size)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return true;
}

/* Is this process in cgroup dir, and is dir's pids.max a small number? */
static bool limited_cgroup(const char *dir)
{
	char buf[65536];
	long max;
	if (!read_file(dir, "pids.max", buf, sizeof buf) || !parse_number(buf, MAX_LIMIT, &max)) {
		fprintf(stderr, "forkbomb: %s/pids.max is not a number up to %d\n", dir, MAX_LIMIT);
		return false;
	}
	if (!read_file(dir, "cgroup.procs", buf, sizeof buf)) {
		fprintf(stderr, "forkbomb: cannot read %s/cgroup.procs\n", dir);
		return false;
	}
	char self[32];
	snprintf(self, sizeof self, "%ld", (long)getpid());
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
		if (strcmp(line, self) == 0)
			return true;
	fprintf(stderr, "forkbomb: not in the cgroup %s\n", dir);
	return false;
}

/* A free stack slot, claimed; -1 when all are in use. */
static int claim_slot(void)
{
	unsigned start = atomic_fetch_add(&next_slot, 1);
	for (unsigned i = 0; i < SLOTS; i++) {
		unsigned slot = (start + i) % SLOTS;
		int expected = 0;
		if (atomic_compare_exchange_strong(&slot_tid[slot], &expected, -1))
			return (int)slot;
	}
	return -1;
}

static int bomber(void *arg);

/* One more bomber; false when there was no room. */
static bool make_bomber(void)
{
	int slot = claim_slot();
	if (slot < 0)
		return false;
	char *top = stacks + (size_t)(slot + 1) * STACK_SIZE;
	int flags = CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;
	if (clone(bomber, top, flags, NULL, NULL, NULL, (pid_t *)&slot_tid[slot]) < 0) {
		atomic_store(&slot_tid[slot], 0);
		return false;
	}
	long n = atomic_fetch_add(&forks, 1) + 1;
	if (n % every == 0) {
		char line[48];
		snprintf(line, sizeof line, "forks %ld\n", n);
		say(line);
	}
	return true;
}

static int bomber(void *arg)
{
	(void)arg;
	int made = 0;
	while (made < 2) {
		if (make_bomber()) {
			made++;
			continue;
		}
		if (atomic_exchange(&limited, 1) == 0) {
			char line[48];
			snprintf(line, sizeof line, "limited %ld\n", atomic_load(&forks));
			say(line);
		}
		if (made > 0)
			break; /* see the header comment */
		if (!spin)
			(void)sched_yield(); /* always succeeds on Linux */
	}
	return 0; /* clone's caller ends the process with it */
}

int main(int argc, char *argv[])
{
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &all, NULL);

	const char *cgroup = NULL;
	bool ignore_term = false;
	long code = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc) {
			cgroup = argv[++i];
		} else if (strcmp(argv[i], "--ignore-term") == 0) {
			ignore_term = true;
		} else if (strcmp(argv[i], "--spin") == 0) {
			spin = true;
		} else if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc) {
			if (!parse_number(argv[++i], 255, &code))
				goto usage;
		} else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc) {
			if (!parse_number(argv[++i], 1000000, &every) || every == 0)
				goto usage;
		} else {
			goto usage;
		}
	}
	if (cgroup == NULL)
		goto usage;
	if (!limited_cgroup(cgroup))
		return 2;

	stacks = mmap(NULL, (size_t)SLOTS * STACK_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stacks == MAP_FAILED)
		fail("mmap");
	fflush(NULL);
	pid_t first = fork();
	if (first < 0)
		fail("fork");
	if (first == 0) {
		for (int signo = 1; signo < NSIG; signo++) {
			struct sigaction old;
			if (sigaction(signo, NULL, &old) == 0 && old.sa_handler != SIG_DFL)
				(void)signal(signo, SIG_DFL);
		}
		if (ignore_term)
			(void)signal(SIGTERM, SIG_IGN);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(bomber(NULL));
	}
	char line[48];
	snprintf(line, sizeof line, "ready %ld\n", (long)getpid());
	say(line);

	sigset_t wait_for;
	sigemptyset(&wait_for);
	sigaddset(&wait_for, SIGTERM);
	sigaddset(&wait_for, SIGCHLD);
	for (;;) {
		int signo = sigwaitinfo(&wait_for, NULL);
		if (signo == SIGTERM)
			return (int)code;
		if (signo < 0 && errno != EINTR)
			fail("sigwaitinfo");
		while (waitpid(-1, NULL, WNOHANG) > 0)
			continue;
	}

usage:
	fprintf(stderr, "usage: forkbomb --cgroup DIR [--ignore-term] [--spin] [--exit CODE] "
			"[--every N]\n");
	return 2;
}
