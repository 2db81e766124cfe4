/*
 * spawn: start the child (vfork-style; fork only in the sanitized build),
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
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "execplan.h"
#include "log.h"
#include "privs.h"
#include "reaper.h"
#include "sysio.h"
#include "terminal.h"

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

/* What the child needs, and where it says why it could not exec: a pipe
 * when it runs in a copy of our memory (fork), our own memory when it
 * shares it until exec (vfork-style clone, where we are suspended until
 * it execs or exits). */
struct child_ctx {
	struct reaper *r;
	struct exec_plan *plan;
	const struct privs *privs;
	int pdeathsig;                        /* PR_SET_PDEATHSIG, 0 for none */
	bool take_terminal;
	bool new_session;                     /* --user on a terminal, or --session */
	int ctty_fd;                          /* --session: the terminal to claim, or -1 */
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
		/* If the parent is gone, or there was no descriptor for the pipe
		 * (report_fd -1), there is nobody to tell; _exit says enough. */
		(void)!write(c->report_fd, &report, sizeof(report));
	}
	_exit(127);
}

static _Noreturn void child_fail(const struct child_ctx *c, enum spawn_step step, int err)
{
	child_fail_privs(c, step, err, PRIVS_KEEPCAPS);
}

/* The child's line of system calls. It shares our memory (vfork-style),
 * so only plain system call wrappers run here: no stdio, no malloc, no
 * glibc set*id wrappers (privs_apply_child makes the raw calls). */
static _Noreturn void child_run(const struct child_ctx *c)
{
	struct reaper *r = c->r;
	enum privs_step privs_step;
	int err;

	if (c->new_session) {
		if (setsid() < 0)
			child_fail(c, STEP_SETSID, errno);
		/* Without it the job runs with no controlling terminal, as it
		 * would with none to claim: not worth failing for. */
		if (c->ctty_fd >= 0)
			(void)ioctl(c->ctty_fd, TIOCSCTTY, 0);
	} else {
		if (setpgid(0, 0) < 0)
			child_fail(c, STEP_SETPGID, errno);
		/* Take the terminal's foreground while every signal is still
		 * blocked (so SIGTTOU cannot stop us). Failing leaves the job in
		 * the background, as it would run without a terminal anyway. */
		if (c->take_terminal)
			(void)tcsetpgrp(r->tty.fd, getpid());
	}
	if ((err = privs_apply_child(c->privs, &privs_step)) < 0)
		child_fail_privs(c, STEP_PRIVS, -err, privs_step);
	if (r->sigchld_was_ignored && signal(SIGCHLD, SIG_IGN) == SIG_ERR)
		child_fail(c, STEP_SIGCHLD, errno);
	exec_plan_set_listen_pid(c->plan);
	if (sigprocmask(SIG_SETMASK, &r->orig_mask, NULL) < 0)
		child_fail(c, STEP_SIGMASK, errno);
	/* Last before exec: credential changes clear it. If reaper died before
	 * we asked, the kernel will never send it, so send it ourselves. */
	if (c->pdeathsig > 0) {
		if (prctl(PR_SET_PDEATHSIG, c->pdeathsig, 0, 0, 0) < 0)
			child_fail(c, STEP_PDEATHSIG, errno);
		if (getppid() != r->self_pid)
			(void)kill(getpid(), c->pdeathsig); /* to ourselves: cannot fail */
	}
	child_fail(c, STEP_EXEC, exec_plan_run(c->plan, r->cfg->argv));
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

#if SPAWN_UNDER_ASAN
/* Read the child's report: 0 bytes means exec succeeded. */
static int read_report(int fd, struct spawn_report *report)
{
	ssize_t n = sysio_read(fd, report, sizeof(*report));

	if (n < 0)
		return (int)n;
	return n == (ssize_t)sizeof(*report) ? 1 : 0;
}

/* fork, with the report pipe; returns the pid, or -1 with errno. *got is
 * set from the pipe: 1 when the child reported a failure into *report. */
static pid_t launch_forked(struct child_ctx *c, struct spawn_report *report, int *got)
{
	int pipe_fds[2] = {-1, -1};

	*got = 0;
	/* No descriptors for the pipe (ulimit -n 4): start the job anyway; an
	 * exec failure then shows only as its exit code, 127. */
	if (pipe2(pipe_fds, O_CLOEXEC) < 0 && errno != EMFILE && errno != ENFILE)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		(void)close(pipe_fds[0]);
		c->report_fd = pipe_fds[1];
		child_run(c);
	}
	sysio_close(pipe_fds[1]); /* keeps fork's errno */
	if (pid < 0) {
		sysio_close(pipe_fds[0]);
		return -1;
	}
	/* Also here, so a signal sent to the group right after start is never
	 * lost; EACCES means the child has exec'd and set it already. Not for
	 * a new session: setsid() fails in a process-group leader (a signal
	 * sent meanwhile reaches the child alone, through the ESRCH fallback).
	 * The vfork-style child has set it by the time we run again. */
	if (!c->new_session && setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH)
		log_msg(LOG_WARN, "setpgid(%d): %m", (int)pid);
	if (pipe_fds[0] >= 0) {
		*got = read_report(pipe_fds[0], report);
		if (*got < 0)
			log_err(LOG_WARN, *got, "reading the exec report: %m");
	}
	sysio_close(pipe_fds[0]);
	return pid;
}

