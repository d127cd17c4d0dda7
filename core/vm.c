/* Building (memory, payload, trap forward map, vCPU), running and tearing
 * down one VM. Each step logs its own failure once, with what it was doing,
 * and the status says which kind it was. */
#include "vm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

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

static enum vm_run_status
vm_build(struct vm *vm, const struct vm_config *config, uint64_t *loaded)
{
	uint64_t base = arch_ram_base();
	const struct guest_memory_region *ram;
	int rc;

	vm->vm_fd = kvm_vm_create(vm->system_fd, 0);
	if (vm->vm_fd < 0) {
		log_warnx("cannot create a VM: %s", strerror(-vm->vm_fd));
		return VM_RUN_SETUP_FAILED;
	}
	rc = guest_memory_add(&vm->memory, base, config->memory_size);
	if (rc < 0) {
		log_warnx("cannot allocate %" PRIu64 " bytes of guest memory: %s",
		    config->memory_size, strerror(-rc));
		return VM_RUN_SETUP_FAILED;
	}
	ram = &vm->memory.regions[0];
	rc = kvm_vm_set_memory(vm->vm_fd, 0, ram->guest_phys, ram->host, ram->size);
	if (rc < 0) {
		log_warnx("cannot give guest memory to KVM: %s", strerror(-rc));
		return VM_RUN_SETUP_FAILED;
	}
	rc = guest_memory_read_file(&vm->memory, base + config->payload_offset,
	    config->payload_path, loaded);
	if (rc < 0) {
		log_warnx("cannot load %s at guest address 0x%" PRIx64 ": %s",
		    config->payload_path, base + config->payload_offset,
		    rc == -EFBIG ? "it does not fit in guest memory" :
		    rc == -EFAULT ? "the address is outside guest memory" :
		    rc == -EINVAL ? "not a regular file" : strerror(-rc));
		return VM_RUN_SETUP_FAILED;
	}
	return VM_RUN_STOPPED;
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
vm_add_forward_entries(struct vm *vm, const struct vm_config *config,
    char *error, size_t error_size)
{
	int rc;

	rc = vm_exit_forward_entries(&vm->map);
	if (rc == 0)
		rc = vm_add_memory_entries(vm);
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
vm_install_forward_map(struct vm *vm, const struct vm_config *config,
    char *error, size_t error_size)
{
	int rc = 0;

	if (!config->no_hypercall_filter)
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
		    "effect", config->no_hypercall_filter ? "is given" : "has");
	rc = forward_map_check_installed(&vm->map, error, error_size);
	if (rc < 0)
		log_warnx("%s", error);
	return rc;
}

/* Built per VM and checked before the first KVM_RUN: the entries, the map
 * as a whole, then what KVM was given against the map. */
static enum vm_run_status
vm_build_forward_map(struct vm *vm, const struct vm_config *config)
{
	char error[320];

	forward_map_init(&vm->map);
	if (vm_add_forward_entries(vm, config, error, sizeof(error)) < 0 ||
	    forward_map_validate(&vm->map, error, sizeof(error)) < 0) {
		log_warnx("%s", error);
		return VM_RUN_SETUP_FAILED;
	}
	if (vm_install_forward_map(vm, config, error, sizeof(error)) < 0)
		return VM_RUN_SETUP_FAILED;
	return VM_RUN_STOPPED;
}

static enum vm_run_status
vm_start_vcpu(struct vm *vm, uint64_t entry)
{
	int rc;

	rc = kvm_vcpu_create(vm->system_fd, vm->vm_fd, 0, &vm->vcpu);
	if (rc < 0) {
		log_warnx("cannot create vCPU 0: %s", strerror(-rc));
		return VM_RUN_SETUP_FAILED;
	}
	rc = arch_vcpu_init(vm->vm_fd, &vm->vcpu);
	if (rc < 0) {
		log_warnx("cannot initialise vCPU 0: %s", strerror(-rc));
		return VM_RUN_SETUP_FAILED;
	}
	rc = arch_vcpu_set_entry(&vm->vcpu, entry, 0);
	if (rc < 0) {
		log_warnx("cannot set vCPU 0's entry point: %s", strerror(-rc));
		return VM_RUN_SETUP_FAILED;
	}
	return VM_RUN_STOPPED;
}

static enum vm_run_status
vm_execute(struct vm *vm, struct vm_result *result)
{
	int rc;

	rc = vcpu_run_until_stop(&vm->vcpu, &vm->map, &vm->counters,
	    &result->stop);
	result->map = vm->map;
	forward_counters_sum(&result->counters, &vm->counters);
	if (rc < 0) {
		log_warnx("vCPU 0 failed: %s: %s", result->stop.detail[0] != '\0' ?
		    result->stop.detail : "KVM_RUN", strerror(-rc));
		return VM_RUN_FAILED;
	}
	rc = arch_vcpu_snapshot(&vm->vcpu, &result->registers);
	if (rc < 0)
		log_warnx("cannot read vCPU 0's registers: %s", strerror(-rc));
	return VM_RUN_STOPPED;
}

void
vm_destroy(struct vm *vm)
{
	kvm_vcpu_destroy(&vm->vcpu);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	guest_memory_release(&vm->memory);
	if (vm->system_fd >= 0)
		close(vm->system_fd);
}

/* Everything up to the first KVM_RUN. On failure the caller still calls
 * vm_destroy. */
enum vm_run_status
vm_prepare(struct vm *vm, const struct vm_config *config,
    struct vm_result *result)
{
	enum vm_run_status status;

	*vm = (struct vm){ .system_fd = -1, .vm_fd = -1, .vcpu = { .fd = -1 } };
	memset(result, 0, sizeof(*result));
	status = vm_open_kvm(vm, config, &result->api_version);
	if (status == VM_RUN_STOPPED)
		status = vm_build(vm, config, &result->payload_size);
	if (status == VM_RUN_STOPPED)
		status = vm_build_forward_map(vm, config);
	if (status == VM_RUN_STOPPED)
		status = vm_start_vcpu(vm,
		    arch_ram_base() + config->payload_offset);
	return status;
}

enum vm_run_status
vm_run(const struct vm_config *config, struct vm_result *result)
{
	enum vm_run_status status;
	struct vm vm;

	status = vm_prepare(&vm, config, result);
	if (status == VM_RUN_STOPPED)
		status = vm_execute(&vm, result);
	vm_destroy(&vm);
	return status;
}
