/* Resident memory from /proc/self/smaps: each mapping's Rss (and its
 * hugetlbfs pages, which smaps counts apart), counted as guest RAM when the
 * mapping lies inside a guest memory region (file pages mapped into the
 * guest count as guest RAM too). */
#include "rss.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "kept_files.h"

static bool
inside_guest(const struct guest_memory *memory, uintptr_t start, uintptr_t end)
{
	uintptr_t base;
	unsigned int i;

	for (i = 0; i < memory->count; i++) {
		base = (uintptr_t)memory->regions[i].host;
		if (start >= base && end <= base + memory->regions[i].size)
			return true;
	}
	return false;
}

int
rss_measure(const struct guest_memory *memory, uint64_t *total, uint64_t *guest)
{
	unsigned long long start, end, kib;
	bool in_guest = false;
	char line[512];
	FILE *smaps;
	int fd, rc;

	*total = *guest = 0;
	fd = kept_files_open(RSS_SMAPS_PATH, O_RDONLY | O_CLOEXEC);
	smaps = fd >= 0 ? fdopen(fd, "re") : NULL;
	if (smaps == NULL) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while (fgets(line, sizeof(line), smaps) != NULL) {
		if (sscanf(line, "%llx-%llx ", &start, &end) == 2)
			in_guest = inside_guest(memory, (uintptr_t)start,
			    (uintptr_t)end);
		else if (sscanf(line, "Rss: %llu kB", &kib) == 1 ||
		    sscanf(line, "Private_Hugetlb: %llu kB", &kib) == 1 ||
		    sscanf(line, "Shared_Hugetlb: %llu kB", &kib) == 1) {
			*total += (uint64_t)kib * 1024;
			if (in_guest)
				*guest += (uint64_t)kib * 1024;
		}
	}
	fclose(smaps);
	return 0;
}
