/* The VM states' names, and the few questions asked of a state. */
#include <stdio.h>
#include <string.h>

#include "vm_state.h"

static const char *const state_names[VM_STATE_COUNT] = {
	[VM_STATE_DEFINED] = "defined", [VM_STATE_STARTING] = "starting",
	[VM_STATE_RUNNING] = "running", [VM_STATE_PAUSED] = "paused",
	[VM_STATE_STOPPING] = "stopping", [VM_STATE_STOPPED] = "stopped",
	[VM_STATE_CRASHED] = "crashed",
};

const char *
vm_state_name(enum vm_state state)
{
	return (unsigned int)state < VM_STATE_COUNT ? state_names[state] : "?";
}

int
vm_state_by_name(const char *name, enum vm_state *state)
{
	unsigned int i;

	for (i = 0; i < VM_STATE_COUNT; i++)
		if (strcmp(state_names[i], name) == 0) {
			*state = (enum vm_state)i;
			return 0;
		}
	return -1;
}

bool
vm_state_has_process(enum vm_state state)
{
	return state == VM_STATE_STARTING || state == VM_STATE_RUNNING ||
	    state == VM_STATE_PAUSED || state == VM_STATE_STOPPING;
}

void
vm_states_text(unsigned int mask, char *out, size_t size)
{
	size_t used = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < VM_STATE_COUNT; i++)
		if (mask & (1u << i))
			used += (size_t)snprintf(out + used, used < size ?
			    size - used : 0, "%s%s", used ? " or " : "",
			    state_names[i]);
}

int
vm_state_table_validate(char *error, size_t error_size)
{
	size_t i;

	for (i = 0; i < VM_STATE_COUNT; i++)
		if (state_names[i] == NULL) {
			snprintf(error, error_size, "VM state %zu has no name", i);
			return -1;
		}
	return 0;
}
