/* virtio-rng (entropy): the guest's buffers filled from getrandom(2). */
#ifndef VMMD_VIRTIO_RNG_H
#define VMMD_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio_transport.h"

struct virtio_rng {
	uint64_t bytes;			/* given to the guest */
	struct virtq_chain chain;	/* scratch for the I/O thread */
};

extern const struct virtio_device_ops virtio_rng_ops;

#endif
