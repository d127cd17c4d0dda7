/* Files opened once and kept for the process's life (kept_files.h). The
 * table is the process's own: the VM process fills it before it drops its
 * privileges, and every boot of its VM opens through it. */
#include "kept_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct kept_file {
	char path[PATH_MAX];
	int fd;			/* or -1: error says why */
	int error;
	bool writable;
};

static struct kept_file kept[KEPT_FILES_MAX];
static unsigned int kept_count;

static struct kept_file *
kept_find(const char *path)
{
	unsigned int i;

	for (i = 0; i < kept_count; i++)
		if (strcmp(kept[i].path, path) == 0)
			return &kept[i];
	return NULL;
}

int
kept_files_keep(const char *path, int flags)
{
	struct kept_file *file;

	if (kept_find(path) != NULL)
		return 0;
	if (kept_count == KEPT_FILES_MAX)
		return -ENOSPC;
	file = &kept[kept_count];
	if (snprintf(file->path, sizeof(file->path), "%s", path) >=
	    (int)sizeof(file->path))
		return -ENAMETOOLONG;
	file->fd = open(path, flags | O_CLOEXEC);
	file->error = file->fd < 0 ? errno : 0;
	file->writable = (flags & O_ACCMODE) != O_RDONLY;
	kept_count++;
	return 0;
}

int
kept_files_open(const char *path, int flags)
{
	const struct kept_file *file = kept_find(path);
	int fd;

	if (file == NULL)
		return open(path, flags);
	if (file->fd < 0) {
		errno = file->error;
		return -1;
	}
	if ((flags & O_ACCMODE) != O_RDONLY && !file->writable) {
		errno = EACCES;
		return -1;
	}
	fd = fcntl(file->fd, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	if (fd >= 0)
		lseek(fd, 0, SEEK_SET);	/* devices refuse it: no matter */
	return fd;
}

void
kept_files_release(void)
{
	unsigned int i;

	for (i = 0; i < kept_count; i++)
		if (kept[i].fd >= 0)
			close(kept[i].fd);
	kept_count = 0;
}
