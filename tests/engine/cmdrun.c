/*
 * cmdrun: runs a command with a deadline for the engine suites and reads
 * what it says. See cmdrun.h for the API.
 *
 * Never blocks without a deadline: a command still there when its time
 * is up is killed, its whole process group. Never makes the process a
 * subreaper, and never fails a test but where a command line does not fit.
 */
#define _GNU_SOURCE
#include "cmdrun.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long cmd_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_quietly(int fd)
{
	if (fd >= 0)
		(void)close(fd); /* a pipe end: nothing to do if it fails */
}

/* In the forked child: stdin /dev/null, stdout to out_fd, stderr to
 * err_fd, its own process group (killed whole on timeout), dead with its
 * parent. */
static _Noreturn void child_exec(pid_t parent, char *const argv[], int out_fd, int err_fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	(void)setpgid(0, 0); /* the parent does it too; one of them wins */
	int null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	_exit(127);
}

static void append(char *buf, size_t size, const char *data, size_t n)
{
	size_t len = strlen(buf);
	size_t take = n < size - 1 - len ? n : size - 1 - len;
	memcpy(buf + len, data, take);
	buf[len + take] = '\0';
}

struct sink {
	int fd; /* -1 at EOF */
	char *buf;
	size_t size;
};

/* Read each sink's fd into its buf until all reach EOF (the command and
 * all that shared its pipes); false when the deadline passes first. */
static bool read_until(struct sink *s, int n, long long deadline)
{
	for (;;) {
		struct pollfd p[2];
		int open_n = 0;
		for (int i = 0; i < n; i++) {
			p[i] = (struct pollfd){ .fd = s[i].fd, .events = POLLIN };
			open_n += s[i].fd >= 0;
		}
		if (open_n == 0)
			return true;
		long long left = deadline - cmd_now_ms();
		if (left <= 0)
			return false;
		if (poll(p, (nfds_t)n, (int)left) <= 0)
			continue; /* EINTR or nothing yet: the deadline decides */
		for (int i = 0; i < n; i++) {
			if (s[i].fd < 0 || p[i].revents == 0)
				continue;
			char chunk[4096];
			ssize_t got = read(s[i].fd, chunk, sizeof chunk);
			if (got < 0 && errno == EINTR)
				continue;
			if (got > 0) {
				append(s[i].buf, s[i].size, chunk, (size_t)got);
				continue;
			}
			close_quietly(s[i].fd);
			s[i].fd = -1; /* poll ignores it */
		}
	}
}

int cmd_capture(char *const argv[], char *out, size_t out_size, char *err, size_t err_size,
		int timeout_ms)
{
	bool apart = err != NULL;
	char *note = apart ? err : out; /* where a failure is told */
	size_t note_size = apart ? err_size : out_size;
	out[0] = '\0';
	if (apart)
		err[0] = '\0';
	int out_p[2], err_p[2] = { -1, -1 };
	if (pipe2(out_p, O_CLOEXEC) < 0) {
		snprintf(note, note_size, "pipe2: %s", strerror(errno));
		return -1;
	}
	if (apart && pipe2(err_p, O_CLOEXEC) < 0) {
		snprintf(note, note_size, "pipe2: %s", strerror(errno));
		close_quietly(out_p[0]);
		close_quietly(out_p[1]);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(parent, argv, out_p[1], apart ? err_p[1] : out_p[1]);
	int fork_errno = errno;
	close_quietly(out_p[1]);
	close_quietly(err_p[1]);
	struct sink s[2] = { { out_p[0], out, out_size }, { err_p[0], err, err_size } };
	int n = apart ? 2 : 1;
	bool in_time = pid > 0;
	if (pid > 0) {
		(void)setpgid(pid, pid);
		in_time = read_until(s, n, cmd_now_ms() + timeout_ms);
	}
	close_quietly(s[0].fd);
	close_quietly(s[1].fd);
	if (pid < 0) {
		snprintf(note, note_size, "fork: %s", strerror(fork_errno));
		return -1;
	}
	if (!in_time)
		(void)kill(-pid, SIGKILL);
	int status;
	pid_t got;
	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	if (!in_time || got != pid) {
		size_t used = strlen(note);
		snprintf(note + used, note_size - used, "\n[%s after %d ms]",
			 in_time ? "lost" : "killed", timeout_ms);
		return -1;
	}
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* name in the ':'-separated directories dirs, into buf; false if none. */
static bool find_in(const char *dirs, const char *name, char *buf, size_t size)
{
	while (*dirs != '\0') {
		size_t len = strcspn(dirs, ":");
		int n = snprintf(buf, size, "%.*s/%s", (int)len, dirs, name);
		if (len > 0 && n > 0 && (size_t)n < size && access(buf, X_OK) == 0)
			return true;
		dirs += len;
		dirs += *dirs == ':';
	}
	return false;
}

bool cmd_find(const char *name, const char *extra, char *buf, size_t size)
{
	if (strchr(name, '/') != NULL) {
		snprintf(buf, size, "%s", name);
		return access(buf, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	return find_in(path, name, buf, size) || (extra != NULL && find_in(extra, name, buf, size));
}

void cmd_args_add(char **argv, int *argc, int max, const char *prog, va_list ap)
{
	for (char *arg = va_arg(ap, char *); arg != NULL; arg = va_arg(ap, char *)) {
		ck_assert_msg(*argc < max - 1, "%s command line too long", prog);
		argv[(*argc)++] = arg;
	}
	argv[*argc] = NULL;
}

int cmd_count_zombies(const char *ps_out)
{
	int zombies = 0;
	for (const char *line = ps_out; line != NULL && *line != '\0';) {
		zombies += line[0] == 'Z';
		line = strchr(line, '\n');
		line = line != NULL ? line + 1 : NULL;
	}
	return zombies;
}

int cmd_await_zombies(int (*look)(void *arg), void *arg, bool want_zero, int want, int timeout_ms,
		      int *first)
{
	long long deadline = cmd_now_ms() + timeout_ms;
	int zombies = look(arg);
	if (first != NULL)
		*first = zombies;
	while ((want_zero ? zombies > 0 : zombies < want) && cmd_now_ms() < deadline)
		zombies = look(arg);
	return zombies;
}
