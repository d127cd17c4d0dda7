/* Refusal messages into a caller's buffer. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int
error_set(char *error, size_t error_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error, error_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
