/* arm64's VM-level part of a snapshot (docs/snapshot.md): the CPU_MODEL,
 * MP_STATE and TIMERS sections (the VGIC one is arm64/vgic_state.c) and
 * core/arch.h's arch_snapshot_* functions. The encodings and the CPU-model
 * check are pure, for tests and fuzzing. */
#ifndef VMMD_ARM64_SNAPSHOT_VM_H
#define VMMD_ARM64_SNAPSHOT_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arch.h"
#include "../core/snapshot_format.h"
#include "cpu_model.h"
#include "cpu_template.h"
#include "vgic.h"

/* struct arch_vm's parts a snapshot needs (arm64/arch_arm64.c). */
int arm64_vm_fd(const struct arch_vm *arch);
const struct vgic *arm64_vm_gic(const struct arch_vm *arch);

/* TIMERS: the guest's virtual counter (vCPU 0's KVM_REG_ARM_TIMER_CNT)
 * and the counter frequency it ran at (the host's CNTFRQ_EL0). */
struct arm64_snapshot_timers {
	uint64_t counter;
	uint64_t frequency;
};

/* KVM's VM-wide counter offset (KVM_ARM_SET_COUNTER_OFFSET, subtracted
 * from the host's physical counter) that makes the guest's counter read
 * guest_counter when the host's reads host_counter. */
uint64_t arm64_counter_offset(uint64_t host_counter, uint64_t guest_counter);

void arm64_snapshot_put_timers(struct snapshot_writer *writer,
    const struct arm64_snapshot_timers *timers);
/* Refuses another size, or a frequency other than this host's. */
int arm64_snapshot_read_timers(const struct snapshot_blob *section,
    uint64_t host_frequency, struct arm64_snapshot_timers *timers, char *why,
    size_t why_size);

void arm64_snapshot_put_mp_states(struct snapshot_writer *writer,
    const uint32_t *states, unsigned int count);
/* Refuses another count, or a state KVM_SET_MP_STATE does not take on arm64. */
int arm64_snapshot_read_mp_states(const struct snapshot_blob *section,
    unsigned int count, uint32_t *states, char *why, size_t why_size);

/* CPU_MODEL: a host's model and the template applied (NULL: none). */
void arm64_snapshot_put_model(struct snapshot_writer *writer,
    const struct cpu_model *model, const struct cpu_template *cpu_template);
/* Strict: every register one of the sysreg table's ID registers, once;
 * *has_template says whether the section holds one. */
int arm64_snapshot_read_model(const struct snapshot_blob *section,
    struct cpu_model *model, struct cpu_template *cpu_template,
    bool *has_template, char *why, size_t why_size);
/* Whether a host (model here, with template here_template) can run what the
 * snapshot's vCPUs saw (model saved, with saved_template): the same vCPU
 * features, and no ID field the guest saw above what this host gives or,
 * below it, one KVM cannot lower here. -EPERM names every such field. */
int arm64_snapshot_model_check(const struct cpu_model *saved,
    const struct cpu_template *saved_template, const struct cpu_model *here,
    const struct cpu_template *here_template, char *why, size_t why_size);

#endif
