/* The probe's decision, from evidence built by hand: every branch of
 * kvm_arm_init() as the log states it, the same hosts with the log
 * refused, permissions, missing capabilities, errata and unlike CPUs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../arm64/probe.h"
#include "suites.h"

static struct probe_report report;

static void
source(struct probe_source *s, enum probe_source_state state, int error,
    const char *path)
{
	s->state = state;
	s->error = error;
	snprintf(s->path, sizeof(s->path), "%s", path);
}

/* Every capability answered 1 (IPA 40 bits), the vCPU EL2 feature refused. */
static void
caps_all_present(struct kvm_caps_result *caps)
{
	size_t count, i;
	int el2 = kvm_caps_find("KVM_ARM_VCPU_HAS_EL2");

	kvm_caps_table(&count);
	caps->asked = true;
	caps->count = (unsigned int)count;
	for (i = 0; i < count; i++)
		caps->values[i] = (struct kvm_cap_value){ .asked = true, .value = 1 };
	caps->values[kvm_caps_find("KVM_CAP_ARM_VM_IPA_SIZE")].value = 40;
	caps->values[el2].value = 0;
}

/* A healthy arm64 host: everything readable, KVM up; the log and the
 * command line are what each test sets. */
static void
setup(void)
{
	struct probe_evidence *e = &report.evidence;

	memset(&report, 0, sizeof(report));
	snprintf(e->machine, sizeof(e->machine), "aarch64");
	source(&e->cmdline_source, PROBE_SOURCE_READ, 0, "/proc/cmdline");
	source(&e->log_source, PROBE_SOURCE_READ, 0, "/dev/kmsg");
	source(&e->device_source, PROBE_SOURCE_READ, 0, "/dev/kvm");
	source(&e->kvm_sysfs_source, PROBE_SOURCE_READ, 0, "/sys/module/kvm");
	source(&e->cpu_source, PROBE_SOURCE_READ, 0, "/sys/devices/system/cpu");
	e->api_version = 12;
	caps_all_present(&e->caps);
	e->cpu_count = 2;
	e->cpus[0] = (struct probe_cpu){ .index = 0, .midr = 0xf0510 };
	e->cpus[1] = (struct probe_cpu){ .index = 1, .midr = 0xf0510 };
}

static void
with_cmdline(const char *text)
{
	ck_assert_int_eq(probe_cmdline_parse(text, strlen(text),
	    &report.evidence.cmdline), 0);
}

static void
with_log(const char *text)
{
	probe_klog_parse(text, strlen(text), &report.evidence.log);
}

static void
log_refused(void)
{
	source(&report.evidence.log_source, PROBE_SOURCE_REFUSED, EPERM,
	    "/dev/kmsg, syslog(2)");
	memset(&report.evidence.log, 0, sizeof(report.evidence.log));
}

static void
device(enum probe_source_state state, int error)
{
	source(&report.evidence.device_source, state, error, "/dev/kvm");
	if (state != PROBE_SOURCE_READ) {
		report.evidence.api_version = -1;
		memset(&report.evidence.caps, 0, sizeof(report.evidence.caps));
	}
}

static bool
has_warning(const char *text)
{
	unsigned int i;

	for (i = 0; i < report.warning_count; i++)
		if (strstr(report.warnings[i], text) != NULL)
			return true;
	return false;
}

static bool
has_note(const char *source_name, const char *text)
{
	unsigned int i;

	for (i = 0; i < report.note_count; i++)
		if (strcmp(report.notes[i].source, source_name) == 0 &&
		    strstr(report.notes[i].says, text) != NULL)
			return true;
	return false;
}

