/*
 * check_podman: reaper under Podman, for real (issue 18, item 2). See
 * podstore.h for the private stores, images and clean-up, podtest.h
 * for the commands.
 *
 * 1. `podman run --init --init-path=build/reaper-static`, and plain
 *    --init with init_path in containers.conf: the init is reaper, exit
 *    codes and deaths by signal pass through.
 * 2. `podman stop` of a TERM-handling app under --init: the app gets the
 *    TERM and the container ends with the app's code (a KILL at the end of
 *    the stop timeout would give 137).
 * 3. Orphans re-parented to the --init reaper are reaped; the control, a
 *    container whose PID 1 is sleep, keeps them as zombies.
 * 4. A pod whose infra container is reaper --pause, with a shared PID
 *    namespace: the infra image from containers.conf (infra_image), and
 *    --infra-image with --infra-command /sbin/reaper (one path, no
 *    arguments: the image sets REAPER_PAUSE=1). An app container's orphans
 *    are reaped by the infra, PID 1 of the pod; pod stop ends it with 0;
 *    pod rm leaves nothing. The control, an infra that sleeps, keeps them.
 * 5. `podman kube play` of docker/examples/k8s-pod.yaml and
 *    k8s-pause-pod.yaml, as they are, with images imported under the names
 *    they use and stand-ins for their programs (tests/podman/bin): the
 *    containers run what the manifests say, stop on TERM with the app's
 *    code, the pause pod's orphans are reaped; kube down removes them.
 *
 * 1 to 3 run rootful and rootless (as nobody, single-UID mapping, vfs);
 * a rootless case this machine cannot run says SKIP and why.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podtest.h"

#define ORPHANS 200
#define SETTLE_MS 15000 /* how long ps may take to show the count we want */

#ifndef REAPER_SOURCE_DIR
#error "REAPER_SOURCE_DIR: the repository (the Makefile defines it)"
#endif

static const char *const mode_names[POD_MODES] = { "rootful", "rootless" };

/* Can mode run here? If not, say SKIP and why, for the caller to return. */
static bool mode_runs(enum pod_mode mode)
{
	const char *why;
	if (pod_mode_ok(mode, &why))
		return true;
	fprintf(stderr, "SKIP %s: rootless Podman as nobody cannot run here: %.600s\n",
		tcase_name(), why);
	return false;
}

/* The args of the process with PID 1 in `ps -o stat,pid,args` output, into
 * buf ("" when there is none). */
static void pid1_args(const char *ps, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const char *line = ps; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		/* "STAT PID ARGS": the second field, then the rest. */
		const char *pid = line + strcspn(line, " ");
		pid += strspn(pid, " ");
		char *end;
		errno = 0;
		long v = strtol(pid, &end, 10);
		if (errno == 0 && end != pid && *end == ' ' && v == 1 && end < line + len) {
			end += strspn(end, " ");
			snprintf(buf, size, "%.*s", (int)(line + len - end), end);
			return;
		}
		line += len;
		line += *line == '\n';
	}
}

/* ---- 1. exit codes through --init ------------------------------------------ */

/* `podman run --rm --init [--init-path=PATH] IMAGE sh -c SCRIPT`; the
 * output into out. Returns the exit code. */
static int run_init(enum pod_mode mode, const char *init_path, const char *script, char *out,
		    size_t size)
{
	char flag[512];
	struct pod_cmd c;
	pod_cmd(&c, mode, "run", "--rm", "--init", NULL);
	if (init_path != NULL) {
		snprintf(flag, sizeof flag, "--init-path=%s", init_path);
		pod_cmd_add(&c, flag, NULL);
	}
	pod_cmd_add(&c, "--entrypoint", "", IMG_TEST, "sh", "-c", (char *)script, NULL);
	return pod_capture(&c, out, size, POD_CMD_MS);
}

START_TEST(test_init_exit)
{
	enum pod_mode mode = (enum pod_mode)_i;
	if (!mode_runs(mode))
		return;
	/* The explicit flag with the build's reaper where root reads it;
	 * nobody reads the suite's copy. */
	const char *path = mode == POD_ROOTFUL ? REAPER_BUILD_DIR "/reaper-static"
					       : pod_reaper_path(mode);
	const char *const paths[] = { path, NULL /* init_path of containers.conf */ };
	for (int i = 0; i < 2; i++) {
		const char *how = paths[i] != NULL ? "--init-path" : "containers.conf init_path";
		static char out[8192];
		int code = run_init(mode, paths[i],
				    "echo \"pid1 $(cat /proc/1/comm)\"; /run/podman-init --version;"
				    " exit 3",
				    out, sizeof out);
		ck_assert_msg(code == 3, "%s %s: exit %d, want 3: %s", mode_names[mode], how, code,
			      out);
		ck_assert_msg(text_has_prefix(out, "pid1 podman-init") &&
				      text_has_prefix(out, "reaper 0.1.0"),
			      "%s %s: PID 1 is not reaper as /run/podman-init: %s", mode_names[mode],
			      how, out);
		code = run_init(mode, paths[i], "kill -TERM $$", out, sizeof out);
		ck_assert_msg(code == 128 + 15, "%s %s: killed by TERM: exit %d, want 143: %s",
			      mode_names[mode], how, code, out);
	}
}
END_TEST

