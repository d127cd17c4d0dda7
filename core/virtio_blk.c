/* virtio-blk requests (virtio 1.x, 5.2.6): a 16-byte header the device
 * copies once, data buffers checked against the disk's size, one status
 * byte. I/O is synchronous on the VM's I/O thread, straight from and into
 * guest memory. */
#include "virtio_blk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_stat.h"
#include "kept_files.h"
#include "snapshot_blob.h"

#define SECTOR_SHIFT		9
#define SECTOR_SIZE		(1u << SECTOR_SHIFT)

#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9
#define VIRTIO_BLK_F_DISCARD	13

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_T_DISCARD	11

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define BLK_QUEUE_SIZE		256
#define BLK_SEG_MAX		(VIRTQ_MAX_SEGMENTS - 2)	/* + header, status */
#define BLK_MAX_DISCARD_SECTORS	(1u << 22)

/* Config space offsets (struct virtio_blk_config). */
#define CFG_CAPACITY		0
#define CFG_SEG_MAX		12
#define CFG_BLK_SIZE		20
#define CFG_MAX_DISCARD_SECTORS	36
#define CFG_MAX_DISCARD_SEG	40
#define CFG_DISCARD_ALIGNMENT	44

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_discard {
	uint64_t sector;
	uint32_t sectors;
	uint32_t flags;
};

static void
put_le32(uint8_t *at, uint32_t value)
{
	memcpy(at, &value, sizeof(value));	/* arm64 and x86 are little-endian */
}

static void
put_le64(uint8_t *at, uint64_t value)
{
	memcpy(at, &value, sizeof(value));
}

static int
disk_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fd_stat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Returns 0, or a negative errno (-EINVAL: not a file or block device, or
 * not a whole number of sectors). */
int
virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only,
    const char *serial)
{
	uint64_t size;
	struct stat st;
	int rc;

	memset(blk, 0, sizeof(*blk));
	blk->fd = kept_files_open(path, (read_only ? O_RDONLY : O_RDWR) |
	    O_CLOEXEC);
	if (blk->fd < 0)
		return -errno;
	rc = disk_size(blk->fd, &size);
	if (rc == 0 && (size % SECTOR_SIZE != 0 || size == 0))
		rc = -EINVAL;
	if (rc < 0) {
		close(blk->fd);
		blk->fd = -1;
		return rc;
	}
	blk->read_only = read_only;
	blk->sectors = size >> SECTOR_SHIFT;
	blk->discard = !read_only && fd_stat(blk->fd, &st) == 0 &&
	    S_ISREG(st.st_mode);
	if (serial != NULL)
		memcpy(blk->serial, serial, strnlen(serial, sizeof(blk->serial)));
	put_le64(blk->config + CFG_CAPACITY, blk->sectors);
	put_le32(blk->config + CFG_SEG_MAX, BLK_SEG_MAX);
	put_le32(blk->config + CFG_BLK_SIZE, SECTOR_SIZE);
	put_le32(blk->config + CFG_MAX_DISCARD_SECTORS, BLK_MAX_DISCARD_SECTORS);
	put_le32(blk->config + CFG_MAX_DISCARD_SEG, 1);
	put_le32(blk->config + CFG_DISCARD_ALIGNMENT, 1);
	return 0;
}

uint64_t
virtio_blk_features(const struct virtio_blk *blk)
{
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX |
	    1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH;

	if (blk->read_only)
		features |= 1ull << VIRTIO_BLK_F_RO;
	if (blk->discard)
		features |= 1ull << VIRTIO_BLK_F_DISCARD;
	return features;
}

void
virtio_blk_close(struct virtio_blk *blk)
{
	if (blk->fd >= 0)
		close(blk->fd);
	blk->fd = -1;
}

/* Whether [sector, sector + bytes) lies on the disk, without overflow. */
static bool
blk_in_range(const struct virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
	uint64_t sectors = bytes >> SECTOR_SHIFT;

	return bytes % SECTOR_SIZE == 0 && sector <= blk->sectors &&
	    sectors <= blk->sectors - sector;
}

