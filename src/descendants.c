/*
 * descendants: walk /proc for the processes below reaper.
 *
 * Owns: the notion of "ours". Never: malloc (we read directories with
 * getdents64 into a stack buffer), or a signal to a PID we have not pinned
 * with a pidfd and then proven to be ours, unless no pidfd can be had
 * (a kernel without them, or no descriptor left): then the PID is checked
 * and signalled, best effort. Never more than one descriptor open at a
 * time besides that pidfd, so a walk works with ulimit -n 4 (issue 15).
 */
#include "descendants.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reaper.h"
#include "sysio.h"

/* Longer parent chains than this are not followed (a loop guard). */
#define MAX_CHAIN 4096

/* A getdents64 record as the kernel lays it out. We read only d_reclen and
 * d_name; the other members are there to put those two at their offsets. */
struct linux_dirent64 {
	uint64_t d_ino;          /* cppcheck-suppress unusedStructMember ; layout */
	int64_t d_off;           /* where the next entry starts: lseek there */
	unsigned short d_reclen;
	unsigned char d_type;    /* cppcheck-suppress unusedStructMember ; layout */
	char d_name[];
};

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = sysio_read(fd, buf, size - 1);
	(void)close(fd); /* read-only: nothing to flush or lose */
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return 0;
}

static pid_t parse_pid(const char *text)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || v <= 0 || v > INT32_MAX)
		return -1;
	return (pid_t)v;
}

/* Paths under /proc are formatted by hand: this runs for every process
 * a walk meets, and snprintf would be the costliest part of it. */
#define PROC_PATH_MAX 64

/* Append text at p; returns the new end. */
static char *put_text(char *p, const char *text)
{
	size_t len = strlen(text);
	memcpy(p, text, len + 1);
	return p + len;
}

/* Append the decimal digits of pid at p, before end; returns the new end.
 * PROC_PATH_MAX holds the longest path we make, so they always fit. */
static char *put_pid(char *p, const char *end, pid_t pid)
{
	return p + sysio_format_uint(p, (size_t)(end - p), (unsigned)pid);
}

/* "/proc/<pid><tail>" into path. */
static void proc_path(char path[PROC_PATH_MAX], pid_t pid, const char *tail)
{
	(void)put_text(put_pid(put_text(path, "/proc/"), path + PROC_PATH_MAX, pid), tail);
}

/* Parent and state of pid from /proc/<pid>/stat; false when it is gone.
 * The command name may hold spaces and ')', so we parse after the last ')'. */
static bool read_stat(pid_t pid, pid_t *ppid, char *state)
{
	char path[PROC_PATH_MAX], buf[512];

	proc_path(path, pid, "/stat");
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return false;
	char *close_paren = strrchr(buf, ')');
	if (close_paren == NULL || close_paren[1] != ' ' || close_paren[2] == '\0')
		return false;
	*state = close_paren[2];
	pid_t parent = parse_pid(close_paren + 4);
	*ppid = parent < 0 ? 0 : parent;
	return true;
}

/* Our own pid as this /proc numbers processes (it may be another
 * namespace's /proc than ours). */
static pid_t proc_self(void)
{
	char buf[16];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return parse_pid(buf);
}

