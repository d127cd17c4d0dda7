/* The probe's tables: the real ones pass their checks, broken ones are
 * refused with the offending entry named; the ABI numbers vmmd defines
 * itself equal the kernel's. */
#include <errno.h>
#include <string.h>

#include "../../arm64/kvm_arm64_uapi.h"
#include "../../arm64/probe.h"
#include "suites.h"

static char error[256];

START_TEST(test_real_tables_pass)
{
	const struct kvm_cap_desc *caps;
	const struct cpu_erratum *errata;
	size_t count;

	error[0] = '\0';
	ck_assert_int_eq(probe_tables_check(error, sizeof(error)), 0);
	ck_assert_str_eq(error, "");
	caps = kvm_caps_table(&count);
	ck_assert_uint_le(count, KVM_CAPS_MAX);
	ck_assert_int_eq(kvm_caps_table_check(caps, count, error, sizeof(error)), 0);
	errata = cpu_errata_table(&count);
	ck_assert_uint_gt(count, 0);
	ck_assert_int_eq(cpu_errata_table_check(errata, count, error,
	    sizeof(error)), 0);
}
END_TEST

START_TEST(test_broken_caps_table)
{
	struct kvm_cap_desc table[3] = {
		{ "A", 1, 0, KVM_CAP_QUERY_SYSTEM, true, 1, "a" },
		{ "B", 2, 0, KVM_CAP_QUERY_VM, false, 1, "b" },
		{ "C", 3, 0, KVM_CAP_QUERY_SYSTEM, false, 1, "c" },
	};

	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), 0);
	table[2].name = "A";
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), -EINVAL);
	ck_assert_str_eq(error, "capability entry 2 (A) repeats entry 0 (A)");
	table[2].name = "C";
	table[2].number = 1;	/* the same question twice */
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), -EINVAL);
	ck_assert(strstr(error, "entry 2 (C) repeats entry 0") != NULL);
	table[2].query = KVM_CAP_QUERY_VM;	/* asked elsewhere: fine */
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), 0);
	table[1].feature = "";
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), -EINVAL);
	ck_assert(strstr(error, "capability entry 1") != NULL);
	table[1].feature = "b";
	table[1].minimum = 0;	/* an informative value: fine when optional */
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), 0);
	table[1].minimum = -1;
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), -EINVAL);
	ck_assert(strstr(error, "entry 1 (B)") != NULL);
	table[0].minimum = 0;	/* a required one must say what serves */
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), -EINVAL);
	ck_assert(strstr(error, "entry 0 (A)") != NULL);
	table[0].minimum = 1;
	table[1].minimum = 1;
	table[1].query = KVM_CAP_QUERY_KINDS;
	ck_assert_int_eq(kvm_caps_table_check(table, 3, error, sizeof(error)), -EINVAL);
	ck_assert_int_eq(kvm_caps_table_check(table, KVM_CAPS_MAX + 1, error,
	    sizeof(error)), -EINVAL);
}
END_TEST

START_TEST(test_cap_lookup)
{
	const struct kvm_cap_desc *caps;
	size_t count;
	int i;

	caps = kvm_caps_table(&count);
	i = kvm_caps_find("KVM_CAP_ARM_VM_IPA_SIZE");
	ck_assert_int_ge(i, 0);
	ck_assert(caps[i].required);
	ck_assert_int_eq(caps[i].minimum, 32);
	ck_assert(kvm_cap_available(&caps[i], &(struct kvm_cap_value){
	    .asked = true, .value = 40 }));
	ck_assert(!kvm_cap_available(&caps[i], &(struct kvm_cap_value){
	    .asked = true, .value = 31 }));
	ck_assert(!kvm_cap_available(&caps[i], &(struct kvm_cap_value){
	    .asked = true, .value = 40, .error = -EBADF }));
	ck_assert(!kvm_cap_available(&caps[i], &(struct kvm_cap_value){ .value = 40 }));
	ck_assert_int_eq(kvm_caps_find("KVM_CAP_NO_SUCH_THING"), -ENOENT);
	i = kvm_caps_find("KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES");
	ck_assert_int_eq(caps[i].query, KVM_CAP_QUERY_VM);
	ck_assert_str_eq(kvm_cap_query_name(caps[kvm_caps_find(
	    "KVM_ARM_VM_SMCCC_FILTER")].query), "vm-attr");
	ck_assert_str_eq(kvm_cap_query_name(KVM_CAP_QUERY_KINDS), "?");
}
END_TEST

