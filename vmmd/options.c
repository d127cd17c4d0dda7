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
	OPTION_PROBE,
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
	{ "probe", no_argument, NULL, OPTION_PROBE },
	{ NULL, 0, NULL, 0 },
};

void
vmmd_usage(FILE *out)
{
	fputs("usage: vmmd [-v] [--help] [--version]\n"
	    "       vmmd run --payload FILE [--offset BYTES] [--memory SIZE]\n"
	    "                [--kvm PATH] [--json]\n"
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
	    "\n"
	    "exit status: 0 the guest powered off, 1 failure, 2 usage error,\n"
	    "3 KVM unavailable, 4 the guest asked to reboot, 5 the guest\n"
	    "crashed, 6 the guest did something vmmd cannot serve\n", out);
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
	case OPTION_PAYLOAD:
		options->vm.payload_path = arg;
		return 0;
	case OPTION_KVM:
		options->vm.kvm_path = arg;
		return 0;
	case OPTION_OFFSET:
		if (parse_size(arg, &options->vm.payload_offset) < 0)
			return option_error(error, error_size,
			    "--offset: '%s' is not a size", arg);
		return 0;
	case OPTION_MEMORY:
		if (parse_size(arg, &options->vm.memory_size) < 0 ||
		    options->vm.memory_size == 0)
			return option_error(error, error_size,
			    "--memory: '%s' is not a size", arg);
		return 0;
	default:
		return option_error(error, error_size, "unknown option");
	}
}

static int
check_run_options(const struct vmmd_options *options, char *error,
    size_t error_size)
{
	if (options->vm.payload_path == NULL)
		return option_error(error, error_size, "run: --payload is required");
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
		if (id == OPTION_PROBE) {
			options->command = VMMD_COMMAND_PROBE;
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

/* The long name of a known option ("payload"); argv[optind - 1] would be
 * its value when it has one. */
static const char *
option_name(int id)
{
	const struct option *o;

	for (o = long_options; o->name != NULL; o++)
		if (o->val == id)
			return o->name;
	return NULL;
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
		    .memory_size = VMMD_DEFAULT_MEMORY },
	};
	optind = 0;	/* full reset of getopt's state: this may run again */
	opterr = 0;
	rc = parse_global_options(argc, argv, options, error, error_size);
	if (rc == 2)
		return parse_probe_options(argc, argv, options, error, error_size);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (optind == argc)
		return option_error(error, error_size, "no command given");
	command = argv[optind++];
	if (strcmp(command, "run") != 0)
		return option_error(error, error_size, "unknown command '%s'",
		    command);
	options->command = VMMD_COMMAND_RUN;
	return parse_run_options(argc, argv, options, error, error_size);
}
