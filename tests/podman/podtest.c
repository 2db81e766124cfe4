/*
 * podtest: the Podman end-to-end suite's Check side and its podman
 * commands: the suite and test cases around the private stores
 * (podstore.c), command lines in a store, output, logs, zombies. See
 * podtest.h.
 *
 * Owns no state of its own: the stores, their argv prefixes and the run's
 * directory are podstore's. Never blocks without a deadline: every
 * command is killed (its process group) when its time is up.
 */
#define _GNU_SOURCE
#include "podtest.h"

#include "cmdrun.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the suite ------------------------------------------------------------- */

static _Noreturn void skip(const char *why)
{
	printf("podman: skipped: %s\n", why);
	exit(EXIT_SUCCESS);
}

Suite *podman_suite(const char *name)
{
	const char *why = podstore_open();
	if (why != NULL)
		skip(why);
	return suite_create(name);
}

TCase *pod_tcase(const char *name, int timeout_s)
{
	TCase *tc = tcase_create(name);
	/* Each test starts from empty stores (its names are fixed); the
	 * runner empties them after the last. */
	tcase_add_checked_fixture(tc, podstore_clear, NULL);
	tcase_add_unchecked_fixture(tc, NULL, podstore_clear);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

/* ---- commands -------------------------------------------------------------- */

static void cmd_add_list(struct pod_cmd *c, va_list ap)
{
	cmd_args_add(c->argv, &c->argc, (int)(sizeof c->argv / sizeof c->argv[0]), "podman", ap);
}

void pod_cmd_add(struct pod_cmd *c, ...)
{
	va_list ap;
	va_start(ap, c);
	cmd_add_list(c, ap);
	va_end(ap);
}

void pod_cmd(struct pod_cmd *c, enum pod_mode mode, ...)
{
	memset(c, 0, sizeof *c);
	char *const *prefix;
	int n = podstore_prefix(mode, &prefix);
	for (int j = 0; j < n; j++)
		c->argv[c->argc++] = prefix[j];
	va_list ap;
	va_start(ap, mode);
	cmd_add_list(c, ap);
	va_end(ap);
}

/* The first word after podman's global flags, for messages. */
static const char *verb(const struct pod_cmd *c)
{
	const char *podman = podstore_podman();
	for (int i = 0; i + 1 < c->argc; i++)
		if (c->argv[i] == podman)
			return c->argv[i + 3]; /* podman --runtime-flag root=... VERB */
	return "?";
}

int pod_capture(const struct pod_cmd *c, char *out, size_t size, int timeout_ms)
{
	static char err[16384];
	int code = cmd_capture(c->argv, out, size, err, sizeof err, timeout_ms);
	ck_assert_msg(code >= 0, "podman %s: %s", verb(c), err);
	size_t used = strlen(out);
	if (code != 0) /* the words of a failure, for the caller's message */
		snprintf(out + used, size - used, "%s", err);
	return code;
}

void pod_expect_ok(const struct pod_cmd *c, char *out, size_t size)
{
	static char buf[16384];
	if (out == NULL) {
		out = buf;
		size = sizeof buf;
	}
	int code = pod_capture(c, out, size, POD_CMD_MS);
	ck_assert_msg(code == 0, "podman %s: exit %d: %.2000s", verb(c), code, out);
}

void pod_await_log(enum pod_mode mode, const char *name, const char *want, int timeout_ms)
{
	static char out[65536];
	long long deadline = cmd_now_ms() + timeout_ms;
	struct pod_cmd c;
	pod_cmd(&c, mode, "logs", (char *)name, NULL);
	/* Only a new look can tell; each podman logs takes a while anyway. */
	for (;;) {
		pod_expect_ok(&c, out, sizeof out);
		if (text_has_prefix(out, want))
			return;
		ck_assert_msg(cmd_now_ms() < deadline, "%s: no line '%s' in %d ms; logs: %.2000s", name,
			      want, timeout_ms, out);
	}
}

int pod_ps(enum pod_mode mode, const char *name, char *out, size_t size)
{
	struct pod_cmd c;
	pod_cmd(&c, mode, "exec", (char *)name, "ps", "-o", "stat,pid,args", NULL);
	pod_expect_ok(&c, out, size);
	return cmd_count_zombies(out);
}

struct zombie_look {
	enum pod_mode mode;
	const char *name;
};

static int look_zombies(void *arg)
{
	static char out[65536];
	const struct zombie_look *z = arg;
	return pod_ps(z->mode, z->name, out, sizeof out);
}

int pod_await_zombies(enum pod_mode mode, const char *name, bool want_zero, int want,
		      int timeout_ms)
{
	struct zombie_look z = { mode, name };
	return cmd_await_zombies(look_zombies, &z, want_zero, want, timeout_ms, NULL);
}

void pod_inspect(enum pod_mode mode, const char *name, const char *format, char *out,
		 size_t size)
{
	struct pod_cmd c;
	pod_cmd(&c, mode, "inspect", "--format", (char *)format, (char *)name, NULL);
	pod_expect_ok(&c, out, size);
	out[strcspn(out, "\r\n")] = '\0';
}

bool text_has_prefix(const char *text, const char *want)
{
	size_t wlen = strlen(want);
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\r\n");
		if (len >= wlen && strncmp(line, want, wlen) == 0)
			return true;
		line += len;
		line += strspn(line, "\r\n");
	}
	return false;
}
