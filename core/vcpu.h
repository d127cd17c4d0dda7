/* The vCPU loop: KVM_RUN, serve the writes KVM coalesced since, look the
 * exit up in the VM's trap forward map, act on the entry, count the hit,
 * run again, until an exit ends the VM. */
#ifndef VMMD_VCPU_H
#define VMMD_VCPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "forward_map.h"
#include "kvm.h"
#include "mmio_ring.h"
#include "vm_exit.h"

struct vcpu_stop {
	enum vm_outcome outcome;
	uint32_t exit_reason;	/* KVM_EXIT_* of the exit that ended the loop */
	bool is_system_event;	/* the final exit was a system event */
	uint32_t system_event;	/* its KVM_SYSTEM_EVENT_* type */
	int entry;		/* the map entry that stopped it, or -1 */
	uint64_t exits;		/* exits taken, the final one included */
	char detail[160];	/* what happened, for people */
};

int vcpu_run_until_stop(struct kvm_vcpu_fd *vcpu, const struct forward_map *map,
    struct mmio_ring *ring, struct forward_counters *counters, const atomic_bool *stopping,
    struct vcpu_stop *stop);

#endif
