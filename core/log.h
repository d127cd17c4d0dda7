/* Logging for every vmmd program: one line per event, logged once, where
 * the decision is taken (after OpenBSD's log.c). */
#ifndef VMMD_LOG_H
#define VMMD_LOG_H

#include <stdbool.h>

void log_init(const char *program_name, bool verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
