/* The vCPU run loop. Exits are dispatched through a table indexed by the
 * KVM exit reason; an exit with no handler ends the VM as a guest error.
 * Nothing here allocates or logs: the caller reports the stop. */
#include "vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>

typedef enum vm_outcome (*vcpu_exit_handler)(struct kvm_run *run,
    struct vcpu_stop *stop);

static enum vm_outcome
handle_system_event(struct kvm_run *run, struct vcpu_stop *stop)
{
	uint32_t type = run->system_event.type;

	stop->is_system_event = true;
	stop->system_event = type;
	snprintf(stop->detail, sizeof(stop->detail), "system event %s (%" PRIu32 ")",
	    vm_system_event_name(type), type);
	return vm_outcome_of_system_event(type);
}

/* No device is mapped yet: an access to device space is a guest error. */
static enum vm_outcome
handle_mmio(struct kvm_run *run, struct vcpu_stop *stop)
{
	snprintf(stop->detail, sizeof(stop->detail),
	    "%s of %" PRIu32 " bytes at unmapped address 0x%" PRIx64,
	    run->mmio.is_write ? "write" : "read", run->mmio.len,
	    (uint64_t)run->mmio.phys_addr);
	return VM_OUTCOME_GUEST_ERROR;
}

static enum vm_outcome
handle_interrupted(struct kvm_run *run, struct vcpu_stop *stop)
{
	(void)run;
	(void)stop;
	return VM_OUTCOME_NONE;
}

static const vcpu_exit_handler exit_handlers[] = {
	[KVM_EXIT_SYSTEM_EVENT] = handle_system_event,
	[KVM_EXIT_MMIO] = handle_mmio,
	[KVM_EXIT_INTR] = handle_interrupted,
};

static vcpu_exit_handler
exit_handler_lookup(uint32_t exit_reason)
{
	if (exit_reason >= sizeof(exit_handlers) / sizeof(exit_handlers[0]))
		return NULL;
	return exit_handlers[exit_reason];
}

/* Returns 0 when an exit ended the VM (stop says how) or when another
 * thread set *stopping and kicked this vCPU out of KVM_RUN (stop->outcome
 * stays VM_OUTCOME_NONE), or the negative errno of a KVM_RUN that failed. */
int
vcpu_run_until_stop(struct kvm_vcpu_fd *vcpu, const atomic_bool *stopping,
    struct vcpu_stop *stop)
{
	vcpu_exit_handler handler;
	enum vm_outcome outcome;
	int rc;

	*stop = (struct vcpu_stop){ .outcome = VM_OUTCOME_NONE };
	for (;;) {
		rc = kvm_vcpu_run(vcpu);
		if (rc == -EINTR) {
			if (atomic_load(stopping))
				return 0;
			continue;
		}
		if (rc < 0)
			return rc;
		stop->exits++;
		stop->exit_reason = vcpu->run->exit_reason;
		handler = exit_handler_lookup(stop->exit_reason);
		if (handler == NULL) {
			snprintf(stop->detail, sizeof(stop->detail),
			    "unexpected exit %s (%" PRIu32 ")",
			    vm_exit_reason_name(stop->exit_reason),
			    stop->exit_reason);
			outcome = VM_OUTCOME_GUEST_ERROR;
		} else
			outcome = handler(vcpu->run, stop);
		if (outcome != VM_OUTCOME_NONE) {
			stop->outcome = outcome;
			return 0;
		}
	}
}
