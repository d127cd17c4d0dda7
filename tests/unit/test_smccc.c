/* SMCCC: function IDs, the filter's ABI, what vmmd's service answers, and
 * the arm64 ranges of the forward map. */
#include <stddef.h>
#include <string.h>

#include "../../arm64/kvm_arm64_uapi.h"
#include "../../arm64/psci.h"
#include "../../arm64/smccc.h"
#include "../../core/arch.h"
#include "suites.h"

START_TEST(test_function_ids)
{
	/* the IDs Linux's arm-smccc.h and psci.h give these calls */
	ck_assert_uint_eq(SMCCC_ID(0, SMCCC_OWNER_STANDARD, 0),
	    PSCI_0_2_FN_PSCI_VERSION);
	ck_assert_uint_eq(SMCCC_ID(0, SMCCC_OWNER_STANDARD, 8),
	    PSCI_0_2_FN_SYSTEM_OFF);
	ck_assert_uint_eq(SMCCC_TRNG_VERSION, 0x84000050);
	ck_assert_uint_eq(SMCCC_ID(1, SMCCC_OWNER_STANDARD_HYP, 0x20),
	    0xc5000020);	/* ARM_SMCCC_HV_PV_TIME_FEATURES */
	ck_assert_uint_eq(SMCCC_ID(0, SMCCC_OWNER_VENDOR_HYP, 0xff01),
	    0x8600ff01);	/* ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID */
	ck_assert_uint_eq(VMMD_SERVICE_BASE, 0xc6000000);
	ck_assert_uint_eq(VMMD_SERVICE_ADD, 0xc6000001);
}
END_TEST

START_TEST(test_filter_abi)
{
	/* include/uapi/linux/kvm.h and arch/arm64/include/uapi/asm/kvm.h */
	ck_assert_uint_eq(sizeof(struct kvm_smccc_filter), 24);
	ck_assert_uint_eq(offsetof(struct kvm_smccc_filter, action), 8);
	ck_assert_uint_eq(KVM_SMCCC_FILTER_HANDLE, 0);
	ck_assert_uint_eq(KVM_SMCCC_FILTER_DENY, 1);
	ck_assert_uint_eq(KVM_SMCCC_FILTER_FWD_TO_USER, 2);
	ck_assert_uint_eq(KVM_ARM_VM_SMCCC_CTRL, 0);
	ck_assert_uint_eq(KVM_ARM_VM_SMCCC_FILTER, 0);
	ck_assert_uint_eq(KVM_SET_DEVICE_ATTR, 0x4018aee1);
	ck_assert_uint_eq(KVM_HAS_DEVICE_ATTR, 0x4018aee3);
	ck_assert_uint_eq(KVM_EXIT_HYPERCALL, 3);
	ck_assert_uint_eq(KVM_HYPERCALL_EXIT_SMC, 1);
	ck_assert_uint_eq(KVM_HYPERCALL_EXIT_16BIT, 2);
}
END_TEST

START_TEST(test_hypercall_flags)
{
	struct kvm_run run;

	memset(&run, 0, sizeof(run));
	/* flags overlay the 6.1 headers' longmode and pad: bytes 64..71 */
	ck_assert_uint_eq(offsetof(struct kvm_run, hypercall.longmode) -
	    offsetof(struct kvm_run, hypercall), 64);
	run.hypercall.longmode = KVM_HYPERCALL_EXIT_SMC | KVM_HYPERCALL_EXIT_16BIT;
	ck_assert_uint_eq(arm64_hypercall_flags(&run), 3);
}
END_TEST

START_TEST(test_filter_actions)
{
	ck_assert_int_eq(smccc_filter_action(FORWARD_KVM), KVM_SMCCC_FILTER_HANDLE);
	ck_assert_int_eq(smccc_filter_action(FORWARD_DENY), KVM_SMCCC_FILTER_DENY);
	ck_assert_int_eq(smccc_filter_action(FORWARD_VMMD),
	    KVM_SMCCC_FILTER_FWD_TO_USER);
	ck_assert_int_lt(smccc_filter_action(FORWARD_DEVICE), 0);
	ck_assert_int_lt(smccc_filter_action(FORWARD_STOP), 0);
}
END_TEST

