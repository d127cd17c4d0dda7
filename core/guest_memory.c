/* Guest physical memory regions and bounds-checked translation of guest
 * physical addresses: nothing else in vmmd turns a guest address into a
 * host pointer. */
#include "guest_memory.h"

#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>

static int
region_overlaps(const struct guest_memory_region *region, uint64_t start,
    uint64_t size)
{
	return start < region->guest_phys + region->size &&
	    region->guest_phys < start + size;
}

int
guest_memory_add(struct guest_memory *memory, uint64_t guest_phys,
    uint64_t size)
{
	struct guest_memory_region *region;
	void *host;
	unsigned int i;

	if (memory->count == GUEST_MEMORY_MAX_REGIONS)
		return -ENOSPC;
	if (size == 0 || size % GUEST_MEMORY_ALIGN != 0 ||
	    guest_phys % GUEST_MEMORY_ALIGN != 0 || guest_phys + size < guest_phys)
		return -EINVAL;
	if (size > SIZE_MAX)
		return -ENOMEM;
	for (i = 0; i < memory->count; i++)
		if (region_overlaps(&memory->regions[i], guest_phys, size))
			return -EEXIST;
	/* Huge pages are reserved up front, so that a short pool fails here
	 * rather than as a fault in the guest. */
	host = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS |
	    (memory->huge_pages ? MAP_HUGETLB : MAP_NORESERVE), -1, 0);
	if (host == MAP_FAILED)
		return -errno;
	/* Without hugetlbfs pages, transparent huge pages still cut the
	 * stage-2 faults of a large guest; a host without THP ignores this. */
	if (!memory->huge_pages)
		madvise(host, (size_t)size, MADV_HUGEPAGE);
	region = &memory->regions[memory->count++];
	region->guest_phys = guest_phys;
	region->size = size;
	region->host = host;
	return 0;
}

void
guest_memory_release(struct guest_memory *memory)
{
	unsigned int i;

	for (i = 0; i < memory->count; i++)
		munmap(memory->regions[i].host, (size_t)memory->regions[i].size);
	memory->count = 0;
}

void *
guest_memory_ptr(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t length)
{
	const struct guest_memory_region *region;
	uint64_t offset;
	unsigned int i;

	for (i = 0; i < memory->count; i++) {
		region = &memory->regions[i];
		if (guest_phys < region->guest_phys)
			continue;
		offset = guest_phys - region->guest_phys;
		if (offset >= region->size || length > region->size - offset)
			continue;
		return (char *)region->host + offset;
	}
	return NULL;
}

/* How many bytes from guest_phys to the end of the region holding it. */
uint64_t
guest_memory_room(const struct guest_memory *memory, uint64_t guest_phys)
{
	const struct guest_memory_region *region;
	unsigned int i;

	for (i = 0; i < memory->count; i++) {
		region = &memory->regions[i];
		if (guest_phys >= region->guest_phys &&
		    guest_phys - region->guest_phys < region->size)
			return region->size - (guest_phys - region->guest_phys);
	}
	return 0;
}
