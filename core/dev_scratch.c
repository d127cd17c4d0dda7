/* The scratch device: naturally aligned 1-, 2-, 4- and 8-byte accesses
 * store into and load from a 4 KiB array; any other access is refused. One
 * vCPU at a time: it takes no lock (a test device, not a shared one). */
#include "dev_scratch.h"

#include <errno.h>
#include <string.h>

int
dev_scratch_mmio(void *device, struct mmio_access *access)
{
	struct dev_scratch *scratch = device;
	uint32_t length = access->length;

	if (length != 1 && length != 2 && length != 4 && length != 8)
		return -EINVAL;
	if (access->offset % length != 0)
		return -EINVAL;
	if (access->offset > DEV_SCRATCH_SIZE - length)
		return -ERANGE;
	if (access->is_write)
		memcpy(&scratch->bytes[access->offset], access->data, length);
	else
		memcpy(access->data, &scratch->bytes[access->offset], length);
	return 0;
}

int
dev_scratch_attach(struct forward_map *map, struct dev_scratch *scratch,
    const char *name, uint64_t base)
{
	const struct forward_entry entry = {
		.name = name, .kind = FORWARD_MMIO, .base = base,
		.size = DEV_SCRATCH_SIZE, .action = FORWARD_DEVICE,
		.mmio = dev_scratch_mmio, .context = scratch,
	};

	memset(scratch, 0, sizeof(*scratch));
	return forward_map_add(map, &entry);
}
