/*
 * Kubernetes' runtime path (issue 18, item 3): reaper -P as the pause
 * (sandbox) image of a private containerd's CRI plugin, driven by crictl
 * as the kubelet drives it. See critest.h for the daemon and the images.
 *
 * Every pod shares one PID namespace between its containers (PID
 * namespace mode POD, what shareProcessNamespace asks for), so the
 * sandbox's process is PID 1 of the app's namespace; it uses the host's
 * network (mode NODE: no CNI here) and runs as 65535, like the stock
 * pause image. The cases run in order and each removes its pod, checking
 * that nothing is left: no pod, no container, no runc container under the
 * run's own runc root, no mount under the run's directory.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "critest.h"

#define N_ORPHANS 5
#define STOP_GRACE "10" /* crictl stop --timeout, seconds */

struct pod {
	char id[80];
	char log_dir[160];
	char config[192]; /* the PodSandboxConfig JSON file */
};

struct app {
	char id[80];
	char log[224]; /* the CRI log of its stdout and stderr */
};

/* namespace_options as numbers (crictl reads the CRI's JSON with numeric
 * enums): NamespaceMode POD = 0, CONTAINER = 1, NODE = 2. */
#define NS_OPTIONS "\"namespace_options\":{\"network\":2,\"pid\":0}"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	ck_assert_msg(f != NULL && fputs(text, f) >= 0 && fclose(f) == 0, "write %s: %s", path,
		      strerror(errno));
}

/* A pod named name whose sandbox runs image (CRI_IMAGE_PAUSE or
 * CRI_IMAGE_SLEEP), ready. */
static void pod_run(struct pod *p, const char *name, const char *image)
{
	cri_use_sandbox(image);
	snprintf(p->log_dir, sizeof p->log_dir, "%s/logs/%s", cri_dir(), name);
	ck_assert_msg(mkdir(p->log_dir, 0700) == 0, "mkdir %s: %s", p->log_dir, strerror(errno));
	snprintf(p->config, sizeof p->config, "%s/logs/%s.pod.json", cri_dir(), name);
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"reaper-cri\","
		 "\"uid\":\"%s-%d\",\"attempt\":0},"
		 "\"log_directory\":\"%s\","
		 "\"linux\":{\"cgroup_parent\":\"%s\",\"security_context\":{" NS_OPTIONS ","
		 "\"run_as_user\":{\"value\":65535}}}}\n",
		 name, name, (int)getpid(), p->log_dir, cri_cgroup_parent());
	write_text(p->config, json);
	struct cri_out o;
	snprintf(p->id, sizeof p->id, "%s", crictl_ok(&o, "runp", p->config, NULL));
}

/* Create and start an app container in p running argv (NULL-terminated;
 * plain words, no quotes or backslashes). */
static void app_start(const struct pod *p, struct app *a, const char *name, const char *const *argv)
{
	char words[512] = "";
	for (size_t i = 0; argv[i] != NULL; i++) {
		size_t used = strlen(words);
		snprintf(words + used, sizeof words - used, "%s\"%s\"", i > 0 ? "," : "", argv[i]);
	}
	char json[1024], config[192];
	snprintf(json, sizeof json,
		 "{\"metadata\":{\"name\":\"%s\"},\"image\":{\"image\":\"" CRI_IMAGE_APP "\"},"
		 "\"command\":[%s],\"log_path\":\"%s.log\","
		 "\"linux\":{\"security_context\":{" NS_OPTIONS "}}}\n",
		 name, words, name);
	snprintf(config, sizeof config, "%s/%s.json", p->log_dir, name);
	write_text(config, json);
	snprintf(a->log, sizeof a->log, "%s/%s.log", p->log_dir, name);
	struct cri_out o;
	snprintf(a->id, sizeof a->id, "%s", crictl_ok(&o, "create", p->id, config, p->config, NULL));
	crictl_ok(&o, "start", a->id, NULL);
}

/* The pod's state: SANDBOX_READY or SANDBOX_NOTREADY. */
static void pod_state(const struct pod *p, char *buf, size_t size)
{
	struct cri_out o;
	snprintf(buf, size, "%s",
		 crictl_ok(&o, "inspectp", "-o", "go-template", "--template", "{{.status.state}}",
			   p->id, NULL));
}

static void await_pod_state(const struct pod *p, const char *want)
{
	char state[64];
	long long deadline = cmd_now_ms() + CRI_WAIT_MS;
	for (pod_state(p, state, sizeof state); strcmp(state, want) != 0;
	     pod_state(p, state, sizeof state))
		ck_assert_msg(cmd_now_ms() < deadline, "pod %s is %s, not %s, after %d ms", p->id,
			      state, want, CRI_WAIT_MS);
}

