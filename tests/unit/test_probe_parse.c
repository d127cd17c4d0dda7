/* The probe's parsers, fed text as the host would give it, and text it
 * should never give: malformed command lines, logs without KVM, truncated
 * and garbled sysfs files, CPU lists out of range. */
#include <errno.h>
#include <string.h>

#include "../../arm64/probe.h"
#include "suites.h"

#define TEXT(s)	(s), (sizeof(s) - 1)

static struct probe_cmdline cmdline;
static struct probe_log klog;

START_TEST(test_cmdline_modes)
{
	ck_assert_int_eq(probe_cmdline_parse(TEXT("console=ttyAMA0 quiet "
	    "kvm-arm.mode=nvhe\n"), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_NVHE);
	ck_assert_str_eq(cmdline.value, "nvhe");
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm-arm.mode=protected"),
	    &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_PROTECTED);
	/* '-' and '_' are the same in parameter names, as in the kernel */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm_arm.mode=nested"),
	    &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_NESTED);
	ck_assert_int_eq(probe_cmdline_parse(TEXT("root=/dev/vda kvm-arm.mode=none"),
	    &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_NONE);
	ck_assert(!cmdline.vhe_disabled);
}
END_TEST

START_TEST(test_cmdline_defaults_and_overrides)
{
	ck_assert_int_eq(probe_cmdline_parse(TEXT(""), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
	ck_assert_int_eq(probe_cmdline_parse(TEXT("\n"), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
	/* the last valid value wins; an invalid one later does not undo it */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm-arm.mode=nvhe "
	    "kvm-arm.mode=protected kvm-arm.mode=bogus"), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_PROTECTED);
	ck_assert_int_eq(probe_cmdline_parse(TEXT("id_aa64mmfr1.vh=0"),
	    &cmdline), 0);
	ck_assert(cmdline.vhe_disabled);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
	/* after "--" the words are init's, not the kernel's */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("quiet -- kvm-arm.mode=none"),
	    &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
	/* quotes group spaces and are not part of the value */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("dyndbg=\"file a.c +p\" "
	    "kvm-arm.mode=\"nvhe\""), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_NVHE);
	ck_assert_int_eq(probe_cmdline_parse(TEXT("x=\"kvm-arm.mode=none\""),
	    &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
	/* a longer name that starts the same is another parameter */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm-arm.modes=none "
	    "xkvm-arm.mode=none"), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
}
END_TEST

START_TEST(test_cmdline_malformed)
{
	/* values the kernel rejects, a name without a value, a truncated one */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm-arm.mode=vhe"), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_INVALID);
	ck_assert_str_eq(cmdline.value, "vhe");
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm-arm.mode"), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_INVALID);
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm-arm.mode="), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_INVALID);
	ck_assert_int_eq(probe_cmdline_parse(TEXT("quiet kvm-arm.mode=nv"),
	    &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_INVALID);
	/* an unterminated quote runs to the end, as in the kernel */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("a=\"b kvm-arm.mode=none"),
	    &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
	/* binary junk is not a command line */
	ck_assert_int_eq(probe_cmdline_parse(TEXT("kvm-arm.mode=none\0junk"),
	    &cmdline), -EINVAL);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_DEFAULT);
	ck_assert_int_eq(probe_cmdline_parse(TEXT("quiet\x01"), &cmdline), -EINVAL);
}
END_TEST

START_TEST(test_cmdline_long_words)
{
	char text[2048];

	memset(text, 'a', sizeof(text));
	memcpy(text + sizeof(text) - 18, " kvm-arm.mode=nvhe", 18);
	ck_assert_int_eq(probe_cmdline_parse(text, sizeof(text), &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_NVHE);
	memcpy(text, "kvm-arm.mode=", 13);	/* a 2 KiB value */
	ck_assert_int_eq(probe_cmdline_parse(text, sizeof(text) - 18, &cmdline), 0);
	ck_assert_int_eq(cmdline.request, PROBE_REQUEST_INVALID);
	ck_assert_uint_lt(strlen(cmdline.value), sizeof(cmdline.value));
}
END_TEST

/* Lines as /dev/kmsg, dmesg and klogctl give them. */
static const char kmsg_vhe[] =
    "6,1,0,-;Booting Linux on physical CPU 0x0000000000 [0x000f0510]\n"
    "6,120,120129,-;CPU: All CPU(s) started at EL2\n"
    " SUBSYSTEM=cpu\n"
    "6,300,633706,-;kvm [1]: nv: 554 coarse grained trap handlers\n"
    "6,301,635552,-;kvm [1]: IPA Size Limit: 52 bits\n"
    "6,302,637989,-;kvm [1]: VHE mode initialized successfully\n";

START_TEST(test_klog_kmsg_records)
{
	ck_assert_int_eq(probe_klog_parse(TEXT(kmsg_vhe), &klog), 6);
	ck_assert_uint_eq(klog.facts, PROBE_LOG_VHE | PROBE_LOG_STARTED_EL2 |
	    PROBE_LOG_IPA_LIMIT);
	ck_assert_uint_eq(klog.ipa_limit, 52);
	ck_assert_uint_eq(klog.kvm_lines, 3);
	ck_assert_uint_eq(klog.line_count, 3);
	ck_assert_str_eq(klog.lines[2], "kvm [1]: VHE mode initialized successfully");
}
END_TEST

START_TEST(test_klog_outcomes)
{
	static const struct {
		const char *text;
		uint32_t fact;
	} cases[] = {
		{ "[    0.52] kvm [1]: Hyp nVHE mode initialized successfully",
		    PROBE_LOG_HYP_NVHE },
		{ "<6>[    0.52] kvm [1]: Protected hVHE mode initialized successfully",
		    PROBE_LOG_PROTECTED_HVHE },
		{ "kvm [1]: Protected nVHE mode initialized successfully",
		    PROBE_LOG_PROTECTED_NVHE },
		{ "kvm [1]: Hyp mode initialized successfully", PROBE_LOG_HYP_NVHE },
		{ "kvm [1]: KVM disabled from command line", PROBE_LOG_DISABLED },
		{ "kvm [1]: HYP mode not available", PROBE_LOG_NO_HYP },
		{ "kvm [1]: error initializing Hyp mode: -22", PROBE_LOG_INIT_ERROR },
		{ "CPU features: unavailable: Nested Virtualization Support",
		    PROBE_LOG_NV_UNAVAILABLE },
		{ "CPU features: detected: Nested Virtualization Support",
		    PROBE_LOG_NV_DETECTED },
		{ "CPU features: detected: Protected KVM", PROBE_LOG_PKVM_FEATURE },
		{ "CPU: All CPU(s) started at EL1", PROBE_LOG_STARTED_EL1 },
		{ "kvm [1]: Guests without required CPU erratum workarounds can "
		    "deadlock system!", PROBE_LOG_ERRATA_WARNING },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		probe_klog_parse(cases[i].text, strlen(cases[i].text), &klog);
		ck_assert_msg(klog.facts == cases[i].fact, "'%s': facts 0x%x, "
		    "expected 0x%x", cases[i].text, klog.facts, cases[i].fact);
	}
}
END_TEST

START_TEST(test_klog_without_kvm)
{
	static const char no_kvm[] =
	    "[    0.000000] Booting Linux on physical CPU 0x0\n"
	    "[    0.100000] Freeing unused kernel memory: 1024K\n";

	ck_assert_int_eq(probe_klog_parse(TEXT(no_kvm), &klog), 2);
	ck_assert_uint_eq(klog.facts, 0);
	ck_assert_uint_eq(klog.kvm_lines, 0);
	ck_assert_uint_eq(klog.line_count, 0);
	ck_assert_int_eq(probe_klog_parse(TEXT(""), &klog), 0);
	ck_assert_uint_eq(klog.facts, 0);
	ck_assert_int_eq(probe_klog_parse(TEXT("\n\n\0\n"), &klog), 0);
}
END_TEST

START_TEST(test_klog_malformed)
{
	char huge[4096];

	/* truncated mid-phrase: no fact; a last line without newline counts */
	probe_klog_parse(TEXT("kvm [1]: VHE mode initial"), &klog);
	ck_assert_uint_eq(klog.facts, 0);
	ck_assert_uint_eq(klog.kvm_lines, 1);
	probe_klog_parse(TEXT("x\nkvm [1]: HYP mode not available"), &klog);
	ck_assert_uint_eq(klog.facts, PROBE_LOG_NO_HYP);
	/* an IPA limit with no number, or a silly one, is no fact */
	probe_klog_parse(TEXT("kvm [1]: IPA Size Limit: bits\n"
	    "kvm [1]: IPA Size Limit: 999 bits\n"), &klog);
	ck_assert_uint_eq(klog.facts, 0);
	ck_assert_uint_eq(klog.ipa_limit, 0);
	/* a NUL ends a line; a huge line is cut, not overrun */
	probe_klog_parse(TEXT("junk\0kvm [1]: KVM disabled from command line"), &klog);
	ck_assert_uint_eq(klog.facts, PROBE_LOG_DISABLED);
	memset(huge, 'x', sizeof(huge));
	memcpy(huge + 100, "HYP mode not available", 22);
	probe_klog_parse(huge, sizeof(huge), &klog);
	ck_assert_uint_eq(klog.facts, PROBE_LOG_NO_HYP);
	ck_assert_uint_lt(strlen(klog.lines[0]), sizeof(klog.lines[0]));
	/* a prefix that is not a kmsg record is left alone */
	probe_klog_parse(TEXT("12;kvm [1]: HYP mode not available"), &klog);
	ck_assert_uint_eq(klog.facts, PROBE_LOG_NO_HYP);
	ck_assert_uint_eq(klog.kvm_lines, 0);
	probe_klog_parse(TEXT("[ unterminated kvm [1]: HYP mode not available"),
	    &klog);
	ck_assert_uint_eq(klog.facts, PROBE_LOG_NO_HYP);
}
END_TEST

START_TEST(test_klog_many_facts)
{
	char text[4096] = "";
	unsigned int i;

	/* more fact lines than are kept: the facts all count */
	for (i = 0; i < 4; i++)
		strcat(text, "CPU features: detected: Protected KVM\n");
	strcat(text, "CPU: All CPU(s) started at EL2\n"
	    "CPU features: unavailable: Nested Virtualization Support\n"
	    "kvm [1]: IPA Size Limit: 40 bits\n"
	    "kvm [1]: Guests without required CPU erratum workarounds can deadlock system!\n"
	    "kvm [1]: HYP mode not available\n"
	    "kvm [1]: KVM disabled from command line\n"
	    "kvm [1]: error initializing Hyp mode: -12\n"
	    "kvm [1]: Hyp nVHE mode initialized successfully\n"
	    "kvm [1]: VHE mode initialized successfully\n");
	probe_klog_parse(text, strlen(text), &klog);
	ck_assert_uint_eq(klog.line_count, PROBE_LOG_MAX_LINES);
	ck_assert(klog.facts & PROBE_LOG_VHE);
	ck_assert(klog.facts & PROBE_LOG_PKVM_FEATURE);
	ck_assert_uint_eq(klog.ipa_limit, 40);
}
END_TEST

START_TEST(test_midr)
{
	uint64_t value = 1;

	ck_assert_int_eq(probe_midr_parse(TEXT("0x00000000000f0510\n"), &value), 0);
	ck_assert_uint_eq(value, 0xf0510);
	ck_assert_int_eq(probe_midr_parse(TEXT("0x00000000410FD083"), &value), 0);
	ck_assert_uint_eq(value, 0x410fd083);
	ck_assert_int_eq(probe_midr_parse(TEXT("0x1"), &value), 0);
	ck_assert_uint_eq(value, 1);
	value = 7;
	ck_assert_int_eq(probe_midr_parse(TEXT(""), &value), -EINVAL);
	ck_assert_int_eq(probe_midr_parse(TEXT("\n"), &value), -EINVAL);
	ck_assert_int_eq(probe_midr_parse(TEXT("0x"), &value), -EINVAL);
	ck_assert_int_eq(probe_midr_parse(TEXT("0x\n"), &value), -EINVAL);
	ck_assert_int_eq(probe_midr_parse(TEXT("410fd083"), &value), -EINVAL);
	ck_assert_int_eq(probe_midr_parse(TEXT("0x0000g00000"), &value), -EINVAL);
	ck_assert_int_eq(probe_midr_parse(TEXT("0x00000000000f0510 junk"), &value),
	    -EINVAL);
	ck_assert_int_eq(probe_midr_parse(TEXT("0x10000000000000000"), &value),
	    -EINVAL);
	ck_assert_uint_eq(value, 7);	/* untouched by failures */
}
END_TEST

START_TEST(test_cpu_list)
{
	unsigned int beyond = 9;
	uint64_t mask = 0;

	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0-1\n"), &mask, &beyond), 0);
	ck_assert_uint_eq(mask, 0x3);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0,2-3,6"), &mask, &beyond), 0);
	ck_assert_uint_eq(mask, 0x4d);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("5"), &mask, &beyond), 0);
	ck_assert_uint_eq(mask, 0x20);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0-63"), &mask, &beyond), 0);
	ck_assert_uint_eq(mask, UINT64_MAX);
	ck_assert_uint_eq(beyond, 0);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT(""), &mask, &beyond), -EINVAL);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("\n"), &mask, &beyond), -EINVAL);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0-"), &mask, &beyond), -EINVAL);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("-1"), &mask, &beyond), -EINVAL);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("3-1"), &mask, &beyond), -EINVAL);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0,"), &mask, &beyond), -EINVAL);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0,,1"), &mask, &beyond), -EINVAL);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0;1"), &mask, &beyond), -EINVAL);
	/* a big server: the first 64 are read, the rest counted */
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0-127\n"), &mask, &beyond), 0);
	ck_assert_uint_eq(mask, UINT64_MAX);
	ck_assert_uint_eq(beyond, 64);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0,64"), &mask, &beyond), 0);
	ck_assert_uint_eq(mask, 1);
	ck_assert_uint_eq(beyond, 1);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("0-65536"), &mask, &beyond),
	    -ERANGE);
	ck_assert_int_eq(probe_cpu_list_parse(TEXT("99999999999999999999"), &mask, &beyond),
	    -ERANGE);
}
END_TEST

static Suite *
probe_parse_suite(void)
{
	Suite *suite = suite_create("probe_parse");
	TCase *tcase = tcase_create("parsers");

	tcase_add_test(tcase, test_cmdline_modes);
	tcase_add_test(tcase, test_cmdline_defaults_and_overrides);
	tcase_add_test(tcase, test_cmdline_malformed);
	tcase_add_test(tcase, test_cmdline_long_words);
	tcase_add_test(tcase, test_klog_kmsg_records);
	tcase_add_test(tcase, test_klog_outcomes);
	tcase_add_test(tcase, test_klog_without_kvm);
	tcase_add_test(tcase, test_klog_malformed);
	tcase_add_test(tcase, test_klog_many_facts);
	tcase_add_test(tcase, test_midr);
	tcase_add_test(tcase, test_cpu_list);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(probe_parse_suite)
