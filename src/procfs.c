/*
 * procfs: reading /proc for processes (see procfs.h).
 *
 * Owns: the /proc paths and the parsing of stat, fdinfo, child lists and
 * directories. Never: malloc (directories are read with getdents64 into a
 * stack buffer), a signal, or a second descriptor: each is closed before
 * the next is opened (issue 15).
 */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sysio.h"

/* A getdents64 record as the kernel lays it out. We read only d_reclen and
 * d_name; the other members are there to put those two at their offsets. */
struct linux_dirent64 {
	uint64_t d_ino;          /* cppcheck-suppress unusedStructMember ; layout */
	int64_t d_off;           /* where the next entry starts: lseek there */
	unsigned short d_reclen;
	unsigned char d_type;    /* cppcheck-suppress unusedStructMember ; layout */
	char d_name[];
};

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = sysio_read(fd, buf, size - 1);
	(void)close(fd); /* read-only: nothing to flush or lose */
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return 0;
}

static pid_t parse_pid(const char *text)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || v <= 0 || v > INT32_MAX)
		return -1;
	return (pid_t)v;
}

/* Paths under /proc are formatted by hand: this runs for every process
 * a walk meets, and snprintf would be the costliest part of it. */
#define PROC_PATH_MAX 64

/* Append text at p; returns the new end. */
static char *put_text(char *p, const char *text)
{
	size_t len = strlen(text);
	memcpy(p, text, len + 1);
	return p + len;
}

/* Append the decimal digits of pid at p, before end; returns the new end.
 * PROC_PATH_MAX holds the longest path we make, so they always fit. */
static char *put_pid(char *p, const char *end, pid_t pid)
{
	return p + sysio_format_uint(p, (size_t)(end - p), (unsigned)pid);
}

/* "/proc/<pid><tail>" into path. */
static void proc_path(char path[PROC_PATH_MAX], pid_t pid, const char *tail)
{
	(void)put_text(put_pid(put_text(path, "/proc/"), path + PROC_PATH_MAX, pid), tail);
}

/* Parent and state of pid from /proc/<pid>/stat; false when it is gone.
 * The command name may hold spaces and ')', so we parse after the last ')'. */
bool procfs_stat(pid_t pid, pid_t *ppid, char *state)
{
	char path[PROC_PATH_MAX], buf[512];

	proc_path(path, pid, "/stat");
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return false;
	char *close_paren = strrchr(buf, ')');
	if (close_paren == NULL || close_paren[1] != ' ' || close_paren[2] == '\0')
		return false;
	*state = close_paren[2];
	pid_t parent = parse_pid(close_paren + 4);
	*ppid = parent < 0 ? 0 : parent;
	return true;
}

/* Our own pid as this /proc numbers processes (it may be another
 * namespace's /proc than ours). */
pid_t procfs_self(void)
{
	char buf[16];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return parse_pid(buf);
}

/* The process group of pid from /proc/<pid>/stat (the field after the
 * parent), or -1 when it is gone. */
pid_t procfs_pgrp(pid_t pid)
{
	char path[PROC_PATH_MAX], buf[512];

	proc_path(path, pid, "/stat");
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strrchr(buf, ')'); /* ") S PPID PGRP ..." */
	if (p == NULL || strlen(p) < 5 || (p = strchr(p + 4, ' ')) == NULL)
		return -1;
	return parse_pid(p + 1);
}

pid_t procfs_pidfd_pid(int pidfd)
{
	char path[PROC_PATH_MAX], buf[512];

	(void)put_pid(put_text(path, "/proc/self/fdinfo/"), path + PROC_PATH_MAX, (pid_t)pidfd);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	char *field = strstr(buf, "\nPid:");
	return field == NULL ? -1 : parse_pid(field + strlen("\nPid:"));
}

/* The longest getdents64 record: a NAME_MAX name, 8-byte aligned. */
#define DIRENT_MAX ((sizeof(struct linux_dirent64) + NAME_MAX + 1 + 7) & ~(size_t)7)

/* One bufferful of the directory at path, from *pos on, into buf; the
 * bytes read into *len (0 at the end). The directory is open only while it
 * is read, so a visit can have the descriptor (with ulimit -n 4 reaper has
 * two). *pos moves past what was read. Returns 0 or -errno. */
