/* Building, running, tearing down and rebooting one VM. Each step of the
 * build logs its own failure once, with what it was doing, and the status
 * says which kind it was. The vCPU threads are core/vm_vcpus.c's, the
 * console's wiring core/vm_console.c's, the control handle
 * core/vm_control.c's, the copy of kernel and initrd core/vm_detach.c's. */
#include "vm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest_load.h"
#include "log.h"
#include "rss.h"

static enum vm_run_status
vm_open_kvm(struct vm *vm, const struct vm_config *config, int *api_version)
{
	vm->system_fd = kvm_system_open(config->kvm_path);
	if (vm->system_fd < 0) {
		log_warnx("KVM is not available: cannot open %s: %s",
		    config->kvm_path, strerror(-vm->system_fd));
		return VM_RUN_NO_KVM;
	}
	*api_version = kvm_api_version(vm->system_fd);
	if (*api_version != KVM_STABLE_API) {
		log_warnx("KVM is not usable: %s speaks API version %d, vmmd "
		    "needs %d", config->kvm_path, *api_version, KVM_STABLE_API);
		return VM_RUN_NO_KVM;
	}
	return VM_RUN_STOPPED;
}

static int
vm_give_memory(struct vm *vm)
{
	const struct guest_memory_region *ram = &vm->memory.regions[0];
	int rc = kvm_vm_set_memory(vm->vm_fd, 0, ram->guest_phys, ram->host,
	    ram->size);

	if (rc < 0)
		log_warnx("cannot give %" PRIu64 " MiB of guest memory to KVM: %s",
		    ram->size >> 20, strerror(-rc));
	return rc;
}

/* A snapshot's memory file, mapped copy-on-write (core/vm_snapshot.c). */
static int
vm_create_memory_from_snapshot(struct vm *vm)
{
	int rc = guest_memory_add_file(&vm->memory, vm->layout->ram_base,
	    vm->config->memory_size, vm->config->restore->memory_fd);

	if (rc < 0) {
		log_warnx("cannot map the snapshot's memory file: %s",
		    strerror(-rc));
		return rc;
	}
	return vm_give_memory(vm);
}

static int
vm_create_memory(struct vm *vm)
{
	uint64_t size = vm->config->memory_size;
	int rc;

	vm->memory.huge_pages = vm->config->huge_pages;
	if (vm->restore_view != NULL)
		return vm_create_memory_from_snapshot(vm);
	/* kernel and initrd are mapped, then copied beside the running guest
	 * (core/vm_detach.c): set-up does not wait for a 35 MB copy */
	vm->memory.ties = &vm->ties;
	rc = guest_memory_add(&vm->memory, vm->layout->ram_base, size);
	if (rc < 0) {
		log_warnx("cannot allocate %" PRIu64 " bytes of guest memory%s: %s",
		    size, vm->config->huge_pages ? " in huge pages (are enough "
		    "reserved in /proc/sys/vm/nr_hugepages?)" : "", strerror(-rc));
		return rc;
	}
	return vm_give_memory(vm);
}

static int
vm_dump_device_tree(const struct vm *vm, const struct arch_linux_boot *boot)
{
	const char *path = vm->config->dump_dtb_path;
	const void *fdt = guest_memory_ptr(&vm->memory, boot->fdt_addr,
	    boot->fdt_size);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, fdt, boot->fdt_size) != (ssize_t)boot->fdt_size)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		log_warnx("cannot write the device tree to %s: %s", path,
		    strerror(-rc));
	return rc;
}

static int
vm_load_linux(struct vm *vm, struct vm_result *result, uint64_t *entry,
    uint64_t *arg0)
{
	const struct vm_config *config = vm->config;
	struct arch_linux_boot boot = {
		.kernel = config->kernel_path,
		.initrd = config->initrd_path,
		.cmdline = config->cmdline,
		.ram_size = config->memory_size,
		.vcpus = vm->vcpu_count,
		.vcpu_ids = vm->vcpu_ids,
		.virtio_count = vm->io.pci ? 0 : vm->io.count,
		.pci = vm->io.pci,
	};
	char why[256];
	int rc;

	rc = arch_linux_load(vm->arch, &vm->memory, &boot, why, sizeof(why));
	if (rc < 0) {
		log_warnx("cannot boot Linux: %s", why);
		return rc;
	}
	*entry = boot.entry;
	*arg0 = boot.arg0;
	log_info("kernel %s: %s of %" PRIu64 " bytes, entered at 0x%" PRIx64,
	    config->kernel_path, boot.raw_kernel ? "a raw binary" :
	    "a Linux Image", boot.kernel_size, boot.entry);
	result->kernel_format = boot.raw_kernel ? "raw" : "image";
	result->payload_size = boot.kernel_size;
	result->initrd_size = boot.initrd_size;
	if (config->dump_dtb_path != NULL)
		return vm_dump_device_tree(vm, &boot);
	return 0;
}

