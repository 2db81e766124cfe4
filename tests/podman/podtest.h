/*
 * podtest: what the Podman end-to-end suite needs to run reaper under
 * Podman (issue 18): the Check suite and test cases, and podman commands
 * in the private stores podstore.h sets up (its modes, images and
 * clean-up are declared there). Every podman command has a deadline and
 * is killed when it passes; a command that cannot start or runs out of
 * time fails the test.
 */
#ifndef REAPER_PODTEST_H
#define REAPER_PODTEST_H

#include "podstore.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#define POD_LINE_MS 30000 /* a container's first line, start-up included */

/* The suite, after the rootful store answers and its images are imported;
 * or, when podman is missing, make runs as another user than root, or
 * Podman cannot run a container here, one line "podman: skipped: REASON"
 * on stdout and exit(0). Tries the rootless mode too (pod_mode_ok says
 * how it went). Registers the atexit clean-up. Call first in test_suite(). */
Suite *podman_suite(const char *name);

/* A test case each of whose tests starts with no pod or container in the
 * stores, and whose teardown removes what the last one left. */
TCase *pod_tcase(const char *name, int timeout_s);

/* A podman command line under construction. */
struct pod_cmd {
	char *argv[96];
	int argc;
};

/* `podman ARG...` (NULL-terminated list) in mode's store, as mode's
 * user; pod_cmd_add appends more. The strings are borrowed. */
void pod_cmd(struct pod_cmd *c, enum pod_mode mode, ...);
void pod_cmd_add(struct pod_cmd *c, ...);

/* Run c with stdout and stderr together into out (NUL-terminated, the
 * excess dropped) within timeout_ms; returns its exit code (128+S if
 * killed by S). Fails the test if it cannot start or runs out of time. */
int pod_capture(const struct pod_cmd *c, char *out, size_t size, int timeout_ms);

/* pod_capture of a command that must exit 0: fails the test, quoting
 * podman, otherwise. out may be NULL. */
void pod_expect_ok(const struct pod_cmd *c, char *out, size_t size);

/* `podman logs NAME` until it holds a line that starts with want, or fail the
 * test after timeout_ms, quoting the logs. */
void pod_await_log(enum pod_mode mode, const char *name, const char *want, int timeout_ms);

/* `podman exec NAME ps -o stat,pid,args` into out (the whole PID
 * namespace NAME is in); returns the number of zombies (state Z). */
int pod_ps(enum pod_mode mode, const char *name, char *out, size_t size);

/* pod_ps until the zombie count is 0 (want_zero) or at least want, or
 * timeout_ms passed; returns the last count. */
int pod_await_zombies(enum pod_mode mode, const char *name, bool want_zero, int want,
		      int timeout_ms);

/* `podman inspect --format FORMAT NAME` into out, the line end dropped. */
void pod_inspect(enum pod_mode mode, const char *name, const char *format, char *out,
		 size_t size);

/* Does text hold a line that starts with want ("\n" or "\r\n" end
 * lines)? */
bool text_has_prefix(const char *text, const char *want);

#endif
