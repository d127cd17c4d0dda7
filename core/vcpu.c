/* The vCPU run loop. Every exit goes through the VM's trap forward map: the
 * exit reason picks the kind, the exit's key (address, function ID, event
 * type, exit reason) picks the entry, whose action is taken and whose
 * per-vCPU counter counts the hit. An MMIO access no entry covers gets the
 * map's policy (ignored, stopped, or aborted in the guest), counted per
 * address; any other exit the map does not cover stops the VM as a guest
 * error that names it (docs/forward-map.md). Before an exit is served, the
 * writes KVM coalesced are (core/mmio_ring.h): a device sees them before
 * the access that exited. Nothing here allocates or logs, and a lock is
 * taken only while that ring holds writes: the caller reports the stop. */
#include "vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"

struct vcpu_exit {
	struct kvm_vcpu_fd *vcpu;
	const struct forward_map *map;
	struct forward_counters *counters;
	struct vcpu_stop *stop;
	int error;		/* a vCPU ioctl failed while serving the exit */
};

static enum vm_outcome
stop_at(struct vcpu_exit *exit, int entry, enum vm_outcome outcome)
{
	exit->stop->entry = entry;
	return outcome;
}

static void
describe_mmio(const struct kvm_run *run, char *text, size_t text_size)
{
	snprintf(text, text_size, "%s of %" PRIu32 " bytes at",
	    run->mmio.is_write ? "write" : "read", run->mmio.len);
}

/* An access a device refuses, or one that no device serves under the stop
 * policy: stop, naming the access. */
static enum vm_outcome
mmio_unserved(struct vcpu_exit *exit, int entry, int rc)
{
	const struct kvm_run *run = exit->vcpu->run;
	const char *name = entry >= 0 ? exit->map->entries[entry].name : NULL;
	char access[48];

	describe_mmio(run, access, sizeof(access));
	if (name == NULL)
		snprintf(exit->stop->detail, sizeof(exit->stop->detail),
		    "%s unmapped address 0x%" PRIx64, access,
		    (uint64_t)run->mmio.phys_addr);
	else
		snprintf(exit->stop->detail, sizeof(exit->stop->detail),
		    "%s 0x%" PRIx64 " refused by '%s': %s", access,
		    (uint64_t)run->mmio.phys_addr, name, strerror(-rc));
	return stop_at(exit, entry, VM_OUTCOME_GUEST_ERROR);
}

/* An access no entry covers: the map's policy says what the guest sees. A
 * read that is ignored completes with zeros when KVM_RUN resumes it. */
static enum vm_outcome
mmio_unmapped(struct vcpu_exit *exit, uint64_t address)
{
	struct kvm_run *run = exit->vcpu->run;
	int rc;

	exit->counters->unmapped[FORWARD_MMIO]++;
	forward_count_unmapped(exit->counters, address, 1);
	switch (exit->map->unmapped_mmio) {
	case FORWARD_UNMAPPED_IGNORE:
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		return VM_OUTCOME_NONE;
	case FORWARD_UNMAPPED_ABORT:
		rc = arch_vcpu_inject_abort(exit->vcpu);
		if (rc == 0)
			return VM_OUTCOME_NONE;
		exit->error = rc;
		snprintf(exit->stop->detail, sizeof(exit->stop->detail),
		    "cannot inject an external abort for unmapped address 0x%"
		    PRIx64, address);
		return stop_at(exit, -1, VM_OUTCOME_GUEST_ERROR);
	default:
		return mmio_unserved(exit, -1, 0);
	}
}

static enum vm_outcome
dispatch_mmio(struct vcpu_exit *exit)
{
	struct kvm_run *run = exit->vcpu->run;
	uint64_t address = run->mmio.phys_addr;
	const struct forward_entry *entry;
	struct mmio_access access;
	char text[48];
	int i, rc;

	i = forward_map_lookup(exit->map, FORWARD_MMIO, address);
	if (i < 0)
		return mmio_unmapped(exit, address);
	exit->counters->hits[i]++;
	entry = &exit->map->entries[i];
	if (entry->action == FORWARD_STOP) {
		describe_mmio(run, text, sizeof(text));
		snprintf(exit->stop->detail, sizeof(exit->stop->detail),
		    "%s 0x%" PRIx64 " in '%s'", text, address, entry->name);
		return stop_at(exit, i, entry->outcome);
	}
	if (run->mmio.len > sizeof(run->mmio.data) ||
	    address - entry->base > entry->size - run->mmio.len)
		return mmio_unserved(exit, i, -ERANGE);
	access = (struct mmio_access){
		.offset = address - entry->base,
		.data = run->mmio.data,
		.length = run->mmio.len,
		.is_write = run->mmio.is_write != 0,
	};
	rc = entry->mmio(entry->context, &access);
	return rc < 0 ? mmio_unserved(exit, i, rc) : VM_OUTCOME_NONE;
}

static enum vm_outcome
hypercall_unserved(struct vcpu_exit *exit, int entry, uint64_t function_id)
{
	const struct forward_entry *e;

	if (entry < 0) {
		snprintf(exit->stop->detail, sizeof(exit->stop->detail),
		    "hypercall 0x%" PRIx64 " that the forward map does not "
		    "cover", function_id);
		return stop_at(exit, entry, VM_OUTCOME_GUEST_ERROR);
	}
	e = &exit->map->entries[entry];
	snprintf(exit->stop->detail, sizeof(exit->stop->detail),
	    "hypercall 0x%" PRIx64 " reached vmmd, but entry '%s' gives it "
	    "to %s", function_id, e->name, forward_action_name(e->action));
	return stop_at(exit, entry, VM_OUTCOME_GUEST_ERROR);
}

