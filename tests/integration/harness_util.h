/*
 * harness_util: small things several integration and docker suites need
 * beyond driving reaper (harness.h): the two places a case runs in, a
 * SKIP line, PATH look-ups, temporary directories, pidfds and /proc
 * children. Like harness.c, a fatal set-up problem fails the test with
 * ck_abort_msg (ck_assert_msg); nothing here sleeps.
 */
#ifndef REAPER_HARNESS_UTIL_H
#define REAPER_HARNESS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

/* The places a table-driven case runs reaper, PID 1 first:
 * tcase_add_loop_test(tc, fn, 0, N_WHERES) and wheres[_i] in the test. */
#define N_WHERES 2
extern const enum run_where wheres[N_WHERES];

/* "PID 1" or "host", for failure messages. Static storage. */
const char *where_name(enum run_where where);

/* "as PID 1" or "on the host", for messages that start with the place.
 * Static storage. */
const char *where_phrase(enum run_where where);

/* Say on stderr that the running case cannot do its job here, and why
 * ("SKIP <tcase>: <why>"); the caller then returns. */
void test_skip(const char *why);

/* run_start with every signal blocked from fork on, env_add and
 * pipe_stdin as in struct run_opts: reaper blocks them anyway and passes
 * that mask on, which closes a helper's window between its exec and its
 * first instruction. */
void run_start_blocked(struct run *r, enum run_where where, char *const argv[],
		       char *const env_add[], bool pipe_stdin);

/* The first executable name in $PATH (a default PATH when unset or
 * empty), written into buf; buf, or NULL when there is none or it does
 * not fit. Sets no errno a caller could rely on. */
const char *find_program(const char *name, char *buf, size_t size);

/* Fill argv, which has room for size entries, with program, the
 * NULL-terminated opts (none when NULL), "--" and the NULL-terminated cmd,
 * then a NULL; fail the test when that does not fit. Nothing is copied:
 * argv points into the caller's strings. */
void build_argv(char **argv, size_t size, const char *program, const char *const *opts,
		const char *const *cmd);

/* Create a fresh directory /tmp/reaper-<tag>-XXXXXX, its path into dir
 * (size at least 64), or fail the test. The caller removes it. */
void make_tmpdir(char *dir, size_t size, const char *tag);

/* pidfd_open(pid) or fail the test; the caller closes it. */
int open_pidfd(pid_t pid);

/* Has the process behind pidfd exited? Looks, does not wait. */
bool pidfd_gone(int pidfd);

/* Pump r (run_pump) until the process behind pidfd has exited; fail the
 * test, naming what, once timeout_ms has passed. */
void await_gone(struct run *r, int pidfd, const char *what, int timeout_ms);

/* Field `field` (0-based, space-separated) of line, a number in
 * min..2^30 ended by a space, a newline or the end of the string (a pid,
 * or a session id with min 0); fail the test otherwise. */
long line_field(const char *line, int field, long min);

/* A new pseudo-terminal, both ends close-on-exec, or fail the test; the
 * caller closes both (the slave once the session that uses it has it). */
void open_pty(int *master_fd, int *slave_fd);

/* Pump r (run_pump) until pid has exactly want_zombies zombies and
 * want_total descendants in all (only /proc can tell, so it looks every
 * millisecond); fail the test at timeout_ms with what was last seen,
 * naming what, and the tail of r's stderr. */
void await_below(struct run *r, pid_t pid, int want_zombies, int want_total, int timeout_ms,
		 const char *what);

/* The only child of pid (a single-threaded process), or fail the test. */
pid_t only_child(pid_t pid);

/* The value of the line "key value" in text into buf ("" for a line that
 * is just "key"); false when there is no such line. A '\r' ending a line
 * (a terminal's) is dropped. Pure. */
bool find_value(const char *text, const char *key, char *buf, size_t size);

/* find_value on the output of tests/helpers/showprivs, or fail the test
 * naming what and quoting all of text. */
void showprivs_value(const char *text, const char *key, char *buf, size_t size,
		     const char *what);

/* In the sanitized build (ASAN_OPTIONS set, as make check-asan does): env
 * entries, NULL-terminated, for run_opts.env_add that turn LeakSanitizer's
 * exit check off, for a run that denies it what it needs (descriptors;
 * ptrace of a reaper made non-dumpable); NULL otherwise. Static storage. */
char *const *no_leak_check_env(void);

/* The whole of a small file into buf (NUL-terminated, cut at size - 1
 * bytes): true, or false with buf "" when it cannot be opened (gone,
 * not yet written). A read error fails the test. */
bool read_small_file(const char *path, char *buf, size_t size);

/* The state letter of pid in /proc/<pid>/stat ('T' stopped, 'Z'...), or
 * 0 when it is gone. */
char proc_state(pid_t pid);

#endif
