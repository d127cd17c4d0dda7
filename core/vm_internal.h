/* core's own view of a VM: struct vm and the functions core/vm.c,
 * vm_vcpus.c, vm_control.c, vm_console.c and vm_detach.c share. Nothing
 * outside core includes it, except bench/bench_mmio.c (bench-only: it builds a VM with
 * vm_prepare and drives vCPU 0 itself; docs/design.md). */
#ifndef VMMD_VM_INTERNAL_H
#define VMMD_VM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "console.h"
#include "dev_scratch.h"
#include "forward_map.h"
#include "guest_memory.h"
#include "mmio_ring.h"
#include "pl031.h"
#include "snapshot_format.h"
#include "uart_16550.h"
#include "vcpu.h"
#include "vm.h"
#include "vm_io.h"

struct snapshot_view;

#define NO_VCPU		(-1)	/* a stop no vCPU saw (console, control) */

struct vm_vcpu {
	struct vm *vm;
	struct kvm_vcpu_fd fd;
	pthread_t thread;
	bool thread_started;
	struct forward_counters counters;	/* this vCPU's hits */
	struct vcpu_stop stop;
	int run_error;
};

/* One VM, one boot of it. vm_prepare builds it up to the first KVM_RUN
 * (the benchmarks drive vCPU 0 from there); vm_destroy undoes whatever part
 * of it was built. */
struct vm {
	const struct vm_config *config;
	const struct arch_layout *layout;
	int system_fd;
	int vm_fd;
	struct guest_memory memory;
	struct arch_vm *arch;
	struct vm_vcpu vcpus[VM_MAX_VCPUS];
	unsigned int vcpu_count;
	uint64_t vcpu_ids[VM_MAX_VCPUS];
	struct forward_map map;
	struct uart_16550 uart;
	uint8_t *uart_lsr_page;		/* NULL, or the page the guest reads LSR from */
	size_t uart_lsr_page_size;
	struct mmio_ring mmio_ring;	/* the UART's coalesced THR writes */
	struct console console;
	pthread_t console_input_thread;	/* input, and the ring's drain timer */
	bool console_input_started;
	int console_input_stop;		/* an eventfd that ends that thread */
	uint64_t boot_start_ns;
	uint64_t step_start_ns;		/* for vm_build's -v timings */
	uint64_t marker_ns;
	struct dev_scratch scratch;
	struct pl031 rtc;			/* where the architecture has one */
	struct vm_io io;			/* the virtio devices */
	atomic_bool stopping;
	struct guest_memory_ties ties;	/* files mapped into RAM until copied */
	uint8_t *restore_state;		/* a restore: the state file, read */
	size_t restore_state_size;
	struct snapshot_view *restore_view;	/* and parsed (core/vm_snapshot.c) */
	pthread_t detach_thread;	/* core/vm_detach.c */
	bool detach_started;
	atomic_bool detach_cancel;
	pthread_mutex_t lock;		/* guards the eight below */
	pthread_cond_t parked_changed;
	bool pausing;			/* vCPUs park instead of running: */
	bool user_paused;		/* held by vm_vcpus_pause */
	bool load_held;			/* held by vm_vcpus_hold_for_load */
	bool snapshot_held;		/* held by vm_vcpus_hold_for_snapshot */
	unsigned int parked;		/* vCPU threads parked now */
	int stop_vcpu;
	enum vm_outcome outcome;
	char stop_detail[sizeof(((struct vcpu_stop *)0)->detail)];
};

/* core/vm.c: build, run, tear down, reboot */
enum vm_run_status vm_prepare(struct vm *vm, const struct vm_config *config,
    struct vm_result *result);
void vm_destroy(struct vm *vm);

/* core/vm_vcpus.c: the vCPUs and their threads */
void vm_vcpus_install_kick(void);
int vm_vcpus_create(struct vm *vm);
void vm_vcpus_start(struct vm *vm);
void vm_vcpus_join(struct vm *vm);
unsigned int vm_vcpus_started(const struct vm *vm);
int vm_vcpus_pause(struct vm *vm);
int vm_vcpus_resume(struct vm *vm);
int vm_vcpus_hold_for_load(struct vm *vm);
void vm_vcpus_release_for_load(struct vm *vm);
int vm_vcpus_hold_for_snapshot(struct vm *vm);
void vm_vcpus_release_for_snapshot(struct vm *vm);
void vm_kick_all(struct vm *vm);
void vm_request_stop(struct vm *vm, int vcpu, enum vm_outcome outcome,
    const char *detail);

