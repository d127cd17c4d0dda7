/* The vhost-vsock side of virtio-vsock (virtio 1.x, 5.10): opening vhost,
 * giving it the guest CID and memory, starting and stopping its rings. */
#include "virtio_vsock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kept_files.h"
#include "snapshot_blob.h"

#define VSOCK_QUEUE_SIZE	256
#define VSOCK_EVENT_QUEUE	2
#define VIRTIO_VSOCK_F_SEQPACKET 1
#define VIRTIO_VSOCK_EVENT_TRANSPORT_RESET 0

static int
vhost_memory_table(struct virtio_vsock *vsock)
{
	const struct guest_memory *memory = vsock->memory;
	struct vhost_memory *table;
	unsigned int i;
	int rc = 0;

	table = calloc(1, sizeof(*table) + memory->count *
	    sizeof(struct vhost_memory_region));
	if (table == NULL)
		return -ENOMEM;
	table->nregions = memory->count;
	for (i = 0; i < memory->count; i++) {
		table->regions[i].guest_phys_addr = memory->regions[i].guest_phys;
		table->regions[i].memory_size = memory->regions[i].size;
		table->regions[i].userspace_addr =
		    (uint64_t)(uintptr_t)memory->regions[i].host;
	}
	if (ioctl(vsock->vhost_fd, VHOST_SET_MEM_TABLE, table) < 0)
		rc = -errno;
	free(table);
	return rc;
}

/* A kept vhost fd (kept_files.h) is still ours from the boot before a
 * reboot: stopped, with its CID, and taking a new memory table and rings
 * as a fresh one would. vhost-vsock has no VHOST_RESET_OWNER. */
static int
vhost_own(int fd)
{
	if (ioctl(fd, VHOST_SET_OWNER, NULL) == 0 || errno == EBUSY)
		return 0;
	return -1;
}

/* Returns 0, or a negative errno: -ENOENT when the host has no
 * vhost-vsock (load vhost_vsock), -EADDRINUSE when the CID is taken. */
int
virtio_vsock_open(struct virtio_vsock *vsock, uint64_t cid,
    const struct guest_memory *memory)
{
	int rc = 0, i;

	memset(vsock, 0, sizeof(*vsock));
	vsock->kick_fds[0] = vsock->kick_fds[1] = vsock->call_fd = -1;
	vsock->cid = cid;
	vsock->memory = memory;
	memcpy(vsock->config, &cid, sizeof(cid));
	vsock->vhost_fd = kept_files_open(VHOST_VSOCK_PATH, O_RDWR | O_CLOEXEC);
	if (vsock->vhost_fd < 0)
		return -errno;
	if (vhost_own(vsock->vhost_fd) < 0 ||
	    ioctl(vsock->vhost_fd, VHOST_GET_FEATURES,
	    &vsock->vhost_features) < 0 ||
	    ioctl(vsock->vhost_fd, VHOST_VSOCK_SET_GUEST_CID, &cid) < 0)
		rc = -errno;
	if (rc == 0)
		rc = vhost_memory_table(vsock);
	for (i = 0; rc == 0 && i < 2; i++) {
		vsock->kick_fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vsock->kick_fds[i] < 0)
			rc = -errno;
	}
	if (rc == 0) {
		vsock->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vsock->call_fd < 0)
			rc = -errno;
	}
	if (rc < 0)
		virtio_vsock_close(vsock);
	return rc;
}

uint64_t
virtio_vsock_features(const struct virtio_vsock *vsock)
{
	return vsock->vhost_features & (1ull << VIRTIO_VSOCK_F_SEQPACKET);
}

static void
vsock_stop(struct virtio_vsock *vsock)
{
	int off = 0;

	if (!vsock->running)
		return;
	ioctl(vsock->vhost_fd, VHOST_VSOCK_SET_RUNNING, &off);
	vsock->running = false;
}

void
virtio_vsock_close(struct virtio_vsock *vsock)
{
	int i;

	if (vsock->vhost_fd >= 0) {
		vsock_stop(vsock);
		close(vsock->vhost_fd);
	}
	for (i = 0; i < 2; i++)
		if (vsock->kick_fds[i] >= 0)
			close(vsock->kick_fds[i]);
	if (vsock->call_fd >= 0)
		close(vsock->call_fd);
	vsock->vhost_fd = vsock->call_fd = -1;
	vsock->kick_fds[0] = vsock->kick_fds[1] = -1;
}

