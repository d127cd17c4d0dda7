/* What a virtio 1.x transport decides whatever its registers look like:
 * which features stick, when a queue goes live, when a device is broken
 * (NEEDS_RESET, a config interrupt, one log line), and how an interrupt or
 * a notification reaches its eventfd. */
#include "virtio_transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "snapshot_blob.h"

#define TRANSPORT_FEATURES	(1ull << VIRTIO_F_VERSION_1 | \
	1ull << VIRTIO_F_EVENT_IDX | 1ull << VIRTIO_F_INDIRECT_DESC)

int
virtio_transport_init(struct virtio_transport *transport, const char *name,
    const struct virtio_device_ops *ops, void *device, uint64_t features,
    const uint8_t *config, uint32_t config_size,
    const struct guest_memory *memory)
{
	int rc;

	if (ops->queue_count == 0 || ops->queue_count > VIRTIO_MAX_QUEUES ||
	    ops->queue_max == 0 || ops->queue_max > VIRTQ_MAX_SIZE)
		return -EINVAL;
	memset(transport, 0, sizeof(*transport));
	transport->name = name;
	transport->ops = ops;
	transport->device = device;
	transport->features = features | TRANSPORT_FEATURES;
	transport->config = config;
	transport->config_size = config_size;
	transport->memory = memory;
	transport->irq_fd = -1;
	transport->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (transport->notify_fd < 0)
		return -errno;
	transport->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (transport->irq_fd < 0) {
		rc = -errno;
		close(transport->notify_fd);
		transport->notify_fd = -1;
		return rc;
	}
	pthread_mutex_init(&transport->lock, NULL);
	return 0;
}

void
virtio_transport_destroy(struct virtio_transport *transport)
{
	if (transport->ops == NULL)
		return;
	if (transport->notify_fd >= 0)
		close(transport->notify_fd);
	if (transport->irq_fd >= 0)
		close(transport->irq_fd);
	pthread_mutex_destroy(&transport->lock);
	transport->ops = NULL;
}

bool
virtio_transport_driver_has(const struct virtio_transport *transport,
    unsigned int bit)
{
	return (transport->driver_features >> bit) & 1;
}

