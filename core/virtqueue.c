/* The split virtqueue: every descriptor is copied out of guest memory once
 * and checked before a device sees it, so a guest that rewrites its ring
 * while the device walks it gains nothing. The first fault found sticks:
 * the transport then marks the device NEEDS_RESET and stops using the
 * queue until the driver resets it. */
#include "virtqueue.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

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
