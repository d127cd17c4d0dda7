/* CPU templates: the vCPU features a VM gets (SVE, PMU, pointer auth,
 * chosen at KVM_ARM_VCPU_INIT) and ID-register fields lowered below the
 * host's values, within what KVM_ARM_GET_REG_WRITABLE_MASKS allows. A plain
 * struct: vmmd parses it from JSON, arm64 checks and applies it. */
#ifndef VMMD_ARM64_CPU_TEMPLATE_H
#define VMMD_ARM64_CPU_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/kvm.h"
#include "cpu_model.h"
#include "sysreg.h"

#define CPU_TEMPLATE_FIELDS_MAX	64
#define CPU_TEMPLATE_NAME_MAX	64

struct cpu_template_field {
	char reg[CPU_MODEL_NAME_MAX];	/* an ID register's name */
	unsigned int shift, width;	/* the field: bits [shift, shift+width) */
	uint64_t value;			/* at or below the host's */
};

struct cpu_template {
	char name[CPU_TEMPLATE_NAME_MAX];
	unsigned int features;		/* SYSREG_FEATURE_* the vCPU gets */
	size_t count;
	struct cpu_template_field fields[CPU_TEMPLATE_FIELDS_MAX];
};

/* Pure checks; each failure is described in error, naming the field. */
int cpu_template_validate(const struct cpu_template *template, char *error,
    size_t error_size);
int cpu_template_check(const struct cpu_template *template,
    const struct cpu_model *model, char *error, size_t error_size);
uint64_t cpu_template_field_mask(const struct cpu_template_field *field);
uint64_t cpu_template_field_get(const struct cpu_template_field *field,
    uint64_t reg_value);
int cpu_template_field_compare(const struct cpu_template_field *field,
    uint64_t a, uint64_t b);

/* KVM side. */
int cpu_template_vcpu_init(int vm_fd, struct kvm_vcpu_fd *vcpu,
    unsigned int features, bool powered_off);
int cpu_template_apply(struct kvm_vcpu_fd *vcpu,
    const struct cpu_template *template, size_t *failed_field);

#endif