/* vhost is given the rings as the transport validated them: host
 * addresses inside guest memory, sizes checked; it starts at the queue's
 * next available entry (0 at DRIVER_OK, the saved one on a restore). */
static int
vhost_queue(struct virtio_vsock *vsock, const struct virtqueue *queue,
    unsigned int index)
{
	struct vhost_vring_state num = { index, queue->size };
	struct vhost_vring_state base = { index, queue->last_avail };
	struct vhost_vring_file kick = { index, vsock->kick_fds[index] };
	struct vhost_vring_file call = { index, vsock->call_fd };
	struct vhost_vring_addr addr = {
		.index = index,
		.desc_user_addr = (uint64_t)(uintptr_t)queue->desc,
		.avail_user_addr = (uint64_t)(uintptr_t)queue->avail,
		.used_user_addr = (uint64_t)(uintptr_t)queue->used,
	};

	if (!queue->active)
		return -EINVAL;
	if (ioctl(vsock->vhost_fd, VHOST_SET_VRING_NUM, &num) < 0 ||
	    ioctl(vsock->vhost_fd, VHOST_SET_VRING_BASE, &base) < 0 ||
	    ioctl(vsock->vhost_fd, VHOST_SET_VRING_ADDR, &addr) < 0 ||
	    ioctl(vsock->vhost_fd, VHOST_SET_VRING_KICK, &kick) < 0 ||
	    ioctl(vsock->vhost_fd, VHOST_SET_VRING_CALL, &call) < 0)
		return -errno;
	return 0;
}

static int
vsock_activate(void *device, struct virtio_transport *transport)
{
	struct virtio_vsock *vsock = device;
	unsigned int i;
	int on = 1;
	/* The transport keeps only offered bits; vhost is never handed one it
	 * did not offer either (VIRTIO_F_ACCESS_PLATFORM would give it an
	 * IOTLB nobody fills, VHOST_F_LOG_ALL a dirty log nobody set). */
	uint64_t features = transport->driver_features & vsock->vhost_features;

	if (ioctl(vsock->vhost_fd, VHOST_SET_FEATURES, &features) < 0)
		return -errno;
	for (i = 0; i < 2; i++)
		if (vhost_queue(vsock, &transport->queues[i], i) < 0)
			return -EIO;
	if (ioctl(vsock->vhost_fd, VHOST_VSOCK_SET_RUNNING, &on) < 0)
		return -errno;
	vsock->running = true;
	return 0;
}

static void
vsock_reset(void *device)
{
	vsock_stop(device);
}

/* The event queue: its buffers wait, but for the transport reset a
 * restore leaves pending, sent in the first buffer the guest gave. */
static void
vsock_queue_notify(void *device, struct virtio_transport *transport,
    unsigned int index)
{
	struct virtio_vsock *vsock = device;
	struct virtqueue *queue = &transport->queues[index];
	const uint32_t event = VIRTIO_VSOCK_EVENT_TRANSPORT_RESET;
	int rc;

	if (index != VSOCK_EVENT_QUEUE || !vsock->reset_pending)
		return;
	rc = virtqueue_pop(queue, &vsock->event_chain);
	if (rc < 0)
		virtio_transport_queue_broken(transport, index);
	if (rc != 1)
		return;
	virtqueue_push(queue, vsock->event_chain.head,
	    (uint32_t)virtq_chain_write(&vsock->event_chain, 0, &event,
	    sizeof(event)));
	vsock->reset_pending = false;
	virtio_transport_queue_done(transport, index);
}

static int
vsock_kick_fd(void *device, struct virtio_transport *transport,
    unsigned int queue)
{
	struct virtio_vsock *vsock = device;

	return queue < 2 ? vsock->kick_fds[queue] : transport->notify_fd;
}

static int
vsock_poll_fd(void *device)
{
	return ((struct virtio_vsock *)device)->call_fd;
}

static void
vsock_poll_ready(void *device, struct virtio_transport *transport)
{
	struct virtio_vsock *vsock = device;
	uint64_t count;

	if (read(vsock->call_fd, &count, sizeof(count)) != sizeof(count))
		return;
	vsock->interrupts++;
	virtio_transport_signal_used(transport);
}

