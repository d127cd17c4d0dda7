/* vmmd's command line: what to do and with which settings. */
#ifndef VMMD_OPTIONS_H
#define VMMD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "../core/vm.h"
#include "device_options.h"

enum vmmd_command {
	VMMD_COMMAND_HELP,
	VMMD_COMMAND_VERSION,
	VMMD_COMMAND_RUN,
	VMMD_COMMAND_CPU_MODEL,		/* --cpu-model */
	VMMD_COMMAND_CPU_MODEL_COMPARE,	/* --cpu-model-compare A B */
	VMMD_COMMAND_PROBE,
};

struct vmmd_options {
	enum vmmd_command command;
	bool verbose;
	bool json;
	const char *console_log_path;
	struct vm_config vm;
	const char *cpu_template_path;	/* --cpu-template FILE.json */
	const char *compare[2];		/* the two reports to compare */
	struct device_options devices;	/* --disk, --rng: vm.devices */
};

#define VMMD_DEFAULT_MEMORY	(256ull << 20)
#define VMMD_DEFAULT_CMDLINE	"console=ttyS0"
#define VMMD_STRINGIFY_VALUE(x)	#x
#define VMMD_STRINGIFY(x)	VMMD_STRINGIFY_VALUE(x)

int vmmd_options_parse(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size);
int parse_size(const char *text, uint64_t *bytes);
void vmmd_usage(FILE *out);

#endif