static int
vm_load_payload(struct vm *vm, struct vm_result *result, uint64_t *entry)
{
	const struct vm_config *config = vm->config;
	uint64_t address = vm->layout->ram_base + config->payload_offset;
	int rc;

	rc = guest_load_file(&vm->memory, address, UINT64_MAX,
	    config->payload_path, GUEST_LOAD_RAW, &result->payload_size);
	if (rc < 0) {
		log_warnx("cannot load %s at guest address 0x%" PRIx64 ": %s",
		    config->payload_path, address, guest_load_strerror(rc));
		return rc;
	}
	*entry = address;
	return 0;
}

static int
vm_load_guest(struct vm *vm, struct vm_result *result)
{
	uint64_t entry = 0, arg0 = 0;
	int rc;

	if (vm->config->kernel_path != NULL)
		rc = vm_load_linux(vm, result, &entry, &arg0);
	else
		rc = vm_load_payload(vm, result, &entry);
	if (rc < 0)
		return rc;
	rc = arch_vcpu_set_entry(&vm->vcpus[0].fd, entry, arg0);
	if (rc < 0)
		log_warnx("cannot set vCPU 0's entry point: %s", strerror(-rc));
	return rc;
}

/* Guest RAM is an entry too: KVM never exits for it, and a device placed
 * over it is refused as an overlap that names both. */
static int
vm_add_memory_entries(struct vm *vm)
{
	const struct guest_memory_region *ram = &vm->memory.regions[0];
	const struct forward_entry entry = {
		.name = "ram", .kind = FORWARD_MMIO, .base = ram->guest_phys,
		.size = ram->size, .action = FORWARD_STOP,
		.outcome = VM_OUTCOME_GUEST_ERROR,
	};

	return forward_map_add(&vm->map, &entry);
}

static int
vm_add_forward_entries(struct vm *vm, char *error, size_t error_size)
{
	const struct vm_config *config = vm->config;
	int rc;

	rc = vm_exit_forward_entries(&vm->map);
	if (rc == 0)
		rc = vm_add_memory_entries(vm);
	if (rc == 0)
		rc = vm_console_add_entry(vm);
	if (rc == 0 && vm_io_attach(&vm->io, vm->vm_fd, &vm->map) < 0) {
		snprintf(error, error_size, "cannot attach the virtio devices");
		return -EINVAL;	/* vm_io_attach said why */
	}
	if (rc == 0 && vm->layout->rtc_base != 0)
		rc = pl031_attach(&vm->map, &vm->rtc, vm->layout->rtc_base);
	if (rc == 0 && config->scratch_device)
		rc = dev_scratch_attach(&vm->map, &vm->scratch, "scratch",
		    config->scratch_base);
	if (rc < 0) {
		snprintf(error, error_size, "cannot add to the forward map: %s",
		    strerror(-rc));
		return rc;
	}
	return arch_forward_map_add(&vm->map, error, error_size);
}

static int
vm_install_forward_map(struct vm *vm, char *error, size_t error_size)
{
	bool refused = vm->config->no_hypercall_filter;
	int rc = 0;

	if (!refused)
		rc = arch_forward_map_install(vm->vm_fd, &vm->map);
	if (rc < 0) {
		forward_map_check_installed(&vm->map, error, error_size);
		log_warnx("cannot give KVM the forward map's hypercall entries: "
		    "%s (%s)", strerror(-rc), error);
		return rc;
	}
	if (!vm->map.kvm_filter)
		log_info("KVM %s no hypercall filter: it serves every hypercall "
		    "itself, the forward map's vmmd and deny entries are not in "
		    "effect", refused ? "is given" : "has");
	rc = forward_map_check_installed(&vm->map, error, error_size);
	if (rc < 0)
		log_warnx("%s", error);
	return rc;
}

