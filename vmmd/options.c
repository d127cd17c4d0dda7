/* Parsing vmmd's command line into struct vmmd_options. Errors are written
 * to the caller's buffer, naming the option and the value at fault. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/guest_memory.h"
#include "../core/kvm.h"

enum option_id {
	OPTION_HELP = 'h',
	OPTION_VERSION = 'V',
	OPTION_VERBOSE = 'v',
	OPTION_PAYLOAD = 0x100,
	OPTION_OFFSET,
	OPTION_MEMORY,
	OPTION_KVM,
	OPTION_JSON,
	OPTION_KERNEL,
	OPTION_INITRD,
	OPTION_CMDLINE,
	OPTION_VCPUS,
	OPTION_DUMP_DTB,
	OPTION_CONSOLE_LOG,
	OPTION_MAX_BOOTS,
	OPTION_HUGEPAGES,
	OPTION_BOOT_MARKER,
	OPTION_SCRATCH_DEVICE,
	OPTION_NO_SMCCC_FILTER,
	OPTION_CPU_TEMPLATE,
	OPTION_CPU_MODEL,
	OPTION_CPU_MODEL_COMPARE,
	OPTION_PROBE,
	OPTION_DISK,
	OPTION_RNG,
	OPTION_NET,
	OPTION_VSOCK,
	OPTION_VIRTIO_CONSOLE,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, OPTION_HELP },
	{ "version", no_argument, NULL, OPTION_VERSION },
	{ "verbose", no_argument, NULL, OPTION_VERBOSE },
	{ "payload", required_argument, NULL, OPTION_PAYLOAD },
	{ "offset", required_argument, NULL, OPTION_OFFSET },
	{ "memory", required_argument, NULL, OPTION_MEMORY },
	{ "kvm", required_argument, NULL, OPTION_KVM },
	{ "json", no_argument, NULL, OPTION_JSON },
	{ "kernel", required_argument, NULL, OPTION_KERNEL },
	{ "initrd", required_argument, NULL, OPTION_INITRD },
	{ "cmdline", required_argument, NULL, OPTION_CMDLINE },
	{ "vcpus", required_argument, NULL, OPTION_VCPUS },
	{ "dump-dtb", required_argument, NULL, OPTION_DUMP_DTB },
	{ "console-log", required_argument, NULL, OPTION_CONSOLE_LOG },
	{ "max-boots", required_argument, NULL, OPTION_MAX_BOOTS },
	{ "hugepages", no_argument, NULL, OPTION_HUGEPAGES },
	{ "boot-marker", required_argument, NULL, OPTION_BOOT_MARKER },
	{ "scratch-device", required_argument, NULL, OPTION_SCRATCH_DEVICE },
	{ "no-smccc-filter", no_argument, NULL, OPTION_NO_SMCCC_FILTER },
	{ "cpu-template", required_argument, NULL, OPTION_CPU_TEMPLATE },
	{ "template", required_argument, NULL, OPTION_CPU_TEMPLATE },
	{ "cpu-model", no_argument, NULL, OPTION_CPU_MODEL },
	{ "cpu-model-compare", no_argument, NULL, OPTION_CPU_MODEL_COMPARE },
	{ "probe", no_argument, NULL, OPTION_PROBE },
	{ "disk", required_argument, NULL, OPTION_DISK },
	{ "rng", no_argument, NULL, OPTION_RNG },
	{ "net", required_argument, NULL, OPTION_NET },
	{ "vsock", required_argument, NULL, OPTION_VSOCK },
	{ "virtio-console", no_argument, NULL, OPTION_VIRTIO_CONSOLE },
	{ NULL, 0, NULL, 0 },
};

void
vmmd_usage(FILE *out)
{
	fputs("usage: vmmd [-v] [--help] [--version]\n"
	    "       vmmd run --kernel IMAGE [--initrd FILE] [--cmdline TEXT]\n"
	    "                [--vcpus N] [--memory SIZE] [--max-boots N]\n"
	    "                [--dump-dtb FILE] [--console-log FILE] [--kvm PATH] [--json]\n"
	    "       vmmd run --payload FILE [--offset BYTES] [--memory SIZE] ...\n"
	    "                [--scratch-device ADDRESS] [--no-smccc-filter]\n"
	    "       vmmd daemon [--config FILE] [--socket PATH] [--state-dir DIR]\n"
	    "                [--no-kvm] [--detach] [--pid-file FILE] [--verbose]\n"
	    "\n"
	    "  daemon       serve the control socket (docs/protocol.md; client: vmmctl)\n"
	    "  run          run a guest until it stops\n"
	    "  --kernel     an arm64 Linux Image or Image.gz\n"
	    "  --initrd     an initramfs for it\n"
	    "  --cmdline    the kernel command line (default \"" VMMD_DEFAULT_CMDLINE "\")\n"
	    "  --payload    a flat binary, loaded at RAM base + --offset (default 0)\n"
	    "  --vcpus      vCPUs, 1 to " VMMD_STRINGIFY(VM_MAX_VCPUS) " (default 1)\n"
	    "  --memory     guest RAM, e.g. 256M or 1G (default 256M)\n"
	    "  --max-boots  stop when the guest asks for its Nth boot (default: never)\n"
	    "  --dump-dtb   write the generated device tree to FILE\n"
	    "  --console-log  the guest's serial console to FILE (default: stdout,\n"
	    "               with input from stdin)\n"
	    "  --hugepages  back guest RAM with huge pages (hugetlbfs)\n"
	    "  --boot-marker  report when the console first shows TEXT\n"
	    "  --kvm        the KVM device (default " KVM_DEVICE_PATH ")\n"
	    "  --json       report how the guest stopped as one JSON object\n"
	    "  --scratch-device  map a 4 KiB scratch MMIO device there (tests)\n"
	    "  --no-smccc-filter  do not give KVM the forward map's SMCCC ranges\n"
	    "  --disk PATH[,ro][,serial=ID]  a virtio-blk disk (repeatable)\n"
	    "  --rng        a virtio-rng entropy device\n"
	    "  --net tap=NAME|fd=N[,mac=MAC]  a virtio-net NIC on a tap (repeatable)\n"
	    "  --vsock CID  a virtio-vsock device with this guest CID (vhost-vsock)\n"
	    "  --virtio-console  a virtio-console (hvc0), output to the console\n"
	    "       vmmd run --payload FILE [--offset BYTES] [--memory SIZE]\n"
	    "                [--kvm PATH] [--json] [--cpu-template FILE]\n"
	    "       vmmd --cpu-model [--json] [--kvm PATH]\n"
	    "       vmmd --cpu-model-compare A.json B.json [--cpu-template FILE]\n"
	    "                [--json]\n"
	    "       vmmd --probe [--kvm PATH] [--json]\n"
	    "\n"
	    "  --probe    can this host run VMs on KVM, in which mode, with which\n"
	    "             capabilities, CPUs and errata (docs/probe.md); `run'\n"
	    "             probes first and refuses when KVM cannot serve\n"
	    "  run        run a flat binary guest on one vCPU until it stops\n"
	    "  --payload  the guest's code, loaded at RAM base + offset\n"
	    "  --offset   where the payload goes in guest RAM (default 0)\n"
	    "  --memory   guest RAM, e.g. 64M or 1G (default 64M)\n"
	    "  --kvm      the KVM device (default " KVM_DEVICE_PATH ")\n"
	    "  --json     report how the guest stopped as one JSON object\n"
	    "  --cpu-template  lower ID-register fields, choose SVE/PMU/ptrauth\n"
	    "  --cpu-model     this host's CPU model: ID registers, writable\n"
	    "                  masks, features, the sysreg cross-check\n"
	    "  --cpu-model-compare  two --cpu-model --json reports: differing\n"
	    "                  fields, and whether the template runs on both\n"
	    "\n"
	    "exit status: 0 the guest powered off, 1 failure, 2 usage error,\n"
	    "3 KVM unavailable, 4 the guest asked to reboot (--max-boots), 5 the\n"
	    "guest crashed, 6 the guest did something vmmd cannot serve, 7 the\n"
	    "guest kernel panicked\n", out);
}

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

static int __attribute__((format(printf, 3, 4)))
option_error(char *error, size_t error_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error, error_size, fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_option(int id, const char *arg, struct vmmd_options *options,
    char *error, size_t error_size)
{
	switch (id) {
	case OPTION_HELP:
		options->command = VMMD_COMMAND_HELP;
		return 0;
	case OPTION_VERSION:
		options->command = VMMD_COMMAND_VERSION;
		return 0;
	case OPTION_VERBOSE:
		options->verbose = true;
		return 0;
	case OPTION_JSON:
		options->json = true;
		return 0;
	case OPTION_CPU_TEMPLATE:
		options->cpu_template_path = arg;
		return 0;
	case OPTION_PAYLOAD:
		options->vm.payload_path = arg;
		return 0;
	case OPTION_KVM:
		options->vm.kvm_path = arg;
		return 0;
	case OPTION_SCRATCH_DEVICE:
		options->vm.scratch_device = true;
		if (parse_size(arg, &options->vm.scratch_base) < 0)
			return option_error(error, error_size,
			    "--scratch-device: '%s' is not an address", arg);
		return 0;
	case OPTION_NO_SMCCC_FILTER:
		options->vm.no_hypercall_filter = true;
		return 0;
	case OPTION_OFFSET:
		if (parse_size(arg, &options->vm.payload_offset) < 0)
			return option_error(error, error_size,
			    "--offset: '%s' is not a size", arg);
		return 0;
	case OPTION_KERNEL:
		options->vm.kernel_path = arg;
		return 0;
	case OPTION_INITRD:
		options->vm.initrd_path = arg;
		return 0;
	case OPTION_CMDLINE:
		options->vm.cmdline = arg;
		return 0;
	case OPTION_HUGEPAGES:
		options->vm.huge_pages = true;
		return 0;
	case OPTION_BOOT_MARKER:
		options->vm.boot_marker = arg;
		return 0;
	case OPTION_DUMP_DTB:
		options->vm.dump_dtb_path = arg;
		return 0;
	case OPTION_CONSOLE_LOG:
		options->console_log_path = arg;
		return 0;
	case OPTION_VCPUS:
		if (parse_count(arg, 1, VM_MAX_VCPUS, &options->vm.vcpus) < 0)
			return option_error(error, error_size,
			    "--vcpus: '%s' is not a number from 1 to %d", arg,
			    VM_MAX_VCPUS);
		return 0;
	case OPTION_MAX_BOOTS:
		if (parse_count(arg, 1, UINT32_MAX, &options->vm.max_boots) < 0)
			return option_error(error, error_size,
			    "--max-boots: '%s' is not a positive number", arg);
		return 0;
	case OPTION_MEMORY:
		if (parse_size(arg, &options->vm.memory_size) < 0 ||
		    options->vm.memory_size == 0)
			return option_error(error, error_size,
			    "--memory: '%s' is not a size", arg);
		return 0;
	case OPTION_DISK:
		return device_options_disk(&options->devices, arg, error,
		    error_size);
	case OPTION_NET:
		return device_options_net(&options->devices, arg, error,
		    error_size);
	case OPTION_VSOCK:
		return device_options_vsock(&options->devices, arg, error,
		    error_size);
	case OPTION_VIRTIO_CONSOLE:
		return device_options_console(&options->devices, error,
		    error_size);
	case OPTION_RNG:
		return device_options_rng(&options->devices, error, error_size);
	default:
		return option_error(error, error_size, "unknown option");
	}
}

static int
check_run_options(const struct vmmd_options *options, char *error,
    size_t error_size)
{
	if ((options->vm.payload_path == NULL) == (options->vm.kernel_path == NULL))
		return option_error(error, error_size,
		    "run: give either --kernel or --payload");
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

/* Global options come before the command; only -v, --help and --version
 * are global. --help and --version end parsing wherever they appear. */
