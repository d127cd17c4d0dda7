/* The CPU-model commands: capture this host's model on a scratch vCPU and
 * report it; compare two reports; load a CPU template and check it against
 * this host, so that a bad one is refused before any VM exists. */
#include "cmd_cpu_model.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../core/log.h"
#include "cpu_model_report.h"
#include "cpu_template_json.h"
#include "exit_status.h"

#define DIFFERENCES_MAX	256

static int
capture_error(const char *kvm_path, int rc)
{
	if (rc == -ENOENT || rc == -EACCES || rc == -ENODEV) {
		log_warnx("KVM is not available: cannot open %s: %s", kvm_path,
		    strerror(-rc));
		return VMMD_EXIT_NO_KVM;
	}
	log_warnx("cannot capture this host's CPU model on a scratch vCPU: %s",
	    strerror(-rc));
	return VMMD_EXIT_FAILURE;
}

static void
print_json(json_t *report)
{
	if (report == NULL)
		fatalx("cannot build the JSON report");
	json_dumpf(report, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(report);
}

static void
print_model_text(const struct cpu_model *model,
    const struct cpu_cross_check *check)
{
	const struct cpu_model_reg *reg;
	size_t i;

	printf("features: pmu %s, sve %s, ptrauth %s, el1_32bit %s, writable "
	    "masks %s\n", model->host_features & SYSREG_FEATURE_PMU ? "yes" :
	    "no", model->host_features & SYSREG_FEATURE_SVE ? "yes" : "no",
	    model->host_features & SYSREG_FEATURE_PTRAUTH ? "yes" : "no",
	    model->el1_32bit ? "yes" : "no",
	    model->writable_masks ? "yes" : "no");
	for (i = 0; i < model->count; i++) {
		reg = &model->regs[i];
		printf("%-20s 0x%016" PRIx64 " writable 0x%016" PRIx64 "\n",
		    reg->name, reg->value, reg->writable);
	}
	printf("KVM_GET_REG_LIST: %zu registers, %zu system registers, %zu "
	    "known to vmmd, %zu unknown, %zu required but missing\n",
	    check->listed, check->groups[CPU_REG_GROUP_SYSREG], check->known,
	    check->unknown_count, check->missing_count);
}

/* The model of a vCPU given every feature KVM offers: a template can only
 * take away, so this is the most a VM on this host can see. */
int
cmd_cpu_model(const struct vmmd_options *options)
{
	struct cpu_cross_check check;
	struct cpu_model model;
	unsigned int features;
	int rc;

	rc = cpu_model_host_features(options->vm.kvm_path, &features);
	if (rc == 0)
		rc = cpu_model_capture(options->vm.kvm_path, features, &model,
		    &check);
	if (rc < 0)
		return capture_error(options->vm.kvm_path, rc);
	if (options->json)
		print_json(cpu_model_report(&model, &check));
	else
		print_model_text(&model, &check);
	return 0;
}

static json_t *
differences_json(const struct cpu_model_difference *differences, size_t n)
{
	const struct cpu_model_difference *d;
	json_t *list = json_array();
	char field[16], a[19], b[19];
	size_t i;

	for (i = 0; i < n && i < DIFFERENCES_MAX; i++) {
		d = &differences[i];
		if (d->shift == 64)
			snprintf(field, sizeof(field), "register");
		else
			snprintf(field, sizeof(field), "[%u:%u]", d->shift + 3,
			    d->shift);
		snprintf(a, sizeof(a), "0x%" PRIx64, d->a);
		snprintf(b, sizeof(b), "0x%" PRIx64, d->b);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:b, s:b}", "register", d->name, "field", field, "a", a,
		    "b", b, "writable_a", d->writable_a,
		    "writable_b", d->writable_b));
	}
	return list;
}

static json_t *
template_verdict(const struct cpu_template *cpu_template,
    const struct cpu_model *a, const struct cpu_model *b, bool *runs)
{
	char why_a[256] = "", why_b[256] = "";
	bool on_a, on_b;

	on_a = cpu_template_check(cpu_template, a, why_a, sizeof(why_a)) == 0;
	on_b = cpu_template_check(cpu_template, b, why_b, sizeof(why_b)) == 0;
	*runs = on_a && on_b;
	return json_pack("{s:s, s:b, s:b, s:s?, s:s?}", "name",
	    cpu_template->name, "runs_on_a", on_a, "runs_on_b", on_b,
	    "why_not_a", on_a ? NULL : why_a, "why_not_b", on_b ? NULL : why_b);
}

