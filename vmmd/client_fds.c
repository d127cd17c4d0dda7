/* A client's passed fds (client_fds.h): two small arrays, no allocation. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client_fds.h"

void
client_fds_init(struct client_fds *fds)
{
	memset(fds, 0, sizeof(*fds));
}

int
client_fds_arrived(struct client_fds *fds, int fd)
{
	if (fds->arrived_count == CLIENT_FDS_MAX) {
		close(fd);
		return -ENOSPC;
	}
	fds->arrived[fds->arrived_count++] = fd;
	return 0;
}

bool
client_fd_name_valid(const char *name)
{
	size_t i, length = strnlen(name, CLIENT_FD_NAME_MAX);

	if (length == 0 || length == CLIENT_FD_NAME_MAX ||
	    (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (i = 0; i < length; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '.' || name[i] == '-'))
			return false;
	return true;
}

static int
named_index(const struct client_fds *fds, const char *name)
{
	unsigned int i;

	for (i = 0; i < fds->named_count; i++)
		if (strcmp(fds->named[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
oldest_arrived(struct client_fds *fds)
{
	int fd = fds->arrived[0];

	fds->arrived_count--;
	memmove(&fds->arrived[0], &fds->arrived[1],
	    fds->arrived_count * sizeof(fds->arrived[0]));
	return fd;
}

int
client_fds_name(struct client_fds *fds, const char *name, char *error,
    size_t error_size)
{
	int index;

	if (!client_fd_name_valid(name)) {
		snprintf(error, error_size, "'fdname' must be 1 to %d of "
		    "A-Z a-z 0-9 _ . -, not starting with a digit",
		    CLIENT_FD_NAME_MAX - 1);
		return -1;
	}
	if (fds->arrived_count == 0) {
		snprintf(error, error_size, "no file descriptor came with the "
		    "command (send it as SCM_RIGHTS with the command's bytes)");
		return -1;
	}
	index = named_index(fds, name);
	if (index >= 0) {	/* as QMP: the name now means the new fd */
		close(fds->named[index].fd);
		fds->named[index].fd = oldest_arrived(fds);
		return 0;
	}
	if (fds->named_count == CLIENT_FDS_MAX) {
		snprintf(error, error_size, "%d named fds already: close one "
		    "(closefd) first", CLIENT_FDS_MAX);
		return -1;
	}
	snprintf(fds->named[fds->named_count].name, CLIENT_FD_NAME_MAX, "%s",
	    name);
	fds->named[fds->named_count++].fd = oldest_arrived(fds);
	return 0;
}

static int
named_remove(struct client_fds *fds, const char *name)
{
	int index = named_index(fds, name), fd;

	if (index < 0)
		return -1;
	fd = fds->named[index].fd;
	fds->named[index] = fds->named[--fds->named_count];
	return fd;
}

int
client_fds_close(struct client_fds *fds, const char *name)
{
	int fd = named_remove(fds, name);

	if (fd < 0)
		return -ENOENT;
	close(fd);
	return 0;
}

int
client_fds_take(struct client_fds *fds, const char *name)
{
	return named_remove(fds, name);
}

int
client_fds_peek(const struct client_fds *fds, const char *name)
{
	int index = named_index(fds, name);

	return index < 0 ? -1 : fds->named[index].fd;
}

void
client_fds_release(struct client_fds *fds)
{
	unsigned int i;

	for (i = 0; i < fds->arrived_count; i++)
		close(fds->arrived[i]);
	for (i = 0; i < fds->named_count; i++)
		close(fds->named[i].fd);
	client_fds_init(fds);
}
