/* `vmmd run` device options (--disk, --net, --vsock, --rng,
 * --virtio-console: one per kind of vmmd/device_kinds.c) into the VM's
 * list of virtio devices, and a daemon spec's devices the same way. */
#ifndef VMMD_DEVICE_OPTIONS_H
#define VMMD_DEVICE_OPTIONS_H

#include <stddef.h>

#include "../api/vm_spec.h"
#include "../core/vm_io.h"
#include "device_kinds.h"

#define DEVICE_OPTION_TEXT_MAX	1024

struct device_options {
	struct vm_device_spec specs[VM_IO_MAX_DEVICES];
	char text[VM_IO_MAX_DEVICES][DEVICE_OPTION_TEXT_MAX];
	unsigned int count;
};

/* One device of a kind, from its option's value (NULL for a flag). */
int device_options_add(struct device_options *devices,
    const struct device_kind *kind, const char *arg, char *error,
    size_t error_size);
/* A device of a daemon's VM spec, written as its option and parsed as
 * `vmmd run` parses it. */
int device_options_spec(struct device_options *devices,
    const struct api_vm_device *device, char *error, size_t error_size);

#endif
