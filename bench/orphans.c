/*
 * orphans: the fork-storm workload of the reaping figure (issue 7).
 * Benchmark helper, not a test.
 *
 *   orphans N        run as the main child of an init that is PID 1 of a
 *                    PID namespace with its own /proc (bench/pidns run)
 *
 * Makes N orphans one after the other, as fast as it can: a middle process
 * starts the orphan and exits at once, so the orphan is re-parented to
 * PID 1; the orphan exits at once too, so PID 1 gets a SIGCHLD per orphan
 * (or for a few, coalesced) and must reap it. When all N are made, it
 * waits until /proc shows no process but PID 1 and itself, and prints one
 * line on stdout:
 *
 *   orphans=N create_ns=C total_ns=T pid1_cpu_ns=U pid1_ticks=K pid1_wakeups=W
 *           zombies=Z retries=R
 *
 *   create_ns    time to make all N
 *   total_ns     from the first orphan to the moment none is left
 *   pid1_cpu_ns  CPU time PID 1 spent meanwhile (/proc/1/schedstat, ns);
 *                pid1_ticks the same from /proc/1/stat utime+stime (1/100 s)
 *   pid1_wakeups PID 1's voluntary context switches meanwhile: how many
 *                times it slept and woke, so how many orphans a wake-up
 *                reaped on average
 *   zombies      zombies still there when we gave up waiting (20 s), else 0
 *   retries      makes that hit EAGAIN (PID space full) and were retried
 *
 * As PID 1 itself (the direct run, the floor) the orphans are re-parented
 * to us: we reap them as they come with waitpid(WNOHANG), the cheapest
 * possible reaper, and pid1_cpu_ns is "-".
 *
 * Why clone(CLONE_VM) and not fork(): on the 2-vCPU VM of the issue one
 * fork costs 0.6-1.6 ms (copying page tables), a CLONE_VM process ~60 us,
 * so 20000 forks would take half a minute per run and measure fork, not
 * the init. The middle runs on a stack of its own while we wait
 * (CLONE_VFORK); each orphan runs on one of SLOTS stacks, which the kernel
 * hands back by clearing the slot's tid word when the orphan exits
 * (CLONE_CHILD_CLEARTID, with a futex wake). Orphan and middle only make
 * raw system calls: they share our memory.
 *
 * Exit status: 0; 1 orphans were left (zombies > 0); 2 usage; 3 set-up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 64
#define STACK_SIZE 16384
#define GIVE_UP_NS (20 * 1000000000LL)
/* Exit code of a middle whose clone hit EAGAIN: retry later. */
#define MIDDLE_EAGAIN 2

struct slot {
	/* 0: free; else the orphan's tid, or -1 while it is being made. */
	volatile pid_t tid;
	char stack[STACK_SIZE] __attribute__((aligned(16)));
};

static struct slot slots[SLOTS];
static char middle_stack[STACK_SIZE] __attribute__((aligned(16)));

static int64_t now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail(const char *what)
{
	fprintf(stderr, "orphans: %s: %s\n", what, strerror(errno));
	exit(3);
}

static int orphan_main(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 0);
	return 0;
}

/* Shares our memory: raw system calls only, and the exit code says how
 * the clone went. SYS_exit, not _exit: exit_group would be the same here,
 * but nothing else of ours runs in this process anyway. */
static int middle_main(void *arg)
{
	struct slot *slot = arg;
	pid_t pid = clone(orphan_main, slot->stack + STACK_SIZE,
			  CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, NULL,
			  NULL, NULL, &slot->tid);
	syscall(SYS_exit, pid > 0 ? 0 : errno == EAGAIN ? MIDDLE_EAGAIN : 3);
	return 0;
}

static void wait_slot_free(struct slot *slot)
{
	for (;;) {
		pid_t tid = slot->tid;
		if (tid == 0)
			return;
		/* Not FUTEX_PRIVATE: the kernel's wake on clear_child_tid is
		 * a shared one. EAGAIN (changed meanwhile), EINTR: look again. */
		(void)syscall(SYS_futex, &slot->tid, FUTEX_WAIT, tid, NULL, NULL, 0);
	}
}

static void pause_us(long us)
{
	struct timespec ts = {0, us * 1000};
	(void)nanosleep(&ts, NULL); /* EINTR: only shortens a back-off */
}

