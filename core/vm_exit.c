/* Names and meanings of KVM exits, as tables indexed by the UAPI values,
 * and the forward map entries that those meanings give. */
#include "vm_exit.h"

#include <linux/kvm.h>
#include <stddef.h>

#include "forward_map.h"

#define NAME(index, text)	[index] = text
#define TABLE_NAME(table, i)	\
	((i) < sizeof(table) / sizeof((table)[0]) && (table)[i] != NULL ? \
	    (table)[i] : "unknown")

static const char *const exit_reason_names[] = {
	NAME(KVM_EXIT_UNKNOWN, "unknown"),
	NAME(KVM_EXIT_EXCEPTION, "exception"),
	NAME(KVM_EXIT_IO, "io"),
	NAME(KVM_EXIT_HYPERCALL, "hypercall"),
	NAME(KVM_EXIT_DEBUG, "debug"),
	NAME(KVM_EXIT_HLT, "hlt"),
	NAME(KVM_EXIT_MMIO, "mmio"),
	NAME(KVM_EXIT_IRQ_WINDOW_OPEN, "irq-window-open"),
	NAME(KVM_EXIT_SHUTDOWN, "shutdown"),
	NAME(KVM_EXIT_FAIL_ENTRY, "fail-entry"),
	NAME(KVM_EXIT_INTR, "intr"),
	NAME(KVM_EXIT_INTERNAL_ERROR, "internal-error"),
	NAME(KVM_EXIT_SYSTEM_EVENT, "system-event"),
	NAME(KVM_EXIT_ARM_NISV, "arm-nisv"),
	NAME(KVM_EXIT_DIRTY_RING_FULL, "dirty-ring-full"),
	NAME(KVM_EXIT_NOTIFY, "notify"),
};

struct system_event_meaning {
	const char *name;
	enum vm_outcome outcome;
};

static const struct system_event_meaning system_events[] = {
	[KVM_SYSTEM_EVENT_SHUTDOWN] = { "shutdown", VM_OUTCOME_POWEROFF },
	[KVM_SYSTEM_EVENT_RESET] = { "reset", VM_OUTCOME_REBOOT },
	[KVM_SYSTEM_EVENT_CRASH] = { "crash", VM_OUTCOME_CRASH },
	[KVM_SYSTEM_EVENT_WAKEUP] = { "wakeup", VM_OUTCOME_NONE },
	[KVM_SYSTEM_EVENT_SUSPEND] = { "suspend", VM_OUTCOME_NONE },
};

static const char *const outcome_names[] = {
	NAME(VM_OUTCOME_NONE, "running"),
	NAME(VM_OUTCOME_POWEROFF, "poweroff"),
	NAME(VM_OUTCOME_REBOOT, "reboot"),
	NAME(VM_OUTCOME_CRASH, "crash"),
	NAME(VM_OUTCOME_GUEST_ERROR, "guest-error"),
	NAME(VM_OUTCOME_PANIC, "panic"),
	NAME(VM_OUTCOME_STOPPED, "stopped"),
};

static const struct system_event_meaning *
system_event_lookup(uint32_t type)
{
	if (type >= sizeof(system_events) / sizeof(system_events[0]) ||
	    system_events[type].name == NULL)
		return NULL;
	return &system_events[type];
}

const char *
vm_exit_reason_name(uint32_t exit_reason)
{
	return TABLE_NAME(exit_reason_names, exit_reason);
}

const char *
vm_system_event_name(uint32_t type)
{
	const struct system_event_meaning *meaning = system_event_lookup(type);

	return meaning != NULL ? meaning->name : "unknown";
}

/* An event vmmd does not know is a guest error: better a stopped VM than a
 * guest that believes an unserved request succeeded. */
enum vm_outcome
vm_outcome_of_system_event(uint32_t type)
{
	const struct system_event_meaning *meaning = system_event_lookup(type);

	return meaning != NULL ? meaning->outcome : VM_OUTCOME_GUEST_ERROR;
}

const char *
vm_outcome_name(enum vm_outcome outcome)
{
	return TABLE_NAME(outcome_names, (unsigned int)outcome);
}

/* The forward map's entries for system events (one per event vmmd knows:
 * those with an outcome stop the VM, the others resume it) and for the
 * KVM_RUN interrupted by a signal (resume). Other exits stay unmapped. */
int
vm_exit_forward_entries(struct forward_map *map)
{
	struct forward_entry entry = {
		.name = "interrupted", .kind = FORWARD_EXIT,
		.base = KVM_EXIT_INTR, .size = 1, .action = FORWARD_RESUME,
	};
	uint32_t type;
	int rc;

	rc = forward_map_add(map, &entry);
	for (type = 0; rc == 0 && type < sizeof(system_events) /
	    sizeof(system_events[0]); type++) {
		if (system_events[type].name == NULL)
			continue;
		entry = (struct forward_entry){
			.name = system_events[type].name,
			.kind = FORWARD_SYSTEM_EVENT, .base = type, .size = 1,
			.outcome = system_events[type].outcome,
			.action = system_events[type].outcome == VM_OUTCOME_NONE ?
			    FORWARD_RESUME : FORWARD_STOP,
		};
		rc = forward_map_add(map, &entry);
	}
	return rc;
}
