/* The probe as a command (a report, text or JSON) and as the gate in front
 * of every VM: like kvm_arm_init(), refuse when KVM cannot serve. */
#include "cmd_probe.h"

#include <stdio.h>
#include <stdlib.h>

#include "../arm64/probe.h"
#include "../core/log.h"
#include "exit_status.h"
#include "probe_report.h"

/* The report is large (every capability, every CPU): on the heap. */
static struct probe_report *
probe_run(const char *kvm_path)
{
	struct probe_config config;
	struct probe_report *report;
	char error[256];

	if (probe_tables_check(error, sizeof(error)) < 0) {
		log_warnx("the probe's tables are broken: %s", error);
		return NULL;
	}
	report = calloc(1, sizeof(*report));
	if (report == NULL) {
		log_warn("cannot allocate the probe's report");
		return NULL;
	}
	probe_config_default(&config, kvm_path);
	probe_host(&config, report);
	return report;
}

static int
print_json(const struct probe_report *report)
{
	json_t *json = probe_report_json(report);
	int rc;

	if (json == NULL) {
		log_warnx("cannot build the probe's JSON report");
		return -1;
	}
	rc = json_dumpf(json, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(json);
	return rc;
}

/* Exit status: 0 when KVM can serve, VMMD_EXIT_NO_KVM when not, 1 when the
 * probe itself failed. */
int
cmd_probe(const char *kvm_path, bool json)
{
	struct probe_report *report = probe_run(kvm_path);
	int status;

	if (report == NULL)
		return VMMD_EXIT_FAILURE;
	status = report->usable ? 0 : VMMD_EXIT_NO_KVM;
	if (json) {
		if (print_json(report) < 0)
			status = VMMD_EXIT_FAILURE;
	} else {
		probe_report_text(report, stdout);
	}
	fflush(stdout);
	free(report);
	return status;
}

/* Returns 0 when KVM can serve, else the exit status, the reason logged on
 * one line. Warnings (errata, unlike CPUs, a mode fallback) are logged once
 * here, where the daemon decides to go on. */
int
cmd_probe_gate(const char *kvm_path)
{
	struct probe_report *report = probe_run(kvm_path);
	unsigned int i;
	int status = 0;

	if (report == NULL)
		return VMMD_EXIT_FAILURE;
	if (!report->usable) {
		log_warnx("KVM is not available: %s", report->message);
		status = VMMD_EXIT_NO_KVM;
		goto out;
	}
	for (i = 0; i < report->warning_count; i++)
		log_warnx("warning: %s", report->warnings[i]);
	log_debug("probe: %s; %s mode (%s): %s", report->message,
	    probe_mode_name(report->mode),
	    probe_certainty_name(report->mode_certainty), report->mode_basis);
out:
	free(report);
	return status;
}

/* The report as JSON, for the daemon's query-host; NULL on failure. */
json_t *
cmd_probe_json(const char *kvm_path)
{
	struct probe_report *report = probe_run(kvm_path);
	json_t *json;

	if (report == NULL)
		return NULL;
	json = probe_report_json(report);
	free(report);
	return json;
}
