/* Reading a CPU template from its JSON file (format: docs/sysregs.md) into
 * the plain struct arm64/cpu_template.h checks and applies. */
#ifndef VMMD_CPU_TEMPLATE_JSON_H
#define VMMD_CPU_TEMPLATE_JSON_H

#include <stddef.h>

#include "../arm64/cpu_template.h"

int cpu_template_load(const char *path, struct cpu_template *cpu_template,
    char *error, size_t error_size);
int cpu_template_parse(const char *text, struct cpu_template *cpu_template,
    char *error, size_t error_size);

#endif