static int read_entries(const char *path, int64_t *pos, char *buf, size_t size, long *len)
{
	*len = 0;
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	long n = -1;
	if (*pos == 0 || lseek(dir, (off_t)*pos, SEEK_SET) >= 0)
		n = syscall(SYS_getdents64, dir, buf, size);
	int err = n < 0 ? -errno : 0;
	(void)close(dir); /* read-only */
	if (err < 0)
		return err;
	for (long off = 0; off < n;) {
		const struct linux_dirent64 *e = (const struct linux_dirent64 *)(buf + off);
		off += e->d_reclen;
		*pos = e->d_off;
	}
	*len = n;
	return 0;
}

/* Read the directory at path with getdents64 and call visit(pid, arg) for
 * every entry named by a number, self excepted; stop at the first visit
 * that returns false. Between bufferfuls the directory is reopened at the
 * saved offset: /proc numbers its entries by pid, so one that comes or
 * goes meanwhile moves no other. (A task directory counts its threads
 * instead; past the first bufferful, some 100 threads, one that ends
 * meanwhile may hide another's children until the next walk.) Returns 0,
 * -errno, or 1 when a visit stopped it. */
int procfs_for_each_pid(const char *path, pid_t self, bool (*visit)(pid_t, void *), void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	int64_t pos = 0;
	long n;
	int err;

	while ((err = read_entries(path, &pos, buf, sizeof(buf), &n)) == 0 && n > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
			off += e->d_reclen;
			pid_t pid = parse_pid(e->d_name);
			if (pid > 0 && pid != self && !visit(pid, arg))
				return 1;
		}
		/* The kernel fills the buffer until the next entry does not fit:
		 * with room for the longest one left over, this was the end, and
		 * opening the directory again to be told so would be wasted. */
		if ((size_t)n + DIRENT_MAX <= sizeof(buf))
			return 0;
	}
	return err;
}

/* ---- a tree, through the kernel's child lists ---------------------------- */

/* Up to PROCFS_TREE_MAX processes are found through
 * /proc/<pid>/task/<tid>/children, which costs in proportion to the tree;
 * a bigger tree, or a kernel without those lists (CONFIG_PROC_CHILDREN),
 * is the caller's to find through all of /proc. What is forked while the
 * lists are read is found by the next walk. */

/* Append the pids listed in the child-list file fd. false when the tree
 * is full. */
static bool add_children(struct procfs_tree *t, int fd)
{
	char buf[512];
	long pid = -1; /* the pid being parsed, -1 between pids */
	ssize_t n;

	while ((n = sysio_read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) { /* a pid may go on in the next chunk */
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = (pid < 0 ? 0 : pid) * 10 + (buf[i] - '0');
				if (pid > INT32_MAX)
					pid = INT32_MAX;
				continue;
			}
			if (pid > 0) {
				if (t->n == PROCFS_TREE_MAX)
					return false;
				t->pid[t->n++] = (pid_t)pid;
			}
			pid = -1;
		}
	}
	/* The kernel ends the list with a space, so no pid is left pending. */
	return true;
}

/* Append the children of one thread of t->listing,
 * "/proc/<pid>/task/<tid>/children". false when the tree is full. A
 * thread that is gone lists nothing. */
static bool add_children_of_task(pid_t tid, void *arg)
{
	struct procfs_tree *t = arg;
	char path[PROC_PATH_MAX];

	proc_path(path, t->listing, "/task/");
	(void)put_text(put_pid(path + strlen(path), path + PROC_PATH_MAX, tid), "/children");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	bool room = add_children(t, fd);
	(void)close(fd); /* read-only */
	return room;
}

/* Whether this kernel keeps child lists (CONFIG_PROC_CHILDREN): reaper's
 * own, for its only thread, is there when any is. */
static bool have_child_lists(pid_t self)
{
	char path[PROC_PATH_MAX];

	proc_path(path, self, "/task/");
	(void)put_text(put_pid(path + strlen(path), path + PROC_PATH_MAX, self), "/children");
	return access(path, R_OK) == 0;
}

/* Fill t with the processes below self, breadth first. false when the
 * kernel has no child lists or the tree does not fit. */
bool procfs_list_tree(struct procfs_tree *t, pid_t self)
{
	char path[PROC_PATH_MAX];

	if (!have_child_lists(self))
		return false;
	t->pid[0] = self;
	t->n = 1;
	for (int i = 0; i < t->n; i++) {
		proc_path(path, t->pid[i], "/task");
		t->listing = t->pid[i];
		/* An error means it is gone since it was listed: nothing below. */
		int err = procfs_for_each_pid(path, 0, add_children_of_task, t);
		if (err == 1)
			return false;
	}
	return true;
}
