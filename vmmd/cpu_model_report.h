/* The CPU-model report as JSON (`vmmd --cpu-model --json`), and reading
 * such a report back for a comparison between hosts. */
#ifndef VMMD_CPU_MODEL_REPORT_H
#define VMMD_CPU_MODEL_REPORT_H

#include <jansson.h>
#include <stddef.h>

#include "../arm64/cpu_model.h"

json_t *cpu_model_report(const struct cpu_model *model,
    const struct cpu_cross_check *check);
json_t *cpu_model_features_json(unsigned int features);
int cpu_model_report_read(json_t *report, struct cpu_model *model,
    char *error, size_t error_size);
int cpu_model_report_load(const char *path, struct cpu_model *model,
    char *error, size_t error_size);

#endif
