/*
 * cristale: what a CRI suite run killed half-way (mk/cri.mk's timeout,
 * CI's limit, SIGKILL) left behind, removed at the next start: its
 * containerd, shims and pods, mounts under its directory, its cgroups and
 * the directory.
 *
 * A run is stale when the pid in its RUN_PID_FILE is gone or is no longer
 * a check_cri. Only processes whose pid a stale run's own files give are
 * ended (containerd.pid, the shims its containerd.log names, its cgroups'
 * cgroup.procs),
 * and each only once /proc shows it is that run's: its command line or
 * working directory points into the run's directory, or it sits in the
 * run's cgroup. Never by name. Never fails: it runs before the suite.
 */
#define _GNU_SOURCE
#include "crirun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DIR_PREFIX "reaper-cri-"
#define TERM_MS 3000     /* the stale processes gone after TERM, all together */
#define KILL_MS 3000     /* and after KILL */
#define UNCLAIMED_S 60   /* a directory without RUN_PID_FILE this old is stale */
#define MAX_PROCS 256

/* The pid in the file at path, or 0. */
static long read_pid(const char *path)
{
	char buf[32];
	cri_read_file(path, buf, sizeof buf);
	char *end;
	errno = 0;
	long pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\0' && *end != '\n') || pid <= 1 ||
	    pid > 0x3fffffff)
		return 0;
	return pid;
}

/* Is pid a live run of the suite (not this one)? */
static bool run_alive(long pid)
{
	if (pid == (long)getpid())
		return false;
	char path[64], comm[32];
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	cri_read_file(path, comm, sizeof comm);
	return strcmp(comm, "check_cri\n") == 0;
}

/* Does /proc/PID/cmdline name something under dir, or is its working
 * directory under dir? */
static bool proc_in_dir(long pid, const char *dir)
{
	char path[64], buf[8192], want[96];
	snprintf(want, sizeof want, "%s/", dir);
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		(void)close(fd); /* read-only */
	if (len > 0 && memmem(buf, (size_t)len, want, strlen(want)) != NULL)
		return true;
	snprintf(path, sizeof path, "/proc/%ld/cwd", pid);
	len = readlink(path, buf, sizeof buf - 1);
	return len > 0 && (size_t)len >= strlen(want) && strncmp(buf, want, strlen(want)) == 0;
}

/* Is pid in the cgroup parent ("/reaper-cri-N") or under it, in any
 * hierarchy? */
static bool proc_in_cgroup(long pid, const char *parent)
{
	char path[64], buf[8192];
	snprintf(path, sizeof path, "/proc/%ld/cgroup", pid);
	cri_read_file(path, buf, sizeof buf);
	size_t plen = strlen(parent);
	/* "ID:CONTROLLERS:PATH" lines. */
	for (char *save, *line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ':');
		p = p != NULL ? strchr(p + 1, ':') : NULL;
		if (p != NULL && strncmp(p + 1, parent, plen) == 0 &&
		    (p[1 + plen] == '\0' || p[1 + plen] == '/'))
			return true;
	}
	return false;
}

/* The processes to end, each held by a pidfd opened before the check, so
 * a pid reused later is never signalled. */
struct victims {
	int fd[MAX_PROCS];
	long pid[MAX_PROCS];
	int n;
};

static void add_victim(struct victims *v, long pid, bool (*belongs)(long, const char *),
		       const char *whose)
{
	for (int i = 0; i < v->n; i++)
		if (v->pid[i] == pid)
			return;
	if (v->n >= MAX_PROCS || pid <= 1 || pid == (long)getpid())
		return;
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd < 0)
		return; /* gone */
	if (!belongs(pid, whose)) {
		(void)close(fd); /* not the run's: left alone */
		return;
	}
	v->fd[v->n] = fd;
	v->pid[v->n++] = pid;
}

