/* The VM commands of the protocol, one table (the pattern of tmux's
 * cmd_entry): for each API command, the states its VM must be in, what it
 * asks the VM process, what an ok from the process makes of the VM, and
 * its handler. The table is checked at start (vm_command_table_validate);
 * the dispatch is generic (vm_command_run). client.c serves the commands
 * that need no VM registry, from its own table. */
#ifndef VMMD_VM_COMMANDS_H
#define VMMD_VM_COMMANDS_H

#include "../api/protocol.h"
#include "vm_registry.h"

struct vm_command;

/* One call: the VM is NULL for the commands about no one VM. */
struct vm_call {
	struct vm_registry *registry;
	struct vm_record *vm;
	struct client *client;
	const struct api_request *request;
	const struct vm_command *command;
};

typedef void vm_command_fn(const struct vm_call *call);

#define VM_COMMAND_NO_VM	0u	/* states: not about one VM */
#define VM_COMMAND_ANY_STATE	((1u << VM_STATE_COUNT) - 1)

struct vm_command {
	enum api_command_id command;
	unsigned int states;		/* where it is allowed, a mask */
	enum vm_message_kind message;	/* what it asks its process, or NONE */
	enum vm_state on_ack;		/* what an ok makes of it, or COUNT */
	vm_command_fn *handler;
};

const struct vm_command *vm_command_find(enum api_command_id command);
/* Entries valid and unique; with served (count of them) by client.c,
 * every command of the protocol has exactly one server. */
int vm_command_table_validate(const enum api_command_id *served,
    size_t count, char *error, size_t error_size);
/* Finds the VM, checks its state, calls the handler. */
void vm_command_run(struct vm_registry *registry, struct client *client,
    const struct api_request *request);

#endif
