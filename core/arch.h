/* The machine-dependent boundary of the VM runtime: a fixed list of
 * functions that one file per architecture implements (arm64/arch_arm64.c).
 * Adding an architecture means filling that one file. */
#ifndef VMMD_ARCH_H
#define VMMD_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_memory.h"
#include "forward_map.h"
#include "kvm.h"
#include "snapshot_format.h"

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

/* Where the architecture puts RAM, the console UART, the real-time clock
 * (core/pl031.c, PL031_SIZE bytes; rtc_base 0: none), virtio-mmio and the
 * PCIe host (its ECAM, two windows and the INTx lines). */
struct arch_layout {
	uint64_t ram_base;
	uint64_t console_base;
	uint64_t console_size;
	unsigned int console_irq;
	uint64_t rtc_base;
	unsigned int rtc_irq;
	uint64_t virtio_base;		/* virtio-mmio device i at base + i * stride */
	uint64_t virtio_stride;
	unsigned int virtio_irq_base;	/* and interrupt irq_base + i */
	unsigned int virtio_max;
	uint64_t pci_ecam_base;
	uint64_t pci_ecam_size;
	uint64_t pci_window_bases[2];	/* 32-bit, then 64-bit */
	uint64_t pci_window_sizes[2];
	unsigned int pci_irq_base;	/* INTA..INTD: irq_base + 0..3 */
	unsigned int pci_irq_lines;
};

/* A Linux boot: the files and command line in, where it starts out. */
struct arch_linux_boot {
	const char *kernel;
	const char *initrd;		/* NULL: none */
	const char *cmdline;
	uint64_t ram_size;
	unsigned int vcpus;
	const uint64_t *vcpu_ids;	/* arch_vcpu_id() of each vCPU */
	unsigned int virtio_count;	/* virtio-mmio devices, as arch_layout places them */
	bool pci;			/* a PCIe host, as arch_layout places it */
	uint64_t entry;			/* out: where the boot vCPU starts */
	uint64_t arg0;			/* out: its first argument register */
	uint64_t fdt_addr;		/* out: the device tree, and its size */
	uint32_t fdt_size;
	uint64_t kernel_size;		/* out: bytes loaded */
	uint64_t initrd_size;
	bool raw_kernel;		/* out: a raw binary, not a Linux Image */
};

struct arch_vm;		/* the architecture's per-VM state (arm64: the vGIC) */

const struct arch_layout *arch_layout(void);
uint64_t arch_ram_base(void);
/* How many entries the architecture's system-register table has: a
 * snapshot records it (docs/snapshot.md). */
uint32_t arch_sysreg_table_entries(void);
int arch_vm_type(int system_fd, uint64_t memory_end, unsigned long *type,
    char *why, size_t why_size);
int arch_vm_create(int vm_fd, unsigned int vcpus, struct arch_vm **arch);
int arch_vm_finalize(struct arch_vm *arch);
void arch_vm_destroy(struct arch_vm *arch);
int arch_irq_line(struct arch_vm *arch, unsigned int irq, bool level);
int arch_vcpu_init(int vm_fd, struct kvm_vcpu_fd *vcpu, bool powered_off);
int arch_vcpu_id(struct kvm_vcpu_fd *vcpu, uint64_t *id);
int arch_vcpu_finalize(struct arch_vm *arch, struct kvm_vcpu_fd *vcpu);
/* arch_vcpu_init with the template's features, then the template applied
 * before the first KVM_RUN; on failure, error says which part failed. */
int arch_vcpu_init_template(int vm_fd, struct kvm_vcpu_fd *vcpu,
    bool powered_off, const struct cpu_template *cpu_template, char *error,
    size_t error_size);
int arch_vcpu_set_entry(struct kvm_vcpu_fd *vcpu, uint64_t pc, uint64_t arg0);
int arch_vcpu_snapshot(struct kvm_vcpu_fd *vcpu,
    struct arch_vcpu_snapshot *snapshot);
int arch_linux_load(struct arch_vm *arch, const struct guest_memory *memory,
    struct arch_linux_boot *boot, char *why, size_t why_size);

/* The trap forward map's architecture part (arm64/forward_map_arm64.c):
 * add the architecture's entries (error names the entry at fault), give
 * KVM the hypercall entries where it can take them (recorded in
 * map->installed; map->kvm_filter says whether it could), and move a
 * forwarded hypercall's arguments and results between vCPU and handler. */
int arch_forward_map_add(struct forward_map *map, char *error,
    size_t error_size);
int arch_forward_map_install(int vm_fd, struct forward_map *map);
/* The unmapped-MMIO policy abort: whether KVM can inject a synchronous
 * external abort (1, 0: it cannot), and the injection itself, for the MMIO
 * exit the vCPU has just taken (arm64: KVM_SET_VCPU_EVENTS, ext_dabt). */
int arch_vm_can_inject_abort(int vm_fd);
int arch_vcpu_inject_abort(struct kvm_vcpu_fd *vcpu);
int arch_hypercall_args(struct kvm_vcpu_fd *vcpu,
    uint64_t args[FORWARD_HYPERCALL_ARGS]);
int arch_hypercall_result(struct kvm_vcpu_fd *vcpu,
    const uint64_t result[FORWARD_HYPERCALL_RESULTS]);

/* The architecture's part of a snapshot (docs/snapshot.md; arm64:
 * arm64/snapshot_vm.c). Save: the VM is paused, no vCPU is in KVM_RUN.
 * Restore: into a VM built as the saved one was (same vCPU count, vGIC
 * created and initialised by arch_vm_create/arch_vm_finalize, each vCPU
 * KVM_ARM_VCPU_INIT'ed and finalised), before any KVM_RUN. Each returns 0
 * or a negative errno with one line in why, and logs nothing. */
int arch_snapshot_id_check(uint64_t id, char *why, size_t why_size);
/* One VCPU section (the function begins and ends it). */
int arch_snapshot_save_vcpu(struct kvm_vcpu_fd *vcpu, uint32_t index,
    struct snapshot_writer *writer, char *why, size_t why_size);
int arch_snapshot_restore_vcpu(struct kvm_vcpu_fd *vcpu,
    const struct snapshot_blob *section, char *why, size_t why_size);
/* The CPU_MODEL section's content (the caller begins and ends the
 * section): this host's CPU model as `vmmd --cpu-model-compare` compares
 * it, and the CPU template applied (NULL: none). */
int arch_snapshot_put_cpu_model(int system_fd,
    const struct cpu_template *cpu_template, struct snapshot_writer *writer,
    char *why, size_t why_size);
/* Before a restore: -EPERM, naming the differing fields, when this host
 * (with cpu_template, NULL: none) cannot run what CPU_MODEL describes. */
int arch_snapshot_check_cpu_model(int system_fd,
    const struct cpu_template *cpu_template,
    const struct snapshot_blob *cpu_model, char *why, size_t why_size);
/* The MP_STATE, TIMERS and VGIC sections, in that order, each begun and
 * ended by the function; before guest memory is written out (the ITS
 * tables and LPI pending bits are flushed into it). */
int arch_snapshot_save_vm(struct arch_vm *arch, struct kvm_vcpu_fd *vcpus,
    unsigned int count, struct snapshot_writer *writer, char *why,
    size_t why_size);
/* Restores them from the view, after every vCPU's registers were restored
 * (arch_snapshot_restore_vcpu) and with guest memory in place. */
int arch_snapshot_restore_vm(struct arch_vm *arch, struct kvm_vcpu_fd *vcpus,
    unsigned int count, const struct snapshot_view *view, char *why,
    size_t why_size);

#endif
