/* CPU templates and CPU models, without KVM: a template is checked against
 * a model (features offered, fields writable, values not raised), parsed
 * from JSON with errors that name the entry, and two models are compared;
 * the KVM_GET_REG_LIST cross-check sorts ids by group and finds the gaps. */
#include <string.h>

#include "../../arm64/cpu_model.h"
#include "../../arm64/cpu_template.h"
#include "../../arm64/kvm_arm64_uapi.h"
#include "../../vmmd/cpu_model_report.h"
#include "../../vmmd/cpu_template_json.h"
#include "suites.h"

static char error[300];

/* A host like the emulated one: ISAR0 fields [63:4] writable. */
static void
model_init(struct cpu_model *model)
{
	memset(model, 0, sizeof(*model));
	model->host_features = SYSREG_FEATURE_PMU | SYSREG_FEATURE_PTRAUTH;
	model->writable_masks = true;
	model->count = 2;
	snprintf(model->regs[0].name, CPU_MODEL_NAME_MAX, "ID_AA64ISAR0_EL1");
	model->regs[0].enc = (struct sysreg_encoding){ 3, 0, 0, 6, 0 };
	model->regs[0].value = 0x1221111110212120ull;
	model->regs[0].writable = 0xfffffffffffffff0ull;
	snprintf(model->regs[1].name, CPU_MODEL_NAME_MAX, "ID_AA64PFR0_EL1");
	model->regs[1].enc = (struct sysreg_encoding){ 3, 0, 0, 4, 0 };
	model->regs[1].value = 0x1101001121110222ull;
	model->regs[1].writable = 0xffff00f00f00ffffull;
}

static void
template_one(struct cpu_template *t, const char *reg, unsigned int shift,
    uint64_t value)
{
	memset(t, 0, sizeof(*t));
	t->count = 1;
	snprintf(t->fields[0].reg, CPU_MODEL_NAME_MAX, "%s", reg);
	t->fields[0].shift = shift;
	t->fields[0].width = 4;
	t->fields[0].value = value;
}

START_TEST(test_template_lowering_accepted)
{
	struct cpu_template t;
	struct cpu_model model;

	model_init(&model);
	template_one(&t, "ID_AA64ISAR0_EL1", 4, 1);
	ck_assert_msg(cpu_template_check(&t, &model, error, sizeof(error)) == 0,
	    "%s", error);
	template_one(&t, "id_aa64isar0_el1", 4, 2);	/* equal is fine */
	ck_assert_int_eq(cpu_template_check(&t, &model, error, sizeof(error)), 0);
}
END_TEST

START_TEST(test_template_raise_refused)
{
	struct cpu_template t;
	struct cpu_model model;

	model_init(&model);
	template_one(&t, "ID_AA64ISAR0_EL1", 4, 3);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "ID_AA64ISAR0_EL1[7:4] = 0x3 would "
	    "raise the host's 0x2"));
}
END_TEST

START_TEST(test_template_signed_field)
{
	struct cpu_template t;
	struct cpu_model model;

	/* FP = 0xf is "no FP": below 0, so lowering 0 to 0xf is allowed
	 * by the comparison, but PFR0's FP field is not writable. */
	model_init(&model);
	model.regs[1].writable = ~0ull;
	template_one(&t, "ID_AA64PFR0_EL1", 16, 0xf);
	ck_assert_msg(cpu_template_check(&t, &model, error, sizeof(error)) == 0,
	    "%s", error);
	model.regs[1].value |= 0xfull << 16;
	template_one(&t, "ID_AA64PFR0_EL1", 16, 0);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "would raise"));
}
END_TEST

START_TEST(test_template_not_writable_refused)
{
	struct cpu_template t;
	struct cpu_model model;

	model_init(&model);
	template_one(&t, "ID_AA64PFR0_EL1", 32, 0);	/* SVE: KVM keeps it */
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "ID_AA64PFR0_EL1[35:32] is not "
	    "writable on this host"));
	model_init(&model);
	model.writable_masks = false;
	template_one(&t, "ID_AA64ISAR0_EL1", 4, 0);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "cannot lower ID registers"));
}
END_TEST

