/* Rendering a CPU model, its cross-check and the table sizes as one JSON
 * object, and parsing the parts a comparison needs back from one. */
#include "cpu_model_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/error.h"

static json_t *
hex(uint64_t value)
{
	char text[19];

	snprintf(text, sizeof(text), "0x%" PRIx64, value);
	return json_string(text);
}

json_t *
cpu_model_features_json(unsigned int features)
{
	return json_pack("{s:b, s:b, s:b}",
	    "pmu", (features & SYSREG_FEATURE_PMU) != 0,
	    "sve", (features & SYSREG_FEATURE_SVE) != 0,
	    "ptrauth", (features & SYSREG_FEATURE_PTRAUTH) != 0);
}

static json_t *
tables_json(void)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
	    "sysreg", (json_int_t)sysreg_table_size,
	    "cp15", (json_int_t)sysreg_cp15_table_size,
	    "cp15_64", (json_int_t)sysreg_cp15_64_table_size,
	    "cp14", (json_int_t)sysreg_cp14_table_size,
	    "cp14_64", (json_int_t)sysreg_cp14_64_table_size,
	    "sys_insn", (json_int_t)sysreg_insn_table_size);
}

static json_t *
registers_json(const struct cpu_model *model)
{
	const struct cpu_model_reg *reg;
	json_t *registers = json_object();
	char encoding[32];
	size_t i;

	for (i = 0; registers != NULL && i < model->count; i++) {
		reg = &model->regs[i];
		sysreg_encoding_format(reg->enc, encoding, sizeof(encoding));
		json_object_set_new(registers, reg->name, json_pack(
		    "{s:o, s:o, s:s, s:s}", "value", hex(reg->value),
		    "writable", hex(reg->writable), "encoding", encoding,
		    "policy", sysreg_policy_name(reg->policy)));
	}
	return registers;
}

static json_t *
cross_check_json(const struct cpu_cross_check *check)
{
	json_t *groups = json_object(), *unknown = json_array(),
	    *missing = json_array();
	char encoding[32];
	size_t i;

	for (i = 0; i < CPU_REG_GROUP_COUNT; i++)
		json_object_set_new(groups, cpu_reg_group_name(i),
		    json_integer((json_int_t)check->groups[i]));
	for (i = 0; i < check->unknown_count; i++) {
		sysreg_encoding_format(sysreg_encoding_of_id(check->unknown[i]),
		    encoding, sizeof(encoding));
		json_array_append_new(unknown, json_string(encoding));
	}
	for (i = 0; i < check->missing_count; i++)
		json_array_append_new(missing,
		    json_string(check->missing[i]->name));
	return json_pack("{s:I, s:o, s:I, s:I, s:o, s:I, s:o}",
	    "listed", (json_int_t)check->listed, "groups", groups,
	    "known", (json_int_t)check->known,
	    "unknown_count", (json_int_t)check->unknown_count,
	    "unknown", unknown,
	    "missing_count", (json_int_t)check->missing_count,
	    "missing", missing);
}

static size_t
writable_count(const struct cpu_model *model)
{
	size_t i, n = 0;

	for (i = 0; i < model->count; i++)
		n += model->regs[i].writable != 0;
	return n;
}

json_t *
cpu_model_report(const struct cpu_model *model,
    const struct cpu_cross_check *check)
{
	json_t *host;

	host = json_pack("{s:b, s:b, s:b, s:b, s:b}",
	    "pmu", (model->host_features & SYSREG_FEATURE_PMU) != 0,
	    "sve", (model->host_features & SYSREG_FEATURE_SVE) != 0,
	    "ptrauth", (model->host_features & SYSREG_FEATURE_PTRAUTH) != 0,
	    "el1_32bit", model->el1_32bit,
	    "writable_masks", model->writable_masks);
	return json_pack("{s:o, s:o, s:o, s:I, s:I, s:o, s:o}",
	    "tables", tables_json(), "host", host,
	    "vcpu_features", cpu_model_features_json(model->vcpu_features),
	    "id_registers", (json_int_t)model->count,
	    "writable_registers", (json_int_t)writable_count(model),
	    "registers", registers_json(model),
	    "cross_check", cross_check_json(check));
}

