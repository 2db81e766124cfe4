/*
 * showprivs: the privileges and terminal a program runs with, one
 * "key value" line each, for the integration tests to compare.
 *
 *   showprivs
 *
 * Lines, in this order (ids and masks copied from /proc/self/status, so
 * the kernel's own view is what the tests see; tabs become single spaces):
 *
 *   pid PID                    getpid()
 *   sid SID                    getsid(0): equal to PID in a new session
 *   uid REAL EFFECTIVE SAVED FS
 *   gid REAL EFFECTIVE SAVED FS
 *   groups G1 G2 ...           supplementary groups ("groups" alone: none)
 *   capinh HEX                 the five capability sets
 *   capprm HEX
 *   capeff HEX
 *   capbnd HEX
 *   capamb HEX
 *   nonewprivs 0|1
 *   home VALUE                 $HOME, or "home" alone when it is unset
 *   ctty yes | ctty no ERRNO   open("/dev/tty"): ENXIO when there is no
 *                              controlling terminal
 *   tiocsti ok | tiocsti ERRNO TIOCSTI of one byte on stdin: what a child
 *                              that dropped root could push into root's shell
 *   end
 *
 * Each line goes out in one write(2). Exit status: 0, or 3 when
 * /proc/self/status cannot be read or lacks a field.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "helper_util.h"

static void say(const char *text)
{
	if (!write_all(STDOUT_FILENO, text, strlen(text)))
		exit(3);
}

static const char *errno_name(int err)
{
	static const struct { int err; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { EACCES, "EACCES" }, { ENXIO, "ENXIO" },
		{ ENOTTY, "ENOTTY" }, { EIO, "EIO" }, { EINVAL, "EINVAL" },
		{ ENOENT, "ENOENT" }, { EBADF, "EBADF" },
	};
	static char other[32];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(other, sizeof other, "errno%d", err);
	return other;
}

/* The whole of /proc/self/status, NUL-terminated. */
static void read_status(char *buf, size_t size)
{
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "showprivs: /proc/self/status: %s\n", strerror(errno));
		exit(3);
	}
	size_t len = 0;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "showprivs: read /proc/self/status: %s\n", strerror(errno));
			exit(3);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	(void)close(fd); /* read-only */
}

/* Print "key v1 v2 ..." from the status line "Field:\tv1\tv2 ...". */
static void show_field(const char *status, const char *field, const char *key)
{
	char want[64];
	snprintf(want, sizeof want, "\n%s:", field);
	const char *p = strstr(status, want);
	if (p == NULL) {
		fprintf(stderr, "showprivs: no %s in /proc/self/status\n", field);
		exit(3);
	}
	p += strlen(want);
	char line[512];
	size_t used = (size_t)snprintf(line, sizeof line, "%s", key);
	while (*p != '\n' && *p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t\n");
		if (len == 0)
			break;
		if (used + 1 + len + 2 > sizeof line)
			break;
		line[used++] = ' ';
		memcpy(line + used, p, len);
		used += len;
		p += len;
	}
	line[used++] = '\n';
	line[used] = '\0';
	say(line);
}

int main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: showprivs\n");
		return 2;
	}
	char status[16384], line[4200];
	read_status(status + 1, sizeof status - 1);
	status[0] = '\n'; /* so every field, the first included, follows a newline */

	snprintf(line, sizeof line, "pid %ld\nsid %ld\n", (long)getpid(), (long)getsid(0));
	say(line);
	show_field(status, "Uid", "uid");
	show_field(status, "Gid", "gid");
	show_field(status, "Groups", "groups");
	show_field(status, "CapInh", "capinh");
	show_field(status, "CapPrm", "capprm");
	show_field(status, "CapEff", "capeff");
	show_field(status, "CapBnd", "capbnd");
	show_field(status, "CapAmb", "capamb");
	show_field(status, "NoNewPrivs", "nonewprivs");

	const char *home = getenv("HOME");
	snprintf(line, sizeof line, "home%s%.4000s\n", home != NULL ? " " : "",
		 home != NULL ? home : "");
	say(line);

	int tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty_fd >= 0) {
		say("ctty yes\n");
		(void)close(tty_fd); /* only asked whether it opens */
	} else {
		snprintf(line, sizeof line, "ctty no %s\n", errno_name(errno));
		say(line);
	}

	/* A newline: if it lands in a shell's input it runs nothing. */
	char byte = '\n';
	if (ioctl(STDIN_FILENO, TIOCSTI, &byte) == 0)
		say("tiocsti ok\n");
	else {
		snprintf(line, sizeof line, "tiocsti %s\n", errno_name(errno));
		say(line);
	}
	say("end\n");
	return 0;
}
