/* Loading files into guest memory: kernels, initrds, payloads. A gzip file
 * is decompressed on the way in; anything else is copied as it is. */
#ifndef VMMD_GUEST_LOAD_H
#define VMMD_GUEST_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "guest_memory.h"

int guest_load_peek(const char *path, uint8_t *buffer, size_t size,
    size_t *got);
int guest_load_file(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t limit, const char *path, uint64_t *loaded);
const char *guest_load_strerror(int error);

#endif
