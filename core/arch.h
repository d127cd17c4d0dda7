/* The machine-dependent boundary of the VM runtime: a fixed list of
 * functions that one file per architecture implements (arm64/arch_arm64.c).
 * Adding an architecture means filling that one file. */
#ifndef VMMD_ARCH_H
#define VMMD_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"

#define ARCH_SNAPSHOT_REGS	8

/* The registers a stopped vCPU reports: where it stopped, and its first
 * general-purpose registers (x0..x7 on arm64), for people debugging a guest
 * and for tests that check what a guest computed. */
struct arch_vcpu_snapshot {
	uint64_t pc;
	uint64_t gpr[ARCH_SNAPSHOT_REGS];
};

/* A CPU template (arm64/cpu_template.h): what the vCPU is given at init
 * and which ID-register fields it shows lowered. Opaque to core. */
struct cpu_template;

uint64_t arch_ram_base(void);
int arch_vcpu_init(int vm_fd, struct kvm_vcpu_fd *vcpu);
/* arch_vcpu_init with the template's features, then the template applied
 * before the first KVM_RUN; on failure, error says which part failed. */
int arch_vcpu_init_template(int vm_fd, struct kvm_vcpu_fd *vcpu,
    const struct cpu_template *cpu_template, char *error, size_t error_size);
int arch_vcpu_set_entry(struct kvm_vcpu_fd *vcpu, uint64_t pc, uint64_t arg0);
int arch_vcpu_snapshot(struct kvm_vcpu_fd *vcpu,
    struct arch_vcpu_snapshot *snapshot);

#endif