static int
parse_global_options(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size)
{
	int id;

	while ((id = getopt_long(argc, argv, "+:hVv", long_options, NULL)) != -1) {
		if (id == OPTION_HELP || id == OPTION_VERSION || id == OPTION_VERBOSE) {
			parse_option(id, optarg, options, error, error_size);
			if (id != OPTION_VERBOSE)
				return 1;
			continue;
		}
		if (id == OPTION_CPU_MODEL || id == OPTION_CPU_MODEL_COMPARE ||
		    id == OPTION_PROBE) {
			options->command = id == OPTION_CPU_MODEL ?
			    VMMD_COMMAND_CPU_MODEL : id == OPTION_PROBE ?
			    VMMD_COMMAND_PROBE : VMMD_COMMAND_CPU_MODEL_COMPARE;
			return 2;
		}
		if (id == ':')
			return option_error(error, error_size,
			    "option '%s' needs a value", argv[optind - 1]);
		return option_error(error, error_size,
		    "unknown option '%s' (command options go after the command)",
		    argv[optind - 1]);
	}
	return 0;
}

static int
parse_run_options(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size)
{
	int id;

	while ((id = getopt_long(argc, argv, "+:hVv", long_options, NULL)) != -1) {
		if (id == ':')
			return option_error(error, error_size,
			    "run: option '%s' needs a value", argv[optind - 1]);
		if (id == '?')
			return option_error(error, error_size,
			    "run: unknown option '%s'", argv[optind - 1]);
		if (parse_option(id, optarg, options, error, error_size) < 0)
			return -1;
		if (id == OPTION_HELP || id == OPTION_VERSION)
			return 0;
	}
	if (optind != argc)
		return option_error(error, error_size,
		    "run: unexpected argument '%s'", argv[optind]);
	return check_run_options(options, error, error_size);
}

