/* The VM process's resident memory, split into guest RAM and the rest:
 * what vmmd itself costs beside the guest. */
#ifndef VMMD_RSS_H
#define VMMD_RSS_H

#include <stdint.h>

#include "guest_memory.h"

#define RSS_SMAPS_PATH	"/proc/self/smaps"

int rss_measure(const struct guest_memory *memory, uint64_t *total,
    uint64_t *guest);

#endif
