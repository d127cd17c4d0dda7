/* arm64's side of the core/arch.h boundary: memory layout and vCPU set-up. */
#include "../core/arch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu_template.h"
#include "kvm_arm64_uapi.h"

/* RAM starts at 2 GiB, as on QEMU's and kvmtool's arm64 virt machines: the
 * low 2 GiB are left to devices. */
#define ARM64_RAM_BASE	0x80000000ull

uint64_t
arch_ram_base(void)
{
	return ARM64_RAM_BASE;
}

int
arch_vcpu_init(int vm_fd, struct kvm_vcpu_fd *vcpu)
{
	struct kvm_vcpu_init init = { 0 };

	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	return 0;
}

int
arch_vcpu_init_template(int vm_fd, struct kvm_vcpu_fd *vcpu,
    const struct cpu_template *cpu_template, char *error, size_t error_size)
{
	const struct cpu_template_field *field;
	size_t failed = 0;
	int rc;

	rc = cpu_template_vcpu_init(vm_fd, vcpu, cpu_template->features);
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
