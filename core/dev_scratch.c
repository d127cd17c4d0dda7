/* The scratch device: naturally aligned 1-, 2-, 4- and 8-byte accesses
 * store into and load from a 4 KiB array; any other access is refused. One
 * vCPU at a time: it takes no lock (a test device, not a shared one). */
#include "dev_scratch.h"

#include <errno.h>
#include <string.h>

/* Fixed sizes, so that the compiler copies inline rather than calling
 * memcpy: the handler runs on every exit of a benchmark. */
static void
scratch_copy(uint8_t *to, const uint8_t *from, uint32_t length)
{
	switch (length) {
	case 8:
		memcpy(to, from, 8);
		break;
	case 4:
		memcpy(to, from, 4);
		break;
	case 2:
		memcpy(to, from, 2);
		break;
	default:
		*to = *from;
		break;
	}
}

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
	scratch_copy(access->is_write ? &scratch->bytes[access->offset] :
	    access->data, access->is_write ? access->data :
	    &scratch->bytes[access->offset], length);
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