/* The kernel's closing line of kvm_arm_init() decides the mode, certainly. */
static const struct {
	const char *cmdline;
	const char *log;
	bool usable;
	enum probe_reason reason;
	enum probe_mode mode;
	enum probe_el2 el2;
} branches[] = {
	{ "", "kvm [1]: VHE mode initialized successfully", true,
	    PROBE_REASON_OK, PROBE_MODE_VHE, PROBE_EL2_VHE },
	{ "kvm-arm.mode=nvhe", "kvm [1]: Hyp nVHE mode initialized successfully",
	    true, PROBE_REASON_OK, PROBE_MODE_NVHE, PROBE_EL2_NVHE },
	{ "kvm-arm.mode=protected", "CPU features: detected: Protected KVM\n"
	    "kvm [1]: Protected hVHE mode initialized successfully", true,
	    PROBE_REASON_OK, PROBE_MODE_PROTECTED, PROBE_EL2_HVHE },
	{ "kvm-arm.mode=protected",
	    "kvm [1]: Protected nVHE mode initialized successfully", true,
	    PROBE_REASON_OK, PROBE_MODE_PROTECTED, PROBE_EL2_NVHE },
	{ "kvm-arm.mode=nested", "CPU features: detected: Nested Virtualization "
	    "Support\nkvm [1]: VHE mode initialized successfully", true,
	    PROBE_REASON_OK, PROBE_MODE_NESTED, PROBE_EL2_VHE },
	{ "kvm-arm.mode=none", "kvm [1]: KVM disabled from command line", false,
	    PROBE_REASON_KVM_DISABLED, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN },
	{ "", "CPU: All CPU(s) started at EL1\nkvm [1]: HYP mode not available",
	    false, PROBE_REASON_NO_HYP_MODE, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN },
	{ "", "kvm [1]: error initializing Hyp mode: -12", false,
	    PROBE_REASON_INIT_FAILED, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN },
};

START_TEST(test_branches_from_the_log)
{
	setup();
	with_cmdline(branches[_i].cmdline);
	with_log(branches[_i].log);
	if (!branches[_i].usable)
		device(PROBE_SOURCE_ABSENT, ENOENT);
	probe_decide(&report);
	ck_assert_int_eq(report.usable, branches[_i].usable);
	ck_assert_str_eq(probe_reason_name(report.reason),
	    probe_reason_name(branches[_i].reason));
	ck_assert_str_eq(probe_mode_name(report.mode),
	    probe_mode_name(branches[_i].mode));
	ck_assert_str_eq(probe_el2_name(report.el2), probe_el2_name(branches[_i].el2));
	ck_assert_int_eq(report.mode_certainty, PROBE_CERTAIN);
	ck_assert_int_eq(report.reason_certainty, PROBE_CERTAIN);
	ck_assert(!report.nested_fallback);
	ck_assert_uint_eq(report.warning_count, 0);
	if (!branches[_i].usable)
		ck_assert_msg(strstr(report.message, "cannot open /dev/kvm: No such "
		    "file or directory") != NULL, "message: %s", report.message);
}
END_TEST

START_TEST(test_refusal_says_what_the_kernel_said)
{
	setup();
	with_log("kvm [1]: HYP mode not available");
	device(PROBE_SOURCE_ABSENT, ENOENT);
	probe_decide(&report);
	ck_assert_msg(strstr(report.message, "HYP mode not available") != NULL,
	    "%s", report.message);
	ck_assert(has_note("kernel_log", "kvm [1]: HYP mode not available"));
	setup();
	with_cmdline("kvm-arm.mode=none");
	with_log("kvm [1]: KVM disabled from command line");
	device(PROBE_SOURCE_ABSENT, ENOENT);
	probe_decide(&report);
	ck_assert_msg(strstr(report.message, "KVM disabled from command line "
	    "(kvm-arm.mode=none") != NULL, "%s", report.message);
}
END_TEST

