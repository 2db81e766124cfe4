/*
 * spawn: start the child (vfork-style, or fork when privileges change),
 * child set-up, exec, and the exec-error report.
 *
 * Owns: the main child from fork until exec. Never: stdio, malloc, user
 * lookups or exit() in the child; it runs a short line of system calls
 * and ends in execve or _exit. Everything it needs (PATH candidates,
 * the environment, the /bin/sh fallback) is prepared before fork.
 * Invariant: every descriptor made here is close-on-exec from birth.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "privs.h"
#include "reaper.h"

/* What the child reports when it cannot exec: the step and its errno. */
enum spawn_step {
	STEP_SETPGID,
	STEP_SETSID,
	STEP_PRIVS,
	STEP_SIGCHLD,
	STEP_SIGMASK,
	STEP_PDEATHSIG,
	STEP_EXEC,
};

struct spawn_report {
	int step;
	int err;
	int privs_step;   /* which privilege step, for STEP_PRIVS */
};

/* Prepared before fork, read-only in the child apart from two slots. */
struct spawn_plan {
	char **candidates;      /* paths execve tries in order, execvp-style */
	char **envp;            /* environment handed to COMMAND */
	char listen_pid[32];    /* "LISTEN_PID=<child pid>", filled in the child */
	char **sh_argv;         /* "/bin/sh", path, ARG...: for ENOEXEC scripts */
	char *storage;          /* the strings behind candidates */
	/* Most plans fit in the arena, so a start costs no malloc (and none of
	 * the system calls malloc makes the first time); larger ones fall back
	 * to the heap. */
	char *arena;
	size_t arena_used;
	int pdeathsig;          /* the child's PR_SET_PDEATHSIG, 0 for none */
};

#define ARENA_SIZE 8192

/* Zeroed memory for the plan: from the arena when it fits, else calloc
 * (plan_free tells the two apart). NULL when out of memory. */
static void *plan_alloc(struct spawn_plan *plan, size_t count, size_t size)
{
	if (size != 0 && count > (ARENA_SIZE - plan->arena_used) / size)
		return calloc(count, size);
	void *p = plan->arena + plan->arena_used;
	size_t bytes = (count * size + 15) & ~(size_t)15;
	plan->arena_used += bytes < ARENA_SIZE - plan->arena_used ? bytes
								  : ARENA_SIZE - plan->arena_used;
	memset(p, 0, count * size);
	return p;
}

static void plan_release(struct spawn_plan *plan, void *p)
{
	char *c = p;

	if (c != NULL && (c < plan->arena || c >= plan->arena + ARENA_SIZE))
		free(p);
}

static const char *env_lookup(char *const envp[], const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; envp[i] != NULL; i++) {
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	}
	return NULL;
}

/* Candidate paths for argv0 as execvp would try them. 0 or -ENOMEM. */
static int plan_candidates(struct spawn_plan *plan, const char *argv0, char *const envp[])
{
	if (strchr(argv0, '/') != NULL) {
		plan->candidates = plan_alloc(plan, 2, sizeof(char *));
		if (plan->candidates == NULL)
			return -ENOMEM;
		plan->candidates[0] = (char *)argv0;
		return 0;
	}
	const char *path = env_lookup(envp, "PATH");
	if (path == NULL)
		path = "/bin:/usr/bin"; /* glibc's execvp default */
	size_t dirs = 1;
	for (const char *p = path; *p != '\0'; p++)
		dirs += *p == ':';
	size_t name_len = strlen(argv0);
	plan->candidates = plan_alloc(plan, dirs + 1, sizeof(char *));
	plan->storage = plan_alloc(plan, strlen(path) + dirs * (name_len + 3), 1);
	if (plan->candidates == NULL || plan->storage == NULL)
		return -ENOMEM;

	char *out = plan->storage;
	const char *dir = path;
	for (size_t i = 0; i < dirs; i++) {
		const char *end = strchrnul(dir, ':');
		size_t dir_len = (size_t)(end - dir);
		plan->candidates[i] = out;
		if (dir_len == 0) { /* an empty element means the current directory */
			*out++ = '.';
		} else {
			memcpy(out, dir, dir_len);
			out += dir_len;
		}
		*out++ = '/';
		memcpy(out, argv0, name_len + 1);
		out += name_len + 1;
		dir = *end == ':' ? end + 1 : end;
	}
	return 0;
}

