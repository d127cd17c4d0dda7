/* virtio-blk requests against a real image file, through a real queue:
 * reads, writes, read-only, ranges past the end, GET_ID, flush, unknown
 * types, chains too short for a status byte. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/guest_memory.h"
#include "../../core/virtio_blk.h"
#include "suites.h"

#define BASE	0x80000000ull
#define SIZE	(1ull << 20)
#define QSIZE	8
#define DESC	(BASE + 0x1000)
#define AVAIL	(BASE + 0x2000)
#define USED	(BASE + 0x3000)
#define HEADER	(BASE + 0x4000)
#define DATA	(BASE + 0x5000)
#define STATUS	(BASE + 0x9000)
#define SECTORS	16

static struct guest_memory memory;
static struct virtio_transport mmio;
static struct virtio_blk blk;
static char path[] = "/tmp/vmmd-test-blk-XXXXXX";
static struct virtq_desc *desc;
static struct virtq_avail *avail;
static struct virtq_used *used;

struct header {
	uint32_t type, reserved;
	uint64_t sector;
};

static void
open_disk(bool read_only)
{
	struct virtqueue *queue = &mmio.queues[0];

	ck_assert_int_eq(virtio_blk_open(&blk, path, read_only, "unit-serial"), 0);
	ck_assert_int_eq(virtio_transport_init(&mmio, "block0", &virtio_blk_ops, &blk,
	    virtio_blk_features(&blk), blk.config, sizeof(blk.config), &memory), 0);
	queue->size = QSIZE;
	queue->desc_addr = DESC;
	queue->avail_addr = AVAIL;
	queue->used_addr = USED;
	ck_assert_int_eq(virtqueue_activate(queue, &memory, 256), 0);
}

static void
setup(void)
{
	unsigned char sector[512];
	int fd, i;

	memset(&memory, 0, sizeof(memory));
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
	desc = guest_memory_ptr(&memory, DESC, 16 * QSIZE);
	avail = guest_memory_ptr(&memory, AVAIL, 6 + 2 * QSIZE);
	used = guest_memory_ptr(&memory, USED, 6 + 8 * QSIZE);
	strcpy(path, "/tmp/vmmd-test-blk-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < SECTORS; i++) {
		memset(sector, i, sizeof(sector));
		ck_assert_int_eq(write(fd, sector, sizeof(sector)), 512);
	}
	close(fd);
}

static void
teardown(void)
{
	virtio_transport_destroy(&mmio);
	virtio_blk_close(&blk);
	unlink(path);
	guest_memory_release(&memory);
}

/* header, data (length bytes, in the given direction), status; served. */
static uint8_t
request(uint32_t type, uint64_t sector, uint32_t length, bool data_writable)
{
	struct header *header = guest_memory_ptr(&memory, HEADER, 16);
	uint8_t *status = guest_memory_ptr(&memory, STATUS, 1);
	uint16_t next = 1;

	*header = (struct header){ type, 0, sector };
	*status = 0xff;
	desc[0] = (struct virtq_desc){ HEADER, 16, VIRTQ_DESC_F_NEXT, 1 };
	if (length > 0) {
		desc[1] = (struct virtq_desc){ DATA, length, VIRTQ_DESC_F_NEXT |
		    (data_writable ? VIRTQ_DESC_F_WRITE : 0), 2 };
		next = 2;
	}
	desc[next] = (struct virtq_desc){ STATUS, 1, VIRTQ_DESC_F_WRITE, 0 };
	avail->ring[avail->idx % QSIZE] = 0;
	avail->idx++;
	virtio_blk_ops.queue_notify(&blk, &mmio, 0);
	ck_assert_uint_eq(used->idx, avail->idx);
	return *status;
}

START_TEST(test_read_write)
{
	uint8_t *data = guest_memory_ptr(&memory, DATA, 4096);
	unsigned char back[512];
	int fd;

	open_disk(false);
	ck_assert_uint_eq(request(0, 3, 1024, true), 0);
	ck_assert_uint_eq(data[0], 3);
	ck_assert_uint_eq(data[1023], 4);
	ck_assert_uint_eq(used->ring[0].len, 1025);
	memset(data, 0xee, 512);
	ck_assert_uint_eq(request(1, 15, 512, false), 0);	/* the last sector */
	ck_assert_uint_eq(request(4, 0, 0, false), 0);	/* flush */
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, back, 512, 15 * 512), 512);
	close(fd);
	ck_assert_uint_eq(back[0], 0xee);
	ck_assert_uint_eq(blk.stats.flushes, 1);
	ck_assert_uint_eq(blk.stats.bytes_written, 512);
}
END_TEST

START_TEST(test_out_of_range)
{
	open_disk(false);
	ck_assert_uint_eq(request(0, 16, 512, true), 1);	/* past the end */
	ck_assert_uint_eq(request(0, 15, 1024, true), 1);	/* runs past it */
	ck_assert_uint_eq(request(0, UINT64_MAX, 512, true), 1);	/* wraps */
	ck_assert_uint_eq(request(0, 0, 100, true), 1);	/* not whole sectors */
	ck_assert_uint_eq(request(1, 1ull << 60, 512, false), 1);
	ck_assert_uint_eq(blk.stats.errors, 5);
	ck_assert_uint_eq(blk.stats.bytes_written, 0);
}
END_TEST

START_TEST(test_read_only)
{
	open_disk(true);
	ck_assert_uint_ne(virtio_blk_features(&blk) & (1u << 5), 0);
	ck_assert_uint_eq(request(1, 0, 512, false), 1);
	ck_assert_uint_eq(request(11, 0, 16, false), 2);	/* no discard */
	ck_assert_uint_eq(request(0, 0, 512, true), 0);
}
END_TEST

START_TEST(test_get_id_and_unknown)
{
	char *data = guest_memory_ptr(&memory, DATA, 20);

	open_disk(false);
	ck_assert_uint_eq(request(8, 0, 20, true), 0);
	ck_assert_int_eq(strncmp(data, "unit-serial", 20), 0);
	ck_assert_uint_eq(request(99, 0, 0, false), 2);	/* UNSUPP */
}
END_TEST

/* A chain with no writable byte for the status gets used, not answered. */
START_TEST(test_no_status_byte)
{
	open_disk(false);
	desc[0] = (struct virtq_desc){ HEADER, 16, 0, 0 };
	avail->ring[0] = 0;
	avail->idx = 1;
	virtio_blk_ops.queue_notify(&blk, &mmio, 0);
	ck_assert_uint_eq(used->idx, 1);
	ck_assert_uint_eq(used->ring[0].len, 0);
	ck_assert_uint_eq(blk.stats.errors, 1);
}
END_TEST

START_TEST(test_bad_images)
{
	struct virtio_blk other;
	int fd;

	ck_assert_int_eq(virtio_blk_open(&other, "/nonexistent/disk.img", false,
	    NULL), -ENOENT);
	ck_assert_int_eq(virtio_blk_open(&other, "/tmp", false, NULL), -EISDIR);
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "x", 1), 1);	/* not whole sectors */
	close(fd);
	ck_assert_int_eq(virtio_blk_open(&other, path, false, NULL), -EINVAL);
	blk.fd = -1;
}
END_TEST

static Suite *
virtio_blk_suite(void)
{
	Suite *suite = suite_create("virtio_blk");
	TCase *tc = tcase_create("requests");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_write);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_get_id_and_unknown);
	tcase_add_test(tc, test_no_status_byte);
	tcase_add_test(tc, test_bad_images);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(virtio_blk_suite)
