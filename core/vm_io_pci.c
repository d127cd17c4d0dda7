/* The PCI transport of a VM's devices: the PCIe host's ECAM and windows in
 * the forward map, a virtio-pci function per device, its INTx a level
 * irqfd resampled at the guest's EOI, each MSI-X vector an irqfd on a
 * KVM_IRQ_ROUTING_MSI route to the ITS (KVM_SIGNAL_MSI where KVM cannot),
 * and the notify ioeventfds following the BAR wherever the guest puts it. */
#include "vm_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm.h"
#include "log.h"
#include "snapshot_blob.h"

static int
notify_fd(struct vm_io_device *device, unsigned int queue)
{
	const struct virtio_device_ops *ops = device->transport.ops;

	if (ops->kick_fd == NULL)
		return device->transport.notify_fd;
	return ops->kick_fd(device->transport.device, &device->transport,
	    queue);
}

/* One ioeventfd per queue, at the queue's notify address (multiplier 4). */
static int
notify_ioeventfds(struct vm_io_device *device, uint64_t bar, bool assign)
{
	uint64_t address = bar + VIRTIO_PCI_NOTIFY;
	unsigned int q, count = device->transport.ops->queue_count;
	int rc;

	for (q = 0; q < count; q++) {
		rc = kvm_ioeventfd(device->io->vm_fd,
		    address + q * VIRTIO_PCI_NOTIFY_MULTIPLIER,
		    VIRTIO_PCI_NOTIFY_WIDTH, notify_fd(device, q), assign);
		if (rc < 0 && assign) {
			while (q-- > 0)
				kvm_ioeventfd(device->io->vm_fd, address + q *
				    VIRTIO_PCI_NOTIFY_MULTIPLIER,
				    VIRTIO_PCI_NOTIFY_WIDTH,
				    notify_fd(device, q), false);
			return rc;
		}
	}
	return 0;
}

/* On a vCPU thread, in the guest's config write: no logging. Without an
 * ioeventfd the notify exits to vmmd, which signals the same eventfd. */
static void
vm_io_pci_bar_moved(void *context, uint64_t address)
{
	struct vm_io_device *device = context;

	if (device->io->vm_fd < 0)
		return;
	if (device->notify_base != 0)
		notify_ioeventfds(device, device->notify_base, false);
	device->notify_base = 0;
	device->ioeventfd = false;
	if (address != 0 && notify_ioeventfds(device, address, true) == 0) {
		device->notify_base = address;
		device->ioeventfd = true;
	}
}

/* Routing stops for the VM at its first failure (KVM keeps the table it
 * had): every MSI from then on is a KVM_SIGNAL_MSI, said once when the
 * first one is sent. */
static void
msi_routing_stop(struct vm_io *io, const char *what, int rc)
{
	io->msi_routing = false;
	snprintf(io->why_no_routing, sizeof(io->why_no_routing), "%s: %s",
	    what, strerror(-rc));
}

/* The vector's message through its MSI route: the route (re)programmed
 * when the message changed, its irqfd bound once. 0: the vector's irqfd
 * carries the message. */
static int
msi_route(struct vm_io_device *device, uint16_t vector, uint64_t address,
    uint32_t data, uint16_t requester_id)
{
	const struct kvm_gsi_route message = { .msi = true,
	    .address = address, .data = data, .devid = requester_id };
	struct vm_io *io = device->io;
	struct vm_io_msi *msi;
	uint32_t gsi;
	int rc, fd;

	if (!io->msi_routing || vector >= PCI_MSIX_MAX_VECTORS)
		return -ENOTSUP;
	msi = &device->msi[vector];
	if (msi->bound && msi->address == address && msi->data == data)
		return 0;
	rc = irq_routes_set_msi(&io->routes, (unsigned int)(device -
	    io->devices), vector, &message, &gsi);
	if (rc > 0)
		rc = kvm_set_gsi_routing(io->vm_fd, io->routes.routes,
		    io->routes.count);
	if (rc < 0) {
		msi_routing_stop(io, "KVM_SET_GSI_ROUTING", rc);
		return rc;
	}
	if (!msi->bound) {
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		rc = fd < 0 ? -errno : kvm_irqfd(io->vm_fd, gsi, fd, true);
		if (rc < 0) {
			if (fd >= 0)
				close(fd);
			msi_routing_stop(io, "KVM_IRQFD on an MSI route", rc);
			return rc;
		}
		*msi = (struct vm_io_msi){ .bound = true, .fd = fd, .gsi = gsi };
	}
	msi->address = address;
	msi->data = data;
	return 0;
}

