/* The arm64 KVM ABI values vmmd defines itself must equal the kernel's:
 * these one-reg ids are the ones QEMU and kvmtool pass to KVM_SET_ONE_REG. */
#include "../../arm64/kvm_arm64_uapi.h"
#include "../../arm64/psci.h"
#include "suites.h"

START_TEST(test_core_register_ids)
{
	ck_assert_uint_eq(arm64_core_reg_id(ARM64_CORE_REG_X(0)),
	    0x6030000000100000ull);
	ck_assert_uint_eq(arm64_core_reg_id(ARM64_CORE_REG_X(30)),
	    0x603000000010003cull);
	ck_assert_uint_eq(arm64_core_reg_id(ARM64_CORE_REG_SP),
	    0x603000000010003eull);
	ck_assert_uint_eq(arm64_core_reg_id(ARM64_CORE_REG_PC),
	    0x6030000000100040ull);
	ck_assert_uint_eq(arm64_core_reg_id(ARM64_CORE_REG_PSTATE),
	    0x6030000000100042ull);
}
END_TEST

START_TEST(test_sysreg_ids)
{
	/* MPIDR_EL1 and CNTVCT_EL0, as QEMU's and kvmtool's tables give them */
	ck_assert_uint_eq(ARM64_SYS_REG(3, 0, 0, 0, 5), 0x603000000013c005ull);
	ck_assert_uint_eq(ARM64_SYS_REG(3, 3, 14, 0, 2), 0x603000000013df02ull);
}
END_TEST

START_TEST(test_boot_state)
{
	ck_assert_uint_eq(ARM64_PSTATE_BOOT, 0x3c5);
	ck_assert_uint_eq(sizeof(struct kvm_vcpu_init), 32);
	ck_assert_uint_eq(KVM_ARM_VCPU_INIT, 0x4020aeae);
	ck_assert_uint_eq(KVM_ARM_PREFERRED_TARGET, 0x8020aeaf);
}
END_TEST

START_TEST(test_psci_ids)
{
	ck_assert_uint_eq(PSCI_0_2_FN_SYSTEM_OFF, 0x84000008);
	ck_assert_uint_eq(PSCI_0_2_FN_SYSTEM_RESET, 0x84000009);
}
END_TEST

static Suite *
arm64_uapi_suite(void)
{
	Suite *suite = suite_create("arm64_uapi");
	TCase *tcase = tcase_create("abi");

	tcase_add_test(tcase, test_core_register_ids);
	tcase_add_test(tcase, test_sysreg_ids);
	tcase_add_test(tcase, test_boot_state);
	tcase_add_test(tcase, test_psci_ids);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(arm64_uapi_suite)
