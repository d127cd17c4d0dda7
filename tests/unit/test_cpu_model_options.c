/* The command line of --cpu-model, --cpu-model-compare and --cpu-template. */
#include <string.h>

#include "../../vmmd/options.h"
#include "suites.h"

#define ARGV(...)	((char *[]){ "vmmd", __VA_ARGS__, NULL })
#define ARGC(...)	((int)(sizeof((char *[]){ "vmmd", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(...)	vmmd_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), \
			    &options, error, sizeof(error))

static struct vmmd_options options;
static char error[256];

START_TEST(test_cpu_model)
{
	ck_assert_int_eq(PARSE("--cpu-model", "--json"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_CPU_MODEL);
	ck_assert(options.json);
	ck_assert_int_eq(PARSE("-v", "--cpu-model", "--kvm", "/dev/k"), 0);
	ck_assert_str_eq(options.vm.kvm_path, "/dev/k");
	ck_assert_int_lt(PARSE("--cpu-model", "extra"), 0);
	ck_assert_ptr_nonnull(strstr(error, "unexpected argument 'extra'"));
	ck_assert_int_lt(PARSE("--cpu-model", "--payload", "x"), 0);
	ck_assert_ptr_nonnull(strstr(error, "'--payload' does not apply"));
}
END_TEST

START_TEST(test_cpu_model_compare)
{
	ck_assert_int_eq(PARSE("--cpu-model-compare", "a.json", "--json",
	    "b.json", "--cpu-template", "t.json"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_CPU_MODEL_COMPARE);
	ck_assert_str_eq(options.compare[0], "a.json");
	ck_assert_str_eq(options.compare[1], "b.json");
	ck_assert_str_eq(options.cpu_template_path, "t.json");
	ck_assert(options.json);
	ck_assert_int_lt(PARSE("--cpu-model-compare", "a.json"), 0);
	ck_assert_ptr_nonnull(strstr(error, "needs two report files"));
	ck_assert_int_lt(PARSE("--cpu-model-compare", "a", "b", "c"), 0);
	ck_assert_ptr_nonnull(strstr(error, "unexpected argument 'c'"));
	ck_assert_int_lt(PARSE("--cpu-model-compare", "a", "b", "--template"),
	    0);
	ck_assert_ptr_nonnull(strstr(error, "needs a value"));
}
END_TEST

START_TEST(test_run_cpu_template)
{
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--cpu-template",
	    "t.json"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_RUN);
	ck_assert_str_eq(options.cpu_template_path, "t.json");
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin"), 0);
	ck_assert_ptr_null(options.cpu_template_path);
	ck_assert_ptr_null(options.vm.cpu_template);
}
END_TEST

static Suite *
cpu_model_options_suite(void)
{
	Suite *suite = suite_create("cpu_model_options");
	TCase *tcase = tcase_create("parse");

	tcase_add_test(tcase, test_cpu_model);
	tcase_add_test(tcase, test_cpu_model_compare);
	tcase_add_test(tcase, test_run_cpu_template);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(cpu_model_options_suite)
