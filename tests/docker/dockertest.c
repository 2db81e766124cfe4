/*
 * dockertest: runs docker for the end-to-end suites, builds their image
 * and removes everything they create. See dockertest.h for the API.
 *
 * Owns the run's identity (the runner's pid in every name, tag and label)
 * and the docker program's path, both fixed in docker_suite() before Check
 * forks any test. Must never leave a container, volume or image behind,
 * and never block without a deadline: every command is killed (its whole
 * process group) when its time is up. The clean-up paths never fail a
 * test, since they also run from the teardown and from atexit.
 */
#define _GNU_SOURCE
#include "dockertest.h"

#include "cmdrun.h"
#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef REAPER_DOCKER_CONTEXT
#error "REAPER_DOCKER_CONTEXT: the staged build context (the Makefile defines it)"
#endif

#define PROBE_MS 30000
#define BUILD_MS 300000
#define LABEL_KEY "reaper.e2e"
#define NAME_PREFIX "reaper-e2e"

static char docker_bin[4096];
static char run_tag[64];  /* reaper-e2e-<pid>: container and volume names */
static char image[64];    /* reaper-e2e:<pid> */
static char label[96];    /* reaper.e2e=reaper-e2e-<pid> */
static pid_t suite_pid;   /* the runner: only it cleans up */
static bool image_built;
static char image_error[2048];

const char *docker_image(void)
{
	return image;
}

const char *docker_label(void)
{
	return label;
}

const char *docker_path(void)
{
	return docker_bin;
}

void docker_object_name(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s-%s", run_tag, name);
}

/* ---- running a command ---------------------------------------------------- */

/* cmd_capture with stdout and stderr together into out. */
static int run_capture(char *const argv[], char *out, size_t size, int timeout_ms)
{
	return cmd_capture(argv, out, size, NULL, 0, timeout_ms);
}

int docker_capture(const struct docker_cmd *c, char *out, size_t size, int timeout_ms)
{
	int code = run_capture(c->argv, out, size, timeout_ms);
	ck_assert_msg(code >= 0, "docker %s: %s", c->argc > 1 ? c->argv[1] : "", out);
	return code;
}

void docker_expect_ok(const struct docker_cmd *c)
{
	char out[8192];
	int code = docker_capture(c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 0, "docker %s %s: exit %d: %s", c->argv[1],
		      c->argc > 2 ? c->argv[2] : "", code, out);
}

/* ---- zombies ---------------------------------------------------------------- */

static int ps_zombies_of(void *name)
{
	return docker_ps_zombies(name);
}

int docker_ps_zombies(const char *name)
{
	static char out[65536];
	struct docker_cmd ps;
	docker_cmd(&ps, "exec", (char *)name, "ps", "-o", "stat,pid,comm", NULL);
	int code = docker_capture(&ps, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 0, "docker exec %s ps: exit %d: %.2000s", name, code, out);
	return cmd_count_zombies(out);
}

int docker_orphan_zombies(const struct docker_cmd *c, bool want_zero, int want, int settle_ms,
			  int *first)
{
	struct run r;
	struct run_opts opts = { .pipe_stdin = true };
	run_start(&r, RUN_HOST, c->argv, &opts);
	ck_assert_msg(run_expect_line(&r, "done", DOCKER_LINE_MS), "%s: no 'done'; output: %s %s",
		      c->name, r.out, r.err);
	int zombies = cmd_await_zombies(ps_zombies_of, (void *)c->name, want_zero, want, settle_ms,
					first);
	int code = run_wait(&r, DOCKER_CMD_MS); /* closes stdin: the factory exits 0 */
	ck_assert_msg(code == 0, "%s: exit %d; output: %s %s", c->name, code, r.out, r.err);
	return zombies;
}

/* ---- building command lines --------------------------------------------- */

static void cmd_add_list(struct docker_cmd *c, va_list ap)
{
	cmd_args_add(c->argv, &c->argc, (int)(sizeof c->argv / sizeof c->argv[0]), "docker", ap);
}

void docker_cmd_add(struct docker_cmd *c, ...)
{
	va_list ap;
	va_start(ap, c);
	cmd_add_list(c, ap);
	va_end(ap);
}

void docker_cmd(struct docker_cmd *c, ...)
{
	memset(c, 0, sizeof *c);
	c->argv[c->argc++] = docker_bin;
	va_list ap;
	va_start(ap, c);
	cmd_add_list(c, ap);
	va_end(ap);
}

void docker_cmd_run(struct docker_cmd *c, const char *name, ...)
{
	docker_cmd(c, "run", "--rm", NULL);
	docker_object_name(name, c->name, sizeof c->name);
	docker_cmd_add(c, "--name", c->name, "--label", label, NULL);
	va_list ap;
	va_start(ap, name);
	cmd_add_list(c, ap);
	va_end(ap);
}

/* ---- clean-up -------------------------------------------------------------- */

/* The pid in a name "reaper-e2e-<pid>..." or "reaper-e2e:<pid>", or 0. */
static pid_t name_pid(const char *name)
{
	size_t plen = strlen(NAME_PREFIX);
	if (strncmp(name, NAME_PREFIX, plen) != 0 || (name[plen] != '-' && name[plen] != ':'))
		return 0;
	const char *digits = name + plen + 1;
	char *end;
	errno = 0;
	long v = strtol(digits, &end, 10);
	if (errno != 0 || end == digits || v <= 0 || v > 0x3fffffff)
		return 0;
	return (pid_t)v;
}

/* Is pid an end-to-end suite that still runs (its things are its own)?
 * A zombie does not: a killed runner whose parent has not reaped it yet. */
