/* The architecture-neutral KVM ioctls: system, VM and vCPU file descriptors. */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kept_files.h"

static int
ioctl_result(int rc)
{
	return rc < 0 ? -errno : rc;
}

int
kvm_system_open(const char *path)
{
	int fd = kept_files_open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int
kvm_api_version(int system_fd)
{
	return ioctl_result(ioctl(system_fd, KVM_GET_API_VERSION, 0));
}

int
kvm_check_extension(int fd, long capability)
{
	return ioctl_result(ioctl(fd, KVM_CHECK_EXTENSION, capability));
}

int
kvm_vm_create(int system_fd, unsigned long machine_type)
{
	int fd;

	do {
		fd = ioctl(system_fd, KVM_CREATE_VM, machine_type);
	} while (fd < 0 && errno == EINTR);
	return ioctl_result(fd);
}

static int
set_memory(int vm_fd, uint32_t slot, uint32_t flags, uint64_t guest_phys,
    void *host, uint64_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = guest_phys,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl_result(ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region));
}

int
kvm_vm_set_memory(int vm_fd, uint32_t slot, uint64_t guest_phys, void *host,
    uint64_t size)
{
	return set_memory(vm_fd, slot, 0, guest_phys, host, size);
}

/* Guest reads of the range come from host memory without an exit; its
 * writes exit as MMIO (or land in a coalesced zone's ring). */
int
kvm_vm_set_memory_readonly(int vm_fd, uint32_t slot, uint64_t guest_phys,
    void *host, uint64_t size)
{
	return set_memory(vm_fd, slot, KVM_MEM_READONLY, guest_phys, host, size);
}

/* Guest writes inside [address, address + size) are queued, in order, in
 * the VM's coalesced MMIO ring instead of exiting (reads still exit). */
int
kvm_coalesced_mmio(int vm_fd, uint64_t address, uint32_t size, bool assign)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = address, .size = size };

	return ioctl_result(ioctl(vm_fd, assign ? KVM_REGISTER_COALESCED_MMIO :
	    KVM_UNREGISTER_COALESCED_MMIO, &zone));
}

/* The VM's coalesced MMIO ring: a page of every vCPU's mapping, at the
 * page KVM_CHECK_EXTENSION(KVM_CAP_COALESCED_MMIO) names; NULL when KVM
 * has none or the mapping does not reach it. */
struct kvm_coalesced_mmio_ring *
kvm_coalesced_ring(int system_fd, const struct kvm_vcpu_fd *vcpu)
{
	long page = sysconf(_SC_PAGESIZE);
	int offset = kvm_check_extension(system_fd, KVM_CAP_COALESCED_MMIO);

	if (offset <= 0 || page <= 0 || vcpu->run == NULL ||
	    (size_t)(offset + 1) * (size_t)page > vcpu->run_size)
		return NULL;
	return (struct kvm_coalesced_mmio_ring *)((char *)vcpu->run +
	    (size_t)offset * (size_t)page);
}

/* Returns the new device's fd. */
int
kvm_device_create(int vm_fd, uint32_t type)
{
	struct kvm_create_device device = { .type = type };

	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &device) < 0)
		return -errno;
	return (int)device.fd;
}

/* Device attributes work on device fds, and on VM and vCPU fds alike. */
int
kvm_device_has_attr(int fd, uint32_t group, uint64_t attribute)
{
	struct kvm_device_attr attr = { .group = group, .attr = attribute };

	return ioctl_result(ioctl(fd, KVM_HAS_DEVICE_ATTR, &attr));
}

int
kvm_device_set_attr(int fd, uint32_t group, uint64_t attribute,
    const void *value)
{
	struct kvm_device_attr attr = { .group = group, .attr = attribute,
	    .addr = (uint64_t)(uintptr_t)value };

	return ioctl_result(ioctl(fd, KVM_SET_DEVICE_ATTR, &attr));
}

int
kvm_irq_line(int vm_fd, uint32_t irq, int level)
{
	struct kvm_irq_level line = { .irq = irq, .level = level };

	return ioctl_result(ioctl(vm_fd, KVM_IRQ_LINE, &line));
}

/* Guest writes of length bytes at address signal fd inside KVM, without
 * an exit to vmmd (any value: no datamatch). */
