/* The virtio-mmio transport, version 2 (virtio 1.x): the register window a
 * guest driver programs, feature negotiation, queue set-up, interrupts
 * through an eventfd (KVM_IRQFD) and notifications through an eventfd
 * (KVM_IOEVENTFD, or written by the MMIO handler when KVM cannot). The
 * device behind it is a table of callbacks. */
#ifndef VMMD_VIRTIO_MMIO_H
#define VMMD_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_memory.h"
#include "mmio.h"
#include "virtqueue.h"

#define VIRTIO_MMIO_MAX_QUEUES		4
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050	/* the register KVM_IOEVENTFD watches */
#define VIRTIO_MMIO_CONFIG		0x100

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

struct virtio_mmio;

/* What one device type provides. queue_notify runs on the VM's I/O thread
 * with the transport's lock held: it takes chains with virtqueue_pop,
 * serves them, pushes them and calls virtio_mmio_queue_done. */
struct virtio_device_ops {
	uint32_t device_id;
	unsigned int queue_count;
	uint16_t queue_max;
	void (*queue_notify)(void *device, struct virtio_mmio *mmio,
	    unsigned int queue);
	void (*reset)(void *device);	/* optional */
	/* Optional: a host fd the I/O thread watches for the device (a tap),
	 * and what to do when it is readable (edge-triggered). */
	int (*poll_fd)(void *device);
	void (*poll_ready)(void *device, struct virtio_mmio *mmio);
	/* Optional, for queues served elsewhere (vhost): the eventfd that a
	 * notify of this queue signals, and the hook run at DRIVER_OK, whose
	 * failure marks the device NEEDS_RESET. */
	int (*kick_fd)(void *device, struct virtio_mmio *mmio,
	    unsigned int queue);
	int (*activate)(void *device, struct virtio_mmio *mmio);
};

struct virtio_mmio_stats {
	uint64_t notifies;		/* queue notifications the device saw */
	uint64_t mmio_notifies;		/* of those, the ones that exited to vmmd */
	uint64_t interrupts;		/* interrupts sent */
	uint64_t chains;		/* chains served */
	uint64_t resets;		/* driver resets */
	uint64_t needs_reset;		/* times the device found a broken ring */
};

struct virtio_mmio {
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
	struct virtqueue queues[VIRTIO_MMIO_MAX_QUEUES];
	int notify_fd;			/* eventfd: queue notifications */
	int irq_fd;			/* eventfd: the interrupt (KVM_IRQFD) */
	struct virtio_mmio_stats stats;
	char fault[160];		/* why NEEDS_RESET was last set */
};

int virtio_mmio_init(struct virtio_mmio *mmio, const char *name,
    const struct virtio_device_ops *ops, void *device, uint64_t features,
    const uint8_t *config, uint32_t config_size,
    const struct guest_memory *memory);
void virtio_mmio_destroy(struct virtio_mmio *mmio);
int virtio_mmio_access(void *context, struct mmio_access *access);
void virtio_mmio_process(struct virtio_mmio *mmio);
void virtio_mmio_poll(struct virtio_mmio *mmio);
void virtio_mmio_signal_used(struct virtio_mmio *mmio);
void virtio_mmio_queue_done(struct virtio_mmio *mmio, unsigned int queue);
void virtio_mmio_queue_broken(struct virtio_mmio *mmio, unsigned int queue);
bool virtio_mmio_driver_has(const struct virtio_mmio *mmio, unsigned int bit);

#endif
