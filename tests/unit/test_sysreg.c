/* The system-register tables: the shipped ones pass validation, broken ones
 * are refused with the offending entry named, lookups find what KVM names. */
#include <string.h>

#include "../../arm64/kvm_arm64_uapi.h"
#include "../../arm64/sysreg.h"
#include "suites.h"

#define ENC(a, b, c, d, e) { a, b, c, d, e }
#define REG(n, a, b, c, d, e, cls, pol) { .name = (n), .enc = ENC(a, b, c, d, e), \
	.kvm_id = ARM64_SYSREG_ID(a, b, c, d, e), .class = SYSREG_CLASS_##cls, \
	.policy = SYSREG_POLICY_##pol }
#define N(table) (sizeof(table) / sizeof((table)[0]))

static char error[256];

START_TEST(test_shipped_tables_validate)
{
	ck_assert_msg(sysreg_tables_validate(error, sizeof(error)) == 0, "%s",
	    error);
	ck_assert_uint_ge(sysreg_table_size, 248);
	ck_assert_uint_gt(sysreg_cp15_table_size, 0);
	ck_assert_uint_gt(sysreg_cp14_table_size, 0);
	ck_assert_uint_gt(sysreg_insn_table_size, 0);
}
END_TEST

static void
assert_refused(const struct sysreg_desc *table, size_t size,
    const char *names, const char *why)
{
	error[0] = '\0';
	ck_assert_int_lt(sysreg_table_validate(table, size, error,
	    sizeof(error)), 0);
	ck_assert_msg(strstr(error, names) != NULL, "'%s' does not name '%s'",
	    error, names);
	ck_assert_msg(strstr(error, why) != NULL, "'%s' does not say '%s'",
	    error, why);
}

START_TEST(test_unsorted_refused)
{
	static const struct sysreg_desc table[] = {
		REG("SCTLR_EL1", 3, 0, 1, 0, 0, EL1, SAVED),
		REG("MPIDR_EL1", 3, 0, 0, 0, 5, EL1, SAVED),
	};

	assert_refused(table, N(table), "entry 1 (MPIDR_EL1) comes after "
	    "SCTLR_EL1", "strictly increasing");
}
END_TEST

START_TEST(test_duplicate_refused)
{
	static const struct sysreg_desc table[] = {
		REG("TTBR0_EL1", 3, 0, 2, 0, 0, EL1, SAVED),
		REG("TTBR0_AGAIN", 3, 0, 2, 0, 0, EL1, SAVED),
	};

	assert_refused(table, N(table), "entry 1 (TTBR0_AGAIN) has the same "
	    "encoding as TTBR0_EL1", "strictly increasing");
}
END_TEST

START_TEST(test_duplicate_name_refused)
{
	static const struct sysreg_desc table[] = {
		REG("TTBR0_EL1", 3, 0, 2, 0, 0, EL1, SAVED),
		REG("TTBR0_EL1", 3, 0, 2, 0, 1, EL1, SAVED),
	};

	assert_refused(table, N(table), "entry 1 (TTBR0_EL1)",
	    "name already used by entry 0");
}
END_TEST

START_TEST(test_out_of_range_refused)
{
	static const struct sysreg_desc crm[] = {
		REG("SCTLR_EL1", 3, 0, 1, 0, 0, EL1, SAVED),
		{ .name = "BAD_EL1", .enc = ENC(3, 0, 2, 16, 0),
		  .kvm_id = ARM64_SYSREG_ID(3, 0, 2, 0, 0),
		  .class = SYSREG_CLASS_EL1, .policy = SYSREG_POLICY_SAVED },
	};
	static const struct sysreg_desc op0[] = {
		REG("NOT_A_REG", 1, 0, 7, 5, 0, EL1, SAVED),
	};

	assert_refused(crm, N(crm), "entry 1 (BAD_EL1)", "crm=16 op2=0 out of range");
	assert_refused(op0, N(op0), "entry 0 (NOT_A_REG)", "op0=1");
}
END_TEST

START_TEST(test_wrong_id_refused)
{
	static const struct sysreg_desc table[] = {
		REG("SCTLR_EL1", 3, 0, 1, 0, 0, EL1, SAVED),
		{ .name = "TCR_EL1", .enc = ENC(3, 0, 2, 0, 2),
		  .kvm_id = ARM64_SYSREG_ID(3, 0, 2, 0, 3),
		  .class = SYSREG_CLASS_EL1, .policy = SYSREG_POLICY_SAVED },
	};
	/* The timer's swapped ids are the ABI: using the plain encoding for
	 * CNTVCT_EL0 is the mistake. */
	static const struct sysreg_desc timer[] = {
		REG("CNTVCT_EL0", 3, 3, 14, 0, 2, TIMER, SAVED),
	};

	assert_refused(table, N(table), "entry 1 (TCR_EL1, S3_0_C2_C0_2)",
	    "does not match its encoding (expected 0x603000000013c102)");
	assert_refused(timer, N(timer), "entry 0 (CNTVCT_EL0",
	    "expected 0x603000000013df1a");
}
END_TEST

