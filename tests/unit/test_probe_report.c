/* The probe's report as programs and people get it: the documented JSON
 * fields (docs/probe.md) with their types, the human text, the --probe
 * command line, and the probe run for real on this (non-arm64) machine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../../vmmd/options.h"
#include "../../vmmd/probe_report.h"
#include "suites.h"

static struct probe_report report;

/* A protected-mode host whose CPUs differ, decided from evidence. */
static void
decided_report(void)
{
	static const char log[] = "kvm [1]: Protected hVHE mode initialized successfully\n";
	static const char cmdline[] = "kvm-arm.mode=protected";
	struct probe_evidence *e = &report.evidence;
	size_t count, i;

	memset(&report, 0, sizeof(report));
	snprintf(e->machine, sizeof(e->machine), "aarch64");
	e->cmdline_source.state = PROBE_SOURCE_READ;
	e->log_source.state = PROBE_SOURCE_READ;
	e->device_source.state = PROBE_SOURCE_READ;
	snprintf(e->device_source.path, sizeof(e->device_source.path), "/dev/kvm");
	e->cpu_source.state = PROBE_SOURCE_READ;
	probe_cmdline_parse(cmdline, sizeof(cmdline) - 1, &e->cmdline);
	probe_klog_parse(log, sizeof(log) - 1, &e->log);
	e->api_version = 12;
	kvm_caps_table(&count);
	e->caps.asked = true;
	e->caps.count = (unsigned int)count;
	for (i = 0; i < count; i++)
		e->caps.values[i] = (struct kvm_cap_value){ .asked = true, .value = 48 };
	e->caps.values[kvm_caps_find("KVM_CAP_ARM_MTE")].error = -EBADF;
	e->cpu_count = 2;
	e->cpus[0] = (struct probe_cpu){ .index = 0, .midr = 0x411fd072,
	    .revidr = 0x1, .has_revidr = true };
	e->cpus[1] = (struct probe_cpu){ .index = 1, .midr = 0x410fd080 };
	probe_decide(&report);
}

static json_t *
field(json_t *object, const char *key, json_type type)
{
	json_t *value = json_object_get(object, key);

	ck_assert_msg(value != NULL, "no field '%s'", key);
	ck_assert_msg(json_typeof(value) == type, "field '%s' has type %d, not %d",
	    key, json_typeof(value), type);
	return value;
}

START_TEST(test_json_summary_fields)
{
	json_t *json;

	decided_report();
	json = probe_report_json(&report);
	ck_assert_ptr_nonnull(json);
	ck_assert_int_eq(json_integer_value(field(json, "probe_version",
	    JSON_INTEGER)), 1);
	ck_assert_str_eq(json_string_value(field(json, "verdict", JSON_STRING)), "ready");
	ck_assert_str_eq(json_string_value(field(json, "reason", JSON_STRING)), "ok");
	ck_assert_str_eq(json_string_value(field(json, "mode", JSON_STRING)), "protected");
	ck_assert_str_eq(json_string_value(field(json, "el2", JSON_STRING)), "hvhe");
	ck_assert_str_eq(json_string_value(field(json, "mode_certainty",
	    JSON_STRING)), "certain");
	ck_assert_str_eq(json_string_value(field(json, "requested_mode",
	    JSON_STRING)), "protected");
	field(json, "reason_certainty", JSON_STRING);
	field(json, "message", JSON_STRING);
	field(json, "mode_basis", JSON_STRING);
	field(json, "machine", JSON_STRING);
	ck_assert(json_is_false(json_object_get(json, "nested_fallback")));
	ck_assert_int_eq(json_integer_value(field(json, "api_version", JSON_INTEGER)), 12);
	ck_assert(json_is_true(json_object_get(json, "heterogeneous_cpus")));
	json_decref(json);
}
END_TEST

