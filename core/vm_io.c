/* Creating a VM's virtio devices from their specs, wiring them to KVM
 * (forward map entry, ioeventfd, irqfd) and running the I/O thread. */
#include "vm_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm.h"
#include "log.h"
#include "snapshot_format.h"

static const char *const transport_names[VM_TRANSPORT_COUNT] = {
	[VM_TRANSPORT_PCI] = "pci", [VM_TRANSPORT_MMIO] = "mmio",
};

const char *
vm_transport_name(enum vm_transport transport)
{
	return (unsigned int)transport < VM_TRANSPORT_COUNT ?
	    transport_names[transport] : NULL;
}

int
vm_transport_parse(const char *name, enum vm_transport *transport)
{
	unsigned int i;

	for (i = 0; i < VM_TRANSPORT_COUNT; i++)
		if (strcmp(name, transport_names[i]) == 0) {
			*transport = (enum vm_transport)i;
			return 0;
		}
	return -EINVAL;
}

const char *
vm_device_kind_name(const struct vm_device_ops *kind)
{
	return kind != NULL ? kind->name : "unknown";
}

/* What vm_io relies on in a kind's ops, checked at start-up for every
 * kind of vmmd's table (vmmd/device_kinds.c). */
int
vm_device_ops_check(const struct vm_device_ops *ops, char *error,
    size_t error_size)
{
	const char *name = ops != NULL && ops->name != NULL ? ops->name : "?";
	unsigned int i;

	if (ops == NULL || ops->name == NULL || ops->name[0] == '\0' ||
	    ops->names == NULL || ops->open == NULL || ops->results == NULL ||
	    ops->counters == NULL || ops->state_size == 0) {
		snprintf(error, error_size, "device kind '%s' lacks a name, its "
		    "device names, open, results, counters or a state size",
		    name);
		return -EINVAL;
	}
	for (i = 0; i < VM_IO_MAX_DEVICES; i++)
		if (ops->names[i] == NULL || strncmp(ops->names[i], name,
		    strlen(name)) != 0 || strlen(ops->names[i]) >= VM_IO_NAME_MAX) {
			snprintf(error, error_size, "device kind '%s': device "
			    "name %u is not '%s%u'", name, i, name, i);
			return -EINVAL;
		}
	for (i = 0; ops->counters[i] != NULL; i++)
		if (i == VM_DEVICE_COUNTERS_MAX) {
			snprintf(error, error_size, "device kind '%s' has more "
			    "than %d counters", name, VM_DEVICE_COUNTERS_MAX);
			return -EINVAL;
		}
	return 0;
}

static int
vm_io_create_device(struct vm_io_device *device,
    const struct vm_device_spec *spec, const struct guest_memory *memory,
    const struct vm_io_sink *sink)
{
	int rc;

	device->kind = spec->kind;
	device->state = calloc(1, spec->kind->state_size);
	if (device->state == NULL) {
		log_warnx("cannot allocate the state of %s", device->name);
		return -ENOMEM;
	}
	rc = spec->kind->open(device, spec, memory, sink);
	if (rc < 0) {
		free(device->state);
		device->state = NULL;
	}
	return rc;
}