START_TEST(test_inconsistent_policy_refused)
{
	static const struct sysreg_desc id_saved[] = {
		REG("ID_AA64PFR0_EL1", 3, 0, 0, 4, 0, ID, SAVED),
	};
	static const struct sysreg_desc el1_template[] = {
		REG("SCTLR_EL1", 3, 0, 1, 0, 0, EL1, TEMPLATE),
	};
	static const struct sysreg_desc template_outside[] = {
		REG("CSSELR_EL1", 3, 2, 0, 0, 0, ID, TEMPLATE),
	};
	static const struct sysreg_desc mte_saved[] = {
		REG("TFSR_EL1", 3, 0, 5, 6, 0, MTE, SAVED),
	};
	static const struct sysreg_desc no_id[] = {
		{ .name = "OSLAR_EL1", .enc = ENC(2, 0, 1, 0, 4),
		  .class = SYSREG_CLASS_DEBUG, .policy = SYSREG_POLICY_SAVED },
	};

	assert_refused(id_saved, 1, "ID_AA64PFR0_EL1", "cannot be saved");
	assert_refused(el1_template, 1, "SCTLR_EL1",
	    "only ID registers are invariant or templated");
	assert_refused(template_outside, 1, "CSSELR_EL1",
	    "outside KVM's writable feature-ID range");
	assert_refused(mte_saved, 1, "TFSR_EL1", "hidden");
	assert_refused(no_id, 1, "OSLAR_EL1", "without a KVM id");
}
END_TEST

START_TEST(test_cp_tables_refused)
{
	static const struct sysreg_cp_desc unsorted[] = {
		{ .name = "TTBR0", .op1 = 0, .crn = 2, .crm = 0, .op2 = 0 },
		{ .name = "SCTLR", .op1 = 0, .crn = 1, .crm = 0, .op2 = 0 },
	};
	static const struct sysreg_cp_desc unknown[] = {
		{ .name = "SCTLR", .crn = 1, .aarch64 = "SCTLR_EL9" },
	};
	static const struct sysreg_cp_desc wide[] = {
		{ .name = "TTBR0", .op1 = 0, .crn = 2, .crm = 2 },
	};

	ck_assert_int_lt(sysreg_cp_table_validate("cp15", unsorted, 2, false,
	    sysreg_table, sysreg_table_size, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "entry 1 (SCTLR) comes after TTBR0"));
	ck_assert_int_lt(sysreg_cp_table_validate("cp15", unknown, 1, false,
	    sysreg_table, sysreg_table_size, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "SCTLR_EL9"));
	ck_assert_int_lt(sysreg_cp_table_validate("cp15_64", wide, 1, true,
	    sysreg_table, sysreg_table_size, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "entry 0 (TTBR0): op1=0 crn=2"));
}
END_TEST

START_TEST(test_insn_table_refused)
{
	static const struct sysreg_insn_desc op0[] = {
		{ .name = "DC ZVA", .enc = ENC(3, 3, 7, 4, 1),
		  .kind = SYSREG_INSN_DC },
	};
	static const struct sysreg_insn_desc dup[] = {
		{ .name = "TLBI VMALLE1", .enc = ENC(1, 0, 8, 7, 0),
		  .kind = SYSREG_INSN_TLBI },
		{ .name = "TLBI AGAIN", .enc = ENC(1, 0, 8, 7, 0),
		  .kind = SYSREG_INSN_TLBI },
	};

	ck_assert_int_lt(sysreg_insn_table_validate(op0, 1, error,
	    sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "entry 0 (DC ZVA)"));
	ck_assert_int_lt(sysreg_insn_table_validate(dup, 2, error,
	    sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error,
	    "entry 1 (TLBI AGAIN) has the same encoding as TLBI VMALLE1"));
}
END_TEST

START_TEST(test_lookup_by_kvm_id)
{
	const struct sysreg_desc *desc;

	/* Ids as KVM_GET_REG_LIST gives them on Linux 6.12. */
	desc = sysreg_find_by_id(sysreg_table, sysreg_table_size,
	    0x603000000013c030ull);
	ck_assert_ptr_nonnull(desc);
	ck_assert_str_eq(desc->name, "ID_AA64ISAR0_EL1");
	desc = sysreg_find_by_id(sysreg_table, sysreg_table_size,
	    0x603000000013df1aull);
	ck_assert_ptr_nonnull(desc);
	ck_assert_str_eq(desc->name, "CNTVCT_EL0");
	desc = sysreg_find_by_id(sysreg_table, sysreg_table_size,
	    0x603000000013df02ull);
	ck_assert_ptr_nonnull(desc);
	ck_assert_str_eq(desc->name, "CNTV_CVAL_EL0");
	ck_assert_ptr_null(sysreg_find_by_id(sysreg_table, sysreg_table_size,
	    arm64_core_reg_id(ARM64_CORE_REG_PC)));
	/* An encoding the table has, but KVM gives no id for. */
	ck_assert_ptr_null(sysreg_find_by_id(sysreg_table, sysreg_table_size,
	    ARM64_SYSREG_ID(2, 0, 1, 0, 4)));
}
END_TEST

