/*
 * harness: starts build/reaper (or anything else) with captured stdout and
 * stderr, reads its output with poll() deadlines, and inspects processes
 * through /proc. See harness.h for the API.
 *
 * Never sleeps as synchronisation: every wait is a poll() on the output
 * pipes and on a pidfd of the started process, bounded by a deadline. Where
 * only /proc can tell (a namespace's init appearing, a zombie going away),
 * the wait polls the pipes for at most a millisecond between looks, so
 * output keeps flowing and the deadline still bounds it.
 *
 * Nothing outlives a test: the started process gets PR_SET_PDEATHSIG
 * SIGKILL and its own process group; `unshare --kill-child` takes the
 * namespace down with unshare; a timeout SIGKILLs the namespace's init, or
 * every descendant on the host, before failing the test. The test process
 * makes itself a child subreaper, so what reaper leaves behind on the host
 * comes back to it (run_wait counts, kills and reaps it) rather than to the
 * system's init, which may never reap; the runner that forks the tests is
 * one too, for tests that fail before run_wait (see runner_cleanup).
 */
/* The Makefile force-includes <check.h> ahead of this file, so feature
 * macros defined here would come too late: only POSIX and the default
 * (MISC) interfaces are used, and raw system calls where glibc has a GNU
 * wrapper. */
#include "harness.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REAPER_BUILD_DIR
#error "REAPER_BUILD_DIR must name the build directory (the Makefile sets it)"
#endif

extern char **environ;

/* After the started process exited, how long we keep reading for EOF: a
 * stray grandchild may hold the pipes open for ever. */
#define EXIT_GRACE_MS 2000
/* How much captured output a failure message quotes (the tail of each). */
#define QUOTE_MAX 1500
#define MAX_DEPTH 64

long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *reaper_path(void)
{
	return REAPER_BUILD_DIR "/reaper";
}

const char *helper_path(const char *name)
{
	static char paths[8][512];
	static unsigned next;
	char *buf = paths[next++ % 8];
	int n = snprintf(buf, sizeof paths[0], "%s/helpers/%s", REAPER_BUILD_DIR, name);
	ck_assert_msg(n > 0 && (size_t)n < sizeof paths[0], "helper path too long: %s", name);
	return buf;
}

/* ---- output capture ---------------------------------------------------- */

static const char *tail(const char *s, size_t len)
{
	return len > QUOTE_MAX ? s + len - QUOTE_MAX : s;
}

/* Append what one read of fd gives to buf; at EOF close fd and set eof. */
static void drain_one(int *fd, char *buf, size_t *len, bool *eof, bool *truncated,
		      size_t *consumed)
{
	char scratch[4096];
	/* One byte stays free for the NUL. */
	if (*len + 1 >= 65536 && consumed != NULL && *consumed > 0) {
		memmove(buf, buf + *consumed, *len - *consumed);
		*len -= *consumed;
		*consumed = 0;
	}
	size_t room = 65536 - 1 - *len;
	char *dst = room > 0 ? buf + *len : scratch;
	size_t want = room > 0 ? room : sizeof scratch;
	ssize_t n = read(*fd, dst, want);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		*eof = true;
		return;
	}
	if (room > 0) {
		*len += (size_t)n;
		buf[*len] = '\0';
	} else {
		*truncated = true;
	}
}