static bool runner_alive(pid_t pid)
{
	if (pid == suite_pid)
		return true;
	char path[64], stat[256] = "";
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	bool read_ok = fgets(stat, sizeof stat, f) != NULL;
	(void)fclose(f); /* read-only */
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses. */
	const char *comm = strchr(stat, '(');
	const char *end = strrchr(stat, ')');
	if (!read_ok || comm == NULL || end == NULL || end[1] != ' ')
		return false;
	return strncmp(comm + 1, "check_docker", 12) == 0 && end[2] != 'Z' && end[2] != 'X';
}

/* Remove each object that `LIST` prints (one name per line) and that is
 * this run's (mine) or a dead run's (!mine), with `RM... NAME`. */
static void remove_listed(char *const list[], char *const rm[], int rm_n, bool mine)
{
	static char out[65536]; /* the runner only: no test runs this */
	if (run_capture(list, out, sizeof out, DOCKER_CMD_MS) != 0)
		return;
	for (char *name = strtok(out, "\n"); name != NULL; name = strtok(NULL, "\n")) {
		pid_t owner = name_pid(name);
		if (owner == 0 || (mine ? owner != suite_pid : runner_alive(owner)))
			continue;
		char *argv[8];
		for (int i = 0; i < rm_n; i++)
			argv[i] = rm[i];
		argv[rm_n] = name;
		argv[rm_n + 1] = NULL;
		char why[4096];
		if (run_capture(argv, why, sizeof why, DOCKER_CMD_MS) != 0)
			fprintf(stderr, "dockertest: could not remove %s: %s\n", name, why);
	}
}

static void remove_containers_and_volumes(bool mine)
{
	char filter[] = "label=" LABEL_KEY;
	char *ps[] = { docker_bin, "ps", "-a", "--filter", filter, "--format", "{{.Names}}", NULL };
	char *rm[] = { docker_bin, "rm", "-f", "-v" };
	remove_listed(ps, rm, 4, mine);
	char *vols[] = { docker_bin, "volume", "ls", "--filter", filter, "--format", "{{.Name}}",
			 NULL };
	char *vrm[] = { docker_bin, "volume", "rm", "-f" };
	remove_listed(vols, vrm, 4, mine);
}

static void remove_images(bool mine)
{
	char *images[] = { docker_bin, "images", NAME_PREFIX, "--format",
			   "{{.Repository}}:{{.Tag}}", NULL };
	char *rmi[] = { docker_bin, "image", "rm", "-f" };
	remove_listed(images, rmi, 4, mine);
}

static void cleanup_at_exit(void)
{
	if (getpid() != suite_pid) /* forked tests inherit the atexit entry */
		return;
	remove_containers_and_volumes(true);
	remove_images(true);
}

/* ---- fixtures: unchecked, so they run in the runner ------------------------ */

static void build_image(void)
{
	static char out[65536];
	remove_containers_and_volumes(false);
	remove_images(false);
	char *argv[] = { docker_bin, "build", "-q", "--label", label, "-t", image,
			 REAPER_DOCKER_CONTEXT, NULL };
	int code = run_capture(argv, out, sizeof out, BUILD_MS);
	if (code == 0) {
		image_built = true;
		return;
	}
	snprintf(image_error, sizeof image_error,
		 "docker build %s (staged by `make docker-context`) failed (%d): %.1500s",
		 REAPER_DOCKER_CONTEXT, code, out);
}

static void setup(void)
{
	static bool tried;
	if (!tried) {
		tried = true;
		build_image();
	}
	ck_assert_msg(image_built, "%s", image_error);
}

static void teardown(void)
{
	remove_containers_and_volumes(true);
}

TCase *docker_tcase(const char *name, int timeout_s)
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

/* ---- the suite ----------------------------------------------------------- */

/* docker in PATH (REAPER_DOCKER overrides), into docker_bin; or false. */
static bool find_docker(void)
{
	const char *name = getenv("REAPER_DOCKER");
	return cmd_find(name != NULL && *name != '\0' ? name : "docker", NULL, docker_bin,
			sizeof docker_bin);
}

static _Noreturn void skip(const char *why)
{
	printf("docker: skipped: %s\n", why);
	exit(EXIT_SUCCESS);
}

Suite *docker_suite(const char *name)
{
	if (!find_docker())
		skip("no docker command in PATH");
	static char out[8192];
	char *info[] = { docker_bin, "info", NULL };
	if (run_capture(info, out, sizeof out, PROBE_MS) != 0)
		skip("no engine answers (docker info failed)");
	suite_pid = getpid();
	snprintf(run_tag, sizeof run_tag, NAME_PREFIX "-%d", (int)suite_pid);
	snprintf(image, sizeof image, NAME_PREFIX ":%d", (int)suite_pid);
	snprintf(label, sizeof label, LABEL_KEY "=%s", run_tag);
	if (atexit(cleanup_at_exit) != 0) {
		printf("dockertest: atexit failed: containers would be left behind\n");
		exit(EXIT_FAILURE);
	}
	return suite_create(name);
}

/* ---- reading output ------------------------------------------------------ */

bool text_value(const char *text, const char *key, char *value, size_t size)
{
	size_t klen = strlen(key);
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\r\n");
		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			size_t vlen = len - klen - 1 < size - 1 ? len - klen - 1 : size - 1;
			memcpy(value, line + klen + 1, vlen);
			value[vlen] = '\0';
			return true;
		}
		line += len;
		line += strspn(line, "\r\n");
	}
	return false;
}

bool text_has_line(const char *text, const char *want)
{
	size_t wlen = strlen(want);
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\r\n");
		if (len == wlen && strncmp(line, want, wlen) == 0)
			return true;
		line += len;
		line += strspn(line, "\r\n");
	}
	return false;
}