/* --cpu-model and --cpu-model-compare take --json, --kvm, --cpu-template
 * and, for the comparison, the two reports. */
static const char *
option_name(int id)
{
	const struct option *option;

	for (option = long_options; option->name != NULL; option++)
		if (option->val == id)
			return option->name;
	return "?";
}

static int
cpu_model_option(int id, struct vmmd_options *options, char **argv,
    char *error, size_t error_size)
{
	const char *command =
	    options->command == VMMD_COMMAND_CPU_MODEL_COMPARE ?
	    "--cpu-model-compare" : "--cpu-model";

	if (id == ':' || id == '?')
		return option_error(error, error_size, "%s: option '%s' %s",
		    command, argv[optind - 1],
		    id == ':' ? "needs a value" : "is unknown");
	if (id == OPTION_PAYLOAD || id == OPTION_OFFSET ||
	    id == OPTION_MEMORY || id == OPTION_CPU_MODEL ||
	    id == OPTION_CPU_MODEL_COMPARE)
		return option_error(error, error_size, "%s: option '--%s' does "
		    "not apply", command, option_name(id));
	return parse_option(id, optarg, options, error, error_size);
}

/* --cpu-model and --cpu-model-compare take --json, --kvm, --cpu-template
 * and, for the comparison, the two reports, in any order. getopt stops at
 * each report (the global options asked it to keep order). */
