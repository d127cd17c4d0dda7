/* Exit names and the outcome each system event gives a VM. */
#include <linux/kvm.h>

#include "../../core/vm_exit.h"
#include "suites.h"

START_TEST(test_exit_reason_names)
{
	ck_assert_str_eq(vm_exit_reason_name(KVM_EXIT_MMIO), "mmio");
	ck_assert_str_eq(vm_exit_reason_name(KVM_EXIT_SYSTEM_EVENT), "system-event");
	ck_assert_str_eq(vm_exit_reason_name(KVM_EXIT_HYPERCALL), "hypercall");
	ck_assert_str_eq(vm_exit_reason_name(KVM_EXIT_ARM_NISV), "arm-nisv");
	ck_assert_str_eq(vm_exit_reason_name(KVM_EXIT_INTERNAL_ERROR),
	    "internal-error");
	/* x86-only reasons and values from the future have no name */
	ck_assert_str_eq(vm_exit_reason_name(KVM_EXIT_TPR_ACCESS), "unknown");
	ck_assert_str_eq(vm_exit_reason_name(1000), "unknown");
	ck_assert_str_eq(vm_exit_reason_name(UINT32_MAX), "unknown");
}
END_TEST

START_TEST(test_system_event_outcomes)
{
	ck_assert_int_eq(vm_outcome_of_system_event(KVM_SYSTEM_EVENT_SHUTDOWN),
	    VM_OUTCOME_POWEROFF);
	ck_assert_int_eq(vm_outcome_of_system_event(KVM_SYSTEM_EVENT_RESET),
	    VM_OUTCOME_REBOOT);
	ck_assert_int_eq(vm_outcome_of_system_event(KVM_SYSTEM_EVENT_CRASH),
	    VM_OUTCOME_CRASH);
	ck_assert_str_eq(vm_system_event_name(KVM_SYSTEM_EVENT_SHUTDOWN), "shutdown");
	ck_assert_str_eq(vm_system_event_name(KVM_SYSTEM_EVENT_RESET), "reset");
	/* an event vmmd does not know stops the VM rather than being ignored */
	ck_assert_int_eq(vm_outcome_of_system_event(0), VM_OUTCOME_GUEST_ERROR);
	ck_assert_int_eq(vm_outcome_of_system_event(KVM_SYSTEM_EVENT_SEV_TERM),
	    VM_OUTCOME_GUEST_ERROR);
	ck_assert_int_eq(vm_outcome_of_system_event(UINT32_MAX),
	    VM_OUTCOME_GUEST_ERROR);
	ck_assert_str_eq(vm_system_event_name(UINT32_MAX), "unknown");
}
END_TEST

START_TEST(test_outcome_names)
{
	ck_assert_str_eq(vm_outcome_name(VM_OUTCOME_POWEROFF), "poweroff");
	ck_assert_str_eq(vm_outcome_name(VM_OUTCOME_REBOOT), "reboot");
	ck_assert_str_eq(vm_outcome_name(VM_OUTCOME_CRASH), "crash");
	ck_assert_str_eq(vm_outcome_name(VM_OUTCOME_GUEST_ERROR), "guest-error");
	ck_assert_str_eq(vm_outcome_name((enum vm_outcome)99), "unknown");
}
END_TEST

static Suite *
vm_exit_suite(void)
{
	Suite *suite = suite_create("vm_exit");
	TCase *tcase = tcase_create("names");

	tcase_add_test(tcase, test_exit_reason_names);
	tcase_add_test(tcase, test_system_event_outcomes);
	tcase_add_test(tcase, test_outcome_names);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(vm_exit_suite)
