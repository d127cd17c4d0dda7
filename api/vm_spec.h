/* A VM's specification as the protocol carries it: its shape, its ranges
 * and the daemon's limits checked in one place, for the daemon and for the
 * VM process that receives it. */
#ifndef VMMD_API_VM_SPEC_H
#define VMMD_API_VM_SPEC_H

#include <jansson.h>
#include <stdint.h>

#include "protocol.h"

#define API_VM_NAME_MAX		32
#define API_VM_PATH_MAX		1024
#define API_VM_CMDLINE_MAX	2048

struct api_vm_spec {
	char name[API_VM_NAME_MAX + 1];
	unsigned int vcpus;
	uint64_t memory_mib;
	char kernel[API_VM_PATH_MAX];
	char initrd[API_VM_PATH_MAX];		/* "" for none */
	char cmdline[API_VM_CMDLINE_MAX];
	char cpu_template[API_VM_PATH_MAX];	/* "" for the default */
};

struct api_vm_limits {
	unsigned int vcpus_per_vm;
	uint64_t memory_mib_per_vm;
};

int api_vm_spec_parse(json_t *spec, const struct api_vm_limits *limits,
    struct api_vm_spec *out, struct api_error *error);
json_t *api_vm_spec_json(const struct api_vm_spec *spec);
int api_vm_name_valid(const char *name);

#endif