/* Built per VM and checked before the first KVM_RUN: the entries, the map
 * as a whole, then what KVM was given against the map. */
static int
vm_build_forward_map(struct vm *vm)
{
	char error[320];

	forward_map_init(&vm->map);
	vm->map.unmapped_mmio = vm->config->unmapped_mmio;
	if (vm->map.unmapped_mmio == FORWARD_UNMAPPED_ABORT &&
	    !arch_vm_can_inject_abort(vm->vm_fd)) {
		log_warnx("unmapped MMIO policy abort: this KVM cannot inject "
		    "external aborts (no KVM_CAP_ARM_INJECT_EXT_DABT)");
		return -ENOTSUP;
	}
	if (vm_add_forward_entries(vm, error, sizeof(error)) < 0 ||
	    forward_map_validate(&vm->map, error, sizeof(error)) < 0) {
		log_warnx("%s", error);
		return -EINVAL;
	}
	return vm_install_forward_map(vm, error, sizeof(error));
}


static int
vm_create_devices(struct vm *vm)
{
	const struct arch_layout *layout = vm->layout;
	const bool pci = vm->config->transport == VM_TRANSPORT_PCI;
	const struct vm_io_placement placement = {
		.base = layout->virtio_base, .stride = layout->virtio_stride,
		.irq_base = layout->virtio_irq_base,
		.max = pci ? PCI_MAX_DEVICES : layout->virtio_max, .pci = pci,
		.pci_ecam_base = layout->pci_ecam_base,
		.pci_ecam_size = layout->pci_ecam_size,
		.pci_window_bases = { layout->pci_window_bases[0],
		    layout->pci_window_bases[1] },
		.pci_window_sizes = { layout->pci_window_sizes[0],
		    layout->pci_window_sizes[1] },
		.pci_irq_base = layout->pci_irq_base,
		.pci_irq_lines = layout->pci_irq_lines,
	};
	const struct vm_io_sink sink = vm_console_sink(vm);

	return vm_io_create(&vm->io, vm->config->devices,
	    vm->config->device_count, &vm->memory, &placement, &sink);
}

/* The limits KVM sets: how many vCPUs, how far guest memory may reach. */
static int
vm_create(struct vm *vm)
{
	const struct vm_config *config = vm->config;
	unsigned long type;
	char why[200];
	int max_vcpus, rc;

	max_vcpus = kvm_check_extension(vm->system_fd, KVM_CAP_MAX_VCPUS);
	if (max_vcpus <= 0)
		max_vcpus = kvm_check_extension(vm->system_fd, KVM_CAP_NR_VCPUS);
	if (max_vcpus > 0 && config->vcpus > (unsigned int)max_vcpus) {
		log_warnx("cannot create %u vCPUs: KVM allows at most %d",
		    config->vcpus, max_vcpus);
		return -EINVAL;
	}
	rc = arch_vm_type(vm->system_fd, vm->layout->ram_base +
	    config->memory_size, &type, why, sizeof(why));
	if (rc < 0) {
		log_warnx("cannot give the VM %" PRIu64 " MiB of memory: %s",
		    config->memory_size >> 20, why);
		return rc;
	}
	vm->vm_fd = kvm_vm_create(vm->system_fd, type);
	if (vm->vm_fd < 0) {
		log_warnx("cannot create a VM: %s", strerror(-vm->vm_fd));
		return vm->vm_fd;
	}
	return 0;
}

/* One step of the build, timed for -v: where set-up time goes. */
static bool
vm_step(struct vm *vm, const char *what, int rc)
{
	uint64_t now = vm_monotonic_ns();

	log_debug("set-up: %s: %" PRIu64 " us%s", what,
	    (now - vm->step_start_ns) / 1000, rc < 0 ? " (failed)" : "");
	vm->step_start_ns = now;
	return rc >= 0;
}

/* A VM given a snapshot restores it on its first boot; a reboot after
 * that loads the guest afresh. */