/* Has pid exited? For when there is no pidfd: look without reaping. */
static bool exited_nowait(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

/* One round: wait up to wait_ms for output or the exit of r->pid, and take
 * in what came. */
static void pump(struct run *r, long long wait_ms)
{
	struct pollfd fds[3];
	int n = 0;
	int out_i = -1, err_i = -1, pid_i = -1;
	if (wait_ms < 0)
		wait_ms = 0;
	if (r->stdout_fd >= 0) {
		fds[n] = (struct pollfd){ .fd = r->stdout_fd, .events = POLLIN };
		out_i = n++;
	}
	if (r->stderr_fd >= 0) {
		fds[n] = (struct pollfd){ .fd = r->stderr_fd, .events = POLLIN };
		err_i = n++;
	}
	if (!r->exited && r->pid_fd >= 0) {
		fds[n] = (struct pollfd){ .fd = r->pid_fd, .events = POLLIN };
		pid_i = n++;
	}
	if (!r->exited && r->pid_fd < 0 && wait_ms > 50)
		wait_ms = 50; /* no pidfd: look at the process now and then */
	int ready = poll(fds, (nfds_t)n, (int)wait_ms);
	if (ready < 0) {
		ck_assert_msg(errno == EINTR, "poll: %s", strerror(errno));
		return;
	}
	if (out_i >= 0 && fds[out_i].revents != 0)
		drain_one(&r->stdout_fd, r->out, &r->out_len, &r->out_eof,
			  &r->out_truncated, &r->line_pos);
	if (err_i >= 0 && fds[err_i].revents != 0)
		drain_one(&r->stderr_fd, r->err, &r->err_len, &r->err_eof,
			  &r->err_truncated, NULL);
	if (pid_i >= 0 && fds[pid_i].revents != 0)
		r->exited = true;
	if (!r->exited && r->pid_fd < 0 && exited_nowait(r->pid))
		r->exited = true;
}

void run_pump(struct run *r, int timeout_ms)
{
	pump(r, timeout_ms);
}

/* ---- /proc ------------------------------------------------------------- */

/* State letter of pid from /proc/<pid>/stat, or 0 if it is gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, ')' included. */
	char *close_paren = strrchr(buf, ')');
	if (close_paren == NULL || close_paren[1] != ' ')
		return 0;
	return close_paren[2];
}

/* Call visit(child, ctx) for each child of every thread of pid. Returns
 * false if visit asked to stop. */
static bool for_each_child(pid_t pid, bool (*visit)(pid_t, void *), void *ctx)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	if (dir == NULL)
		return true;
	bool go_on = true;
	struct dirent *de;
	while (go_on && (de = readdir(dir)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char cpath[320];
		snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", (int)pid, de->d_name);
		FILE *f = fopen(cpath, "re");
		if (f == NULL)
			continue;
		long value = -1;
		int c;
		while (go_on && (c = getc(f)) != EOF) {
			if (isdigit(c)) {
				value = (value < 0 ? 0 : value * 10) + (c - '0');
				if (value > 1L << 30)
					value = -1; /* nonsense: skip it */
			} else if (value > 0) {
				go_on = visit((pid_t)value, ctx);
				value = -1;
			}
		}
		if (go_on && value > 0)
			go_on = visit((pid_t)value, ctx);
		fclose(f);
	}
	closedir(dir);
	return go_on;
}

struct tally {
	int total;
	int zombies;
	int depth;
};

static bool tally_visit(pid_t child, void *ctx)
{
	struct tally *t = ctx;
	t->total++;
	if (proc_state(child) == 'Z')
		t->zombies++;
	if (t->depth < MAX_DEPTH) {
		t->depth++;
		for_each_child(child, tally_visit, t);
		t->depth--;
	}
	return true;
}

int count_zombies_below(pid_t pid)
{
	struct tally t = { 0, 0, 0 };
	for_each_child(pid, tally_visit, &t);
	return t.zombies;
}

int count_descendants(pid_t pid)
{
	struct tally t = { 0, 0, 0 };
	for_each_child(pid, tally_visit, &t);
	return t.total;
}

static bool first_visit(pid_t child, void *ctx)
{
	*(pid_t *)ctx = child;
	return false;
}

static bool kill_visit(pid_t child, void *ctx)
{
	int *depth = ctx;
	(void)kill(child, SIGKILL); /* best effort: it may be gone already */
	if (*depth < MAX_DEPTH) {
		(*depth)++;
		for_each_child(child, kill_visit, depth);
		(*depth)--;
	}
	return true;
}

/* SIGKILL everything r started: the namespace through its init, or every
 * descendant on the host (a few passes, in case some were forking). */
