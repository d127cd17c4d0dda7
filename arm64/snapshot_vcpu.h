/* A vCPU's registers into and out of a snapshot's vcpu section, through
 * KVM_GET_REG_LIST and KVM one-reg (docs/snapshot.md). */
#ifndef ARM64_SNAPSHOT_VCPU_H
#define ARM64_SNAPSHOT_VCPU_H

#include <stddef.h>
#include <stdint.h>

#include "../core/snapshot_format.h"

/* Appends vCPU index's section: every register KVM lists, each id checked
 * (arm64_snapshot_id_check). 0, or a negative errno with why filled. */
int arm64_snapshot_vcpu_save(int vcpu_fd, uint32_t index,
    struct snapshot_writer *writer, char *why, size_t why_size);
/* Sets a section read by snapshot_parse into a vCPU initialised as the
 * saved one was: the ID and firmware registers first (KVM takes them only
 * before the first KVM_RUN), then the rest. A register KVM refuses but
 * already holds at the saved value (an invariant one) is not an error. */
int arm64_snapshot_vcpu_restore(int vcpu_fd, const struct snapshot_blob *section,
    char *why, size_t why_size);

#endif
