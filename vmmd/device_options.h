/* `vmmd run` device options: --disk PATH[,ro][,serial=ID] and --rng, into
 * the VM's list of virtio devices. */
#ifndef VMMD_DEVICE_OPTIONS_H
#define VMMD_DEVICE_OPTIONS_H

#include <stddef.h>

#include "../api/vm_spec.h"
#include "../core/vm_io.h"

#define DEVICE_OPTION_TEXT_MAX	1024

struct device_options {
	struct vm_device_spec specs[VM_IO_MAX_DEVICES];
	char text[VM_IO_MAX_DEVICES][DEVICE_OPTION_TEXT_MAX];
	unsigned int count;
};

int device_options_disk(struct device_options *devices, const char *arg,
    char *error, size_t error_size);
int device_options_net(struct device_options *devices, const char *arg,
    char *error, size_t error_size);
int device_options_vsock(struct device_options *devices, const char *arg,
    char *error, size_t error_size);
int device_options_rng(struct device_options *devices, char *error,
    size_t error_size);
int device_options_console(struct device_options *devices, char *error,
    size_t error_size);
/* A device of a daemon's VM spec, written as its option and parsed as
 * `vmmd run` parses it. */
int device_options_spec(struct device_options *devices,
    const struct api_vm_device *device, char *error, size_t error_size);

#endif
