/* How a device serves a guest's MMIO access: the trap forward map routes an
 * MMIO exit whose address falls in a device's range to the device's handler
 * with the offset inside that range. Handlers run on the vCPU thread, on
 * the hot path: no allocation, no logging, no blocking. */
#ifndef VMMD_MMIO_H
#define VMMD_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct mmio_access {
	uint64_t offset;	/* from the start of the device's range */
	uint8_t *data;		/* the bytes written, or where the bytes read go */
	uint32_t length;	/* 1, 2, 4 or 8 */
	bool is_write;
};

/* Returns 0 when served, or a negative errno when the device refuses the
 * access (e.g. -EINVAL for a width it does not implement); the forward map's
 * refusal policy then decides what the guest sees. */
typedef int (*mmio_handler)(void *device, struct mmio_access *access);

#endif
