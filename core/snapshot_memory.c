/* The memory file of a snapshot: written chunk by chunk, zeros skipped. */
#include "snapshot_memory.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_stat.h"

static bool
chunk_is_zero(const uint8_t *chunk, size_t size)
{
	const uint64_t *word = (const uint64_t *)(const void *)chunk;
	size_t i;

	for (i = 0; i < size / sizeof(*word); i++)
		if (word[i] != 0)
			return false;
	return true;
}

static int
write_all(int fd, const uint8_t *data, size_t size, uint64_t offset)
{
	ssize_t n;

	while (size > 0) {
		n = pwrite(fd, data, size, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		data += n;
		size -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

int
snapshot_memory_write(int fd, const uint8_t *ram, uint64_t size,
    uint64_t *written, char *why, size_t why_size)
{
	uint64_t offset;
	int rc = 0;

	*written = 0;
	if (size % SNAPSHOT_MEMORY_CHUNK != 0) {
		snprintf(why, why_size, "guest memory of %llu bytes is not a "
		    "multiple of %u", (unsigned long long)size,
		    SNAPSHOT_MEMORY_CHUNK);
		return -EINVAL;
	}
	/* emptied first: what an earlier snapshot left must become holes */
	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0) {
		rc = -errno;
		snprintf(why, why_size, "cannot size the memory file: %s",
		    strerror(-rc));
		return rc;
	}
	for (offset = 0; rc == 0 && offset < size;
	    offset += SNAPSHOT_MEMORY_CHUNK) {
		if (chunk_is_zero(ram + offset, SNAPSHOT_MEMORY_CHUNK))
			continue;
		rc = write_all(fd, ram + offset, SNAPSHOT_MEMORY_CHUNK, offset);
		if (rc == 0)
			*written += SNAPSHOT_MEMORY_CHUNK;
	}
	if (rc < 0)
		snprintf(why, why_size, "cannot write the memory file: %s",
		    strerror(-rc));
	return rc;
}

int
snapshot_memory_fd_check(int fd, uint64_t size, char *why, size_t why_size)
{
	struct stat st;

	if (fd_stat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "memory file: not a regular file");
		return -EINVAL;
	}
	if ((uint64_t)st.st_size != size) {
		snprintf(why, why_size, "memory file is %lld bytes, the "
		    "config says %llu", (long long)st.st_size,
		    (unsigned long long)size);
		return -EINVAL;
	}
	return 0;
}