/* Wait within timeout_ms for every victim to end; how many are left. */
static int await_victims(const struct victims *v, int timeout_ms)
{
	struct pollfd p[MAX_PROCS];
	long long deadline = cmd_now_ms() + timeout_ms;
	for (;;) {
		int left = 0;
		for (int i = 0; i < v->n; i++) {
			p[i] = (struct pollfd){ .fd = v->fd[i], .events = POLLIN };
			(void)poll(&p[i], 1, 0);
			left += (p[i].revents & POLLIN) == 0;
		}
		long long wait = deadline - cmd_now_ms();
		if (left == 0 || wait <= 0)
			return left;
		(void)poll(p, (nfds_t)v->n, (int)(wait < 50 ? wait : 50));
	}
}

/* TERM all, a bounded wait, KILL the rest and wait again. */
static void end_victims(struct victims *v)
{
	if (v->n == 0)
		return;
	for (int i = 0; i < v->n; i++) {
		fprintf(stderr, "critest: a stale run's process %ld: TERM\n", v->pid[i]);
		(void)syscall(SYS_pidfd_send_signal, v->fd[i], SIGTERM, NULL, 0);
	}
	if (await_victims(v, TERM_MS) > 0) {
		for (int i = 0; i < v->n; i++)
			(void)syscall(SYS_pidfd_send_signal, v->fd[i], SIGKILL, NULL, 0);
		int left = await_victims(v, KILL_MS);
		if (left > 0)
			fprintf(stderr, "critest: %d stale processes outlived KILL by %d ms\n",
				left, KILL_MS);
	}
	for (int i = 0; i < v->n; i++)
		(void)close(v->fd[i]); /* ours, read-only use */
	v->n = 0;
}

/* The cgroup directories of parent ("/reaper-cri-N") in every hierarchy
 * (v1: one per controller, and the root for v2) into paths; how many. */
static int cgroup_dirs(const char *parent, char paths[][352], int max)
{
	int n = 0;
	struct stat st;
	snprintf(paths[n], sizeof paths[0], "/sys/fs/cgroup%.63s", parent);
	n += stat(paths[n], &st) == 0 && S_ISDIR(st.st_mode);
	DIR *d = opendir("/sys/fs/cgroup");
	if (d == NULL)
		return n;
	for (struct dirent *e = readdir(d); e != NULL && n < max; e = readdir(d)) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) == 0)
			continue;
		snprintf(paths[n], sizeof paths[0], "/sys/fs/cgroup/%.255s%.63s", e->d_name, parent);
		n += stat(paths[n], &st) == 0 && S_ISDIR(st.st_mode);
	}
	(void)closedir(d);
	return n;
}

static struct victims *cg_victims;
static char cg_parent[64]; /* "/reaper-cri-N" */

static int add_cgroup_procs(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	char file[PATH_MAX + 16];
	static char procs[65536];
	snprintf(file, sizeof file, "%s/cgroup.procs", path);
	cri_read_file(file, procs, sizeof procs);
	for (char *save, *tok = strtok_r(procs, "\n", &save); tok != NULL;
	     tok = strtok_r(NULL, "\n", &save))
		add_victim(cg_victims, strtol(tok, NULL, 10), proc_in_cgroup, cg_parent);
	return 0;
}

static int remove_cgroup_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP && rmdir(path) < 0 && errno != ENOENT)
		fprintf(stderr, "critest: rmdir %s: %s\n", path, strerror(errno));
	return 0;
}

/* End the processes in the stale run pid's cgroups, then remove them,
 * deepest first. */
