/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz/ share: turning the
 * input into C strings that end where the parser under test may read and
 * not a byte later (each in its own heap block, so AddressSanitizer sees
 * an over-read), and FUZZ_CHECK, which aborts with the broken invariant so
 * libFuzzer keeps the input as a crash.
 *
 * Header-only and static: each target is one translation unit linked with
 * the src/ objects it exercises, nothing else.
 */
#ifndef REAPER_FUZZ_H
#define REAPER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry point; declared here for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

static void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((__noreturn__, unused)); /* <stdnoreturn.h> may define noreturn */

static void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* A copy of data[0, len) with a NUL after it, in a block of exactly len + 1
 * bytes. Never NULL: an input that cannot be copied is not worth a report. */
static char *fuzz_strndup(const uint8_t *data, size_t len) __attribute__((unused));

static char *fuzz_strndup(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	if (len > 0)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* The next NUL-separated piece of [*data, *data + *size): its length, and
 * *data and *size moved past it and its NUL. */
static size_t fuzz_next_piece(const uint8_t **data, size_t *size) __attribute__((unused));

static size_t fuzz_next_piece(const uint8_t **data, size_t *size)
{
	const uint8_t *nul = *size > 0 ? memchr(*data, '\0', *size) : NULL;
	size_t len = nul != NULL ? (size_t)(nul - *data) : *size;
	size_t skip = nul != NULL ? len + 1 : len;

	*data += skip;
	*size -= skip;
	return len;
}

#endif
