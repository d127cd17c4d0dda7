/* A host's CPU model as KVM presents it to guests: the ID registers of a
 * scratch vCPU (the invariant ones captured once per host, like the kernel's
 * invariant_sys_regs), the fields KVM lets userspace lower, and the vCPU
 * features it offers; the cross-check of KVM_GET_REG_LIST against the
 * sysreg table; and the comparison of two models. */
#ifndef VMMD_ARM64_CPU_MODEL_H
#define VMMD_ARM64_CPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysreg.h"

#define CPU_MODEL_REGS_MAX	96
#define CPU_MODEL_NAME_MAX	32

struct cpu_model_reg {
	char name[CPU_MODEL_NAME_MAX];
	struct sysreg_encoding enc;
	enum sysreg_policy policy;
	uint64_t value;
	uint64_t writable;	/* KVM_ARM_GET_REG_WRITABLE_MASKS; 0 if none */
};

struct cpu_model {
	unsigned int host_features;	/* SYSREG_FEATURE_* KVM offers */
	bool el1_32bit;			/* KVM_CAP_ARM_EL1_32BIT */
	bool writable_masks;		/* KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES */
	unsigned int vcpu_features;	/* what the scratch vCPU was given */
	size_t count;
	struct cpu_model_reg regs[CPU_MODEL_REGS_MAX];
};

/* What KVM_GET_REG_LIST gave, by coproc group, against the table. */
enum cpu_reg_group {
	CPU_REG_GROUP_CORE,
	CPU_REG_GROUP_DEMUX,	/* CCSIDR values, by cache level */
	CPU_REG_GROUP_SYSREG,
	CPU_REG_GROUP_FIRMWARE,	/* PSCI and SMCCC pseudo-registers */
	CPU_REG_GROUP_SVE,
	CPU_REG_GROUP_FW_FEATURES,	/* firmware feature bitmaps */
	CPU_REG_GROUP_OTHER,
	CPU_REG_GROUP_COUNT,
};

#define CPU_CROSS_CHECK_MAX	64

struct cpu_cross_check {
	size_t listed;				/* ids KVM listed */
	size_t groups[CPU_REG_GROUP_COUNT];
	size_t known;				/* sysregs the table knows */
	size_t unknown_count;			/* sysregs it does not know */
	uint64_t unknown[CPU_CROSS_CHECK_MAX];
	size_t missing_count;			/* required, not listed */
	const struct sysreg_desc *missing[CPU_CROSS_CHECK_MAX];
};

/* A difference between two models, by 4-bit ID field. */
struct cpu_model_difference {
	const char *name;
	unsigned int shift;	/* 64: the register is in one model only */
	uint64_t a, b;		/* the field's values */
	bool writable_a, writable_b;
};

const char *cpu_reg_group_name(enum cpu_reg_group group);
enum cpu_reg_group cpu_reg_group_of(uint64_t kvm_id);
void cpu_cross_check(const uint64_t *ids, size_t count, unsigned int features,
    const struct sysreg_desc *table, size_t table_size,
    struct cpu_cross_check *result);

const struct cpu_model_reg *cpu_model_find(const struct cpu_model *model,
    const char *name);
size_t cpu_model_compare(const struct cpu_model *a, const struct cpu_model *b,
    struct cpu_model_difference *differences, size_t max);

/* KVM side: a scratch VM and vCPU with these features. */
int cpu_model_capture(const char *kvm_path, unsigned int features,
    struct cpu_model *model, struct cpu_cross_check *check);
int cpu_model_host_features(const char *kvm_path, unsigned int *features);
/* The same on an open /dev/kvm (a VM process keeps one). */
int cpu_model_capture_fd(int system_fd, unsigned int features,
    struct cpu_model *model, struct cpu_cross_check *check);
int cpu_model_host_features_fd(int system_fd, unsigned int *features);

#endif
