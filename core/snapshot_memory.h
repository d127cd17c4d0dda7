/* A snapshot's memory file (docs/snapshot.md): guest RAM written sparsely,
 * so that pages of zeros stay holes, and the check a restore makes of it
 * before mapping it. */
#ifndef CORE_SNAPSHOT_MEMORY_H
#define CORE_SNAPSHOT_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#define SNAPSHOT_MEMORY_CHUNK	(64u * 1024)	/* any arm64 page size */

/* Writes size bytes of ram (a multiple of SNAPSHOT_MEMORY_CHUNK) into fd,
 * from offset 0: the file is emptied and set to size first, then every
 * chunk that is not all zeros is written, so the rest stays a hole.
 * *written: the bytes written. 0, or a negative errno with why. */
int snapshot_memory_write(int fd, const uint8_t *ram, uint64_t size,
    uint64_t *written, char *why, size_t why_size);
/* fd is a regular file of exactly size bytes. */
int snapshot_memory_fd_check(int fd, uint64_t size, char *why,
    size_t why_size);

#endif