/* Wait until the app has exited; its exit code. */
static int await_app_exit(const struct app *a)
{
	long long deadline = cmd_now_ms() + CRI_WAIT_MS;
	for (;;) {
		struct cri_out o;
		const char *s = crictl_ok(&o, "inspect", "-o", "go-template", "--template",
					  "{{.status.state}} {{.status.exitCode}}", a->id, NULL);
		if (strncmp(s, "CONTAINER_EXITED ", 17) == 0) {
			char *end;
			long code = strtol(s + 17, &end, 10);
			ck_assert_msg(*end == '\0', "crictl inspect: %s", s);
			return (int)code;
		}
		ck_assert_msg(cmd_now_ms() < deadline, "app %s is \"%s\" after %d ms", a->id, s,
			      CRI_WAIT_MS);
	}
}

/* In `ps -o pid,ppid,user,stat,args` output, after the header: how many
 * processes, how many zombies, and PID 1's user and args. */
struct procs {
	int total, zombies;
	char pid1[160];
};

/* The next space-separated field of *at, NUL-terminated in place. */
static char *next_field(char **at)
{
	char *f = *at + strspn(*at, " ");
	size_t len = strcspn(f, " ");
	*at = f + len + (f[len] != '\0');
	f[len] = '\0';
	return f;
}

