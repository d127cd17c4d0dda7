/* The list of vmmd's tables and their checks (each one's own validator),
 * run in order. */
#include "startup_tables.h"

#include <stdio.h>
#include <string.h>

#include "../api/protocol.h"
#include "../api/vm_spec.h"
#include "../arm64/probe.h"
#include "../arm64/sysreg.h"
#include "../core/arch.h"
#include "../core/forward_map.h"
#include "../core/vm_io.h"
#include "daemon.h"
#include "device_kinds.h"
#include "options.h"
#include "vm_channel.h"
#include "vm_commands.h"

static int
check_api_commands(char *error, size_t error_size)
{
	return api_table_validate(api_commands, api_command_count, error,
	    error_size);
}

static int
check_device_kinds(char *error, size_t error_size)
{
	const struct device_kind *const *kinds;
	size_t count;

	kinds = device_kinds(&count);
	return device_kinds_validate(kinds, count, error, error_size);
}

/* The arch's entries of the forward map (its SMCCC ranges), as every VM
 * starts with them; each VM's whole map is validated again when built. */
static int
check_forward_map(char *error, size_t error_size)
{
	static struct forward_map map;

	forward_map_init(&map);
	if (arch_forward_map_add(&map, error, error_size) < 0)
		return -1;
	return forward_map_validate(&map, error, error_size);
}

/* The daemon's commands: each of the protocol's served once, by client.c
 * or by the VM command table. */
static int
check_vm_commands(char *error, size_t error_size)
{
	return vm_command_table_validate(client_commands, client_command_count,
	    error, error_size);
}

/* A spec's unmapped_mmio goes to the VM process's forward map by value:
 * the two lists must name the same policies in the same order. */
static int
check_unmapped_mmio_names(char *error, size_t error_size)
{
	unsigned int i;

	for (i = 0; i < FORWARD_UNMAPPED_COUNT || i < API_UNMAPPED_MMIO_COUNT;
	    i++) {
		const char *api = api_unmapped_mmio_name(i);

		if (api == NULL || i >= FORWARD_UNMAPPED_COUNT ||
		    strcmp(api, forward_unmapped_name(i)) != 0) {
			snprintf(error, error_size, "policy %u is '%s' in a "
			    "spec, '%s' in the forward map", i, api != NULL ?
			    api : "(none)", forward_unmapped_name(i));
			return -1;
		}
	}
	return 0;
}

/* A spec's transport goes to the VM's config by value, the same way. */
static int
check_transport_names(char *error, size_t error_size)
{
	unsigned int i;

	for (i = 0; i < VM_TRANSPORT_COUNT || i < API_TRANSPORT_COUNT; i++) {
		const char *api = api_transport_name(i);
		const char *core = vm_transport_name(i);

		if (api == NULL || core == NULL || strcmp(api, core) != 0) {
			snprintf(error, error_size, "transport %u is '%s' in a "
			    "spec, '%s' in core", i, api != NULL ? api :
			    "(none)", core != NULL ? core : "(none)");
			return -1;
		}
	}
	return 0;
}

static const struct table_check vmmd_tables[] = {
	{ "sysreg tables", sysreg_tables_validate },
	{ "probe tables", probe_tables_check },
	{ "forward map", check_forward_map },
	{ "unmapped MMIO policies", check_unmapped_mmio_names },
	{ "virtio transports", check_transport_names },
	{ "protocol commands", check_api_commands },
	{ "VM states", vm_state_table_validate },
	{ "VM commands", check_vm_commands },
	{ "VM-process messages", vm_channel_table_validate },
	{ "device kinds", check_device_kinds },
	{ "command-line options", vmmd_options_validate },
};

int
table_checks_run(const struct table_check *checks, size_t count, char *error,
    size_t error_size)
{
	char why[256];
	size_t i;

	for (i = 0; i < count; i++) {
		why[0] = '\0';
		if (checks[i].check(why, sizeof(why)) < 0) {
			snprintf(error, error_size, "%s: %s", checks[i].name,
			    why[0] != '\0' ? why : "invalid (no reason given)");
			return -1;
		}
	}
	return 0;
}

int
startup_tables_validate(char *error, size_t error_size)
{
	return table_checks_run(vmmd_tables, sizeof(vmmd_tables) /
	    sizeof(vmmd_tables[0]), error, error_size);
}
