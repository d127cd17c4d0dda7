/* vmmd's entry point: parse the command line and do what it says. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/log.h"
#include "../core/vm.h"
#include "cmd_probe.h"
#include "exit_status.h"
#include "options.h"

#ifndef VMMD_VERSION
#define VMMD_VERSION "unknown"
#endif

static int
exit_status_of(enum vm_run_status status, enum vm_outcome outcome)
{
	static const int by_outcome[] = {
		[VM_OUTCOME_NONE] = VMMD_EXIT_FAILURE,
		[VM_OUTCOME_POWEROFF] = VMMD_EXIT_POWEROFF,
		[VM_OUTCOME_REBOOT] = VMMD_EXIT_REBOOT,
		[VM_OUTCOME_CRASH] = VMMD_EXIT_CRASH,
		[VM_OUTCOME_GUEST_ERROR] = VMMD_EXIT_GUEST_ERROR,
	};

	if (status == VM_RUN_NO_KVM)
		return VMMD_EXIT_NO_KVM;
	if (status != VM_RUN_STOPPED)
		return VMMD_EXIT_FAILURE;
	return by_outcome[outcome];
}

static json_t *
hex(uint64_t value)
{
	char text[19];

	snprintf(text, sizeof(text), "0x%" PRIx64, value);
	return json_string(text);
}

static void
report_json(const struct vm_result *result)
{
	const struct vcpu_stop *stop = &result->stop;
	const struct arch_vcpu_snapshot *regs = &result->registers;
	json_t *report, *registers;
	char name[8];
	unsigned int i;

	registers = json_pack("{s:o}", "pc", hex(regs->pc));
	for (i = 0; registers != NULL && i < ARCH_SNAPSHOT_REGS; i++) {
		snprintf(name, sizeof(name), "x%u", i);
		json_object_set_new(registers, name, hex(regs->gpr[i]));
	}
	report = json_pack("{s:s, s:s, s:s?, s:I, s:s, s:i, s:I, s:o}",
	    "outcome", vm_outcome_name(stop->outcome),
	    "exit_reason", vm_exit_reason_name(stop->exit_reason),
	    "system_event", stop->is_system_event ?
	    vm_system_event_name(stop->system_event) : NULL,
	    "exits", (json_int_t)stop->exits,
	    "detail", stop->detail,
	    "api_version", result->api_version,
	    "payload_size", (json_int_t)result->payload_size,
	    "registers", registers);
	if (report == NULL)
		fatalx("cannot build the JSON report");
	json_dumpf(report, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(report);
}

static void
report_text(const struct vm_result *result)
{
	const struct vcpu_stop *stop = &result->stop;

	printf("guest stopped: %s, after %" PRIu64 " exits: %s; pc=0x%" PRIx64
	    " x0=0x%" PRIx64 "\n",
	    vm_outcome_name(stop->outcome), stop->exits, stop->detail,
	    result->registers.pc, result->registers.gpr[0]);
}

static int
command_run(const struct vmmd_options *options)
{
	struct vm_result result;
	enum vm_run_status status;
	int refused;

	if ((refused = cmd_probe_gate(options->vm.kvm_path)) != 0)
		return refused;
	status = vm_run(&options->vm, &result);
	if (status == VM_RUN_STOPPED) {
		if (options->json)
			report_json(&result);
		else
			report_text(&result);
	}
	fflush(stdout);
	return exit_status_of(status, result.stop.outcome);
}

int
main(int argc, char **argv)
{
	struct vmmd_options options;
	char error[256];

	log_init("vmmd", false);
	if (vmmd_options_parse(argc, argv, &options, error, sizeof(error)) < 0) {
		log_warnx("%s (try 'vmmd --help')", error);
		return VMMD_EXIT_USAGE;
	}
	log_init("vmmd", options.verbose);
	switch (options.command) {
	case VMMD_COMMAND_HELP:
		vmmd_usage(stdout);
		return 0;
	case VMMD_COMMAND_VERSION:
		printf("vmmd %s\n", VMMD_VERSION);
		return 0;
	case VMMD_COMMAND_RUN:
		return command_run(&options);
	case VMMD_COMMAND_PROBE:
		return cmd_probe(options.vm.kvm_path, options.json);
	}
	return VMMD_EXIT_FAILURE;
}
