/* virtio-blk: a raw image file or block device behind one request queue;
 * read-only, flush (fdatasync), discard (hole punching), a serial string. */
#ifndef VMMD_VIRTIO_BLK_H
#define VMMD_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "virtio_transport.h"

struct snapshot_blob;
struct snapshot_writer;

#define VIRTIO_BLK_SERIAL_MAX	20
#define VIRTIO_BLK_CONFIG_SIZE	60

struct virtio_blk_stats {
	uint64_t reads, writes, flushes, discards, get_ids;
	uint64_t bytes_read, bytes_written;
	uint64_t errors;		/* requests answered IOERR or UNSUPP */
};

struct virtio_blk {
	int fd;
	bool read_only;
	bool discard;
	uint64_t sectors;
	char serial[VIRTIO_BLK_SERIAL_MAX];
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE];
	struct virtio_blk_stats stats;
	struct virtq_chain chain;	/* scratch for the I/O thread */
	struct iovec iov[VIRTQ_MAX_SEGMENTS];
};

extern const struct virtio_device_ops virtio_blk_ops;

int virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only,
    const char *serial);
uint64_t virtio_blk_features(const struct virtio_blk *blk);
void virtio_blk_close(struct virtio_blk *blk);
/* Snapshot hooks (struct vm_device_ops, docs/snapshot.md). */
int virtio_blk_save(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size);
int virtio_blk_restore(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size);

#endif
