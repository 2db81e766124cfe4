/*
 * podstore: the Podman end-to-end suite's private Podman set-up (issue
 * 18): the run's directory, the two stores in it, their images, and
 * removing all of it again. podtest.h runs commands in these stores.
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
 * Clean-up: podstore_clear removes every pod and container of both
 * private stores (everything in them is this run's); an atexit handler in
 * the Check runner removes them, the rootless pause process and the run's
 * directory; podstore_open first removes what runs killed half-way left
 * behind (their pid is gone). Nothing is ever ended by name or outside
 * these stores. Every podman command has a deadline and is killed when it
 * passes. Never fails a test.
 */
#ifndef REAPER_PODSTORE_H
#define REAPER_PODSTORE_H

#include <stdbool.h>

#define POD_CMD_MS 60000 /* one podman command: run, stop, play, exec */

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

/*
 * Find podman, env and setpriv, remove what killed runs left, make the
 * run's directory and register the atexit clean-up (only the calling
 * process runs it, not the tests Check forks), then prepare the rootful
 * store with all the images and try the rootless one. Returns NULL when
 * the rootful store runs a container, else why the suite cannot run here
 * (static storage). Prints one line and exits 1 when the machine fails it
 * (cannot make or copy into the directory). Call once, before Check forks.
 */
const char *podstore_open(void);

/* Remove every pod and container of the stores that work. Never fails. */
void podstore_clear(void);

/* Can mode run here? If not, why into why (static storage). */
bool pod_mode_ok(enum pod_mode mode, const char **why);

/* The static reaper, a path the mode's user can read. */
const char *pod_reaper_path(enum pod_mode mode);

/* The argv that runs podman in mode's store as mode's user, up to and
 * including podman's global flags (the last three: podman --runtime-flag
 * root=...), into *argv (static storage); returns its length. */
int podstore_prefix(enum pod_mode mode, char *const **argv);

/* The podman program, the very string every prefix holds (so an argv
 * entry can be told from an argument by its address). */
const char *podstore_podman(void);

#endif
