/* virtio-console through real queues: transmit buffers reach the sink,
 * gathered into one write per chunk and capped per chain; input fills
 * receive buffers and what finds none is dropped. */
#include <string.h>

#include "../../core/guest_memory.h"
#include "../../core/virtio_console.h"
#include "suites.h"

#define BASE	0x80000000ull
#define SIZE	(1ull << 20)
#define QSIZE	8

static struct guest_memory memory;
static struct virtio_transport mmio;
static struct virtio_console console;
static char sunk[256];		/* the first bytes the sink got */
static size_t sunk_length;	/* all the bytes it got */
static unsigned int sink_calls;

static void
sink(void *context, const uint8_t *data, size_t length)
{
	(void)context;
	if (sunk_length < sizeof(sunk))
		memcpy(sunk + sunk_length, data, length < sizeof(sunk) -
		    sunk_length ? length : sizeof(sunk) - sunk_length);
	sunk_length += length;
	sink_calls++;
}

/* Queue q's rings at BASE + q * 0x10000. */
static void
queue_setup(unsigned int q)
{
	struct virtqueue *queue = &mmio.queues[q];
	uint64_t base = BASE + q * 0x10000;

	queue->size = QSIZE;
	queue->desc_addr = base + 0x1000;
	queue->avail_addr = base + 0x2000;
	queue->used_addr = base + 0x3000;
	ck_assert_int_eq(virtqueue_activate(queue, &memory, 64), 0);
}

static void
setup(void)
{
	memset(&memory, 0, sizeof(memory));
	sunk_length = 0;
	sink_calls = 0;
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
	virtio_console_init(&console, sink, NULL);
	ck_assert_int_eq(virtio_transport_init(&mmio, "console0", &virtio_console_ops,
	    &console, 0, console.config, sizeof(console.config), &memory), 0);
	queue_setup(0);
	queue_setup(1);
	mmio.status = 0xf;	/* DRIVER_OK */
}

static void
teardown(void)
{
	virtio_transport_destroy(&mmio);
	guest_memory_release(&memory);
}

static void
offer(unsigned int q, uint64_t addr, uint32_t len, uint16_t flags)
{
	uint64_t base = BASE + q * 0x10000;
	struct virtq_desc *desc = guest_memory_ptr(&memory, base + 0x1000, 16 * QSIZE);
	struct virtq_avail *avail = guest_memory_ptr(&memory, base + 0x2000, 22);
	uint16_t slot = avail->idx % QSIZE;

	desc[slot] = (struct virtq_desc){ addr, len, flags, 0 };
	avail->ring[slot] = slot;
	avail->idx++;
}

START_TEST(test_transmit)
{
	char *text = guest_memory_ptr(&memory, BASE + 0x50000, 16);

	memcpy(text, "hello hvc0\n", 11);
	offer(1, BASE + 0x50000, 11, 0);
	virtio_console_ops.queue_notify(&console, &mmio, 1);
	ck_assert_uint_eq(sunk_length, 11);
	ck_assert_int_eq(memcmp(sunk, "hello hvc0\n", 11), 0);
	ck_assert_uint_eq(console.bytes_out, 11);
}
END_TEST

/* A chain of count readable segments of len bytes each, from addr on
 * (step 0: all over the same bytes), in descriptors first on. */
static void
offer_chain(uint16_t first, unsigned int count, uint64_t addr, uint32_t len,
    uint32_t step)
{
	struct virtq_desc *desc = guest_memory_ptr(&memory, BASE + 0x11000,
	    16 * QSIZE);
	struct virtq_avail *avail = guest_memory_ptr(&memory, BASE + 0x12000, 22);
	unsigned int i;

	for (i = 0; i < count; i++)
		desc[first + i] = (struct virtq_desc){ addr + i * step, len,
		    i + 1 < count ? VIRTQ_DESC_F_NEXT : 0,
		    (uint16_t)(first + i + 1) };
	avail->ring[avail->idx % QSIZE] = first;
	avail->idx++;
}

/* Chains of one-byte segments: every byte out, in order, in one write
 * (each segment was one write, so one write() per byte, before). */
START_TEST(test_tiny_segments_one_write)
{
	char *text = guest_memory_ptr(&memory, BASE + 0x50000, 16);

	memcpy(text, "abcdefgh", 8);
	offer_chain(0, 5, BASE + 0x50000, 1, 1);
	offer_chain(5, 3, BASE + 0x50005, 1, 1);
	virtio_console_ops.queue_notify(&console, &mmio, 1);
	ck_assert_uint_eq(sunk_length, 8);
	ck_assert_int_eq(memcmp(sunk, "abcdefgh", 8), 0);
	ck_assert_uint_eq(sink_calls, 1);
	ck_assert_uint_eq(mmio.stats.chains, 2);
}
END_TEST

/* Segments over the same guest bytes: a chain writes out at most
 * VIRTIO_CONSOLE_CHAIN_MAX, in chunks of VIRTIO_CONSOLE_BATCH, and counts
 * the rest as dropped. */
START_TEST(test_chain_capped)
{
	const uint32_t len = 48u << 10;

	memset(guest_memory_ptr(&memory, BASE + 0x50000, len), 'x', len);
	offer_chain(0, QSIZE, BASE + 0x50000, len, 0);
	virtio_console_ops.queue_notify(&console, &mmio, 1);
	ck_assert_uint_eq(sunk_length, VIRTIO_CONSOLE_CHAIN_MAX);
	ck_assert_uint_eq(sink_calls,
	    VIRTIO_CONSOLE_CHAIN_MAX / VIRTIO_CONSOLE_BATCH);
	ck_assert_uint_eq(console.bytes_out, VIRTIO_CONSOLE_CHAIN_MAX);
	ck_assert_uint_eq(console.bytes_dropped,
	    (uint64_t)QSIZE * len - VIRTIO_CONSOLE_CHAIN_MAX);
}
END_TEST

START_TEST(test_receive)
{
	char *buffer = guest_memory_ptr(&memory, BASE + 0x60000, 4);
	struct virtq_used *used = guest_memory_ptr(&memory, BASE + 0x3000, 22);

	ck_assert_uint_eq(virtio_console_receive(&console, &mmio,
	    (const uint8_t *)"early", 5), 0);	/* no buffer yet: dropped */
	offer(0, BASE + 0x60000, 4, VIRTQ_DESC_F_WRITE);
	ck_assert_uint_eq(virtio_console_receive(&console, &mmio,
	    (const uint8_t *)"abcdef", 6), 4);
	ck_assert_int_eq(memcmp(buffer, "abcd", 4), 0);
	ck_assert_uint_eq(used->idx, 1);
	ck_assert_uint_eq(used->ring[0].len, 4);
	ck_assert_uint_eq(console.bytes_in, 4);
	mmio.status |= VIRTIO_STATUS_NEEDS_RESET;
	offer(0, BASE + 0x60000, 4, VIRTQ_DESC_F_WRITE);
	ck_assert_uint_eq(virtio_console_receive(&console, &mmio,
	    (const uint8_t *)"x", 1), 0);	/* a broken device takes nothing */
}
END_TEST

static Suite *
virtio_console_suite(void)
{
	Suite *suite = suite_create("virtio_console");
	TCase *tc = tcase_create("queues");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_transmit);
	tcase_add_test(tc, test_receive);
	tcase_add_test(tc, test_tiny_segments_one_write);
	tcase_add_test(tc, test_chain_capped);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(virtio_console_suite)