START_TEST(test_template_bad_register_refused)
{
	struct cpu_template t;
	struct cpu_model model;

	model_init(&model);
	template_one(&t, "SCTLR_EL1", 0, 0);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "SCTLR_EL1 is saved, not a "
	    "register a template may change"));
	template_one(&t, "MIDR_EL1", 0, 0);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "invariant"));
	template_one(&t, "NO_SUCH_EL1", 0, 0);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "unknown register 'NO_SUCH_EL1'"));
	template_one(&t, "ID_AA64ISAR0_EL1", 62, 0);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "not inside a 64-bit register"));
	template_one(&t, "ID_AA64ISAR0_EL1", 4, 16);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "does not fit in 4 bits"));
	template_one(&t, "ID_AA64MMFR0_EL1", 0, 0);
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "this host does not have"));
}
END_TEST

START_TEST(test_template_feature_refused)
{
	struct cpu_template t;
	struct cpu_model model;

	model_init(&model);
	memset(&t, 0, sizeof(t));
	t.features = SYSREG_FEATURE_PMU;
	ck_assert_int_eq(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	t.features = SYSREG_FEATURE_SVE;
	ck_assert_int_lt(cpu_template_check(&t, &model, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "feature sve"));
}
END_TEST

START_TEST(test_template_json)
{
	struct cpu_template t;

	ck_assert_msg(cpu_template_parse("{\"name\":\"x\",\"features\":{\"sve\":"
	    "true},\"fields\":[{\"register\":\"ID_AA64ISAR0_EL1\",\"shift\":4,"
	    "\"value\":0},{\"register\":\"CTR_EL0\",\"shift\":0,\"width\":4,"
	    "\"value\":3}]}", &t, error, sizeof(error)) == 0, "%s", error);
	ck_assert_str_eq(t.name, "x");
	ck_assert_uint_eq(t.features, SYSREG_FEATURE_SVE);
	ck_assert_uint_eq(t.count, 2);
	ck_assert_uint_eq(t.fields[0].width, 4);
	ck_assert_uint_eq(t.fields[1].value, 3);
	ck_assert_int_lt(cpu_template_parse("{\"fields\":[{\"register\":"
	    "\"ID_AA64ISAR0_EL1\",\"shfit\":4,\"value\":0}]}", &t, error,
	    sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "fields[0]"));
	ck_assert_int_lt(cpu_template_parse("{\"feature\":{}}", &t, error,
	    sizeof(error)), 0);
	ck_assert_int_lt(cpu_template_parse("{\"features\":{\"smt\":true}}", &t,
	    error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "features"));
	ck_assert_int_lt(cpu_template_parse("{\"fields\":[{\"register\":"
	    "\"ID_AA64ISAR0_EL1\",\"shift\":-4,\"value\":0}]}", &t, error,
	    sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "out of range"));
	ck_assert_int_lt(cpu_template_parse("{", &t, error, sizeof(error)), 0);
}
END_TEST

START_TEST(test_example_template_parses)
{
	struct cpu_template t;

	ck_assert_msg(cpu_template_load("configs/cpu-template-example.json", &t,
	    error, sizeof(error)) == 0, "%s", error);
	ck_assert_uint_gt(t.count, 0);
}
END_TEST

START_TEST(test_model_compare)
{
	struct cpu_model_difference d[8];
	struct cpu_model a, b;

	model_init(&a);
	model_init(&b);
	ck_assert_uint_eq(cpu_model_compare(&a, &b, d, 8), 0);
	b.regs[0].value &= ~0xf0ull;
	b.regs[0].writable = 0;
	b.count = 1;
	ck_assert_uint_eq(cpu_model_compare(&a, &b, d, 8), 2);
	ck_assert_str_eq(d[0].name, "ID_AA64ISAR0_EL1");
	ck_assert_uint_eq(d[0].shift, 4);
	ck_assert_uint_eq(d[0].a, 2);
	ck_assert_uint_eq(d[0].b, 0);
	ck_assert(d[0].writable_a);
	ck_assert(!d[0].writable_b);
	ck_assert_str_eq(d[1].name, "ID_AA64PFR0_EL1");
	ck_assert_uint_eq(d[1].shift, 64);
}
END_TEST

START_TEST(test_report_round_trip)
{
	struct cpu_cross_check check = { .listed = 3 };
	struct cpu_model a, b;
	json_t *report;

	model_init(&a);
	report = cpu_model_report(&a, &check);
	ck_assert_ptr_nonnull(report);
	ck_assert_int_eq(cpu_model_report_read(report, &b, error,
	    sizeof(error)), 0);
	json_decref(report);
	ck_assert_uint_eq(b.count, 2);
	ck_assert_uint_eq(b.host_features, a.host_features);
	ck_assert_uint_eq(b.regs[0].value, a.regs[0].value);
	ck_assert_uint_eq(b.regs[1].writable, a.regs[1].writable);
	ck_assert_uint_eq(b.regs[1].enc.crm, 4);
	ck_assert_uint_eq(cpu_model_compare(&a, &b, NULL, 0), 0);
	report = json_pack("{s:{s:b}}", "host", "pmu", 1);
	ck_assert_int_lt(cpu_model_report_read(report, &b, error,
	    sizeof(error)), 0);
	json_decref(report);
}
END_TEST

START_TEST(test_cross_check)
{
	static uint64_t ids[512];
	struct cpu_cross_check check;
	size_t i, n = 0, required = 0;

	/* What KVM would list for a plain vCPU, less SCTLR_EL1, plus an
	 * encoding the table does not know and ids of other groups. */
	for (i = 0; i < sysreg_table_size; i++) {
		if (!sysreg_is_required(&sysreg_table[i], SYSREG_FEATURE_NONE))
			continue;
		required++;
		if (strcmp(sysreg_table[i].name, "SCTLR_EL1") != 0)
			ids[n++] = sysreg_table[i].kvm_id;
	}
	ids[n++] = ARM64_SYSREG_ID(3, 0, 15, 0, 0);
	ids[n++] = arm64_core_reg_id(ARM64_CORE_REG_PC);
	ids[n++] = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW;
	cpu_cross_check(ids, n, SYSREG_FEATURE_NONE, sysreg_table,
	    sysreg_table_size, &check);
	ck_assert_uint_eq(check.listed, n);
	ck_assert_uint_eq(check.groups[CPU_REG_GROUP_CORE], 1);
	ck_assert_uint_eq(check.groups[CPU_REG_GROUP_FIRMWARE], 1);
	ck_assert_uint_eq(check.groups[CPU_REG_GROUP_SYSREG], required);
	ck_assert_uint_eq(check.known, required - 1);
	ck_assert_uint_eq(check.unknown_count, 1);
	ck_assert_uint_eq(check.unknown[0], ARM64_SYSREG_ID(3, 0, 15, 0, 0));
	ck_assert_uint_eq(check.missing_count, 1);
	ck_assert_str_eq(check.missing[0]->name, "SCTLR_EL1");
	/* With PMU, the PMU registers are required too. */
	cpu_cross_check(ids, n, SYSREG_FEATURE_PMU, sysreg_table,
	    sysreg_table_size, &check);
	ck_assert_uint_gt(check.missing_count, 1);
}
END_TEST

static Suite *
cpu_template_suite(void)
{
	Suite *suite = suite_create("cpu_template");
	TCase *templates = tcase_create("template");
	TCase *models = tcase_create("model");

	tcase_add_test(templates, test_template_lowering_accepted);
	tcase_add_test(templates, test_template_raise_refused);
	tcase_add_test(templates, test_template_signed_field);
	tcase_add_test(templates, test_template_not_writable_refused);
	tcase_add_test(templates, test_template_bad_register_refused);
	tcase_add_test(templates, test_template_feature_refused);
	tcase_add_test(templates, test_template_json);
	tcase_add_test(templates, test_example_template_parses);
	tcase_add_test(models, test_model_compare);
	tcase_add_test(models, test_report_round_trip);
	tcase_add_test(models, test_cross_check);
	suite_add_tcase(suite, templates);
	suite_add_tcase(suite, models);
	return suite;
}

UNIT_SUITE(cpu_template_suite)
