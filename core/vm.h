/* A VM's life in one process: open KVM, create the VM, its memory and its
 * vCPU, load the guest, run it until it stops, tear it down. */
#ifndef VMMD_VM_H
#define VMMD_VM_H

#include <stdint.h>

#include "arch.h"
#include "vcpu.h"

struct vm_config {
	const char *kvm_path;		/* normally KVM_DEVICE_PATH */
	uint64_t memory_size;		/* bytes of RAM at arch_ram_base() */
	const char *payload_path;	/* a flat binary */
	uint64_t payload_offset;	/* where it goes, from the RAM base */
	const struct cpu_template *cpu_template;	/* or NULL: the default */
};

enum vm_run_status {
	VM_RUN_STOPPED,		/* the guest ran and stopped: see the result */
	VM_RUN_NO_KVM,		/* KVM cannot serve on this host */
	VM_RUN_SETUP_FAILED,	/* the VM could not be built */
	VM_RUN_FAILED,		/* KVM_RUN itself failed */
};

struct vm_result {
	struct vcpu_stop stop;
	struct arch_vcpu_snapshot registers;
	int api_version;
	uint64_t payload_size;
};

enum vm_run_status vm_run(const struct vm_config *config,
    struct vm_result *result);

#endif
