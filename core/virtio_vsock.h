/* virtio-vsock served by the host kernel's vhost-vsock: vmmd hands vhost
 * the guest's memory map and the rx/tx rings at DRIVER_OK; KVM signals
 * vhost directly on the guest's notifies; vhost's completions come back
 * through vmmd, which raises the virtio-mmio interrupt. The event queue
 * stays with vmmd: its one event is the transport reset it sends after a
 * snapshot's restore (host connections do not survive one). */
#ifndef VMMD_VIRTIO_VSOCK_H
#define VMMD_VIRTIO_VSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_transport.h"

struct snapshot_blob;
struct snapshot_writer;

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
	bool paused;			/* stopped for a snapshot, to run again */
	bool reset_pending;		/* a transport reset for the event queue */
	struct virtq_chain event_chain;	/* scratch for the I/O thread */
	uint64_t interrupts;		/* completions vhost signalled */
	uint8_t config[VIRTIO_VSOCK_CONFIG_SIZE];
	const struct guest_memory *memory;
};

extern const struct virtio_device_ops virtio_vsock_ops;

int virtio_vsock_open(struct virtio_vsock *vsock, uint64_t cid,
    const struct guest_memory *memory);
uint64_t virtio_vsock_features(const struct virtio_vsock *vsock);
void virtio_vsock_close(struct virtio_vsock *vsock);
/* Snapshot hooks (struct vm_device_ops, docs/snapshot.md). */
int virtio_vsock_save(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size);
int virtio_vsock_restore(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size);
int virtio_vsock_quiesce(void *device, struct virtio_transport *transport,
    char *why, size_t why_size);
void virtio_vsock_resume(void *device, struct virtio_transport *transport);

#endif