static void
print_compare_text(json_t *result)
{
	json_t *item, *verdict = json_object_get(result, "template");
	size_t i;

	json_array_foreach(json_object_get(result, "differences"), i, item)
		printf("%s %s: %s vs %s%s\n",
		    json_string_value(json_object_get(item, "register")),
		    json_string_value(json_object_get(item, "field")),
		    json_string_value(json_object_get(item, "a")),
		    json_string_value(json_object_get(item, "b")),
		    json_is_true(json_object_get(item, "writable_a")) &&
		    json_is_true(json_object_get(item, "writable_b")) ?
		    " (a template can hide it)" : "");
	printf("%s\n", json_is_true(json_object_get(result, "identical")) ?
	    "the two CPU models are identical" :
	    "the two CPU models differ");
	if (verdict == NULL)
		return;
	printf("template %s: %s on A%s%s, %s on B%s%s\n",
	    json_string_value(json_object_get(verdict, "name")),
	    json_is_true(json_object_get(verdict, "runs_on_a")) ? "runs" :
	    "cannot run", json_object_get(verdict, "why_not_a") ? ": " : "",
	    json_object_get(verdict, "why_not_a") ? json_string_value(
	    json_object_get(verdict, "why_not_a")) : "",
	    json_is_true(json_object_get(verdict, "runs_on_b")) ? "runs" :
	    "cannot run", json_object_get(verdict, "why_not_b") ? ": " : "",
	    json_object_get(verdict, "why_not_b") ? json_string_value(
	    json_object_get(verdict, "why_not_b")) : "");
}

/* Exit status 0 when the template (if any) runs on both hosts, 1 when it
 * cannot run on one of them or a report cannot be read. */
int
cmd_cpu_model_compare(const struct vmmd_options *options)
{
	static struct cpu_model_difference differences[DIFFERENCES_MAX];
	static struct cpu_model a, b;
	struct cpu_template cpu_template;
	char error[300];
	json_t *result;
	bool runs = true;
	size_t n;

	if (cpu_model_report_load(options->compare[0], &a, error,
	    sizeof(error)) < 0 || cpu_model_report_load(options->compare[1],
	    &b, error, sizeof(error)) < 0) {
		log_warnx("cannot read a CPU-model report: %s", error);
		return VMMD_EXIT_FAILURE;
	}
	n = cpu_model_compare(&a, &b, differences, DIFFERENCES_MAX);
	result = json_pack("{s:s, s:s, s:b, s:I, s:o, s:{s:o, s:o}}",
	    "a", options->compare[0], "b", options->compare[1],
	    "identical", n == 0 && a.host_features == b.host_features,
	    "difference_count", (json_int_t)n,
	    "differences", differences_json(differences, n), "features",
	    "a", cpu_model_features_json(a.host_features),
	    "b", cpu_model_features_json(b.host_features));
	if (result != NULL && options->cpu_template_path != NULL) {
		if (cpu_template_load(options->cpu_template_path,
		    &cpu_template, error, sizeof(error)) < 0) {
			log_warnx("CPU template %s: %s",
			    options->cpu_template_path, error);
			json_decref(result);
			return VMMD_EXIT_FAILURE;
		}
		json_object_set_new(result, "template",
		    template_verdict(&cpu_template, &a, &b, &runs));
	}
	if (options->json) {
		print_json(result);
	} else {
		print_compare_text(result);
		json_decref(result);
	}
	return runs ? 0 : VMMD_EXIT_FAILURE;
}

/* Load the template and check it against this host's model, captured on
 * a scratch vCPU with the template's own features. 0, or an exit status. */
int
cmd_cpu_template_prepare(const struct vmmd_options *options,
    struct cpu_template *cpu_template)
{
	static struct cpu_model model;
	char error[300];
	int rc;

	memset(&model, 0, sizeof(model));
	if (cpu_template_load(options->cpu_template_path, cpu_template, error,
	    sizeof(error)) < 0) {
		log_warnx("CPU template %s: %s", options->cpu_template_path,
		    error);
		return VMMD_EXIT_FAILURE;
	}
	rc = cpu_model_host_features(options->vm.kvm_path,
	    &model.host_features);
	if (rc < 0)
		return capture_error(options->vm.kvm_path, rc);
	if ((cpu_template->features & ~model.host_features) == 0) {
		rc = cpu_model_capture(options->vm.kvm_path,
		    cpu_template->features, &model, NULL);
		if (rc < 0)
			return capture_error(options->vm.kvm_path, rc);
	}
	if (cpu_template_check(cpu_template, &model, error, sizeof(error)) < 0) {
		log_warnx("CPU template %s cannot run on this host: %s",
		    options->cpu_template_path, error);
		return VMMD_EXIT_FAILURE;
	}
	return 0;
}
