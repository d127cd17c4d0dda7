/* The probe's report for people (text) and for programs (one JSON object,
 * documented field by field in docs/probe.md; the control protocol serves
 * it unchanged, so its shape only grows). */
#include "probe_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PROBE_REPORT_VERSION	1

static json_t *
hex(uint64_t value, int width)
{
	char text[24];

	snprintf(text, sizeof(text), "0x%0*" PRIx64, width, value);
	return json_string(text);
}

static json_t *
source_json(const struct probe_source *source)
{
	return json_pack("{s:s, s:s, s:s?}",
	    "state", probe_source_state_name(source->state),
	    "path", source->path,
	    "error", source->error != 0 ? strerror(source->error) : NULL);
}

static json_t *
sources_json(const struct probe_evidence *e)
{
	json_t *sources = json_object(), *item;

	json_object_set_new(sources, "cmdline", source_json(&e->cmdline_source));
	item = source_json(&e->log_source);
	json_object_set_new(item, "kvm_lines", json_integer(e->log.kvm_lines));
	json_object_set_new(sources, "kernel_log", item);
	json_object_set_new(sources, "kvm_device", source_json(&e->device_source));
	json_object_set_new(sources, "kvm_module", source_json(&e->kvm_sysfs_source));
	item = source_json(&e->cpu_source);
	json_object_set_new(item, "cpus", json_integer(e->cpu_count));
	json_object_set_new(item, "cpus_not_read", json_integer(e->cpus_not_read));
	json_object_set_new(sources, "cpu_ids", item);
	return sources;
}

static json_t *
notes_json(const struct probe_report *r)
{
	json_t *notes = json_array();
	unsigned int i;

	for (i = 0; i < r->note_count; i++)
		json_array_append_new(notes, json_pack("{s:s, s:s}",
		    "source", r->notes[i].source, "says", r->notes[i].says));
	return notes;
}

static json_t *
cap_json(const struct kvm_cap_desc *desc, const struct kvm_cap_value *value)
{
	return json_pack("{s:s, s:I, s:s, s:b, s:s, s:o, s:b, s:s?}",
	    "name", desc->name,
	    "number", (json_int_t)desc->number,
	    "query", kvm_cap_query_name(desc->query),
	    "required", desc->required,
	    "feature", desc->feature,
	    "value", value->asked && value->error == 0 ?
	    json_integer(value->value) : json_null(),
	    "available", kvm_cap_available(desc, value),
	    "error", value->error != 0 ? strerror(-value->error) : NULL);
}

static void
caps_json(const struct probe_report *r, json_t *report)
{
	const struct kvm_caps_result *caps = &r->evidence.caps;
	const struct kvm_cap_desc *table;
	json_t *list = json_array(), *missing = json_array();
	size_t count, i;

	table = kvm_caps_table(&count);
	for (i = 0; caps->asked && i < count && i < caps->count; i++) {
		json_array_append_new(list, cap_json(&table[i], &caps->values[i]));
		if (table[i].required && !kvm_cap_available(&table[i],
		    &caps->values[i]))
			json_array_append_new(missing, json_string(table[i].name));
	}
	json_object_set_new(report, "capabilities", list);
	json_object_set_new(report, "missing_required", missing);
}

static json_t *
cpus_json(const struct probe_evidence *e)
{
	const struct probe_cpu *cpu;
	json_t *cpus = json_array();
	const char *name;
	unsigned int i;

	for (i = 0; i < e->cpu_count; i++) {
		cpu = &e->cpus[i];
		name = cpu_part_name(cpu->midr);
		json_array_append_new(cpus, json_pack("{s:i, s:o, s:o, s:o, s:o, "
		    "s:i, s:i, s:s?}",
		    "cpu", cpu->index,
		    "midr", hex(cpu->midr, 8),
		    "revidr", cpu->has_revidr ? hex(cpu->revidr, 8) : json_null(),
		    "implementer", hex(MIDR_IMPLEMENTER(cpu->midr), 2),
		    "part", hex(MIDR_PART(cpu->midr), 3),
		    "variant", MIDR_VARIANT(cpu->midr),
		    "revision", MIDR_REVISION(cpu->midr),
		    "name", name));
	}
	return cpus;
}

static json_t *
cpu_set_json(uint64_t cpus)
{
	json_t *list = json_array();
	unsigned int i;

	for (i = 0; i < 64; i++)
		if (cpus & (1ull << i))
			json_array_append_new(list, json_integer(i));
	return list;
}

static json_t *
errata_json(const struct probe_report *r)
{
	const struct cpu_erratum *erratum;
	json_t *errata = json_array();
	unsigned int i;

	for (i = 0; i < r->errata_count; i++) {
		erratum = r->errata[i].erratum;
		json_array_append_new(errata, json_pack("{s:s, s:s, s:o, s:b, s:s}",
		    "erratum", erratum->name,
		    "workaround", erratum->workaround,
		    "affected_cpus", cpu_set_json(r->errata[i].cpus),
		    "kvm_unsafe", erratum->kvm_unsafe,
		    "effect", erratum->effect));
	}
	return errata;
}

static json_t *
warnings_json(const struct probe_report *r)
{
	json_t *warnings = json_array();
	unsigned int i;

	for (i = 0; i < r->warning_count; i++)
		json_array_append_new(warnings, json_string(r->warnings[i]));
	return warnings;
}

