/* Logging to standard error: "program: message[: strerror]". */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_program = "vmmd";
static bool log_verbose;

void
log_init(const char *program_name, bool verbose)
{
	log_program = program_name;
	log_verbose = verbose;
}

static void __attribute__((format(printf, 1, 0)))
log_emit(const char *fmt, va_list ap, const char *errno_text)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (errno_text != NULL)
		fprintf(stderr, "%s: %s: %s\n", log_program, line, errno_text);
	else
		fprintf(stderr, "%s: %s\n", log_program, line);
}

#define LOG_BODY(errno_text) do {		\
	va_list ap;				\
	va_start(ap, fmt);			\
	log_emit(fmt, ap, (errno_text));	\
	va_end(ap);				\
} while (0)

void
log_warn(const char *fmt, ...)
{
	const char *text = strerror(errno);

	LOG_BODY(text);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(NULL);
}

void
log_debug(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	LOG_BODY(NULL);
}

void
fatal(const char *fmt, ...)
{
	const char *text = strerror(errno);

	LOG_BODY(text);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(NULL);
	exit(1);
}
