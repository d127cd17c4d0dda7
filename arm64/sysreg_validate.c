/* The start-up checks of the system-register tables, one function per
 * table, as the kernel's check_sysreg_table(): strictly sorted, fields in
 * range, ids and policies consistent. Each refusal names the entry. */
#include "sysreg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "../core/error.h"

static bool
encoding_in_range(struct sysreg_encoding enc)
{
	return enc.op0 <= 3 && enc.op1 <= 7 && enc.crn <= 15 &&
	    enc.crm <= 15 && enc.op2 <= 7;
}

/* Which policies a class allows: ID registers are never vCPU state to
 * restore, and only ID registers are invariant or templated. */
static const char *
sysreg_policy_conflict(const struct sysreg_desc *desc)
{
	if ((unsigned int)desc->class >= SYSREG_CLASS_COUNT)
		return "class out of range";
	if ((unsigned int)desc->policy >= SYSREG_POLICY_COUNT)
		return "policy out of range";
	if (desc->class == SYSREG_CLASS_ID &&
	    desc->policy == SYSREG_POLICY_SAVED)
		return "an ID register cannot be saved state";
	if (desc->class != SYSREG_CLASS_ID &&
	    (desc->policy == SYSREG_POLICY_INVARIANT ||
	    desc->policy == SYSREG_POLICY_TEMPLATE))
		return "only ID registers are invariant or templated";
	if (desc->policy == SYSREG_POLICY_TEMPLATE &&
	    !sysreg_in_feature_id_space(desc->enc))
		return "templated outside KVM's writable feature-ID range";
	if (desc->class == SYSREG_CLASS_MTE &&
	    desc->policy != SYSREG_POLICY_HIDDEN)
		return "vmmd gives guests no MTE: its registers are hidden";
	if (desc->kvm_id == 0 && desc->policy != SYSREG_POLICY_HIDDEN)
		return "a register without a KVM id must be hidden";
	return NULL;
}

static int
sysreg_entry_check(const struct sysreg_desc *table, size_t i, char *error,
    size_t error_size)
{
	const struct sysreg_desc *desc = &table[i];
	const char *conflict;
	char enc[32];

	sysreg_encoding_format(desc->enc, enc, sizeof(enc));
	if (desc->name == NULL || desc->name[0] == '\0')
		return error_set(error, error_size, "sysreg table: entry %zu (%s) "
		    "has no name", i, enc);
	if (!encoding_in_range(desc->enc) || desc->enc.op0 < 2)
		return error_set(error, error_size, "sysreg table: entry %zu (%s): "
		    "encoding op0=%u op1=%u crn=%u crm=%u op2=%u out of range",
		    i, desc->name, desc->enc.op0, desc->enc.op1, desc->enc.crn,
		    desc->enc.crm, desc->enc.op2);
	if (desc->kvm_id != 0 && desc->kvm_id != sysreg_expected_id(desc))
		return error_set(error, error_size, "sysreg table: entry %zu (%s, "
		    "%s): KVM id 0x%016" PRIx64 " does not match its encoding "
		    "(expected 0x%016" PRIx64 ")", i, desc->name, enc,
		    desc->kvm_id, sysreg_expected_id(desc));
	conflict = sysreg_policy_conflict(desc);
	if (conflict != NULL)
		return error_set(error, error_size, "sysreg table: entry %zu (%s): "
		    "class %s, policy %s: %s", i, desc->name,
		    sysreg_class_name(desc->class),
		    sysreg_policy_name(desc->policy), conflict);
	return 0;
}

int
sysreg_table_validate(const struct sysreg_desc *table, size_t size,
    char *error, size_t error_size)
{
	size_t i, j;
	int rc;

	for (i = 0; i < size; i++) {
		rc = sysreg_entry_check(table, i, error, error_size);
		if (rc < 0)
			return rc;
		if (i > 0 && sysreg_encoding_key(table[i].enc) <=
		    sysreg_encoding_key(table[i - 1].enc))
			return error_set(error, error_size, "sysreg table: entry "
			    "%zu (%s) %s %s: the table must be strictly "
			    "increasing by encoding", i, table[i].name,
			    sysreg_encoding_key(table[i].enc) ==
			    sysreg_encoding_key(table[i - 1].enc) ?
			    "has the same encoding as" : "comes after",
			    table[i - 1].name);
		for (j = 0; j < i; j++)
			if (strcasecmp(table[j].name, table[i].name) == 0)
				return error_set(error, error_size, "sysreg table: "
				    "entry %zu (%s): name already used by entry "
				    "%zu", i, table[i].name, j);
	}
	return 0;
}

static uint32_t
cp_key(const struct sysreg_cp_desc *desc)
{
	return (uint32_t)desc->op1 << 12 | (uint32_t)desc->crn << 8 |
	    (uint32_t)desc->crm << 4 | desc->op2;
}

