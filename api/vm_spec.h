/* A VM's specification as the protocol carries it: its shape, its ranges
 * and the daemon's limits checked in one place, for the daemon and for the
 * VM process that receives it. */
#ifndef VMMD_API_VM_SPEC_H
#define VMMD_API_VM_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"

#define API_VM_NAME_MAX		32
#define API_VM_PATH_MAX		1024
#define API_VM_CMDLINE_MAX	2048

#define API_VM_DEVICES_MAX	16
#define API_VM_DISK_PATH_MAX	992	/* with ",ro,serial=ID", under 1 KiB */
#define API_VM_SERIAL_MAX	20	/* virtio-blk's ID */
#define API_VM_TAP_MAX		15	/* IFNAMSIZ - 1 */

/* The one list of device kinds: vmmd's table of kinds (vmmd/device_kinds.c)
 * is indexed by it, and checks at start that it has one entry for each. */
enum api_vm_device_type {
	API_DEVICE_DISK,
	API_DEVICE_NET,
	API_DEVICE_RNG,
	API_DEVICE_VSOCK,
	API_DEVICE_CONSOLE,
	API_DEVICE_TYPE_COUNT,
};

/* One virtio device of a spec; which members count depends on the type. */
struct api_vm_device {
	enum api_vm_device_type type;
	char path[API_VM_DISK_PATH_MAX + 1];	/* disk: absolute, no comma */
	bool read_only;				/* disk */
	char serial[API_VM_SERIAL_MAX + 1];	/* disk: "" for none */
	char tap[API_VM_TAP_MAX + 1];		/* net: no ',', '/', ':' or space */
	char mac[18];				/* net: "" for the default, or
						 * XX:XX:XX:XX:XX:XX, unicast */
	uint64_t cid;				/* vsock: 3 to 0xfffffffe */
};

/* What a guest's access to no device gets (docs/forward-map.md); the
 * names are the VM process's forward-map policies, one for one (checked
 * at the daemon's start). */
enum api_unmapped_mmio {
	API_UNMAPPED_MMIO_IGNORE,	/* the default */
	API_UNMAPPED_MMIO_STOP,
	API_UNMAPPED_MMIO_ABORT,
	API_UNMAPPED_MMIO_COUNT,
};

/* What the VM's virtio devices sit on; the names are core's transports,
 * one for one (checked at the daemon's start). Absent from a spec: PCI,
 * what stock distribution kernels need. */
enum api_transport {
	API_TRANSPORT_MMIO,
	API_TRANSPORT_PCI,
	API_TRANSPORT_COUNT,
};

struct api_vm_spec {
	char name[API_VM_NAME_MAX + 1];
	unsigned int vcpus;
	uint64_t memory_mib;
	char kernel[API_VM_PATH_MAX];
	char initrd[API_VM_PATH_MAX];		/* "" for none */
	char cmdline[API_VM_CMDLINE_MAX];
	char cpu_template[API_VM_PATH_MAX];	/* "" for the default */
	enum api_unmapped_mmio unmapped_mmio;
	enum api_transport transport;
	struct api_vm_device devices[API_VM_DEVICES_MAX];
	unsigned int device_count;
	/* a snapshot to restore on the first boot, or "": a cold boot */
	char restore_state[API_VM_PATH_MAX];
	char restore_memory[API_VM_PATH_MAX];
};

/* The spec's part of a device type: its name on the wire, the members it
 * takes besides "type", how they are checked and written back. */
struct api_vm_device_kind {
	const char *name;
	const char *members[4];		/* NULL-terminated */
	int (*parse)(json_t *device, size_t index, struct api_vm_device *out,
	    struct api_error *error);	/* optional: no members to check */
	void (*render)(const struct api_vm_device *device, json_t *json);
	bool single;			/* a VM has at most one */
};

const char *api_vm_device_type_name(enum api_vm_device_type type);
const char *api_unmapped_mmio_name(enum api_unmapped_mmio policy);
const char *api_transport_name(enum api_transport transport);
const struct api_vm_device_kind *api_vm_device_types(size_t *count);
int api_vm_device_types_validate(const struct api_vm_device_kind *types,
    size_t count, char *error, size_t error_size);

struct api_vm_limits {
	unsigned int vcpus_per_vm;
	uint64_t memory_mib_per_vm;
};

int api_vm_spec_parse(json_t *spec, const struct api_vm_limits *limits,
    struct api_vm_spec *out, struct api_error *error);
json_t *api_vm_spec_json(const struct api_vm_spec *spec);
int api_vm_name_valid(const char *name);

/* "fd:NAME": a file the client passed (getfd), where a path or a tap's
 * name goes; NAME as getfd's fdname. */
#define API_VM_FD_PREFIX	"fd:"
bool api_vm_spec_fd_ref(const char *value);

#endif
