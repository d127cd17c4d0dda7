/* The one table of device kinds: for each kind of virtio device, its name
 * in a spec (api/), its option of `vmmd run`, what the VM process opens
 * for it before the sandbox, and its open, close and counters (core/).
 * Indexed by enum api_vm_device_type; checked at start-up. Adding a kind:
 * docs/devices.md. */
#ifndef VMMD_DEVICE_KINDS_H
#define VMMD_DEVICE_KINDS_H

#include <stddef.h>

#include "../api/vm_spec.h"
#include "../core/vm_io.h"

struct device_kind {
	enum api_vm_device_type type;		/* its index in the table */
	const struct vm_device_ops *core;	/* open, close, counters */
	const char *option;			/* `vmmd run --OPTION` */
	const char *option_arg;			/* its value, or NULL: a flag */
	const char *option_help;
	/* Optional: the option's value (a copy the spec may point into;
	 * index is the device's among all) into the spec; errors name arg. */
	int (*parse)(struct vm_device_spec *spec, char *text, const char *arg,
	    unsigned int index, char *error, size_t error_size);
	/* Optional: a spec's device as the option's value (-1: too long). */
	int (*from_spec)(const struct api_vm_device *device, char *text,
	    size_t size);
	/* Optional: what the VM process opens for it before its sandbox. */
	int (*prepare)(struct vm_device_spec *spec, char *error,
	    size_t error_size);
};

extern const struct device_kind device_kind_disk;
extern const struct device_kind device_kind_net;
extern const struct device_kind device_kind_rng;
extern const struct device_kind device_kind_vsock;
extern const struct device_kind device_kind_console;

const struct device_kind *const *device_kinds(size_t *count);
int device_kinds_validate(const struct device_kind *const *table,
    size_t count, char *error, size_t error_size);
const struct device_kind *device_kind_of(const struct vm_device_ops *core);
const struct device_kind *device_kind_by_option(const char *option);

#endif