/* KVM forwards only the ranges it was told to forward, so a call reaching
 * vmmd for another entry means KVM and the map disagree: stop. */
static enum vm_outcome
dispatch_hypercall(struct vcpu_exit *exit)
{
	uint64_t function_id = exit->vcpu->run->hypercall.nr;
	uint64_t args[FORWARD_HYPERCALL_ARGS];
	uint64_t result[FORWARD_HYPERCALL_RESULTS] = { 0 };
	const struct forward_entry *entry;
	int i, rc;

	i = forward_map_lookup(exit->map, FORWARD_HYPERCALL, function_id);
	if (i < 0) {
		exit->counters->unmapped[FORWARD_HYPERCALL]++;
		return hypercall_unserved(exit, -1, function_id);
	}
	exit->counters->hits[i]++;
	entry = &exit->map->entries[i];
	if (entry->action != FORWARD_VMMD)
		return hypercall_unserved(exit, i, function_id);
	rc = arch_hypercall_args(exit->vcpu, args);
	if (rc == 0) {
		entry->hypercall(entry->context, function_id, args, result);
		rc = arch_hypercall_result(exit->vcpu, result);
	}
	if (rc < 0) {
		exit->error = rc;
		snprintf(exit->stop->detail, sizeof(exit->stop->detail),
		    "cannot pass hypercall 0x%" PRIx64 " to '%s'", function_id,
		    entry->name);
		return stop_at(exit, i, VM_OUTCOME_GUEST_ERROR);
	}
	return VM_OUTCOME_NONE;
}

static enum vm_outcome
dispatch_system_event(struct vcpu_exit *exit)
{
	uint32_t type = exit->vcpu->run->system_event.type;
	const struct forward_entry *entry;
	int i;

	exit->stop->is_system_event = true;
	exit->stop->system_event = type;
	snprintf(exit->stop->detail, sizeof(exit->stop->detail),
	    "system event %s (%" PRIu32 ")", vm_system_event_name(type), type);
	i = forward_map_lookup(exit->map, FORWARD_SYSTEM_EVENT, type);
	if (i < 0) {
		exit->counters->unmapped[FORWARD_SYSTEM_EVENT]++;
		return stop_at(exit, -1, VM_OUTCOME_GUEST_ERROR);
	}
	exit->counters->hits[i]++;
	entry = &exit->map->entries[i];
	if (entry->action == FORWARD_RESUME)
		return VM_OUTCOME_NONE;
	return stop_at(exit, i, entry->outcome);
}

static enum vm_outcome
dispatch_other(struct vcpu_exit *exit, uint32_t reason)
{
	const struct forward_entry *entry;
	int i;

	i = forward_map_lookup(exit->map, FORWARD_EXIT, reason);
	if (i < 0) {
		exit->counters->unmapped[FORWARD_EXIT]++;
		snprintf(exit->stop->detail, sizeof(exit->stop->detail),
		    "unexpected exit %s (%" PRIu32 ")",
		    vm_exit_reason_name(reason), reason);
		return stop_at(exit, -1, VM_OUTCOME_GUEST_ERROR);
	}
	exit->counters->hits[i]++;
	entry = &exit->map->entries[i];
	if (entry->action == FORWARD_RESUME)
		return VM_OUTCOME_NONE;
	snprintf(exit->stop->detail, sizeof(exit->stop->detail),
	    "exit %s (%" PRIu32 ") stops the VM by entry '%s'",
	    vm_exit_reason_name(reason), reason, entry->name);
	return stop_at(exit, i, entry->outcome);
}

static enum vm_outcome
dispatch(struct vcpu_exit *exit, uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_MMIO:
		return dispatch_mmio(exit);
	case KVM_EXIT_HYPERCALL:
		return dispatch_hypercall(exit);
	case KVM_EXIT_SYSTEM_EVENT:
		return dispatch_system_event(exit);
	default:
		return dispatch_other(exit, reason);
	}
}

/* Returns 0 when an exit ended the VM (stop says how), or when another
 * thread set *stopping (may be NULL) and kicked this vCPU out of KVM_RUN
 * (stop->outcome stays VM_OUTCOME_NONE); or the negative errno of a
 * KVM_RUN, or of a vCPU ioctl serving an exit, that failed (stop->detail
 * then says what it was serving). Any other signal interrupting KVM_RUN is
 * the KVM_EXIT_INTR exit and goes through the map too. ring may be NULL. */
int
vcpu_run_until_stop(struct kvm_vcpu_fd *vcpu, const struct forward_map *map,
    struct mmio_ring *ring, struct forward_counters *counters, const atomic_bool *stopping,
    struct vcpu_stop *stop)
{
	struct vcpu_exit exit = {
		.vcpu = vcpu, .map = map, .counters = counters, .stop = stop,
	};
	enum vm_outcome outcome;
	uint32_t reason;
	int rc;

	*stop = (struct vcpu_stop){ .outcome = VM_OUTCOME_NONE, .entry = -1 };
	for (;;) {
		rc = kvm_vcpu_run(vcpu);
		if (ring != NULL)
			mmio_ring_drain(ring);
		if (rc < 0 && rc != -EINTR)
			return rc;
		if (rc == -EINTR && stopping != NULL && atomic_load(stopping))
			return 0;
		reason = rc == -EINTR ? KVM_EXIT_INTR : vcpu->run->exit_reason;
		stop->exits++;
		stop->exit_reason = reason;
		outcome = dispatch(&exit, reason);
		if (exit.error < 0)
			return exit.error;
		if (outcome != VM_OUTCOME_NONE) {
			stop->outcome = outcome;
			return 0;
		}
	}
}
