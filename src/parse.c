/*
 * parse: pure parsers for plain values: numbers, exit codes, booleans.
 *
 * Owns: what reaper counts as a number and as a boolean. Never: a system
 * call, an allocation, a message. Values are written only on success.
 */
#include "parse.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <strings.h>

int parse_uint(const char *text, unsigned long max, unsigned long *value)
{
	unsigned long v = 0;

	if (text == NULL || *text == '\0')
		return -EINVAL;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		unsigned digit = (unsigned)(*p - '0');
		if (digit > max || v > (max - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	*value = v;
	return 0;
}

static unsigned char ascii_lower(char c)
{
	unsigned char u = (unsigned char)c;
	return u >= 'A' && u <= 'Z' ? (unsigned char)(u | 0x20) : u;
}

const char *parse_skip_prefix(const char *text, const char *prefix)
{
	for (; *prefix != '\0'; text++, prefix++)
		if (ascii_lower(*text) != (unsigned char)*prefix)
			return NULL;
	return text;
}

long parse_leading_long(const char *text)
{
	const char *p = text;
	bool negative = false;
	long v = 0;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r')) /* isspace in the C locale */
		p++;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++) {
		int digit = *p - '0';
		if (!negative && v > (LONG_MAX - digit) / 10)
			return LONG_MAX;
		if (negative && v < (LONG_MIN + digit) / 10)
			return LONG_MIN;
		v = v * 10 + (negative ? -digit : digit);
	}
	return v;
}

int parse_exit_code(const char *text, int *code)
{
	unsigned long v;
	int err = parse_uint(text, 255, &v);

	if (err < 0)
		return err;
	*code = (int)v;
	return 0;
}

int parse_bool(const char *text, bool *value)
{
	static const char *const truths[] = {"1", "true", "yes", "on"};
	static const char *const lies[] = {"", "0", "false", "no", "off"};

	if (text == NULL)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		if (strcasecmp(text, truths[i]) == 0) {
			*value = true;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		if (strcasecmp(text, lies[i]) == 0) {
			*value = false;
			return 0;
		}
	}
	return -EINVAL;
}

