/* The virtio-mmio register window (virtio 1.x, section 4.2.2): offsets and
 * widths; what a write means is the transport's (virtio_transport.c). */
#include "virtio_mmio.h"

#include <errno.h>
#include <string.h>

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

/* Queue registers are writable only while the queue is not live. */
static void
virtio_mmio_queue_write(struct virtio_transport *transport, uint64_t offset,
    uint32_t value)
{
	struct virtqueue *queue = virtio_transport_selected_queue(transport);

	if (queue == NULL)
		return;
	if (offset == REG_QUEUE_READY) {
		virtio_transport_queue_enable(transport, queue, value);
		return;
	}
	if (queue->active)
		return;
	switch (offset) {
	case REG_QUEUE_NUM:
		queue->size = (uint16_t)(value > 0xffff ? 0 : value);
		break;
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
		virtio_set_half(&queue->desc_addr,
		    offset == REG_QUEUE_DESC_HIGH, value);
		break;
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
		virtio_set_half(&queue->avail_addr,
		    offset == REG_QUEUE_DRIVER_HIGH, value);
		break;
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
		virtio_set_half(&queue->used_addr,
		    offset == REG_QUEUE_DEVICE_HIGH, value);
		break;
	}
}

static void
virtio_mmio_write(struct virtio_transport *transport, uint64_t offset,
    uint32_t value)
{
	switch (offset) {
	case REG_DEVICE_FEATURES_SEL:
		transport->device_features_sel = value;
		break;
	case REG_DRIVER_FEATURES:
		virtio_transport_write_driver_features(transport, value);
		break;
	case REG_DRIVER_FEATURES_SEL:
		transport->driver_features_sel = value;
		break;
	case REG_QUEUE_SEL:
		transport->queue_sel = value;
		break;
	case REG_QUEUE_NOTIFY:
		virtio_transport_notify(transport, value);
		break;
	case REG_INTERRUPT_ACK:
		transport->interrupt_status &= ~value;
		break;
	case REG_STATUS:
		virtio_transport_set_status(transport, value);
		break;
	default:
		virtio_mmio_queue_write(transport, offset, value);
		break;
	}
}

static uint32_t
virtio_mmio_read(struct virtio_transport *transport, uint64_t offset)
{
	struct virtqueue *queue = virtio_transport_selected_queue(transport);

	switch (offset) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return VIRTIO_MMIO_VERSION;
	case REG_DEVICE_ID:
		return transport->ops->device_id;
	case REG_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		return virtio_transport_device_features(transport);
	case REG_QUEUE_NUM_MAX:
		return queue == NULL ? 0 : transport->ops->queue_max;
	case REG_QUEUE_READY:
		return queue != NULL && queue->active;
	case REG_INTERRUPT_STATUS:
		return transport->interrupt_status;
	case REG_STATUS:
		return transport->status;
	case REG_CONFIG_GENERATION:
		return transport->config_generation;
	}
	return 0;
}

/* The mmio_handler: registers are 32-bit wide and aligned; the config
 * space takes any width and is read-only. */
int
virtio_mmio_access(void *context, struct mmio_access *access)
{
	struct virtio_transport *transport = context;
	uint32_t value = 0;

	if (access->offset >= VIRTIO_MMIO_CONFIG) {
		pthread_mutex_lock(&transport->lock);
		if (!access->is_write)
			virtio_transport_config_read(transport,
			    access->offset - VIRTIO_MMIO_CONFIG, access->data,
			    access->length);
		pthread_mutex_unlock(&transport->lock);
		return 0;
	}
	if (access->length != 4 || access->offset % 4 != 0)
		return -EINVAL;
	pthread_mutex_lock(&transport->lock);
	if (access->is_write) {
		memcpy(&value, access->data, 4);
		virtio_mmio_write(transport, access->offset, value);
	} else {
		value = virtio_mmio_read(transport, access->offset);
		memcpy(access->data, &value, 4);
	}
	pthread_mutex_unlock(&transport->lock);
	return 0;
}
