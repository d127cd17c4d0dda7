/* libFuzzer target: the split virtqueue's descriptor walker over guest
 * memory whose bytes the input sets: the queue's size, ring addresses and
 * features come from a header, the rest of the input is guest RAM (rings,
 * descriptor tables, indirect tables). Every chain popped must lie inside
 * guest memory, readable before writable, with its totals right; copies
 * and iovecs over it must stay inside it. Guest memory is mapped once. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "../core/virtqueue.h"
#include "fuzz_ram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POPS_MAX	64
#define IOV_MAX_FUZZ	8

/* The input's header, little-endian: the rest of it is RAM from RAM_BASE. */
struct header {
	uint16_t size;
	uint16_t max_size;
	uint32_t desc;		/* offsets from RAM_BASE */
	uint32_t avail;
	uint32_t used;
	uint8_t features;	/* 1: EVENT_IDX, 2: INDIRECT_DESC */
	uint8_t actions;	/* per chain, two bits each: push, unpop, ... */
	uint16_t offset;	/* where copies and iovecs start in a chain */
	uint16_t length;
	uint16_t pad;
};

static struct virtq_chain chain, again;
static uint8_t flat[4096];

static bool
inside_ram(const void *host, uint64_t length)
{
	unsigned int i;

	for (i = 0; i < fuzz_ram.count; i++) {
		const char *start = fuzz_ram.regions[i].host;

		if ((const char *)host >= start && (const char *)host <=
		    start + RAM_SIZE && length <= (uint64_t)(start + RAM_SIZE -
		    (const char *)host))
			return true;
	}
	return false;
}

static void
check_chain(const struct virtq_chain *c)
{
	uint64_t readable = 0, writable = 0;
	bool seen_writable = false;
	unsigned int i;

	if (c->count > VIRTQ_MAX_SEGMENTS)
		__builtin_trap();
	for (i = 0; i < c->count; i++) {
		if (!inside_ram(c->segments[i].host, c->segments[i].len))
			__builtin_trap();
		if (!c->segments[i].writable && seen_writable)
			__builtin_trap();
		seen_writable |= c->segments[i].writable;
		if (c->segments[i].writable)
			writable += c->segments[i].len;
		else
			readable += c->segments[i].len;
	}
	if (readable != c->readable || writable != c->writable)
		__builtin_trap();
}

static uint64_t
expected_copy(uint64_t total, uint64_t offset, uint64_t length)
{
	if (offset >= total)
		return 0;
	return total - offset < length ? total - offset : length;
}

/* Copies and iovecs from offset: exactly what the chain holds there. */
static void
use_chain(const struct virtq_chain *c, const struct header *h)
{
	struct iovec iov[IOV_MAX_FUZZ];
	size_t length = h->length % sizeof(flat);
	uint64_t total;
	int n, i;

	if (virtq_chain_read(c, h->offset, flat, length) !=
	    expected_copy(c->readable, h->offset, length) ||
	    virtq_chain_write(c, h->offset, flat, length) !=
	    expected_copy(c->writable, h->offset, length))
		__builtin_trap();
	n = virtq_chain_iov(c, true, h->offset, length, iov, IOV_MAX_FUZZ);
	if ((n == -ERANGE) != (h->offset + length > c->writable &&
	    length > 0) && n != -ENOSPC)
		__builtin_trap();
	for (i = 0, total = 0; i < n; i++) {
		if (!inside_ram(iov[i].iov_base, iov[i].iov_len))
			__builtin_trap();
		total += iov[i].iov_len;
	}
	if (n >= 0 && total != length)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtqueue queue;
	struct header h;
	unsigned int pops, action;
	int rc;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	fuzz_ram_load(data + sizeof(h), size - sizeof(h));
	virtqueue_reset(&queue);
	queue.size = h.size;
	queue.desc_addr = RAM_BASE + h.desc;
	queue.avail_addr = RAM_BASE + h.avail;
	queue.used_addr = RAM_BASE + h.used;
	queue.event_idx = h.features & 1;
	queue.indirect = h.features & 2;
	if (virtqueue_activate(&queue, &fuzz_ram, h.max_size % (VIRTQ_MAX_SIZE + 1)) < 0) {
		if (queue.error == VIRTQ_OK || queue.active)
			__builtin_trap();
		return 0;
	}
	for (pops = 0; pops < POPS_MAX; pops++) {
		rc = virtqueue_pop(&queue, &chain);
		if (rc <= 0) {
			if ((rc < 0) != (queue.error != VIRTQ_OK))
				__builtin_trap();
			break;
		}
		check_chain(&chain);
		action = (h.actions >> (2 * (pops % 4))) & 3;
		if (action == 1) {
			/* given back unused: the same chain comes again */
			virtqueue_unpop(&queue);
			if (virtqueue_pop(&queue, &again) != 1 ||
			    again.head != chain.head || again.count != chain.count ||
			    again.readable != chain.readable ||
			    again.writable != chain.writable)
				__builtin_trap();
		}
		use_chain(&chain, &h);
		if (action != 2)
			virtqueue_push(&queue, chain.head, (uint32_t)chain.writable);
		virtqueue_should_signal(&queue);
	}
	return 0;
}