static bool is_descendant(pid_t pid, pid_t self, char *state)
{
	pid_t p = pid, ppid;
	char st;

	for (int depth = 0; depth < MAX_CHAIN; depth++) {
		if (!read_stat(p, &ppid, &st))
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

	if (!read_stat(pid, &ppid, &state))
		return '\0';
	return state;
}

static bool is_stopped(pid_t pid)
{
	return stopped_state(state_of(pid));
}

/* The process group of pid from /proc/<pid>/stat (the field after the
 * parent), or -1 when it is gone. */
static pid_t read_pgrp(pid_t pid)
{
	char path[PROC_PATH_MAX], buf[512];

	proc_path(path, pid, "/stat");
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strrchr(buf, ')'); /* ") S PPID PGRP ..." */
	if (p == NULL || strlen(p) < 5 || (p = strchr(p + 4, ' ')) == NULL)
		return -1;
	return parse_pid(p + 1);
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

/* The longest getdents64 record: a NAME_MAX name, 8-byte aligned. */
#define DIRENT_MAX ((sizeof(struct linux_dirent64) + NAME_MAX + 1 + 7) & ~(size_t)7)

/* One bufferful of the directory at path, from *pos on, into buf; the
 * bytes read into *len (0 at the end). The directory is open only while it
 * is read, so a visit can have the descriptor (with ulimit -n 4 reaper has
 * two). *pos moves past what was read. Returns 0 or -errno. */
static int read_entries(const char *path, int64_t *pos, char *buf, size_t size, long *len)
{
	*len = 0;
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	long n = -1;
	if (*pos == 0 || lseek(dir, (off_t)*pos, SEEK_SET) >= 0)
		n = syscall(SYS_getdents64, dir, buf, size);
	int err = n < 0 ? -errno : 0;
	(void)close(dir); /* read-only */
	if (err < 0)
		return err;
	for (long off = 0; off < n;) {
		const struct linux_dirent64 *e = (const struct linux_dirent64 *)(buf + off);
		off += e->d_reclen;
		*pos = e->d_off;
	}
	*len = n;
	return 0;
}

/* Read the directory at path with getdents64 and call visit(pid, arg) for
 * every entry named by a number, self excepted; stop at the first visit
 * that returns false. Between bufferfuls the directory is reopened at the
 * saved offset: /proc numbers its entries by pid, so one that comes or
 * goes meanwhile moves no other. (A task directory counts its threads
 * instead; past the first bufferful, some 100 threads, one that ends
 * meanwhile may hide another's children until the next walk.) Returns 0,
 * -errno, or 1 when a visit stopped it. */
static int for_each_numbered(const char *path, pid_t self, bool (*visit)(pid_t, void *),
			     void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	int64_t pos = 0;
	long n;
	int err;

	while ((err = read_entries(path, &pos, buf, sizeof(buf), &n)) == 0 && n > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
			off += e->d_reclen;
			pid_t pid = parse_pid(e->d_name);
			if (pid > 0 && pid != self && !visit(pid, arg))
				return 1;
		}
		/* The kernel fills the buffer until the next entry does not fit:
		 * with room for the longest one left over, this was the end, and
		 * opening the directory again to be told so would be wasted. */
		if ((size_t)n + DIRENT_MAX <= sizeof(buf))
			return 0;
	}
	return err;
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
	return stopped_state(state) && (a->pgid == 0 || read_pgrp(pid) == a->pgid);
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
	int err = for_each_numbered("/proc", a->self, act_on, a);
	return err < 0 ? err : a->found;
}

/* ---- reaper's own tree, through the kernel's child lists --------------- */

/* Up to TREE_MAX processes are found through /proc/<pid>/task/<tid>/children,
 * which costs in proportion to reaper's own tree; a bigger tree, or a kernel
 * without those lists (CONFIG_PROC_CHILDREN), is found through all of /proc
 * instead. The lists are read before any process is signalled; what is
 * forked meanwhile is found by the next walk, as with /proc. */
#define TREE_MAX 4096

struct tree {
	pid_t pid[TREE_MAX];
	int n;
	pid_t listing; /* the process whose threads are being listed */
};

/* Append the pids listed in the child-list file fd. false when the tree
 * is full. */
static bool add_children(struct tree *t, int fd)
{
	char buf[512];
	long pid = -1; /* the pid being parsed, -1 between pids */
	ssize_t n;

	while ((n = sysio_read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) { /* a pid may go on in the next chunk */
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = (pid < 0 ? 0 : pid) * 10 + (buf[i] - '0');
				if (pid > INT32_MAX)
					pid = INT32_MAX;
				continue;
			}
			if (pid > 0) {
				if (t->n == TREE_MAX)
					return false;
				t->pid[t->n++] = (pid_t)pid;
			}
			pid = -1;
		}
	}
	/* The kernel ends the list with a space, so no pid is left pending. */
	return true;
}

/* Append the children of one thread of t->listing,
 * "/proc/<pid>/task/<tid>/children". false when the tree is full. A
 * thread that is gone lists nothing. */
static bool add_children_of_task(pid_t tid, void *arg)
{
	struct tree *t = arg;
	char path[PROC_PATH_MAX];

	proc_path(path, t->listing, "/task/");
	(void)put_text(put_pid(path + strlen(path), path + PROC_PATH_MAX, tid), "/children");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	bool room = add_children(t, fd);
	(void)close(fd); /* read-only */
	return room;
}

/* Whether this kernel keeps child lists (CONFIG_PROC_CHILDREN): reaper's
 * own, for its only thread, is there when any is. */
static bool have_child_lists(pid_t self)
{
	char path[PROC_PATH_MAX];

	proc_path(path, self, "/task/");
	(void)put_text(put_pid(path + strlen(path), path + PROC_PATH_MAX, self), "/children");
	return access(path, R_OK) == 0;
}

/* Fill t with the processes below self, breadth first. false when the
 * kernel has no child lists or the tree does not fit. */
static bool list_tree(struct tree *t, pid_t self)
{
	char path[PROC_PATH_MAX];

	if (!have_child_lists(self))
		return false;
	t->pid[0] = self;
	t->n = 1;
	for (int i = 0; i < t->n; i++) {
		proc_path(path, t->pid[i], "/task");
		t->listing = t->pid[i];
		/* An error means it is gone since it was listed: nothing below. */
		int err = for_each_numbered(path, 0, add_children_of_task, t);
		if (err == 1)
			return false;
	}
	return true;
}

/* Signal (signo != 0) or count (signo == 0) every live descendant, as a
 * says; a->self is filled in here. */
static int walk(struct action *a)
{
	a->self = proc_self();
	if (a->self < 0)
		return -ENOENT;
	struct tree t;
	if (!list_tree(&t, a->self))
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
 * reaper sees the outer namespace's /proc, where r->child_pid means
 * another process. A pidfd's fdinfo gives the pid in the namespace of the
 * /proc it is read from. Without a pidfd, r->child_pid. */
static pid_t child_in_proc(const struct reaper *r)
{
	char path[PROC_PATH_MAX], buf[512];

	if (r->child_pidfd < 0)
		return r->child_pid;
	(void)put_pid(put_text(path, "/proc/self/fdinfo/"), path + PROC_PATH_MAX,
		      (pid_t)r->child_pidfd);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	char *field = strstr(buf, "\nPid:");
	return field == NULL ? -1 : parse_pid(field + strlen("\nPid:"));
}

int descendants_stopped(const struct reaper *r, enum forward_mode scope)
{
	struct action a = { .signo = 0, .stopped = true };

	if (scope != FWD_TREE) {
		pid_t child = r->child_reaped ? 0 : child_in_proc(r);
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
