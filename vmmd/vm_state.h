/* The states of a VM as the daemon records it (docs/protocol.md): their
 * names, shared by the registry, the command table and the records on
 * disk. A leaf: it includes nothing of vmmd's. */
#ifndef VMMD_VM_STATE_H
#define VMMD_VM_STATE_H

#include <stdbool.h>
#include <stddef.h>

enum vm_state {
	VM_STATE_DEFINED,
	VM_STATE_STARTING,
	VM_STATE_RUNNING,
	VM_STATE_PAUSED,
	VM_STATE_STOPPING,
	VM_STATE_STOPPED,
	VM_STATE_CRASHED,
	VM_STATE_COUNT,
};

#define VM_STATE_BIT(s)	(1u << VM_STATE_##s)

const char *vm_state_name(enum vm_state state);
int vm_state_by_name(const char *name, enum vm_state *state);
/* In these states a VM has a process (its record carries a pid). */
bool vm_state_has_process(enum vm_state state);
/* "running or paused": the states of a mask, for an error message. */
void vm_states_text(unsigned int mask, char *out, size_t size);
int vm_state_table_validate(char *error, size_t error_size);

#endif