#else
#define CHILD_STACK_SIZE (64 * 1024)

static int child_entry(void *arg)
{
	child_run(arg);
}

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
	/* EINVAL: a kernel before 5.2, no CLONE_PIDFD. EMFILE, ENFILE: no
	 * descriptor left for the pidfd (ulimit -n 4); the job runs anyway and
	 * is signalled by pid, which stays ours until we reap it. */
	if (pid < 0 && (errno == EINVAL || errno == EMFILE || errno == ENFILE))
		pid = clone(child_entry, stack + sizeof(stack), flags, c);
	return pid;
}

#endif

/* Start the child; *got is 1 when it could not exec and said why in
 * *report. Only the sanitized build forks. Returns the pid, or -1 with
 * errno. */
static pid_t launch(struct child_ctx *c, struct spawn_report *report, int *got, int *pidfd)
{
#if SPAWN_UNDER_ASAN
	*pidfd = -1;
	return launch_forked(c, report, got);
#else
	/* Static, as the child's stack: one child per process. */
	static volatile struct spawn_report shared;

	shared = (struct spawn_report){.step = -1};
	c->shared = &shared;
	pid_t pid = launch_shared(c, pidfd);
	*report = (struct spawn_report){shared.step, shared.err, shared.privs_step};
	*got = report->step >= 0;
	return pid;
#endif
}

const char *spawn_not_found_hint(const char *name, int err)
{
	if (err != ENOENT || name == NULL || name[0] != '-')
		return "";
	return " (an option after the image name is the command: give reaper's options as"
	       " REAPER_* variables, or run docker with --entrypoint /sbin/reaper IMAGE"
	       " OPTIONS -- COMMAND)";
}

static int report_failure(struct reaper *r, const struct spawn_report *report,
			  const char *why)
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

	(void)sysio_waitpid(r->job.child_pid, &status, 0); /* only to reap it: it cannot run */
	if (report->step == STEP_EXEC) {
		errno = report->err;
		log_msg(LOG_ERROR, "cannot run '%s': %s%s%m%s", name, why, why[0] != '\0' ? ": " : "",
			spawn_not_found_hint(name, report->err));
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

int spawn_child(struct reaper *r, char *const envp[], const struct privs *privs)
{
	struct exec_plan plan;
	int err = exec_plan_prepare(&plan, r->cfg->argv, envp, r->self_pid, privs->home_env);

	if (err < 0) {
		errno = -err;
		log_fatal("cannot prepare to run '%s': %m", r->cfg->argv[0]);
	}
	struct child_ctx c = {
		.r = r, .plan = &plan, .privs = privs, .report_fd = -1,
		.pdeathsig = r->cfg->child_pdeathsig == PDEATHSIG_DEFAULT
				     ? (r->self_pid == 1 ? 0 : SIGKILL)
				     : r->cfg->child_pdeathsig,
		/* A reaper started in the background must not steal the terminal. */
		.take_terminal = r->tty.fd >= 0 && r->tty.foreground && !privs->new_session &&
				 !r->cfg->session,
		.new_session = privs->new_session || r->cfg->session,
		/* --user keeps the job from the terminal (privs.c: TIOCSTI). */
		.ctty_fd = -1,
	};
	if (r->cfg->session && !privs->new_session)
		c.ctty_fd = terminal_release(r);
	struct spawn_report report = {.step = -1};
	int got = 0, pidfd = -1;
	pid_t pid = launch(&c, &report, &got, &pidfd);
	if (pid < 0)
		log_fatal("cannot start '%s': %m", r->cfg->argv[0]);
	/* EPERM from exec: file capabilities beyond the bounding set? Asked
	 * while the plan still names the paths exec tried. */
	char why[320] = "";
	if (got > 0 && report.step == STEP_EXEC && report.err == EPERM &&
	    !privs_explain_exec(privs, plan.candidates, why, sizeof(why)))
		why[0] = '\0';
	exec_plan_free(&plan);
	r->job.child_pid = pid;
	r->job.child_pidfd = pidfd >= 0 ? pidfd : pidfd_open(pid, 0);
	/* Without a pidfd the child is signalled by pid: still safe, since its
	 * PID cannot be reused before we reap it. Only an unexpected failure
	 * is worth a warning; few descriptors are a limit the user chose. */
	if (r->job.child_pidfd < 0 && errno != ENOSYS)
		log_msg(errno == EMFILE || errno == ENFILE ? LOG_INFO : LOG_WARN,
			"pidfd_open(%d): %m; signalling by pid", (int)pid);
	if (got <= 0)
		return 0;
	if (r->job.child_pidfd >= 0)
		(void)close(r->job.child_pidfd);
	r->job.child_pidfd = -1;
	r->job.child_reaped = true;
	return report_failure(r, &report, why);
}
