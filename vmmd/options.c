/* vmmd's commands and their options, as tables (struct command_desc) that
 * one parser reads (option_parser.c), and the global part of the command
 * line: -v, --help, --version and the command. Errors are written to the
 * caller's buffer, naming the option and the value at fault. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/console.h"
#include "../core/guest_memory.h"
#include "../core/kvm.h"

/* "4096", "64K", "256M", "1G": a byte count with an optional binary suffix. */
int
parse_size(const char *text, uint64_t *bytes)
{
	static const char suffixes[] = "KMGT";
	unsigned long long value;
	const char *suffix;
	char *end;
	int shift;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	value = strtoull(text, &end, 0);
	if (errno != 0)
		return -errno;
	shift = 0;
	if (*end != '\0') {
		suffix = strchr(suffixes, *end);
		if (suffix == NULL || end[1] != '\0')
			return -EINVAL;
		shift = 10 * (int)(suffix - suffixes + 1);
	}
	if (value > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)value << shift;
	return 0;
}

static int
parse_count(const char *text, unsigned int low, unsigned int high,
    unsigned int *count)
{
	unsigned long value;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < low || value > high)
		return -EINVAL;
	*count = (unsigned int)value;
	return 0;
}

#define VM(member)	offsetof(struct vmmd_options, vm.member)
#define OPTIONS(context)	((struct vmmd_options *)(context))

/* A size or a count into the member at offset, or the option's error. */
static int
set_size(const struct option_desc *option, void *context, const char *arg,
    char *error, size_t error_size)
{
	uint64_t *size = (uint64_t *)((char *)context + option->offset);

	if (parse_size(arg, size) < 0 || (*size == 0 &&
	    option->offset == VM(memory_size)))
		return option_error(error, error_size, "--%s: '%s' is not %s",
		    option->name, arg, option->offset == VM(scratch_base) ?
		    "an address" : "a size");
	if (option->offset == VM(console_log_max) &&
	    *size < CONSOLE_LOG_MAX_MIN)
		return option_error(error, error_size, "--%s: '%s' is under the "
		    "64K a console log keeps at least", option->name, arg);
	if (option->offset == VM(scratch_base))
		OPTIONS(context)->vm.scratch_device = true;
	return 0;
}

static int
set_count(const struct option_desc *option, void *context, const char *arg,
    char *error, size_t error_size)
{
	unsigned int *count = (unsigned int *)((char *)context + option->offset);

	if (option->offset == VM(vcpus) &&
	    parse_count(arg, 1, VM_MAX_VCPUS, count) < 0)
		return option_error(error, error_size, "--vcpus: '%s' is not a "
		    "number from 1 to %d", arg, VM_MAX_VCPUS);
	if (option->offset != VM(vcpus) &&
	    parse_count(arg, 1, UINT32_MAX, count) < 0)
		return option_error(error, error_size, "--%s: '%s' is not a "
		    "positive number", option->name, arg);
	return 0;
}

static int
set_unmapped_mmio(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size)
{
	if (forward_unmapped_parse(arg, (enum forward_unmapped *)
	    ((char *)context + option->offset)) < 0)
		return option_error(error, error_size, "--%s: '%s' is not "
		    "ignore, stop or abort", option->name, arg);
	return 0;
}

static int
set_transport(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size)
{
	if (vm_transport_parse(arg, (enum vm_transport *)
	    ((char *)context + option->offset)) < 0)
		return option_error(error, error_size, "--%s: '%s' is not pci "
		    "or mmio", option->name, arg);
	return 0;
}