/* ---- 2. podman stop ------------------------------------------------------- */

START_TEST(test_init_stop)
{
	enum pod_mode mode = (enum pod_mode)_i;
	if (!mode_runs(mode))
		return;
	const char *name = "reaper-stop";
	struct pod_cmd c;
	pod_cmd(&c, mode, "run", "--detach", "--init", "--name", (char *)name, "--entrypoint", "",
		IMG_TEST, "sigrecorder", "--exit-on", "TERM", "--exit", "7", NULL);
	pod_expect_ok(&c, NULL, 0);
	pod_await_log(mode, name, "ready ", POD_LINE_MS);
	/* A stop timeout far above what TERM takes: KILL would mean 137. */
	pod_cmd(&c, mode, "stop", "--time", "60", (char *)name, NULL);
	pod_expect_ok(&c, NULL, 0);
	char code[64];
	pod_inspect(mode, name, "{{.State.ExitCode}}", code, sizeof code);
	ck_assert_msg(strcmp(code, "7") == 0,
		      "%s: podman stop: exit code %s, want the app's 7 after its TERM",
		      mode_names[mode], code);
	pod_await_log(mode, name, "sig 15", POD_LINE_MS);
}
END_TEST

/* ---- 3. orphans ------------------------------------------------------------ */

/* `podman exec NAME orphanfactory ORPHANS`: its orphans re-parent to PID 1
 * of NAME's PID namespace. */
static void exec_orphans(enum pod_mode mode, const char *name)
{
	static char out[8192];
	char n[16];
	snprintf(n, sizeof n, "%d", ORPHANS);
	struct pod_cmd c;
	pod_cmd(&c, mode, "exec", (char *)name, "orphanfactory", n, NULL);
	pod_expect_ok(&c, out, sizeof out);
	ck_assert_msg(text_has_prefix(out, "done"), "%s: orphanfactory: %s", name, out);
}

START_TEST(test_init_orphans)
{
	enum pod_mode mode = (enum pod_mode)_i;
	if (!mode_runs(mode))
		return;
	struct pod_cmd c;
	pod_cmd(&c, mode, "run", "--detach", "--init", "--name", "reaper-orphans", "--entrypoint",
		"", IMG_TEST, "sleep", "3600", NULL);
	pod_expect_ok(&c, NULL, 0);
	exec_orphans(mode, "reaper-orphans");
	int zombies = pod_await_zombies(mode, "reaper-orphans", true, 0, SETTLE_MS);
	ck_assert_msg(zombies == 0, "%s: with --init, ps still shows %d zombies", mode_names[mode],
		      zombies);

	pod_cmd(&c, mode, "run", "--detach", "--name", "sleep-orphans", "--entrypoint", "",
		IMG_TEST, "sleep", "3600", NULL);
	pod_expect_ok(&c, NULL, 0);
	exec_orphans(mode, "sleep-orphans");
	zombies = pod_await_zombies(mode, "sleep-orphans", false, ORPHANS, SETTLE_MS);
	ck_assert_msg(zombies >= ORPHANS, "%s: control: sleep as PID 1 shows %d zombies, want %d",
		      mode_names[mode], zombies, ORPHANS);
}
END_TEST

/* ---- 4. pods --------------------------------------------------------------- */

/* Create and start pod NAME with a shared PID namespace and the infra
 * flags given (NULL-terminated, may be none); its infra container's id
 * into infra. */
static void pod_start(const char *name, char *infra, size_t size, const char *flag1,
		      const char *flag2, const char *flag3, const char *flag4)
{
	struct pod_cmd c;
	pod_cmd(&c, POD_ROOTFUL, "pod", "create", "--name", (char *)name, "--share", "pid,ipc,uts",
		"--network", "none", (char *)flag1, (char *)flag2, (char *)flag3, (char *)flag4,
		NULL);
	pod_expect_ok(&c, NULL, 0);
	pod_cmd(&c, POD_ROOTFUL, "pod", "start", (char *)name, NULL);
	pod_expect_ok(&c, NULL, 0);
	pod_cmd(&c, POD_ROOTFUL, "pod", "inspect", "--format", "{{.InfraContainerID}}",
		(char *)name, NULL);
	pod_expect_ok(&c, infra, size);
	infra[strcspn(infra, "\r\n")] = '\0';
}

