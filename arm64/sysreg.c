/* Encodings, names and lookups over the system-register tables. The
 * lookups are binary searches: they assume tables that passed validation. */
#include "sysreg.h"

#include <stdio.h>
#include <string.h>

#include "kvm_arm64_uapi.h"

uint32_t
sysreg_encoding_key(struct sysreg_encoding enc)
{
	return (uint32_t)enc.op0 << 14 | (uint32_t)enc.op1 << 11 |
	    (uint32_t)enc.crn << 7 | (uint32_t)enc.crm << 3 | enc.op2;
}

struct sysreg_encoding
sysreg_encoding_of_id(uint64_t kvm_id)
{
	return (struct sysreg_encoding){
		.op0 = (kvm_id & KVM_REG_ARM64_SYSREG_OP0_MASK) >>
		    KVM_REG_ARM64_SYSREG_OP0_SHIFT,
		.op1 = (kvm_id & KVM_REG_ARM64_SYSREG_OP1_MASK) >>
		    KVM_REG_ARM64_SYSREG_OP1_SHIFT,
		.crn = (kvm_id & KVM_REG_ARM64_SYSREG_CRN_MASK) >>
		    KVM_REG_ARM64_SYSREG_CRN_SHIFT,
		.crm = (kvm_id & KVM_REG_ARM64_SYSREG_CRM_MASK) >>
		    KVM_REG_ARM64_SYSREG_CRM_SHIFT,
		.op2 = (kvm_id & KVM_REG_ARM64_SYSREG_OP2_MASK) >>
		    KVM_REG_ARM64_SYSREG_OP2_SHIFT,
	};
}

/* A 64-bit arm64 one-reg id of the sysreg group, nothing outside the
 * encoding bits. */
bool
sysreg_id_is_sysreg(uint64_t kvm_id)
{
	return (kvm_id & ~ARM64_SYSREG_ID_ENCODING_MASK) == ARM64_SYSREG_ID_BASE;
}

static uint64_t
sysreg_id_of(struct sysreg_encoding enc)
{
	return ARM64_SYSREG_ID(enc.op0, enc.op1, enc.crn, enc.crm, enc.op2);
}

/* The id KVM uses for the register at this encoding: the encoding itself,
 * except for the virtual timer's two swapped registers. */
uint64_t
sysreg_expected_id(const struct sysreg_desc *desc)
{
	uint64_t id = sysreg_id_of(desc->enc);

	if (id == ARM64_KVM_TIMER_CNT_ID)
		return ARM64_KVM_TIMER_CVAL_ID;
	if (id == ARM64_KVM_TIMER_CVAL_ID)
		return ARM64_KVM_TIMER_CNT_ID;
	return id;
}

/* The range KVM_ARM_GET_REG_WRITABLE_MASKS describes: Op0 3, Op1 0, 1 or 3,
 * CRn 0, CRm 0..7. */
bool
sysreg_in_feature_id_space(struct sysreg_encoding enc)
{
	return enc.op0 == 3 && enc.crn == 0 && enc.crm <= 7 && enc.op2 <= 7 &&
	    (enc.op1 == 0 || enc.op1 == 1 || enc.op1 == 3);
}

/* The index of a feature-ID register in the writable-mask array, as the
 * kernel's ARM64_FEATURE_ID_SPACE_IDX computes it; -1 outside the range. */
int
sysreg_feature_id_index(struct sysreg_encoding enc)
{
	unsigned int op1;

	if (!sysreg_in_feature_id_space(enc))
		return -1;
	op1 = enc.op1 == 3 ? 2 : enc.op1;
	return (int)(op1 << 6 | (unsigned int)enc.crm << 3 | enc.op2);
}

void
sysreg_encoding_format(struct sysreg_encoding enc, char *text, size_t size)
{
	snprintf(text, size, "S%u_%u_C%u_C%u_%u", enc.op0, enc.op1, enc.crn,
	    enc.crm, enc.op2);
}