json_t *
probe_report_json(const struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	json_t *report;

	report = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:b, s:s, s:o}",
	    "probe_version", PROBE_REPORT_VERSION,
	    "machine", e->machine,
	    "verdict", r->usable ? "ready" : "unavailable",
	    "reason", probe_reason_name(r->reason),
	    "reason_certainty", probe_certainty_name(r->reason_certainty),
	    "message", r->message,
	    "mode", probe_mode_name(r->mode),
	    "el2", probe_el2_name(r->el2),
	    "mode_certainty", probe_certainty_name(r->mode_certainty),
	    "requested_mode", probe_request_name(e->cmdline.request),
	    "nested_fallback", r->nested_fallback,
	    "mode_basis", r->mode_basis,
	    "api_version", e->api_version >= 0 ? json_integer(e->api_version) :
	    json_null());
	if (report == NULL)
		return NULL;
	json_object_set_new(report, "sources", sources_json(e));
	json_object_set_new(report, "evidence", notes_json(r));
	caps_json(r, report);
	json_object_set_new(report, "cpus", cpus_json(e));
	json_object_set_new(report, "heterogeneous_cpus", json_boolean(r->heterogeneous));
	json_object_set_new(report, "errata", errata_json(r));
	json_object_set_new(report, "warnings", warnings_json(r));
	return report;
}

static void
text_caps(const struct probe_report *r, FILE *out)
{
	const struct kvm_caps_result *caps = &r->evidence.caps;
	const struct kvm_cap_desc *table;
	const struct kvm_cap_value *value;
	size_t count, i;

	if (!caps->asked)
		return;
	table = kvm_caps_table(&count);
	fprintf(out, "capabilities:\n");
	for (i = 0; i < count && i < caps->count; i++) {
		value = &caps->values[i];
		fprintf(out, "  %-3s %-38s ", kvm_cap_available(&table[i], value) ?
		    "yes" : table[i].required ? "NO!" : "no", table[i].name);
		if (value->error != 0)
			fprintf(out, "(%s)", strerror(-value->error));
		else
			fprintf(out, "%-6d", value->value);
		fprintf(out, " %s%s\n", table[i].required ? "required: " : "",
		    table[i].feature);
	}
}

static void
text_cpus(const struct probe_report *r, FILE *out)
{
	const struct probe_evidence *e = &r->evidence;
	const char *name;
	unsigned int i;

	fprintf(out, "cpus: %u from %s (%s)%s\n", e->cpu_count, e->cpu_source.path,
	    probe_source_state_name(e->cpu_source.state),
	    r->heterogeneous ? ", NOT all alike" : "");
	for (i = 0; i < e->cpu_count; i++) {
		name = cpu_part_name(e->cpus[i].midr);
		fprintf(out, "  cpu%-3u MIDR 0x%08" PRIx64 " REVIDR 0x%08" PRIx64
		    " %s r%up%u\n", e->cpus[i].index, e->cpus[i].midr,
		    e->cpus[i].revidr, name != NULL ? name : "(unknown part)",
		    MIDR_VARIANT(e->cpus[i].midr), MIDR_REVISION(e->cpus[i].midr));
	}
	for (i = 0; i < r->errata_count; i++)
		fprintf(out, "  erratum: %s (%s): %s\n", r->errata[i].erratum->name,
		    r->errata[i].erratum->workaround, r->errata[i].erratum->effect);
}

void
probe_report_text(const struct probe_report *r, FILE *out)
{
	const struct probe_evidence *e = &r->evidence;
	unsigned int i;

	fprintf(out, "verdict: %s (%s, %s)\n  %s\n",
	    r->usable ? "KVM can serve" : "KVM cannot serve",
	    probe_reason_name(r->reason),
	    probe_certainty_name(r->reason_certainty), r->message);
	fprintf(out, "mode: %s (EL2: %s; %s; asked: %s%s)\n  %s\n",
	    probe_mode_name(r->mode), probe_el2_name(r->el2),
	    probe_certainty_name(r->mode_certainty),
	    probe_request_name(e->cmdline.request),
	    r->nested_fallback ? ", fell back" : "", r->mode_basis);
	fprintf(out, "sources:\n");
	fprintf(out, "  %-12s %-8s %s\n", "cmdline",
	    probe_source_state_name(e->cmdline_source.state), e->cmdline_source.path);
	fprintf(out, "  %-12s %-8s %s\n", "kernel log",
	    probe_source_state_name(e->log_source.state), e->log_source.path);
	fprintf(out, "  %-12s %-8s %s\n", "kvm device",
	    probe_source_state_name(e->device_source.state), e->device_source.path);
	if (r->note_count > 0)
		fprintf(out, "evidence:\n");
	for (i = 0; i < r->note_count; i++)
		fprintf(out, "  %-10s %s\n", r->notes[i].source, r->notes[i].says);
	text_caps(r, out);
	if (e->cpu_source.state != PROBE_SOURCE_SKIPPED)
		text_cpus(r, out);
	for (i = 0; i < r->warning_count; i++)
		fprintf(out, "warning: %s\n", r->warnings[i]);
}