static enum vm_run_status
vm_build(struct vm *vm, struct vm_result *result)
{
	const bool restoring = vm->config->restore != NULL &&
	    result->boots <= 1;
	int rc = 0;

	vm->step_start_ns = vm_monotonic_ns();
	if (restoring && !vm_step(vm, "read the snapshot", vm_snapshot_check(vm)))
		return VM_RUN_SETUP_FAILED;
	if (!vm_step(vm, "create the VM", vm_create(vm)) ||
	    !vm_step(vm, "guest memory", vm_create_memory(vm)))
		return VM_RUN_SETUP_FAILED;
	rc = arch_vm_create(vm->vm_fd, vm->config->vcpus, &vm->arch);
	if (rc < 0)
		log_warnx("cannot create the interrupt controller: %s",
		    strerror(-rc));
	if (!vm_step(vm, "interrupt controller", rc) ||
	    !vm_step(vm, "vCPUs", vm_vcpus_create(vm)))
		return VM_RUN_SETUP_FAILED;
	if (!vm_step(vm, "console", vm_console_create(vm)) ||
	    !vm_step(vm, "devices", vm_create_devices(vm)) ||
	    !vm_step(vm, "forward map", vm_build_forward_map(vm)))
		return VM_RUN_SETUP_FAILED;
	if (restoring)
		return vm_step(vm, "restore the snapshot", vm_snapshot_restore(vm)) ?
		    VM_RUN_STOPPED : VM_RUN_SETUP_FAILED;
	if (!vm_step(vm, "load the guest", vm_load_guest(vm, result)))
		return VM_RUN_SETUP_FAILED;
	return VM_RUN_STOPPED;
}

/* What the boot did, into the result: the counters add up over the boots,
 * the rest is the last boot's. True when KVM_RUN itself failed. */
static bool
vm_collect_result(struct vm *vm, struct vm_result *result)
{
	struct vm_vcpu *vcpu;
	unsigned int i;
	bool run_failed = false;

	vm_io_results(&vm->io, result->devices, &result->device_count);
	result->console_log_dropped += atomic_load(&vm->console.log_dropped);
	result->marker_ns = vm->marker_ns;
	if (rss_measure(&vm->memory, &result->rss_bytes,
	    &result->guest_rss_bytes) < 0)
		log_warn("cannot measure the VM process's memory");
	result->map = vm->map;
	for (i = 0; i < vm->vcpu_count; i++) {
		result->exits += vm->vcpus[i].stop.exits;
		forward_counters_sum(&result->counters, &vm->vcpus[i].counters);
		run_failed |= vm->vcpus[i].run_error < 0;
	}
	vcpu = &vm->vcpus[vm->stop_vcpu == NO_VCPU ? 0 : vm->stop_vcpu];
	result->stop = vm->stop_vcpu == NO_VCPU ? (struct vcpu_stop){ 0 } :
	    vcpu->stop;
	result->stop.outcome = vm->outcome;
	snprintf(result->stop.detail, sizeof(result->stop.detail), "%s",
	    vm->stop_detail);
	result->stop_vcpu = (unsigned int)(vcpu - vm->vcpus);
	if (arch_vcpu_snapshot(&vcpu->fd, &result->registers) < 0)
		log_warnx("cannot read vCPU %u's registers", result->stop_vcpu);
	return run_failed;
}

static enum vm_run_status
vm_execute(struct vm *vm, struct vm_result *result)
{
	int rc;

	if (vm_io_start(&vm->io) < 0)
		vm_request_stop(vm, NO_VCPU, VM_OUTCOME_STOPPED,
		    "the I/O thread could not start");
	rc = vm_console_start_input(vm);
	if (rc < 0)
		log_warnx("cannot read console input: %s", strerror(-rc));
	vm_vcpus_start(vm);
	vm_detach_start(vm);
	vm_control_attach(vm->config->control, vm);
	vm_vcpus_join(vm);
	vm_detach_join(vm);
	vm_control_attach(vm->config->control, NULL);
	vm_console_stop_input(vm);
	vm_io_stop(&vm->io);
	if (vm_collect_result(vm, result)) {
		log_warnx("%s", vm->stop_detail);
		return VM_RUN_FAILED;
	}
	return VM_RUN_STOPPED;
}