static void parse_ps(char *text, struct procs *ps)
{
	ps->total = ps->zombies = 0;
	ps->pid1[0] = '\0';
	char *save;
	strtok_r(text, "\n", &save); /* the header */
	for (char *line = strtok_r(NULL, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *pid = next_field(&line);
		next_field(&line); /* ppid */
		char *user = next_field(&line);
		char *stat = next_field(&line);
		if (*stat == '\0')
			continue;
		ps->total++;
		ps->zombies += stat[0] == 'Z';
		if (strcmp(pid, "1") == 0)
			snprintf(ps->pid1, sizeof ps->pid1, "%s %s", user, line + strspn(line, " "));
	}
}

/* Look with ps in the app (the pod's PID namespace) until it shows
 * exactly want_zombies zombies among want_total processes (ps included). */
static void await_procs(const struct app *a, int want_zombies, int want_total, struct procs *ps)
{
	long long deadline = cmd_now_ms() + CRI_WAIT_MS;
	for (;;) {
		struct cri_out o;
		int code = crictl(&o, "exec", a->id, "ps", "-o", "pid,ppid,user,stat,args", NULL);
		ck_assert_msg(code == 0, "crictl exec ps: exit %d: %s%s", code, o.out, o.err);
		char seen[sizeof o.out];
		snprintf(seen, sizeof seen, "%s", o.out);
		parse_ps(o.out, ps);
		if (ps->zombies == want_zombies && ps->total == want_total)
			return;
		ck_assert_msg(cmd_now_ms() < deadline,
			      "want %d zombies of %d processes, after %d ms still %d of %d:\n%s",
			      want_zombies, want_total, CRI_WAIT_MS, ps->zombies, ps->total, seen);
	}
}

static bool log_has(const struct app *a, const char *text)
{
	char buf[16384], want[128];
	cri_read_file(a->log, buf, sizeof buf);
	snprintf(want, sizeof want, " F %s\n", text);
	return strstr(buf, want) != NULL;
}

/* stopp and rmp, then nothing of it may be left. */
static void pod_remove(const struct pod *p)
{
	struct cri_out o;
	crictl_ok(&o, "stopp", p->id, NULL);
	crictl_ok(&o, "rmp", p->id, NULL);
	ck_assert_msg(strcmp(crictl_ok(&o, "pods", "-q", NULL), "") == 0, "pods left: %s", o.out);
	ck_assert_msg(strcmp(crictl_ok(&o, "ps", "-a", "-q", NULL), "") == 0,
		      "containers left: %s", o.out);
	ck_assert_msg(runc(&o, "list", "-q", NULL) == 0 && o.out[0] == '\0',
		      "runc list under the run's root: %s%s", o.out, o.err);
	ck_assert_msg(ctr(&o, "tasks", "ls", "-q", NULL) == 0 && o.out[0] == '\0',
		      "containerd tasks left: %s%s", o.out, o.err);
	char mounts[2048];
	ck_assert_msg(cri_leftover_mounts(mounts, sizeof mounts) == 0,
		      "mounts left in containerd's namespace: %s", mounts);
}

static const char *const orphan_app[] = { "/bin/sh", "-c",
					  "orphanfactory 5 && echo orphans-made && exec sleep 600",
					  NULL };
static const char *const term_app[] = { "sigrecorder", "--exit-on", "TERM", "--exit", "7",
					NULL };

/* The orphans an app leaves re-parent to PID 1, reaper -P, which reaps
 * them: only PID 1, the app's sleep and ps are left. */
START_TEST(pause_reaps_orphans)
{
	struct pod p;
	struct app a;
	struct procs ps;
	pod_run(&p, "reaps", CRI_IMAGE_PAUSE);
	app_start(&p, &a, "app", orphan_app);
	cri_await_line(a.log, "orphans-made", CRI_WAIT_MS);
	await_procs(&a, 0, 3, &ps);
	ck_assert_str_eq(ps.pid1, "65535 /sbin/reaper --pause");
	pod_remove(&p);
}
END_TEST

/* The contrast: a pause that never waits (busybox sleep as PID 1) keeps
 * the same app's orphans as zombies, so the case above can tell. */
START_TEST(sleeping_pause_keeps_zombies)
{
	struct pod p;
	struct app a;
	struct procs ps;
	pod_run(&p, "sleeps", CRI_IMAGE_SLEEP);
	app_start(&p, &a, "app", orphan_app);
	cri_await_line(a.log, "orphans-made", CRI_WAIT_MS);
	await_procs(&a, N_ORPHANS, 3 + N_ORPHANS, &ps);
	ck_assert_str_eq(ps.pid1, "65535 /bin/sleep 3600");
	pod_remove(&p);
}
END_TEST

/* crictl stop --timeout N, the kubelet's StopContainer: TERM first, and
 * the app's handler runs and chooses the exit code; the pod stays. */
START_TEST(stop_runs_term_handler)
{
	struct pod p;
	struct app a;
	struct cri_out o;
	pod_run(&p, "stop", CRI_IMAGE_PAUSE);
	app_start(&p, &a, "app", term_app);
	cri_await_line(a.log, "ready", CRI_WAIT_MS);
	long long start = cmd_now_ms();
	crictl_ok(&o, "stop", "--timeout", STOP_GRACE, a.id, NULL);
	long long took = cmd_now_ms() - start;
	ck_assert_int_eq(await_app_exit(&a), 7);
	ck_assert_msg(log_has(&a, "sig 15"), "no \"sig 15\" in %s", a.log);
	char state[64];
	pod_state(&p, state, sizeof state);
	ck_assert_str_eq(state, "SANDBOX_READY");
	fprintf(stderr, "cri: crictl stop --timeout %s of a TERM-handling app: %lld ms\n",
		STOP_GRACE, took);
	pod_remove(&p);
}
END_TEST

/* TERM to PID 1 from inside the pod: reaper -P exits 0, and with the
 * namespace's init gone the kernel kills the app (137, no "sig 15"); the
 * pod is not ready any more. */
START_TEST(term_to_pid1_ends_pod)
{
	struct pod p;
	struct app a;
	struct cri_out o;
	pod_run(&p, "term1", CRI_IMAGE_PAUSE);
	app_start(&p, &a, "app", term_app);
	cri_await_line(a.log, "ready", CRI_WAIT_MS);
	crictl_ok(&o, "exec", a.id, "kill", "-TERM", "1", NULL);
	ck_assert_int_eq(cri_await_task_exit(p.id, CRI_WAIT_MS), 0);
	ck_assert_int_eq(await_app_exit(&a), 137);
	ck_assert_msg(!log_has(&a, "sig 15"), "the app got TERM: %s", a.log);
	await_pod_state(&p, "SANDBOX_NOTREADY");
	pod_remove(&p);
}
END_TEST

/* crictl stopp, the kubelet's StopPodSandbox: containerd 1.6 gives no
 * grace there, it KILLs the app (137, no "sig 15") and then the sandbox
 * (137: reaper -P never sees a TERM). The kubelet stops each container
 * with its grace period first. */
START_TEST(stopp_kills)
{
	struct pod p;
	struct app a;
	struct cri_out o;
	pod_run(&p, "stopp", CRI_IMAGE_PAUSE);
	app_start(&p, &a, "app", term_app);
	cri_await_line(a.log, "ready", CRI_WAIT_MS);
	crictl_ok(&o, "stopp", p.id, NULL);
	ck_assert_int_eq(await_app_exit(&a), 137);
	ck_assert_msg(!log_has(&a, "sig 15"), "the app got TERM: %s", a.log);
	ck_assert_int_eq(cri_await_task_exit(p.id, CRI_WAIT_MS), 137);
	pod_remove(&p);
}
END_TEST

/* One test case each: the teardown (in the runner) removes what a failed
 * case left before the next one starts. */
static void add_case(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = cri_tcase(name, 90);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

Suite *test_suite(void)
{
	Suite *s = cri_suite("cri");
	add_case(s, "reaps", pause_reaps_orphans);
	add_case(s, "sleeps", sleeping_pause_keeps_zombies);
	add_case(s, "stop", stop_runs_term_handler);
	add_case(s, "term1", term_to_pid1_ends_pod);
	add_case(s, "stopp", stopp_kills);
	return s;
}
