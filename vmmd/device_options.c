/* Parsing the device options of `vmmd run`; each names the value at fault. */
#include "device_options.h"

#include <stdio.h>
#include <string.h>

static struct vm_device_spec *
device_add(struct device_options *devices, enum vm_device_kind kind,
    char *error, size_t error_size)
{
	struct vm_device_spec *spec;

	if (devices->count == VM_IO_MAX_DEVICES) {
		snprintf(error, error_size, "a VM has at most %d devices",
		    VM_IO_MAX_DEVICES);
		return NULL;
	}
	spec = &devices->specs[devices->count++];
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
	return spec;
}

/* PATH[,ro][,serial=ID]: the path may not hold a comma. */
int
device_options_disk(struct device_options *devices, const char *arg,
    char *error, size_t error_size)
{
	struct vm_device_spec *spec;
	char *text, *item, *rest;

	if (strlen(arg) >= DEVICE_OPTION_TEXT_MAX || arg[0] == '\0' ||
	    arg[0] == ',') {
		snprintf(error, error_size, "--disk: '%s' is not PATH[,ro]"
		    "[,serial=ID]", arg);
		return -1;
	}
	text = devices->text[devices->count];
	spec = device_add(devices, VM_DEVICE_BLOCK, error, error_size);
	if (spec == NULL)
		return -1;
	strcpy(text, arg);
	rest = text;
	spec->path = strsep(&rest, ",");
	while ((item = strsep(&rest, ",")) != NULL) {
		if (strcmp(item, "ro") == 0)
			spec->read_only = true;
		else if (strncmp(item, "serial=", 7) == 0 &&
		    strlen(item + 7) <= 20)
			spec->serial = item + 7;
		else {
			snprintf(error, error_size, "--disk %s: unknown or bad "
			    "setting '%s' (ro, serial=ID of at most 20 "
			    "characters)", arg, item);
			return -1;
		}
	}
	return 0;
}

int
device_options_rng(struct device_options *devices, char *error,
    size_t error_size)
{
	return device_add(devices, VM_DEVICE_RNG, error, error_size) == NULL ?
	    -1 : 0;
}
