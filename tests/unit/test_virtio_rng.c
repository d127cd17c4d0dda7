/* virtio-rng through a real queue: writable buffers filled, readable
 * ones left alone, a broken chain marks the device NEEDS_RESET. */
#include <string.h>

#include "../../core/guest_memory.h"
#include "../../core/virtio_rng.h"
#include "suites.h"

#define BASE	0x80000000ull
#define SIZE	(1ull << 20)
#define QSIZE	8

static struct guest_memory memory;
static struct virtio_transport mmio;
static struct virtio_rng rng;
static struct virtq_desc *desc;
static struct virtq_avail *avail;
static struct virtq_used *used;

static void
setup(void)
{
	struct virtqueue *queue = &mmio.queues[0];

	memset(&memory, 0, sizeof(memory));
	memset(&rng, 0, sizeof(rng));
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
	ck_assert_int_eq(virtio_transport_init(&mmio, "rng0", &virtio_rng_ops, &rng,
	    0, NULL, 0, &memory), 0);
	desc = guest_memory_ptr(&memory, BASE + 0x1000, 16 * QSIZE);
	avail = guest_memory_ptr(&memory, BASE + 0x2000, 6 + 2 * QSIZE);
	used = guest_memory_ptr(&memory, BASE + 0x3000, 6 + 8 * QSIZE);
	queue->size = QSIZE;
	queue->desc_addr = BASE + 0x1000;
	queue->avail_addr = BASE + 0x2000;
	queue->used_addr = BASE + 0x3000;
	ck_assert_int_eq(virtqueue_activate(queue, &memory, 64), 0);
}

static void
teardown(void)
{
	virtio_transport_destroy(&mmio);
	guest_memory_release(&memory);
}

START_TEST(test_fills_writable)
{
	uint8_t *readable = guest_memory_ptr(&memory, BASE + 0x4000, 32);
	uint8_t *writable = guest_memory_ptr(&memory, BASE + 0x5000, 4096);
	unsigned int i, nonzero = 0;

	memset(readable, 0x5a, 32);
	desc[0] = (struct virtq_desc){ BASE + 0x4000, 32, VIRTQ_DESC_F_NEXT, 1 };
	desc[1] = (struct virtq_desc){ BASE + 0x5000, 4096, VIRTQ_DESC_F_WRITE, 0 };
	avail->ring[0] = 0;
	avail->idx = 1;
	virtio_rng_ops.queue_notify(&rng, &mmio, 0);
	ck_assert_uint_eq(used->idx, 1);
	ck_assert_uint_eq(used->ring[0].len, 4096);
	ck_assert_uint_eq(rng.bytes, 4096);
	for (i = 0; i < 4096; i++)
		nonzero += writable[i] != 0;
	ck_assert_uint_gt(nonzero, 3500);	/* random, not left at zero */
	for (i = 0; i < 32; i++)
		ck_assert_uint_eq(readable[i], 0x5a);
	ck_assert_uint_eq(mmio.stats.interrupts, 1);
}
END_TEST

START_TEST(test_broken_chain_needs_reset)
{
	desc[0] = (struct virtq_desc){ 0x0f000000, 64, VIRTQ_DESC_F_WRITE, 0 };
	avail->ring[0] = 0;
	avail->idx = 1;
	virtio_rng_ops.queue_notify(&rng, &mmio, 0);
	ck_assert_uint_eq(used->idx, 0);
	ck_assert_uint_eq(rng.bytes, 0);
	ck_assert_uint_ne(mmio.status & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_eq(mmio.interrupt_status, VIRTIO_INT_CONFIG);
	ck_assert_ptr_nonnull(strstr(mmio.fault, "outside guest memory"));
}
END_TEST

static Suite *
virtio_rng_suite(void)
{
	Suite *suite = suite_create("virtio_rng");
	TCase *tc = tcase_create("requests");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fills_writable);
	tcase_add_test(tc, test_broken_chain_needs_reset);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(virtio_rng_suite)
