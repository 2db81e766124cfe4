/*
 * errmsg: see errmsg.h. Owns nothing but the formatting.
 */
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

int errmsg_set(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, size, fmt, ap); /* a cut line is still a line */
	va_end(ap);
	return -1;
}
