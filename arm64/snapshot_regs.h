/* A vCPU's registers in a snapshot (docs/snapshot.md): every id KVM lists,
 * checked against vmmd's tables, read and written through KVM one-reg. */
#ifndef ARM64_SNAPSHOT_REGS_H
#define ARM64_SNAPSHOT_REGS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/snapshot_format.h"

/* snapshot_id_check_fn for arm64: a core register of struct kvm_regs, a
 * firmware, SVE or CCSIDR (demux) register, or an entry of the sysreg table;
 * anything else is refused, named by its encoding. */
int arm64_snapshot_id_check(uint64_t id, char *why, size_t why_size);

#endif
