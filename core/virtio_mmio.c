/* The virtio-mmio register window (virtio 1.x, section 4.2.2) and what the
 * transport decides: which features stick, when a queue goes live, when a
 * device is broken (NEEDS_RESET, a config interrupt, one log line). */
#include "virtio_mmio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

#define VIRTIO_MMIO_MAGIC	0x74726976u	/* "virt" */
#define VIRTIO_MMIO_VERSION	2
#define VIRTIO_MMIO_VENDOR	0x646d6d76u	/* "vmmd" */

enum {
	REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c, REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014, REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024, REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = VIRTIO_MMIO_QUEUE_NOTIFY,
	REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064,
	REG_STATUS = 0x070, REG_QUEUE_DESC_LOW = 0x080,
	REG_QUEUE_DESC_HIGH = 0x084, REG_QUEUE_DRIVER_LOW = 0x090,
	REG_QUEUE_DRIVER_HIGH = 0x094, REG_QUEUE_DEVICE_LOW = 0x0a0,
	REG_QUEUE_DEVICE_HIGH = 0x0a4, REG_CONFIG_GENERATION = 0x0fc,
};

#define TRANSPORT_FEATURES	(1ull << VIRTIO_F_VERSION_1 | \
	1ull << VIRTIO_F_EVENT_IDX | 1ull << VIRTIO_F_INDIRECT_DESC)

int
virtio_mmio_init(struct virtio_mmio *mmio, const char *name,
    const struct virtio_device_ops *ops, void *device, uint64_t features,
    const uint8_t *config, uint32_t config_size,
    const struct guest_memory *memory)
{
	int rc;

	if (ops->queue_count == 0 || ops->queue_count > VIRTIO_MMIO_MAX_QUEUES ||
	    ops->queue_max == 0 || ops->queue_max > VIRTQ_MAX_SIZE)
		return -EINVAL;
	memset(mmio, 0, sizeof(*mmio));
	mmio->name = name;
	mmio->ops = ops;
	mmio->device = device;
	mmio->features = features | TRANSPORT_FEATURES;
	mmio->config = config;
	mmio->config_size = config_size;
	mmio->memory = memory;
	mmio->irq_fd = -1;
	mmio->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (mmio->notify_fd < 0)
		return -errno;
	mmio->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (mmio->irq_fd < 0) {
		rc = -errno;
		close(mmio->notify_fd);
		mmio->notify_fd = -1;
		return rc;
	}
	pthread_mutex_init(&mmio->lock, NULL);
	return 0;
}

void
virtio_mmio_destroy(struct virtio_mmio *mmio)
{
	if (mmio->ops == NULL)
		return;
	if (mmio->notify_fd >= 0)
		close(mmio->notify_fd);
	if (mmio->irq_fd >= 0)
		close(mmio->irq_fd);
	pthread_mutex_destroy(&mmio->lock);
	mmio->ops = NULL;
}

bool
virtio_mmio_driver_has(const struct virtio_mmio *mmio, unsigned int bit)
{
	return (mmio->driver_features >> bit) & 1;
}