/* Everything of one boot, so that a reboot builds the VM afresh. */
static void
vm_teardown(struct vm *vm)
{
	unsigned int i;

	vm_detach_join(vm);
	for (i = 0; i < vm->vcpu_count; i++)
		kvm_vcpu_destroy(&vm->vcpus[i].fd);
	vm_io_destroy(&vm->io);
	arch_vm_destroy(vm->arch);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	guest_memory_release(&vm->memory);
	vm_snapshot_release(vm);
	vm_console_destroy(vm);
	pl031_destroy(&vm->rtc);
	pthread_cond_destroy(&vm->parked_changed);
	pthread_mutex_destroy(&vm->lock);
}

static void
vm_rtc_irq(void *context, bool level)
{
	struct vm *vm = context;

	arch_irq_line(vm->arch, vm->layout->rtc_irq, level);
}

static void
vm_reset_state(struct vm *vm, const struct vm_config *config, int system_fd)
{
	memset(vm, 0, sizeof(*vm));
	vm->config = config;
	vm->layout = arch_layout();
	vm->system_fd = system_fd;
	vm->vm_fd = -1;
	vm->stop_vcpu = NO_VCPU;
	atomic_init(&vm->stopping, false);
	atomic_init(&vm->detach_cancel, false);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->parked_changed, NULL);
	vm_console_reset(vm);
	pl031_init(&vm->rtc, &(struct pl031_sink){ vm_rtc_irq, vm },
	    vm_monotonic_ns, (uint64_t)time(NULL));
}

static enum vm_run_status
vm_boot_once(struct vm *vm, const struct vm_config *config, int system_fd,
    struct vm_result *result)
{
	enum vm_run_status status;
	uint64_t start = vm_monotonic_ns();

	vm_reset_state(vm, config, system_fd);
	vm->boot_start_ns = start;
	status = vm_build(vm, result);
	result->setup_ns = vm_monotonic_ns() - start;
	if (status == VM_RUN_STOPPED)
		status = vm_execute(vm, result);
	vm_teardown(vm);
	return status;
}

enum vm_run_status
vm_prepare(struct vm *vm, const struct vm_config *config,
    struct vm_result *result)
{
	enum vm_run_status status;

	memset(result, 0, sizeof(*result));
	vm_reset_state(vm, config, -1);
	status = vm_open_kvm(vm, config, &result->api_version);
	if (status == VM_RUN_STOPPED)
		status = vm_build(vm, result);
	return status;
}

void
vm_destroy(struct vm *vm)
{
	vm_teardown(vm);
	if (vm->system_fd >= 0)
		close(vm->system_fd);
	vm->system_fd = -1;
}

static bool
vm_reboots(const struct vm_config *config, const struct vm_result *result)
{
	if (result->stop.outcome == VM_OUTCOME_REBOOT &&
	    config->kernel_path == NULL && config->payload_path == NULL) {
		log_info("the restored guest rebooted, and the VM has no kernel "
		    "to boot: it stops");
		return false;
	}
	return result->stop.outcome == VM_OUTCOME_REBOOT &&
	    (config->max_boots == 0 || result->boots < config->max_boots);
}

enum vm_run_status
vm_run(const struct vm_config *config, struct vm_result *result)
{
	enum vm_run_status status;
	struct vm *vm;
	int system_fd;

	memset(result, 0, sizeof(*result));
	vm = calloc(1, sizeof(*vm));	/* large (vCPU table): not on the stack */
	if (vm == NULL) {
		log_warnx("cannot allocate the VM's state");
		return VM_RUN_SETUP_FAILED;
	}
	vm_vcpus_install_kick();
	vm->system_fd = -1;
	status = vm_open_kvm(vm, config, &result->api_version);
	system_fd = vm->system_fd;
	while (status == VM_RUN_STOPPED) {
		if (vm_control_stopped(config->control))
			break;
		result->boots++;
		status = vm_boot_once(vm, config, system_fd, result);
		if (status != VM_RUN_STOPPED || !vm_reboots(config, result))
			break;
		log_info("the guest rebooted: boot %u", result->boots + 1);
	}
	if (system_fd >= 0)
		close(system_fd);
	free(vm);
	return status;
}
