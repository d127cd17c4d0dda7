/* The JSON form of a CPU template: unknown keys, wrong types and values
 * that do not fit are refused with jansson's description of where. */
#include "cpu_template_json.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "../core/error.h"
#include "../core/kept_files.h"

static int
parse_features(json_t *features, struct cpu_template *cpu_template,
    char *error, size_t error_size)
{
	int pmu = 0, sve = 0, ptrauth = 0;
	json_error_t jerror;

	if (features == NULL)
		return 0;
	if (json_unpack_ex(features, &jerror, JSON_STRICT, "{s?b, s?b, s?b}",
	    "pmu", &pmu, "sve", &sve, "ptrauth", &ptrauth) < 0)
		return error_set(error, error_size, "features: %s", jerror.text);
	cpu_template->features = (pmu ? SYSREG_FEATURE_PMU : 0) |
	    (sve ? SYSREG_FEATURE_SVE : 0) |
	    (ptrauth ? SYSREG_FEATURE_PTRAUTH : 0);
	return 0;
}

static int
parse_field(json_t *item, size_t i, struct cpu_template_field *field,
    char *error, size_t error_size)
{
	json_int_t shift, width = 4, value;
	const char *reg;
	json_error_t jerror;

	if (json_unpack_ex(item, &jerror, JSON_STRICT, "{s:s, s:I, s?I, s:I}",
	    "register", &reg, "shift", &shift, "width", &width, "value",
	    &value) < 0)
		return error_set(error, error_size, "fields[%zu]: %s", i,
		    jerror.text);
	if (strlen(reg) >= sizeof(field->reg))
		return error_set(error, error_size, "fields[%zu]: register name "
		    "'%s' is too long", i, reg);
	if (shift < 0 || shift > 63 || width < 1 || width > 64 || value < 0)
		return error_set(error, error_size, "fields[%zu]: shift %lld, "
		    "width %lld, value %lld: out of range", i,
		    (long long)shift, (long long)width, (long long)value);
	snprintf(field->reg, sizeof(field->reg), "%s", reg);
	field->shift = (unsigned int)shift;
	field->width = (unsigned int)width;
	field->value = (uint64_t)value;
	return 0;
}

static int
parse_template(json_t *root, struct cpu_template *cpu_template, char *error,
    size_t error_size)
{
	json_t *features = NULL, *fields = NULL, *item;
	const char *name = "unnamed";
	json_error_t jerror;
	size_t i;
	int rc;

	if (json_unpack_ex(root, &jerror, 0, "{s?s, s?o, s?o !}", "name",
	    &name, "features", &features, "fields", &fields) < 0)
		return error_set(error, error_size, "%s", jerror.text);
	snprintf(cpu_template->name, sizeof(cpu_template->name), "%s", name);
	rc = parse_features(features, cpu_template, error, error_size);
	if (rc < 0 || fields == NULL)
		return rc;
	if (!json_is_array(fields))
		return error_set(error, error_size, "fields: not an array");
	if (json_array_size(fields) > CPU_TEMPLATE_FIELDS_MAX)
		return error_set(error, error_size, "fields: %zu entries, at most "
		    "%d", json_array_size(fields), CPU_TEMPLATE_FIELDS_MAX);
	json_array_foreach(fields, i, item) {
		rc = parse_field(item, i, &cpu_template->fields[i], error,
		    error_size);
		if (rc < 0)
			return rc;
		cpu_template->count = i + 1;
	}
	return cpu_template_validate(cpu_template, error, error_size);
}

int
cpu_template_parse(const char *text, struct cpu_template *cpu_template,
    char *error, size_t error_size)
{
	json_error_t jerror;
	json_t *root;
	int rc;

	memset(cpu_template, 0, sizeof(*cpu_template));
	root = json_loads(text, 0, &jerror);
	if (root == NULL)
		return error_set(error, error_size, "line %d: %s", jerror.line,
		    jerror.text);
	rc = parse_template(root, cpu_template, error, error_size);
	json_decref(root);
	return rc;
}

int
cpu_template_load(const char *path, struct cpu_template *cpu_template,
    char *error, size_t error_size)
{
	json_error_t jerror;
	json_t *root;
	int rc, fd;

	memset(cpu_template, 0, sizeof(*cpu_template));
	/* through kept_files: a passed template (fd:NAME) is no path */
	fd = kept_files_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(error, error_size, "%s: %s", path,
		    strerror(errno));
	root = json_loadfd(fd, 0, &jerror);
	close(fd);
	if (root == NULL)
		return error_set(error, error_size, "%s: line %d: %s", path,
		    jerror.line, jerror.text);
	rc = parse_template(root, cpu_template, error, error_size);
	json_decref(root);
	return rc;
}
