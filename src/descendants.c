/*
 * descendants: the processes below reaper, and signalling them.
 *
 * Owns: the notion of "ours" (a chain of parents that leads to reaper, or,
 * as a namespace's init, the whole namespace); reading /proc is
 * procfs.c's. Never: malloc, or a signal to a PID we have not pinned
 * with a pidfd and then proven to be ours, unless no pidfd can be had
 * (a kernel without them, or no descriptor left): then the PID is checked
 * and signalled, best effort. Never more than one descriptor open at a
 * time besides that pidfd, so a walk works with ulimit -n 4 (issue 15).
 */
#include "descendants.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "procfs.h"
#include "reaper.h"
#include "sysio.h"

/* Longer parent chains than this are not followed (a loop guard). */
#define MAX_CHAIN 4096

static bool is_descendant(pid_t pid, pid_t self, char *state)
{
	pid_t p = pid, ppid;
	char st;

	for (int depth = 0; depth < MAX_CHAIN; depth++) {
		if (!procfs_stat(p, &ppid, &st))
			return false;
		if (p == pid)
			*state = st;
		if (ppid == self)
			return true;
		if (ppid <= 1)
			return false;
		p = ppid;
	}
	return false;
}

/* State T (stopped) or t (stopped by a tracer): such a process acts on
 * no signal but KILL until something sends it CONT. */
static bool stopped_state(char state)
{
	return state == 'T' || state == 't';
}

/* The state of pid now; 0 when it is gone. */
static char state_of(pid_t pid)
{
	pid_t ppid;
	char state = '\0';

	if (!procfs_stat(pid, &ppid, &state))
		return '\0';
	return state;
}

static bool is_stopped(pid_t pid)
{
	return stopped_state(state_of(pid));
}

/* Through pidfd when there is one, else kill (no pidfds: best effort). */
static bool send_to(int pidfd, pid_t pid, int signo)
{
	return pidfd >= 0 ? pidfd_send_signal(pidfd, signo, NULL, 0) == 0 : kill(pid, signo) == 0;
}

/* Is pid a live descendant (its state into *state)? Reading /proc takes a
 * descriptor: when *pidfd took the last one (ulimit -n 4), let the pidfd
 * go (*pidfd = -1) and look again, so pid is checked and signalled by pid,
 * as on a kernel without pidfds. Only open(2) in the check can fail with
 * EMFILE or ENFILE. */
static bool ours_alive(pid_t pid, pid_t self, char *state, int *pidfd)
{
	errno = 0;
	if (is_descendant(pid, self, state))
		return *state != 'Z';
	if (*pidfd < 0 || (errno != EMFILE && errno != ENFILE))
		return false;
	(void)close(*pidfd); /* a pidfd: closing cannot fail in a way that matters */
	*pidfd = -1;
	return is_descendant(pid, self, state) && *state != 'Z';
}

/* Pin pid, prove it is ours and alive, signal it. true when signalled.
 * With wake, look after the signal: a stopped process is sent CONT through
 * the same pidfd, or the signal would wait until something continues it. */
static bool signal_if_ours(pid_t pid, pid_t self, int signo, bool wake)
{
	char state = '?';
	int pidfd = pidfd_open(pid, 0);

	/* ENOSYS (no pidfds) and EMFILE, ENFILE (no descriptor left): go on
	 * by pid; anything else (ESRCH) means it is gone already. */
	if (pidfd < 0 && errno != ENOSYS && errno != EMFILE && errno != ENFILE)
		return false;
	bool ours = ours_alive(pid, self, &state, &pidfd);
	bool sent = ours && send_to(pidfd, pid, signo);
	if (sent && wake && is_stopped(pid))
		(void)send_to(pidfd, pid, SIGCONT); /* failing, it is gone: nothing to wake */
	sysio_close(pidfd); /* when there is one */
	return sent;
}

/* ---- acting on one process ---------------------------------------------- */

struct action {
	pid_t self;
	int signo;     /* 0: count */
	bool wake;     /* after signo, CONT the stopped (descendants_signal) */
	bool stopped;  /* count only the stopped... */
	pid_t pgid;    /* ...in this group as /proc numbers it (0: any) */
	int found;
};

/* Is pid, a live descendant in state, one that a count counts? */
static bool counted(const struct action *a, pid_t pid, char state)
{
	if (state == 'Z')
		return false;
	if (!a->stopped)
		return true;
	return stopped_state(state) && (a->pgid == 0 || procfs_pgrp(pid) == a->pgid);
}

/* Signal (or count) pid when it is a live descendant. Always goes on. */
static bool act_on(pid_t pid, void *arg)
{
	struct action *a = arg;
	char state = '?';

	if (a->signo != 0)
		a->found += signal_if_ours(pid, a->self, a->signo, a->wake);
	else
		a->found += is_descendant(pid, a->self, &state) && counted(a, pid, state);
	return true;
}

/* Every numeric /proc entry: costs in proportion to every process this
 * /proc shows, however few are ours. */
static int act_on_all_of_proc(struct action *a)
{
	int err = procfs_for_each_pid("/proc", a->self, act_on, a);
	return err < 0 ? err : a->found;
}

/* Signal (signo != 0) or count (signo == 0) every live descendant, as a
 * says; a->self is filled in here. */
static int walk(struct action *a)
{
	a->self = procfs_self();
	if (a->self < 0)
		return -ENOENT;
	struct procfs_tree t;
	/* No child lists, or a tree past PROCFS_TREE_MAX: all of /proc. */
	if (!procfs_list_tree(&t, a->self))
		return act_on_all_of_proc(a);
	for (int i = 1; i < t.n; i++)
		act_on(t.pid[i], a);
	return a->found;
}

int descendants_count(const struct reaper *r)
{
	struct action a = { .signo = 0 };

	(void)r;
	return walk(&a);
}


/* The main child's pid as /proc numbers it: under --isolate the inner
 * reaper sees the outer namespace's /proc, where r->job.child_pid means
 * another process. A pidfd's fdinfo gives the pid in the namespace of the
 * /proc it is read from. Without a pidfd, r->job.child_pid. */
static pid_t child_in_proc(const struct reaper *r)
{
	return r->job.child_pidfd < 0 ? r->job.child_pid : procfs_pidfd_pid(r->job.child_pidfd);
}

int descendants_stopped(const struct reaper *r, enum forward_mode scope)
{
	struct action a = { .signo = 0, .stopped = true };

	if (scope != FWD_TREE) {
		pid_t child = r->job.child_reaped ? 0 : child_in_proc(r);
		if (child <= 0)
			return -ENOENT;
		if (scope == FWD_CHILD)
			return is_stopped(child); /* unreaped: its pid is still ours */
		a.pgid = child; /* the group named after it */
	}
	int n = walk(&a);
	return n < 0 ? n : n > 0;
}

int descendants_signal(const struct reaper *r, int signo, bool count, bool wake)
{
	struct action a = { .signo = signo, .wake = wake };

	if (r->self_pid != 1)
		return walk(&a);
	/* As init, kill(-1) reaches every process of the namespace, also
	 * those that joined it with setns and so have no parent inside. */
	struct action census = { .signo = 0 };
	int alive = count ? walk(&census) : 0;
	if (kill(-1, signo) < 0)
		return errno == ESRCH ? 0 : -errno;
	/* Stopped ones (or, when /proc cannot tell, maybe some) need CONT to
	 * act on signo; ESRCH would only mean nobody is left to wake. */
	if (wake && descendants_stopped(r, FWD_TREE) != 0)
		(void)kill(-1, SIGCONT);
	return alive >= 0 ? alive : 1; /* no /proc of ours: at least one got it */
}