static void kill_everything(struct run *r)
{
	if (r->where == RUN_PID1) {
		pid_t init = 0;
		for_each_child(r->pid, first_visit, &init);
		if (init > 0)
			(void)kill(init, SIGKILL); /* takes the namespace with it */
	}
	for (int pass = 0; pass < 3; pass++) {
		int depth = 0;
		for_each_child(r->pid, kill_visit, &depth);
	}
	(void)kill(-r->pid, SIGKILL);
	(void)kill(r->pid, SIGKILL);
}

/* ---- runs in flight and what they leave behind ------------------------- */

/* The pids run_start forked and run_wait has not reaped: any other child of
 * the test process was re-parented to it, i.e. left behind. */
#define MAX_LIVE 32
static pid_t live_pids[MAX_LIVE];

static void live_add(pid_t pid)
{
	for (int i = 0; i < MAX_LIVE; i++) {
		if (live_pids[i] == 0) {
			live_pids[i] = pid;
			return;
		}
	}
	ck_abort_msg("more than %d runs at once", MAX_LIVE);
}

static void live_remove(pid_t pid)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live_pids[i] == pid)
			live_pids[i] = 0;
}

struct orphan_list {
	pid_t pids[1024];
	int n;
	bool all;   /* runs in flight too */
};

static bool orphan_visit(pid_t child, void *ctx)
{
	struct orphan_list *list = ctx;
	for (int i = 0; i < MAX_LIVE && !list->all; i++)
		if (live_pids[i] == child)
			return true;
	if (list->n < (int)(sizeof list->pids / sizeof list->pids[0]))
		list->pids[list->n++] = child;
	return true;
}

/* Kill and reap every child of ours that no run owns (with all, every
 * child); returns how many there were. Their own children come back to us
 * in turn: repeat. */
static int reap_leftovers(bool all)
{
	int total = 0;
	for (int pass = 0; pass < 100; pass++) {
		struct orphan_list list = { .n = 0, .all = all };
		for_each_child(getpid(), orphan_visit, &list);
		if (list.n == 0)
			break;
		for (int i = 0; i < list.n; i++) {
			int depth = 0;
			kill_visit(list.pids[i], &depth);
		}
		for (int i = 0; i < list.n; i++) {
			pid_t got;
			do
				got = waitpid(list.pids[i], NULL, 0);
			while (got < 0 && errno == EINTR);
		}
		total += list.n;
	}
	return total;
}

/*
 * A test that fails half-way ends its process at once (Check calls _exit),
 * before run_wait could clean up: the reaper it started dies of its
 * PR_SET_PDEATHSIG, and what that reaper had adopted would go to the
 * system's init, which may never reap it. So the runner process (the one
 * that forks each test) is a child subreaper too, and when it exits it
 * kills and reaps whatever came back to it.
 */
static pid_t runner_pid;

static void runner_cleanup(void)
{
	if (getpid() == runner_pid) /* forked tests inherit the atexit entry */
		(void)reap_leftovers(true);
}

__attribute__((constructor)) static void runner_init(void)
{
	runner_pid = getpid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
		(void)atexit(runner_cleanup); /* if not, run_wait still cleans up */
}

/* ---- start ------------------------------------------------------------- */

