/* vmmd's arm64 system-register tables: AArch64 registers, the AArch32 cp15
 * and cp14 views, and the system instructions, each a sorted array checked
 * at start-up; and the lookups that name an encoding. */
#ifndef VMMD_ARM64_SYSREG_H
#define VMMD_ARM64_SYSREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An AArch64 system register or instruction encoding, as in MRS/MSR/SYS. */
struct sysreg_encoding {
	uint8_t op0, op1, crn, crm, op2;
};

/* What a register is. The class fixes which vCPU feature makes KVM list it
 * and which policies make sense. */
enum sysreg_class {
	SYSREG_CLASS_ID,	/* identification and feature ID registers */
	SYSREG_CLASS_EL1,	/* EL1 context: MMU, exceptions, thread IDs */
	SYSREG_CLASS_EL0,	/* EL0-accessible state (TPIDR_EL0, ...) */
	SYSREG_CLASS_TIMER,	/* generic timer */
	SYSREG_CLASS_DEBUG,	/* self-hosted debug */
	SYSREG_CLASS_AARCH32,	/* EL2 registers holding a 32-bit EL1's state */
	SYSREG_CLASS_PMU,	/* PMUv3: listed with KVM_ARM_VCPU_PMU_V3 */
	SYSREG_CLASS_SVE,	/* listed with KVM_ARM_VCPU_SVE */
	SYSREG_CLASS_PTRAUTH,	/* keys: listed with KVM_ARM_VCPU_PTRAUTH_* */
	SYSREG_CLASS_MTE,	/* memory tagging: vmmd gives guests none */
	SYSREG_CLASS_COUNT,
};

/* What vmmd does with a register. */
enum sysreg_policy {
	SYSREG_POLICY_SAVED,	/* vCPU state: saved and restored */
	SYSREG_POLICY_INVARIANT,/* host's value, captured once, never set */
	SYSREG_POLICY_TEMPLATE,	/* ID register a CPU template may lower */
	SYSREG_POLICY_HIDDEN,	/* not vCPU state KVM must list; named only */
	SYSREG_POLICY_COUNT,
};

/* A vCPU feature that makes KVM list the registers of a class. */
enum sysreg_feature {
	SYSREG_FEATURE_NONE = 0,
	SYSREG_FEATURE_PMU = 1u << 0,
	SYSREG_FEATURE_SVE = 1u << 1,
	SYSREG_FEATURE_PTRAUTH = 1u << 2,
};

struct sysreg_desc {
	const char *name;
	struct sysreg_encoding enc;
	uint64_t kvm_id;	/* KVM one-reg id; 0: KVM has none */
	enum sysreg_class class;
	enum sysreg_policy policy;
};

/* The AArch32 views: cp15/cp14 registers by (Op1, CRn, CRm, Op2) for MRC and
 * MCR, by (Op1, CRm) for the 64-bit MRRC and MCRR. */
enum sysreg_cp {
	SYSREG_CP14,
	SYSREG_CP15,
};

struct sysreg_cp_desc {
	const char *name;
	uint8_t op1, crn, crm, op2;	/* crn and op2 are 0 for 64-bit ones */
	const char *aarch64;		/* the AArch64 register it maps to, or NULL */
};

/* The system instructions (Op0 = 1): cache, TLB and address translation. */
enum sysreg_insn_kind {
	SYSREG_INSN_IC,
	SYSREG_INSN_DC,
	SYSREG_INSN_AT,
	SYSREG_INSN_TLBI,
	SYSREG_INSN_PREDICTION,	/* CFP, DVP, CPP RCTX */
	SYSREG_INSN_KIND_COUNT,
};

struct sysreg_insn_desc {
	const char *name;
	struct sysreg_encoding enc;
	enum sysreg_insn_kind kind;
};

/* The tables (arm64/sysreg_table.c, sysreg_aarch32.c, sys_insn_table.c). */
extern const struct sysreg_desc sysreg_table[];
extern const size_t sysreg_table_size;
extern const struct sysreg_cp_desc sysreg_cp15_table[];
extern const size_t sysreg_cp15_table_size;
extern const struct sysreg_cp_desc sysreg_cp15_64_table[];
extern const size_t sysreg_cp15_64_table_size;
extern const struct sysreg_cp_desc sysreg_cp14_table[];
extern const size_t sysreg_cp14_table_size;
extern const struct sysreg_cp_desc sysreg_cp14_64_table[];
extern const size_t sysreg_cp14_64_table_size;
extern const struct sysreg_insn_desc sysreg_insn_table[];
extern const size_t sysreg_insn_table_size;

/* Encodings. */
uint32_t sysreg_encoding_key(struct sysreg_encoding enc);
struct sysreg_encoding sysreg_encoding_of_id(uint64_t kvm_id);
bool sysreg_id_is_sysreg(uint64_t kvm_id);
uint64_t sysreg_expected_id(const struct sysreg_desc *desc);
bool sysreg_in_feature_id_space(struct sysreg_encoding enc);
int sysreg_feature_id_index(struct sysreg_encoding enc);
void sysreg_encoding_format(struct sysreg_encoding enc, char *text,
    size_t size);

/* Names and policies. */
const char *sysreg_class_name(enum sysreg_class class);
const char *sysreg_policy_name(enum sysreg_policy policy);
const char *sysreg_insn_kind_name(enum sysreg_insn_kind kind);
unsigned int sysreg_class_feature(enum sysreg_class class);
bool sysreg_is_required(const struct sysreg_desc *desc, unsigned int features);

/* Lookups over validated tables: binary searches. */
const struct sysreg_desc *sysreg_find(const struct sysreg_desc *table,
    size_t size, struct sysreg_encoding enc);
const struct sysreg_desc *sysreg_find_by_id(const struct sysreg_desc *table,
    size_t size, uint64_t kvm_id);
const struct sysreg_desc *sysreg_find_by_name(const struct sysreg_desc *table,
    size_t size, const char *name);
const struct sysreg_insn_desc *sysreg_insn_find(
    const struct sysreg_insn_desc *table, size_t size,
    struct sysreg_encoding enc);
const struct sysreg_cp_desc *sysreg_cp_find(const struct sysreg_cp_desc *table,
    size_t size, unsigned int op1, unsigned int crn, unsigned int crm,
    unsigned int op2);
const char *sysreg_name_trapped(struct sysreg_encoding enc, char *fallback,
    size_t size);
const char *sysreg_name_cp(enum sysreg_cp cp, bool is_64bit,
    unsigned int op1, unsigned int crn, unsigned int crm, unsigned int op2,
    char *fallback, size_t size);

/* Validation (arm64/sysreg_validate.c): 0, or -EINVAL with the offending
 * entry named in error. */
int sysreg_table_validate(const struct sysreg_desc *table, size_t size,
    char *error, size_t error_size);
int sysreg_cp_table_validate(const char *table_name,
    const struct sysreg_cp_desc *table, size_t size, bool is_64bit,
    const struct sysreg_desc *aarch64, size_t aarch64_size,
    char *error, size_t error_size);
int sysreg_insn_table_validate(const struct sysreg_insn_desc *table,
    size_t size, char *error, size_t error_size);
int sysreg_tables_validate(char *error, size_t error_size);

#endif
