/* The split virtqueue against hand-built rings in a real guest_memory:
 * good chains, and every kind of broken one a guest can hand over. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "../../core/guest_memory.h"
#include "../../core/virtqueue.h"
#include "suites.h"

#define BASE		0x80000000ull
#define SIZE		(1ull << 20)
#define QSIZE		8
#define DESC		(BASE + 0x1000)
#define AVAIL		(BASE + 0x2000)
#define USED		(BASE + 0x3000)
#define BUF		(BASE + 0x10000)
#define INDIRECT	(BASE + 0x20000)

static struct guest_memory memory;
static struct virtqueue queue;
static struct virtq_chain chain;
static struct virtq_desc *desc;
static struct virtq_avail *avail;
static struct virtq_used *used;

static void
setup(void)
{
	memset(&memory, 0, sizeof(memory));
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
	desc = guest_memory_ptr(&memory, DESC, 16 * QSIZE);
	avail = guest_memory_ptr(&memory, AVAIL, 6 + 2 * QSIZE);
	used = guest_memory_ptr(&memory, USED, 6 + 8 * QSIZE);
	virtqueue_reset(&queue);
	queue.size = QSIZE;
	queue.desc_addr = DESC;
	queue.avail_addr = AVAIL;
	queue.used_addr = USED;
	queue.indirect = true;
	ck_assert_int_eq(virtqueue_activate(&queue, &memory, 256), 0);
}

static void
teardown(void)
{
	guest_memory_release(&memory);
}

static void
set_desc(struct virtq_desc *table, unsigned int i, uint64_t addr,
    uint32_t len, uint16_t flags, uint16_t next)
{
	table[i] = (struct virtq_desc){ addr, len, flags, next };
}

/* Makes head available as the next entry. */
static void
offer(uint16_t head)
{
	avail->ring[avail->idx % QSIZE] = head;
	avail->idx++;
}

static void
assert_broken(enum virtq_error error)
{
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), -EIO);
	ck_assert_str_eq(virtq_error_name(queue.error), virtq_error_name(error));
}

START_TEST(test_activate_checks)
{
	struct virtqueue bad;

	bad = queue;
	bad.size = 6;
	ck_assert_int_eq(virtqueue_activate(&bad, &memory, 256), -EIO);
	ck_assert_int_eq(bad.error, VIRTQ_ERR_SIZE);
	bad = queue;
	bad.error = VIRTQ_OK;
	bad.size = 512;
	ck_assert_int_eq(virtqueue_activate(&bad, &memory, 256), -EIO);
	bad = queue;
	bad.error = VIRTQ_OK;
	bad.desc_addr = DESC + 8;	/* not 16-byte aligned */
	ck_assert_int_eq(virtqueue_activate(&bad, &memory, 256), -EIO);
	ck_assert_int_eq(bad.error, VIRTQ_ERR_RING_ADDRESS);
	bad = queue;
	bad.error = VIRTQ_OK;
	bad.used_addr = BASE + SIZE - 16;	/* runs off the end */
	ck_assert_int_eq(virtqueue_activate(&bad, &memory, 256), -EIO);
	ck_assert_int_eq(bad.error, VIRTQ_ERR_RING_ADDRESS);
	bad = queue;
	bad.error = VIRTQ_OK;
	bad.avail_addr = 0x0f000000;
	ck_assert_int_eq(virtqueue_activate(&bad, &memory, 256), -EIO);
	ck_assert(!bad.active);
}
END_TEST

START_TEST(test_good_chain)
{
	uint8_t *buf = guest_memory_ptr(&memory, BUF, 4096);
	uint8_t header[20], back[4];
	struct iovec iov[4];

	memset(buf, 0xab, 16);
	set_desc(desc, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	set_desc(desc, 5, BUF + 100, 4, VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc, 1, BUF + 200, 100, VIRTQ_DESC_F_WRITE, 0);
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 0);
	offer(3);
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 1);
	ck_assert_uint_eq(chain.head, 3);
	ck_assert_uint_eq(chain.count, 3);
	ck_assert_uint_eq(chain.readable, 20);
	ck_assert_uint_eq(chain.writable, 100);
	ck_assert_ptr_eq(chain.segments[0].host, buf);
	ck_assert(chain.segments[2].writable);
	/* reads across the two readable buffers; writes into the third */
	buf[100] = 0x11;
	ck_assert_uint_eq(virtq_chain_read(&chain, 0, header, 20), 20);
	ck_assert_uint_eq(header[15], 0xab);
	ck_assert_uint_eq(header[16], 0x11);
	ck_assert_uint_eq(virtq_chain_write(&chain, 98, "xyz", 3), 2);
	ck_assert_uint_eq(buf[299], 'y');
	ck_assert_uint_eq(virtq_chain_read(&chain, 18, back, 4), 2);
	ck_assert_int_eq(virtq_chain_iov(&chain, false, 10, 10, iov, 4), 2);
	ck_assert_uint_eq(iov[0].iov_len, 6);
	ck_assert_uint_eq(iov[1].iov_len, 4);
	ck_assert_int_eq(virtq_chain_iov(&chain, false, 10, 11, iov, 4), -ERANGE);
	ck_assert_int_eq(virtq_chain_iov(&chain, false, 0, 20, iov, 1), -ENOSPC);
	virtqueue_push(&queue, chain.head, 100);
	ck_assert_uint_eq(used->idx, 1);
	ck_assert_uint_eq(used->ring[0].id, 3);
	ck_assert_uint_eq(used->ring[0].len, 100);
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 0);
}
END_TEST

