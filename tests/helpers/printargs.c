/*
 * printargs: shows exactly what it was started with, so the tests can check
 * that reaper passes the command line through byte for byte.
 *
 *   printargs [ARG...]
 *
 * Output, in one write(2):
 *   argc N
 *   arg I LEN:BYTES      for I = 1 .. N-1; BYTES are the argument as is
 *                        (LEN tells where it ends, newlines included)
 *   cwd PATH             getcwd()
 *
 * Exit status: 0; 3 if getcwd or the output failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (out == NULL)
		return 3;
	fprintf(out, "argc %d\n", argc);
	for (int i = 1; i < argc; i++) {
		fprintf(out, "arg %d %zu:", i, strlen(argv[i]));
		fputs(argv[i], out);
		fputc('\n', out);
	}
	char *cwd = getcwd(NULL, 0);
	if (cwd == NULL) {
		fprintf(stderr, "printargs: getcwd: %s\n", strerror(errno));
		return 3;
	}
	fprintf(out, "cwd %s\n", cwd);
	free(cwd);
	if (fclose(out) != 0)
		return 3;
	const char *p = text;
	while (size > 0) {
		ssize_t n = write(STDOUT_FILENO, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 3;
		p += n;
		size -= (size_t)n;
	}
	free(text);
	return 0;
}