/* The environment: as given, but with LISTEN_PID re-pointed at the child
 * when systemd's socket activation addressed it to us, and HOME added for
 * --user when it was unset (extra, or NULL). 0 or -ENOMEM. */
static int plan_environment(struct spawn_plan *plan, char *const envp[], pid_t self,
			    char *extra)
{
	const char *listen_pid = env_lookup(envp, "LISTEN_PID");
	size_t count = 0;

	while (envp[count] != NULL)
		count++;
	plan->envp = plan_alloc(plan, count + 2, sizeof(char *));
	if (plan->envp == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		plan->envp[i] = envp[i];
		if (listen_pid != NULL && strncmp(envp[i], "LISTEN_PID=", 11) == 0 &&
		    strtol(listen_pid, NULL, 10) == (long)self)
			plan->envp[i] = plan->listen_pid;
	}
	plan->envp[count] = extra;
	memcpy(plan->listen_pid, "LISTEN_PID=", 12);
	return 0;
}

static int plan_sh_fallback(struct spawn_plan *plan, char *const argv[])
{
	size_t argc = 0;

	while (argv[argc] != NULL)
		argc++;
	plan->sh_argv = plan_alloc(plan, argc + 2, sizeof(char *));
	if (plan->sh_argv == NULL)
		return -ENOMEM;
	plan->sh_argv[0] = (char *)"/bin/sh";
	for (size_t i = 1; i < argc; i++)
		plan->sh_argv[i + 1] = argv[i];
	return 0;
}

static void plan_free(struct spawn_plan *plan)
{
	plan_release(plan, plan->candidates);
	plan_release(plan, plan->storage);
	plan_release(plan, plan->envp);
	plan_release(plan, plan->sh_argv);
}

/* Decimal pid after "LISTEN_PID=" without stdio (we are the forked child). */
static void format_listen_pid(char *buf, pid_t pid)
{
	char digits[16];
	size_t n = 0;
	unsigned long v = (unsigned long)pid;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	char *out = buf + 11;
	while (n > 0)
		*out++ = digits[--n];
	*out = '\0';
}

/* Try each candidate like execvp: EACCES is remembered and the search goes
 * on; a script without #! runs under /bin/sh. Returns only on failure, with
 * the errno to report. */
static int exec_candidates(struct spawn_plan *plan, char *const argv[])
{
	int reported = ENOENT;

	for (size_t i = 0; plan->candidates[i] != NULL; i++) {
		execve(plan->candidates[i], argv, plan->envp);
		int err = errno;
		if (err == ENOEXEC) {
			plan->sh_argv[1] = plan->candidates[i];
			execve(plan->sh_argv[0], plan->sh_argv, plan->envp);
			return err;
		}
		if (err == EACCES)
			reported = EACCES;
		else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENODEV &&
			 err != ETIMEDOUT)
			return err;
	}
	return reported;
}

/* What the child needs, and where it says why it could not exec: a pipe
 * when it runs in a copy of our memory (fork), our own memory when it
 * shares it until exec (vfork-style clone, where we are suspended until
 * it execs or exits). */
struct child_ctx {
	struct reaper *r;
	struct spawn_plan *plan;
	const struct privs *privs;
	bool take_terminal;
	int report_fd;                        /* fork: the pipe's write end */
	volatile struct spawn_report *shared; /* vfork-style: written before _exit */
};

static _Noreturn void child_fail_privs(const struct child_ctx *c, enum spawn_step step, int err,
				       enum privs_step privs_step)
{
	struct spawn_report report = {.step = step, .err = err, .privs_step = (int)privs_step};

	if (c->shared != NULL) {
		c->shared->err = report.err;
		c->shared->privs_step = report.privs_step;
		c->shared->step = report.step;
	} else {
		/* If the parent is gone there is nobody to tell; _exit says enough. */
		(void)!write(c->report_fd, &report, sizeof(report));
	}
	_exit(127);
}

static _Noreturn void child_fail(const struct child_ctx *c, enum spawn_step step, int err)
{
	child_fail_privs(c, step, err, PRIVS_KEEPCAPS);
}

