/* arm64's side of the core/arch.h boundary: memory layout, the vGIC, vCPU
 * set-up, the Linux boot protocol and the registers of forwarded hypercalls. */
#include "../core/arch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot_linux.h"
#include "cpu_template.h"
#include "kvm_arm64_uapi.h"
#include "memory_map.h"
#include "snapshot_vm.h"
#include "sysreg.h"
#include "vgic.h"

#define MPIDR_EL1_ID		ARM64_SYS_REG(3, 0, 0, 0, 5)
#define ARM64_DEFAULT_IPA_BITS	40	/* KVM's, for machine type 0 */

struct arch_vm {
	int vm_fd;
	struct vgic gic;
	bool has_pmu;		/* the vCPUs were given a PMUv3 */
};

static const struct arch_layout arm64_layout = {
	.ram_base = ARM64_RAM_BASE,
	.console_base = ARM64_UART_BASE,
	.console_size = ARM64_UART_SIZE,
	.console_irq = ARM64_UART_SPI,
	.rtc_base = ARM64_RTC_BASE,
	.rtc_irq = ARM64_RTC_SPI,
	.virtio_base = ARM64_VIRTIO_MMIO_BASE,
	.virtio_stride = ARM64_VIRTIO_MMIO_SIZE,
	.virtio_irq_base = ARM64_VIRTIO_SPI_BASE,
	.virtio_max = ARM64_VIRTIO_MAX,
	.pci_ecam_base = ARM64_PCI_ECAM_BASE,
	.pci_ecam_size = ARM64_PCI_ECAM_SIZE,
	.pci_window_bases = { ARM64_PCI_MMIO32_BASE, ARM64_PCI_MMIO64_BASE },
	.pci_window_sizes = { ARM64_PCI_MMIO32_SIZE, ARM64_PCI_MMIO64_SIZE },
	.pci_irq_base = ARM64_PCI_SPI_BASE,
	.pci_irq_lines = ARM64_PCI_INTX_LINES,
};

const struct arch_layout *
arch_layout(void)
{
	return &arm64_layout;
}

uint64_t
arch_ram_base(void)
{
	return ARM64_RAM_BASE;
}

uint32_t
arch_sysreg_table_entries(void)
{
	return (uint32_t)sysreg_table_size;
}

/* The VM's IPA size: KVM's default 40 bits unless the memory reaches
 * further, then as many bits as it needs, if the host has them. */
int
arch_vm_type(int system_fd, uint64_t memory_end, unsigned long *type,
    char *why, size_t why_size)
{
	unsigned int bits = ARM64_DEFAULT_IPA_BITS;
	int host_bits;

	while (bits < 64 && memory_end > (1ull << bits))
		bits++;
	*type = 0;
	if (bits == ARM64_DEFAULT_IPA_BITS)
		return 0;
	host_bits = kvm_check_extension(system_fd, KVM_CAP_ARM_VM_IPA_SIZE);
	if (host_bits <= 0)
		host_bits = ARM64_DEFAULT_IPA_BITS;
	if (bits > (unsigned int)host_bits) {
		snprintf(why, why_size, "guest memory ends at 0x%llx, beyond this "
		    "host's %d-bit guest physical address space",
		    (unsigned long long)memory_end, host_bits);
		return -E2BIG;
	}
	*type = KVM_VM_TYPE_ARM_IPA_SIZE(bits);
	return 0;
}

int
arch_vm_create(int vm_fd, unsigned int vcpus, struct arch_vm **out)
{
	struct arch_vm *arch;
	int rc;

	arch = calloc(1, sizeof(*arch));
	if (arch == NULL)
		return -ENOMEM;
	arch->vm_fd = vm_fd;
	rc = vgic_create(vm_fd, vcpus, &arch->gic);
	if (rc < 0) {
		free(arch);
		return rc;
	}
	*out = arch;
	return 0;
}

int
arch_vm_finalize(struct arch_vm *arch)
{
	return vgic_finalize(&arch->gic);
}

int
arm64_vm_fd(const struct arch_vm *arch)
{
	return arch->vm_fd;
}

const struct vgic *
arm64_vm_gic(const struct arch_vm *arch)
{
	return &arch->gic;
}

void
arch_vm_destroy(struct arch_vm *arch)
{
	if (arch == NULL)
		return;
	vgic_destroy(&arch->gic);
	free(arch);
}

int
arch_irq_line(struct arch_vm *arch, unsigned int irq, bool level)
{
	return vgic_spi_line(arch->vm_fd, irq, level);
}

/* Secondary vCPUs start powered off; the guest starts them with PSCI
 * CPU_ON, which KVM serves in the kernel. */
int
arch_vcpu_init(int vm_fd, struct kvm_vcpu_fd *vcpu, bool powered_off)
{
	return cpu_template_vcpu_init(vm_fd, vcpu, 0, powered_off);
}

/* After the vGIC is initialised: a vCPU given a PMUv3 (a CPU template's
 * "pmu") needs its overflow interrupt and its initialisation before it
 * runs; KVM says whether it has one. */
