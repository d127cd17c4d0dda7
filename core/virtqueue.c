/* The split virtqueue: every descriptor is copied out of guest memory once
 * and checked before a device sees it, so a guest that rewrites its ring
 * while the device walks it gains nothing. The first fault found sticks:
 * the transport then marks the device NEEDS_RESET and stops using the
 * queue until the driver resets it. */
#include "virtqueue.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "snapshot_blob.h"

#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

static const char *const error_names[VIRTQ_ERR_COUNT] = {
	[VIRTQ_OK] = "no error",
	[VIRTQ_ERR_RING_ADDRESS] = "a ring outside guest memory or misaligned",
	[VIRTQ_ERR_SIZE] = "a queue size that is 0, not a power of 2 or too big",
	[VIRTQ_ERR_AVAIL_IDX] = "more buffers made available than the ring holds",
	[VIRTQ_ERR_HEAD] = "a chain head past the descriptor table",
	[VIRTQ_ERR_NEXT] = "a next index past the descriptor table",
	[VIRTQ_ERR_ADDRESS] = "a buffer outside guest memory",
	[VIRTQ_ERR_CHAIN_LENGTH] = "a descriptor loop or an over-long chain",
	[VIRTQ_ERR_DIRECTION] = "a device-readable buffer after a device-writable one",
	[VIRTQ_ERR_INDIRECT] = "a bad, nested or chained indirect table",
};

const char *
virtq_error_name(enum virtq_error error)
{
	if ((unsigned int)error >= VIRTQ_ERR_COUNT)
		return "unknown";
	return error_names[error];
}

void
virtqueue_reset(struct virtqueue *queue)
{
	memset(queue, 0, sizeof(*queue));
}

static int
virtqueue_fail(struct virtqueue *queue, enum virtq_error error)
{
	if (queue->error == VIRTQ_OK)
		queue->error = error;
	return -EIO;
}

/* Checks the driver's ring placement and maps the three rings. */
int
virtqueue_activate(struct virtqueue *queue, const struct guest_memory *memory,
    uint16_t max_size)
{
	uint64_t size = queue->size;

	queue->active = false;
	if (size == 0 || size > max_size || (size & (size - 1)) != 0)
		return virtqueue_fail(queue, VIRTQ_ERR_SIZE);
	if (queue->desc_addr % 16 != 0 || queue->avail_addr % 2 != 0 ||
	    queue->used_addr % 4 != 0)
		return virtqueue_fail(queue, VIRTQ_ERR_RING_ADDRESS);
	queue->desc = guest_memory_ptr(memory, queue->desc_addr,
	    size * sizeof(struct virtq_desc));
	queue->avail = guest_memory_ptr(memory, queue->avail_addr,
	    6 + 2 * size);
	queue->used = guest_memory_ptr(memory, queue->used_addr,
	    6 + sizeof(struct virtq_used_elem) * size);
	if (queue->desc == NULL || queue->avail == NULL || queue->used == NULL)
		return virtqueue_fail(queue, VIRTQ_ERR_RING_ADDRESS);
	queue->memory = memory;
	queue->last_avail = 0;
	queue->used_idx = 0;
	queue->signalled_valid = false;
	queue->active = true;
	return 0;
}

static int
chain_add(struct virtqueue *queue, struct virtq_chain *chain,
    const struct virtq_desc *desc, bool *seen_writable)
{
	struct virtq_segment *segment;
	bool writable = (desc->flags & VIRTQ_DESC_F_WRITE) != 0;
	void *host;

	if (chain->count == VIRTQ_MAX_SEGMENTS)
		return virtqueue_fail(queue, VIRTQ_ERR_CHAIN_LENGTH);
	host = guest_memory_ptr(queue->memory, desc->addr, desc->len);
	if (host == NULL)
		return virtqueue_fail(queue, VIRTQ_ERR_ADDRESS);
	if (!writable && *seen_writable)
		return virtqueue_fail(queue, VIRTQ_ERR_DIRECTION);
	*seen_writable |= writable;
	segment = &chain->segments[chain->count++];
	segment->host = host;
	segment->len = desc->len;
	segment->writable = writable;
	if (writable)
		chain->writable += desc->len;
	else
		chain->readable += desc->len;
	return 0;
}

