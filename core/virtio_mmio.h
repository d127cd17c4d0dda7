/* The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2): the register
 * window a guest driver programs, decoded over the transport-neutral state
 * (virtio_transport.h). */
#ifndef VMMD_VIRTIO_MMIO_H
#define VMMD_VIRTIO_MMIO_H

#include "mmio.h"
#include "virtio_transport.h"

#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050	/* the register KVM_IOEVENTFD watches */
#define VIRTIO_MMIO_CONFIG		0x100

/* The mmio_handler; its context is the struct virtio_transport. */
int virtio_mmio_access(void *transport, struct mmio_access *access);

#endif