static const struct option_desc
    opt_kernel = { "kernel", 0, "IMAGE", "an arm64 Linux Image or Image.gz, "
	"or a raw binary (loaded at RAM base + 0x80000)", NULL,
	option_set_text, VM(kernel_path), NULL },
    opt_initrd = { "initrd", 0, "FILE", "an initramfs for it", NULL,
	option_set_text, VM(initrd_path), NULL },
    opt_cmdline = { "cmdline", 0, "TEXT", "the kernel command line (default "
	"\"" VMMD_DEFAULT_CMDLINE "\")", NULL, option_set_text, VM(cmdline),
	NULL },
    opt_payload = { "payload", 0, "FILE", "a flat binary guest, loaded at RAM "
	"base + --offset", NULL, option_set_text, VM(payload_path), NULL },
    opt_offset = { "offset", 0, "BYTES", "where --payload goes in guest RAM",
	"0", set_size, VM(payload_offset), NULL },
    opt_vcpus = { "vcpus", 0, "N", "vCPUs, 1 to " VMMD_STRINGIFY(VM_MAX_VCPUS),
	"1", set_count, VM(vcpus), NULL },
    opt_memory = { "memory", 0, "SIZE", "guest RAM, e.g. 256M or 1G",
	VMMD_DEFAULT_MEMORY_TEXT, set_size, VM(memory_size), NULL },
    opt_max_boots = { "max-boots", 0, "N", "stop when the guest asks for its "
	"Nth boot (default: never)", NULL, set_count, VM(max_boots), NULL },
    opt_dump_dtb = { "dump-dtb", 0, "FILE", "write the generated device tree "
	"to FILE", NULL, option_set_text, VM(dump_dtb_path), NULL },
    opt_console_log = { "console-log", 0, "FILE", "the guest's serial console "
	"to FILE (default: stdout, input from stdin)", NULL, option_set_text,
	offsetof(struct vmmd_options, console_log_path), NULL },
    opt_console_log_max = { "console-log-max", 0, "SIZE", "cap the console "
	"log file at SIZE, 64K or more (default 1M: the newest half is kept)",
	NULL, set_size, VM(console_log_max), NULL },
    opt_hugepages = { "hugepages", 0, NULL, "back guest RAM with huge pages "
	"(hugetlbfs)", NULL, option_set_flag, VM(huge_pages), NULL },
    opt_boot_marker = { "boot-marker", 0, "TEXT", "report when the console "
	"first shows TEXT", NULL, option_set_text, VM(boot_marker), NULL },
    opt_kvm = { "kvm", 0, "PATH", "the KVM device", KVM_DEVICE_PATH,
	option_set_text, VM(kvm_path), NULL },
    opt_json = { "json", 0, NULL, "the result as one JSON object", NULL,
	option_set_flag, offsetof(struct vmmd_options, json), NULL },
    opt_scratch_device = { "scratch-device", 0, "ADDRESS", "map a 4 KiB "
	"scratch MMIO device there (tests)", NULL, set_size, VM(scratch_base),
	NULL },
    opt_unmapped_mmio = { "unmapped-mmio", 0, "POLICY", "what a guest's "
	"access to no device gets: ignore (reads zero), stop, abort",
	"ignore", set_unmapped_mmio, VM(unmapped_mmio), NULL },
    opt_transport = { "transport", 0, "TRANSPORT", "what the virtio devices "
	"sit on: pci (a PCIe host, what stock kernels have built in) or mmio",
	"pci", set_transport, VM(transport), NULL },
    opt_no_smccc_filter = { "no-smccc-filter", 0, NULL, "do not give KVM the "
	"forward map's SMCCC ranges", NULL, option_set_flag,
	VM(no_hypercall_filter), NULL },
    opt_cpu_template = { "cpu-template", 0, "FILE", "a CPU template (JSON): "
	"lower ID-register fields, choose SVE/PMU/ptrauth", NULL,
	option_set_text, offsetof(struct vmmd_options, cpu_template_path),
	NULL },
    opt_restore = { "restore", 0, "DIR", "the first boot from the snapshot "
	"in DIR (its files state and memory, docs/snapshot.md); the VM's "
	"options must be the snapshot's", NULL, option_set_text,
	offsetof(struct vmmd_options, restore_dir), NULL },
    opt_template = { "template", 0, "FILE", "the same as --cpu-template",
	NULL, option_set_text, offsetof(struct vmmd_options, cpu_template_path),
	NULL };

/* --disk, --net, ...: the table of device kinds gives them. */
static int
add_device(const struct option_desc *option, void *context, const char *arg,
    char *error, size_t error_size)
{
	return device_options_add(&OPTIONS(context)->devices, option->data,
	    arg, error, error_size);
}

static struct option_desc device_kind_options[API_DEVICE_TYPE_COUNT];