START_TEST(test_uapi_numbers)
{
	/* Linux's include/uapi/linux/kvm.h and arch/arm64 asm/kvm.h */
	ck_assert_int_eq(KVM_CAP_COUNTER_OFFSET, 227);
	ck_assert_int_eq(KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE, 228);
	ck_assert_int_eq(KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES, 230);
	ck_assert_int_eq(KVM_ARM_VM_SMCCC_CTRL, 0);
	ck_assert_int_eq(KVM_ARM_VM_SMCCC_FILTER, 0);
	ck_assert_int_eq(KVM_CAP_ARM_VM_IPA_SIZE, 165);
	ck_assert_uint_eq(KVM_HAS_DEVICE_ATTR, 0x4018aee3);
}
END_TEST

START_TEST(test_broken_errata_table)
{
	struct cpu_erratum table[2] = {
		{ "E1", "W1", 0x41, 0xd07, 0x00, 0x12, true, "e1" },
		{ "E2", "W2", 0x41, 0xd0d, 0x00, 0x10, true, "e2" },
	};

	ck_assert_int_eq(cpu_errata_table_check(table, 2, error, sizeof(error)), 0);
	table[1].first = 0x11;	/* r1p1..r1p0: empty */
	ck_assert_int_eq(cpu_errata_table_check(table, 2, error, sizeof(error)), -EINVAL);
	ck_assert(strstr(error, "errata entry 1 (E2)") != NULL);
	ck_assert(strstr(error, "r1p1-r1p0") != NULL);
	table[1].first = 0;
	table[1].part = 0x1000;
	ck_assert_int_eq(cpu_errata_table_check(table, 2, error, sizeof(error)), -EINVAL);
	table[1].part = 0xd0d;
	table[0].effect = NULL;
	ck_assert_int_eq(cpu_errata_table_check(table, 2, error, sizeof(error)), -EINVAL);
	ck_assert(strstr(error, "errata entry 0") != NULL);
}
END_TEST

START_TEST(test_errata_ranges)
{
	const struct cpu_erratum *errata;
	size_t count, i;
	const struct cpu_erratum *e832075 = NULL, *e1508412 = NULL;

	errata = cpu_errata_table(&count);
	for (i = 0; i < count; i++) {
		if (strcmp(errata[i].name, "ARM erratum 832075") == 0)
			e832075 = &errata[i];
		if (strcmp(errata[i].name, "ARM erratum 1508412") == 0)
			e1508412 = &errata[i];
	}
	ck_assert_ptr_nonnull(e832075);
	ck_assert_ptr_nonnull(e1508412);
	ck_assert_str_eq(e832075->workaround, "ARM64_WORKAROUND_DEVICE_LOAD_ACQUIRE");
	ck_assert(e832075->kvm_unsafe && e1508412->kvm_unsafe);
	/* Cortex-A57 r0p0..r1p2, edges included */
	ck_assert(cpu_erratum_matches(e832075, 0x410fd070));
	ck_assert(cpu_erratum_matches(e832075, 0x411fd072));
	ck_assert(!cpu_erratum_matches(e832075, 0x411fd073));
	ck_assert(!cpu_erratum_matches(e832075, 0x412fd070));
	ck_assert(!cpu_erratum_matches(e832075, 0x420fd070));	/* other vendor */
	/* Cortex-A77 r0p0..r1p0 */
	ck_assert(cpu_erratum_matches(e1508412, 0x410fd0d0));
	ck_assert(cpu_erratum_matches(e1508412, 0x411fd0d0));
	ck_assert(!cpu_erratum_matches(e1508412, 0x411fd0d1));
	ck_assert_str_eq(cpu_part_name(0x411fd0d0), "Cortex-A77");
	ck_assert_str_eq(cpu_part_name(0x000f0510), "QEMU -cpu max");
}
END_TEST

