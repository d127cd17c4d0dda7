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

/* A file is kept per path and access mode: the same disk read-only and
 * read-write is two entries, each open getting the access it asks for. */
struct kept_file {
	char path[PATH_MAX];
	int access;		/* O_RDONLY, O_WRONLY or O_RDWR */
	int fd;			/* or -1: error says why */
	int error;
};

static struct kept_file kept[KEPT_FILES_MAX];
static unsigned int kept_count;

/* The entry of path with this access, or NULL; *path_kept says whether
 * path is kept with some other access. */
static struct kept_file *
kept_find(const char *path, int access, bool *path_kept)
{
	unsigned int i;

	*path_kept = false;
	for (i = 0; i < kept_count; i++) {
		if (strcmp(kept[i].path, path) != 0)
			continue;
		if (kept[i].access == access)
			return &kept[i];
		*path_kept = true;
	}
	return NULL;
}

/* A passed file's name is no path: never opened as one. */
static bool
passed_name(const char *path)
{
	return strncmp(path, "fd:", 3) == 0;
}

int
kept_files_keep(const char *path, int flags)
{
	struct kept_file *file;
	bool path_kept;

	if (kept_find(path, flags & O_ACCMODE, &path_kept) != NULL)
		return 0;
	if (kept_count == KEPT_FILES_MAX)
		return -ENOSPC;
	file = &kept[kept_count];
	if (snprintf(file->path, sizeof(file->path), "%s", path) >=
	    (int)sizeof(file->path))
		return -ENAMETOOLONG;
	file->access = flags & O_ACCMODE;
	file->fd = passed_name(path) ? -1 : open(path, flags | O_CLOEXEC);
	file->error = passed_name(path) ? EBADF : file->fd < 0 ? errno : 0;
	kept_count++;
	return 0;
}

int
kept_files_adopt(const char *path, int flags, int fd)
{
	struct kept_file *file;
	bool path_kept;

	if (kept_find(path, flags & O_ACCMODE, &path_kept) != NULL ||
	    kept_count == KEPT_FILES_MAX) {
		close(fd);
		return kept_count == KEPT_FILES_MAX ? -ENOSPC : -EEXIST;
	}
	file = &kept[kept_count];
	if (snprintf(file->path, sizeof(file->path), "%s", path) >=
	    (int)sizeof(file->path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	file->access = flags & O_ACCMODE;
	file->fd = fd;
	file->error = 0;
	kept_count++;
	return 0;
}

int
kept_files_open(const char *path, int flags)
{
	bool path_kept;
	const struct kept_file *file = kept_find(path, flags & O_ACCMODE,
	    &path_kept);
	int fd;

	if (file == NULL && path_kept) {
		errno = EACCES;	/* kept, but not with this access */
		return -1;
	}
	if (file == NULL && passed_name(path)) {
		errno = EBADF;	/* not passed with this access */
		return -1;
	}
	if (file == NULL)
		return open(path, flags);
	if (file->fd < 0) {
		errno = file->error;
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