const char *
sysreg_class_name(enum sysreg_class class)
{
	static const char *const names[] = {
		[SYSREG_CLASS_ID] = "id",
		[SYSREG_CLASS_EL1] = "el1",
		[SYSREG_CLASS_EL0] = "el0",
		[SYSREG_CLASS_TIMER] = "timer",
		[SYSREG_CLASS_DEBUG] = "debug",
		[SYSREG_CLASS_AARCH32] = "aarch32",
		[SYSREG_CLASS_PMU] = "pmu",
		[SYSREG_CLASS_SVE] = "sve",
		[SYSREG_CLASS_PTRAUTH] = "ptrauth",
		[SYSREG_CLASS_MTE] = "mte",
	};

	if ((unsigned int)class >= SYSREG_CLASS_COUNT)
		return "invalid";
	return names[class];
}

const char *
sysreg_policy_name(enum sysreg_policy policy)
{
	static const char *const names[] = {
		[SYSREG_POLICY_SAVED] = "saved",
		[SYSREG_POLICY_INVARIANT] = "invariant",
		[SYSREG_POLICY_TEMPLATE] = "template",
		[SYSREG_POLICY_HIDDEN] = "hidden",
	};

	if ((unsigned int)policy >= SYSREG_POLICY_COUNT)
		return "invalid";
	return names[policy];
}

const char *
sysreg_insn_kind_name(enum sysreg_insn_kind kind)
{
	static const char *const names[] = {
		[SYSREG_INSN_IC] = "ic",
		[SYSREG_INSN_DC] = "dc",
		[SYSREG_INSN_AT] = "at",
		[SYSREG_INSN_TLBI] = "tlbi",
		[SYSREG_INSN_PREDICTION] = "prediction",
	};

	if ((unsigned int)kind >= SYSREG_INSN_KIND_COUNT)
		return "invalid";
	return names[kind];
}

unsigned int
sysreg_class_feature(enum sysreg_class class)
{
	switch (class) {
	case SYSREG_CLASS_PMU:
		return SYSREG_FEATURE_PMU;
	case SYSREG_CLASS_SVE:
		return SYSREG_FEATURE_SVE;
	case SYSREG_CLASS_PTRAUTH:
		return SYSREG_FEATURE_PTRAUTH;
	default:
		return SYSREG_FEATURE_NONE;
	}
}

/* Whether KVM must list this register for a vCPU with these features. */
bool
sysreg_is_required(const struct sysreg_desc *desc, unsigned int features)
{
	unsigned int needs = sysreg_class_feature(desc->class);

	if (desc->policy == SYSREG_POLICY_HIDDEN || desc->kvm_id == 0)
		return false;
	return needs == SYSREG_FEATURE_NONE || (features & needs) != 0;
}

const struct sysreg_desc *
sysreg_find(const struct sysreg_desc *table, size_t size,
    struct sysreg_encoding enc)
{
	uint32_t key = sysreg_encoding_key(enc), probe;
	size_t low = 0, high = size, middle;

	while (low < high) {
		middle = low + (high - low) / 2;
		probe = sysreg_encoding_key(table[middle].enc);
		if (probe == key)
			return &table[middle];
		if (probe < key)
			low = middle + 1;
		else
			high = middle;
	}
	return NULL;
}

const struct sysreg_desc *
sysreg_find_by_id(const struct sysreg_desc *table, size_t size,
    uint64_t kvm_id)
{
	const struct sysreg_desc *desc;
	uint64_t encoding_id = kvm_id;

	if (!sysreg_id_is_sysreg(kvm_id))
		return NULL;
	if (kvm_id == ARM64_KVM_TIMER_CNT_ID)
		encoding_id = ARM64_KVM_TIMER_CVAL_ID;
	else if (kvm_id == ARM64_KVM_TIMER_CVAL_ID)
		encoding_id = ARM64_KVM_TIMER_CNT_ID;
	desc = sysreg_find(table, size, sysreg_encoding_of_id(encoding_id));
	if (desc == NULL || desc->kvm_id != kvm_id)
		return NULL;
	return desc;
}