static void
device_kind_options_fill(void)
{
	const struct device_kind *const *kinds;
	size_t count, i;

	kinds = device_kinds(&count);
	for (i = 0; i < count && i < API_DEVICE_TYPE_COUNT; i++)
		device_kind_options[i] = (struct option_desc){
			kinds[i]->option, 0, kinds[i]->option_arg,
			kinds[i]->option_help, NULL, add_device, 0, kinds[i] };
}

static int
check_run_options(void *context, char *error, size_t error_size)
{
	struct vmmd_options *options = context;

	options->vm.devices = options->devices.specs;
	options->vm.device_count = options->devices.count;
	if (options->vm.payload_path != NULL && options->vm.kernel_path != NULL)
		return option_error(error, error_size,
		    "run: give either --kernel or --payload");
	if (options->vm.payload_path == NULL && options->vm.kernel_path == NULL &&
	    options->restore_dir == NULL)
		return option_error(error, error_size,
		    "run: give --kernel, --payload or --restore");
	if (options->vm.payload_path != NULL && (options->vm.initrd_path != NULL ||
	    options->vm.cmdline != NULL || options->vm.dump_dtb_path != NULL))
		return option_error(error, error_size, "run: --initrd, --cmdline "
		    "and --dump-dtb go with --kernel, not --payload");
	if (options->vm.memory_size % GUEST_MEMORY_ALIGN != 0)
		return option_error(error, error_size,
		    "run: --memory %llu is not a multiple of %u KiB",
		    (unsigned long long)options->vm.memory_size,
		    GUEST_MEMORY_ALIGN / 1024);
	if (options->vm.payload_offset >= options->vm.memory_size)
		return option_error(error, error_size,
		    "run: --offset %llu is beyond --memory %llu",
		    (unsigned long long)options->vm.payload_offset,
		    (unsigned long long)options->vm.memory_size);
	return 0;
}

static const struct command_desc command_run = {
	VMMD_COMMAND_RUN, "run", "run a guest until it stops", NULL, NULL, 0, 0,
	(const struct option_desc *const[]){ &opt_kernel, &opt_initrd,
	    &opt_cmdline, &opt_payload, &opt_offset, &opt_vcpus, &opt_memory,
	    &opt_max_boots, &opt_dump_dtb, &opt_console_log,
	    &opt_console_log_max, &opt_hugepages,
	    &opt_boot_marker, &opt_kvm, &opt_json, &opt_cpu_template,
	    &opt_template, &opt_scratch_device, &opt_unmapped_mmio,
	    &opt_transport, &opt_no_smccc_filter, &opt_restore, NULL },
	device_kind_options, API_DEVICE_TYPE_COUNT, check_run_options,
};

static const struct command_desc command_probe = {
	VMMD_COMMAND_PROBE, "--probe", "can this host run VMs on KVM, in which "
	"mode, with which capabilities, CPUs and errata (docs/probe.md)",
	NULL, NULL, 0, 0,
	(const struct option_desc *const[]){ &opt_kvm, &opt_json, NULL },
	NULL, 0, NULL,
};

static const struct command_desc command_cpu_model = {
	VMMD_COMMAND_CPU_MODEL, "--cpu-model", "this host's CPU model: ID "
	"registers, writable masks, features, the sysreg cross-check",
	NULL, NULL, 0, 0,
	(const struct option_desc *const[]){ &opt_kvm, &opt_json, NULL },
	NULL, 0, NULL,
};

static const struct command_desc command_cpu_model_compare = {
	VMMD_COMMAND_CPU_MODEL_COMPARE, "--cpu-model-compare", "two --cpu-model "
	"--json reports: differing fields, and whether the template runs on "
	"both", "A.json B.json", "two report files", 2, 2,
	(const struct option_desc *const[]){ &opt_kvm, &opt_json,
	    &opt_cpu_template, &opt_template, NULL },
	NULL, 0, NULL,
};

/* `vmmd daemon`: its effects are on struct daemon_options. */
#define DAEMON(context)	((struct daemon_options *)(context))

static int
daemon_config_file(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size)
{
	struct daemon_config *config = DAEMON(context)->config;
	char why[256];

	(void)option;
	if (daemon_config_load(config, arg, why, sizeof(why)) < 0)
		return option_error(error, error_size, "%s", why);
	snprintf(config->config_path, sizeof(config->config_path), "%s", arg);
	return 0;
}

