/* A VM's life in one process: open KVM, create the VM, its memory, its
 * interrupt controller, devices, trap forward map and vCPUs, load the
 * guest, run one thread per vCPU until the guest stops, tear it down; build
 * it again when the guest reboots. This header is what the rest of vmmd
 * sees: the configuration, the result, vm_run and the control handle;
 * struct vm itself is core's own (core/vm_internal.h). */
#ifndef VMMD_VM_H
#define VMMD_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "forward_map.h"
#include "vcpu.h"
#include "vm_io.h"

#define VM_MAX_VCPUS	64

struct vm;

/* Another thread's handle on a running VM (the VM process's control loop):
 * pause, resume and stop whichever boot is running, read its counters.
 * on_running is called from vm_run's thread once every vCPU of a boot runs. */
struct vm_control {
	pthread_mutex_t lock;		/* guards vm and stop_requested */
	struct vm *vm;			/* the boot running now, or NULL */
	bool stop_requested;		/* between boots: do not boot again */
	void (*on_running)(void *context);
	void *context;
	/* A leaf lock: the console says it saw a line of vm_shutdown_lines,
	 * or the boot ended (vm_control_wait_lines). */
	pthread_mutex_t lines_lock;
	pthread_cond_t lines_changed;	/* on CLOCK_MONOTONIC */
	unsigned int lines_generation;
};

/* A restore (docs/snapshot.md): the first boot comes from a snapshot's
 * state and memory files instead of loading the guest. */
struct vm_restore {
	int state_fd;
	int memory_fd;		/* mapped MAP_PRIVATE: kept open while the VM is */
};

/* What vm_control_snapshot did. */
struct vm_snapshot_stats {
	uint64_t state_bytes;		/* the state file */
	uint64_t memory_size;		/* guest RAM: the memory file's size */
	uint64_t memory_written;	/* its bytes that are data, not holes */
	uint64_t paused_ns;		/* how long the vCPUs were held */
};

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
	/* Bytes the log (a regular file) keeps at most, at least
	 * CONSOLE_LOG_MAX_MIN; 0: CONSOLE_LOG_MAX_DEFAULT (1 MiB). */
	uint64_t console_log_max;
	unsigned int max_boots;		/* 0: reboot as often as the guest asks */
	bool huge_pages;		/* guest RAM in hugetlbfs pages */
	const char *boot_marker;	/* console text whose time is reported */
	bool scratch_device;		/* map a dev_scratch at scratch_base */
	uint64_t scratch_base;
	bool no_hypercall_filter;	/* do not give KVM the hypercall entries */
	enum forward_unmapped unmapped_mmio;	/* 0: ignore, as QEMU and kvmtool */
	const struct cpu_template *cpu_template;	/* or NULL: the default */
	struct vm_control *control;	/* or NULL: nobody controls it */
	enum vm_transport transport;	/* 0: mmio; vmmd run's default is pci */
	const struct vm_device_spec *devices;	/* virtio devices, in order */
	unsigned int device_count;
	const struct vm_restore *restore;	/* or NULL: a cold boot */
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
	const char *kernel_format;	/* "image", "raw", or NULL: a payload */
	uint64_t initrd_size;
	uint64_t setup_ns;		/* creation to the first KVM_RUN, last boot */
	uint64_t marker_ns;		/* creation to boot_marker, last boot; 0: unseen */
	uint64_t rss_bytes;		/* the process's resident memory at the end */
	uint64_t guest_rss_bytes;	/* the part of it that is guest RAM */
	uint64_t console_log_dropped;	/* bytes the console log could not take or cut */
	struct forward_map map;			/* the entries, for reports */
	struct forward_counters counters;	/* summed over the vCPUs */
	struct vm_device_result devices[VM_IO_MAX_DEVICES];	/* last boot */
	unsigned int device_count;
};

enum vm_run_status vm_run(const struct vm_config *config,
    struct vm_result *result);

void vm_control_init(struct vm_control *control,
    void (*on_running)(void *context), void *context);
void vm_control_destroy(struct vm_control *control);
/* pause returns once no vCPU is in KVM_RUN. Both: -EAGAIN when no boot
 * runs, -EALREADY when it is paused (running) already, -ESRCH when it is
 * ending. */
int vm_control_pause(struct vm_control *control);
int vm_control_resume(struct vm_control *control);
void vm_control_stop(struct vm_control *control, const char *detail);
void vm_control_no_reboot(struct vm_control *control);
int vm_control_console_break(struct vm_control *control, uint8_t key);
int vm_control_wait_lines(struct vm_control *control, unsigned int mask,
    uint64_t deadline_ns, unsigned int *seen);
uint64_t vm_monotonic_ns(void);
int vm_control_counters(struct vm_control *control, struct forward_map *map,
    struct forward_counters *counters, uint64_t *exits);
uint64_t vm_control_console_dropped(struct vm_control *control);
int vm_control_devices(struct vm_control *control,
    struct vm_device_result *devices, unsigned int *count);
/* Saves the running boot into state_fd and memory_fd (regular files,
 * written from offset 0), its vCPUs held meanwhile; a boot the user paused
 * stays paused, another runs on. -EAGAIN when no boot runs, -ESRCH when it
 * is ending, else 0 or a negative errno with why. */
int vm_control_snapshot(struct vm_control *control, int state_fd,
    int memory_fd, struct vm_snapshot_stats *stats, char *why,
    size_t why_size);

#endif
