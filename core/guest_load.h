/* Loading files into guest memory: kernels, initrds, payloads. With
 * GUEST_LOAD_DECOMPRESS a gzip file is decompressed on the way in (kernels);
 * otherwise every file is copied byte for byte (an initrd stays compressed:
 * the guest kernel unpacks it). */
#ifndef VMMD_GUEST_LOAD_H
#define VMMD_GUEST_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "guest_memory.h"

int guest_load_peek(const char *path, uint8_t *buffer, size_t size,
    size_t *got);
enum guest_load_mode {
	GUEST_LOAD_RAW,
	GUEST_LOAD_DECOMPRESS,
};

int guest_load_file(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t limit, const char *path, enum guest_load_mode mode,
    uint64_t *loaded);
const char *guest_load_strerror(int error);

#endif
