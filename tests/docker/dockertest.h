/*
 * dockertest: what every end-to-end suite under tests/docker needs to run
 * reaper in real containers (issue 4).
 *
 * The image is docker/Dockerfile, FROM scratch, built from the context
 * `make docker-context` staged (REAPER_DOCKER_CONTEXT): the static reaper
 * as ENTRYPOINT, a static busybox, the static test helpers under /helpers
 * (in PATH), /etc/passwd and /etc/group with the user "app" (1000, also in
 * audio 29 and video 44). Each suite process builds it under a tag of its
 * own, reaper-e2e:<pid>, and names what it creates reaper-e2e-<pid>-<name>
 * with the label reaper.e2e=reaper-e2e-<pid>.
 *
 * Clean-up runs in the Check runner process, which outlives every forked
 * test: the teardown of each test case (an unchecked fixture) removes the
 * run's containers and volumes, an atexit handler removes the image, and
 * the first set-up removes what runs killed half-way left behind (their
 * runner is gone). A failing test ends its process at once; the docker
 * clients it started die with it (PR_SET_PDEATHSIG) and the teardown
 * removes their containers.
 *
 * Every docker command has a deadline and is killed when it passes.
 */
#ifndef REAPER_DOCKERTEST_H
#define REAPER_DOCKERTEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#define DOCKER_CMD_MS 60000  /* one docker command: a run, a stop, an exec */
#define DOCKER_LINE_MS 30000 /* a container's first line, start-up included */

/* The suite, or, when no docker command or engine answers, one line
 * "docker: skipped: REASON" on stdout and exit(0) (so `make check` stays
 * green). Registers the atexit clean-up. Call first in test_suite(). */
Suite *docker_suite(const char *name);

/* A test case whose set-up builds the image (once per process, failing
 * every case with the build's output if it fails) and whose teardown
 * removes the run's containers and volumes. */
TCase *docker_tcase(const char *name, int timeout_s);

/* The image tag and the "reaper.e2e=..." label of this run; the docker
 * program's path. Static storage. */
const char *docker_image(void);
const char *docker_label(void);
const char *docker_path(void);

/* "reaper-e2e-<pid>-NAME" into buf: a name of this run's, for a volume
 * (created with --label docker_label()) or a container. */
void docker_object_name(const char *name, char *buf, size_t size);

/* A docker command line under construction. */
struct docker_cmd {
	char *argv[96];
	int argc;
	char name[128]; /* the container's name (docker_cmd_run) */
};

/* `docker ARG...` (NULL-terminated list); docker_cmd_add appends more.
 * The strings are borrowed: they must outlive the command. Fail the test
 * when the list is too long. */
void docker_cmd(struct docker_cmd *c, ...);
void docker_cmd_add(struct docker_cmd *c, ...);

/* `docker run --rm --name reaper-e2e-<pid>-NAME --label ... ARG...`: a
 * container the teardown finds. c->name holds the full name. */
void docker_cmd_run(struct docker_cmd *c, const char *name, ...);

/* Run c with stdout and stderr together into out (NUL-terminated, the
 * excess dropped) within timeout_ms; returns its exit code (128+S if
 * killed by S). Fails the test if it cannot start or runs out of time. */
int docker_capture(const struct docker_cmd *c, char *out, size_t size, int timeout_ms);

/* docker_capture for a command that must succeed (docker stop, kill,
 * volume create): fails the test, with docker's words, unless it exits 0. */
void docker_expect_ok(const struct docker_cmd *c);

/* The zombies (state Z) `docker exec NAME ps` lists: the whole PID
 * namespace NAME is in. Fails the test unless ps exits 0. */
int docker_ps_zombies(const char *name);

/* Run c, a `docker run -i` of tests/helpers/orphanfactory --wait, until it
 * says "done" (its orphans have exited and re-parented to PID 1), then
 * docker_ps_zombies until the count is 0 (want_zero) or at least want, or
 * settle_ms passed; close its stdin (the factory must then exit 0, or the
 * test fails). Returns the last count, the first into *first (may be
 * NULL). Uses the integration harness (tests/integration/harness.h). */
int docker_orphan_zombies(const struct docker_cmd *c, bool want_zero, int want, int settle_ms,
			  int *first);

/* In text (lines ending in "\n" or "\r\n"): the rest of the first line
 * that starts with key and a space, into value without the line end
 * (false if none); whether a line equal to want exists. */
bool text_value(const char *text, const char *key, char *value, size_t size);
bool text_has_line(const char *text, const char *want);

#endif