START_TEST(test_nested_fallback)
{
	/* the kernel says so */
	setup();
	with_cmdline("kvm-arm.mode=nested");
	with_log("CPU features: unavailable: Nested Virtualization Support\n"
	    "kvm [1]: VHE mode initialized successfully");
	probe_decide(&report);
	ck_assert_int_eq(report.mode, PROBE_MODE_VHE);
	ck_assert_int_eq(report.mode_certainty, PROBE_CERTAIN);
	ck_assert(report.nested_fallback);
	ck_assert(has_warning("lacks FEAT_NV"));
	ck_assert(has_warning("unavailable: Nested Virtualization Support"));
	/* the log cannot be read: KVM refusing a vCPU with EL2 says it */
	setup();
	with_cmdline("kvm-arm.mode=nested");
	log_refused();
	probe_decide(&report);
	ck_assert_int_eq(report.mode, PROBE_MODE_VHE);
	ck_assert_int_eq(report.mode_certainty, PROBE_LIKELY);
	ck_assert(report.nested_fallback);
	ck_assert(has_warning("KVM refuses a vCPU with EL2"));
	/* and when KVM accepts one, it is nested, whatever the log */
	setup();
	with_cmdline("kvm-arm.mode=nested");
	log_refused();
	report.evidence.caps.values[kvm_caps_find("KVM_ARM_VCPU_HAS_EL2")].value = 1;
	probe_decide(&report);
	ck_assert_int_eq(report.mode, PROBE_MODE_NESTED);
	ck_assert_int_eq(report.mode_certainty, PROBE_CERTAIN);
	ck_assert(!report.nested_fallback);
}
END_TEST

START_TEST(test_log_refused_lowers_certainty)
{
	static const struct {
		const char *cmdline;
		enum probe_mode mode;
		enum probe_certainty certainty;
	} cases[] = {
		{ "", PROBE_MODE_VHE, PROBE_GUESS },
		{ "kvm-arm.mode=bogus", PROBE_MODE_VHE, PROBE_GUESS },
		{ "id_aa64mmfr1.vh=0", PROBE_MODE_NVHE, PROBE_LIKELY },
		{ "kvm-arm.mode=nvhe", PROBE_MODE_NVHE, PROBE_LIKELY },
		{ "kvm-arm.mode=protected", PROBE_MODE_PROTECTED, PROBE_LIKELY },
		{ "kvm-arm.mode=none", PROBE_MODE_UNKNOWN, PROBE_UNKNOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		with_cmdline(cases[i].cmdline);
		log_refused();
		probe_decide(&report);
		ck_assert(report.usable);
		ck_assert_msg(report.mode == cases[i].mode &&
		    report.mode_certainty == cases[i].certainty,
		    "'%s': %s (%s)", cases[i].cmdline, probe_mode_name(report.mode),
		    probe_certainty_name(report.mode_certainty));
		ck_assert(strstr(report.mode_basis, "cannot be read") != NULL);
		ck_assert(has_note("kernel_log", "cannot read /dev/kmsg, syslog(2): "
		    "Operation not permitted"));
	}
}
END_TEST

START_TEST(test_log_without_kvm_line)
{
	setup();
	with_log("[    0.0] Booting Linux\n");
	probe_decide(&report);
	ck_assert(report.usable);
	ck_assert_int_eq(report.mode_certainty, PROBE_GUESS);
	ck_assert(strstr(report.mode_basis, "no line saying which mode") != NULL);
	ck_assert(has_note("kernel_log", "no KVM line in the kernel log"));
}
END_TEST

START_TEST(test_no_permission)
{
	setup();
	log_refused();
	device(PROBE_SOURCE_REFUSED, EACCES);
	probe_decide(&report);
	ck_assert(!report.usable);
	ck_assert_int_eq(report.reason, PROBE_REASON_NO_PERMISSION);
	ck_assert_int_eq(report.reason_certainty, PROBE_CERTAIN);
	ck_assert(strstr(report.message, "no permission on /dev/kvm") != NULL);
	/* the device exists, so KVM is up: the mode is still answered */
	ck_assert_int_eq(report.mode, PROBE_MODE_VHE);
	ck_assert_int_eq(report.mode_certainty, PROBE_GUESS);
}
END_TEST

START_TEST(test_absent_without_the_log)
{
	/* kvm-arm.mode=none and no device: likely disabled */
	setup();
	with_cmdline("kvm-arm.mode=none");
	log_refused();
	device(PROBE_SOURCE_ABSENT, ENOENT);
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_KVM_DISABLED);
	ck_assert_int_eq(report.reason_certainty, PROBE_LIKELY);
	ck_assert(strstr(report.message, "[likely]") != NULL);
	/* no /sys/module/kvm: not built or not loaded */
	setup();
	log_refused();
	device(PROBE_SOURCE_ABSENT, ENOENT);
	source(&report.evidence.kvm_sysfs_source, PROBE_SOURCE_ABSENT, ENOENT,
	    "/sys/module/kvm");
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_KVM_ABSENT);
	ck_assert(strstr(report.message, "KVM not built or not loaded") != NULL);
	/* nothing to go on: a guess, and the message says so */
	setup();
	log_refused();
	device(PROBE_SOURCE_ABSENT, ENOENT);
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_KVM_ABSENT);
	ck_assert_int_eq(report.reason_certainty, PROBE_GUESS);
	ck_assert(strstr(report.message, "cannot be read") != NULL);
	ck_assert(strstr(report.message, "[guess]") != NULL);
	/* the kernel brought KVM up, yet the path is not there */
	setup();
	with_log("kvm [1]: VHE mode initialized successfully");
	device(PROBE_SOURCE_ABSENT, ENOENT);
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_NO_DEVICE);
	ck_assert(strstr(report.message, "is the path right?") != NULL);
}
END_TEST

