/*
 * crirun: what critest.c (commands, waits) and crid.c (containerd's
 * start and clean-up) share inside the CRI suite's library; the suites
 * use critest.h only.
 *
 * One struct cri_run per process, filled by cri_suite() in the runner
 * before Check forks a test, read-only after that (but containerd_pid,
 * which the clean-up clears).
 */
#ifndef REAPER_CRIRUN_H
#define REAPER_CRIRUN_H

#include <stddef.h>
#include <sys/types.h>

#include "critest.h"

struct cri_run {
	char dir[64];            /* /tmp/reaper-cri-XXXXXX: everything of the run */
	char sock[128];          /* DIR/containerd.sock */
	char endpoint[160];      /* unix://SOCK */
	char runc_root[128];     /* DIR/runc/k8s.io: runc's root for our namespace */
	char crictl_conf[128];   /* DIR/crictl.yaml, empty: no /etc/crictl.yaml read */
	char cgroup_parent[64];  /* /reaper-cri-<pid> */
	char containerd_log[128];
	struct {
		char containerd[4096], ctr[4096], runc[4096], crictl[4096], unshare[4096];
	} prog;
	pid_t suite_pid;         /* the runner: only it cleans up */
	pid_t containerd_pid;    /* 0 once it is gone */
};

/* The process's one cri_run. */
struct cri_run *cri_run(void);

/* Run argv with stdout and stderr apart into o within timeout_ms, then
 * SIGKILL its process group if it is still there. Returns o->code, or -1
 * if it could not start or ran out of time (o->err then ends saying so).
 * Never fails the test. */
int cri_capture(char *const argv[], struct cri_out *o, int timeout_ms);

/* argv = crictl's fixed words (program, config, endpoints, timeout);
 * returns how many; argv has room for more after them. */
size_t cri_crictl_words(char **argv);

/* The mount points under dir in mountinfo text, up to max, into found
 * (pointing into text, which is changed); how many. */
int cri_mounts_under(char *text, const char *dir, char **found, int max);

/* In the run's directory: the runner's pid, then containerd's, each
 * written as soon as the process is there, for cri_remove_stale_runs(). */
#define CRI_RUN_PID_FILE "run.pid"
#define CRI_CONTAINERD_PID_FILE "containerd.pid"

/* Remove what runs killed half-way left (cristale.c): their processes,
 * mounts, cgroups and directories. Never fails. */
void cri_remove_stale_runs(void);

/* Between two looks at a state nothing announces: the caller's deadline,
 * not this, decides when to give up. */
void cri_poll_interval(void);

#endif