static size_t count_strings(char *const *v)
{
	size_t n = 0;
	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

static bool same_name(const char *a, const char *b)
{
	while (*a != '\0' && *a != '=' && *a == *b) {
		a++;
		b++;
	}
	return (*a == '=' || *a == '\0') && (*b == '=' || *b == '\0');
}

/* environ without the names env_add sets, then env_add. */
static char **build_env(char *const *env_add)
{
	size_t n_env = count_strings(environ), n_add = count_strings(env_add);
	char **env = calloc(n_env + n_add + 1, sizeof *env);
	ck_assert_ptr_nonnull(env);
	size_t k = 0;
	for (size_t i = 0; i < n_env; i++) {
		bool overridden = false;
		for (size_t j = 0; j < n_add && !overridden; j++)
			overridden = same_name(environ[i], env_add[j]);
		if (!overridden)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < n_add; j++)
		env[k++] = env_add[j];
	env[k] = NULL;
	return env;
}

static char **build_argv(enum run_where where, char *const argv[])
{
	static char *const prefix[] = {
		"unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
	};
	size_t n_prefix = where == RUN_PID1 ? sizeof prefix / sizeof prefix[0] : 0;
	size_t n = count_strings(argv);
	char **full = calloc(n_prefix + n + 1, sizeof *full);
	ck_assert_ptr_nonnull(full);
	for (size_t i = 0; i < n_prefix; i++)
		full[i] = prefix[i];
	for (size_t i = 0; i < n; i++)
		full[n_prefix + i] = argv[i];
	return full;
}

/* pipe(2) with both ends close-on-exec (pipe2 is a GNU extension). */
static void make_pipe(int fds[2])
{
	ck_assert_msg(pipe(fds) == 0, "pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++)
		ck_assert_msg(fcntl(fds[i], F_SETFD, FD_CLOEXEC) == 0, "fcntl: %s", strerror(errno));
}

/* unshare, found through PATH before fork. Static storage. */
static const char *unshare_path(void)
{
	static char found[4096];
	if (found[0] != '\0')
		return found;
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path != '\0') {
		size_t len = strcspn(path, ":");
		int n = snprintf(found, sizeof found, "%.*s/unshare", (int)len, path);
		if (n > 0 && (size_t)n < sizeof found && access(found, X_OK) == 0)
			return found;
		path += len;
		if (*path == ':')
			path++;
	}
	found[0] = '\0';
	ck_abort_msg("unshare(1) not found in PATH: RUN_PID1 needs util-linux");
	return NULL;
}

/* Make fd the descriptor target, inheritable across exec. Child only. */
static int move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

static void child_fail(const char *what, const char *arg)
{
	/* After fork: no stdio, one write. */
	char msg[512];
	int n = snprintf(msg, sizeof msg, "harness: %s %s: %s\n", what, arg, strerror(errno));
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	_exit(127);
}

/* In the forked child: become the command. Never returns. */
static noreturn void child_exec(pid_t parent, const char *path, char **argv, char **env,
				const struct run_opts *opts, int in_fd, int out_fd, int err_fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127); /* the test is already gone */
	(void)setpgid(0, 0); /* the parent does it too; one of them wins */
	if (move_fd(in_fd, STDIN_FILENO) < 0 || move_fd(out_fd, STDOUT_FILENO) < 0 ||
	    move_fd(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	/* Check's own descriptors must not leak into reaper. */
	(void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (opts != NULL && opts->cwd != NULL && chdir(opts->cwd) < 0)
		child_fail("cannot chdir to", opts->cwd);
	/* A child killed by SEGV must not leave core files behind. */
	struct rlimit no_core = { 0, 0 };
	(void)setrlimit(RLIMIT_CORE, &no_core);
	/* Default dispositions, touching only those that are not: setting
	 * SIG_DFL on a signal whose default is to ignore it (WINCH, URG, CONT,
	 * CHLD) discards it if pending, and a test may have sent it already. */
	for (int signo = 1; signo < NSIG; signo++) {
		struct sigaction old;
		if (sigaction(signo, NULL, &old) == 0 && old.sa_handler != SIG_DFL)
			(void)signal(signo, SIG_DFL); /* glibc's own refuse: fine */
	}
	sigset_t mask;
	sigemptyset(&mask);
	if (opts != NULL && opts->mask != NULL)
		mask = *opts->mask;
	sigprocmask(SIG_SETMASK, &mask, NULL);
	execve(path, argv, env);
	child_fail("cannot exec", path);
	_exit(127);
}

void run_start(struct run *r, enum run_where where, char *const argv[],
	       const struct run_opts *opts)
{
	ck_assert_ptr_nonnull(argv);
	ck_assert_ptr_nonnull(argv[0]);
	memset(r, 0, sizeof *r);
	r->where = where;
	/* Once per process; harmless to repeat. */
	ck_assert_msg(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER: %s",
		      strerror(errno));
	r->stdin_fd = r->stdout_fd = r->stderr_fd = r->pid_fd = -1;

	struct stat st;
	if (stat(argv[0], &st) == 0) {
		r->exe_dev = st.st_dev;
		r->exe_ino = st.st_ino;
	}

	const char *path = where == RUN_PID1 ? unshare_path() : argv[0];
	int in_pipe[2] = { -1, -1 }, out_pipe[2], err_pipe[2];
	make_pipe(out_pipe);
	make_pipe(err_pipe);
	if (opts != NULL && opts->pipe_stdin) {
		make_pipe(in_pipe);
	} else {
		in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ck_assert_msg(in_pipe[0] >= 0, "/dev/null: %s", strerror(errno));
	}
	char **env = build_env(opts != NULL ? opts->env_add : NULL);
	char **full = build_argv(where, argv);

	/* Everything blocked from birth: the child sets its own mask just
	 * before exec, so opts->mask holds from fork on. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(parent, path, full, env, opts, in_pipe[0], out_pipe[1], err_pipe[1]);
	int fork_errno = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(env);
	free(full);
	ck_assert_msg(pid > 0, "fork: %s", strerror(fork_errno));
	live_add(pid);
	(void)setpgid(pid, pid); /* fails harmlessly if the child exec'd already */

	close(in_pipe[0]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	r->pid = pid;
	r->stdin_fd = in_pipe[1];
	r->stdout_fd = out_pipe[0];
	r->stderr_fd = err_pipe[0];
	r->pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (r->pid_fd >= 0)
		(void)fcntl(r->pid_fd, F_SETFD, FD_CLOEXEC);
	if (where == RUN_HOST)
		r->reaper_pid = pid;
}

/* ---- wait -------------------------------------------------------------- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

static void reap(struct run *r)
{
	int status;
	pid_t got;
	do
		got = waitpid(r->pid, &status, 0);
	while (got < 0 && errno == EINTR);
	ck_assert_msg(got == r->pid, "waitpid %d: %s", (int)r->pid, strerror(errno));
	live_remove(r->pid);
	r->status = status;
	r->reaped = true;
	r->exited = true;
	close_fd(&r->pid_fd);
	close_fd(&r->stdin_fd);
	close_fd(&r->stdout_fd);
	close_fd(&r->stderr_fd);
}

int run_wait(struct run *r, int timeout_ms)
{
	ck_assert_msg(!r->reaped, "run_wait called twice");
	close_fd(&r->stdin_fd); /* a test that wanted to write has written */
	long long deadline = now_ms() + timeout_ms;
	long long grace_end = -1;
	for (;;) {
		if (r->out_eof && r->err_eof && r->exited)
			break;
		long long now = now_ms();
		if (r->exited) {
			if (grace_end < 0)
				grace_end = now + EXIT_GRACE_MS;
			if (now >= grace_end)
				break; /* a stray descendant holds the pipes */
		}
		if (now >= deadline) {
			kill_everything(r);
			reap(r);
			r->leftovers = reap_leftovers(false);
			ck_abort_msg("timeout: '%s' still running after %d ms\n"
				     "--- stdout (tail):\n%s\n--- stderr (tail):\n%s",
				     r->where == RUN_PID1 ? "unshare" : "reaper", timeout_ms,
				     tail(r->out, r->out_len), tail(r->err, r->err_len));
		}
		long long until = grace_end >= 0 && grace_end < deadline ? grace_end : deadline;
		pump(r, until - now);
	}
	reap(r);
	r->leftovers = reap_leftovers(false);
	return exit_code(r->status);
}

int run_simple(struct run *r, enum run_where where, char *const argv[], int timeout_ms)
{
	run_start(r, where, argv, NULL);
	return run_wait(r, timeout_ms);
}

/* ---- lines ------------------------------------------------------------- */

bool run_read_line(struct run *r, char *line, size_t size, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		char *start = r->out + r->line_pos;
		char *nl = memchr(start, '\n', r->out_len - r->line_pos);
		if (nl != NULL) {
			size_t len = (size_t)(nl - start);
			if (size > 0) {
				size_t copy = len < size - 1 ? len : size - 1;
				memcpy(line, start, copy);
				line[copy] = '\0';
			}
			r->line_pos += len + 1;
			return true;
		}
		if (r->stdout_fd < 0)
			return false; /* EOF, or run_wait is over */
		long long now = now_ms();
		if (now >= deadline)
			return false;
		pump(r, deadline - now);
	}
}

bool run_expect_line(struct run *r, const char *want, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char line[1024];
	for (;;) {
		long long left = deadline - now_ms();
		if (!run_read_line(r, line, sizeof line, left > 0 ? (int)left : 0))
			return false;
		if (strcmp(line, want) == 0)
			return true;
	}
}

bool run_expect_prefix(struct run *r, const char *prefix, char *line, size_t size,
		       int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[1024];
	for (;;) {
		long long left = deadline - now_ms();
		if (!run_read_line(r, buf, sizeof buf, left > 0 ? (int)left : 0))
			return false;
		if (strncmp(buf, prefix, strlen(prefix)) == 0) {
			if (line != NULL && size > 0)
				snprintf(line, size, "%s", buf);
			return true;
		}
	}
}

int run_count_lines(const struct run *r, const char *want)
{
	size_t want_len = strlen(want);
	int count = 0;
	const char *p = r->out, *end = r->out + r->out_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		if ((size_t)(nl - p) == want_len && memcmp(p, want, want_len) == 0)
			count++;
		p = nl + 1;
	}
	return count;
}

/* ---- reaper's pid and signals ------------------------------------------ */

pid_t run_reaper_pid(struct run *r, int timeout_ms)
{
	if (r->reaper_pid > 0)
		return r->reaper_pid;
	ck_assert_msg(!r->reaped, "run_reaper_pid after run_wait");
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		pid_t init = 0;
		for_each_child(r->pid, first_visit, &init);
		if (init > 0) {
			r->reaper_pid = init;
			return init;
		}
		long long now = now_ms();
		if (now >= deadline || r->exited)
			break;
		pump(r, 1); /* only /proc can tell: look again soon */
	}
	ck_abort_msg("no PID 1 appeared under unshare (pid %d) within %d ms\n"
		     "--- stderr (tail):\n%s",
		     (int)r->pid, timeout_ms, tail(r->err, r->err_len));
	return -1;
}


