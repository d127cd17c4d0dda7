/* Guest physical memory: anonymous host mappings placed at guest physical
 * addresses, and the one bounds-checked way to reach them. */
#ifndef VMMD_GUEST_MEMORY_H
#define VMMD_GUEST_MEMORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#define GUEST_MEMORY_MAX_REGIONS	8
#define GUEST_MEMORY_ALIGN		(64u * 1024)	/* any arm64 page size */
#define GUEST_MEMORY_MAX_TIES		4
/* which pages of a mapping the process wrote: kept open before a sandbox */
#define GUEST_MEMORY_PAGEMAP_PATH	"/proc/self/pagemap"

/* A range of guest RAM mapped copy-on-write from a plain file, so that the
 * guest starts without waiting for a copy. Until guest_memory_swap_ties
 * puts an anonymous copy in its place, a truncate of the file takes its
 * pages away and an edit in place shows through (docs/design.md, "Files
 * are copied into guest RAM"). */
struct guest_memory_tie {
	char *host;		/* page-aligned, inside guest RAM */
	uint64_t length;	/* the file's size in whole pages */
	uint64_t file_size;
	int fd;			/* the file, read again for the copy */
	struct timespec mtime;	/* the file as it was mapped */
	struct timespec ctime;
	char *copy;		/* the copy, once guest_memory_copy_ties made it */
};

struct guest_memory_ties {
	struct guest_memory_tie tie[GUEST_MEMORY_MAX_TIES];
	unsigned int count;
};

struct guest_memory_region {
	uint64_t guest_phys;
	uint64_t size;
	void *host;
};

struct guest_memory {
	struct guest_memory_region regions[GUEST_MEMORY_MAX_REGIONS];
	unsigned int count;
	bool huge_pages;	/* back new regions with hugetlbfs pages */
	/* where files mapped into RAM are recorded, or NULL: files are read
	 * (guest_load.c), never mapped */
	struct guest_memory_ties *ties;
};

int guest_memory_add(struct guest_memory *memory, uint64_t guest_phys,
    uint64_t size);
int guest_memory_add_file(struct guest_memory *memory, uint64_t guest_phys,
    uint64_t size, int fd);
void guest_memory_release(struct guest_memory *memory);
void *guest_memory_ptr(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t length);
uint64_t guest_memory_room(const struct guest_memory *memory,
    uint64_t guest_phys);

int guest_memory_map_file(const struct guest_memory *memory,
    uint64_t guest_phys, int fd, const struct stat *st);
int guest_memory_copy_ties(const struct guest_memory *memory,
    const atomic_bool *cancel);
int guest_memory_swap_ties(const struct guest_memory *memory, int pagemap_fd,
    uint64_t *carried);
unsigned int guest_memory_tied(const struct guest_memory *memory);

#endif
