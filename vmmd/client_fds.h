/* The file descriptors a client has passed (SCM_RIGHTS), the way QMP keeps
 * them: each arrives with a command, `getfd` names the oldest one not yet
 * named, `closefd` closes a named one, a spec takes one by its name, and
 * whatever the client leaves behind is closed with its connection. */
#ifndef VMMD_CLIENT_FDS_H
#define VMMD_CLIENT_FDS_H

#include <stdbool.h>
#include <stddef.h>

#define CLIENT_FDS_MAX		16	/* named, and waiting to be named */
#define CLIENT_FD_NAME_MAX	32

struct client_fd {
	char name[CLIENT_FD_NAME_MAX];
	int fd;
};

struct client_fds {
	int arrived[CLIENT_FDS_MAX];	/* in order, not yet named */
	unsigned int arrived_count;
	struct client_fd named[CLIENT_FDS_MAX];
	unsigned int named_count;
};

void client_fds_init(struct client_fds *fds);

/* An fd that came with the client's bytes; past CLIENT_FDS_MAX waiting it
 * is closed and -ENOSPC returned. */
int client_fds_arrived(struct client_fds *fds, int fd);

/* A name: 1 to 31 of [A-Za-z0-9_.-], not starting with a digit. */
bool client_fd_name_valid(const char *name);

/* getfd: the oldest waiting fd under name (an fd of that name before it is
 * closed). 0, or -1 with the reason in error. */
int client_fds_name(struct client_fds *fds, const char *name, char *error,
    size_t error_size);

/* closefd. 0, or -ENOENT. */
int client_fds_close(struct client_fds *fds, const char *name);

/* The named fd, no longer the client's (the caller owns it), or -1. */
int client_fds_take(struct client_fds *fds, const char *name);

/* The named fd, still the client's, or -1. */
int client_fds_peek(const struct client_fds *fds, const char *name);

/* Closes every fd, named or waiting. */
void client_fds_release(struct client_fds *fds);

#endif