/* An app container in pod NAME leaves ORPHANS orphans and exits. */
static void pod_orphans(const char *name)
{
	static char out[8192];
	char n[16];
	snprintf(n, sizeof n, "%d", ORPHANS);
	struct pod_cmd c;
	pod_cmd(&c, POD_ROOTFUL, "run", "--rm", "--pod", (char *)name, "--entrypoint",
		"/helpers/orphanfactory", IMG_TEST, n, NULL);
	pod_expect_ok(&c, out, sizeof out);
	ck_assert_msg(text_has_prefix(out, "done"), "pod %s: orphanfactory: %s", name, out);
}

START_TEST(test_pod_pause)
{
	/* 0: infra_image of containers.conf, its ENTRYPOINT reaper --pause;
	 * 1: --infra-command takes one path: REAPER_PAUSE=1 in the image. */
	static const char *const flags[2][4] = {
		{ NULL },
		{ "--infra-image", IMG_PAUSE_ENV, "--infra-command", "/sbin/reaper" },
	};
	static const char *const want_pid1[2] = { "/sbin/reaper --pause", "/sbin/reaper" };
	const char *const *f = flags[_i];
	const char *pod = "reaper-pod";
	char infra[128], out[65536], args[256];
	pod_start(pod, infra, sizeof infra, f[0], f[1], f[2], f[3]);
	pod_ps(POD_ROOTFUL, infra, out, sizeof out);
	pid1_args(out, args, sizeof args);
	ck_assert_msg(strcmp(args, want_pid1[_i]) == 0, "pod's PID 1 is '%s', want '%s': %s", args,
		      want_pid1[_i], out);

	pod_orphans(pod);
	int zombies = pod_await_zombies(POD_ROOTFUL, infra, true, 0, SETTLE_MS);
	ck_assert_msg(zombies == 0, "reaper as the pod's infra: ps still shows %d zombies",
		      zombies);

	struct pod_cmd c;
	pod_cmd(&c, POD_ROOTFUL, "pod", "stop", (char *)pod, NULL);
	pod_expect_ok(&c, NULL, 0);
	char state[128];
	pod_inspect(POD_ROOTFUL, infra, "{{.State.Status}} {{.State.ExitCode}}", state,
		    sizeof state);
	ck_assert_msg(strcmp(state, "exited 0") == 0, "infra after pod stop: '%s', want 'exited 0'",
		      state);
	pod_cmd(&c, POD_ROOTFUL, "pod", "rm", (char *)pod, NULL);
	pod_expect_ok(&c, NULL, 0);
	pod_cmd(&c, POD_ROOTFUL, "ps", "--all", "--quiet", NULL);
	pod_expect_ok(&c, out, sizeof out);
	ck_assert_msg(out[0] == '\0', "containers left after pod rm: %s", out);
}
END_TEST

START_TEST(test_pod_control)
{
	char infra[128];
	pod_start("sleep-pod", infra, sizeof infra, "--infra-image", IMG_SLEEP, NULL, NULL);
	pod_orphans("sleep-pod");
	int zombies = pod_await_zombies(POD_ROOTFUL, infra, false, ORPHANS, SETTLE_MS);
	ck_assert_msg(zombies >= ORPHANS, "control: an infra that sleeps shows %d zombies, want %d",
		      zombies, ORPHANS);
}
END_TEST

/* ---- 5. kube play ---------------------------------------------------------- */

#define EXAMPLES REAPER_SOURCE_DIR "/docker/examples/"

static void kube(const char *verb, const char *manifest)
{
	struct pod_cmd c;
	pod_cmd(&c, POD_ROOTFUL, "kube", (char *)verb, NULL);
	if (strcmp(verb, "play") == 0) /* the manifests' Pods get no network */
		pod_cmd_add(&c, "--network", "none", NULL);
	pod_cmd_add(&c, (char *)manifest, NULL);
	pod_expect_ok(&c, NULL, 0);
}

