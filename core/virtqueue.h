/* Split virtqueues (virtio 1.x, little-endian): ring placement checks, the
 * descriptor walker that validates every descriptor a guest hands over
 * before a device touches it, used-ring completion and VIRTIO_F_EVENT_IDX
 * interrupt suppression. Pure logic over a guest_memory: no ioctls. */
#ifndef VMMD_VIRTQUEUE_H
#define VMMD_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_memory.h"

struct iovec;
struct snapshot_cursor;
struct snapshot_writer;

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4

#define VIRTQ_MAX_SIZE		1024	/* the largest queue a device offers */
#define VIRTQ_MAX_SEGMENTS	256	/* descriptors in one chain, indirect included */
#define VIRTQ_MAX_INDIRECT	1024	/* entries in one indirect table */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];	/* then avail_event */
};

/* Why a queue is broken: the device marks itself NEEDS_RESET with this. */
enum virtq_error {
	VIRTQ_OK = 0,
	VIRTQ_ERR_RING_ADDRESS,		/* a ring outside guest memory or misaligned */
	VIRTQ_ERR_SIZE,			/* queue size 0, not a power of 2, too big */
	VIRTQ_ERR_AVAIL_IDX,		/* more buffers made available than the ring holds */
	VIRTQ_ERR_HEAD,			/* a head index past the table */
	VIRTQ_ERR_NEXT,			/* a next index past the table */
	VIRTQ_ERR_ADDRESS,		/* a buffer outside guest memory */
	VIRTQ_ERR_CHAIN_LENGTH,		/* a loop, or more descriptors than allowed */
	VIRTQ_ERR_DIRECTION,		/* a device-readable after a device-writable buffer */
	VIRTQ_ERR_INDIRECT,		/* a bad indirect table, or one nested/chained */
	VIRTQ_ERR_COUNT,
};

struct virtqueue {
	/* As the driver set them through the transport. */
	uint16_t size;
	uint64_t desc_addr;
	uint64_t avail_addr;
	uint64_t used_addr;
	bool event_idx;			/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;			/* VIRTIO_F_INDIRECT_DESC negotiated */
	/* Set by virtqueue_activate. */
	bool active;
	const struct guest_memory *memory;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t last_avail;		/* the next available entry to take */
	uint16_t used_idx;		/* the next used entry to fill */
	uint16_t signalled_used;	/* used_idx when the driver was last interrupted */
	bool signalled_valid;
	enum virtq_error error;		/* the first fault found, sticky */
};

struct virtq_segment {
	void *host;
	uint32_t len;
	bool writable;
};

/* One validated chain: its head (for virtqueue_push), its buffers in order,
 * device-readable ones first, and their byte totals. */
struct virtq_chain {
	uint16_t head;
	unsigned int count;
	uint64_t readable;
	uint64_t writable;
	struct virtq_segment segments[VIRTQ_MAX_SEGMENTS];
};

void virtqueue_reset(struct virtqueue *queue);
int virtqueue_activate(struct virtqueue *queue,
    const struct guest_memory *memory, uint16_t max_size);
int virtqueue_pop(struct virtqueue *queue, struct virtq_chain *chain);
void virtqueue_unpop(struct virtqueue *queue);
void virtqueue_push(struct virtqueue *queue, uint16_t head, uint32_t written);
bool virtqueue_should_signal(struct virtqueue *queue);
const char *virtq_error_name(enum virtq_error error);
/* A queue for a snapshot: placement, ready, indices; and back, a ready
 * queue activated again over memory (its size a power of two up to
 * max_size, its rings inside guest RAM) with the saved indices. */
void virtqueue_save(const struct virtqueue *queue,
    struct snapshot_writer *writer);
int virtqueue_restore(struct virtqueue *queue, struct snapshot_cursor *cursor,
    const struct guest_memory *memory, uint16_t max_size, char *why,
    size_t why_size);

/* Copies between a chain's buffers and flat memory, from a byte offset
 * into its readable (or writable) part; return the bytes copied. */
size_t virtq_chain_read(const struct virtq_chain *chain, uint64_t offset,
    void *out, size_t length);
size_t virtq_chain_write(const struct virtq_chain *chain, uint64_t offset,
    const void *in, size_t length);
/* The iovecs covering length bytes of a chain's readable (or writable)
 * part from offset; returns how many, or -ENOSPC when more than max or
 * -ERANGE when the chain is shorter. */
int virtq_chain_iov(const struct virtq_chain *chain, bool writable,
    uint64_t offset, uint64_t length, struct iovec *iov, unsigned int max);

#endif