/* The indirect descriptor becomes the table the rest of the chain walks.
 * Once in one, another is nesting, even when its table is the ring's own
 * descriptor table: by address, that would send the walk round for ever. */
static int
enter_indirect(struct virtqueue *queue, const struct virtq_desc *desc,
    const struct virtq_desc **table, unsigned int *table_size, bool *nested)
{
	if (!queue->indirect || *nested ||
	    (desc->flags & VIRTQ_DESC_F_NEXT) != 0 || desc->len == 0 ||
	    desc->len % sizeof(struct virtq_desc) != 0 ||
	    desc->len / sizeof(struct virtq_desc) > VIRTQ_MAX_INDIRECT)
		return virtqueue_fail(queue, VIRTQ_ERR_INDIRECT);
	*table = guest_memory_ptr(queue->memory, desc->addr, desc->len);
	if (*table == NULL)
		return virtqueue_fail(queue, VIRTQ_ERR_ADDRESS);
	*table_size = desc->len / sizeof(struct virtq_desc);
	*nested = true;
	return 0;
}

/* A chain visits each descriptor of a table at most once: more visits than
 * the table has entries is a loop. */
static int
virtqueue_walk(struct virtqueue *queue, uint16_t head, struct virtq_chain *chain)
{
	const struct virtq_desc *table = queue->desc;
	unsigned int table_size = queue->size, visited = 0, index = head;
	bool seen_writable = false, nested = false;
	struct virtq_desc desc;

	chain->head = head;
	chain->count = 0;
	chain->readable = 0;
	chain->writable = 0;
	if (head >= queue->size)
		return virtqueue_fail(queue, VIRTQ_ERR_HEAD);
	for (;;) {
		memcpy(&desc, (const void *)&table[index], sizeof(desc));
		if (desc.flags & VIRTQ_DESC_F_INDIRECT) {
			if (enter_indirect(queue, &desc, &table, &table_size,
			    &nested) < 0)
				return -EIO;
			index = 0;
			visited = 0;
			continue;
		}
		if (++visited > table_size)
			return virtqueue_fail(queue, VIRTQ_ERR_CHAIN_LENGTH);
		if (chain_add(queue, chain, &desc, &seen_writable) < 0)
			return -EIO;
		if ((desc.flags & VIRTQ_DESC_F_NEXT) == 0)
			return 0;
		if (desc.next >= table_size)
			return virtqueue_fail(queue, VIRTQ_ERR_NEXT);
		index = desc.next;
	}
}

static uint16_t *
avail_event(struct virtqueue *queue)
{
	return (uint16_t *)&queue->used->ring[queue->size];
}

/* Returns 1 with a validated chain, 0 when the driver has made nothing
 * more available, or -EIO once the queue is broken (queue->error says why). */
