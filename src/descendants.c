/*
 * descendants: walk /proc for the processes below reaper.
 *
 * Owns: the notion of "ours". Never: malloc (we read directories with
 * getdents64 into a stack buffer), or a signal to a PID we have not pinned
 * with a pidfd and then proven to be ours.
 */
#include "descendants.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reaper.h"

/* Longer parent chains than this are not followed (a loop guard). */
#define MAX_CHAIN 4096

/* A getdents64 record as the kernel lays it out. We read only d_reclen and
 * d_name; the other members are there to put those two at their offsets. */
struct linux_dirent64 {
	uint64_t d_ino;          /* cppcheck-suppress unusedStructMember ; layout */
	int64_t d_off;           /* cppcheck-suppress unusedStructMember ; layout */
	unsigned short d_reclen;
	unsigned char d_type;    /* cppcheck-suppress unusedStructMember ; layout */
	char d_name[];
};

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	int err = n < 0 ? -errno : 0;
	(void)close(fd); /* read-only: nothing to flush or lose */
	if (err < 0)
		return err;
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

/* Parent and state of pid from /proc/<pid>/stat; false when it is gone.
 * The command name may hold spaces and ')', so we parse after the last ')'. */
static bool read_stat(pid_t pid, pid_t *ppid, char *state)
{
	char path[32], buf[512];
	char digits[12];
	int n = 0;

	for (unsigned v = (unsigned)pid; v != 0 || n == 0; v /= 10)
		digits[n++] = (char)('0' + v % 10);
	char *p = path;
	memcpy(p, "/proc/", 6);
	p += 6;
	while (n > 0)
		*p++ = digits[--n];
	memcpy(p, "/stat", 6);
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

/* Pin pid, prove it is ours and alive, signal it. true when signalled. */
static bool signal_if_ours(pid_t pid, pid_t self, int signo)
{
	char state = '?';
	int pidfd = pidfd_open(pid, 0);

	if (pidfd < 0 && errno != ENOSYS)
		return false; /* gone already */
	bool ours = is_descendant(pid, self, &state) && state != 'Z';
	bool sent = false;
	if (ours)
		sent = pidfd >= 0 ? pidfd_send_signal(pidfd, signo, NULL, 0) == 0
				  : kill(pid, signo) == 0; /* no pidfds: best effort */
	if (pidfd >= 0)
		(void)close(pidfd); /* a pidfd: closing cannot fail in a way that matters */
	return sent;
}

/* Visit every numeric /proc entry but self. signo 0 counts live
 * descendants; otherwise signals them. */
static int walk(int signo)
{
	pid_t self = proc_self();
	if (self < 0)
		return -ENOENT;
	int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;

	char buf[4096] __attribute__((aligned(8)));
	int found = 0;
	long n;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
			off += e->d_reclen;
			pid_t pid = parse_pid(e->d_name);
			if (pid <= 0 || pid == self)
				continue;
			char state = '?';
			if (signo != 0)
				found += signal_if_ours(pid, self, signo);
			else
				found += is_descendant(pid, self, &state) && state != 'Z';
		}
	}
	int err = n < 0 ? -errno : 0;
	(void)close(dir);
	return err < 0 ? err : found;
}

int descendants_count(const struct reaper *r)
{
	(void)r;
	return walk(0);
}

int descendants_signal(const struct reaper *r, int signo)
{
	if (r->self_pid != 1)
		return walk(signo);
	/* As init, kill(-1) reaches every process of the namespace, also
	 * those that joined it with setns and so have no parent inside. */
	int alive = walk(0);
	if (kill(-1, signo) < 0)
		return errno == ESRCH ? 0 : -errno;
	return alive >= 0 ? alive : 1; /* no /proc of ours: at least one got it */
}
