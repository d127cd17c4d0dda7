/* vmmd's command line: what to do and with which settings. */
#ifndef VMMD_OPTIONS_H
#define VMMD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "../core/vm.h"

enum vmmd_command {
	VMMD_COMMAND_HELP,
	VMMD_COMMAND_VERSION,
	VMMD_COMMAND_RUN,
	VMMD_COMMAND_PROBE,
};

struct vmmd_options {
	enum vmmd_command command;
	bool verbose;
	bool json;
	struct vm_config vm;
};

#define VMMD_DEFAULT_MEMORY	(64ull << 20)

int vmmd_options_parse(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size);
int parse_size(const char *text, uint64_t *bytes);
void vmmd_usage(FILE *out);

#endif
