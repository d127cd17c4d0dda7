/* Guest physical memory: anonymous host mappings placed at guest physical
 * addresses, and the one bounds-checked way to reach them. */
#ifndef VMMD_GUEST_MEMORY_H
#define VMMD_GUEST_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_MEMORY_MAX_REGIONS	8
#define GUEST_MEMORY_ALIGN		(64u * 1024)	/* any arm64 page size */

struct guest_memory_region {
	uint64_t guest_phys;
	uint64_t size;
	void *host;
};

struct guest_memory {
	struct guest_memory_region regions[GUEST_MEMORY_MAX_REGIONS];
	unsigned int count;
	bool huge_pages;	/* back new regions with hugetlbfs pages */
};

int guest_memory_add(struct guest_memory *memory, uint64_t guest_phys,
    uint64_t size);
void guest_memory_release(struct guest_memory *memory);
void *guest_memory_ptr(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t length);
uint64_t guest_memory_room(const struct guest_memory *memory,
    uint64_t guest_phys);

#endif
