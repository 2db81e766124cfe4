/*
 * podtest: what the Podman end-to-end suite needs to run reaper under
 * Podman (issue 18): a private Podman set-up, its images, its commands.
 *
 * Everything is private to one run: a directory /tmp/reaper-pm-<pid>-XXXXXX
 * holds a containers.conf (CONTAINERS_CONF: the open-files and
 * process limits runc can set here, cgroupfs, init_path = the static
 * reaper, infra_image = a reaper --pause image, no network), a
 * storage.conf (CONTAINERS_STORAGE_CONF: vfs, graph and run roots inside),
 * runc's state (--runtime-flag root=...), Podman's tmp and static dirs.
 * Containers run with no network (--network none), so no CNI bridge is
 * made, and nothing of the machine's Docker is touched. Images are
 * imported from a tarball (tests/podman/rootfs.sh, made from the context
 * `make docker-context` staged): nothing is pulled.
 *
 * Two modes: rootful (required), and rootless as the user nobody with a
 * single-UID mapping and vfs storage, in a directory of its own, where the
 * machine allows it (else its cases say SKIP and why).
 *
 * Clean-up: every test starts by removing every pod and container of
 * both private stores (everything in them is this run's), and so does the
 * teardown of every test case; an
 * atexit handler in the Check runner removes them and the run's directory;
 * the suite's start removes what runs killed half-way left behind (their
 * pid is gone). Nothing is ever ended by name or outside these stores.
 * Every podman command has a deadline and is killed when it passes.
 */
#ifndef REAPER_PODTEST_H
#define REAPER_PODTEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#define POD_CMD_MS 60000 /* one podman command: run, stop, play, exec */
#define POD_LINE_MS 30000 /* a container's first line, start-up included */

enum pod_mode {
	POD_ROOTFUL,
	POD_ROOTLESS, /* as nobody: single-UID mapping, vfs */
	POD_MODES
};

/* Image names, the same in both stores. */
#define IMG_TEST "localhost/reaper-podtest:latest"   /* ENTRYPOINT reaper -- */
#define IMG_PAUSE "localhost/reaper-pause:latest"    /* ENTRYPOINT reaper --pause */
#define IMG_PAUSE_ENV "localhost/reaper-pause-env:latest" /* REAPER_PAUSE=1, no ENTRYPOINT */
#define IMG_SLEEP "localhost/reaper-sleep:latest"    /* ENTRYPOINT sleep: reaps nothing */
/* The names docker/examples/k8s-*.yaml use. */
#define IMG_WEB "registry.example.com/web:1.0"
#define IMG_LOG_SHIPPER "registry.example.com/log-shipper:1.0"

/* The suite, after the rootful store answers and its images are imported;
 * or, when podman is missing, make runs as another user than root, or
 * Podman cannot run a container here, one line "podman: skipped: REASON"
 * on stdout and exit(0). Tries the rootless mode too (pod_mode_ok says
 * how it went). Registers the atexit clean-up. Call first in test_suite(). */
Suite *podman_suite(const char *name);

/* A test case each of whose tests starts with no pod or container in the
 * stores, and whose teardown removes what the last one left. */
TCase *pod_tcase(const char *name, int timeout_s);

/* Can mode run here? If not, why into why (static storage). */
bool pod_mode_ok(enum pod_mode mode, const char **why);

/* The static reaper, a path the mode's user can read. */
const char *pod_reaper_path(enum pod_mode mode);

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