int
arch_vcpu_finalize(struct arch_vm *arch, struct kvm_vcpu_fd *vcpu)
{
	int irq = 16 + ARM64_PMU_PPI;	/* PPIs are INTIDs 16-31 */
	int rc;

	if (kvm_device_has_attr(vcpu->fd, KVM_ARM_VCPU_PMU_V3_CTRL,
	    KVM_ARM_VCPU_PMU_V3_INIT) < 0)
		return 0;
	rc = kvm_device_set_attr(vcpu->fd, KVM_ARM_VCPU_PMU_V3_CTRL,
	    KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	if (rc == 0)
		rc = kvm_device_set_attr(vcpu->fd, KVM_ARM_VCPU_PMU_V3_CTRL,
		    KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	if (rc == 0)
		arch->has_pmu = true;
	return rc;
}

int
arch_vcpu_id(struct kvm_vcpu_fd *vcpu, uint64_t *id)
{
	return kvm_vcpu_get_reg(vcpu, MPIDR_EL1_ID, id);
}

int
arch_vcpu_init_template(int vm_fd, struct kvm_vcpu_fd *vcpu, bool powered_off,
    const struct cpu_template *cpu_template, char *error, size_t error_size)
{
	const struct cpu_template_field *field;
	size_t failed = 0;
	int rc;

	rc = cpu_template_vcpu_init(vm_fd, vcpu, cpu_template->features,
	    powered_off);
	if (rc < 0) {
		snprintf(error, error_size, "KVM_ARM_VCPU_INIT with the "
		    "template's features: %s", strerror(-rc));
		return rc;
	}
	rc = cpu_template_apply(vcpu, cpu_template, &failed);
	if (rc < 0) {
		field = &cpu_template->fields[failed];
		snprintf(error, error_size, "%s[%u:%u] = 0x%llx: %s", field->reg,
		    field->shift + field->width - 1, field->shift,
		    (unsigned long long)field->value, strerror(-rc));
	}
	return rc;
}

int
arch_vcpu_set_entry(struct kvm_vcpu_fd *vcpu, uint64_t pc, uint64_t arg0)
{
	int rc;

	rc = kvm_vcpu_set_reg(vcpu, arm64_core_reg_id(ARM64_CORE_REG_PSTATE),
	    ARM64_PSTATE_BOOT);
	if (rc == 0)
		rc = kvm_vcpu_set_reg(vcpu, arm64_core_reg_id(ARM64_CORE_REG_X(0)),
		    arg0);
	if (rc == 0)
		rc = kvm_vcpu_set_reg(vcpu, arm64_core_reg_id(ARM64_CORE_REG_PC),
		    pc);
	return rc;
}

int
arch_vcpu_snapshot(struct kvm_vcpu_fd *vcpu, struct arch_vcpu_snapshot *snapshot)
{
	unsigned int i;
	int rc;

	rc = kvm_vcpu_get_reg(vcpu, arm64_core_reg_id(ARM64_CORE_REG_PC),
	    &snapshot->pc);
	for (i = 0; rc == 0 && i < ARCH_SNAPSHOT_REGS; i++)
		rc = kvm_vcpu_get_reg(vcpu, arm64_core_reg_id(ARM64_CORE_REG_X(i)),
		    &snapshot->gpr[i]);
	return rc;
}

int
arch_linux_load(struct arch_vm *arch, const struct guest_memory *memory,
    struct arch_linux_boot *boot, char *why, size_t why_size)
{
	struct linux_boot_files files = { boot->kernel, boot->initrd };
	struct device_tree_machine machine = {
		.ram_base = ARM64_RAM_BASE,
		.ram_size = boot->ram_size,
		.vcpus = boot->vcpus,
		.mpidrs = boot->vcpu_ids,
		.bootargs = boot->cmdline,
		.has_its = arch->gic.its_fd >= 0,
		.has_pmu = arch->has_pmu,
		.virtio_count = boot->virtio_count,
		.pci = boot->pci,
	};
	struct linux_boot loaded;
	int rc;

	rc = linux_boot_load(memory, &files, &machine, &loaded, why, why_size);
	if (rc < 0)
		return rc;
	boot->entry = loaded.layout.kernel_addr;
	boot->arg0 = loaded.layout.fdt_addr;
	boot->fdt_addr = loaded.layout.fdt_addr;
	boot->fdt_size = loaded.fdt_size;
	boot->kernel_size = loaded.kernel_size;
	boot->initrd_size = loaded.initrd_size;
	boot->raw_kernel = loaded.raw;
	return 0;
}

int
arch_vm_can_inject_abort(int vm_fd)
{
	return kvm_check_extension(vm_fd, KVM_CAP_ARM_INJECT_EXT_DABT) > 0;
}

/* KVM injects the abort with the faulting address of the MMIO exit it has
 * just reported (FAR_EL1 = that address, ESR_EL1 an external data abort);
 * the next KVM_RUN enters the guest's vector, the access not retired. */
int
arch_vcpu_inject_abort(struct kvm_vcpu_fd *vcpu)
{
	struct arm64_vcpu_events events;

	memset(&events, 0, sizeof(events));
	events.exception.ext_dabt_pending = 1;
	return ioctl(vcpu->fd, ARM64_KVM_SET_VCPU_EVENTS, &events) < 0 ?
	    -errno : 0;
}

/* SMCCC passes a forwarded call's arguments in x1..x4 (the function ID is
 * x0) and takes its results in x0..x3. */
int
arch_hypercall_args(struct kvm_vcpu_fd *vcpu,
    uint64_t args[FORWARD_HYPERCALL_ARGS])
{
	unsigned int i;
	int rc = 0;

	for (i = 0; rc == 0 && i < FORWARD_HYPERCALL_ARGS; i++)
		rc = kvm_vcpu_get_reg(vcpu,
		    arm64_core_reg_id(ARM64_CORE_REG_X(i + 1)), &args[i]);
	return rc;
}

int
arch_hypercall_result(struct kvm_vcpu_fd *vcpu,
    const uint64_t result[FORWARD_HYPERCALL_RESULTS])
{
	unsigned int i;
	int rc = 0;

	for (i = 0; rc == 0 && i < FORWARD_HYPERCALL_RESULTS; i++)
		rc = kvm_vcpu_set_reg(vcpu,
		    arm64_core_reg_id(ARM64_CORE_REG_X(i)), result[i]);
	return rc;
}
