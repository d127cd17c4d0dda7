/* A VM's virtio devices and the one I/O thread that serves them: each
 * device is a virtio-mmio window in the forward map, its queue
 * notifications an eventfd KVM signals (KVM_IOEVENTFD) and the I/O thread
 * waits on (epoll), its interrupt an eventfd KVM injects (KVM_IRQFD). The
 * vCPUs never wait for a device's I/O. */
#ifndef VMMD_VM_IO_H
#define VMMD_VM_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "forward_map.h"
#include "guest_memory.h"
#include "virtio_blk.h"
#include "virtio_console.h"
#include "virtio_mmio.h"
#include "virtio_net.h"
#include "virtio_rng.h"
#include "virtio_vsock.h"

#define VM_IO_MAX_DEVICES	16
#define VM_IO_NAME_MAX		24

enum vm_device_kind {
	VM_DEVICE_BLOCK,
	VM_DEVICE_RNG,
	VM_DEVICE_NET,
	VM_DEVICE_VSOCK,
	VM_DEVICE_CONSOLE,
	VM_DEVICE_KIND_COUNT,
};

/* One device as the user asked for it. */
struct vm_device_spec {
	enum vm_device_kind kind;
	const char *path;		/* block: the image or block device */
	bool read_only;			/* block */
	const char *serial;		/* block: or NULL */
	const char *tap_name;		/* net: a tap vmmd opens, or NULL */
	int tap_fd;			/* net: a tap vmmd is handed */
	uint8_t mac[6];			/* net */
	uint64_t cid;			/* vsock: the guest's context ID */
};

/* Where the devices go: device i at base + i * stride, interrupt irq_base + i. */
struct vm_io_placement {
	uint64_t base;
	uint64_t stride;
	unsigned int irq_base;
	unsigned int max;
};

/* Where a virtio-console's output goes (the VM's console). */
struct vm_io_sink {
	void (*console)(void *context, const uint8_t *data, size_t length);
	void *context;
};

struct vm_io_device {
	enum vm_device_kind kind;
	const char *name;		/* static: the forward map and reports keep it */
	uint64_t base;
	unsigned int irq;
	bool ioeventfd;			/* KVM takes the notifications */
	bool irqfd;
	struct vm_io_source {		/* what an epoll event is about */
		struct vm_io_device *device;
		bool poll;		/* the device's own fd, not a notify */
	} notify_source, poll_source;
	struct virtio_mmio mmio;
	union {
		struct virtio_blk blk;
		struct virtio_rng rng;
		struct virtio_net net;
		struct virtio_vsock vsock;
		struct virtio_console console;
	} u;
};

struct vm_io {
	struct vm_io_device *devices;
	unsigned int count;
	uint64_t window;		/* each device's register window: the stride */
	int vm_fd;
	int epoll_fd;
	int stop_fd;
	pthread_t thread;
	bool started;
};

/* What a device did, for `vmmd run --json`, kept after the VM is gone. */
struct vm_device_result {
	enum vm_device_kind kind;
	char name[VM_IO_NAME_MAX];
	uint64_t base;
	unsigned int irq;
	bool ioeventfd;
	uint32_t status;		/* the virtio status register at the end */
	char fault[160];		/* why it needed a reset, or "" */
	struct virtio_mmio_stats stats;
	struct virtio_blk_stats blk;
	uint64_t rng_bytes;
	struct virtio_net_stats net;
	char ifname[VIRTIO_NET_IFNAME_MAX];
	uint64_t cid;
	uint64_t vhost_interrupts;
	uint64_t console_bytes;
	uint64_t console_bytes_in;
};

const char *vm_device_kind_name(enum vm_device_kind kind);
int vm_io_create(struct vm_io *io, const struct vm_device_spec *specs,
    unsigned int count, const struct guest_memory *memory,
    const struct vm_io_placement *placement, const struct vm_io_sink *sink);
int vm_io_attach(struct vm_io *io, int vm_fd, struct forward_map *map);
int vm_io_start(struct vm_io *io);
void vm_io_stop(struct vm_io *io);
void vm_io_console_input(struct vm_io *io, const uint8_t *data,
    size_t length);
void vm_io_results(const struct vm_io *io, struct vm_device_result *results,
    unsigned int *count);
void vm_io_destroy(struct vm_io *io);

#endif