static int
sysreg_cp_entry_check(const char *table_name, const struct sysreg_cp_desc *desc,
    size_t i, bool is_64bit, const struct sysreg_desc *aarch64,
    size_t aarch64_size, char *error, size_t error_size)
{
	if (desc->name == NULL || desc->name[0] == '\0')
		return error_set(error, error_size, "%s table: entry %zu has no "
		    "name", table_name, i);
	if (desc->op1 > 7 || desc->crn > 15 || desc->crm > 15 ||
	    desc->op2 > 7 || (is_64bit && (desc->crn != 0 || desc->op2 != 0)))
		return error_set(error, error_size, "%s table: entry %zu (%s): "
		    "op1=%u crn=%u crm=%u op2=%u out of range", table_name, i,
		    desc->name, desc->op1, desc->crn, desc->crm, desc->op2);
	if (desc->aarch64 != NULL &&
	    sysreg_find_by_name(aarch64, aarch64_size, desc->aarch64) == NULL)
		return error_set(error, error_size, "%s table: entry %zu (%s): "
		    "maps to %s, which the AArch64 table does not know",
		    table_name, i, desc->name, desc->aarch64);
	return 0;
}

int
sysreg_cp_table_validate(const char *table_name,
    const struct sysreg_cp_desc *table, size_t size, bool is_64bit,
    const struct sysreg_desc *aarch64, size_t aarch64_size, char *error,
    size_t error_size)
{
	size_t i;
	int rc;

	for (i = 0; i < size; i++) {
		rc = sysreg_cp_entry_check(table_name, &table[i], i, is_64bit,
		    aarch64, aarch64_size, error, error_size);
		if (rc < 0)
			return rc;
		if (i > 0 && cp_key(&table[i]) <= cp_key(&table[i - 1]))
			return error_set(error, error_size, "%s table: entry %zu "
			    "(%s) %s %s: the table must be strictly increasing "
			    "by (op1, crn, crm, op2)", table_name, i,
			    table[i].name, cp_key(&table[i]) ==
			    cp_key(&table[i - 1]) ? "has the same encoding as" :
			    "comes after", table[i - 1].name);
	}
	return 0;
}

int
sysreg_insn_table_validate(const struct sysreg_insn_desc *table, size_t size,
    char *error, size_t error_size)
{
	const struct sysreg_insn_desc *desc;
	size_t i;

	for (i = 0; i < size; i++) {
		desc = &table[i];
		if (desc->name == NULL || desc->name[0] == '\0')
			return error_set(error, error_size, "sys_insn table: entry "
			    "%zu has no name", i);
		if (!encoding_in_range(desc->enc) || desc->enc.op0 != 1)
			return error_set(error, error_size, "sys_insn table: entry "
			    "%zu (%s): encoding op0=%u op1=%u crn=%u crm=%u "
			    "op2=%u out of range (instructions have op0 1)", i,
			    desc->name, desc->enc.op0, desc->enc.op1,
			    desc->enc.crn, desc->enc.crm, desc->enc.op2);
		if ((unsigned int)desc->kind >= SYSREG_INSN_KIND_COUNT)
			return error_set(error, error_size, "sys_insn table: entry "
			    "%zu (%s): kind out of range", i, desc->name);
		if (i > 0 && sysreg_encoding_key(desc->enc) <=
		    sysreg_encoding_key(table[i - 1].enc))
			return error_set(error, error_size, "sys_insn table: entry "
			    "%zu (%s) %s %s: the table must be strictly "
			    "increasing by encoding", i, desc->name,
			    sysreg_encoding_key(desc->enc) ==
			    sysreg_encoding_key(table[i - 1].enc) ?
			    "has the same encoding as" : "comes after",
			    table[i - 1].name);
	}
	return 0;
}

/* Every table vmmd ships, in the order the kernel checks its own. */
int
sysreg_tables_validate(char *error, size_t error_size)
{
	int rc;

	rc = sysreg_table_validate(sysreg_table, sysreg_table_size, error,
	    error_size);
	if (rc == 0)
		rc = sysreg_cp_table_validate("cp14", sysreg_cp14_table,
		    sysreg_cp14_table_size, false, sysreg_table,
		    sysreg_table_size, error, error_size);
	if (rc == 0)
		rc = sysreg_cp_table_validate("cp14_64", sysreg_cp14_64_table,
		    sysreg_cp14_64_table_size, true, sysreg_table,
		    sysreg_table_size, error, error_size);
	if (rc == 0)
		rc = sysreg_cp_table_validate("cp15", sysreg_cp15_table,
		    sysreg_cp15_table_size, false, sysreg_table,
		    sysreg_table_size, error, error_size);
	if (rc == 0)
		rc = sysreg_cp_table_validate("cp15_64", sysreg_cp15_64_table,
		    sysreg_cp15_64_table_size, true, sysreg_table,
		    sysreg_table_size, error, error_size);
	if (rc == 0)
		rc = sysreg_insn_table_validate(sysreg_insn_table,
		    sysreg_insn_table_size, error, error_size);
	return rc;
}