/* One orphan. Returns true once made, false if it hit EAGAIN. */
static bool make_orphan(struct slot *slot, bool self_reap)
{
	wait_slot_free(slot);
	slot->tid = -1;
	pid_t middle = clone(middle_main, middle_stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD,
			     slot);
	if (middle < 0) {
		slot->tid = 0;
		if (errno == EAGAIN)
			return false;
		fail("clone");
	}
	int status;
	while (waitpid(middle, &status, 0) < 0) {
		if (errno != EINTR)
			fail("waitpid");
	}
	if (self_reap) {
		/* The floor: we are PID 1, the orphan is ours. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	slot->tid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == MIDDLE_EAGAIN)
		return false;
	fprintf(stderr, "orphans: a middle process failed (status %#x)\n", (unsigned)status);
	exit(3);
}

/* Processes in our /proc but PID 1 and us; zombies counted apart. */
static long count_others(long *zombies)
{
	DIR *proc = opendir("/proc");
	if (proc == NULL)
		fail("opendir /proc");
	long others = 0;
	*zombies = 0;
	pid_t self = getpid();
	struct dirent *e;
	while ((e = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		long pid = strtol(e->d_name, NULL, 10); /* all digits: readdir of /proc */
		if (pid == 1 || pid == self)
			continue;
		others++;
		char path[64], stat[256];
		(void)snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* reaped meanwhile */
		ssize_t n = read(fd, stat, sizeof stat - 1);
		(void)close(fd);
		if (n <= 0)
			continue;
		stat[n] = '\0';
		const char *paren = strrchr(stat, ')');
		if (paren != NULL && paren[1] == ' ' && paren[2] == 'Z')
			(*zombies)++;
	}
	(void)closedir(proc);
	return others;
}

/* PID 1's CPU time: ns from schedstat (-1 if absent), ticks from stat;
 * and its voluntary context switches (its wake-ups) from status. */
static void pid1_cpu(long long *ns, long long *ticks, long long *wakeups)
{
	char buf[1024];
	*ns = -1;
	*ticks = -1;
	*wakeups = -1;
	FILE *status = fopen("/proc/1/status", "r");
	if (status != NULL) {
		while (fgets(buf, sizeof buf, status) != NULL) {
			if (sscanf(buf, "voluntary_ctxt_switches: %lld", wakeups) == 1)
				break;
		}
		(void)fclose(status);
	}
	FILE *f = fopen("/proc/1/schedstat", "r");
	if (f != NULL) {
		if (fscanf(f, "%lld", ns) != 1)
			*ns = -1;
		(void)fclose(f);
	}
	f = fopen("/proc/1/stat", "r");
	if (f == NULL)
		return;
	if (fgets(buf, sizeof buf, f) != NULL) {
		/* Fields after "(comm)": state is field 3, utime 14, stime 15. */
		char *p = strrchr(buf, ')');
		unsigned long long utime, stime;
		if (p != NULL &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
			   &stime) == 2)
			*ticks = (long long)(utime + stime);
	}
	(void)fclose(f);
}

int main(int argc, char *argv[])
{
	char *end;
	errno = 0;
	long n = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	if (argc != 2 || errno != 0 || end == argv[1] || *end != '\0' || n < 1 || n > 10000000) {
		fprintf(stderr, "usage: orphans N\n");
		return 2;
	}
	bool self_reap = getpid() == 1;
	long long cpu0_ns, cpu0_ticks, wake0, cpu1_ns = -1, cpu1_ticks = -1, wake1 = -1;
	pid1_cpu(&cpu0_ns, &cpu0_ticks, &wake0);

	long retries = 0;
	int64_t start = now_ns();
	for (long i = 0; i < n;) {
		if (make_orphan(&slots[i % SLOTS], self_reap)) {
			i++;
		} else {
			retries++;
			pause_us(1000);
		}
	}
	int64_t created = now_ns();

	long zombies = 0, left;
	int64_t done;
	if (self_reap) {
		while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			;
		done = now_ns();
	} else {
		/* The orphans are not ours to wait for: watch /proc empty out,
		 * every 200 us (a sweep of a near-empty /proc is a few us). */
		while ((left = count_others(&zombies)) > 0 && now_ns() - start < GIVE_UP_NS)
			pause_us(200);
		done = now_ns();
		pid1_cpu(&cpu1_ns, &cpu1_ticks, &wake1);
		if (left == 0)
			zombies = 0;
	}

	char cpu[32] = "-", ticks[32] = "-", wakeups[32] = "-";
	if (!self_reap && wake0 >= 0 && wake1 >= 0)
		(void)snprintf(wakeups, sizeof wakeups, "%lld", wake1 - wake0);
	if (!self_reap && cpu0_ns >= 0 && cpu1_ns >= 0)
		(void)snprintf(cpu, sizeof cpu, "%lld", cpu1_ns - cpu0_ns);
	if (!self_reap && cpu0_ticks >= 0 && cpu1_ticks >= 0)
		(void)snprintf(ticks, sizeof ticks, "%lld", cpu1_ticks - cpu0_ticks);
	printf("orphans=%ld create_ns=%lld total_ns=%lld pid1_cpu_ns=%s pid1_ticks=%s"
	       " pid1_wakeups=%s zombies=%ld retries=%ld\n",
	       n, (long long)(created - start), (long long)(done - start), cpu, ticks, wakeups,
	       zombies, retries);
	return zombies > 0 ? 1 : 0;
}