static bool runs_program(const struct run *r, pid_t pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	if (stat(path, &st) < 0)
		return false;
	return st.st_dev == r->exe_dev && st.st_ino == r->exe_ino;
}

bool run_reaper_blocks(struct run *r, int signo, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	pid_t pid = run_reaper_pid(r, timeout_ms);
	for (;;) {
		char state = proc_state(pid);
		if (state == 0 || state == 'Z' || state == 'X')
			return false;
		if (runs_program(r, pid) && proc_signal_mask_has(pid, "SigBlk", signo))
			return true;
		long long now = now_ms();
		if (now >= deadline)
			return false;
		pump(r, 1); /* only /proc can tell: look again soon */
	}
}

static bool never_blocked(int signo)
{
	return signo == SIGKILL || signo == SIGSTOP; /* the faults are blocked too (issue 15) */
}

void run_signal(struct run *r, int signo)
{
	ck_assert_msg(!r->reaped, "run_signal after run_wait: the pid may be reused");
	pid_t pid = run_reaper_pid(r, 5000);
	if (!never_blocked(signo))
		(void)run_reaper_blocks(r, signo, 5000); /* if not, send anyway: the test shows it */
	ck_assert_msg(kill(pid, signo) == 0 || errno == ESRCH, "kill %d %d: %s", (int)pid, signo,
		      strerror(errno));
}

bool proc_signal_mask_has(pid_t pid, const char *field, int signo)
{
	char path[64], key[32], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	snprintf(key, sizeof key, "\n%s:", field);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	(void)close(fd); /* read-only: nothing to lose */
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *line = strstr(buf, key);
	if (line == NULL || signo < 1 || signo > 64)
		return false;
	unsigned long long mask = strtoull(line + strlen(key), NULL, 16);
	return (mask >> (signo - 1)) & 1;
}