static int
daemon_path(const struct option_desc *option, void *context, const char *arg,
    char *error, size_t error_size)
{
	char *path = (char *)DAEMON(context)->config + option->offset;

	if (strlen(arg) >= DAEMON_PATH_MAX)
		return option_error(error, error_size, "--%s: '%.64s...' is "
		    "longer than %d bytes", option->name, arg, DAEMON_PATH_MAX - 1);
	memcpy(path, arg, strlen(arg) + 1);
	return 0;
}

static int
daemon_no_kvm(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size)
{
	(void)option;
	(void)arg;
	(void)error;
	(void)error_size;
	DAEMON(context)->config->kvm = false;
	return 0;
}

static const struct option_desc
    opt_config = { "config", 0, "FILE", "read the configuration from FILE "
	"(vmmd.conf(5)); options after it override it", NULL,
	daemon_config_file, 0, NULL },
    opt_socket = { "socket", 0, "PATH", "the control socket (default "
	"/run/vmmd/vmmd.sock)", NULL, daemon_path,
	offsetof(struct daemon_config, socket_path), NULL },
    opt_state_dir = { "state-dir", 0, "DIR", "console logs and VM records "
	"(default /run/vmmd)", NULL, daemon_path,
	offsetof(struct daemon_config, state_dir), NULL },
    opt_no_kvm = { "no-kvm", 0, NULL, "run without KVM: every VM start is "
	"refused (protocol tests)", NULL, daemon_no_kvm, 0, NULL },
    opt_detach = { "detach", 0, NULL, "return, with status 0, once the "
	"socket listens", NULL, option_set_flag,
	offsetof(struct daemon_options, detach), NULL },
    opt_pid_file = { "pid-file", 0, "FILE", "with --detach, write the "
	"daemon's process ID there", NULL, option_set_text,
	offsetof(struct daemon_options, pid_file), NULL };

static const struct command_desc command_daemon = {
	VMMD_COMMAND_DAEMON, "daemon", "serve the control socket "
	"(docs/protocol.md; client: vmmctl)", NULL, NULL, 0, 0,
	(const struct option_desc *const[]){ &opt_config, &opt_socket,
	    &opt_state_dir, &opt_no_kvm, &opt_detach, &opt_pid_file, NULL },
	NULL, 0, NULL,
};

static const struct command_desc command_vm_process = {
	VMMD_COMMAND_VM_PROCESS, "vm-process", "one VM's process: the daemon "
	"starts it, with its socketpair on fd 3", NULL, NULL, 0, 0,
	(const struct option_desc *const[]){ NULL }, NULL, 0, NULL,
};

static const struct command_desc *const commands[] = {
	&command_run, &command_daemon, &command_probe, &command_cpu_model,
	&command_cpu_model_compare, &command_vm_process,
};

static const struct command_set command_set = {
	commands, sizeof(commands) / sizeof(commands[0]) };

const struct command_set *
vmmd_commands(void)
{
	device_kind_options_fill();
	return &command_set;
}

/* The commands' tables, defaults applied to a scratch struct vmmd_options
 * (daemon's options have no defaults of their own: the configuration's). */
int
vmmd_options_validate(char *error, size_t error_size)
{
	return command_table_validate(vmmd_commands(),
	    sizeof(struct vmmd_options), error, error_size);
}

