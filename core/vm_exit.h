/* What a guest exit means: names for KVM exit reasons and system events,
 * and the outcome a system event gives the VM, as the forward map's
 * arch-neutral entries. Pure data, no ioctls. */
#ifndef VMMD_VM_EXIT_H
#define VMMD_VM_EXIT_H

#include <stdint.h>

struct forward_map;

enum vm_outcome {
	VM_OUTCOME_NONE,	/* still running */
	VM_OUTCOME_POWEROFF,	/* the guest asked to power off */
	VM_OUTCOME_REBOOT,	/* the guest asked to reset */
	VM_OUTCOME_CRASH,	/* the guest reported a crash (PSCI/SMCCC) */
	VM_OUTCOME_GUEST_ERROR,	/* the guest did something vmmd cannot serve */
	VM_OUTCOME_PANIC,	/* the guest kernel said it panicked */
	VM_OUTCOME_STOPPED,	/* vmmd stopped it (a request, a failed vCPU) */
};

const char *vm_exit_reason_name(uint32_t exit_reason);
const char *vm_system_event_name(uint32_t type);
enum vm_outcome vm_outcome_of_system_event(uint32_t type);
const char *vm_outcome_name(enum vm_outcome outcome);
int vm_exit_forward_entries(struct forward_map *map);

#endif