START_TEST(test_buffer_outside_memory)
{
	set_desc(desc, 0, 0x0f000000, 16, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_ADDRESS);
	/* sticky: a good chain after it is not served */
	set_desc(desc, 1, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
	offer(1);
	assert_broken(VIRTQ_ERR_ADDRESS);
}
END_TEST

START_TEST(test_buffer_across_the_end)
{
	set_desc(desc, 0, BASE + SIZE - 8, 16, 0, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_ADDRESS);
}
END_TEST

START_TEST(test_address_wraps)
{
	set_desc(desc, 0, UINT64_MAX - 4, 16, 0, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_ADDRESS);
}
END_TEST

START_TEST(test_absurd_length)
{
	set_desc(desc, 0, BUF, UINT32_MAX, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_ADDRESS);
}
END_TEST

START_TEST(test_loop)
{
	set_desc(desc, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	set_desc(desc, 2, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_CHAIN_LENGTH);
}
END_TEST

START_TEST(test_self_loop)
{
	set_desc(desc, 4, BUF, 16, VIRTQ_DESC_F_NEXT, 4);
	offer(4);
	assert_broken(VIRTQ_ERR_CHAIN_LENGTH);
}
END_TEST

START_TEST(test_next_out_of_table)
{
	set_desc(desc, 0, BUF, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	offer(0);
	assert_broken(VIRTQ_ERR_NEXT);
}
END_TEST

START_TEST(test_head_out_of_table)
{
	offer(QSIZE + 3);
	assert_broken(VIRTQ_ERR_HEAD);
}
END_TEST

START_TEST(test_avail_idx_jump)
{
	set_desc(desc, 0, BUF, 16, 0, 0);
	avail->idx = QSIZE + 1;
	assert_broken(VIRTQ_ERR_AVAIL_IDX);
}
END_TEST

START_TEST(test_readable_after_writable)
{
	set_desc(desc, 0, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc, 1, BUF, 16, 0, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_DIRECTION);
}
END_TEST

START_TEST(test_indirect_good)
{
	struct virtq_desc *table = guest_memory_ptr(&memory, INDIRECT, 48);

	set_desc(table, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	set_desc(table, 2, BUF + 16, 32, VIRTQ_DESC_F_NEXT, 1);
	set_desc(table, 1, BUF + 64, 1, VIRTQ_DESC_F_WRITE, 0);
	set_desc(desc, 6, INDIRECT, 48, VIRTQ_DESC_F_INDIRECT, 0);
	offer(6);
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 1);
	ck_assert_uint_eq(chain.head, 6);
	ck_assert_uint_eq(chain.count, 3);
	ck_assert_uint_eq(chain.readable, 48);
	ck_assert_uint_eq(chain.writable, 1);
}
END_TEST

START_TEST(test_indirect_not_negotiated)
{
	queue.indirect = false;
	set_desc(desc, 0, INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(test_indirect_bad_length)
{
	set_desc(desc, 0, INDIRECT, 15, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(test_indirect_huge)
{
	set_desc(desc, 0, INDIRECT, 16 * (VIRTQ_MAX_INDIRECT + 1),
	    VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(test_indirect_outside_memory)
{
	set_desc(desc, 0, BASE + SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_ADDRESS);
}
END_TEST

START_TEST(test_indirect_nested)
{
	struct virtq_desc *table = guest_memory_ptr(&memory, INDIRECT, 32);

	set_desc(table, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(desc, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_INDIRECT);
}
END_TEST

/* An indirect table that is the ring's own descriptor table, whose entry
 * is that same indirect descriptor: nesting, not a walk for ever (found
 * by fuzz-virtqueue, regression-indirect-self-loop). */
START_TEST(test_indirect_into_own_table)
{
	set_desc(desc, 0, DESC, 16 * QSIZE, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(test_indirect_with_next)
{
	set_desc(desc, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT |
	    VIRTQ_DESC_F_NEXT, 1);
	offer(0);
	assert_broken(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(test_indirect_loop)
{
	struct virtq_desc *table = guest_memory_ptr(&memory, INDIRECT, 32);

	set_desc(table, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(table, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	set_desc(desc, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_CHAIN_LENGTH);
}
END_TEST

START_TEST(test_indirect_next_out_of_table)
{
	struct virtq_desc *table = guest_memory_ptr(&memory, INDIRECT, 32);

	set_desc(table, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);	/* 2 entries */
	set_desc(desc, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_NEXT);
}
END_TEST

/* A long chain in a big indirect table stops at VIRTQ_MAX_SEGMENTS. */
START_TEST(test_chain_too_long)
{
	struct virtq_desc *table = guest_memory_ptr(&memory, INDIRECT,
	    16 * VIRTQ_MAX_INDIRECT);
	unsigned int i;

	for (i = 0; i < VIRTQ_MAX_INDIRECT; i++)
		set_desc(table, i, BUF, 1, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	table[VIRTQ_MAX_INDIRECT - 1].flags = 0;
	set_desc(desc, 0, INDIRECT, 16 * VIRTQ_MAX_INDIRECT,
	    VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_broken(VIRTQ_ERR_CHAIN_LENGTH);
}
END_TEST

START_TEST(test_no_interrupt_flag)
{
	set_desc(desc, 0, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
	ck_assert(!virtqueue_should_signal(&queue));	/* nothing pushed */
	offer(0);
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 1);
	virtqueue_push(&queue, 0, 16);
	ck_assert(virtqueue_should_signal(&queue));
	ck_assert(!virtqueue_should_signal(&queue));	/* nothing new */
	offer(0);
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 1);
	virtqueue_push(&queue, 0, 16);
	avail->flags = 1;	/* VIRTQ_AVAIL_F_NO_INTERRUPT */
	ck_assert(!virtqueue_should_signal(&queue));
}
END_TEST

/* With EVENT_IDX the driver is interrupted only when used_idx passes its
 * used_event, and told where to notify next through avail_event. */
START_TEST(test_event_idx)
{
	uint16_t *used_event = &avail->ring[QSIZE];
	uint16_t *avail_event = (uint16_t *)&used->ring[QSIZE];
	unsigned int i;

	queue.event_idx = true;
	for (i = 0; i < 4; i++)
		set_desc(desc, i, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	offer(1);
	offer(2);
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 1);
	virtqueue_push(&queue, chain.head, 16);
	*used_event = 0;
	ck_assert(virtqueue_should_signal(&queue));	/* the first, always */
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 1);
	virtqueue_push(&queue, chain.head, 16);
	*used_event = 5;				/* "not before 6" */
	ck_assert(!virtqueue_should_signal(&queue));
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 1);
	virtqueue_push(&queue, chain.head, 16);
	*used_event = 2;				/* "after entry 2" */
	ck_assert(virtqueue_should_signal(&queue));
	ck_assert(!virtqueue_should_signal(&queue));	/* nothing new */
	ck_assert_int_eq(virtqueue_pop(&queue, &chain), 0);
	ck_assert_uint_eq(*avail_event, 3);	/* notify me at entry 3 */
}
END_TEST

static Suite *
virtqueue_suite(void)
{
	Suite *suite = suite_create("virtqueue");
	TCase *tc = tcase_create("walker");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_activate_checks);
	tcase_add_test(tc, test_good_chain);
	tcase_add_test(tc, test_buffer_outside_memory);
	tcase_add_test(tc, test_buffer_across_the_end);
	tcase_add_test(tc, test_address_wraps);
	tcase_add_test(tc, test_absurd_length);
	tcase_add_test(tc, test_loop);
	tcase_add_test(tc, test_self_loop);
	tcase_add_test(tc, test_next_out_of_table);
	tcase_add_test(tc, test_head_out_of_table);
	tcase_add_test(tc, test_avail_idx_jump);
	tcase_add_test(tc, test_readable_after_writable);
	tcase_add_test(tc, test_indirect_good);
	tcase_add_test(tc, test_indirect_not_negotiated);
	tcase_add_test(tc, test_indirect_bad_length);
	tcase_add_test(tc, test_indirect_huge);
	tcase_add_test(tc, test_indirect_outside_memory);
	tcase_add_test(tc, test_indirect_nested);
	tcase_add_test(tc, test_indirect_into_own_table);
	tcase_add_test(tc, test_indirect_with_next);
	tcase_add_test(tc, test_indirect_loop);
	tcase_add_test(tc, test_indirect_next_out_of_table);
	tcase_add_test(tc, test_chain_too_long);
	tcase_add_test(tc, test_no_interrupt_flag);
	tcase_add_test(tc, test_event_idx);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(virtqueue_suite)