int
virtqueue_pop(struct virtqueue *queue, struct virtq_chain *chain)
{
	uint16_t avail_idx, pending, head;

	if (!queue->active || queue->error != VIRTQ_OK)
		return -EIO;
	avail_idx = __atomic_load_n(&queue->avail->idx, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - queue->last_avail);
	if (pending > queue->size)
		return virtqueue_fail(queue, VIRTQ_ERR_AVAIL_IDX);
	if (pending == 0 && queue->event_idx) {
		/* Ask for a notification at the next buffer, then look again:
		 * the driver may have added one before it saw the request. */
		__atomic_store_n(avail_event(queue), queue->last_avail,
		    __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = __atomic_load_n(&queue->avail->idx, __ATOMIC_ACQUIRE);
		pending = (uint16_t)(avail_idx - queue->last_avail);
		if (pending > queue->size)
			return virtqueue_fail(queue, VIRTQ_ERR_AVAIL_IDX);
	}
	if (pending == 0)
		return 0;
	head = __atomic_load_n(&queue->avail->ring[queue->last_avail %
	    queue->size], __ATOMIC_RELAXED);
	if (virtqueue_walk(queue, head, chain) < 0)
		return -EIO;
	queue->last_avail++;
	return 1;
}

/* Gives back the chain just popped, unused (a device with no data for it
 * yet): the next pop walks it again from the ring. */
void
virtqueue_unpop(struct virtqueue *queue)
{
	queue->last_avail--;
}

/* The element first, then the index the driver reads: release order. */
void
virtqueue_push(struct virtqueue *queue, uint16_t head, uint32_t written)
{
	struct virtq_used_elem *elem;

	if (!queue->active)
		return;
	elem = &queue->used->ring[queue->used_idx % queue->size];
	elem->id = head;
	elem->len = written;
	queue->used_idx++;
	__atomic_store_n(&queue->used->idx, queue->used_idx, __ATOMIC_RELEASE);
}

/* Whether the driver wants an interrupt for what was pushed since the last
 * look: never for nothing (a notify storm on an empty ring raises no
 * interrupt storm); with EVENT_IDX, only when used_idx has passed its
 * used_event. */
bool
virtqueue_should_signal(struct virtqueue *queue)
{
	uint16_t old = queue->signalled_used, now = queue->used_idx, event;
	bool valid = queue->signalled_valid;

	if (!queue->active || (valid ? now == old : now == 0))
		return false;
	queue->signalled_used = now;
	queue->signalled_valid = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!queue->event_idx)
		return (__atomic_load_n(&queue->avail->flags, __ATOMIC_RELAXED) &
		    VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
	if (!valid)
		return true;
	event = __atomic_load_n(&queue->avail->ring[queue->size],
	    __ATOMIC_RELAXED);
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

static size_t
chain_copy(const struct virtq_chain *chain, bool writable, uint64_t offset,
    void *flat, size_t length, bool to_chain)
{
	const struct virtq_segment *segment;
	size_t done = 0, take;
	unsigned int i;

	for (i = 0; i < chain->count && done < length; i++) {
		segment = &chain->segments[i];
		if (segment->writable != writable)
			continue;
		if (offset >= segment->len) {
			offset -= segment->len;
			continue;
		}
		take = segment->len - offset;
		if (take > length - done)
			take = length - done;
		if (to_chain)
			memcpy((char *)segment->host + offset,
			    (const char *)flat + done, take);
		else
			memcpy((char *)flat + done,
			    (const char *)segment->host + offset, take);
		done += take;
		offset = 0;
	}
	return done;
}

size_t
virtq_chain_read(const struct virtq_chain *chain, uint64_t offset, void *out,
    size_t length)
{
	return chain_copy(chain, false, offset, out, length, false);
}

size_t
virtq_chain_write(const struct virtq_chain *chain, uint64_t offset,
    const void *in, size_t length)
{
	return chain_copy(chain, true, offset, (void *)in, length, true);
}

int
virtq_chain_iov(const struct virtq_chain *chain, bool writable,
    uint64_t offset, uint64_t length, struct iovec *iov, unsigned int max)
{
	const struct virtq_segment *segment;
	unsigned int i, count = 0;
	uint64_t take;

	for (i = 0; i < chain->count && length > 0; i++) {
		segment = &chain->segments[i];
		if (segment->writable != writable)
			continue;
		if (offset >= segment->len) {
			offset -= segment->len;
			continue;
		}
		if (count == max)
			return -ENOSPC;
		take = segment->len - offset;
		if (take > length)
			take = length;
		iov[count].iov_base = (char *)segment->host + offset;
		iov[count].iov_len = take;
		count++;
		length -= take;
		offset = 0;
	}
	return length > 0 ? -ERANGE : (int)count;
}

#define QUEUE_SAVED_READY	1u
#define QUEUE_SAVED_EVENT_IDX	2u
#define QUEUE_SAVED_INDIRECT	4u
#define QUEUE_SAVED_SIGNALLED	8u

/* u16 size, u8 flags, u8 error, u64 desc, avail and used addresses, u16
 * last avail, used and signalled used indices. */
void
virtqueue_save(const struct virtqueue *queue, struct snapshot_writer *writer)
{
	snapshot_put_u16(writer, queue->size);
	snapshot_put_u8(writer, (uint8_t)((queue->active ? QUEUE_SAVED_READY : 0) |
	    (queue->event_idx ? QUEUE_SAVED_EVENT_IDX : 0) |
	    (queue->indirect ? QUEUE_SAVED_INDIRECT : 0) |
	    (queue->signalled_valid ? QUEUE_SAVED_SIGNALLED : 0)));
	snapshot_put_u8(writer, (uint8_t)queue->error);
	snapshot_put_u64(writer, queue->desc_addr);
	snapshot_put_u64(writer, queue->avail_addr);
	snapshot_put_u64(writer, queue->used_addr);
	snapshot_put_u16(writer, queue->last_avail);
	snapshot_put_u16(writer, queue->used_idx);
	snapshot_put_u16(writer, queue->signalled_used);
}

static int
queue_refuse(char *why, size_t why_size, const char *what)
{
	snprintf(why, why_size, "%s", what);
	return -EINVAL;
}

/* A ready queue is activated as the guest's enable did, then given the
 * indices: no buffer is in flight at a save, so at most a ring's worth
 * lies between the used and the next available index. */
static int
queue_make_ready(struct virtqueue *queue, const struct guest_memory *memory,
    uint16_t max_size, char *why, size_t why_size)
{
	uint16_t last_avail = queue->last_avail, used_idx = queue->used_idx;

	if (queue->size == 0 || queue->size > max_size ||
	    (queue->size & (queue->size - 1)) != 0) {
		snprintf(why, why_size, "a ready queue of size %u (a power of two "
		    "up to %u)", queue->size, max_size);
		return -EINVAL;
	}
	if (virtqueue_activate(queue, memory, max_size) < 0)
		return queue_refuse(why, why_size, "a ready queue's rings "
		    "outside guest RAM or misaligned");
	if ((uint16_t)(last_avail - used_idx) > queue->size)
		return queue_refuse(why, why_size, "more buffers in use than "
		    "its ring holds");
	queue->last_avail = last_avail;
	queue->used_idx = used_idx;
	return 0;
}

int
virtqueue_restore(struct virtqueue *queue, struct snapshot_cursor *cursor,
    const struct guest_memory *memory, uint16_t max_size, char *why,
    size_t why_size)
{
	uint8_t flags, error;

	virtqueue_reset(queue);
	queue->size = snapshot_get_u16(cursor);
	flags = snapshot_get_u8(cursor);
	error = snapshot_get_u8(cursor);
	queue->desc_addr = snapshot_get_u64(cursor);
	queue->avail_addr = snapshot_get_u64(cursor);
	queue->used_addr = snapshot_get_u64(cursor);
	queue->last_avail = snapshot_get_u16(cursor);
	queue->used_idx = snapshot_get_u16(cursor);
	queue->signalled_used = snapshot_get_u16(cursor);
	if (cursor->short_read)
		return queue_refuse(why, why_size, "truncated");
	if (flags & ~0xfu || error >= VIRTQ_ERR_COUNT)
		return queue_refuse(why, why_size, "unknown flags or error");
	queue->event_idx = flags & QUEUE_SAVED_EVENT_IDX;
	queue->indirect = flags & QUEUE_SAVED_INDIRECT;
	if ((flags & QUEUE_SAVED_READY) &&
	    queue_make_ready(queue, memory, max_size, why, why_size) < 0) {
		virtqueue_reset(queue);
		return -EINVAL;
	}
	queue->signalled_valid = flags & QUEUE_SAVED_SIGNALLED;
	queue->error = (enum virtq_error)error;
	return 0;
}
