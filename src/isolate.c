/*
 * isolate: the job in its own PID namespace, under an inner reaper.
 *
 * Owns: the namespace, the inner reaper's lifeline, and the control pipe.
 * Never: a blocking write on the control pipe (it is ours alone, so it is
 * O_NONBLOCK; a lost message costs only a job-control nicety).
 * Invariant: the inner reaper never outlives the outer one: it asks for
 * SIGKILL on the outer's death, then checks the outer is still there.
 */
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "reaper.h"
#include "sysio.h"

struct control_msg {
	char kind;     /* 'P': the job's process group; 'S': the job stopped */
	int32_t pid;   /* 'P': that group, numbered as the outer reaper sees it */
};

/* The configuration of the outer reaper: pass everything to the inner one
 * unchanged and exit with its status; the inner one applies the user's
 * rewrites, deadlines and exit mapping. */
static void make_outer_config(const struct config *cfg, struct config *outer)
{
	cli_defaults(outer);
	outer->argv = cfg->argv;
	outer->verbosity = cfg->verbosity;
	outer->forward = FWD_CHILD;
	outer->orphans = ORPHANS_LEAVE; /* our only child is the inner reaper */
}

static void become_inner(struct reaper *r, const int control[2], int outer_pidfd)
{
	(void)close(control[0]); /* the outer's end */
	r->control_fd = control[1];
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		log_fatal("--isolate: cannot set the parent-death signal: %m");
	/* The outer reaper may have died before we asked: then nothing would
	 * ever kill us. Its pidfd is readable once it has exited. */
	if (outer_pidfd >= 0) {
		struct pollfd pfd = {.fd = outer_pidfd, .events = POLLIN};
		if (poll(&pfd, 1, 0) != 0)
			_exit(125);
		(void)close(outer_pidfd); /* not needed any more */
	}
	r->self_pid = getpid(); /* 1 */
	/* Our own process group, so a signal sent to the outer reaper's group
	 * (a shell's `kill %1`) is not delivered twice, once by the sender and
	 * once forwarded; the terminal decision was taken by the outer one. */
	if (setpgid(0, 0) < 0)
		log_fatal("--isolate: setpgid: %m");
}

/* Only in the AddressSanitizer build (make check-asan): LeakSanitizer's
 * exit-time check runs in a clone of this process that ptraces it. After
 * unshare(CLONE_NEWPID) that clone would be born in the job's namespace,
 * where it cannot see us (or, once the inner reaper is gone, could not be
 * born at all), and the check would end in "LeakSanitizer has encountered a
 * fatal error". Putting our later children back in our own namespace (the
 * pidfd of ourselves names it) lets the outer reaper's leaks be checked like
 * any other run's. Not in the real build: we start nothing after the inner
 * reaper, and the call would only cost a system call. */
#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define ISOLATE_ASAN 1
#elif defined(__has_feature) /* clang says it only this way */
#if __has_feature(address_sanitizer)
#define ISOLATE_ASAN 1
#endif
#endif

/* _Fork, not fork: we register no fork handlers and run no other thread,
 * and fork's handler machinery is 3 kB of the static build (issue 7). The
 * sanitized build keeps fork, which ASan intercepts to fork safely. */
#ifdef ISOLATE_ASAN
#define isolate_fork fork
#else
#define isolate_fork _Fork
#endif

static void restore_own_pid_ns(int self_pidfd)
{
#ifdef ISOLATE_ASAN
	if (self_pidfd >= 0 && setns(self_pidfd, CLONE_NEWPID) < 0)
		log_msg(LOG_WARN, "--isolate: setns to our own PID namespace: %m");
#else
	(void)self_pidfd;
#endif
}

bool isolate_enter(struct reaper *r, struct config *outer_cfg)
{
	int control[2];

	if (pipe2(control, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("--isolate: pipe: %m");
	int outer_pidfd = pidfd_open(getpid(), 0); /* -1 without pidfds: no check */
	if (unshare(CLONE_NEWPID) < 0)
		log_fatal("--isolate: cannot create a PID namespace: %m (it needs CAP_SYS_ADMIN: "
			  "in a container, --cap-add SYS_ADMIN; on a host, root or "
			  "'unshare --user --map-root-user')");
	pid_t pid = isolate_fork();
	if (pid < 0)
		log_fatal("--isolate: fork: %m");
	if (pid == 0) {
		become_inner(r, control, outer_pidfd);
		return false;
	}
	(void)close(control[1]); /* the inner's end */
	restore_own_pid_ns(outer_pidfd);
	if (outer_pidfd >= 0)
		(void)close(outer_pidfd);
	r->control_fd = control[0];
	r->job.child_pid = pid;
	r->job.child_pidfd = pidfd_open(pid, 0);
	r->job.children_left = true;
	make_outer_config(r->cfg, outer_cfg);
	r->cfg = outer_cfg;
	log_msg(LOG_INFO, "job isolated in a new PID namespace under pid %d", (int)pid);
	return true;
}

static void send_control(struct reaper *r, char kind, pid_t pid)
{
	struct control_msg msg = {.kind = kind, .pid = (int32_t)pid};

	if (r->control_fd >= 0 && write(r->control_fd, &msg, sizeof(msg)) < 0)
		log_msg(LOG_DEBUG, "control pipe: %m");
}

/* Our first child, numbered as /proc (the outer reaper's namespace) sees
 * it: right after spawn, the main child is our only child. */
void isolate_report_started(struct reaper *r)
{
	char buf[32];
	int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_msg(LOG_DEBUG, "--isolate: /proc/thread-self/children: %m");
		return;
	}
	ssize_t n = sysio_read(fd, buf, sizeof(buf) - 1);
	(void)close(fd); /* read-only */
	buf[n > 0 ? n : 0] = '\0';
	long pid = strtol(buf, NULL, 10);
	if (pid > 0)
		send_control(r, 'P', (pid_t)pid);
}

void isolate_report_stopped(struct reaper *r)
{
	send_control(r, 'S', 0);
}

void isolate_read_control(struct reaper *r)
{
	struct control_msg msg;
	ssize_t n;

	while ((n = sysio_read(r->control_fd, &msg, sizeof(msg))) == (ssize_t)sizeof(msg)) {
		if (msg.kind == 'P')
			r->tty.job_pgid = msg.pid;
		else if (msg.kind == 'S')
			r->job.child_stopped = true;
	}
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		/* The inner reaper is gone (or the pipe broke): stop polling it. */
		(void)close(r->control_fd);
		r->control_fd = -1;
	}
}
