/*
 * bindport: can this process bind a TCP port on loopback?
 *
 *   bindport PORT
 *
 * Prints two lines, each in one write(2):
 *
 *   port_start N        net.ipv4.ip_unprivileged_port_start of this network
 *                       namespace ("port_start unknown" if unreadable): ports
 *                       below N need CAP_NET_BIND_SERVICE
 *   bound               bind(127.0.0.1:PORT) succeeded, or
 *   bind: ERRNO         it failed, e.g. "bind: EACCES"
 *
 * Exit status: 0 bound, 1 bind failed, 2 bad usage, 3 socket(2) failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
		{ EACCES, "EACCES" }, { EPERM, "EPERM" }, { EADDRINUSE, "EADDRINUSE" },
		{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { EINVAL, "EINVAL" },
	};
	static char other[32];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(other, sizeof other, "errno%d", err);
	return other;
}

/* "port_start N" from /proc, trailing newline included. */
static void show_port_start(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		(void)close(fd); /* read-only */
	char line[64];
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(line, sizeof line, "port_start %s\n", buf);
	} else {
		snprintf(line, sizeof line, "port_start unknown\n");
	}
	say(line);
}

int main(int argc, char *argv[])
{
	char *end;
	long port = 0;
	if (argc == 2) {
		errno = 0;
		port = strtol(argv[1], &end, 10);
		if (errno != 0 || end == argv[1] || *end != '\0' || port < 1 || port > 65535)
			port = 0;
	}
	if (port == 0) {
		fprintf(stderr, "usage: bindport PORT (1-65535)\n");
		return 2;
	}
	show_port_start();

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "bindport: socket: %s\n", strerror(errno));
		return 3;
	}
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
		say("bound\n");
		return 0;
	}
	char line[64];
	snprintf(line, sizeof line, "bind: %s\n", errno_name(errno));
	say(line);
	return 1;
}
