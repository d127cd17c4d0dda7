/* Creating a VM's virtio devices from their specs, wiring them to KVM
 * (forward map entry, ioeventfd, irqfd) and running the I/O thread. */
#include "vm_io.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm.h"
#include "log.h"

static const char *const kind_names[VM_DEVICE_KIND_COUNT] = {
	[VM_DEVICE_BLOCK] = "block",
	[VM_DEVICE_RNG] = "rng",
	[VM_DEVICE_NET] = "net",
	[VM_DEVICE_VSOCK] = "vsock",
	[VM_DEVICE_CONSOLE] = "console",
};

#define DEVICE_NAMES(kind) { kind "0", kind "1", kind "2", kind "3", kind "4", \
	kind "5", kind "6", kind "7", kind "8", kind "9", kind "10", kind "11", \
	kind "12", kind "13", kind "14", kind "15" }

static const char *const device_names[VM_DEVICE_KIND_COUNT][VM_IO_MAX_DEVICES] = {
	[VM_DEVICE_BLOCK] = DEVICE_NAMES("block"),
	[VM_DEVICE_RNG] = DEVICE_NAMES("rng"),
	[VM_DEVICE_NET] = DEVICE_NAMES("net"),
	[VM_DEVICE_VSOCK] = DEVICE_NAMES("vsock"),
	[VM_DEVICE_CONSOLE] = DEVICE_NAMES("console"),
};

