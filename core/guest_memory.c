/* Guest physical memory regions and bounds-checked translation of guest
 * physical addresses: nothing else in vmmd turns a guest address into a
 * host pointer. */
#include "guest_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fd_stat.h"

/* A copy starts at its range's offset within a huge page, so that the swap
 * moves whole transparent huge pages rather than splitting them. */
#define TIE_ALIGN	(2u << 20)
#define TIE_READ_CHUNK	(8u << 20)	/* how often a copy looks at cancel */
#define PAGEMAP_BATCH	512		/* entries per pread of the pagemap */
#define PAGEMAP_PRESENT	(1ull << 63)
#define PAGEMAP_SWAPPED	(1ull << 62)
#define PAGEMAP_FILE	(1ull << 61)	/* a file's page, not a copy of it */

static int
region_overlaps(const struct guest_memory_region *region, uint64_t start,
    uint64_t size)
{
	return start < region->guest_phys + region->size &&
	    region->guest_phys < start + size;
}

static int
region_check(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t size)
{
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
	return 0;
}

static void
region_place(struct guest_memory *memory, uint64_t guest_phys, uint64_t size,
    void *host)
{
	struct guest_memory_region *region = &memory->regions[memory->count++];

	region->guest_phys = guest_phys;
	region->size = size;
	region->host = host;
}

int
guest_memory_add(struct guest_memory *memory, uint64_t guest_phys,
    uint64_t size)
{
	void *host;
	int rc = region_check(memory, guest_phys, size);

	if (rc < 0)
		return rc;
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
	region_place(memory, guest_phys, size, host);
	return 0;
}

/* A snapshot's memory file, mapped copy-on-write: pages load as the guest
 * touches them, and the VMs restored from one file share every page none
 * of them wrote (docs/snapshot.md). */
int
guest_memory_add_file(struct guest_memory *memory, uint64_t guest_phys,
    uint64_t size, int fd)
{
	void *host;
	int rc = region_check(memory, guest_phys, size);

	if (rc < 0)
		return rc;
	host = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	if (host == MAP_FAILED)
		return -errno;
	region_place(memory, guest_phys, size, host);
	return 0;
}

static void
tie_forget(struct guest_memory_ties *ties, unsigned int index)
{
	struct guest_memory_tie *tie = &ties->tie[index];

	close(tie->fd);
	if (tie->copy != NULL)
		munmap(tie->copy, (size_t)tie->length);
	ties->tie[index] = ties->tie[--ties->count];
}

