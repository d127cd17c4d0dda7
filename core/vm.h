/* A VM's life in one process: open KVM, create the VM, its memory, its
 * trap forward map and its vCPU, load the guest, run it until it stops,
 * tear it down. */
#ifndef VMMD_VM_H
#define VMMD_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "dev_scratch.h"
#include "forward_map.h"
#include "guest_memory.h"
#include "vcpu.h"

struct vm_config {
	const char *kvm_path;		/* normally KVM_DEVICE_PATH */
	uint64_t memory_size;		/* bytes of RAM at arch_ram_base() */
	const char *payload_path;	/* a flat binary */
	uint64_t payload_offset;	/* where it goes, from the RAM base */
	bool scratch_device;		/* map a dev_scratch at scratch_base */
	uint64_t scratch_base;
	bool no_hypercall_filter;	/* do not give KVM the hypercall entries */
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
	struct forward_map map;			/* the entries, for reports */
	struct forward_counters counters;	/* summed over the vCPUs */
};

/* One VM. vm_prepare builds it up to the first KVM_RUN; vm_destroy undoes
 * whatever part of it was built. */
struct vm {
	int system_fd;
	int vm_fd;
	struct guest_memory memory;
	struct kvm_vcpu_fd vcpu;
	struct forward_map map;
	struct forward_counters counters;	/* vCPU 0's */
	struct dev_scratch scratch;
};

enum vm_run_status vm_prepare(struct vm *vm, const struct vm_config *config,
    struct vm_result *result);
void vm_destroy(struct vm *vm);
enum vm_run_status vm_run(const struct vm_config *config,
    struct vm_result *result);

#endif
