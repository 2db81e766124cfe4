/*
 * harness_util: see harness_util.h. Test-side helpers only: each either
 * succeeds or fails the running test; none keeps state between calls.
 */
#define _GNU_SOURCE
#include "harness_util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

const enum run_where wheres[N_WHERES] = { RUN_PID1, RUN_HOST };

const char *where_name(enum run_where where)
{
	return where == RUN_PID1 ? "PID 1" : "host";
}

const char *where_phrase(enum run_where where)
{
	return where == RUN_PID1 ? "as PID 1" : "on the host";
}

void await_below(struct run *r, pid_t pid, int want_zombies, int want_total, int timeout_ms,
		 const char *what)
{
	long long deadline = now_ms() + timeout_ms;
	int zombies, total;
	for (;;) {
		zombies = count_zombies_below(pid);
		total = count_descendants(pid);
		if (zombies == want_zombies && total == want_total)
			return;
		if (now_ms() >= deadline)
			break;
		run_pump(r, 1);
	}
	ck_abort_msg("%s: below pid %d, %d zombies and %d processes after %d ms; want %d and %d\n"
		     "--- stderr:\n%.2000s",
		     what, (int)pid, zombies, total, timeout_ms, want_zombies, want_total, r->err);
}

void test_skip(const char *why)
{
	fprintf(stderr, "SKIP %s: %s\n", tcase_name(), why);
}

const char *find_program(const char *name, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path != '\0') {
		size_t len = strcspn(path, ":");
		int n = snprintf(buf, size, "%.*s/%s", (int)len, path, name);
		if (len > 0 && n > 0 && (size_t)n < size && access(buf, X_OK) == 0)
			return buf;
		path += len;
		if (*path == ':')
			path++;
	}
	return NULL;
}

void build_argv(char **argv, size_t size, const char *program, const char *const *opts,
		const char *const *cmd)
{
	size_t argc = 0;
	ck_assert(size > 0);
	argv[argc++] = (char *)program;
	for (size_t i = 0; opts != NULL && opts[i] != NULL; i++) {
		ck_assert_msg(argc < size, "argv of %zu entries too short", size);
		argv[argc++] = (char *)opts[i];
	}
	ck_assert_msg(argc < size, "argv of %zu entries too short", size);
	argv[argc++] = "--";
	for (size_t i = 0; cmd[i] != NULL; i++) {
		ck_assert_msg(argc < size, "argv of %zu entries too short", size);
		argv[argc++] = (char *)cmd[i];
	}
	ck_assert_msg(argc < size, "argv of %zu entries too short", size);
	argv[argc] = NULL;
}

void make_tmpdir(char *dir, size_t size, const char *tag)
{
	int n = snprintf(dir, size, "/tmp/reaper-%s-XXXXXX", tag);
	ck_assert_msg(n > 0 && (size_t)n < size, "temporary directory name for %s too long", tag);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

int open_pidfd(pid_t pid)
{
	int fd = pidfd_open(pid, 0);
	ck_assert_msg(fd >= 0, "pidfd_open %d: %s", (int)pid, strerror(errno));
	return fd;
}

bool pidfd_gone(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n = poll(&p, 1, 0);
	ck_assert_msg(n >= 0, "poll pidfd: %s", strerror(errno));
	return n > 0;
}

void await_gone(struct run *r, int pidfd, const char *what, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	while (!pidfd_gone(pidfd)) {
		long long left = deadline - now_ms();
		ck_assert_msg(left > 0, "%s still running after %d ms; stdout: %s; stderr: %s", what,
			      timeout_ms, r->out, r->err);
		run_pump(r, left < 20 ? (int)left : 20);
	}
}

long line_field(const char *line, int field, long min)
{
	const char *p = line;
	for (int i = 0; i < field && p != NULL; i++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	ck_assert_msg(p != NULL, "no field %d in '%s'", field, line);
	char *end;
	errno = 0;
	long v = strtol(p, &end, 10);
	ck_assert_msg(errno == 0 && end != p && (*end == ' ' || *end == '\0' || *end == '\n') &&
			      v >= min && v < 1L << 30,
		      "field %d of '%s' is not a pid", field, line);
	return v;
}

void open_pty(int *master_fd, int *slave_fd)
{
	ck_assert_msg(openpty(master_fd, slave_fd, NULL, NULL, NULL) == 0, "openpty: %s",
		      strerror(errno));
	ck_assert_msg(fcntl(*master_fd, F_SETFD, FD_CLOEXEC) == 0 &&
			      fcntl(*slave_fd, F_SETFD, FD_CLOEXEC) == 0,
		      "FD_CLOEXEC: %s", strerror(errno));
}

pid_t only_child(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)pid);
	FILE *f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	long child = 0;
	char extra;
	ck_assert_msg(sscanf(buf, "%ld %c", &child, &extra) == 1 && child > 0,
		      "process %ld should have one child, has \"%s\"", (long)pid, buf);
	return (pid_t)child;
}

bool find_value(const char *text, const char *key, char *buf, size_t size)
{
	size_t key_len = strlen(key);
	for (const char *p = text; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len >= key_len && memcmp(p, key, key_len) == 0 &&
		    (len == key_len || p[key_len] == ' ')) {
			size_t off = len == key_len ? key_len : key_len + 1;
			snprintf(buf, size, "%.*s", (int)(len - off), p + off);
			return true;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return false;
}

void showprivs_value(const char *text, const char *key, char *buf, size_t size,
		     const char *what)
{
	ck_assert_msg(find_value(text, key, buf, size), "%s: showprivs printed no '%s' line:\n%s",
		      what, key, text);
}

char *const *no_leak_check_env(void)
{
	static char asan[1024];
	static char *env[] = { asan, NULL };
	const char *given = getenv("ASAN_OPTIONS");

	if (given == NULL)
		return NULL;
	/* A later option wins: the exit code and the rest stay as given. */
	snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s:detect_leaks=0", given);
	return env;
}

void run_start_blocked(struct run *r, enum run_where where, char *const argv[],
		       char *const env_add[], bool pipe_stdin)
{
	static sigset_t all;
	sigfillset(&all);
	struct run_opts opts = { .pipe_stdin = pipe_stdin, .env_add = env_add, .mask = &all };
	run_start(r, where, argv, &opts);
}

bool read_small_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, size - 1, f);
	ck_assert_msg(!ferror(f), "reading %s failed", path);
	buf[n] = '\0';
	fclose(f);
	return true;
}

char proc_state(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!read_small_file(path, buf, sizeof buf))
		return 0;
	const char *paren = strrchr(buf, ')'); /* the name may hold anything */
	return paren != NULL && paren[1] == ' ' ? paren[2] : 0;
}
