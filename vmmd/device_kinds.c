/* The table of device kinds and its check: one entry per api type, in its
 * order, each with core ops that vm_io can use and an option of its own. */
#include "device_kinds.h"

#include <stdio.h>
#include <string.h>

static const struct device_kind *const table[] = {
	[API_DEVICE_DISK] = &device_kind_disk,
	[API_DEVICE_NET] = &device_kind_net,
	[API_DEVICE_RNG] = &device_kind_rng,
	[API_DEVICE_VSOCK] = &device_kind_vsock,
	[API_DEVICE_CONSOLE] = &device_kind_console,
};

#define KIND_COUNT	(sizeof(table) / sizeof(table[0]))

const struct device_kind *const *
device_kinds(size_t *count)
{
	*count = KIND_COUNT;
	return table;
}

static int
kind_check(const struct device_kind *const *kinds, size_t i, char *error,
    size_t error_size)
{
	const struct device_kind *kind = kinds[i];
	size_t j;

	if (kind == NULL || kind->type != (enum api_vm_device_type)i) {
		snprintf(error, error_size, "device kind %zu (%s) is %s", i,
		    api_vm_device_type_name((enum api_vm_device_type)i),
		    kind == NULL ? "missing" : "out of place");
		return -1;
	}
	if (vm_device_ops_check(kind->core, error, error_size) < 0)
		return -1;
	if (kind->option == NULL || kind->option_help == NULL ||
	    (kind->option_arg != NULL) != (kind->parse != NULL)) {
		snprintf(error, error_size, "device kind %s: no option, no help, "
		    "or a value without a parser (or the reverse)",
		    api_vm_device_type_name(kind->type));
		return -1;
	}
	for (j = 0; j < i; j++)
		if (kinds[j]->core == kind->core ||
		    strcmp(kinds[j]->option, kind->option) == 0) {
			snprintf(error, error_size, "device kinds %s and %s "
			    "share their core ops or their option --%s",
			    api_vm_device_type_name(kinds[j]->type),
			    api_vm_device_type_name(kind->type), kind->option);
			return -1;
		}
	return 0;
}

/* The api's table of types is checked with it: both have one entry for
 * each enum api_vm_device_type. */
int
device_kinds_validate(const struct device_kind *const *kinds, size_t count,
    char *error, size_t error_size)
{
	const struct api_vm_device_kind *types;
	size_t i, type_count;

	types = api_vm_device_types(&type_count);
	if (api_vm_device_types_validate(types, type_count, error,
	    error_size) < 0)
		return -1;
	if (count != type_count) {
		snprintf(error, error_size, "%zu device kinds for %zu spec "
		    "types", count, type_count);
		return -1;
	}
	for (i = 0; i < count; i++)
		if (kind_check(kinds, i, error, error_size) < 0)
			return -1;
	return 0;
}

const struct device_kind *
device_kind_of(const struct vm_device_ops *core)
{
	size_t i;

	for (i = 0; i < KIND_COUNT; i++)
		if (table[i]->core == core)
			return table[i];
	return NULL;
}

const struct device_kind *
device_kind_by_option(const char *option)
{
	size_t i;

	for (i = 0; i < KIND_COUNT; i++)
		if (strcmp(table[i]->option, option) == 0)
			return table[i];
	return NULL;
}
