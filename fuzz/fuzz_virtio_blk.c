/* libFuzzer target: a virtio-blk device behind its virtio-mmio transport,
 * driven as a guest would: the input starts with register accesses (any
 * offset and width: status, features, queue set-up, notifies, config
 * reads), the rest is guest RAM holding the rings and the requests. A
 * notify runs the I/O thread's part (virtio_transport_process), so requests are
 * served against a small image file, read-write or read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/virtio_blk.h"
#include "../core/virtio_mmio.h"
#include "fuzz_ram.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECTORS		16
#define ACCESSES_MAX	48

/* One register access, little-endian. */
struct access {
	uint16_t offset;
	uint8_t flags;		/* 1: write, 2: read-only disk (first access
				 * only), bits 2-3: width 1, 2, 4 or 8 */
	uint8_t pad;
	uint32_t value;
};

static struct virtio_blk disks[2];	/* read-write, read-only */
static struct virtio_transport mmio;
static uint8_t image[SECTORS * 512];

static void
open_disks(void)
{
	char path[] = "/tmp/vmmd-fuzz-blk-XXXXXX";
	int fd = mkstemp(path);

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i / 512);
	if (fd < 0 || write(fd, image, sizeof(image)) != sizeof(image) ||
	    virtio_blk_open(&disks[0], path, false, "fuzz-serial") != 0 ||
	    virtio_blk_open(&disks[1], path, true, "") != 0)
		__builtin_trap();
	close(fd);
	unlink(path);
}

/* The device logs each ring a guest breaks: that is most inputs here.
 * libFuzzer's and the sanitizers' reports do not go through stdio's
 * stderr, so they still show. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	stderr = fopen("/dev/null", "w");
	open_disks();
	return 0;
}

static void
run_access(const struct access *a)
{
	uint8_t bytes[8];
	struct mmio_access access = {
		.offset = a->offset, .data = bytes,
		.length = 1u << ((a->flags >> 2) & 3), .is_write = a->flags & 1,
	};

	memset(bytes, 0, sizeof(bytes));
	memcpy(bytes, &a->value, 4);
	if (virtio_mmio_access(&mmio, &access) == 0 && access.is_write &&
	    access.offset == VIRTIO_MMIO_QUEUE_NOTIFY)
		virtio_transport_process(&mmio);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct access accesses[ACCESSES_MAX];
	struct virtio_blk *blk;
	int count;

	count = fuzz_split_input(data, size, accesses, sizeof(accesses[0]),
	    ACCESSES_MAX);
	if (count < 0)
		return 0;
	blk = &disks[count > 0 && (accesses[0].flags & 2) ? 1 : 0];
	if (pwrite(disks[0].fd, image, sizeof(image), 0) != sizeof(image) ||
	    virtio_transport_init(&mmio, "fuzz-blk", &virtio_blk_ops, blk,
	    virtio_blk_features(blk), blk->config, sizeof(blk->config),
	    &fuzz_ram) != 0)
		__builtin_trap();
	for (int i = 0; i < count; i++)
		run_access(&accesses[i]);
	virtio_transport_destroy(&mmio);
	return 0;
}
