/* The capability table and the questions put to KVM for it. The scratch VM
 * exists only to ask the per-VM questions, and is closed before returning. */
#include "kvm_caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../core/kvm.h"
#include "kvm_arm64_uapi.h"
#include "../core/error.h"

#define SYS(cap, req, min, why) \
	{ #cap, cap, 0, KVM_CAP_QUERY_SYSTEM, req, min, why }
#define VM(cap, req, min, why) \
	{ #cap, cap, 0, KVM_CAP_QUERY_VM, req, min, why }

static const struct kvm_cap_desc kvm_caps[] = {
	SYS(KVM_CAP_USER_MEMORY, true, 1, "guest RAM (KVM_SET_USER_MEMORY_REGION)"),
	SYS(KVM_CAP_ONE_REG, true, 1, "vCPU registers (KVM_SET_ONE_REG)"),
	SYS(KVM_CAP_ARM_PSCI_0_2, true, 1, "PSCI 0.2: guest power-off and reset"),
	/* RAM starts at 2 GiB, so the guest needs 32 bits of IPA at least. */
	SYS(KVM_CAP_ARM_VM_IPA_SIZE, true, 32, "guest physical address size (bits)"),
	SYS(KVM_CAP_NR_VCPUS, false, 1, "recommended vCPUs per VM"),
	SYS(KVM_CAP_IMMEDIATE_EXIT, false, 1, "stopping a running vCPU"),
	SYS(KVM_CAP_READONLY_MEM, false, 1, "read-only memory (flash, ROM)"),
	SYS(KVM_CAP_IOEVENTFD, false, 1, "virtio notifications without an exit"),
	SYS(KVM_CAP_IRQFD, false, 1, "virtio interrupts from the I/O thread"),
	SYS(KVM_CAP_DEVICE_CTRL, false, 1, "in-kernel devices (vGIC, ITS)"),
	SYS(KVM_CAP_VCPU_EVENTS, false, 1, "SError injection, save/restore"),
	SYS(KVM_CAP_MP_STATE, false, 1, "vCPU power state (secondary CPUs)"),
	SYS(KVM_CAP_ARM_PMU_V3, false, 1, "guest PMU (KVM_ARM_VCPU_PMU_V3)"),
	SYS(KVM_CAP_ARM_SVE, false, 1, "guest SVE (KVM_ARM_VCPU_SVE)"),
	SYS(KVM_CAP_ARM_PTRAUTH_ADDRESS, false, 1, "guest pointer authentication"),
	SYS(KVM_CAP_ARM_PTRAUTH_GENERIC, false, 1, "guest generic authentication"),
	SYS(KVM_CAP_ARM_IRQ_LINE_LAYOUT_2, false, 1, "more than 256 vCPUs on IRQ lines"),
	SYS(KVM_CAP_STEAL_TIME, false, 1, "paravirtual stolen time"),
	VM(KVM_CAP_IRQCHIP, false, 1, "in-kernel GIC (Linux guests)"),
	VM(KVM_CAP_MAX_VCPUS, false, 1, "the most vCPUs a VM may have"),
	VM(KVM_CAP_MAX_VCPU_ID, false, 1, "the largest vCPU id"),
	VM(KVM_CAP_ARM_NISV_TO_USER, false, 1, "MMIO exits without syndrome"),
	VM(KVM_CAP_ARM_INJECT_EXT_DABT, false, 1, "external aborts for bad accesses"),
	VM(KVM_CAP_ARM_MTE, false, 1, "guest memory tagging (MTE)"),
	VM(KVM_CAP_ARM_SYSTEM_SUSPEND, false, 1, "PSCI SYSTEM_SUSPEND exits"),
	VM(KVM_CAP_SYSTEM_EVENT_DATA, false, 1, "system event data (PSCI reset type)"),
	VM(KVM_CAP_COUNTER_OFFSET, false, 1, "guest counter offset (migration)"),
	/* Answers the current chunk size: 0 until a VMM enables it. */
	VM(KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE, false, 0,
	    "eager page splitting (chunk size, 0: off until enabled)"),
	VM(KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES, false, 1,
	    "writable ID-register masks (CPU templates)"),
	{ "KVM_ARM_VM_SMCCC_FILTER", KVM_ARM_VM_SMCCC_CTRL,
	    KVM_ARM_VM_SMCCC_FILTER, KVM_CAP_QUERY_VM_ATTR, false, 1,
	    "SMCCC filter: hypercalls forwarded to vmmd" },
	{ "KVM_ARM_VCPU_HAS_EL2", KVM_ARM_VCPU_HAS_EL2, 0,
	    KVM_CAP_QUERY_VCPU_FEATURE, false, 1,
	    "nested virtualization: a vCPU with EL2" },
};

const struct kvm_cap_desc *
kvm_caps_table(size_t *count)
{
	*count = sizeof(kvm_caps) / sizeof(kvm_caps[0]);
	return kvm_caps;
}

const char *
kvm_cap_query_name(enum kvm_cap_query query)
{
	static const char *const names[] = {
		[KVM_CAP_QUERY_SYSTEM] = "system",
		[KVM_CAP_QUERY_VM] = "vm",
		[KVM_CAP_QUERY_VM_ATTR] = "vm-attr",
		[KVM_CAP_QUERY_VCPU_FEATURE] = "vcpu-feature",
	};

	return (unsigned int)query < KVM_CAP_QUERY_KINDS ? names[query] : "?";
}

static int
check_entry(const struct kvm_cap_desc *table, size_t i, char *error,
    size_t error_size)
{
	const struct kvm_cap_desc *c = &table[i];
	size_t j;

	if (c->name == NULL || c->feature == NULL || c->feature[0] == '\0')
		return error_set(error, error_size, "capability entry %zu: a "
		    "name and the feature that needs it are required", i);
	if ((unsigned int)c->query >= KVM_CAP_QUERY_KINDS || c->number < 0 ||
	    c->minimum < 0 || (c->required && c->minimum < 1))
		return error_set(error, error_size, "capability entry %zu (%s): "
		    "bad query kind, number or minimum", i, c->name);
	for (j = 0; j < i; j++) {
		if (strcmp(table[j].name, c->name) == 0 ||
		    (table[j].query == c->query && table[j].number == c->number &&
		    table[j].attr == c->attr))
			return error_set(error, error_size, "capability entry "
			    "%zu (%s) repeats entry %zu (%s)", i, c->name, j,
			    table[j].name);
	}
	return 0;
}

/* Names unique, each question asked once, each entry says why vmmd asks. */
int
kvm_caps_table_check(const struct kvm_cap_desc *table, size_t count,
    char *error, size_t error_size)
{
	size_t i;
	int rc;

	if (count > KVM_CAPS_MAX)
		return error_set(error, error_size, "capability table: %zu "
		    "entries, at most %d", count, KVM_CAPS_MAX);
	for (i = 0; i < count; i++)
		if ((rc = check_entry(table, i, error, error_size)) < 0)
			return rc;
	return 0;
}

bool
kvm_cap_available(const struct kvm_cap_desc *desc,
    const struct kvm_cap_value *value)
{
	return value->asked && value->error == 0 && value->value >= desc->minimum;
}

int
kvm_caps_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kvm_caps) / sizeof(kvm_caps[0]); i++)
		if (strcmp(kvm_caps[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

static int
ask_vm_attr(int vm_fd, const struct kvm_cap_desc *desc)
{
	struct kvm_device_attr attr = {
		.group = (__u32)desc->number,
		.attr = desc->attr,
	};

	if (ioctl(vm_fd, KVM_HAS_DEVICE_ATTR, &attr) == 0)
		return 1;
	return errno == ENXIO || errno == EINVAL ? 0 : -errno;
}

/* A fresh vCPU per question. KVM_ARM_VCPU_INIT refuses a feature the host
 * cannot give (no FEAT_NV, or not in nested mode) with ENOENT (6.12) or
 * EINVAL (older kernels): both mean "no", not a failure to ask. */
static int
ask_vcpu_feature(int vm_fd, unsigned int index, const struct kvm_cap_desc *desc)
{
	struct kvm_vcpu_init init = { 0 };
	int vcpu_fd, rc;

	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu_fd < 0)
		return -errno;
	init.features[desc->number / 32] |= 1u << (desc->number % 32);
	rc = ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) == 0 ? 1 :
	    errno == EINVAL || errno == ENOENT ? 0 : -errno;
	close(vcpu_fd);
	return rc;
}

static int
ask(int system_fd, int vm_fd, unsigned int index, const struct kvm_cap_desc *desc)
{
	switch (desc->query) {
	case KVM_CAP_QUERY_SYSTEM:
		return kvm_check_extension(system_fd, desc->number);
	case KVM_CAP_QUERY_VM:
		return kvm_check_extension(vm_fd, desc->number);
	case KVM_CAP_QUERY_VM_ATTR:
		return ask_vm_attr(vm_fd, desc);
	case KVM_CAP_QUERY_VCPU_FEATURE:
		return ask_vcpu_feature(vm_fd, index, desc);
	default:
		return -EINVAL;
	}
}

/* Asks every entry; the per-VM ones get -errno of the scratch VM when it
 * could not be created. Returns that error, or 0. */
int
kvm_caps_query(int system_fd, struct kvm_caps_result *result)
{
	struct kvm_cap_value *value;
	unsigned int vcpus = 0;
	size_t i;
	int vm_fd, rc;

	memset(result, 0, sizeof(*result));
	result->asked = true;
	result->count = sizeof(kvm_caps) / sizeof(kvm_caps[0]);
	vm_fd = kvm_vm_create(system_fd, 0);
	result->vm_error = vm_fd < 0 ? vm_fd : 0;
	for (i = 0; i < result->count; i++) {
		value = &result->values[i];
		value->asked = true;
		if (kvm_caps[i].query != KVM_CAP_QUERY_SYSTEM && vm_fd < 0) {
			value->error = vm_fd;
			continue;
		}
		rc = ask(system_fd, vm_fd, vcpus, &kvm_caps[i]);
		if (kvm_caps[i].query == KVM_CAP_QUERY_VCPU_FEATURE)
			vcpus++;
		if (rc < 0)
			value->error = rc;
		else
			value->value = rc;
	}
	if (vm_fd >= 0)
		close(vm_fd);
	return result->vm_error;
}