/* Container NAME has ended with code want, and its logs hold line. */
static void expect_ended(const char *name, const char *want, const char *line)
{
	char state[128];
	pod_inspect(POD_ROOTFUL, name, "{{.State.Status}} {{.State.ExitCode}}", state,
		    sizeof state);
	char expect[64];
	snprintf(expect, sizeof expect, "exited %s", want);
	ck_assert_msg(strcmp(state, expect) == 0, "%s: '%s', want '%s'", name, state, expect);
	pod_await_log(POD_ROOTFUL, name, line, POD_LINE_MS);
}

static void expect_pod_gone(const char *pod)
{
	static char out[4096];
	struct pod_cmd c;
	pod_cmd(&c, POD_ROOTFUL, "pod", "exists", (char *)pod, NULL);
	int code = pod_capture(&c, out, sizeof out, POD_CMD_MS);
	ck_assert_msg(code == 1, "pod %s still exists after kube down (%d): %s", pod, code, out);
}

START_TEST(test_kube_pod)
{
	static char out[65536];
	char args[256];
	const char *manifest = EXAMPLES "k8s-pod.yaml";
	kube("play", manifest);
	/* kube play names containers POD-CONTAINER. */
	pod_await_log(POD_ROOTFUL, "web-web", "my-server: listening on 8080", POD_LINE_MS);
	pod_ps(POD_ROOTFUL, "web-web", out, sizeof out);
	pid1_args(out, args, sizeof args);
	const char *want = "/sbin/reaper --kill-after 20s --grace 5s -- my-server --port 8080";
	ck_assert_msg(strcmp(args, want) == 0, "web's PID 1 is '%s', want '%s'", args, want);

	/* Deleting the Pod: TERM to reaper, forwarded to my-server. */
	struct pod_cmd c;
	pod_cmd(&c, POD_ROOTFUL, "pod", "stop", "web", NULL);
	pod_expect_ok(&c, NULL, 0);
	expect_ended("web-web", "0", "my-server: TERM, stopping");
	kube("down", manifest);
	expect_pod_gone("web");
}
END_TEST

START_TEST(test_kube_pause_pod)
{
	static char out[65536];
	char args[256];
	const char *manifest = EXAMPLES "k8s-pause-pod.yaml";
	kube("play", manifest);
	pod_await_log(POD_ROOTFUL, "shared-pid-sidecar", "log-shipper: shipping", POD_LINE_MS);
	pod_await_log(POD_ROOTFUL, "shared-pid-app", "my-server: listening", POD_LINE_MS);
	/* shareProcessNamespace: the infra of infra_image is everyone's PID 1. */
	pod_ps(POD_ROOTFUL, "shared-pid-app", out, sizeof out);
	pid1_args(out, args, sizeof args);
	ck_assert_msg(strcmp(args, "/sbin/reaper --pause") == 0,
		      "the Pod's PID 1 is '%s', want reaper --pause: %s", args, out);
	/* The sidecar's orphans re-parented to it. */
	int zombies = pod_await_zombies(POD_ROOTFUL, "shared-pid-app", true, 0, SETTLE_MS);
	ck_assert_msg(zombies == 0, "the Pod still shows %d zombies", zombies);

	/*
	 * The kubelet's order: the containers first, the sandbox last.
	 * Podman 4.3's pod stop stops them all at once: the pause, PID 1,
	 * may exit first, and the kernel then KILLs the namespace (137).
	 */
	struct pod_cmd c;
	pod_cmd(&c, POD_ROOTFUL, "stop", "shared-pid-app", "shared-pid-sidecar", NULL);
	pod_expect_ok(&c, NULL, 0);
	expect_ended("shared-pid-app", "0", "my-server: TERM, stopping");
	expect_ended("shared-pid-sidecar", "0", "log-shipper: TERM, stopping");
	pod_cmd(&c, POD_ROOTFUL, "pod", "stop", "shared-pid", NULL);
	pod_expect_ok(&c, NULL, 0);
	kube("down", manifest);
	expect_pod_gone("shared-pid");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = podman_suite("podman");
	TCase *tc = pod_tcase("init", 120);
	tcase_add_loop_test(tc, test_init_exit, 0, POD_MODES);
	tcase_add_loop_test(tc, test_init_stop, 0, POD_MODES);
	tcase_add_loop_test(tc, test_init_orphans, 0, POD_MODES);
	suite_add_tcase(s, tc);
	tc = pod_tcase("pod", 120);
	tcase_add_loop_test(tc, test_pod_pause, 0, 2);
	tcase_add_test(tc, test_pod_control);
	suite_add_tcase(s, tc);
	tc = pod_tcase("kube", 120);
	tcase_add_test(tc, test_kube_pod);
	tcase_add_test(tc, test_kube_pause_pod);
	suite_add_tcase(s, tc);
	return s;
}