/* From the MSI-X table write, unmask or enable that lets the vector fire:
 * on a vCPU thread, or in a restore. */
static void
vm_io_pci_msi_route(void *context, uint16_t vector, uint64_t address,
    uint32_t data, uint16_t requester_id)
{
	(void)msi_route(context, vector, address, data, requester_id);
}

/* An eventfd write, the same a vhost backend would do; otherwise
 * KVM_SIGNAL_MSI. A failure (an address that is no ITS doorbell) leaves
 * the interrupt undelivered, as on hardware. Without an ITS the guest is
 * given no msi-map and never enables MSI-X. */
static void
vm_io_pci_msi(void *context, uint16_t vector, uint64_t address,
    uint32_t data, uint16_t requester_id)
{
	struct vm_io_device *device = context;
	struct vm_io *io = device->io;
	uint64_t one = 1;

	if (msi_route(device, vector, address, data, requester_id) == 0 &&
	    write(device->msi[vector].fd, &one, sizeof(one)) ==
	    (ssize_t)sizeof(one)) {
		device->msi_irqfd++;
		return;
	}
	if (!io->fallback_logged)
		log_warnx("MSI-X through KVM_SIGNAL_MSI, not irqfds (%s)",
		    io->msi_routing ? "an eventfd write failed" :
		    io->why_no_routing);
	io->fallback_logged = true;
	device->msi_signalled++;
	(void)kvm_signal_msi(io->vm_fd, address, data, requester_id);
}

static const struct virtio_pci_hooks vm_io_pci_hooks = {
	vm_io_pci_bar_moved, vm_io_pci_msi, vm_io_pci_msi_route,
};

void
vm_io_pci_host_init(struct vm_io *io, const struct vm_io_placement *placement)
{
	io->pci = true;
	snprintf(io->why_no_routing, sizeof(io->why_no_routing),
	    "not attached to a VM");
	io->pci_ecam_base = placement->pci_ecam_base;
	io->pci_ecam_size = placement->pci_ecam_size;
	pci_host_init(&io->pci_host, placement->pci_window_bases,
	    placement->pci_window_sizes);
}

/* After the device's kind opened it (device->transport is set up). */
int
vm_io_pci_add(struct vm_io *io, struct vm_io_device *device,
    unsigned int slot, const struct vm_io_placement *placement)
{
	int rc;

	device->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (device->resample_fd < 0) {
		rc = -errno;
		log_warnx("cannot create %s's INTx resample eventfd: %s",
		    device->name, strerror(-rc));
		return rc;
	}
	rc = virtio_pci_init(&device->pci, &device->transport,
	    &vm_io_pci_hooks, device);
	if (rc == 0)
		rc = pci_host_add(&io->pci_host, &device->pci.function, slot);
	if (rc < 0) {
		log_warnx("cannot put %s in PCI slot %u: %s", device->name,
		    slot, strerror(-rc));
		return rc;
	}
	device->base = pci_function_bar_address(&device->pci.function,
	    VIRTIO_PCI_BAR);
	device->irq = placement->pci_irq_base + slot % placement->pci_irq_lines;
	return 0;
}

static int
add_entry(struct forward_map *map, const char *name, uint64_t base,
    uint64_t size, mmio_handler handler, void *context)
{
	const struct forward_entry entry = {
		.name = name, .kind = FORWARD_MMIO, .base = base, .size = size,
		.action = FORWARD_DEVICE, .mmio = handler, .context = context,
	};
	int rc = forward_map_add(map, &entry);

	if (rc < 0)
		log_warnx("cannot add %s to the forward map: %s", name,
		    strerror(-rc));
	return rc;
}

