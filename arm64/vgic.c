/* vGICv3 set-up: create the device and place its distributor and
 * redistributors (memory_map.h) before the vCPUs run, initialise it once
 * every vCPU exists (KVM sizes the redistributors from them). */
#include "vgic.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "../core/kvm.h"
#include "kvm_arm64_uapi.h"
#include "memory_map.h"

static int
set_address(int fd, uint64_t type, uint64_t address)
{
	return kvm_device_set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &address);
}

/* The ITS is optional: a host without it gives a VM without MSIs. */
static void
its_create(int vm_fd, struct vgic *gic)
{
	gic->its_fd = kvm_device_create(vm_fd, KVM_DEV_TYPE_ARM_VGIC_ITS);
	if (gic->its_fd < 0)
		return;
	if (set_address(gic->its_fd, KVM_VGIC_ITS_ADDR_TYPE, ARM64_GITS_BASE) < 0) {
		close(gic->its_fd);
		gic->its_fd = -1;
	}
}

int
vgic_create(int vm_fd, unsigned int vcpus, struct vgic *gic)
{
	uint32_t nr_irqs = VGIC_NR_IRQS;
	int rc;

	gic->its_fd = -1;
	if (ARM64_GICR_BASE + vcpus * ARM64_GICR_SIZE_PER_CPU > ARM64_GICR_LIMIT)
		return -E2BIG;
	gic->gic_fd = kvm_device_create(vm_fd, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (gic->gic_fd < 0)
		return gic->gic_fd;
	rc = set_address(gic->gic_fd, KVM_VGIC_V3_ADDR_TYPE_DIST, ARM64_GICD_BASE);
	if (rc == 0)
		rc = set_address(gic->gic_fd, KVM_VGIC_V3_ADDR_TYPE_REDIST,
		    ARM64_GICR_BASE);
	if (rc == 0)
		rc = kvm_device_set_attr(gic->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
		    0, &nr_irqs);
	if (rc < 0) {
		vgic_destroy(gic);
		return rc;
	}
	its_create(vm_fd, gic);
	return 0;
}

int
vgic_finalize(struct vgic *gic)
{
	int rc;

	rc = kvm_device_set_attr(gic->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
	    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (rc == 0 && gic->its_fd >= 0)
		rc = kvm_device_set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	return rc;
}

void
vgic_destroy(struct vgic *gic)
{
	if (gic->its_fd >= 0)
		close(gic->its_fd);
	if (gic->gic_fd >= 0)
		close(gic->gic_fd);
	gic->its_fd = gic->gic_fd = -1;
}

int
vgic_spi_line(int vm_fd, unsigned int spi, bool level)
{
	uint32_t irq = (uint32_t)KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT |
	    (spi + 32);

	return kvm_irq_line(vm_fd, irq, level);
}