START_TEST(test_names_of_trapped_encodings)
{
	struct sysreg_encoding tlbi = ENC(1, 0, 8, 3, 0);
	struct sysreg_encoding dc = ENC(1, 3, 7, 4, 1);
	struct sysreg_encoding sctlr = ENC(3, 0, 1, 0, 0);
	struct sysreg_encoding unknown = ENC(3, 7, 15, 15, 7);
	char text[48];

	ck_assert_str_eq(sysreg_name_trapped(tlbi, text, sizeof(text)),
	    "TLBI VMALLE1IS");
	ck_assert_str_eq(sysreg_name_trapped(dc, text, sizeof(text)), "DC ZVA");
	ck_assert_str_eq(sysreg_name_trapped(sctlr, text, sizeof(text)),
	    "SCTLR_EL1");
	ck_assert_str_eq(sysreg_name_trapped(unknown, text, sizeof(text)),
	    "S3_7_C15_C15_7");
	ck_assert_str_eq(sysreg_name_cp(SYSREG_CP15, false, 0, 1, 0, 0, text,
	    sizeof(text)), "SCTLR");
	ck_assert_str_eq(sysreg_name_cp(SYSREG_CP15, true, 1, 0, 14, 0, text,
	    sizeof(text)), "CNTVCT");
	ck_assert_str_eq(sysreg_name_cp(SYSREG_CP14, false, 0, 1, 0, 4, text,
	    sizeof(text)), "DBGOSLAR");
	ck_assert_str_eq(sysreg_name_cp(SYSREG_CP14, false, 5, 1, 0, 4, text,
	    sizeof(text)), "p14, 5, c1, c0, 4");
}
END_TEST

START_TEST(test_feature_id_index)
{
	struct sysreg_encoding pfr0 = ENC(3, 0, 0, 4, 0);
	struct sysreg_encoding clidr = ENC(3, 1, 0, 0, 1);
	struct sysreg_encoding ctr = ENC(3, 3, 0, 0, 1);
	struct sysreg_encoding csselr = ENC(3, 2, 0, 0, 0);

	/* The kernel's ARM64_FEATURE_ID_SPACE_IDX: op1 3 folds onto 2. */
	ck_assert_int_eq(sysreg_feature_id_index(pfr0), 32);
	ck_assert_int_eq(sysreg_feature_id_index(clidr), 65);
	ck_assert_int_eq(sysreg_feature_id_index(ctr), 129);
	ck_assert_int_eq(sysreg_feature_id_index(csselr), -1);
}
END_TEST

START_TEST(test_required_by_features)
{
	const struct sysreg_desc *pmcr, *zcr, *sctlr, *oslar;

	pmcr = sysreg_find_by_name(sysreg_table, sysreg_table_size, "PMCR_EL0");
	zcr = sysreg_find_by_name(sysreg_table, sysreg_table_size, "ZCR_EL1");
	sctlr = sysreg_find_by_name(sysreg_table, sysreg_table_size,
	    "sctlr_el1");
	oslar = sysreg_find_by_name(sysreg_table, sysreg_table_size,
	    "OSLAR_EL1");
	ck_assert_ptr_nonnull(pmcr);
	ck_assert_ptr_nonnull(zcr);
	ck_assert_ptr_nonnull(sctlr);
	ck_assert_ptr_nonnull(oslar);
	ck_assert(!sysreg_is_required(pmcr, SYSREG_FEATURE_NONE));
	ck_assert(sysreg_is_required(pmcr, SYSREG_FEATURE_PMU));
	ck_assert(!sysreg_is_required(zcr, SYSREG_FEATURE_PMU));
	ck_assert(sysreg_is_required(zcr, SYSREG_FEATURE_SVE));
	ck_assert(sysreg_is_required(sctlr, SYSREG_FEATURE_NONE));
	ck_assert(!sysreg_is_required(oslar, ~0u));
}
END_TEST

static Suite *
sysreg_suite(void)
{
	Suite *suite = suite_create("sysreg");
	TCase *tables = tcase_create("validation");
	TCase *lookups = tcase_create("lookup");

	tcase_add_test(tables, test_shipped_tables_validate);
	tcase_add_test(tables, test_unsorted_refused);
	tcase_add_test(tables, test_duplicate_refused);
	tcase_add_test(tables, test_duplicate_name_refused);
	tcase_add_test(tables, test_out_of_range_refused);
	tcase_add_test(tables, test_wrong_id_refused);
	tcase_add_test(tables, test_inconsistent_policy_refused);
	tcase_add_test(tables, test_cp_tables_refused);
	tcase_add_test(tables, test_insn_table_refused);
	tcase_add_test(lookups, test_lookup_by_kvm_id);
	tcase_add_test(lookups, test_names_of_trapped_encodings);
	tcase_add_test(lookups, test_feature_id_index);
	tcase_add_test(lookups, test_required_by_features);
	suite_add_tcase(suite, tables);
	suite_add_tcase(suite, lookups);
	return suite;
}

UNIT_SUITE(sysreg_suite)
