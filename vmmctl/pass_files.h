/* vmmctl gives the daemon files, not paths: each file a VM spec names is
 * opened with the caller's own rights, sent to the daemon (getfd) and named
 * in the spec as "fd:NAME", so a user gives a VM only what that user could
 * open (docs/security.md). */
#ifndef VMMCTL_PASS_FILES_H
#define VMMCTL_PASS_FILES_H

#include <jansson.h>
#include <stddef.h>

#include "connection.h"

#define PASS_FILES_PREFIX	"fd:"

/* Rewrites spec in place. 0, or -1 with a line in error (a file the caller
 * cannot open, or the daemon's refusal of it). */
int pass_files(struct connection *connection, json_t *spec, char *error,
    size_t error_size);
/* One open file, sent under name (getfd); what and path say what it is in
 * error. 0, or -1 with a line in error. */
int pass_file_fd(struct connection *connection, const char *name, int fd,
    const char *what, const char *path, char *error, size_t error_size);

#endif