static void
virtio_mmio_interrupt(struct virtio_mmio *mmio, uint32_t reason)
{
	uint64_t one = 1;

	mmio->interrupt_status |= reason;
	mmio->stats.interrupts++;
	if (write(mmio->irq_fd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: an interrupt is pending anyway */
}

/* Called with the lock held, when a queue served elsewhere (vhost) asked
 * for an interrupt. */
void
virtio_mmio_signal_used(struct virtio_mmio *mmio)
{
	virtio_mmio_interrupt(mmio, VIRTIO_INT_VRING);
}

/* Called with the lock held, after a device pushed to a queue. */
void
virtio_mmio_queue_done(struct virtio_mmio *mmio, unsigned int queue)
{
	if (virtqueue_should_signal(&mmio->queues[queue]))
		virtio_mmio_interrupt(mmio, VIRTIO_INT_VRING);
}

/* The device stops using every queue until the driver resets it (virtio
 * 1.x, 2.1.2): one log line saying why and a config interrupt. The fault
 * (for the device's report) is set by the caller. */
static void
virtio_mmio_needs_reset(struct virtio_mmio *mmio, const char *why)
{
	mmio->status |= VIRTIO_STATUS_NEEDS_RESET;
	mmio->stats.needs_reset++;
	log_warnx("%s needs a reset: %s", mmio->name, why);
	virtio_mmio_interrupt(mmio, VIRTIO_INT_CONFIG);
}

/* The guest broke its side of a ring. */
void
virtio_mmio_queue_broken(struct virtio_mmio *mmio, unsigned int queue)
{
	const char *what = virtq_error_name(mmio->queues[queue].error);
	char why[sizeof(mmio->fault)];

	if (mmio->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	snprintf(mmio->fault, sizeof(mmio->fault), "queue %u: %s", queue, what);
	snprintf(why, sizeof(why), "the guest gave queue %u %s", queue, what);
	virtio_mmio_needs_reset(mmio, why);
}

static void
virtio_mmio_reset(struct virtio_mmio *mmio)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		virtqueue_reset(&mmio->queues[i]);
	mmio->status = 0;
	mmio->driver_features = 0;
	mmio->driver_asked = 0;
	mmio->device_features_sel = 0;
	mmio->driver_features_sel = 0;
	mmio->queue_sel = 0;
	mmio->interrupt_status = 0;
	mmio->stats.resets++;
	if (mmio->ops->reset != NULL)
		mmio->ops->reset(mmio->device);
}

/* Whether the driver asked only for what was offered, VERSION_1 among
 * it: what FEATURES_OK needs. */
static bool
virtio_mmio_features_ok(const struct virtio_mmio *mmio)
{
	return (mmio->driver_asked & ~mmio->features) == 0 &&
	    virtio_mmio_driver_has(mmio, VIRTIO_F_VERSION_1);
}

/* Status bits only ever go on (a driver may not clear one, virtio 1.x,
 * 2.1.2): only a reset (0) clears them, so the features of a live device
 * cannot be reopened. A driver that asked for a feature the device did not
 * offer, or not for VERSION_1, does not get FEATURES_OK (it reads the
 * status back). The device starts at DRIVER_OK only after FEATURES_OK and
 * while it needs no reset; DRIVER_OK without FEATURES_OK is a driver
 * error, and the device then needs a reset. */
static void
virtio_mmio_set_status(struct virtio_mmio *mmio, uint32_t value)
{
	uint32_t added = value & ~mmio->status &
	    ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET;

	if (value == 0) {
		virtio_mmio_reset(mmio);
		return;
	}
	if ((added & VIRTIO_STATUS_FEATURES_OK) && !virtio_mmio_features_ok(mmio))
		added &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	mmio->status |= added;
	if (!(added & VIRTIO_STATUS_DRIVER_OK) ||
	    (mmio->status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	if (!(mmio->status & VIRTIO_STATUS_FEATURES_OK))
		snprintf(mmio->fault, sizeof(mmio->fault), "the driver set "
		    "DRIVER_OK without FEATURES_OK");
	else if (mmio->ops->activate != NULL &&
	    mmio->ops->activate(mmio->device, mmio) < 0)
		snprintf(mmio->fault, sizeof(mmio->fault), "the device could "
		    "not start its queues");
	else
		return;
	virtio_mmio_needs_reset(mmio, mmio->fault);
}

static struct virtqueue *
selected_queue(struct virtio_mmio *mmio)
{
	if (mmio->queue_sel >= mmio->ops->queue_count)
		return NULL;
	return &mmio->queues[mmio->queue_sel];
}

static void
virtio_mmio_queue_ready(struct virtio_mmio *mmio, struct virtqueue *queue,
    uint32_t value)
{
	if (value == 0) {
		queue->active = false;
		return;
	}
	if (queue->active)
		return;
	queue->event_idx = virtio_mmio_driver_has(mmio, VIRTIO_F_EVENT_IDX);
	queue->indirect = virtio_mmio_driver_has(mmio, VIRTIO_F_INDIRECT_DESC);
	if (virtqueue_activate(queue, mmio->memory, mmio->ops->queue_max) < 0)
		virtio_mmio_queue_broken(mmio, (unsigned int)(queue - mmio->queues));
}

static void
set_half(uint64_t *value, bool high, uint32_t half)
{
	if (high)
		*value = (*value & 0xffffffffull) | (uint64_t)half << 32;
	else
		*value = (*value & ~0xffffffffull) | half;
}

/* Queue registers are writable only while the queue is not live. */
static void
virtio_mmio_queue_write(struct virtio_mmio *mmio, uint64_t offset,
    uint32_t value)
{
	struct virtqueue *queue = selected_queue(mmio);

	if (queue == NULL)
		return;
	if (offset == REG_QUEUE_READY) {
		virtio_mmio_queue_ready(mmio, queue, value);
		return;
	}
	if (queue->active)
		return;
	switch (offset) {
	case REG_QUEUE_NUM:
		queue->size = (uint16_t)(value > 0xffff ? 0 : value);
		break;
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
		set_half(&queue->desc_addr, offset == REG_QUEUE_DESC_HIGH, value);
		break;
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
		set_half(&queue->avail_addr, offset == REG_QUEUE_DRIVER_HIGH,
		    value);
		break;
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
		set_half(&queue->used_addr, offset == REG_QUEUE_DEVICE_HIGH,
		    value);
		break;
	}
}

static void
virtio_mmio_notify(struct virtio_mmio *mmio, uint32_t queue)
{
	uint64_t one = 1;
	int fd = mmio->notify_fd;

	mmio->stats.mmio_notifies++;
	if (mmio->ops->kick_fd != NULL && queue < mmio->ops->queue_count)
		fd = mmio->ops->kick_fd(mmio->device, mmio, queue);
	if (write(fd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: the I/O thread is due anyway */
}

static void
virtio_mmio_write(struct virtio_mmio *mmio, uint64_t offset, uint32_t value)
{
	switch (offset) {
	case REG_DEVICE_FEATURES_SEL:
		mmio->device_features_sel = value;
		break;
	case REG_DRIVER_FEATURES:
		if (mmio->status & VIRTIO_STATUS_FEATURES_OK)
			break;	/* negotiation is over */
		/* What was asked decides FEATURES_OK; only what was
		 * offered is kept, for the device to act on. */
		if (mmio->driver_features_sel < 2)
			set_half(&mmio->driver_asked,
			    mmio->driver_features_sel == 1, value);
		mmio->driver_features = mmio->driver_asked & mmio->features;
		break;
	case REG_DRIVER_FEATURES_SEL:
		mmio->driver_features_sel = value;
		break;
	case REG_QUEUE_SEL:
		mmio->queue_sel = value;
		break;
	case REG_QUEUE_NOTIFY:
		virtio_mmio_notify(mmio, value);
		break;
	case REG_INTERRUPT_ACK:
		mmio->interrupt_status &= ~value;
		break;
	case REG_STATUS:
		virtio_mmio_set_status(mmio, value);
		break;
	default:
		virtio_mmio_queue_write(mmio, offset, value);
		break;
	}
}

static uint32_t
virtio_mmio_read(struct virtio_mmio *mmio, uint64_t offset)
{
	struct virtqueue *queue = selected_queue(mmio);

	switch (offset) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return VIRTIO_MMIO_VERSION;
	case REG_DEVICE_ID:
		return mmio->ops->device_id;
	case REG_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		if (mmio->device_features_sel > 1)
			return 0;
		return (uint32_t)(mmio->features >>
		    (32 * mmio->device_features_sel));
	case REG_QUEUE_NUM_MAX:
		return queue == NULL ? 0 : mmio->ops->queue_max;
	case REG_QUEUE_READY:
		return queue != NULL && queue->active;
	case REG_INTERRUPT_STATUS:
		return mmio->interrupt_status;
	case REG_STATUS:
		return mmio->status;
	case REG_CONFIG_GENERATION:
		return mmio->config_generation;
	}
	return 0;
}

static int
virtio_mmio_config(struct virtio_mmio *mmio, struct mmio_access *access)
{
	uint64_t offset = access->offset - VIRTIO_MMIO_CONFIG;

	if (access->is_write)
		return 0;	/* no device here has writable config */
	memset(access->data, 0, access->length);
	if (offset < mmio->config_size &&
	    access->length <= mmio->config_size - offset)
		memcpy(access->data, mmio->config + offset, access->length);
	return 0;
}

/* The mmio_handler: registers are 32-bit wide and aligned; the config
 * space takes any width. */
int
virtio_mmio_access(void *context, struct mmio_access *access)
{
	struct virtio_mmio *mmio = context;
	uint32_t value = 0;

	if (access->offset >= VIRTIO_MMIO_CONFIG) {
		pthread_mutex_lock(&mmio->lock);
		virtio_mmio_config(mmio, access);
		pthread_mutex_unlock(&mmio->lock);
		return 0;
	}
	if (access->length != 4 || access->offset % 4 != 0)
		return -EINVAL;
	pthread_mutex_lock(&mmio->lock);
	if (access->is_write) {
		memcpy(&value, access->data, 4);
		virtio_mmio_write(mmio, access->offset, value);
	} else {
		value = virtio_mmio_read(mmio, access->offset);
		memcpy(access->data, &value, 4);
	}
	pthread_mutex_unlock(&mmio->lock);
	return 0;
}

/* On the I/O thread, when the device's own fd is readable. */
void
virtio_mmio_poll(struct virtio_mmio *mmio)
{
	pthread_mutex_lock(&mmio->lock);
	if ((mmio->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(mmio->status & VIRTIO_STATUS_NEEDS_RESET))
		mmio->ops->poll_ready(mmio->device, mmio);
	pthread_mutex_unlock(&mmio->lock);
}

/* On the I/O thread, when notify_fd is readable: every live queue of a
 * working device is served (one eventfd covers all the device's queues). */
void
virtio_mmio_process(struct virtio_mmio *mmio)
{
	uint64_t count = 0;
	unsigned int i;

	if (read(mmio->notify_fd, &count, sizeof(count)) != sizeof(count))
		return;
	pthread_mutex_lock(&mmio->lock);
	mmio->stats.notifies += count;
	if ((mmio->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(mmio->status & VIRTIO_STATUS_NEEDS_RESET))
		for (i = 0; i < mmio->ops->queue_count; i++)
			if (mmio->queues[i].active)
				mmio->ops->queue_notify(mmio->device, mmio, i);
	pthread_mutex_unlock(&mmio->lock);
}
