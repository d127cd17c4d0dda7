/* virtio-vsock served by the host kernel's vhost-vsock: vmmd hands vhost
 * the guest's memory map and the rx/tx rings at DRIVER_OK; KVM signals
 * vhost directly on the guest's notifies; vhost's completions come back
 * through vmmd, which raises the virtio-mmio interrupt. The event queue
 * stays with vmmd (it never has an event to send). */
#ifndef VMMD_VIRTIO_VSOCK_H
#define VMMD_VIRTIO_VSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_transport.h"

#define VIRTIO_VSOCK_QUEUES	3	/* rx, tx, event */
#define VIRTIO_VSOCK_CONFIG_SIZE 8
#define VHOST_VSOCK_PATH	"/dev/vhost-vsock"

struct virtio_vsock {
	int vhost_fd;
	uint64_t cid;
	uint64_t vhost_features;	/* what vhost offers */
	int kick_fds[2];		/* rx, tx: vhost reads them */
	int call_fd;			/* vhost writes it, the I/O thread reads it */
	bool running;
	uint64_t interrupts;		/* completions vhost signalled */
	uint8_t config[VIRTIO_VSOCK_CONFIG_SIZE];
	const struct guest_memory *memory;
};

extern const struct virtio_device_ops virtio_vsock_ops;

int virtio_vsock_open(struct virtio_vsock *vsock, uint64_t cid,
    const struct guest_memory *memory);
uint64_t virtio_vsock_features(const struct virtio_vsock *vsock);
void virtio_vsock_close(struct virtio_vsock *vsock);

#endif