static const struct command_desc *
command_named(const char *name)
{
	size_t i;

	for (i = 0; i < command_set.count; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

void
vmmd_usage(FILE *out)
{
	size_t i;

	fputs("usage: vmmd [-v] COMMAND [OPTIONS]\n"
	    "       vmmd --help | --version\n\n"
	    "Every command also takes -v/--verbose (log debugging lines too), "
	    "-h/--help\n(this text) and -V/--version.\n", out);
	vmmd_commands();
	for (i = 0; i < command_set.count; i++) {
		fputc('\n', out);
		command_usage(commands[i], out);
	}
	fputs("\nexit status: 0 the guest powered off, 1 failure, 2 usage error,\n"
	    "3 KVM unavailable, 4 the guest asked to reboot (--max-boots), 5 the\n"
	    "guest crashed, 6 the guest did something vmmd cannot serve, 7 the\n"
	    "guest kernel panicked\n", out);
}

#ifndef VMMD_VERSION
#define VMMD_VERSION "unknown"
#endif

void
vmmd_usage_or_version(enum command_line_result result, FILE *out)
{
	if (result == COMMAND_LINE_VERSION)
		fprintf(out, "vmmd %s\n", VMMD_VERSION);
	else
		vmmd_usage(out);
}

/* Before the command: -v, --help, --version, and a command given as a
 * flag (--probe, --cpu-model, --cpu-model-compare). 1: the command is
 * known (or help, version), 0: a command word follows, -1: an error. */
static int
parse_global_options(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size)
{
	static const struct option globals[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "probe", no_argument, NULL, VMMD_COMMAND_PROBE },
		{ "cpu-model", no_argument, NULL, VMMD_COMMAND_CPU_MODEL },
		{ "cpu-model-compare", no_argument, NULL,
		    VMMD_COMMAND_CPU_MODEL_COMPARE },
		{ NULL, 0, NULL, 0 },
	};
	int id;

	while ((id = getopt_long(argc, argv, "+:hVv", globals, NULL)) != -1) {
		if (id == 'v')
			options->verbose = true;
		else if (id == 'h' || id == 'V') {
			options->command = id == 'h' ? VMMD_COMMAND_HELP :
			    VMMD_COMMAND_VERSION;
			return 1;
		} else if (id == ':')
			return option_error(error, error_size,
			    "option '%s' needs a value", argv[optind - 1]);
		else if (id == '?')
			return option_error(error, error_size, "unknown option "
			    "'%s' (command options go after the command)",
			    argv[optind - 1]);
		else {
			options->command = (enum vmmd_command)id;
			return 1;
		}
	}
	return 0;
}

static const struct command_desc *
command_of(enum vmmd_command id)
{
	size_t i;

	for (i = 0; i < command_set.count; i++)
		if (commands[i]->id == (int)id)
			return commands[i];
	return NULL;
}

static int
parse_command(const struct command_desc *command, int argc, char **argv,
    struct vmmd_options *options, char *error, size_t error_size)
{
	struct command_line line = { .result = COMMAND_LINE_PARSED };
	unsigned int i;

	options->command = (enum vmmd_command)command->id;
	if (command_defaults(command, options, error, error_size) < 0 ||
	    command_parse(&command_set, command, argc, argv, options, &line,
	    error, error_size) < 0)
		return -1;
	options->verbose |= line.verbose;
	if (line.result != COMMAND_LINE_PARSED)
		options->command = line.result == COMMAND_LINE_HELP ?
		    VMMD_COMMAND_HELP : VMMD_COMMAND_VERSION;
	for (i = 0; i < line.operand_count && i < 2; i++)
		options->compare[i] = line.operands[i];
	return 0;
}

int
vmmd_options_parse(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size)
{
	const struct command_desc *command;
	int rc;

	*options = (struct vmmd_options){
		.command = VMMD_COMMAND_HELP,
		.vm = { .console_log_fd = -1, .console_fd = -1,
		    .console_input_fd = -1 },
	};
	vmmd_commands();
	optind = 0;	/* full reset of getopt's state: this may run again */
	opterr = 0;
	rc = parse_global_options(argc, argv, options, error, error_size);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		command = command_of(options->command);
		return command == NULL ? 0 : parse_command(command, argc, argv,
		    options, error, error_size);
	}
	if (optind == argc)
		return option_error(error, error_size, "no command given");
	command = command_named(argv[optind]);
	if (command == NULL || command->name[0] == '-')
		return option_error(error, error_size, "unknown command '%s'",
		    argv[optind]);
	options->command_index = optind++;
	options->command = (enum vmmd_command)command->id;
	/* The daemon and the VM process parse their own: main hands them
	 * argv from the command on. */
	if (command == &command_daemon || command == &command_vm_process)
		return 0;
	return parse_command(command, argc, argv, options, error, error_size);
}

int
daemon_options_parse(int argc, char **argv, struct daemon_options *options,
    char *error, size_t error_size)
{
	struct command_line line = { .result = COMMAND_LINE_PARSED };

	vmmd_commands();
	optind = 0;	/* getopt's full reset; argv[0] is "daemon" */
	opterr = 0;
	if (command_parse(&command_set, &command_daemon, argc, argv, options,
	    &line, error, error_size) < 0)
		return -1;
	options->verbose = line.verbose;
	options->result = line.result;
	return 0;
}