START_TEST(test_json_details)
{
	json_t *json, *sources, *caps, *cap, *cpus, *errata, *warnings;
	size_t i;

	decided_report();
	json = probe_report_json(&report);
	sources = field(json, "sources", JSON_OBJECT);
	ck_assert_str_eq(json_string_value(field(field(sources, "kvm_device",
	    JSON_OBJECT), "state", JSON_STRING)), "read");
	field(field(sources, "kernel_log", JSON_OBJECT), "kvm_lines", JSON_INTEGER);
	field(sources, "cmdline", JSON_OBJECT);
	field(sources, "kvm_module", JSON_OBJECT);
	field(field(sources, "cpu_ids", JSON_OBJECT), "cpus", JSON_INTEGER);
	field(field(sources, "cpu_ids", JSON_OBJECT), "cpus_not_read", JSON_INTEGER);
	ck_assert_uint_gt(json_array_size(field(json, "evidence", JSON_ARRAY)), 0);
	caps = field(json, "capabilities", JSON_ARRAY);
	ck_assert_uint_eq(json_array_size(caps), report.evidence.caps.count);
	json_array_foreach(caps, i, cap) {
		field(cap, "name", JSON_STRING);
		field(cap, "number", JSON_INTEGER);
		field(cap, "query", JSON_STRING);
		field(cap, "feature", JSON_STRING);
		ck_assert(json_is_boolean(json_object_get(cap, "required")));
		ck_assert(json_is_boolean(json_object_get(cap, "available")));
		if (strcmp(json_string_value(json_object_get(cap, "name")),
		    "KVM_CAP_ARM_MTE") == 0) {
			ck_assert(json_is_null(json_object_get(cap, "value")));
			ck_assert_str_eq(json_string_value(field(cap, "error",
			    JSON_STRING)), "Bad file descriptor");
		}
	}
	ck_assert_uint_eq(json_array_size(field(json, "missing_required",
	    JSON_ARRAY)), 0);
	cpus = field(json, "cpus", JSON_ARRAY);
	ck_assert_uint_eq(json_array_size(cpus), 2);
	ck_assert_str_eq(json_string_value(field(json_array_get(cpus, 0), "midr",
	    JSON_STRING)), "0x411fd072");
	ck_assert_str_eq(json_string_value(field(json_array_get(cpus, 0), "part",
	    JSON_STRING)), "0xd07");
	ck_assert_str_eq(json_string_value(field(json_array_get(cpus, 0), "name",
	    JSON_STRING)), "Cortex-A57");
	ck_assert(json_is_null(json_object_get(json_array_get(cpus, 1), "revidr")));
	errata = field(json, "errata", JSON_ARRAY);
	ck_assert_str_eq(json_string_value(field(json_array_get(errata, 0),
	    "erratum", JSON_STRING)), "ARM erratum 832075");
	ck_assert_uint_eq(json_array_size(field(json_array_get(errata, 0),
	    "affected_cpus", JSON_ARRAY)), 1);
	warnings = field(json, "warnings", JSON_ARRAY);
	ck_assert_uint_eq(json_array_size(warnings), report.warning_count);
	ck_assert_uint_ge(json_array_size(warnings), 2);	/* 832075, unlike CPUs */
	json_decref(json);
}
END_TEST

START_TEST(test_text_report)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	decided_report();
	probe_report_text(&report, out);
	fclose(out);
	ck_assert(strstr(text, "verdict: KVM can serve") != NULL);
	ck_assert(strstr(text, "mode: protected (EL2: hvhe; certain") != NULL);
	ck_assert(strstr(text, "KVM_CAP_ARM_VM_IPA_SIZE") != NULL);
	ck_assert(strstr(text, "cpu0   MIDR 0x411fd072") != NULL);
	ck_assert(strstr(text, "warning: ARM erratum 832075") != NULL);
	free(text);
}
END_TEST

#define ARGV(...)	((char *[]){ "vmmd", __VA_ARGS__, NULL })
#define ARGC(...)	((int)(sizeof((char *[]){ "vmmd", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(...)	vmmd_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), \
			    &options, error, sizeof(error))

START_TEST(test_probe_options)
{
	struct vmmd_options options;
	char error[256];

	ck_assert_int_eq(PARSE("--probe"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_PROBE);
	ck_assert(!options.json);
	ck_assert_str_eq(options.vm.kvm_path, "/dev/kvm");
	ck_assert_int_eq(PARSE("-v", "--probe", "--json", "--kvm", "/tmp/k"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_PROBE);
	ck_assert(options.json && options.verbose);
	ck_assert_str_eq(options.vm.kvm_path, "/tmp/k");
	ck_assert_int_eq(PARSE("--probe", "--payload", "x"), -1);
	ck_assert_str_eq(error, "--probe: option '--payload' does not apply");
	ck_assert_int_eq(PARSE("--probe", "extra"), -1);
	ck_assert_str_eq(error, "--probe: unexpected argument 'extra'");
	ck_assert_int_eq(PARSE("--probe", "--kvm"), -1);
	ck_assert_str_eq(error, "--probe: option '--kvm' needs a value");
	ck_assert_int_eq(PARSE("--probe", "--bogus"), -1);
	ck_assert_str_eq(error, "--probe: unknown option '--bogus'");
	ck_assert_int_eq(PARSE("--probe", "--help"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_HELP);
}
END_TEST

/* The real probe on the machine the unit tests run on. On x86_64 it must
 * say "not an arm64 host" cleanly and touch no KVM device. */
START_TEST(test_probe_this_machine)
{
	struct probe_config config;
	struct utsname uts;

	ck_assert_int_eq(uname(&uts), 0);
	probe_config_default(&config, NULL);
	ck_assert_str_eq(config.kvm_path, "/dev/kvm");
	ck_assert_int_eq(probe_host(&config, &report), 0);
	ck_assert_str_eq(report.evidence.machine, uts.machine);
	if (strcmp(uts.machine, "aarch64") == 0)
		return;	/* an arm64 machine: its answer is its own */
	ck_assert(!report.usable);
	ck_assert_int_eq(report.reason, PROBE_REASON_NOT_ARM64);
	ck_assert(strstr(report.message, uts.machine) != NULL);
	ck_assert_int_eq(report.evidence.device_source.state, PROBE_SOURCE_SKIPPED);
}
END_TEST

static Suite *
probe_report_suite(void)
{
	Suite *suite = suite_create("probe_report");
	TCase *tcase = tcase_create("report");

	tcase_add_test(tcase, test_json_summary_fields);
	tcase_add_test(tcase, test_json_details);
	tcase_add_test(tcase, test_text_report);
	tcase_add_test(tcase, test_probe_options);
	tcase_add_test(tcase, test_probe_this_machine);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(probe_report_suite)