static int
parse_hex(const char *text, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 16);
	return errno != 0 || end == text || *end != '\0' ? -EINVAL : 0;
}

static int
read_register(const char *name, json_t *item, struct cpu_model_reg *reg,
    char *error, size_t error_size)
{
	const char *value, *writable, *encoding, *policy = "template";
	unsigned int f[5];
	json_error_t jerror;

	if (json_unpack_ex(item, &jerror, 0, "{s:s, s:s, s:s, s?s}", "value",
	    &value, "writable", &writable, "encoding", &encoding, "policy",
	    &policy) < 0)
		return error_set(error, error_size, "registers.%s: %s", name,
		    jerror.text);
	if (strlen(name) >= sizeof(reg->name) ||
	    parse_hex(value, &reg->value) < 0 ||
	    parse_hex(writable, &reg->writable) < 0 ||
	    sscanf(encoding, "S%u_%u_C%u_C%u_%u", &f[0], &f[1], &f[2], &f[3],
	    &f[4]) != 5)
		return error_set(error, error_size, "registers.%s: bad name, "
		    "value, writable mask or encoding", name);
	snprintf(reg->name, sizeof(reg->name), "%s", name);
	reg->enc = (struct sysreg_encoding){ f[0], f[1], f[2], f[3], f[4] };
	reg->policy = strcmp(policy, "invariant") == 0 ?
	    SYSREG_POLICY_INVARIANT : SYSREG_POLICY_TEMPLATE;
	return 0;
}

int
cpu_model_report_read(json_t *report, struct cpu_model *model, char *error,
    size_t error_size)
{
	int pmu, sve, ptrauth, el1_32bit, masks;
	json_t *registers, *item;
	json_error_t jerror;
	const char *name;
	int rc;

	memset(model, 0, sizeof(*model));
	if (json_unpack_ex(report, &jerror, 0,
	    "{s:{s:b, s:b, s:b, s:b, s:b}, s:o}", "host", "pmu", &pmu, "sve",
	    &sve, "ptrauth", &ptrauth, "el1_32bit", &el1_32bit,
	    "writable_masks", &masks, "registers", &registers) < 0)
		return error_set(error, error_size, "%s", jerror.text);
	model->host_features = (pmu ? SYSREG_FEATURE_PMU : 0) |
	    (sve ? SYSREG_FEATURE_SVE : 0) |
	    (ptrauth ? SYSREG_FEATURE_PTRAUTH : 0);
	model->el1_32bit = el1_32bit;
	model->writable_masks = masks;
	if (!json_is_object(registers))
		return error_set(error, error_size, "registers: not an object");
	json_object_foreach(registers, name, item) {
		if (model->count == CPU_MODEL_REGS_MAX)
			return error_set(error, error_size, "registers: more than "
			    "%d", CPU_MODEL_REGS_MAX);
		rc = read_register(name, item, &model->regs[model->count],
		    error, error_size);
		if (rc < 0)
			return rc;
		model->count++;
	}
	return 0;
}

int
cpu_model_report_load(const char *path, struct cpu_model *model, char *error,
    size_t error_size)
{
	char why[200];
	json_error_t jerror;
	json_t *report;
	int rc;

	report = json_load_file(path, 0, &jerror);
	if (report == NULL)
		return error_set(error, error_size, "%s: line %d: %s", path,
		    jerror.line, jerror.text);
	rc = cpu_model_report_read(report, model, why, sizeof(why));
	if (rc < 0)
		error_set(error, error_size, "%s: %s", path, why);
	json_decref(report);
	return rc;
}