static void
call(uint64_t function_id, uint64_t arg1, uint64_t arg2, uint64_t *result)
{
	const uint64_t args[FORWARD_HYPERCALL_ARGS] = { arg1, arg2, 7, 9 };
	unsigned int i;

	for (i = 0; i < FORWARD_HYPERCALL_RESULTS; i++)
		result[i] = 0x5555;	/* the handler must set every result */
	smccc_vmmd_service(NULL, function_id, args, result);
}

START_TEST(test_vmmd_service)
{
	uint64_t result[FORWARD_HYPERCALL_RESULTS];

	call(VMMD_SERVICE_VERSION, 0, 0, result);
	ck_assert_uint_eq(result[0], 0x10000);
	ck_assert_uint_eq(result[1], 0);
	call(VMMD_SERVICE_ADD, 40, 2, result);
	ck_assert_uint_eq(result[0], SMCCC_RET_SUCCESS);
	ck_assert_uint_eq(result[1], 42);
	call(VMMD_SERVICE_ADD, UINT64_MAX, 2, result);
	ck_assert_uint_eq(result[1], 1);	/* wraps, as 64-bit registers do */
	call(VMMD_SERVICE_CALL_UID, 0, 0, result);
	ck_assert_uint_eq(result[0], VMMD_SERVICE_UID_0);
	ck_assert_uint_eq(result[3], VMMD_SERVICE_UID_3);
	ck_assert_uint_ne(result[0], SMCCC_RET_NOT_SUPPORTED);
	call(VMMD_SERVICE_REVISION, 0, 0, result);
	ck_assert_uint_eq(result[0], 0x10000);
	call(VMMD_SERVICE_BASE + 2, 0, 0, result);
	ck_assert_uint_eq(result[0], SMCCC_RET_NOT_SUPPORTED);
	ck_assert_uint_eq(result[1], 0);
	ck_assert_uint_eq(result[3], 0);
	/* only the low 32 bits of x0 are the function ID */
	call(0xffffffff00000000ull | VMMD_SERVICE_ADD, 1, 2, result);
	ck_assert_uint_eq(result[1], 3);
}
END_TEST

/* arm64's ranges in the map: KVM keeps PSCI and its own vendor calls,
 * TRNG is denied, the SMC64 vendor range is vmmd's. */
START_TEST(test_arm64_ranges)
{
	struct forward_map map;
	char error[256] = "";
	int i;

	forward_map_init(&map);
	ck_assert_int_eq(arch_forward_map_add(&map, error, sizeof(error)), 0);
	ck_assert_msg(forward_map_validate(&map, error, sizeof(error)) == 0,
	    "%s", error);
	i = forward_map_lookup(&map, FORWARD_HYPERCALL, PSCI_0_2_FN_SYSTEM_OFF);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(map.entries[i].action, FORWARD_KVM);
	i = forward_map_lookup(&map, FORWARD_HYPERCALL, SMCCC_TRNG_VERSION);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(map.entries[i].action, FORWARD_DENY);
	i = forward_map_lookup(&map, FORWARD_HYPERCALL, 0x8600ff01);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(map.entries[i].action, FORWARD_KVM);
	i = forward_map_lookup(&map, FORWARD_HYPERCALL, VMMD_SERVICE_CALL_UID);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(map.entries[i].action, FORWARD_VMMD);
	ck_assert_ptr_eq(map.entries[i].hypercall, smccc_vmmd_service);
	/* SiP calls are in no range: KVM's default */
	ck_assert_int_lt(forward_map_lookup(&map, FORWARD_HYPERCALL,
	    SMCCC_ID(0, 2, 1)), 0);
}
END_TEST

static Suite *
smccc_suite(void)
{
	Suite *suite = suite_create("smccc");
	TCase *tcase = tcase_create("smccc");

	tcase_add_test(tcase, test_function_ids);
	tcase_add_test(tcase, test_filter_abi);
	tcase_add_test(tcase, test_hypercall_flags);
	tcase_add_test(tcase, test_filter_actions);
	tcase_add_test(tcase, test_vmmd_service);
	tcase_add_test(tcase, test_arm64_ranges);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(smccc_suite)
