/* virtio-net over a tap device: vmmd opens the tap by name or is handed its
 * fd; one receive and one transmit queue; the 12-byte virtio-net header
 * passes straight through (IFF_VNET_HDR), so the tap's checksum and TSO
 * offloads serve the guest's. */
#ifndef VMMD_VIRTIO_NET_H
#define VMMD_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "virtio_transport.h"

struct snapshot_blob;
struct snapshot_writer;

#define VIRTIO_NET_CONFIG_SIZE	8
#define VIRTIO_NET_IFNAME_MAX	16

struct virtio_net_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_dropped;	/* no room: the guest gave too small a buffer,
				 * or a frame longer than the buffer it gave */
	uint64_t tx_errors;
};

struct virtio_net {
	int tap_fd;
	bool owns_tap;			/* opened here, not handed */
	char ifname[VIRTIO_NET_IFNAME_MAX];
	uint8_t config[VIRTIO_NET_CONFIG_SIZE];	/* mac[6], status */
	bool offloads_on;
	struct virtio_net_stats stats;
	struct virtq_chain chain;	/* scratch for the I/O thread */
	struct iovec iov[VIRTQ_MAX_SEGMENTS + 1];	/* + the spare byte */
	uint8_t spare;			/* past a receive chain: a longer frame */
};

extern const struct virtio_device_ops virtio_net_ops;

int virtio_net_tap_open(const char *name);
int virtio_net_open(struct virtio_net *net, const char *tap_name, int tap_fd,
    const uint8_t mac[6]);
uint64_t virtio_net_features(const struct virtio_net *net);
void virtio_net_close(struct virtio_net *net);
/* Snapshot hooks (struct vm_device_ops, docs/snapshot.md). */
int virtio_net_save(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size);
int virtio_net_restore(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size);

#endif