/* The ECAM and both windows: what decodes inside them is the host's. */
int
vm_io_pci_attach(struct vm_io *io, struct forward_map *map)
{
	static const char *const window_names[PCI_MAX_WINDOWS] = {
		"pci-mmio32", "pci-mmio64" };
	struct pci_window *window;
	unsigned int i;
	int rc;

	io->msi_routing = kvm_has_msi_routing(io->vm_fd);
	if (!io->msi_routing)
		snprintf(io->why_no_routing, sizeof(io->why_no_routing),
		    "KVM has no KVM_CAP_IRQ_ROUTING or no KVM_CAP_IRQFD");
	rc = add_entry(map, "pci-ecam", io->pci_ecam_base, io->pci_ecam_size,
	    pci_host_config_access, &io->pci_host);
	for (i = 0; rc == 0 && i < PCI_MAX_WINDOWS; i++) {
		window = &io->pci_host.windows[i];
		rc = add_entry(map, window_names[i], window->base, window->size,
		    pci_window_access, window);
	}
	return rc;
}

int
vm_io_pci_attach_device(struct vm_io *io, struct vm_io_device *device)
{
	int rc;

	rc = kvm_irqfd_resample(io->vm_fd, device->irq,
	    device->transport.irq_fd, device->resample_fd, true);
	if (rc < 0) {
		log_warnx("cannot give %s level interrupt %u to KVM (KVM_IRQFD "
		    "with a resample fd): %s", device->name, device->irq,
		    strerror(-rc));
		return rc;
	}
	device->irqfd = true;
	/* The table has room for every device's SPI. */
	(void)irq_routes_add_spi(&io->routes, device->irq);
	return 0;
}

void
vm_io_pci_destroy_device(struct vm_io *io, struct vm_io_device *device)
{
	unsigned int i;

	if (device->notify_base != 0)
		notify_ioeventfds(device, device->notify_base, false);
	device->notify_base = 0;
	if (device->irqfd)
		kvm_irqfd_resample(io->vm_fd, device->irq,
		    device->transport.irq_fd, -1, false);
	device->irqfd = false;
	for (i = 0; i < PCI_MSIX_MAX_VECTORS; i++) {
		if (!device->msi[i].bound)
			continue;
		kvm_irqfd(io->vm_fd, device->msi[i].gsi, device->msi[i].fd,
		    false);
		close(device->msi[i].fd);
		device->msi[i].bound = false;
	}
	if (device->resample_fd >= 0)
		close(device->resample_fd);
	device->resample_fd = -1;
}

static uint32_t
slots_taken(const struct pci_host *host)
{
	uint32_t slots = 0;
	unsigned int s;

	for (s = 0; s < PCI_MAX_DEVICES; s++)
		if (host->functions[s] != NULL)
			slots |= 1u << s;
	return slots;
}

/* u64 ECAM base and size, each window's base and size, u32 the slots
 * taken. The functions' state is in their devices' entries. */
void
vm_io_pci_host_save(const struct vm_io *io, struct snapshot_writer *writer)
{
	unsigned int i;

	snapshot_put_u64(writer, io->pci_ecam_base);
	snapshot_put_u64(writer, io->pci_ecam_size);
	for (i = 0; i < PCI_MAX_WINDOWS; i++) {
		snapshot_put_u64(writer, io->pci_host.windows[i].base);
		snapshot_put_u64(writer, io->pci_host.windows[i].size);
	}
	snapshot_put_u32(writer, slots_taken(&io->pci_host));
}

int
vm_io_pci_host_restore(const struct vm_io *io,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	struct snapshot_cursor cursor;
	bool same;
	unsigned int i;

	snapshot_cursor_init(&cursor, blob);
	same = snapshot_get_u64(&cursor) == io->pci_ecam_base &&
	    snapshot_get_u64(&cursor) == io->pci_ecam_size;
	for (i = 0; i < PCI_MAX_WINDOWS; i++) {
		same &= snapshot_get_u64(&cursor) == io->pci_host.windows[i].base;
		same &= snapshot_get_u64(&cursor) == io->pci_host.windows[i].size;
	}
	same &= snapshot_get_u32(&cursor) == slots_taken(&io->pci_host);
	if (snapshot_cursor_end(&cursor, "PCI host", why, why_size) < 0)
		return -EINVAL;
	if (!same) {
		snprintf(why, why_size, "PCI host: its ECAM, windows or slots "
		    "are not this VM's");
		return -EINVAL;
	}
	return 0;
}
