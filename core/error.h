/* Error text for the caller's buffer: where a function that refuses input
 * says why, and the caller, which decides, logs it once. */
#ifndef VMMD_ERROR_H
#define VMMD_ERROR_H

#include <stddef.h>

/* Formats into error and returns -EINVAL, so refusals read
 * `return error_set(error, error_size, "...", ...);`. */
int error_set(char *error, size_t error_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
