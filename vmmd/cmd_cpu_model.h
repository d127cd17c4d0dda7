/* `vmmd --cpu-model`, `vmmd --cpu-model-compare` and the CPU template of
 * `vmmd run --cpu-template`, checked against this host before the VM runs. */
#ifndef VMMD_CMD_CPU_MODEL_H
#define VMMD_CMD_CPU_MODEL_H

#include "../arm64/cpu_template.h"
#include "options.h"

int cmd_cpu_model(const struct vmmd_options *options);
int cmd_cpu_model_compare(const struct vmmd_options *options);
int cmd_cpu_template_prepare(const struct vmmd_options *options,
    struct cpu_template *cpu_template);

#endif