static int
parse_cpu_model_options(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size)
{
	bool compare = options->command == VMMD_COMMAND_CPU_MODEL_COMPARE;
	int id, reports = 0;

	while (optind < argc) {
		id = getopt_long(argc, argv, "+:hVv", long_options, NULL);
		if (id == -1) {
			if (optind >= argc)
				break;
			if (reports == 2 || !compare)
				return option_error(error, error_size,
				    "%s: unexpected argument '%s'", compare ?
				    "--cpu-model-compare" : "--cpu-model",
				    argv[optind]);
			options->compare[reports++] = argv[optind++];
			continue;
		}
		if (cpu_model_option(id, options, argv, error, error_size) < 0)
			return -1;
		if (id == OPTION_HELP || id == OPTION_VERSION)
			return 0;
	}
	if (compare && reports != 2)
		return option_error(error, error_size,
		    "--cpu-model-compare needs two report files");
	return 0;
}

/* --probe takes --kvm, --json and -v, nothing else. */
static int
parse_probe_options(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size)
{
	int id;

	while ((id = getopt_long(argc, argv, "+:hVv", long_options, NULL)) != -1) {
		if (id == ':')
			return option_error(error, error_size,
			    "--probe: option '%s' needs a value", argv[optind - 1]);
		if (id == '?')
			return option_error(error, error_size,
			    "--probe: unknown option '%s'", argv[optind - 1]);
		if (id != OPTION_JSON && id != OPTION_KVM && id != OPTION_VERBOSE &&
		    id != OPTION_HELP && id != OPTION_VERSION)
			return option_error(error, error_size,
			    "--probe: option '--%s' does not apply", option_name(id));
		parse_option(id, optarg, options, error, error_size);
		if (id == OPTION_HELP || id == OPTION_VERSION)
			return 0;
	}
	if (optind != argc)
		return option_error(error, error_size,
		    "--probe: unexpected argument '%s'", argv[optind]);
	return 0;
}

int
vmmd_options_parse(int argc, char **argv, struct vmmd_options *options,
    char *error, size_t error_size)
{
	const char *command;
	int rc;

	*options = (struct vmmd_options){
		.command = VMMD_COMMAND_HELP,
		.vm = { .kvm_path = KVM_DEVICE_PATH,
		    .memory_size = VMMD_DEFAULT_MEMORY, .vcpus = 1,
		    .console_log_fd = -1, .console_fd = -1,
		    .console_input_fd = -1 },
	};
	optind = 0;	/* full reset of getopt's state: this may run again */
	opterr = 0;
	rc = parse_global_options(argc, argv, options, error, error_size);
	if (rc == 2)
		return options->command == VMMD_COMMAND_PROBE ?
		    parse_probe_options(argc, argv, options, error, error_size) :
		    parse_cpu_model_options(argc, argv, options, error,
		    error_size);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (optind == argc)
		return option_error(error, error_size, "no command given");
	command = argv[optind++];
	if (strcmp(command, "run") != 0)
		return option_error(error, error_size, "unknown command '%s'",
		    command);
	options->command = VMMD_COMMAND_RUN;
	options->vm.devices = options->devices.specs;
	rc = parse_run_options(argc, argv, options, error, error_size);
	options->vm.device_count = options->devices.count;
	return rc;
}
