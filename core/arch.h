/* The machine-dependent boundary of the VM runtime: a fixed list of
 * functions that one file per architecture implements (arm64/arch_arm64.c).
 * Adding an architecture means filling that one file. */
#ifndef VMMD_ARCH_H
#define VMMD_ARCH_H

#include <stdint.h>

#include "forward_map.h"
#include "kvm.h"

#define ARCH_SNAPSHOT_REGS	8

/* The registers a stopped vCPU reports: where it stopped, and its first
 * general-purpose registers (x0..x7 on arm64), for people debugging a guest
 * and for tests that check what a guest computed. */
struct arch_vcpu_snapshot {
	uint64_t pc;
	uint64_t gpr[ARCH_SNAPSHOT_REGS];
};

uint64_t arch_ram_base(void);
int arch_vcpu_init(int vm_fd, struct kvm_vcpu_fd *vcpu);
int arch_vcpu_set_entry(struct kvm_vcpu_fd *vcpu, uint64_t pc, uint64_t arg0);
int arch_vcpu_snapshot(struct kvm_vcpu_fd *vcpu,
    struct arch_vcpu_snapshot *snapshot);

/* The trap forward map's architecture part (arm64/forward_map_arm64.c):
 * add the architecture's entries (error names the entry at fault), give
 * KVM the hypercall entries where it can take them (recorded in
 * map->installed; map->kvm_filter says whether it could), and move a
 * forwarded hypercall's arguments and results between vCPU and handler. */
int arch_forward_map_add(struct forward_map *map, char *error,
    size_t error_size);
int arch_forward_map_install(int vm_fd, struct forward_map *map);
int arch_hypercall_args(struct kvm_vcpu_fd *vcpu,
    uint64_t args[FORWARD_HYPERCALL_ARGS]);
int arch_hypercall_result(struct kvm_vcpu_fd *vcpu,
    const uint64_t result[FORWARD_HYPERCALL_RESULTS]);

#endif