/* The child's line of system calls. In the vfork-style child only plain
 * syscall wrappers run here (no stdio, malloc, set*id or libcap: those
 * need the fork path, see needs_own_memory). */
static _Noreturn void child_run(const struct child_ctx *c)
{
	struct reaper *r = c->r;
	struct spawn_plan *plan = c->plan;
	enum privs_step privs_step;
	int err;

	if (c->privs->new_session) {
		if (setsid() < 0)
			child_fail(c, STEP_SETSID, errno);
	} else {
		if (setpgid(0, 0) < 0)
			child_fail(c, STEP_SETPGID, errno);
		/* Take the terminal's foreground while every signal is still
		 * blocked (so SIGTTOU cannot stop us). Failing leaves the job in
		 * the background, as it would run without a terminal anyway. */
		if (c->take_terminal)
			(void)tcsetpgrp(r->tty_fd, getpid());
	}
	if ((err = privs_apply_child(c->privs, &privs_step)) < 0)
		child_fail_privs(c, STEP_PRIVS, -err, privs_step);
	if (r->sigchld_was_ignored && signal(SIGCHLD, SIG_IGN) == SIG_ERR)
		child_fail(c, STEP_SIGCHLD, errno);
	format_listen_pid(plan->listen_pid, getpid());
	if (sigprocmask(SIG_SETMASK, &r->orig_mask, NULL) < 0)
		child_fail(c, STEP_SIGMASK, errno);
	/* Last before exec: credential changes clear it. If reaper died before
	 * we asked, the kernel will never send it, so send it ourselves. */
	if (plan->pdeathsig > 0) {
		if (prctl(PR_SET_PDEATHSIG, plan->pdeathsig, 0, 0, 0) < 0)
			child_fail(c, STEP_PDEATHSIG, errno);
		if (getppid() != r->self_pid)
			(void)kill(getpid(), plan->pdeathsig); /* to ourselves: cannot fail */
	}
	child_fail(c, STEP_EXEC, exec_candidates(plan, r->cfg->argv));
}

static int child_entry(void *arg)
{
	child_run(arg);
}

/* AddressSanitizer cannot follow a child that runs on a stack of our
 * making (it warns on every noreturn call there), so the sanitized build
 * (make check-asan) always takes the fork path. */
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_UNDER_ASAN 1
#endif
#endif
#ifndef SPAWN_UNDER_ASAN
#define SPAWN_UNDER_ASAN 0
#endif

/* Changing ids goes through glibc's set*id wrappers and libcap, which are
 * not safe while the child shares our memory: those runs fork. */
static bool needs_own_memory(const struct privs *privs)
{
	return SPAWN_UNDER_ASAN || privs->change_ids || privs->set_caps;
}

#define CHILD_STACK_SIZE (64 * 1024)

/* vfork-style: no copy of our page tables (most of a fork's cost), and we
 * sleep until the child has exec'd or exited, so by the time clone
 * returns, c->shared tells which. The pidfd comes with the child where
 * the kernel has CLONE_PIDFD. Returns the pid, or -1 with errno. */
static pid_t launch_shared(struct child_ctx *c, int *pidfd)
{
	/* Static, not on our stack: stack-clash probing would touch (and keep
	 * resident) every page of it; here only what the child uses is. We
	 * start one child per process, so it is never shared. */
	static char stack[CHILD_STACK_SIZE] __attribute__((aligned(16)));
	int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;

	*pidfd = -1;
	pid_t pid = clone(child_entry, stack + sizeof(stack), flags | CLONE_PIDFD, c, pidfd);
	if (pid < 0 && errno == EINVAL) /* a kernel before 5.2: no CLONE_PIDFD */
		pid = clone(child_entry, stack + sizeof(stack), flags, c);
	return pid;
}

/* Read the child's report: 0 bytes means exec succeeded. */
static int read_report(int fd, struct spawn_report *report)
{
	ssize_t n;

	do
		n = read(fd, report, sizeof(*report));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*report) ? 1 : 0;
}