const struct virtio_device_ops virtio_vsock_ops = {
	.device_id = VIRTIO_ID_VSOCK,
	.queue_count = VIRTIO_VSOCK_QUEUES,
	.queue_max = VSOCK_QUEUE_SIZE,
	.queue_notify = vsock_queue_notify,
	.reset = vsock_reset,
	.poll_fd = vsock_poll_fd,
	.poll_ready = vsock_poll_ready,
	.kick_fd = vsock_kick_fd,
	.activate = vsock_activate,
};

/* The I/O thread is stopped: vhost stops its rings (the queues' mutexes
 * make it finish what it is doing) and says where it is; the used index
 * is what it last wrote to the guest's ring. */
int
virtio_vsock_quiesce(void *device, struct virtio_transport *transport,
    char *why, size_t why_size)
{
	struct virtio_vsock *vsock = device;
	struct vhost_vring_state base;
	struct virtqueue *queue;
	unsigned int i;

	if (!vsock->running)
		return 0;
	vsock_stop(vsock);
	vsock->paused = true;
	for (i = 0; i < 2; i++) {
		queue = &transport->queues[i];
		base = (struct vhost_vring_state){ .index = i };
		if (ioctl(vsock->vhost_fd, VHOST_GET_VRING_BASE, &base) < 0) {
			snprintf(why, why_size, "cannot read vhost-vsock's ring "
			    "%u (VHOST_GET_VRING_BASE): %s", i, strerror(errno));
			return -EIO;
		}
		queue->last_avail = (uint16_t)base.num;
		queue->used_idx = __atomic_load_n(&queue->used->idx,
		    __ATOMIC_ACQUIRE);
	}
	return 0;
}

/* Any completion signalled while the I/O thread was stopped is looked at
 * (a spurious one costs the guest one interrupt). */
void
virtio_vsock_resume(void *device, struct virtio_transport *transport)
{
	struct virtio_vsock *vsock = device;
	uint64_t one = 1;
	int on = 1;

	(void)transport;
	if (!vsock->paused)
		return;
	vsock->paused = false;
	if (ioctl(vsock->vhost_fd, VHOST_VSOCK_SET_RUNNING, &on) == 0)
		vsock->running = true;
	if (write(vsock->call_fd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: it is due anyway */
}

/* The CID and whether vhost ran its rings; their indices are the
 * transport's queues (read from vhost by the quiesce). */
int
virtio_vsock_save(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	const struct virtio_vsock *vsock = device;

	(void)transport;
	if (vsock->running) {
		snprintf(why, why_size, "vhost-vsock still runs its rings (the "
		    "devices were not quiesced)");
		return -EBUSY;
	}
	snapshot_put_u64(writer, vsock->cid);
	snapshot_put_u8(writer, vsock->paused);
	return 0;
}

static int
vsock_restart(struct virtio_vsock *vsock, struct virtio_transport *transport,
    char *why, size_t why_size)
{
	int rc = vsock_activate(vsock, transport);

	if (rc < 0) {
		snprintf(why, why_size, "cannot give vhost-vsock its rings "
		    "again: %s", strerror(-rc));
		return rc;
	}
	vsock->reset_pending = true;
	return 0;
}

/* vhost takes the rings where the saved indices are; the guest hears,
 * through its event queue, that every connection it had is gone. */
int
virtio_vsock_restore(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	struct virtio_vsock *vsock = device;
	struct snapshot_cursor cursor;
	uint64_t cid;
	uint8_t live;

	snapshot_cursor_init(&cursor, blob);
	cid = snapshot_get_u64(&cursor);
	live = snapshot_get_u8(&cursor);
	if (snapshot_cursor_end(&cursor, "vsock state", why, why_size) < 0)
		return -EINVAL;
	if (cid != vsock->cid) {
		snprintf(why, why_size, "the guest's CID is %" PRIu64 ", the "
		    "snapshot's was %" PRIu64, vsock->cid, cid);
		return -EINVAL;
	}
	if (live > 1 || (live == 1) != virtio_transport_running(transport)) {
		snprintf(why, why_size, "vhost's rings %s while the device %s",
		    live ? "ran" : "were stopped",
		    virtio_transport_running(transport) ? "runs" : "does not run");
		return -EINVAL;
	}
	return live ? vsock_restart(vsock, transport, why, why_size) : 0;
}