/* Names are the kind and the index among devices of that kind: block0. */
int
vm_io_create(struct vm_io *io, const struct vm_device_spec *specs,
    unsigned int count, const struct guest_memory *memory,
    const struct vm_io_placement *placement, const struct vm_io_sink *sink)
{
	struct vm_io_device *device;
	unsigned int i, j, index;
	int rc;

	memset(io, 0, sizeof(*io));
	io->epoll_fd = -1;
	io->stop_fd = -1;
	io->vm_fd = -1;
	irq_routes_init(&io->routes);
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
	if (placement->pci)
		vm_io_pci_host_init(io, placement);
	for (i = 0; i < count; i++) {
		device = &io->devices[i];
		if (specs[i].kind == NULL) {
			log_warnx("cannot create device %u: it has no kind", i);
			return -EINVAL;
		}
		for (j = index = 0; j < i; j++)
			index += specs[j].kind == specs[i].kind;
		device->name = specs[i].kind->names[index];
		device->io = io;
		device->resample_fd = -1;
		device->base = placement->base + i * placement->stride;
		device->irq = placement->irq_base + i;
		rc = vm_io_create_device(device, &specs[i], memory, sink);
		if (rc < 0)
			return rc;
		io->count++;
		if (io->pci)
			rc = vm_io_pci_add(io, device, i, placement);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One ioeventfd for all the device's queues, or one per queue (value
 * match) when some queues are served elsewhere (vhost). */
static int
vm_io_ioeventfds(struct vm_io *io, struct vm_io_device *device, bool assign)
{
	const struct virtio_device_ops *ops = device->transport.ops;
	uint64_t address = device->base + VIRTIO_MMIO_QUEUE_NOTIFY;
	unsigned int q;
	int rc;

	if (ops->kick_fd == NULL)
		return kvm_ioeventfd(io->vm_fd, address, 4,
		    device->transport.notify_fd, assign);
	for (q = 0; q < ops->queue_count; q++) {
		rc = kvm_ioeventfd_match(io->vm_fd, address, 4, q,
		    ops->kick_fd(device->transport.device, &device->transport,
		    q), assign);
		if (rc < 0 && assign) {
			while (q-- > 0)
				kvm_ioeventfd_match(io->vm_fd, address, 4, q,
				    ops->kick_fd(device->transport.device,
				    &device->transport, q), false);
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
		.context = &device->transport,
	};
	int rc;

	rc = forward_map_add(map, &entry);
	if (rc < 0) {
		log_warnx("cannot add %s to the forward map: %s", device->name,
		    strerror(-rc));
		return rc;
	}
	rc = kvm_irqfd(io->vm_fd, device->irq, device->transport.irq_fd, true);
	if (rc < 0) {
		log_warnx("cannot give %s interrupt %u to KVM (KVM_IRQFD): %s",
		    device->name, device->irq, strerror(-rc));
		return rc;
	}
	device->irqfd = true;
	/* The table has room for every device's SPI. */
	(void)irq_routes_add_spi(&io->routes, device->irq);
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
	const struct virtio_device_ops *ops = device->transport.ops;
	struct epoll_event event = { .events = EPOLLIN };

	device->notify_source = (struct vm_io_source){ device, VM_IO_NOTIFY };
	device->poll_source = (struct vm_io_source){ device, VM_IO_POLL };
	device->resample_source = (struct vm_io_source){ device,
	    VM_IO_RESAMPLE };
	event.data.ptr = &device->notify_source;
	if (epoll_ctl(io->epoll_fd, EPOLL_CTL_ADD, device->transport.notify_fd,
	    &event) < 0)
		return -errno;
	event.data.ptr = &device->resample_source;
	if (device->resample_fd >= 0 && epoll_ctl(io->epoll_fd, EPOLL_CTL_ADD,
	    device->resample_fd, &event) < 0)
		return -errno;
	if (ops->poll_fd == NULL)
		return 0;
	event.events = EPOLLIN | EPOLLET;
	event.data.ptr = &device->poll_source;
	if (epoll_ctl(io->epoll_fd, EPOLL_CTL_ADD,
	    ops->poll_fd(device->transport.device), &event) < 0)
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
	if (io->pci && (rc = vm_io_pci_attach(io, map)) < 0)
		return rc;
	for (i = 0; i < io->count; i++) {
		rc = io->pci ? vm_io_pci_attach_device(io, &io->devices[i]) :
		    vm_io_attach_device(io, &io->devices[i], map);
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

static void
vm_io_serve(const struct vm_io_source *source)
{
	struct vm_io_device *device = source->device;
	uint64_t count;

	switch (source->event) {
	case VM_IO_NOTIFY:
		virtio_transport_process(&device->transport);
		break;
	case VM_IO_POLL:
		virtio_transport_poll(&device->transport);
		break;
	case VM_IO_RESAMPLE:
		if (read(device->resample_fd, &count, sizeof(count)) ==
		    sizeof(count))
			virtio_transport_resample(&device->transport);
		break;
	}
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
			vm_io_serve(source);
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
	/* The stop is taken, so that the thread can start again (a
	 * snapshot stops it and goes on). */
	if (read(io->stop_fd, &one, sizeof(one)) < 0)
		log_warn("cannot rearm the I/O thread's stop");
}

/* Host console input, offered to every virtio-console. */
void
vm_io_console_input(struct vm_io *io, const uint8_t *data, size_t length)
{
	unsigned int i;

	for (i = 0; i < io->count; i++)
		if (io->devices[i].kind->input != NULL)
			io->devices[i].kind->input(&io->devices[i], data,
			    length);
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
		result->status = device->transport.status;
		snprintf(result->fault, sizeof(result->fault), "%s",
		    device->transport.fault);
		result->stats = device->transport.stats;
		result->msi_irqfd = device->msi_irqfd;
		result->msi_signalled = device->msi_signalled;
		device->kind->results(device, result);
	}
	*count = io->count;
}

static void
vm_io_destroy_device(struct vm_io *io, struct vm_io_device *device)
{
	if (io->pci)
		vm_io_pci_destroy_device(io, device);
	if (device->ioeventfd && !io->pci)
		vm_io_ioeventfds(io, device, false);
	if (device->irqfd && !io->pci)
		kvm_irqfd(io->vm_fd, device->irq, device->transport.irq_fd,
		    false);
	virtio_transport_destroy(&device->transport);
	if (device->kind->close != NULL)
		device->kind->close(device);
	free(device->state);
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
	if (io->pci)
		pci_host_destroy(&io->pci_host);
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

static void
kick_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: it is due anyway */
}

/* A notification the guest made just before a save (or that a stopped
 * I/O thread left unserved) is not lost: the notify eventfd serves every
 * live queue of the device, and a queue served elsewhere (vhost) gets its
 * own kick. */
void
vm_io_kick(struct vm_io *io)
{
	struct virtio_transport *transport;
	unsigned int i, q;

	for (i = 0; i < io->count; i++) {
		transport = &io->devices[i].transport;
		if (!virtio_transport_running(transport))
			continue;
		kick_fd(transport->notify_fd);
		for (q = 0; transport->ops->kick_fd != NULL &&
		    q < transport->ops->queue_count; q++)
			if (transport->queues[q].active)
				kick_fd(transport->ops->kick_fd(
				    transport->device, transport, q));
	}
}

int
vm_device_save_none(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	(void)device;
	(void)transport;
	(void)writer;
	(void)why;
	(void)why_size;
	return 0;
}

int
vm_device_restore_none(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	(void)device;
	(void)transport;
	if (blob->size == 0)
		return 0;
	snprintf(why, why_size, "%zu bytes of state for a device that has "
	    "none", blob->size);
	return -EINVAL;
}