START_TEST(test_api_and_capabilities)
{
	setup();
	report.evidence.api_version = 11;
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_BAD_API_VERSION);
	ck_assert(!report.usable);

	setup();
	report.evidence.caps.values[kvm_caps_find("KVM_CAP_ONE_REG")].value = 0;
	report.evidence.caps.values[kvm_caps_find("KVM_CAP_ARM_VM_IPA_SIZE")].value = 31;
	report.evidence.caps.values[kvm_caps_find("KVM_CAP_ARM_MTE")].value = 0;
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_MISSING_CAPS);
	ck_assert(strstr(report.message, "KVM_CAP_ONE_REG") != NULL);
	ck_assert(strstr(report.message, "KVM_CAP_ARM_VM_IPA_SIZE") != NULL);
	ck_assert(strstr(report.message, "KVM_CAP_ARM_MTE") == NULL);	/* optional */

	setup();
	report.evidence.caps.vm_error = -ENOMEM;
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_KVM_ERROR);
	ck_assert(strstr(report.message, "KVM_CREATE_VM") != NULL);

	setup();
	device(PROBE_SOURCE_ERROR, EIO);
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_KVM_ERROR);
	ck_assert_int_eq(report.mode, PROBE_MODE_UNKNOWN);
}
END_TEST

START_TEST(test_not_arm64)
{
	setup();
	snprintf(report.evidence.machine, sizeof(report.evidence.machine), "x86_64");
	probe_decide(&report);
	ck_assert(!report.usable);
	ck_assert_int_eq(report.reason, PROBE_REASON_NOT_ARM64);
	ck_assert(strstr(report.message, "x86_64") != NULL);
	report.evidence.machine[0] = '\0';
	probe_decide(&report);
	ck_assert_int_eq(report.reason, PROBE_REASON_NOT_ARM64);
}
END_TEST

