/* The KVM capabilities vmmd cares about: a table of what to ask, where
 * (system fd, scratch VM fd, VM device attribute, vCPU feature), whether
 * vmmd needs it and for what; and the answers. */
#ifndef VMMD_KVM_CAPS_H
#define VMMD_KVM_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#define KVM_CAPS_MAX	40

enum kvm_cap_query {
	KVM_CAP_QUERY_SYSTEM,		/* KVM_CHECK_EXTENSION on /dev/kvm */
	KVM_CAP_QUERY_VM,		/* KVM_CHECK_EXTENSION on a scratch VM */
	KVM_CAP_QUERY_VM_ATTR,		/* KVM_HAS_DEVICE_ATTR on a scratch VM */
	KVM_CAP_QUERY_VCPU_FEATURE,	/* KVM_ARM_VCPU_INIT with the feature bit */
	KVM_CAP_QUERY_KINDS,
};

struct kvm_cap_desc {
	const char *name;
	long number;		/* capability, attribute group, or feature bit */
	unsigned long attr;	/* the attribute, for KVM_CAP_QUERY_VM_ATTR */
	enum kvm_cap_query query;
	bool required;
	int minimum;		/* the least value that serves (usually 1; 0 for
				 * a value that only informs) */
	const char *feature;	/* what in vmmd needs it */
};

struct kvm_cap_value {
	bool asked;
	int value;		/* >= 0: the answer */
	int error;		/* a negative errno when it could not be asked */
};

struct kvm_caps_result {
	bool asked;
	int vm_error;		/* creating the scratch VM: 0 or -errno */
	unsigned int count;
	struct kvm_cap_value values[KVM_CAPS_MAX];	/* by table index */
};

const struct kvm_cap_desc *kvm_caps_table(size_t *count);
int kvm_caps_table_check(const struct kvm_cap_desc *table, size_t count,
    char *error, size_t error_size);
const char *kvm_cap_query_name(enum kvm_cap_query query);
bool kvm_cap_available(const struct kvm_cap_desc *desc,
    const struct kvm_cap_value *value);
int kvm_caps_find(const char *name);
int kvm_caps_query(int system_fd, struct kvm_caps_result *result);

#endif
