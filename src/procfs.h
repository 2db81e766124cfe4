/*
 * procfs: what reaper reads from /proc about processes: a process's
 * parent, state and group, its own pid as this /proc numbers it, the
 * pids in a directory, and the tree below a process through the kernel's
 * child lists.
 *
 * Never: a signal (descendants.c decides which processes are ours and
 * signals them), an allocation (a walk may run during a fork storm), or
 * more than one descriptor open at a time, so a walk works with ulimit -n
 * 4 (issue 15). Paths are formatted by hand, not with snprintf: they are
 * made for every process a walk meets. The /proc read may be another PID
 * namespace's than ours (--isolate): pids here are numbered as it numbers
 * them.
 */
#ifndef REAPER_PROCFS_H
#define REAPER_PROCFS_H

#include <stdbool.h>
#include <sys/types.h>

/* The most processes procfs_list_tree finds (reaper itself included). */
#define PROCFS_TREE_MAX 4096

struct procfs_tree {
	pid_t pid[PROCFS_TREE_MAX]; /* pid[0] is the root, then breadth first */
	int n;
	pid_t listing; /* the process whose threads are being listed */
};

/* Parent (0 when none is shown) and state letter of pid, from
 * /proc/<pid>/stat. false when it is gone or cannot be read; errno then
 * says why (EMFILE, ENFILE: no descriptor to read it with). */
bool procfs_stat(pid_t pid, pid_t *ppid, char *state);

/* The process group of pid, or -1 when it is gone. */
pid_t procfs_pgrp(pid_t pid);

/* Our own pid as this /proc numbers processes, or -1. */
pid_t procfs_self(void);

/* The pid the pidfd pidfd refers to, as this /proc numbers it (the Pid:
 * line of /proc/self/fdinfo/<pidfd>), or -1. */
pid_t procfs_pidfd_pid(int pidfd);

/* Call visit(pid, arg) for every entry of the directory path that is
 * named by a number, self excepted, until one returns false. Returns 0,
 * -errno, or 1 when a visit stopped it. */
int procfs_for_each_pid(const char *path, pid_t self, bool (*visit)(pid_t, void *), void *arg);

/* Fill t with self and the processes below it, breadth first, through
 * /proc/<pid>/task/<tid>/children. false when the kernel has no child
 * lists (CONFIG_PROC_CHILDREN) or the tree holds more than
 * PROCFS_TREE_MAX: then the caller reads all of /proc instead. */
bool procfs_list_tree(struct procfs_tree *t, pid_t self);

#endif
