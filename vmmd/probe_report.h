/* Rendering the host probe's report: text for people, JSON for programs. */
#ifndef VMMD_PROBE_REPORT_H
#define VMMD_PROBE_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "../arm64/probe.h"

json_t *probe_report_json(const struct probe_report *report);
void probe_report_text(const struct probe_report *report, FILE *out);

#endif
