/* vmmd's command line: what to do and with which settings. Every command's
 * options are a table (vmmd/options.c) read by one parser
 * (vmmd/option_parser.c), which also writes `vmmd --help`. */
#ifndef VMMD_OPTIONS_H
#define VMMD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "../core/vm.h"
#include "daemon.h"
#include "device_options.h"
#include "option_parser.h"

enum vmmd_command {
	VMMD_COMMAND_HELP,
	VMMD_COMMAND_VERSION,
	VMMD_COMMAND_RUN,
	VMMD_COMMAND_CPU_MODEL,		/* --cpu-model */
	VMMD_COMMAND_CPU_MODEL_COMPARE,	/* --cpu-model-compare A B */
	VMMD_COMMAND_PROBE,
	VMMD_COMMAND_DAEMON,		/* its options: daemon_options_parse */
	VMMD_COMMAND_VM_PROCESS,
};

struct vmmd_options {
	enum vmmd_command command;
	int command_index;		/* argv's index of a daemon, vm-process */
	bool verbose;
	bool json;
	const char *console_log_path;
	struct vm_config vm;
	const char *cpu_template_path;	/* --cpu-template FILE.json */
	const char *compare[2];		/* the two reports to compare */
	struct device_options devices;	/* --disk, --rng, ...: vm.devices */
	const char *restore_dir;	/* --restore DIR: its state and memory */
	struct vm_restore restore;	/* vm.restore, once they are open */
};

/* `vmmd daemon`'s options, over the configuration's defaults. */
struct daemon_options {
	struct daemon_config *config;
	bool detach;
	const char *pid_file;
	bool verbose;
	enum command_line_result result;
};

#define VMMD_DEFAULT_MEMORY_TEXT	"256M"
#define VMMD_DEFAULT_MEMORY	(256ull << 20)
#define VMMD_DEFAULT_CMDLINE	"console=ttyS0"
#define VMMD_STRINGIFY_VALUE(x)	#x
#define VMMD_STRINGIFY(x)	VMMD_STRINGIFY_VALUE(x)

int vmmd_options_parse(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size);
/* argv[0] is "daemon". */
int daemon_options_parse(int argc, char **argv, struct daemon_options *options,
    char *error, size_t error_size);
int vmmd_options_validate(char *error, size_t error_size);
const struct command_set *vmmd_commands(void);
int parse_size(const char *text, uint64_t *bytes);
void vmmd_usage(FILE *out);
void vmmd_usage_or_version(enum command_line_result result, FILE *out);

#endif
