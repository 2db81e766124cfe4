/*
 * harness: what every integration test needs to drive build/reaper for real.
 *
 * Starts a command (reaper on the host, or reaper as PID 1 of a fresh PID
 * namespace through `unshare --pid --fork --mount-proc`), with its stdout and
 * stderr captured on pipes, waits for it with a deadline (never sleep), and
 * reads the one-line-per-event output of the helpers under tests/helpers.
 * Every wait takes a deadline and kills what it started when the deadline
 * passes, so no test can hang. Fatal set-up problems fail the test with
 * ck_abort_msg.
 */
#ifndef REAPER_HARNESS_H
#define REAPER_HARNESS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Absolute path of build/reaper, and of build/helpers/<name>. Static
 * storage; helper_path rotates among a few buffers so several can be used
 * in one argv. */
const char *reaper_path(void);
const char *helper_path(const char *name);

enum run_where {
	RUN_HOST,  /* argv runs as is: reaper is a subreaper on the host */
	RUN_PID1,  /* argv runs as PID 1 of a new PID namespace (unshare) */
};

struct run {
	pid_t pid;        /* what we forked: reaper itself (RUN_HOST) or unshare */
	int stdin_fd;     /* write end of the child's stdin, or -1 (stdin is /dev/null) */
	int stdout_fd;    /* read ends of the captured streams */
	int stderr_fd;
	int status;       /* wait status, valid after run_wait returned 0 */
	char out[65536];  /* what stdout and stderr carried, NUL-terminated */
	size_t out_len;
	char err[65536];
	size_t err_len;
	/* After run_wait: processes left behind when pid exited (on the host,
	 * reaper's descendants, re-parented to the test, which is a child
	 * subreaper for this). run_wait has SIGKILLed and reaped them. */
	int leftovers;

	/* Kept by harness.c; tests may read exited and the *_truncated flags,
	 * and write none. Once out is full, lines run_read_line already
	 * returned are dropped from its front to make room; what still does not
	 * fit is read and discarded, and out_truncated is set (same for err). */
	enum run_where where;
	pid_t reaper_pid;     /* cached by run_reaper_pid, 0 until known */
	int pid_fd;           /* pidfd of pid, or -1 */
	size_t line_pos;      /* offset in out of the next line to return */
	bool out_eof, err_eof;
	bool exited;          /* pid has exited (not necessarily reaped) */
	bool reaped;          /* run_wait reaped pid: status is valid */
	bool out_truncated, err_truncated;
	dev_t exe_dev;        /* the program argv[0] names, to tell when */
	ino_t exe_ino;        /* reaper has been exec'd */
};

struct run_opts {
	bool pipe_stdin;        /* give the child a pipe for stdin (r->stdin_fd) */
	char *const *env_add;   /* extra "NAME=value" entries, NULL-terminated, or NULL */
	const char *cwd;        /* working directory, or NULL */
	const sigset_t *mask;   /* signal mask the command starts with, or NULL
				 * (none blocked). Blocked from fork on, so a
				 * signal sent right after run_start waits. */
};

/* Start argv[0] (a path) with argv; opts may be NULL. Returns 0 or fails
 * the test. */
void run_start(struct run *r, enum run_where where, char *const argv[],
	       const struct run_opts *opts);

/* Read stdout and stderr until EOF and reap; if timeout_ms passes first,
 * SIGKILL the process (and for RUN_PID1, the whole namespace) and fail
 * the test. Then count, kill and reap what it left behind (r->leftovers),
 * so no test leaves a process to the system's init. Returns the exit code
 * (0..255), or 128+S if killed by S. */
int run_wait(struct run *r, int timeout_ms);

/* Start, wait, return the exit code: the common case. */
int run_simple(struct run *r, enum run_where where, char *const argv[], int timeout_ms);

/* Read one '\n'-terminated line from r's stdout within timeout_ms into
 * line (without the newline); keeps what follows for the next call and
 * appends everything read to r->out. false on EOF or timeout. */
bool run_read_line(struct run *r, char *line, size_t size, int timeout_ms);

/* Wait until r's stdout has carried a line equal to want (earlier lines
 * are skipped); false on EOF or timeout. */
bool run_expect_line(struct run *r, const char *want, int timeout_ms);

/* Wait up to timeout_ms for output or the exit of r's process, taking in
 * what came (into r->out, r->err): the pause between two looks at /proc,
 * where only /proc can tell. */
void run_pump(struct run *r, int timeout_ms);

/* Like run_expect_line, for the first line that starts with prefix (such
 * as "ready "); the whole line goes into line (may be NULL). */
bool run_expect_prefix(struct run *r, const char *prefix, char *line, size_t size,
		       int timeout_ms);

/* The pid of reaper itself, as seen from the host: r->pid for RUN_HOST,
 * the child of unshare for RUN_PID1 (found through /proc). */
pid_t run_reaper_pid(struct run *r, int timeout_ms);

/* Send signo to reaper (run_reaper_pid). Waits first (up to 5 s) until
 * reaper has been exec'd and blocks signo, so a signal sent right after
 * start is not taken with its default action by a process that is not yet
 * reaper; signals reaper never blocks (KILL, STOP) go at once. */
void run_signal(struct run *r, int signo);

/* True once reaper (run_reaper_pid) runs the program argv[0] names and has
 * signo blocked; false if it is gone or timeout_ms passes first. */
bool run_reaper_blocks(struct run *r, int signo, int timeout_ms);

/* Number of complete lines of r->out equal to want (all of r->out, not
 * just what run_read_line has not returned yet). */
int run_count_lines(const struct run *r, const char *want);

/* Number of processes in state Z among the descendants of pid (walking
 * /proc/<pid>/task/<tid>/children), and the number of all descendants. */
int count_zombies_below(pid_t pid);
int count_descendants(pid_t pid);

/* Is signo set in the mask field ("SigBlk", "SigCgt", "SigIgn", "SigPnd")
 * of /proc/<pid>/status? false when pid is gone or has no such field. */
bool proc_signal_mask_has(pid_t pid, const char *field, int signo);

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
long long now_ms(void);

#endif