static int report_failure(struct reaper *r, const struct spawn_report *report)
{
	static const char *const step_names[] = {
		[STEP_SETPGID] = "set process group",
		[STEP_SETSID] = "start a new session",
		[STEP_PRIVS] = "change privileges",
		[STEP_SIGCHLD] = "restore SIGCHLD disposition",
		[STEP_SIGMASK] = "restore signal mask",
		[STEP_PDEATHSIG] = "set parent-death signal",
	};
	const char *name = r->cfg->argv[0];
	int status;

	while (waitpid(r->child_pid, &status, 0) < 0 && errno == EINTR)
		;
	if (report->step == STEP_EXEC) {
		errno = report->err;
		log_msg(LOG_ERROR, "cannot run '%s': %m", name);
		return report->err == ENOENT ? 127 : 126;
	}
	errno = report->err;
	if (report->step == STEP_PRIVS)
		log_msg(LOG_ERROR, "cannot start '%s': %s: %m", name,
			privs_step_name((enum privs_step)report->privs_step));
	else
		log_msg(LOG_ERROR, "cannot start '%s': %s: %m", name, step_names[report->step]);
	return 125;
}

/* fork, with the report pipe; returns the pid, or -1 with errno. *got is
 * set from the pipe: 1 when the child reported a failure into *report. */
static pid_t launch_forked(struct child_ctx *c, struct spawn_report *report, int *got)
{
	int pipe_fds[2];

	*got = 0;
	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		(void)close(pipe_fds[0]);
		c->report_fd = pipe_fds[1];
		child_run(c);
	}
	int saved = errno;
	(void)close(pipe_fds[1]);
	if (pid > 0) {
		*got = read_report(pipe_fds[0], report);
		if (*got < 0)
			log_msg(LOG_WARN, "reading the exec report: %s", strerror(-*got));
	}
	(void)close(pipe_fds[0]);
	errno = saved;
	return pid;
}

int spawn_child(struct reaper *r, char *const envp[], const struct privs *privs)
{
	static char arena[ARENA_SIZE] __attribute__((aligned(16))); /* one spawn per process */
	struct spawn_plan plan = {.arena = arena};
	int err = plan_candidates(&plan, r->cfg->argv[0], envp);

	if (err == 0)
		err = plan_environment(&plan, envp, r->self_pid, privs->home_env);
	if (err == 0)
		err = plan_sh_fallback(&plan, r->cfg->argv);
	plan.pdeathsig = r->cfg->child_pdeathsig;
	if (plan.pdeathsig == PDEATHSIG_DEFAULT)
		plan.pdeathsig = r->self_pid == 1 ? 0 : SIGKILL;
	if (err < 0) {
		plan_free(&plan);
		log_fatal("cannot prepare to run '%s': %s", r->cfg->argv[0], strerror(-err));
	}

	struct child_ctx c = {
		.r = r, .plan = &plan, .privs = privs, .report_fd = -1,
		/* A reaper started in the background must not steal the terminal. */
		.take_terminal = r->tty_fd >= 0 && r->tty_foreground && !privs->new_session,
	};
	volatile struct spawn_report shared = {.step = -1};
	struct spawn_report report = {.step = -1};
	int got = 0, pidfd = -1;
	pid_t pid;
	if (needs_own_memory(privs)) {
		pid = launch_forked(&c, &report, &got);
	} else {
		c.shared = &shared;
		pid = launch_shared(&c, &pidfd);
		report = (struct spawn_report){shared.step, shared.err, shared.privs_step};
		got = report.step >= 0;
	}
	if (pid < 0)
		log_fatal("cannot start '%s': %m", r->cfg->argv[0]);
	plan_free(&plan);
	r->child_pid = pid;
	/* Also here, so a signal sent to the group right after start is never
	 * lost; EACCES means the child has exec'd and set it already. Not for
	 * a new session: setsid() fails in a process-group leader (a signal
	 * sent meanwhile reaches the child alone, through the ESRCH fallback). */
	if (!privs->new_session && setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH)
		log_msg(LOG_WARN, "setpgid(%d): %m", (int)pid);
	r->child_pidfd = pidfd >= 0 ? pidfd : pidfd_open(pid, 0);
	if (r->child_pidfd < 0 && errno != ENOSYS)
		log_msg(LOG_WARN, "pidfd_open(%d): %m; signalling by pid", (int)pid);
	if (got <= 0)
		return 0;
	if (r->child_pidfd >= 0)
		(void)close(r->child_pidfd);
	r->child_pidfd = -1;
	r->child_reaped = true;
	return report_failure(r, &report);
}
