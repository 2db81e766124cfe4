/*
 * sysio: system-call wrappers that retry EINTR, and number formatting
 * that needs no stdio (see sysio.h).
 *
 * Never: stdio, malloc, locks or anything else that is not
 * async-signal-safe; the vfork-style child runs some of this on reaper's
 * own memory.
 */
#include "sysio.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

ssize_t sysio_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

pid_t sysio_waitpid(pid_t pid, int *status, int options)
{
	pid_t got;

	do
		got = waitpid(pid, status, options);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -errno : got;
}

void sysio_close(int fd)
{
	int saved_errno = errno;

	if (fd >= 0)
		(void)close(fd); /* the caller's descriptors: nothing to flush or lose */
	errno = saved_errno;
}

size_t sysio_format_uint(char *out, size_t size, uint64_t v)
{
	char digits[SYSIO_UINT_MAX_LEN];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (n >= size) {
		if (size > 0)
			out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	out[n] = '\0';
	return n;
}
