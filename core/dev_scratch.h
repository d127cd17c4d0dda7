/* A scratch MMIO device for tests and benchmarks: 4 KiB of registers that
 * read back what was last written. */
#ifndef VMMD_DEV_SCRATCH_H
#define VMMD_DEV_SCRATCH_H

#include <stdint.h>

#include "forward_map.h"
#include "mmio.h"

#define DEV_SCRATCH_SIZE	0x1000u

struct dev_scratch {
	uint8_t bytes[DEV_SCRATCH_SIZE];
};

int dev_scratch_mmio(void *device, struct mmio_access *access);
int dev_scratch_attach(struct forward_map *map, struct dev_scratch *scratch,
    const char *name, uint64_t base);

#endif