static uint8_t
blk_rw(struct virtio_blk *blk, const struct blk_header *header,
    uint64_t length, bool write, uint32_t *written)
{
	const struct virtq_chain *chain = &blk->chain;
	off_t offset = (off_t)(header->sector << SECTOR_SHIFT);
	ssize_t done;
	int count;

	if (!blk_in_range(blk, header->sector, length))
		return VIRTIO_BLK_S_IOERR;
	if (write && blk->read_only)
		return VIRTIO_BLK_S_IOERR;
	count = virtq_chain_iov(chain, write ? false : true, write ?
	    sizeof(*header) : 0, length, blk->iov, VIRTQ_MAX_SEGMENTS);
	if (count < 0)
		return VIRTIO_BLK_S_IOERR;
	if (length == 0)
		return VIRTIO_BLK_S_OK;
	if (write)
		done = pwritev(blk->fd, blk->iov, count, offset);
	else
		done = preadv(blk->fd, blk->iov, count, offset);
	if (done != (ssize_t)length)
		return VIRTIO_BLK_S_IOERR;
	if (write) {
		blk->stats.writes++;
		blk->stats.bytes_written += length;
	} else {
		blk->stats.reads++;
		blk->stats.bytes_read += length;
		*written = (uint32_t)length;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t
blk_discard(struct virtio_blk *blk)
{
	struct blk_discard range;
	uint64_t bytes;

	if (!blk->discard || virtq_chain_read(&blk->chain,
	    sizeof(struct blk_header), &range, sizeof(range)) != sizeof(range))
		return VIRTIO_BLK_S_UNSUPP;
	bytes = (uint64_t)range.sectors << SECTOR_SHIFT;
	if (range.sectors > BLK_MAX_DISCARD_SECTORS ||
	    !blk_in_range(blk, range.sector, bytes))
		return VIRTIO_BLK_S_IOERR;
	blk->stats.discards++;
	if (fallocate(blk->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    (off_t)(range.sector << SECTOR_SHIFT), (off_t)bytes) < 0)
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

static uint8_t
blk_get_id(struct virtio_blk *blk, uint64_t room, uint32_t *written)
{
	size_t length = room < sizeof(blk->serial) ? room : sizeof(blk->serial);

	blk->stats.get_ids++;
	*written = (uint32_t)virtq_chain_write(&blk->chain, 0, blk->serial,
	    length);
	return VIRTIO_BLK_S_OK;
}

/* Serves the chain in blk->chain; returns the bytes written into it. A
 * chain too short for a header and a status byte gets no answer but its
 * return: the driver broke the protocol, not the ring. */
static uint32_t
blk_serve(struct virtio_blk *blk)
{
	const struct virtq_chain *chain = &blk->chain;
	struct blk_header header;
	uint32_t written = 0;
	uint8_t status;

	if (chain->writable < 1 || virtq_chain_read(chain, 0, &header,
	    sizeof(header)) != sizeof(header)) {
		blk->stats.errors++;
		return 0;
	}
	switch (header.type) {
	case VIRTIO_BLK_T_IN:
		status = blk_rw(blk, &header, chain->writable - 1, false,
		    &written);
		break;
	case VIRTIO_BLK_T_OUT:
		status = blk_rw(blk, &header, chain->readable - sizeof(header),
		    true, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		blk->stats.flushes++;
		status = fdatasync(blk->fd) < 0 ? VIRTIO_BLK_S_IOERR :
		    VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		status = blk_get_id(blk, chain->writable - 1, &written);
		break;
	case VIRTIO_BLK_T_DISCARD:
		status = blk_discard(blk);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (status != VIRTIO_BLK_S_OK)
		blk->stats.errors++;
	virtq_chain_write(chain, chain->writable - 1, &status, 1);
	return written + 1;
}

static void
blk_queue_notify(void *device, struct virtio_transport *transport,
    unsigned int index)
{
	struct virtio_blk *blk = device;
	struct virtqueue *queue = &transport->queues[index];
	int rc;

	while ((rc = virtqueue_pop(queue, &blk->chain)) == 1) {
		virtqueue_push(queue, blk->chain.head, blk_serve(blk));
		transport->stats.chains++;
	}
	if (rc < 0)
		virtio_transport_queue_broken(transport, index);
	virtio_transport_queue_done(transport, index);
}

const struct virtio_device_ops virtio_blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.queue_count = 1,
	.queue_max = BLK_QUEUE_SIZE,
	.queue_notify = blk_queue_notify,
};

/* Requests are served whole on the I/O thread, so with it stopped none is
 * in flight: the state is the disk's identity, which the spec's image
 * must still have (the disk's contents are the user's to keep). */
int
virtio_blk_save(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	const struct virtio_blk *blk = device;

	(void)transport;
	(void)why;
	(void)why_size;
	snapshot_put_u64(writer, blk->sectors);
	snapshot_put_u8(writer, blk->read_only);
	return 0;
}

int
virtio_blk_restore(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	const struct virtio_blk *blk = device;
	struct snapshot_cursor cursor;
	uint64_t sectors;
	uint8_t read_only;

	(void)transport;
	snapshot_cursor_init(&cursor, blob);
	sectors = snapshot_get_u64(&cursor);
	read_only = snapshot_get_u8(&cursor);
	if (snapshot_cursor_end(&cursor, "disk state", why, why_size) < 0)
		return -EINVAL;
	if (sectors != blk->sectors) {
		snprintf(why, why_size, "the disk has %" PRIu64 " sectors, the "
		    "snapshot's had %" PRIu64, blk->sectors, sectors);
		return -EINVAL;
	}
	if (read_only != blk->read_only) {
		snprintf(why, why_size, "the disk is %s, the snapshot's was %s",
		    blk->read_only ? "read-only" : "writable",
		    read_only ? "read-only" : "writable");
		return -EINVAL;
	}
	return 0;
}
