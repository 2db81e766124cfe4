/*
 * critest: a private containerd with its CRI plugin for the Kubernetes
 * runtime suite (issue 18, item 3), and the crictl, ctr and runc command
 * lines that drive it.
 *
 * cri_suite() runs in the Check runner, before any test: it makes a
 * directory /tmp/reaper-cri-XXXXXX holding everything of the run (config,
 * root, state, the gRPC socket, runc's root, the pods' logs), writes the
 * images (docker/oci-archive.sh over the staged context,
 * REAPER_DOCKER_CONTEXT) and starts containerd on that config in a mount
 * namespace of its own, where a tmpfs hides the machine's /run/containerd
 * (containerd 1.6 puts its shims' sockets there whatever its state
 * directory). It imports the images into the k8s.io namespace:
 *
 *   CRI_IMAGE_PAUSE  ENTRYPOINT /sbin/reaper --pause
 *   CRI_IMAGE_SLEEP  ENTRYPOINT /bin/sleep 3600: a pause that never reaps
 *   CRI_IMAGE_APP    no ENTRYPOINT: busybox and the helpers in PATH
 *
 * The CRI plugin's sandbox_image is CRI_IMAGE_SANDBOX, a tag that
 * cri_use_sandbox() points at one of the first two.
 *
 * The runner makes itself a child subreaper, so the shims containerd
 * starts (they leave their parent) are its children. At exit it removes
 * every pod, stops containerd (TERM, then KILL after a deadline), ends
 * what is left of its children, unmounts anything left under the
 * directory, removes the pods' cgroup parent and the directory.
 *
 * Where the suite cannot run (not root, a program missing, containerd or
 * its CRI plugin not answering) it prints one line "cri: skipped: REASON"
 * and exits CRI_EXIT_SKIP. Every command has a deadline and is killed
 * (its process group) when it passes.
 */
#ifndef REAPER_CRITEST_H
#define REAPER_CRITEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmdrun.h" /* cmd_now_ms for deadlines and durations */

#define CRI_EXIT_SKIP 77       /* the suite could not run here (automake's code) */
#define CRI_CMD_MS 30000       /* one crictl, ctr or runc command */
#define CRI_WAIT_MS 15000      /* a state a test waits for */
#define CRI_IMAGE_PAUSE "localhost/reaper-cri:pause"
#define CRI_IMAGE_SLEEP "localhost/reaper-cri:sleep"
#define CRI_IMAGE_APP "localhost/reaper-cri:app"
#define CRI_IMAGE_SANDBOX "localhost/reaper-cri:sandbox"

/* The suite with containerd running and the images imported, or one
 * skip line and exit(CRI_EXIT_SKIP). Call first in test_suite(). */
Suite *cri_suite(const char *name);

/* A test case whose teardown (in the runner) removes every pod left. */
TCase *cri_tcase(const char *name, int timeout_s);

/* The run's directory; the pods' cgroup parent ("/reaper-cri-<pid>").
 * Static storage. */
const char *cri_dir(void);
const char *cri_cgroup_parent(void);

/* A command's output: stdout and stderr apart, each NUL-terminated (the
 * excess dropped), and how it ended. */
struct cri_out {
	char out[16384];
	char err[4096];
	int code; /* exit code, 128+S if killed by S */
};

/* Run `crictl --runtime-endpoint ... --image-endpoint ... --timeout ...
 * ARG...`, `ctr --address ... --namespace k8s.io ARG...` or `runc --root
 * RUNC_ROOT/k8s.io ARG...` (NULL-terminated) within CRI_CMD_MS into o;
 * returns o->code. Fails the test if it cannot start or runs out of time. */
int crictl(struct cri_out *o, ...);
int ctr(struct cri_out *o, ...);
int runc(struct cri_out *o, ...);

/* crictl for a command that must succeed: fails the test, quoting its
 * output, unless it exits 0. Returns o->out with the end of line dropped. */
const char *crictl_ok(struct cri_out *o, ...);

/* Point CRI_IMAGE_SANDBOX at image (CRI_IMAGE_PAUSE or CRI_IMAGE_SLEEP)
 * and wait, within CRI_WAIT_MS, until the CRI plugin resolves it so
 * (it learns of tags from events). Fails the test otherwise. */
void cri_use_sandbox(const char *image);

/* Wait within timeout_ms until the CRI log at path holds a line ("TIME
 * STREAM TAG TEXT") whose TEXT starts with want, or fail the test quoting
 * what it holds. */
void cri_await_line(const char *path, const char *want, int timeout_ms);

/* The whole of the file at path into buf (NUL-terminated, the excess
 * dropped; "" if it cannot be read). */
void cri_read_file(const char *path, char *buf, size_t size);

/* Wait within timeout_ms until containerd's log says the task id exited,
 * and return its exit status; fail the test otherwise. */
int cri_await_task_exit(const char *id, int timeout_ms);

/* The mount points under cri_dir() in containerd's mount namespace
 * (snapshots mounted as a container's root), space-separated into buf;
 * how many. Fails the test if it cannot look. */
int cri_leftover_mounts(char *buf, size_t size);

#endif
