/* Building, running and tearing down one VM. Each step logs its own failure
 * once, with what it was doing, and the status says which kind it was. */
#include "vm.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "guest_memory.h"
#include "log.h"

struct vm {
	int system_fd;
	int vm_fd;
	struct guest_memory memory;
	struct kvm_vcpu_fd vcpu;
};

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

/* The vCPU as KVM resets it, or as the CPU template wants it. */
static int
vm_init_vcpu(struct vm *vm, const struct vm_config *config)
{
	char why[160];
	int rc;

	if (config->cpu_template == NULL) {
		rc = arch_vcpu_init(vm->vm_fd, &vm->vcpu);
		if (rc < 0)
			log_warnx("cannot initialise vCPU 0: %s", strerror(-rc));
		return rc;
	}
	rc = arch_vcpu_init_template(vm->vm_fd, &vm->vcpu, config->cpu_template,
	    why, sizeof(why));
	if (rc < 0)
		log_warnx("cannot apply the CPU template to vCPU 0: %s", why);
	return rc;
}

static enum vm_run_status
vm_start_vcpu(struct vm *vm, const struct vm_config *config, uint64_t entry)
{
	int rc;

	rc = kvm_vcpu_create(vm->system_fd, vm->vm_fd, 0, &vm->vcpu);
	if (rc < 0) {
		log_warnx("cannot create vCPU 0: %s", strerror(-rc));
		return VM_RUN_SETUP_FAILED;
	}
	rc = vm_init_vcpu(vm, config);
	if (rc < 0)
		return VM_RUN_SETUP_FAILED;
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

	rc = vcpu_run_until_stop(&vm->vcpu, &result->stop);
	if (rc < 0) {
		log_warnx("KVM_RUN failed on vCPU 0: %s", strerror(-rc));
		return VM_RUN_FAILED;
	}
	rc = arch_vcpu_snapshot(&vm->vcpu, &result->registers);
	if (rc < 0)
		log_warnx("cannot read vCPU 0's registers: %s", strerror(-rc));
	return VM_RUN_STOPPED;
}

static void
vm_destroy(struct vm *vm)
{
	kvm_vcpu_destroy(&vm->vcpu);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	guest_memory_release(&vm->memory);
	if (vm->system_fd >= 0)
		close(vm->system_fd);
}

enum vm_run_status
vm_run(const struct vm_config *config, struct vm_result *result)
{
	struct vm vm = { .system_fd = -1, .vm_fd = -1, .vcpu = { .fd = -1 } };
	enum vm_run_status status;

	memset(result, 0, sizeof(*result));
	status = vm_open_kvm(&vm, config, &result->api_version);
	if (status == VM_RUN_STOPPED)
		status = vm_build(&vm, config, &result->payload_size);
	if (status == VM_RUN_STOPPED)
		status = vm_start_vcpu(&vm, config,
		    arch_ram_base() + config->payload_offset);
	if (status == VM_RUN_STOPPED)
		status = vm_execute(&vm, result);
	vm_destroy(&vm);
	return status;
}
