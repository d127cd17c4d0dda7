/* The PCI transport of a VM's devices: the PCIe host's ECAM and windows in
 * the forward map, a virtio-pci function per device, its INTx a level
 * irqfd resampled at the guest's EOI, its MSI-X through KVM_SIGNAL_MSI
 * (the ITS), and the notify ioeventfds following the BAR wherever the
 * guest puts it. */
#include "vm_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm.h"
#include "log.h"

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

/* A failure (an address that is no ITS doorbell) leaves the interrupt
 * undelivered, as on hardware. Without an ITS the guest is given no
 * msi-map and never enables MSI-X. */
static void
vm_io_pci_msi(void *context, uint64_t address, uint32_t data,
    uint16_t requester_id)
{
	struct vm_io_device *device = context;

	(void)kvm_signal_msi(device->io->vm_fd, address, data, requester_id);
}

static const struct virtio_pci_hooks vm_io_pci_hooks = {
	vm_io_pci_bar_moved, vm_io_pci_msi,
};

void
vm_io_pci_host_init(struct vm_io *io, const struct vm_io_placement *placement)
{
	io->pci = true;
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
	return 0;
}

void
vm_io_pci_destroy_device(struct vm_io *io, struct vm_io_device *device)
{
	if (device->notify_base != 0)
		notify_ioeventfds(device, device->notify_base, false);
	device->notify_base = 0;
	if (device->irqfd)
		kvm_irqfd_resample(io->vm_fd, device->irq,
		    device->transport.irq_fd, -1, false);
	device->irqfd = false;
	if (device->resample_fd >= 0)
		close(device->resample_fd);
	device->resample_fd = -1;
}