START_TEST(test_mode_disagrees_with_cmdline)
{
	setup();
	with_cmdline("kvm-arm.mode=nvhe");
	with_log("kvm [1]: VHE mode initialized successfully");
	probe_decide(&report);
	ck_assert_int_eq(report.mode, PROBE_MODE_VHE);
	ck_assert(has_warning("asks kvm-arm.mode=nvhe but the kernel runs KVM in vhe"));
	setup();
	with_cmdline("kvm-arm.mode=vhe");
	with_log("kvm [1]: VHE mode initialized successfully");
	probe_decide(&report);
	ck_assert(has_warning("kvm-arm.mode=vhe is not a mode the kernel knows"));
}
END_TEST

START_TEST(test_cpus_and_errata)
{
	/* big.LITTLE: Cortex-A55 and Cortex-A76 */
	setup();
	report.evidence.cpus[0].midr = 0x411fd050;
	report.evidence.cpus[1] = (struct probe_cpu){ .index = 4, .midr = 0x414fd0b0 };
	probe_decide(&report);
	ck_assert(report.heterogeneous);
	ck_assert(has_warning("CPUs differ: cpu0 has MIDR 0x411fd050, cpu4 0x414fd0b0"));
	ck_assert(report.usable);	/* a warning, not a refusal */

	/* Cortex-A57 r1p2 has 832075: the kernel's deadlock warning */
	setup();
	report.evidence.cpus[0].midr = 0x411fd072;
	report.evidence.cpus[1].midr = 0x411fd072;
	probe_decide(&report);
	ck_assert(!report.heterogeneous);
	ck_assert(has_warning("ARM erratum 832075 (ARM64_WORKAROUND_DEVICE_LOAD_ACQUIRE)"));
	ck_assert_uint_ge(report.errata_count, 1);
	ck_assert_uint_eq(report.errata[0].cpus, 0x3);

	/* r1p3 is past the range: only the informational 1319367 */
	setup();
	report.evidence.cpus[0].midr = 0x411fd073;
	report.evidence.cpu_count = 1;
	probe_decide(&report);
	ck_assert_uint_eq(report.errata_count, 1);
	ck_assert_str_eq(report.errata[0].erratum->name, "ARM erratum 1319367");
	ck_assert_uint_eq(report.warning_count, 0);

	/* an unknown CPU: no errata, no name, no crash */
	setup();
	report.evidence.cpus[0].midr = 0xff0ff0f0;
	report.evidence.cpus[1].midr = 0xff0ff0f0;
	probe_decide(&report);
	ck_assert_uint_eq(report.errata_count, 0);
	ck_assert_ptr_null(cpu_part_name(0xff0ff0f0));

	/* more CPUs than the probe reads: said, not hidden */
	setup();
	report.evidence.cpus_not_read = 64;
	probe_decide(&report);
	ck_assert(has_warning("only the first 64 CPUs were read: 64 more"));

	/* the kernel warns about an erratum our table does not know */
	setup();
	with_log("kvm [1]: Guests without required CPU erratum workarounds can "
	    "deadlock system!\nkvm [1]: VHE mode initialized successfully");
	probe_decide(&report);
	ck_assert(has_warning("an erratum vmmd's table does not know"));
}
END_TEST

static Suite *
probe_decide_suite(void)
{
	Suite *suite = suite_create("probe_decide");
	TCase *tcase = tcase_create("decide");

	tcase_add_loop_test(tcase, test_branches_from_the_log, 0,
	    sizeof(branches) / sizeof(branches[0]));
	tcase_add_test(tcase, test_refusal_says_what_the_kernel_said);
	tcase_add_test(tcase, test_nested_fallback);
	tcase_add_test(tcase, test_log_refused_lowers_certainty);
	tcase_add_test(tcase, test_log_without_kvm_line);
	tcase_add_test(tcase, test_no_permission);
	tcase_add_test(tcase, test_absent_without_the_log);
	tcase_add_test(tcase, test_api_and_capabilities);
	tcase_add_test(tcase, test_not_arm64);
	tcase_add_test(tcase, test_mode_disagrees_with_cmdline);
	tcase_add_test(tcase, test_cpus_and_errata);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(probe_decide_suite)