static void
raise_irq(struct virtio_transport *transport)
{
	uint64_t one = 1;

	if (write(transport->irq_fd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: an interrupt is pending anyway */
}

static void
virtio_transport_interrupt(struct virtio_transport *transport,
    uint32_t reason, unsigned int queue)
{
	transport->stats.interrupts++;
	if (transport->route.deliver != NULL &&
	    transport->route.deliver(transport->route.context, queue))
		return;
	transport->interrupt_status |= reason;
	raise_irq(transport);
}

/* On the I/O thread, when KVM lowered a level-triggered line at the
 * guest's EOI (KVM_IRQFD_FLAG_RESAMPLE): up again while the guest has not
 * read the interrupt status since. */
void
virtio_transport_resample(struct virtio_transport *transport)
{
	pthread_mutex_lock(&transport->lock);
	if (transport->interrupt_status != 0)
		raise_irq(transport);
	pthread_mutex_unlock(&transport->lock);
}

/* Called with the lock held, when queues served elsewhere (vhost) asked
 * for an interrupt: every live queue's, as which one is not known. */
void
virtio_transport_signal_used(struct virtio_transport *transport)
{
	unsigned int i;

	if (transport->route.deliver == NULL) {
		virtio_transport_interrupt(transport, VIRTIO_INT_VRING, 0);
		return;
	}
	for (i = 0; i < transport->ops->queue_count; i++)
		if (transport->queues[i].active)
			virtio_transport_interrupt(transport, VIRTIO_INT_VRING,
			    i);
}

/* Called with the lock held, after a device pushed to a queue. */
void
virtio_transport_queue_done(struct virtio_transport *transport,
    unsigned int queue)
{
	if (virtqueue_should_signal(&transport->queues[queue]))
		virtio_transport_interrupt(transport, VIRTIO_INT_VRING, queue);
}

/* The device stops using every queue until the driver resets it (virtio
 * 1.x, 2.1.2): one log line saying why and a config interrupt. The fault
 * (for the device's report) is set by the caller. */
static void
virtio_transport_needs_reset(struct virtio_transport *transport,
    const char *why)
{
	transport->status |= VIRTIO_STATUS_NEEDS_RESET;
	transport->stats.needs_reset++;
	log_warnx("%s needs a reset: %s", transport->name, why);
	virtio_transport_interrupt(transport, VIRTIO_INT_CONFIG,
	    VIRTIO_QUEUE_NONE);
}

/* The guest broke its side of a ring. */
void
virtio_transport_queue_broken(struct virtio_transport *transport,
    unsigned int queue)
{
	const char *what = virtq_error_name(transport->queues[queue].error);
	char why[sizeof(transport->fault)];

	if (transport->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	snprintf(transport->fault, sizeof(transport->fault), "queue %u: %s",
	    queue, what);
	snprintf(why, sizeof(why), "the guest gave queue %u %s", queue, what);
	virtio_transport_needs_reset(transport, why);
}

static void
virtio_transport_reset(struct virtio_transport *transport)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtqueue_reset(&transport->queues[i]);
	transport->status = 0;
	transport->driver_features = 0;
	transport->driver_asked = 0;
	transport->device_features_sel = 0;
	transport->driver_features_sel = 0;
	transport->queue_sel = 0;
	transport->interrupt_status = 0;
	transport->stats.resets++;
	if (transport->ops->reset != NULL)
		transport->ops->reset(transport->device);
}

/* Whether the driver asked only for what was offered, VERSION_1 among
 * it: what FEATURES_OK needs. */
static bool
virtio_transport_features_ok(const struct virtio_transport *transport)
{
	return (transport->driver_asked & ~transport->features) == 0 &&
	    virtio_transport_driver_has(transport, VIRTIO_F_VERSION_1);
}

/* Status bits only ever go on (a driver may not clear one, virtio 1.x,
 * 2.1.2): only a reset (0) clears them, so the features of a live device
 * cannot be reopened. A driver that asked for a feature the device did not
 * offer, or not for VERSION_1, does not get FEATURES_OK (it reads the
 * status back). The device starts at DRIVER_OK only after FEATURES_OK and
 * while it needs no reset; DRIVER_OK without FEATURES_OK is a driver
 * error, and the device then needs a reset. */
void
virtio_transport_set_status(struct virtio_transport *transport,
    uint32_t value)
{
	uint32_t added = value & ~transport->status &
	    ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET;

	if (value == 0) {
		virtio_transport_reset(transport);
		return;
	}
	if ((added & VIRTIO_STATUS_FEATURES_OK) &&
	    !virtio_transport_features_ok(transport))
		added &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	transport->status |= added;
	if (!(added & VIRTIO_STATUS_DRIVER_OK) ||
	    (transport->status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	if (!(transport->status & VIRTIO_STATUS_FEATURES_OK))
		snprintf(transport->fault, sizeof(transport->fault), "the "
		    "driver set DRIVER_OK without FEATURES_OK");
	else if (transport->ops->activate != NULL &&
	    transport->ops->activate(transport->device, transport) < 0)
		snprintf(transport->fault, sizeof(transport->fault), "the "
		    "device could not start its queues");
	else
		return;
	virtio_transport_needs_reset(transport, transport->fault);
}

uint32_t
virtio_transport_device_features(const struct virtio_transport *transport)
{
	if (transport->device_features_sel > 1)
		return 0;
	return (uint32_t)(transport->features >>
	    (32 * transport->device_features_sel));
}

void
virtio_set_half(uint64_t *value, bool high, uint32_t half)
{
	if (high)
		*value = (*value & 0xffffffffull) | (uint64_t)half << 32;
	else
		*value = (*value & ~0xffffffffull) | half;
}

void
virtio_transport_write_driver_features(struct virtio_transport *transport,
    uint32_t value)
{
	if (transport->status & VIRTIO_STATUS_FEATURES_OK)
		return;	/* negotiation is over */
	/* What was asked decides FEATURES_OK; only what was offered is
	 * kept, for the device to act on. */
	if (transport->driver_features_sel < 2)
		virtio_set_half(&transport->driver_asked,
		    transport->driver_features_sel == 1, value);
	transport->driver_features = transport->driver_asked &
	    transport->features;
}

struct virtqueue *
virtio_transport_selected_queue(struct virtio_transport *transport)
{
	if (transport->queue_sel >= transport->ops->queue_count)
		return NULL;
	return &transport->queues[transport->queue_sel];
}

void
virtio_transport_queue_enable(struct virtio_transport *transport,
    struct virtqueue *queue, uint32_t value)
{
	if (value == 0) {
		queue->active = false;
		return;
	}
	if (queue->active)
		return;
	queue->event_idx = virtio_transport_driver_has(transport,
	    VIRTIO_F_EVENT_IDX);
	queue->indirect = virtio_transport_driver_has(transport,
	    VIRTIO_F_INDIRECT_DESC);
	if (virtqueue_activate(queue, transport->memory,
	    transport->ops->queue_max) < 0)
		virtio_transport_queue_broken(transport,
		    (unsigned int)(queue - transport->queues));
}

/* A notify that exited to vmmd (no ioeventfd) signals what KVM would. */
void
virtio_transport_notify(struct virtio_transport *transport, uint32_t queue)
{
	uint64_t one = 1;
	int fd = transport->notify_fd;

	transport->stats.mmio_notifies++;
	if (transport->ops->kick_fd != NULL &&
	    queue < transport->ops->queue_count)
		fd = transport->ops->kick_fd(transport->device, transport,
		    queue);
	if (write(fd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: the I/O thread is due anyway */
}

/* Any width; no device here has writable config, bytes past it read 0. */
void
virtio_transport_config_read(const struct virtio_transport *transport,
    uint64_t offset, uint8_t *data, uint32_t length)
{
	memset(data, 0, length);
	if (offset < transport->config_size &&
	    length <= transport->config_size - offset)
		memcpy(data, transport->config + offset, length);
}

/* On the I/O thread, when the device's own fd is readable. */
void
virtio_transport_poll(struct virtio_transport *transport)
{
	pthread_mutex_lock(&transport->lock);
	if ((transport->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(transport->status & VIRTIO_STATUS_NEEDS_RESET))
		transport->ops->poll_ready(transport->device, transport);
	pthread_mutex_unlock(&transport->lock);
}

/* On the I/O thread, when notify_fd is readable: every live queue of a
 * working device is served (one eventfd covers all the device's queues). */
void
virtio_transport_process(struct virtio_transport *transport)
{
	uint64_t count = 0;
	unsigned int i;

	if (read(transport->notify_fd, &count, sizeof(count)) != sizeof(count))
		return;
	pthread_mutex_lock(&transport->lock);
	transport->stats.notifies += count;
	if ((transport->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(transport->status & VIRTIO_STATUS_NEEDS_RESET))
		for (i = 0; i < transport->ops->queue_count; i++)
			if (transport->queues[i].active)
				transport->ops->queue_notify(transport->device,
				    transport, i);
	pthread_mutex_unlock(&transport->lock);
}

bool
virtio_transport_running(const struct virtio_transport *transport)
{
	return (transport->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(transport->status & VIRTIO_STATUS_NEEDS_RESET);
}

#define STATUS_KNOWN	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
	VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | \
	VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)

void
virtio_transport_save(const struct virtio_transport *transport,
    struct snapshot_writer *writer)
{
	unsigned int i;

	snapshot_put_u32(writer, transport->ops->device_id);
	snapshot_put_u32(writer, transport->ops->queue_count);
	snapshot_put_u64(writer, transport->features);
	snapshot_put_u32(writer, transport->status);
	snapshot_put_u32(writer, transport->device_features_sel);
	snapshot_put_u32(writer, transport->driver_features_sel);
	snapshot_put_u64(writer, transport->driver_asked);
	snapshot_put_u64(writer, transport->driver_features);
	snapshot_put_u32(writer, transport->queue_sel);
	snapshot_put_u32(writer, transport->interrupt_status);
	snapshot_put_u32(writer, transport->config_generation);
	for (i = 0; i < transport->ops->queue_count; i++)
		virtqueue_save(&transport->queues[i], writer);
}

/* What must be as in this VM: the device, its queues, its offer. */
static int
transport_identity(const struct virtio_transport *transport,
    struct snapshot_cursor *cursor, char *why, size_t why_size)
{
	uint32_t device_id = snapshot_get_u32(cursor);
	uint32_t queues = snapshot_get_u32(cursor);
	uint64_t features = snapshot_get_u64(cursor);

	if (cursor->short_read)
		snprintf(why, why_size, "transport: truncated");
	else if (device_id != transport->ops->device_id ||
	    queues != transport->ops->queue_count)
		snprintf(why, why_size, "virtio device %u with %u queues where "
		    "this VM has device %u with %u", device_id, queues,
		    transport->ops->device_id, transport->ops->queue_count);
	else if (features != transport->features)
		snprintf(why, why_size, "offered features %#llx, this VM's "
		    "device offers %#llx (another tap or host kernel?)",
		    (unsigned long long)features,
		    (unsigned long long)transport->features);
	else
		return 0;
	return -EINVAL;
}

static int
transport_registers(struct virtio_transport *transport,
    struct snapshot_cursor *cursor, char *why, size_t why_size)
{
	transport->status = snapshot_get_u32(cursor);
	transport->device_features_sel = snapshot_get_u32(cursor);
	transport->driver_features_sel = snapshot_get_u32(cursor);
	transport->driver_asked = snapshot_get_u64(cursor);
	transport->driver_features = snapshot_get_u64(cursor);
	transport->queue_sel = snapshot_get_u32(cursor);
	transport->interrupt_status = snapshot_get_u32(cursor);
	transport->config_generation = snapshot_get_u32(cursor);
	if (cursor->short_read)
		snprintf(why, why_size, "transport: truncated");
	else if (transport->status & ~(uint32_t)STATUS_KNOWN ||
	    transport->status > 0xff)
		snprintf(why, why_size, "status %#x has unknown bits",
		    transport->status);
	else if (transport->driver_features !=
	    (transport->driver_asked & transport->features))
		snprintf(why, why_size, "driver features %#llx are not what "
		    "it asked of the offer", (unsigned long long)
		    transport->driver_features);
	else if (transport->interrupt_status &
	    ~(uint32_t)(VIRTIO_INT_VRING | VIRTIO_INT_CONFIG))
		snprintf(why, why_size, "interrupt status %#x has unknown bits",
		    transport->interrupt_status);
	else
		return 0;
	return -EINVAL;
}

static int
transport_queues(struct virtio_transport *transport,
    struct snapshot_cursor *cursor, char *why, size_t why_size)
{
	char inner[160];
	unsigned int i;

	for (i = 0; i < transport->ops->queue_count; i++)
		if (virtqueue_restore(&transport->queues[i], cursor,
		    transport->memory, transport->ops->queue_max, inner,
		    sizeof(inner)) < 0) {
			snprintf(why, why_size, "queue %u: %s", i, inner);
			return -EINVAL;
		}
	return snapshot_cursor_end(cursor, "transport", why, why_size);
}

/* On a refusal the transport is left reset, as a fresh device is. */
int
virtio_transport_restore(struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	struct snapshot_cursor cursor;
	int rc;

	snapshot_cursor_init(&cursor, blob);
	pthread_mutex_lock(&transport->lock);
	rc = transport_identity(transport, &cursor, why, why_size);
	if (rc == 0)
		rc = transport_registers(transport, &cursor, why, why_size);
	if (rc == 0)
		rc = transport_queues(transport, &cursor, why, why_size);
	if (rc < 0) {
		for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
			virtqueue_reset(&transport->queues[i]);
		transport->status = 0;
		transport->driver_asked = transport->driver_features = 0;
		transport->interrupt_status = 0;
	}
	pthread_mutex_unlock(&transport->lock);
	return rc;
}