/* core/vm_detach.c: kernel and initrd cut from their files, beside the guest */
void vm_detach_start(struct vm *vm);
void vm_detach_join(struct vm *vm);

/* core/vm_snapshot.c: a boot into a snapshot, and a snapshot into a boot */
int vm_snapshot_save(struct vm *vm, int state_fd, int memory_fd,
    struct vm_snapshot_stats *stats, char *why, size_t why_size);
int vm_snapshot_check(struct vm *vm);
int vm_snapshot_restore(struct vm *vm);
void vm_snapshot_release(struct vm *vm);

/* core/vm_control.c: the running boot, for another thread */
void vm_control_attach(struct vm_control *control, struct vm *vm);
bool vm_control_stopped(struct vm_control *control);
void vm_control_lines_changed(struct vm_control *control);

/* core/vm_console.c: the console, the UART and virtio-console wiring */
void vm_console_reset(struct vm *vm);
int vm_console_create(struct vm *vm);
void vm_console_destroy(struct vm *vm);
int vm_console_add_entry(struct vm *vm);
struct vm_io_sink vm_console_sink(struct vm *vm);
int vm_console_start_input(struct vm *vm);
void vm_console_stop_input(struct vm *vm);

/* core/vm_snapshot_devices.c: the DEVICES section (docs/snapshot.md). Each
 * entry is u32 kind, u32 length, its blob; entries come in this order, one
 * per device the VM has: */
enum vm_snapshot_device_kind {
	VM_SNAPSHOT_DEVICE_UART = 1,		/* the 16550 console */
	VM_SNAPSHOT_DEVICE_RTC = 2,		/* the PL031, where the layout has one */
	VM_SNAPSHOT_DEVICE_PCI_HOST = 3,	/* with the PCI transport */
	/* Then each virtio device in vm_io order: this plus its virtio device
	 * ID (net 0x101, block 0x102, console 0x103, rng 0x104, vsock 0x113). */
	VM_SNAPSHOT_DEVICE_VIRTIO = 0x100,
};

/* The DEVICES section (begun and ended by the function): the 16550, the PL031 where the layout has one,
 * the PCI host's config space when vm->io.pci, and every virtio device in order (transport state:
 * status, features, config generation, ISR, each queue's size/ready/addresses/last avail and used
 * indices, MSI-X table and vectors on PCI, BAR addresses as the guest programmed them; then the
 * device's own state). Called with the vCPUs paused AND the I/O thread quiesced (vm_snapshot_devices_quiesce),
 * so no request is in flight. *count: how many device entries were written. */
int vm_snapshot_devices_save(struct vm *vm, struct snapshot_writer *writer, uint32_t *count, char *why, size_t why_size);
/* Into a VM built from the same config (vm_console_create, vm_io_create and the forward map done,
 * devices attached, nothing started), before vm_io_start: checks each entry against the device there
 * (kind, order, sizes) and refuses a mismatch or malformed blob with why; re-places PCI BARs (forward
 * map entries, ioeventfds) where the guest had moved them; re-establishes the host side (vhost-vsock
 * vring bases and kicks, the tap's offloads/vnet header as the guest negotiated); arranges that each
 * live queue is looked at once when the I/O thread starts (a notification may have been pending). */
int vm_snapshot_devices_restore(struct vm *vm, const struct snapshot_blob *devices, uint32_t count, char *why, size_t why_size);
/* The UART's reg-shift in a DEVICES section; -1 where it has no UART. */
int vm_snapshot_devices_uart_shift(const struct snapshot_blob *devices, uint32_t count);
/* Stop the I/O thread's work for a snapshot without tearing the devices down: in-flight block requests
 * complete first (drained), vhost-vsock rings stopped with their bases read (VHOST_GET_VRING_BASE).
 * vm_snapshot_devices_resume undoes it (the VM goes on running after vm-snapshot). */
int vm_snapshot_devices_quiesce(struct vm *vm, char *why, size_t why_size);
void vm_snapshot_devices_resume(struct vm *vm);

#endif
