/*
 * fdlist: lists the descriptors it was started with, for the test that
 * reaper's own descriptors never leak into the child (issue 8, test 6).
 *
 *   fdlist [--exit CODE]
 *
 * Reads /proc/self/fd (leaving out the descriptor that reading uses) and
 * prints, in one write(2):
 *
 *   fds 0 1 2          every open descriptor, ascending
 *   fd N TARGET        one line each: where it points (readlink)
 *   end
 *
 * on stdout, or on stderr when stdout is not open (a caller may close it).
 * Exit status: CODE (--exit, default 0); 2 bad usage; 3 /proc could not be
 * read or the output could not be written. libc only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FDS 1024

static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int parse_fd(const char *text)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 0 || v > 1 << 20)
		return -1;
	return (int)v;
}

int main(int argc, char *argv[])
{
	long code = 0;
	if (argc == 3 && strcmp(argv[1], "--exit") == 0) {
		char *end;
		errno = 0;
		code = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[2] || code < 0 || code > 255)
			argc = 0;
	}
	if (argc != 1 && argc != 3) {
		fprintf(stderr, "usage: fdlist [--exit CODE]\n");
		return 2;
	}

	/* Before anything opens a descriptor of its own. */
	int out = fcntl(STDOUT_FILENO, F_GETFD) >= 0 ? STDOUT_FILENO : STDERR_FILENO;
	DIR *dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return 3;
	int fds[MAX_FDS], n = 0;
	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		int fd = parse_fd(e->d_name);
		if (fd >= 0 && fd != dirfd(dir) && n < MAX_FDS)
			fds[n++] = fd;
	}
	closedir(dir);
	qsort(fds, (size_t)n, sizeof fds[0], compare_ints);

	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	if (f == NULL)
		return 3;
	fputs("fds", f);
	for (int i = 0; i < n; i++)
		fprintf(f, " %d", fds[i]);
	fputc('\n', f);
	for (int i = 0; i < n; i++) {
		char path[64], target[4096];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
		ssize_t len = readlink(path, target, sizeof target - 1);
		target[len > 0 ? len : 0] = '\0';
		fprintf(f, "fd %d %s\n", fds[i], target);
	}
	fputs("end\n", f);
	if (fclose(f) != 0)
		return 3;
	if (write(out, text, size) != (ssize_t)size)
		return 3;
	free(text);
	return (int)code;
}