int
kvm_ioeventfd(int vm_fd, uint64_t address, uint32_t length, int fd,
    bool assign)
{
	struct kvm_ioeventfd event = {
		.addr = address, .len = length, .fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return ioctl_result(ioctl(vm_fd, KVM_IOEVENTFD, &event));
}

/* The same, for writes of exactly value only (one queue's notify). */
int
kvm_ioeventfd_match(int vm_fd, uint64_t address, uint32_t length,
    uint64_t value, int fd, bool assign)
{
	struct kvm_ioeventfd event = {
		.datamatch = value, .addr = address, .len = length, .fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
		    (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl_result(ioctl(vm_fd, KVM_IOEVENTFD, &event));
}

/* A write to fd injects interrupt gsi (on arm64: SPI gsi) inside KVM. */
int
kvm_irqfd(int vm_fd, uint32_t gsi, int fd, bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd, .gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl_result(ioctl(vm_fd, KVM_IRQFD, &irqfd));
}

/* A level-triggered irqfd: a write to fd raises gsi until the guest's EOI,
 * when KVM lowers it and signals resample_fd (the device raises it again
 * while its interrupt is still pending). */
int
kvm_irqfd_resample(int vm_fd, uint32_t gsi, int fd, int resample_fd,
    bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd, .gsi = gsi,
		.flags = assign ? KVM_IRQFD_FLAG_RESAMPLE :
		    KVM_IRQFD_FLAG_DEASSIGN,
		.resamplefd = assign ? (uint32_t)resample_fd : 0,
	};

	return ioctl_result(ioctl(vm_fd, KVM_IRQFD, &irqfd));
}

/* An MSI from PCI requester devid (the ITS's device ID). */
int
kvm_signal_msi(int vm_fd, uint64_t address, uint32_t data, uint32_t devid)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)address,
		.address_hi = (uint32_t)(address >> 32), .data = data,
		.flags = KVM_MSI_VALID_DEVID, .devid = devid,
	};

	return ioctl_result(ioctl(vm_fd, KVM_SIGNAL_MSI, &msi));
}

/* Whether an MSI can go through an irqfd: KVM takes GSI routes and
 * irqfds. */
bool
kvm_has_msi_routing(int vm_fd)
{
	return kvm_check_extension(vm_fd, KVM_CAP_IRQ_ROUTING) > 0 &&
	    kvm_check_extension(vm_fd, KVM_CAP_IRQFD) > 0;
}

/* The VM's whole routing table, replacing the one before (and arm64's
 * default GSI n -> SPI n with it). Allocates: called when a route
 * changes, never per interrupt. */
int
kvm_set_gsi_routing(int vm_fd, const struct kvm_gsi_route *routes,
    unsigned int count)
{
	struct kvm_irq_routing *table;
	struct kvm_irq_routing_entry *entry;
	unsigned int i;
	int rc;

	table = calloc(1, sizeof(*table) + count * sizeof(*entry));
	if (table == NULL)
		return -ENOMEM;
	table->nr = count;
	for (i = 0; i < count; i++) {
		entry = &table->entries[i];
		entry->gsi = routes[i].gsi;
		if (!routes[i].msi) {
			entry->type = KVM_IRQ_ROUTING_IRQCHIP;
			entry->u.irqchip.pin = routes[i].pin;
			continue;
		}
		entry->type = KVM_IRQ_ROUTING_MSI;
		entry->flags = KVM_MSI_VALID_DEVID;
		entry->u.msi.address_lo = (uint32_t)routes[i].address;
		entry->u.msi.address_hi = (uint32_t)(routes[i].address >> 32);
		entry->u.msi.data = routes[i].data;
		entry->u.msi.devid = routes[i].devid;
	}
	rc = ioctl_result(ioctl(vm_fd, KVM_SET_GSI_ROUTING, table));
	free(table);
	return rc;
}

int
kvm_vcpu_create(int system_fd, int vm_fd, unsigned int index,
    struct kvm_vcpu_fd *vcpu)
{
	int run_size, fd, rc;
	void *run;

	run_size = ioctl_result(ioctl(system_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	if (run_size < 0)
		return run_size;
	fd = ioctl_result(ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)index));
	if (fd < 0)
		return fd;
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (run == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	vcpu->fd = fd;
	vcpu->index = index;
	vcpu->run = run;
	vcpu->run_size = (size_t)run_size;
	return 0;
}

void
kvm_vcpu_destroy(struct kvm_vcpu_fd *vcpu)
{
	if (vcpu->run != NULL)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int
kvm_vcpu_run(struct kvm_vcpu_fd *vcpu)
{
	return ioctl_result(ioctl(vcpu->fd, KVM_RUN, 0));
}

int
kvm_vcpu_set_reg(struct kvm_vcpu_fd *vcpu, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&value };

	return ioctl_result(ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg));
}

int
kvm_vcpu_get_reg(struct kvm_vcpu_fd *vcpu, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)value };

	return ioctl_result(ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg));
}