const char *
vm_device_kind_name(enum vm_device_kind kind)
{
	if ((unsigned int)kind >= VM_DEVICE_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

static int
vm_io_create_block(struct vm_io_device *device,
    const struct vm_device_spec *spec, const struct guest_memory *memory)
{
	struct virtio_blk *blk = &device->u.blk;
	int rc;

	rc = virtio_blk_open(blk, spec->path, spec->read_only, spec->serial);
	if (rc < 0) {
		log_warnx("cannot open disk %s%s: %s", spec->path,
		    spec->read_only ? " read-only" : "",
		    rc == -EINVAL ? "not a regular file or block device of a "
		    "whole, non-zero number of 512-byte sectors" : strerror(-rc));
		return rc;
	}
	rc = virtio_mmio_init(&device->mmio, device->name, &virtio_blk_ops, blk,
	    virtio_blk_features(blk), blk->config, sizeof(blk->config), memory);
	if (rc < 0)
		virtio_blk_close(blk);
	return rc;
}

static int
vm_io_create_net(struct vm_io_device *device,
    const struct vm_device_spec *spec, const struct guest_memory *memory)
{
	struct virtio_net *net = &device->u.net;
	int rc;

	rc = virtio_net_open(net, spec->tap_name, spec->tap_fd, spec->mac);
	if (rc < 0) {
		if (spec->tap_name != NULL)
			log_warnx("cannot open tap %s: %s%s", spec->tap_name,
			    strerror(-rc), rc == -ENOENT ? " (no /dev/net/tun: "
			    "load the tun module)" : "");
		else
			log_warnx("cannot use fd %d as a tap: %s",
			    spec->tap_fd, rc == -EINVAL ? "not a tap opened "
			    "with IFF_VNET_HDR" : strerror(-rc));
		return rc;
	}
	rc = virtio_mmio_init(&device->mmio, device->name, &virtio_net_ops, net,
	    virtio_net_features(net), net->config, sizeof(net->config), memory);
	if (rc < 0)
		virtio_net_close(net);
	return rc;
}

static int
vm_io_create_vsock(struct vm_io_device *device,
    const struct vm_device_spec *spec, const struct guest_memory *memory)
{
	struct virtio_vsock *vsock = &device->u.vsock;
	int rc;

	rc = virtio_vsock_open(vsock, spec->cid, memory);
	if (rc < 0) {
		log_warnx("cannot give the guest vsock CID %" PRIu64 ": %s%s",
		    spec->cid, strerror(-rc), rc == -ENOENT ? " (no "
		    "/dev/vhost-vsock: load the vhost_vsock module)" :
		    rc == -EADDRINUSE ? " (another VM has it)" : "");
		return rc;
	}
	rc = virtio_mmio_init(&device->mmio, device->name, &virtio_vsock_ops,
	    vsock, virtio_vsock_features(vsock), vsock->config,
	    sizeof(vsock->config), memory);
	if (rc < 0)
		virtio_vsock_close(vsock);
	return rc;
}

static int
vm_io_create_device(struct vm_io_device *device,
    const struct vm_device_spec *spec, const struct guest_memory *memory,
    const struct vm_io_sink *sink)
{
	int rc;

	device->kind = spec->kind;
	switch (spec->kind) {
	case VM_DEVICE_BLOCK:
		return vm_io_create_block(device, spec, memory);
	case VM_DEVICE_NET:
		return vm_io_create_net(device, spec, memory);
	case VM_DEVICE_VSOCK:
		return vm_io_create_vsock(device, spec, memory);
	case VM_DEVICE_CONSOLE:
		virtio_console_init(&device->u.console, sink->console,
		    sink->context);
		rc = virtio_mmio_init(&device->mmio, device->name,
		    &virtio_console_ops, &device->u.console, 0,
		    device->u.console.config, sizeof(device->u.console.config),
		    memory);
		if (rc < 0)
			log_warnx("cannot create %s: %s", device->name,
			    strerror(-rc));
		return rc;
	case VM_DEVICE_RNG:
		rc = virtio_mmio_init(&device->mmio, device->name,
		    &virtio_rng_ops, &device->u.rng, 0, NULL, 0, memory);
		if (rc < 0)
			log_warnx("cannot create %s: %s", device->name,
			    strerror(-rc));
		return rc;
	default:
		return -EINVAL;	/* vm_io_create checked the kind */
	}
}

/* Names are the kind and the index among devices of that kind: block0. */
int
vm_io_create(struct vm_io *io, const struct vm_device_spec *specs,
    unsigned int count, const struct guest_memory *memory,
    const struct vm_io_placement *placement, const struct vm_io_sink *sink)
{
	unsigned int per_kind[VM_DEVICE_KIND_COUNT] = { 0 }, i, kind;
	struct vm_io_device *device;
	int rc;

	memset(io, 0, sizeof(*io));
	io->epoll_fd = -1;
	io->stop_fd = -1;
	io->vm_fd = -1;
	if (count == 0)
		return 0;
	if (count > VM_IO_MAX_DEVICES || count > placement->max) {
		log_warnx("cannot create %u devices: a VM has at most %u", count,
		    VM_IO_MAX_DEVICES < placement->max ? VM_IO_MAX_DEVICES :
		    placement->max);
		return -EINVAL;
	}
	io->window = placement->stride;
	io->devices = calloc(count, sizeof(*io->devices));
	if (io->devices == NULL) {
		log_warnx("cannot allocate the state of %u devices", count);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		device = &io->devices[i];
		kind = (unsigned int)specs[i].kind;
		if (kind >= VM_DEVICE_KIND_COUNT) {
			log_warnx("cannot create device %u: unknown kind %u", i,
			    kind);
			return -EINVAL;
		}
		device->name = device_names[kind][per_kind[kind]++];
		device->base = placement->base + i * placement->stride;
		device->irq = placement->irq_base + i;
		rc = vm_io_create_device(device, &specs[i], memory, sink);
		if (rc < 0)
			return rc;
		io->count++;
	}
	return 0;
}

/* One ioeventfd for all the device's queues, or one per queue (value
 * match) when some queues are served elsewhere (vhost). */
static int
vm_io_ioeventfds(struct vm_io *io, struct vm_io_device *device, bool assign)
{
	const struct virtio_device_ops *ops = device->mmio.ops;
	uint64_t address = device->base + VIRTIO_MMIO_QUEUE_NOTIFY;
	unsigned int q;
	int rc;

	if (ops->kick_fd == NULL)
		return kvm_ioeventfd(io->vm_fd, address, 4,
		    device->mmio.notify_fd, assign);
	for (q = 0; q < ops->queue_count; q++) {
		rc = kvm_ioeventfd_match(io->vm_fd, address, 4, q,
		    ops->kick_fd(device->mmio.device, &device->mmio, q), assign);
		if (rc < 0 && assign) {
			while (q-- > 0)
				kvm_ioeventfd_match(io->vm_fd, address, 4, q,
				    ops->kick_fd(device->mmio.device,
				    &device->mmio, q), false);
			return rc;
		}
	}
	return 0;
}

static int
vm_io_attach_device(struct vm_io *io, struct vm_io_device *device,
    struct forward_map *map)
{
	const struct forward_entry entry = {
		.name = device->name, .kind = FORWARD_MMIO,
		.base = device->base, .size = io->window,
		.action = FORWARD_DEVICE, .mmio = virtio_mmio_access,
		.context = &device->mmio,
	};
	int rc;

	rc = forward_map_add(map, &entry);
	if (rc < 0) {
		log_warnx("cannot add %s to the forward map: %s", device->name,
		    strerror(-rc));
		return rc;
	}
	rc = kvm_irqfd(io->vm_fd, device->irq, device->mmio.irq_fd, true);
	if (rc < 0) {
		log_warnx("cannot give %s interrupt %u to KVM (KVM_IRQFD): %s",
		    device->name, device->irq, strerror(-rc));
		return rc;
	}
	device->irqfd = true;
	/* Without an ioeventfd the notify write exits to vmmd, which
	 * signals the same eventfd: slower, still correct. */
	device->ioeventfd = vm_io_ioeventfds(io, device, true) == 0;
	if (!device->ioeventfd)
		log_info("%s: KVM takes no ioeventfd, queue notifications exit "
		    "to vmmd", device->name);
	return 0;
}

/* The notify eventfd, and the device's own fd edge-triggered: the device
 * reads it until it is empty or the guest has no more buffers, and the
 * guest's next notify resumes it. */
static int
vm_io_watch(struct vm_io *io, struct vm_io_device *device)
{
	const struct virtio_device_ops *ops = device->mmio.ops;
	struct epoll_event event = { .events = EPOLLIN };

	device->notify_source = (struct vm_io_source){ device, false };
	device->poll_source = (struct vm_io_source){ device, true };
	event.data.ptr = &device->notify_source;
	if (epoll_ctl(io->epoll_fd, EPOLL_CTL_ADD, device->mmio.notify_fd,
	    &event) < 0)
		return -errno;
	if (ops->poll_fd == NULL)
		return 0;
	event.events = EPOLLIN | EPOLLET;
	event.data.ptr = &device->poll_source;
	if (epoll_ctl(io->epoll_fd, EPOLL_CTL_ADD, ops->poll_fd(device->mmio.device),
	    &event) < 0)
		return -errno;
	return 0;
}

int
vm_io_attach(struct vm_io *io, int vm_fd, struct forward_map *map)
{
	struct epoll_event event = { .events = EPOLLIN };
	unsigned int i;
	int rc;

	if (io->count == 0)
		return 0;
	io->vm_fd = vm_fd;
	io->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	io->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (io->epoll_fd < 0 || io->stop_fd < 0) {
		rc = -errno;
		log_warnx("cannot set up the I/O thread's epoll: %s",
		    strerror(-rc));
		return rc;
	}
	event.data.ptr = NULL;
	if (epoll_ctl(io->epoll_fd, EPOLL_CTL_ADD, io->stop_fd, &event) < 0) {
		rc = -errno;
		log_warnx("cannot set up the I/O thread's epoll: %s",
		    strerror(-rc));
		return rc;
	}
	for (i = 0; i < io->count; i++) {
		rc = vm_io_attach_device(io, &io->devices[i], map);
		if (rc < 0)
			return rc;
		rc = vm_io_watch(io, &io->devices[i]);
		if (rc < 0) {
			log_warnx("cannot watch %s's fds in the I/O thread: %s",
			    io->devices[i].name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void *
vm_io_thread(void *argument)
{
	struct vm_io *io = argument;
	struct epoll_event events[2 * VM_IO_MAX_DEVICES + 1];
	struct vm_io_source *source;
	int n, i;

	for (;;) {
		n = epoll_wait(io->epoll_fd, events, 2 * VM_IO_MAX_DEVICES + 1,
		    -1);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			source = events[i].data.ptr;
			if (source == NULL)
				return NULL;	/* stop_fd */
			if (source->poll)
				virtio_mmio_poll(&source->device->mmio);
			else
				virtio_mmio_process(&source->device->mmio);
		}
	}
	return NULL;
}

int
vm_io_start(struct vm_io *io)
{
	int rc;

	if (io->count == 0)
		return 0;
	rc = pthread_create(&io->thread, NULL, vm_io_thread, io);
	if (rc != 0) {
		log_warnx("cannot start the I/O thread: %s", strerror(rc));
		return -rc;
	}
	io->started = true;
	return 0;
}

void
vm_io_stop(struct vm_io *io)
{
	uint64_t one = 1;

	if (!io->started)
		return;
	if (write(io->stop_fd, &one, sizeof(one)) < 0)
		log_warn("cannot stop the I/O thread");
	pthread_join(io->thread, NULL);
	io->started = false;
}

/* Host console input, offered to every virtio-console. */
void
vm_io_console_input(struct vm_io *io, const uint8_t *data, size_t length)
{
	unsigned int i;

	for (i = 0; i < io->count; i++)
		if (io->devices[i].kind == VM_DEVICE_CONSOLE)
			virtio_console_receive(&io->devices[i].u.console,
			    &io->devices[i].mmio, data, length);
}

void
vm_io_results(const struct vm_io *io, struct vm_device_result *results,
    unsigned int *count)
{
	const struct vm_io_device *device;
	struct vm_device_result *result;
	unsigned int i;

	for (i = 0; i < io->count; i++) {
		device = &io->devices[i];
		result = &results[i];
		memset(result, 0, sizeof(*result));
		result->kind = device->kind;
		snprintf(result->name, sizeof(result->name), "%s", device->name);
		result->base = device->base;
		result->irq = device->irq;
		result->ioeventfd = device->ioeventfd;
		result->status = device->mmio.status;
		snprintf(result->fault, sizeof(result->fault), "%s",
		    device->mmio.fault);
		result->stats = device->mmio.stats;
		if (device->kind == VM_DEVICE_BLOCK)
			result->blk = device->u.blk.stats;
		else if (device->kind == VM_DEVICE_RNG)
			result->rng_bytes = device->u.rng.bytes;
		else if (device->kind == VM_DEVICE_NET) {
			result->net = device->u.net.stats;
			memcpy(result->ifname, device->u.net.ifname,
			    sizeof(result->ifname));
		} else if (device->kind == VM_DEVICE_CONSOLE) {
			result->console_bytes = device->u.console.bytes_out;
			result->console_bytes_in = device->u.console.bytes_in;
		} else if (device->kind == VM_DEVICE_VSOCK) {
			result->cid = device->u.vsock.cid;
			result->vhost_interrupts = device->u.vsock.interrupts;
		}
	}
	*count = io->count;
}

static void
vm_io_destroy_device(struct vm_io *io, struct vm_io_device *device)
{
	if (device->ioeventfd)
		vm_io_ioeventfds(io, device, false);
	if (device->irqfd)
		kvm_irqfd(io->vm_fd, device->irq, device->mmio.irq_fd, false);
	virtio_mmio_destroy(&device->mmio);
	if (device->kind == VM_DEVICE_BLOCK)
		virtio_blk_close(&device->u.blk);
	else if (device->kind == VM_DEVICE_NET)
		virtio_net_close(&device->u.net);
	else if (device->kind == VM_DEVICE_VSOCK)
		virtio_vsock_close(&device->u.vsock);
}

/* Before the VM's fd is closed: the ioeventfds and irqfds are undone. */
void
vm_io_destroy(struct vm_io *io)
{
	unsigned int i;

	if (io->devices == NULL)
		return;	/* never created, or nothing to undo */
	vm_io_stop(io);
	for (i = 0; i < io->count; i++)
		vm_io_destroy_device(io, &io->devices[i]);
	if (io->epoll_fd >= 0)
		close(io->epoll_fd);
	if (io->stop_fd >= 0)
		close(io->stop_fd);
	free(io->devices);
	memset(io, 0, sizeof(*io));
	io->epoll_fd = -1;
	io->stop_fd = -1;
	io->vm_fd = -1;
}
