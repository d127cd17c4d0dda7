/* A VM's life in one process: open KVM, create the VM, its memory, its
 * interrupt controller, devices and vCPUs, load the guest, run one thread
 * per vCPU until the guest stops, tear it down; build it again when the
 * guest reboots. */
#ifndef VMMD_VM_H
#define VMMD_VM_H

#include <stdint.h>

#include "arch.h"
#include "vcpu.h"

#define VM_MAX_VCPUS	64

struct vm_config {
	const char *kvm_path;		/* normally KVM_DEVICE_PATH */
	uint64_t memory_size;		/* bytes of RAM at arch_ram_base() */
	unsigned int vcpus;
	/* The guest: a flat binary, or a Linux kernel (exactly one). */
	const char *payload_path;
	uint64_t payload_offset;	/* where it goes, from the RAM base */
	const char *kernel_path;
	const char *initrd_path;	/* optional */
	const char *cmdline;
	const char *dump_dtb_path;	/* optional: write the device tree here */
	/* The console: guest serial output goes to both, input comes from
	 * console_input_fd; -1 for none. */
	int console_log_fd;
	int console_fd;
	int console_input_fd;
	unsigned int max_boots;		/* 0: reboot as often as the guest asks */
};

enum vm_run_status {
	VM_RUN_STOPPED,		/* the guest ran and stopped: see the result */
	VM_RUN_NO_KVM,		/* KVM cannot serve on this host */
	VM_RUN_SETUP_FAILED,	/* the VM could not be built */
	VM_RUN_FAILED,		/* KVM_RUN itself failed */
};

struct vm_result {
	struct vcpu_stop stop;		/* how the VM ended */
	unsigned int stop_vcpu;		/* which vCPU saw it */
	struct arch_vcpu_snapshot registers;	/* that vCPU's */
	int api_version;
	unsigned int boots;		/* 1 + the reboots served */
	uint64_t exits;			/* all vCPUs, all boots */
	uint64_t payload_size;		/* or the kernel's, loaded */
	uint64_t initrd_size;
	uint64_t setup_ns;		/* creation to the first KVM_RUN, last boot */
};

enum vm_run_status vm_run(const struct vm_config *config,
    struct vm_result *result);

#endif