const struct sysreg_desc *
sysreg_find_by_name(const struct sysreg_desc *table, size_t size,
    const char *name)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (strcasecmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct sysreg_insn_desc *
sysreg_insn_find(const struct sysreg_insn_desc *table, size_t size,
    struct sysreg_encoding enc)
{
	uint32_t key = sysreg_encoding_key(enc), probe;
	size_t low = 0, high = size, middle;

	while (low < high) {
		middle = low + (high - low) / 2;
		probe = sysreg_encoding_key(table[middle].enc);
		if (probe == key)
			return &table[middle];
		if (probe < key)
			low = middle + 1;
		else
			high = middle;
	}
	return NULL;
}

static uint32_t
sysreg_cp_key(unsigned int op1, unsigned int crn, unsigned int crm,
    unsigned int op2)
{
	return op1 << 12 | crn << 8 | crm << 4 | op2;
}

const struct sysreg_cp_desc *
sysreg_cp_find(const struct sysreg_cp_desc *table, size_t size,
    unsigned int op1, unsigned int crn, unsigned int crm, unsigned int op2)
{
	uint32_t key = sysreg_cp_key(op1, crn, crm, op2), probe;
	size_t low = 0, high = size, middle;

	while (low < high) {
		middle = low + (high - low) / 2;
		probe = sysreg_cp_key(table[middle].op1, table[middle].crn,
		    table[middle].crm, table[middle].op2);
		if (probe == key)
			return &table[middle];
		if (probe < key)
			low = middle + 1;
		else
			high = middle;
	}
	return NULL;
}

/* The name of a trapped MRS, MSR or SYS encoding: the register's or the
 * instruction's, or its generic S<op0>_<op1>_C<n>_C<m>_<op2> spelling. */
const char *
sysreg_name_trapped(struct sysreg_encoding enc, char *fallback, size_t size)
{
	const struct sysreg_insn_desc *insn;
	const struct sysreg_desc *reg;

	if (enc.op0 == 1) {
		insn = sysreg_insn_find(sysreg_insn_table,
		    sysreg_insn_table_size, enc);
		if (insn != NULL)
			return insn->name;
	} else {
		reg = sysreg_find(sysreg_table, sysreg_table_size, enc);
		if (reg != NULL)
			return reg->name;
	}
	sysreg_encoding_format(enc, fallback, size);
	return fallback;
}

const char *
sysreg_name_cp(enum sysreg_cp cp, bool is_64bit, unsigned int op1,
    unsigned int crn, unsigned int crm, unsigned int op2, char *fallback,
    size_t size)
{
	const struct sysreg_cp_desc *table, *desc;
	size_t count;

	if (cp == SYSREG_CP15) {
		table = is_64bit ? sysreg_cp15_64_table : sysreg_cp15_table;
		count = is_64bit ? sysreg_cp15_64_table_size :
		    sysreg_cp15_table_size;
	} else {
		table = is_64bit ? sysreg_cp14_64_table : sysreg_cp14_table;
		count = is_64bit ? sysreg_cp14_64_table_size :
		    sysreg_cp14_table_size;
	}
	if (is_64bit)
		crn = op2 = 0;
	desc = sysreg_cp_find(table, count, op1, crn, crm, op2);
	if (desc != NULL)
		return desc->name;
	if (is_64bit)
		snprintf(fallback, size, "p%u, %u, c%u", cp == SYSREG_CP15 ?
		    15 : 14, op1, crm);
	else
		snprintf(fallback, size, "p%u, %u, c%u, c%u, %u",
		    cp == SYSREG_CP15 ? 15 : 14, op1, crn, crm, op2);
	return fallback;
}
