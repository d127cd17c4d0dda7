/* The coalesced MMIO ring: guest writes that KVM queued in a page of the
 * vCPUs' mapping instead of exiting (kvm_coalesced_mmio), served later,
 * in the order the guest made them, through the forward map like any MMIO
 * write. A vCPU drains it before it serves any exit, so a device sees
 * every queued write before the access that exited; the console thread
 * drains it on a timer, so that output the guest left there is not held
 * back while the guest runs without exiting. */
#ifndef VMMD_MMIO_RING_H
#define VMMD_MMIO_RING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "forward_map.h"

struct kvm_coalesced_mmio_ring;

struct mmio_ring {
	struct kvm_coalesced_mmio_ring *ring;	/* NULL: none, nothing to do */
	uint32_t entries;		/* slots in the ring, from the page size */
	const struct forward_map *map;
	pthread_mutex_t lock;		/* one drainer at a time */
	atomic_uint_fast64_t served;	/* writes a device took */
	atomic_uint_fast64_t refused;	/* writes no device took (dropped) */
};

void mmio_ring_init(struct mmio_ring *ring, const struct forward_map *map);
void mmio_ring_attach(struct mmio_ring *ring,
    struct kvm_coalesced_mmio_ring *kvm_ring, size_t page_size);
void mmio_ring_destroy(struct mmio_ring *ring);
unsigned int mmio_ring_drain(struct mmio_ring *ring);

#endif