static void remove_stale_cgroups(long pid)
{
	char parent[64], paths[32][352];
	snprintf(parent, sizeof parent, "/" DIR_PREFIX "%ld", pid);
	int n = cgroup_dirs(parent, paths, 32);
	if (n == 0)
		return;
	static struct victims v;
	cg_victims = &v;
	snprintf(cg_parent, sizeof cg_parent, "%s", parent);
	for (int i = 0; i < n; i++)
		(void)nftw(paths[i], add_cgroup_procs, 16, FTW_PHYS | FTW_MOUNT);
	end_victims(&v);
	for (int i = 0; i < n; i++) {
		fprintf(stderr, "critest: removing a stale run's cgroup %s\n", paths[i]);
		(void)nftw(paths[i], remove_cgroup_dir, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	}
}

/* Mount points under dir in our mount namespace, deepest first: unmount,
 * lazily if busy. */
static void unmount_under(const char *dir)
{
	static char info[1 << 18];
	cri_read_file("/proc/self/mountinfo", info, sizeof info);
	char *found[64];
	for (int i = cri_mounts_under(info, dir, found, 64) - 1; i >= 0; i--) {
		fprintf(stderr, "critest: unmounting a stale run's %s\n", found[i]);
		if (umount2(found[i], 0) < 0 && umount2(found[i], MNT_DETACH) < 0)
			fprintf(stderr, "critest: umount %s: %s\n", found[i], strerror(errno));
	}
}

/* Everything of the stale run in dir (its runner's pid, 0 if unknown). */
static void remove_stale_dir(const char *dir, long pid)
{
	fprintf(stderr, "critest: removing a stale run's %s (pid %ld)\n", dir, pid);
	static struct victims v;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/" CRI_CONTAINERD_PID_FILE, dir);
	long containerd = read_pid(path);
	if (containerd > 0)
		add_victim(&v, containerd, proc_in_dir, dir);
	/* containerd 1.6 writes no shim.pid: its log names each shim it
	 * starts, "starting signal loop" ... path=DIR/state/... pid=N. */
	static char log[1 << 20];
	snprintf(path, sizeof path, "%s/containerd.log", dir);
	cri_read_file(path, log, sizeof log);
	for (char *save, *line = strtok_r(log, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *at = strstr(line, "msg=\"starting signal loop\"");
		at = at != NULL ? strstr(at, " pid=") : NULL;
		if (at != NULL)
			add_victim(&v, strtol(at + 5, NULL, 10), proc_in_dir, dir);
	}
	end_victims(&v);
	if (pid > 0)
		remove_stale_cgroups(pid);
	unmount_under(dir);
	static struct cri_out o;
	char *rm[] = { "/bin/rm", "-rf", "--one-file-system", (char *)dir, NULL };
	if (cri_capture(rm, &o, CRI_CMD_MS) != 0)
		fprintf(stderr, "critest: rm -rf %s: %s\n", dir, o.err);
}

void cri_remove_stale_runs(void)
{
	DIR *d = opendir("/tmp");
	if (d != NULL) {
		for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
			if (strncmp(e->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0)
				continue;
			char dir[300], path[340];
			struct stat st;
			snprintf(dir, sizeof dir, "/tmp/%s", e->d_name);
			if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			snprintf(path, sizeof path, "%s/" CRI_RUN_PID_FILE, dir);
			long pid = read_pid(path);
			/* A run writes its pid right after mkdtemp: one without
			 * is stale once it is old. */
			if (pid > 0 ? run_alive(pid)
				    : time(NULL) - st.st_mtime < UNCLAIMED_S)
				continue;
			remove_stale_dir(dir, pid);
		}
		(void)closedir(d);
	}
	/* Cgroups whose directory is gone (or a run from before the pid
	 * file): named after the run's pid. */
	d = opendir("/sys/fs/cgroup");
	if (d == NULL)
		return;
	for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		char hier[300];
		snprintf(hier, sizeof hier, "/sys/fs/cgroup/%s", e->d_name);
		const char *name = e->d_name;
		DIR *h = NULL;
		if (strncmp(name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0) {
			h = opendir(hier); /* a v1 hierarchy: look inside */
			if (h == NULL)
				continue;
		}
		for (struct dirent *c = h != NULL ? readdir(h) : e; c != NULL;
		     c = h != NULL ? readdir(h) : NULL) {
			if (strncmp(c->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0)
				continue;
			char *end;
			long pid = strtol(c->d_name + strlen(DIR_PREFIX), &end, 10);
			if (*end == '\0' && pid > 1 && !run_alive(pid))
				remove_stale_cgroups(pid);
		}
		if (h != NULL)
			(void)closedir(h);
	}
	(void)closedir(d);
}
