/* vmmd's entry point: check the tables, parse the command line and do
 * what it says. */
#include <inttypes.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/vm.h"
#include "cmd_cpu_model.h"
#include "cmd_probe.h"
#include "daemon.h"
#include "devices_json.h"
#include "exit_status.h"
#include "forward_map_json.h"
#include "options.h"
#include "startup_tables.h"


static int
exit_status_of(enum vm_run_status status, enum vm_outcome outcome)
{
	static const int by_outcome[] = {
		[VM_OUTCOME_NONE] = VMMD_EXIT_FAILURE,
		[VM_OUTCOME_POWEROFF] = VMMD_EXIT_POWEROFF,
		[VM_OUTCOME_REBOOT] = VMMD_EXIT_REBOOT,
		[VM_OUTCOME_CRASH] = VMMD_EXIT_CRASH,
		[VM_OUTCOME_GUEST_ERROR] = VMMD_EXIT_GUEST_ERROR,
		[VM_OUTCOME_PANIC] = VMMD_EXIT_PANIC,
		[VM_OUTCOME_STOPPED] = VMMD_EXIT_FAILURE,
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
	report = json_pack("{s:s, s:s, s:s?, s:s, s:i, s:I, s:i, s:i, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o?, s:o?}",
	    "outcome", vm_outcome_name(stop->outcome),
	    "exit_reason", vm_exit_reason_name(stop->exit_reason),
	    "system_event", stop->is_system_event ?
	    vm_system_event_name(stop->system_event) : NULL,
	    "detail", stop->detail,
	    "vcpu", (int)result->stop_vcpu,
	    "exits", (json_int_t)result->exits,
	    "boots", (int)result->boots,
	    "api_version", result->api_version,
	    "kernel_format", result->kernel_format,
	    "payload_size", (json_int_t)result->payload_size,
	    "initrd_size", (json_int_t)result->initrd_size,
	    "setup_us", (json_int_t)(result->setup_ns / 1000),
	    "marker_us", (json_int_t)(result->marker_ns / 1000),
	    "rss_kib", (json_int_t)(result->rss_bytes / 1024),
	    "guest_rss_kib", (json_int_t)(result->guest_rss_bytes / 1024),
	    "registers", registers,
	    "forward_map", forward_map_json(&result->map, &result->counters),
	    "devices", devices_json(result->devices, result->device_count));
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

	printf("guest stopped: %s, after %u boot(s) and %" PRIu64 " exits: %s;"
	    " vCPU %u pc=0x%" PRIx64 " x0=0x%" PRIx64 "\n",
	    vm_outcome_name(stop->outcome), result->boots, result->exits,
	    stop->detail, result->stop_vcpu, result->registers.pc,
	    result->registers.gpr[0]);
	if (result->marker_ns != 0)
		printf("boot marker seen %" PRIu64 " ms after VM creation (%"
		    PRIu64 " ms of it in vmmd before the first KVM_RUN); VM "
		    "process RSS %" PRIu64 " KiB beyond guest memory\n",
		    result->marker_ns / 1000000, result->setup_ns / 1000000,
		    (result->rss_bytes - result->guest_rss_bytes) / 1024);
}

/* The console goes to stdout, or to --console-log instead. */
static int
open_console(struct vmmd_options *options)
{
	const char *path = options->console_log_path;

	if (path == NULL) {
		options->vm.console_fd = STDOUT_FILENO;
		options->vm.console_input_fd = STDIN_FILENO;
		return 0;
	}
	options->vm.console_log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC |
	    O_APPEND | O_CLOEXEC, 0640);
	if (options->vm.console_log_fd < 0) {
		log_warn("cannot open the console log %s", path);
		return -1;
	}
	return 0;
}

/* --restore DIR: the snapshot's two files, kept open while the VM runs
 * (its memory is mapped from one of them). */
static int
open_restore(struct vmmd_options *options)
{
	const char *dir = options->restore_dir;
	int dir_fd;

	if (dir == NULL)
		return 0;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		log_warn("cannot open the snapshot %s", dir);
		return -1;
	}
	options->restore.state_fd = openat(dir_fd, "state", O_RDONLY |
	    O_CLOEXEC | O_NOFOLLOW);
	options->restore.memory_fd = openat(dir_fd, "memory", O_RDONLY |
	    O_CLOEXEC | O_NOFOLLOW);
	close(dir_fd);
	if (options->restore.state_fd < 0 || options->restore.memory_fd < 0) {
		log_warn("cannot open the snapshot %s's %s", dir,
		    options->restore.state_fd < 0 ? "state" : "memory");
		return -1;
	}
	options->vm.restore = &options->restore;
	return 0;
}

static int
command_run(struct vmmd_options *options)
{
	struct cpu_template cpu_template;
	struct vm_result result;
	enum vm_run_status status;
	int refused, rc;

	if ((refused = cmd_probe_gate(options->vm.kvm_path)) != 0)
		return refused;
	if (options->vm.kernel_path != NULL && options->vm.cmdline == NULL)
		options->vm.cmdline = VMMD_DEFAULT_CMDLINE;
	if (options->cpu_template_path != NULL) {
		rc = cmd_cpu_template_prepare(options, &cpu_template);
		if (rc != 0)
			return rc;
		options->vm.cpu_template = &cpu_template;
	}
	if (open_restore(options) < 0 || open_console(options) < 0)
		return VMMD_EXIT_FAILURE;
	status = vm_run(&options->vm, &result);
	if (options->vm.console_log_fd >= 0)
		close(options->vm.console_log_fd);
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
	char error[320];
	int first;

	log_init("vmmd", false);
	signal(SIGPIPE, SIG_IGN);	/* a closed console peer is an EPIPE */
	if (startup_tables_validate(error, sizeof(error)) < 0) {
		log_warnx("refusing to start: %s", error);
		return VMMD_EXIT_FAILURE;
	}
	if (vmmd_options_parse(argc, argv, &options, error, sizeof(error)) < 0) {
		log_warnx("%s (try 'vmmd --help')", error);
		return VMMD_EXIT_USAGE;
	}
	log_init("vmmd", options.verbose);
	first = options.command_index;
	switch (options.command) {
	case VMMD_COMMAND_HELP:
	case VMMD_COMMAND_VERSION:
		vmmd_usage_or_version(options.command == VMMD_COMMAND_HELP ?
		    COMMAND_LINE_HELP : COMMAND_LINE_VERSION, stdout);
		return 0;
	case VMMD_COMMAND_RUN:
		return command_run(&options);
	case VMMD_COMMAND_CPU_MODEL:
		return cmd_cpu_model(&options);
	case VMMD_COMMAND_CPU_MODEL_COMPARE:
		return cmd_cpu_model_compare(&options);
	case VMMD_COMMAND_PROBE:
		return cmd_probe(options.vm.kvm_path, options.json);
	case VMMD_COMMAND_DAEMON:
		return cmd_daemon(argc - first, argv + first);
	case VMMD_COMMAND_VM_PROCESS:
		return cmd_vm_process(argc - first, argv + first);
	}
	return VMMD_EXIT_FAILURE;
}
