/* The vGICv3 (and ITS) state of a snapshot's VGIC section
 * (docs/snapshot.md): a list of KVM device attributes and their values, in
 * the order they are set back. */
#ifndef VMMD_ARM64_VGIC_STATE_H
#define VMMD_ARM64_VGIC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/snapshot_format.h"
#include "vgic.h"

#define VGIC_STATE_ENTRY_SIZE	24	/* u32 group, u32 0, u64 attr, u64 value */

/* KVM's affinity field of a device attribute (bits 63:32: Aff3 Aff2 Aff1
 * Aff0) for a vCPU's MPIDR_EL1. */
uint64_t vgic_state_mpidr_attr(uint64_t mpidr);

/* Appends the entries (the caller begins and ends the section): the ITS
 * tables and LPI pending bits are first flushed into guest memory, which
 * must be written out after this. mpidrs: MPIDR_EL1 of each vCPU. */
int vgic_state_save(const struct vgic *gic, const uint64_t *mpidrs,
    unsigned int count, struct snapshot_writer *writer, char *why,
    size_t why_size);

/* Pure: the section's entries are well formed for a VM with these vCPUs,
 * and have ITS entries exactly when has_its. */
int vgic_state_check(const struct snapshot_blob *section,
    const uint64_t *mpidrs, unsigned int count, bool has_its, char *why,
    size_t why_size);

/* Checks, then sets every entry in order, the ITS's GITS_CTLR last after
 * KVM_DEV_ARM_ITS_RESTORE_TABLES (guest memory must be in place). */
int vgic_state_restore(const struct vgic *gic, const uint64_t *mpidrs,
    unsigned int count, const struct snapshot_blob *section, char *why,
    size_t why_size);

#endif
