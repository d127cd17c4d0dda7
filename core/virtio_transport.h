/* What every virtio 1.x transport (virtio-mmio, virtio-pci) shares: the
 * device's state as the driver programs it (status, features, queues, the
 * interrupt status), feature negotiation, when a queue goes live, when a
 * device is broken, and the eventfds: notifications in (KVM_IOEVENTFD, or
 * written by the register handler when KVM cannot) and the interrupt out
 * (KVM_IRQFD, or the transport's own delivery: MSI-X). The device behind it
 * is a table of callbacks. The register layouts are the transports'. */
#ifndef VMMD_VIRTIO_TRANSPORT_H
#define VMMD_VIRTIO_TRANSPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_memory.h"
#include "mmio.h"
#include "virtqueue.h"

#define VIRTIO_MAX_QUEUES	4

#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4
#define VIRTIO_ID_VSOCK		19

#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_EVENT_IDX	29
#define VIRTIO_F_VERSION_1	32

#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

#define VIRTIO_INT_VRING	1
#define VIRTIO_INT_CONFIG	2

struct virtio_transport;
struct snapshot_blob;
struct snapshot_writer;

/* What one device type provides. queue_notify runs on the VM's I/O thread
 * with the transport's lock held: it takes chains with virtqueue_pop,
 * serves them, pushes them and calls virtio_transport_queue_done. */
struct virtio_device_ops {
	uint32_t device_id;
	unsigned int queue_count;
	uint16_t queue_max;
	void (*queue_notify)(void *device, struct virtio_transport *transport,
	    unsigned int queue);
	void (*reset)(void *device);	/* optional */
	/* Optional: a host fd the I/O thread watches for the device (a tap),
	 * and what to do when it is readable (edge-triggered). */
	int (*poll_fd)(void *device);
	void (*poll_ready)(void *device, struct virtio_transport *transport);
	/* Optional, for queues served elsewhere (vhost): the eventfd that a
	 * notify of this queue signals, and the hook run at DRIVER_OK, whose
	 * failure marks the device NEEDS_RESET. */
	int (*kick_fd)(void *device, struct virtio_transport *transport,
	    unsigned int queue);
	int (*activate)(void *device, struct virtio_transport *transport);
};

struct virtio_transport_stats {
	uint64_t notifies;		/* queue notifications the device saw */
	uint64_t mmio_notifies;		/* of those, the ones that exited to vmmd */
	uint64_t interrupts;		/* interrupts sent */
	uint64_t chains;		/* chains served */
	uint64_t resets;		/* driver resets */
	uint64_t needs_reset;		/* times the device found a broken ring */
};

/* A transport's own interrupt delivery (virtio-pci's MSI-X): called with
 * the lock held; returns false when the interrupt is to go the common way
 * (interrupt_status and irq_fd). queue is the queue's index, or
 * VIRTIO_QUEUE_NONE for a config change. */
#define VIRTIO_QUEUE_NONE	0xffffu
struct virtio_interrupt_route {
	bool (*deliver)(void *context, unsigned int queue);
	void *context;
};

struct virtio_transport {
	const char *name;
	const struct virtio_device_ops *ops;
	void *device;
	uint64_t features;		/* offered: the device's and the transport's */
	const uint8_t *config;		/* the device's config space */
	uint32_t config_size;
	const struct guest_memory *memory;
	pthread_mutex_t lock;		/* the registers and queues below */
	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_asked;		/* as the driver wrote them */
	uint64_t driver_features;	/* of those, the offered ones */
	uint32_t queue_sel;
	uint32_t interrupt_status;
	uint32_t config_generation;
	struct virtqueue queues[VIRTIO_MAX_QUEUES];
	int notify_fd;			/* eventfd: queue notifications */
	int irq_fd;			/* eventfd: the interrupt (KVM_IRQFD) */
	struct virtio_interrupt_route route;	/* optional */
	struct virtio_transport_stats stats;
	char fault[160];		/* why NEEDS_RESET was last set */
};

int virtio_transport_init(struct virtio_transport *transport,
    const char *name, const struct virtio_device_ops *ops, void *device,
    uint64_t features, const uint8_t *config, uint32_t config_size,
    const struct guest_memory *memory);
void virtio_transport_destroy(struct virtio_transport *transport);
void virtio_transport_process(struct virtio_transport *transport);
void virtio_transport_poll(struct virtio_transport *transport);
void virtio_transport_resample(struct virtio_transport *transport);
void virtio_transport_signal_used(struct virtio_transport *transport);
void virtio_transport_queue_done(struct virtio_transport *transport,
    unsigned int queue);
void virtio_transport_queue_broken(struct virtio_transport *transport,
    unsigned int queue);
bool virtio_transport_driver_has(const struct virtio_transport *transport,
    unsigned int bit);

/* The driver's side, for the transports' register handlers (lock held). */
uint32_t virtio_transport_device_features(
    const struct virtio_transport *transport);
void virtio_transport_write_driver_features(struct virtio_transport *transport,
    uint32_t value);
void virtio_transport_set_status(struct virtio_transport *transport,
    uint32_t value);
struct virtqueue *virtio_transport_selected_queue(
    struct virtio_transport *transport);
void virtio_transport_queue_enable(struct virtio_transport *transport,
    struct virtqueue *queue, uint32_t value);
void virtio_transport_notify(struct virtio_transport *transport,
    uint32_t queue);
void virtio_transport_config_read(const struct virtio_transport *transport,
    uint64_t offset, uint8_t *data, uint32_t length);
void virtio_set_half(uint64_t *value, bool high, uint32_t half);

/* The driver's side of the device for a snapshot (status, features,
 * selectors, ISR, config generation, each queue), lock held by the caller;
 * and back into a transport of the same device with the same offer,
 * refusing any other or a malformed blob (why, without the device's name). */
void virtio_transport_save(const struct virtio_transport *transport,
    struct snapshot_writer *writer);
int virtio_transport_restore(struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size);
/* Whether the device is live: DRIVER_OK and no reset needed. */
bool virtio_transport_running(const struct virtio_transport *transport);

#endif
