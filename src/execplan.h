/*
 * execplan: what the main child will exec, prepared before fork.
 *
 * The PATH candidates for COMMAND (as execvp would try them), the
 * environment without the REAPER_* variables reaper read and with
 * LISTEN_PID re-pointed at the child, and the /bin/sh
 * fallback for scripts without #!. Preparing may allocate; using the plan
 * in the child does not, so the child can run it between a vfork-style
 * clone and execve.
 */
#ifndef REAPER_EXECPLAN_H
#define REAPER_EXECPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct exec_plan {
	char **candidates;   /* paths execve tries in order, execvp-style */
	char **envp;         /* environment handed to COMMAND */
	char listen_pid[32]; /* "LISTEN_PID=<child pid>", filled in the child */
	bool has_listen_pid; /* envp holds listen_pid: the child must fill it */
	char **sh_argv;      /* "/bin/sh", path, ARG...: for ENOEXEC scripts */
	char *storage;       /* the strings behind candidates */
	char *arena;         /* where the plan lives when it fits */
	size_t arena_used;
};

/*
 * Prepare plan for argv (argv[0] looked up in envp's PATH, "/bin:/usr/bin"
 * when unset) and envp, where a LISTEN_PID naming self will name the child
 * instead, the REAPER_* variables options.c reads are left out
 * (this reaper applied them; a reaper nested below must not apply them
 * again), and extra ("HOME=...", or NULL) is appended. Keeps pointers
 * into argv, envp and extra, which must outlive the plan. Most plans fit
 * in a static arena, so a start makes no malloc; one plan at a time per
 * process. Returns 0 or -ENOMEM; on failure nothing is left to free.
 */
int exec_plan_prepare(struct exec_plan *plan, char *const argv[], char *const envp[], pid_t self,
		      char *extra);

/* Release what exec_plan_prepare took from the heap, if anything. */
void exec_plan_free(struct exec_plan *plan);

/* In the child, before exec_plan_run: when the environment's LISTEN_PID
 * named reaper, its value becomes the child's pid. Async-signal-safe; no
 * allocation, no stdio. */
void exec_plan_set_listen_pid(struct exec_plan *plan);

/*
 * Try each candidate like execvp: EACCES is remembered and the search goes
 * on; a script without #! runs under /bin/sh. Returns only on failure,
 * with the errno to report (positive). Async-signal-safe.
 */
int exec_plan_run(struct exec_plan *plan, char *const argv[]);

#endif
