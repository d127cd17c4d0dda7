/* SMCCC on arm64: vmmd's vendor hypervisor service (a pure function of the
 * call), and the KVM SMCCC filter ioctls on the VM fd. */
#include "smccc.h"

#include <errno.h>
#include <sys/ioctl.h>

#include "kvm_arm64_uapi.h"

/* What vmmd answers in its service range; anything else there is
 * NOT_SUPPORTED, as SMCCC asks of an unimplemented function. */
void
smccc_vmmd_service(void *context, uint64_t function_id,
    const uint64_t args[FORWARD_HYPERCALL_ARGS],
    uint64_t result[FORWARD_HYPERCALL_RESULTS])
{
	unsigned int i;

	(void)context;
	for (i = 0; i < FORWARD_HYPERCALL_RESULTS; i++)
		result[i] = 0;
	switch ((uint32_t)function_id) {
	case VMMD_SERVICE_VERSION:
	case VMMD_SERVICE_REVISION:
		result[0] = VMMD_SERVICE_VERSION_1_0;
		break;
	case VMMD_SERVICE_ADD:
		result[0] = SMCCC_RET_SUCCESS;
		result[1] = args[0] + args[1];
		break;
	case VMMD_SERVICE_CALL_UID:
		result[0] = VMMD_SERVICE_UID_0;
		result[1] = VMMD_SERVICE_UID_1;
		result[2] = VMMD_SERVICE_UID_2;
		result[3] = VMMD_SERVICE_UID_3;
		break;
	default:
		result[0] = SMCCC_RET_NOT_SUPPORTED;
		break;
	}
}

/* 1 when KVM takes an SMCCC filter on this VM, 0 when it does not (a
 * kernel before 6.4 answers the VM fd's KVM_HAS_DEVICE_ATTR with one of
 * these errors), or a negative errno. */
int
smccc_filter_supported(int vm_fd)
{
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VM_SMCCC_CTRL,
		.attr = KVM_ARM_VM_SMCCC_FILTER,
	};

	if (ioctl(vm_fd, KVM_HAS_DEVICE_ATTR, &attr) == 0)
		return 1;
	if (errno == ENXIO || errno == EINVAL || errno == ENOTTY)
		return 0;
	return -errno;
}

/* -EEXIST when KVM already holds part of the range (the architecture
 * range is always held once any filter is set), -EBUSY once a vCPU ran. */
int
smccc_filter_set(int vm_fd, uint32_t base, uint32_t count, uint8_t action)
{
	struct kvm_smccc_filter filter = {
		.base = base, .nr_functions = count, .action = action,
	};
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VM_SMCCC_CTRL,
		.attr = KVM_ARM_VM_SMCCC_FILTER,
		.addr = (uint64_t)(uintptr_t)&filter,
	};

	return ioctl(vm_fd, KVM_SET_DEVICE_ATTR, &attr) < 0 ? -errno : 0;
}

/* The filter action of a hypercall entry, or -EINVAL for other actions. */
int
smccc_filter_action(enum forward_action action)
{
	switch (action) {
	case FORWARD_KVM:
		return KVM_SMCCC_FILTER_HANDLE;
	case FORWARD_DENY:
		return KVM_SMCCC_FILTER_DENY;
	case FORWARD_VMMD:
		return KVM_SMCCC_FILTER_FWD_TO_USER;
	default:
		return -EINVAL;
	}
}