void
guest_memory_release(struct guest_memory *memory)
{
	unsigned int i;

	for (i = 0; i < memory->count; i++)
		munmap(memory->regions[i].host, (size_t)memory->regions[i].size);
	memory->count = 0;
	while (memory->ties != NULL && memory->ties->count > 0)
		tie_forget(memory->ties, 0);
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

static uint64_t
page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Maps the file behind fd (st is its fstat) copy-on-write at guest_phys and
 * records the tie. -EAGAIN when that cannot be done there: no record kept,
 * hugetlbfs RAM (its pages cannot be replaced by a file's), a full table, an
 * address outside RAM or not on a page; the caller reads the file instead. */
int
guest_memory_map_file(const struct guest_memory *memory, uint64_t guest_phys,
    int fd, const struct stat *st)
{
	struct guest_memory_ties *ties = memory->ties;
	const uint64_t page = page_size();
	uint64_t length;
	char *target;
	int kept;

	if (ties == NULL || memory->huge_pages ||
	    ties->count == GUEST_MEMORY_MAX_TIES || st->st_size <= 0)
		return -EAGAIN;
	length = ((uint64_t)st->st_size + page - 1) & ~(page - 1);
	target = guest_memory_ptr(memory, guest_phys, length);
	if (target == NULL || (uintptr_t)target % page != 0)
		return -EAGAIN;
	kept = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (kept < 0)
		return -EAGAIN;
	if (mmap(target, (size_t)length, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
		close(kept);
		return -EAGAIN;
	}
	ties->tie[ties->count++] = (struct guest_memory_tie){
		.host = target, .length = length,
		.file_size = (uint64_t)st->st_size, .fd = kept,
		.mtime = st->st_mtim, .ctime = st->st_ctim,
	};
	return 0;
}

unsigned int
guest_memory_tied(const struct guest_memory *memory)
{
	return memory->ties != NULL ? memory->ties->count : 0;
}

/* -ESTALE when the file is no longer what was mapped: the guest may have
 * seen either content, so no copy can stand for what it saw. */
static int
tie_check_unchanged(const struct guest_memory_tie *tie)
{
	struct stat st;

	if (fd_stat(tie->fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size != tie->file_size ||
	    st.st_mtim.tv_sec != tie->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != tie->mtime.tv_nsec ||
	    st.st_ctim.tv_sec != tie->ctime.tv_sec ||
	    st.st_ctim.tv_nsec != tie->ctime.tv_nsec)
		return -ESTALE;
	return 0;
}

static int
tie_read(const struct guest_memory_tie *tie, char *copy,
    const atomic_bool *cancel)
{
	uint64_t done = 0, chunk;
	ssize_t n;

	while (done < tie->file_size) {
		if (cancel != NULL && atomic_load(cancel))
			return -ECANCELED;
		chunk = tie->file_size - done;
		if (chunk > TIE_READ_CHUNK)
			chunk = TIE_READ_CHUNK;
		n = pread(tie->fd, copy + done, (size_t)chunk, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ESTALE;		/* cut short since it was mapped */
		done += (uint64_t)n;
	}
	return tie_check_unchanged(tie);
}

static int
tie_copy(struct guest_memory_tie *tie, const atomic_bool *cancel)
{
	size_t length = (size_t)tie->length, head;
	char *area, *copy;
	int rc;

	area = mmap(NULL, length + TIE_ALIGN, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return -errno;
	head = ((uintptr_t)tie->host - (uintptr_t)area) & (TIE_ALIGN - 1);
	copy = area + head;
	if (head > 0)
		munmap(area, head);
	munmap(copy + length, TIE_ALIGN - head);
	madvise(copy, length, MADV_HUGEPAGE);	/* as guest RAM has it */
	rc = tie_read(tie, copy, cancel);
	if (rc < 0) {
		munmap(copy, length);
		return rc;
	}
	tie->copy = copy;
	return 0;
}

/* Reads each tied file into an anonymous copy of its range, beside the
 * running guest. -ESTALE when a file changed since it was mapped,
 * -ECANCELED once cancel is set, or the errno of a mmap or read. */
int
guest_memory_copy_ties(const struct guest_memory *memory,
    const atomic_bool *cancel)
{
	unsigned int i;
	int rc;

	for (i = 0; i < guest_memory_tied(memory); i++) {
		if (memory->ties->tie[i].copy != NULL)
			continue;
		rc = tie_copy(&memory->ties->tie[i], cancel);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A page the guest wrote is its own copy of the file's page (present and
 * not the file's), or such a copy swapped out. */
static bool
pagemap_written(uint64_t entry)
{
	return ((entry & PAGEMAP_PRESENT) && !(entry & PAGEMAP_FILE)) ||
	    (entry & PAGEMAP_SWAPPED);
}

/* The pages the guest wrote since the mapping, into the copy: those the
 * pagemap shows as the process's own, or without it every page that
 * differs from the file's. Counts the pages carried. */
static int
tie_carry_written(const struct guest_memory_tie *tie, int pagemap_fd,
    uint64_t *carried)
{
	const uint64_t page = page_size(), pages = tie->length / page;
	uint64_t entries[PAGEMAP_BATCH], first = (uintptr_t)tie->host / page;
	uint64_t i, j, batch, offset;
	bool written;

	for (i = 0; i < pages; i += batch) {
		batch = pages - i < PAGEMAP_BATCH ? pages - i : PAGEMAP_BATCH;
		if (pagemap_fd >= 0 && pread(pagemap_fd, entries,
		    (size_t)batch * sizeof(entries[0]),
		    (off_t)((first + i) * sizeof(entries[0]))) !=
		    (ssize_t)(batch * sizeof(entries[0])))
			pagemap_fd = -1;	/* compare the rest instead */
		for (j = 0; j < batch; j++) {
			offset = (i + j) * page;
			written = pagemap_fd >= 0 ? pagemap_written(entries[j]) :
			    memcmp(tie->host + offset, tie->copy + offset,
			    (size_t)page) != 0;
			if (!written)
				continue;
			memcpy(tie->copy + offset, tie->host + offset, (size_t)page);
			(*carried)++;
		}
	}
	return 0;
}

/* With nothing else writing guest RAM (the vCPUs held parked), each copy
 * made takes its range's place: the pages the guest wrote are carried
 * over, then the copy is moved over the range (KVM's MMU notifier drops its
 * stage-2 entries for the old pages; the next access finds the copy). A
 * device or thread reaching the range meanwhile sees one or the other,
 * never a hole. -ESTALE when a file changed since it was mapped. */
int
guest_memory_swap_ties(const struct guest_memory *memory, int pagemap_fd,
    uint64_t *carried)
{
	struct guest_memory_ties *ties = memory->ties;
	struct guest_memory_tie *tie;
	unsigned int i = 0;
	int rc;

	*carried = 0;
	while (i < guest_memory_tied(memory)) {
		tie = &ties->tie[i];
		if (tie->copy == NULL) {
			i++;
			continue;
		}
		rc = tie_check_unchanged(tie);
		if (rc == 0)
			rc = tie_carry_written(tie, pagemap_fd, carried);
		if (rc < 0)
			return rc;
		if (mremap(tie->copy, (size_t)tie->length, (size_t)tie->length,
		    MREMAP_MAYMOVE | MREMAP_FIXED, tie->host) == MAP_FAILED)
			return -errno;
		tie->copy = NULL;	/* it is the range now */
		tie_forget(ties, i);
	}
	return 0;
}