START_TEST(test_errata_match_sets)
{
	uint64_t midrs[3] = { 0x410fd070, 0x410fd080, 0x410fd070 };
	unsigned int cpus[3] = { 0, 1, 70 }, found;
	struct cpu_errata_hit hits[2];

	/* A57 r0p0 on cpu0 (and cpu70, beyond the set), A72 on cpu1:
	 * 832075, 1319367 (A57) and 1319367 (A72), but room for two hits */
	found = cpu_errata_match(midrs, cpus, 3, hits, 2);
	ck_assert_uint_eq(found, 2);
	ck_assert_str_eq(hits[0].erratum->name, "ARM erratum 832075");
	ck_assert_uint_eq(hits[0].cpus, 0x1);
	ck_assert_uint_eq(cpu_errata_match(midrs, cpus, 0, hits, 2), 0);
}
END_TEST

START_TEST(test_klog_phrases)
{
	const char *good[] = { "Hyp nVHE mode", "VHE mode" };
	const char *hidden[] = { "VHE mode", "Hyp nVHE mode" };
	const char *empty[] = { "a", "" };

	ck_assert_int_eq(probe_klog_table_check(error, sizeof(error)), 0);
	ck_assert_int_eq(probe_phrases_check(good, 2, error, sizeof(error)), 0);
	ck_assert_int_eq(probe_phrases_check(hidden, 2, error, sizeof(error)), -EINVAL);
	ck_assert_str_eq(error, "kernel log phrase 1 ('Hyp nVHE mode') is hidden "
	    "by phrase 0 ('VHE mode')");
	ck_assert_int_eq(probe_phrases_check(empty, 2, error, sizeof(error)), -EINVAL);
	ck_assert(strstr(error, "phrase 1: empty") != NULL);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(probe_reason_name(PROBE_REASON_NO_HYP_MODE), "no-hyp-mode");
	ck_assert_str_eq(probe_reason_name(PROBE_REASON_MISSING_CAPS),
	    "missing-capabilities");
	ck_assert_str_eq(probe_reason_name((enum probe_reason)99), "?");
	ck_assert_str_eq(probe_mode_name(PROBE_MODE_PROTECTED), "protected");
	ck_assert_str_eq(probe_el2_name(PROBE_EL2_HVHE), "hvhe");
	ck_assert_str_eq(probe_certainty_name(PROBE_GUESS), "guess");
	ck_assert_str_eq(probe_request_name(PROBE_REQUEST_INVALID), "invalid");
	ck_assert_str_eq(probe_source_state_name(PROBE_SOURCE_REFUSED), "refused");
}
END_TEST

static Suite *
probe_tables_suite(void)
{
	Suite *suite = suite_create("probe_tables");
	TCase *tcase = tcase_create("tables");

	tcase_add_test(tcase, test_real_tables_pass);
	tcase_add_test(tcase, test_broken_caps_table);
	tcase_add_test(tcase, test_cap_lookup);
	tcase_add_test(tcase, test_uapi_numbers);
	tcase_add_test(tcase, test_broken_errata_table);
	tcase_add_test(tcase, test_errata_ranges);
	tcase_add_test(tcase, test_errata_match_sets);
	tcase_add_test(tcase, test_klog_phrases);
	tcase_add_test(tcase, test_names);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(probe_tables_suite)
