/* vmmd's command line: commands, sizes, and the errors bad input gets. */
#include <string.h>

#include "../../vmmd/options.h"
#include "suites.h"

#define ARGV(...)	((char *[]){ "vmmd", __VA_ARGS__, NULL })
#define ARGC(...)	((int)(sizeof((char *[]){ "vmmd", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(...)	vmmd_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), \
			    &options, error, sizeof(error))

static struct vmmd_options options;
static char error[256];

START_TEST(test_version_and_help)
{
	ck_assert_int_eq(PARSE("--version"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_VERSION);
	ck_assert_int_eq(PARSE("-h"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_HELP);
	ck_assert_int_eq(PARSE("run", "--help"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_HELP);
}
END_TEST

START_TEST(test_run_defaults)
{
	ck_assert_int_eq(PARSE("run", "--payload", "guest.bin"), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_RUN);
	ck_assert_str_eq(options.vm.payload_path, "guest.bin");
	ck_assert_str_eq(options.vm.kvm_path, "/dev/kvm");
	ck_assert_uint_eq(options.vm.memory_size, VMMD_DEFAULT_MEMORY);
	ck_assert_uint_eq(options.vm.payload_offset, 0);
	ck_assert_uint_eq(options.vm.vcpus, 1);
	ck_assert_uint_eq(options.vm.max_boots, 0);
	ck_assert(!options.json);
}
END_TEST

START_TEST(test_run_all_options)
{
	ck_assert_int_eq(PARSE("-v", "run", "--payload", "g.bin", "--memory",
	    "1G", "--offset", "0x80000", "--kvm", "/tmp/kvm", "--json"), 0);
	ck_assert(options.verbose);
	ck_assert(options.json);
	ck_assert_uint_eq(options.vm.memory_size, 1ull << 30);
	ck_assert_uint_eq(options.vm.payload_offset, 0x80000);
	ck_assert_str_eq(options.vm.kvm_path, "/tmp/kvm");
}
END_TEST

/* ignore by default, as QEMU and kvmtool; stop and abort when asked. */
START_TEST(test_run_unmapped_mmio)
{
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin"), 0);
	ck_assert_uint_eq(options.vm.unmapped_mmio, FORWARD_UNMAPPED_IGNORE);
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--unmapped-mmio",
	    "stop"), 0);
	ck_assert_uint_eq(options.vm.unmapped_mmio, FORWARD_UNMAPPED_STOP);
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--unmapped-mmio",
	    "abort"), 0);
	ck_assert_uint_eq(options.vm.unmapped_mmio, FORWARD_UNMAPPED_ABORT);
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin"), 0);
	ck_assert_uint_eq(options.vm.unmapped_mmio, FORWARD_UNMAPPED_IGNORE);
}
END_TEST

/* PCI by default, what stock distribution kernels have built in. */
START_TEST(test_run_transport)
{
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin"), 0);
	ck_assert_uint_eq(options.vm.transport, VM_TRANSPORT_PCI);
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--transport",
	    "mmio"), 0);
	ck_assert_uint_eq(options.vm.transport, VM_TRANSPORT_MMIO);
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--transport",
	    "pci"), 0);
	ck_assert_uint_eq(options.vm.transport, VM_TRANSPORT_PCI);
}
END_TEST

START_TEST(test_run_linux)
{
	ck_assert_int_eq(PARSE("run", "--kernel", "Image", "--initrd", "i.gz",
	    "--cmdline", "console=ttyS0 quiet", "--vcpus", "2", "--max-boots",
	    "3", "--dump-dtb", "out.dtb", "--console-log", "c.log",
	    "--console-log-max", "2M"), 0);
	ck_assert_uint_eq(options.vm.console_log_max, 2u << 20);
	ck_assert_str_eq(options.vm.kernel_path, "Image");
	ck_assert_str_eq(options.vm.initrd_path, "i.gz");
	ck_assert_str_eq(options.vm.cmdline, "console=ttyS0 quiet");
	ck_assert_uint_eq(options.vm.vcpus, 2);
	ck_assert_uint_eq(options.vm.max_boots, 3);
	ck_assert_str_eq(options.vm.dump_dtb_path, "out.dtb");
	ck_assert_str_eq(options.console_log_path, "c.log");
	ck_assert_ptr_null(options.vm.payload_path);
}
END_TEST

START_TEST(test_parse_twice)
{
	/* getopt keeps global state: a second parse must start afresh. */
	ck_assert_int_eq(PARSE("run", "--payload", "a.bin", "--json"), 0);
	ck_assert_int_eq(PARSE("run", "--payload", "b.bin"), 0);
	ck_assert_str_eq(options.vm.payload_path, "b.bin");
	ck_assert(!options.json);
}
END_TEST

struct bad_command_line {
	int argc;
	char **argv;
	const char *message;
};

static const struct bad_command_line bad_command_lines[] = {
	{ ARGC("run"), ARGV("run"), "give --kernel, --payload or --restore" },
	{ ARGC("run", "--payload", "x", "--kernel", "y"),
	    ARGV("run", "--payload", "x", "--kernel", "y"),
	    "give either --kernel or --payload" },
	{ ARGC("run", "--payload", "x", "--initrd", "y"),
	    ARGV("run", "--payload", "x", "--initrd", "y"),
	    "go with --kernel, not --payload" },
	{ ARGC("run", "--kernel", "x", "--console-log-max", "4K"),
	    ARGV("run", "--kernel", "x", "--console-log-max", "4K"),
	    "--console-log-max: '4K' is under the 64K" },
	{ ARGC("run", "--kernel", "x", "--vcpus", "0"),
	    ARGV("run", "--kernel", "x", "--vcpus", "0"),
	    "--vcpus: '0' is not a number from 1 to 64" },
	{ ARGC("run", "--kernel", "x", "--vcpus", "65"),
	    ARGV("run", "--kernel", "x", "--vcpus", "65"),
	    "--vcpus: '65' is not a number from 1 to 64" },
	{ ARGC("run", "--kernel", "x", "--vcpus", "2x"),
	    ARGV("run", "--kernel", "x", "--vcpus", "2x"),
	    "--vcpus: '2x' is not a number" },
	{ ARGC("run", "--kernel", "x", "--max-boots", "-1"),
	    ARGV("run", "--kernel", "x", "--max-boots", "-1"),
	    "--max-boots: '-1' is not a positive number" },
	{ 1, ARGV(NULL), "no command given" },
	{ ARGC("start"), ARGV("start"), "unknown command 'start'" },
	{ ARGC("--bogus"), ARGV("--bogus"), "unknown option '--bogus'" },
	{ ARGC("--payload", "x", "run"), ARGV("--payload", "x", "run"),
	    "command options go after the command" },
	{ ARGC("run", "--payload"), ARGV("run", "--payload"),
	    "option '--payload' needs a value" },
	{ ARGC("run", "--payload", "x", "--memory", "lots"),
	    ARGV("run", "--payload", "x", "--memory", "lots"),
	    "--memory: 'lots' is not a size" },
	{ ARGC("run", "--payload", "x", "--memory", "0"),
	    ARGV("run", "--payload", "x", "--memory", "0"),
	    "--memory: '0' is not a size" },
	{ ARGC("run", "--payload", "x", "--memory", "100000"),
	    ARGV("run", "--payload", "x", "--memory", "100000"),
	    "--memory 100000 is not a multiple of 64 KiB" },
	{ ARGC("run", "--payload", "x", "--memory", "1M", "--offset", "1M"),
	    ARGV("run", "--payload", "x", "--memory", "1M", "--offset", "1M"),
	    "--offset 1048576 is beyond --memory 1048576" },
	{ ARGC("run", "--payload", "x", "extra"),
	    ARGV("run", "--payload", "x", "extra"),
	    "unexpected argument 'extra'" },
	{ ARGC("run", "--payload", "x", "--unmapped-mmio", "fault"),
	    ARGV("run", "--payload", "x", "--unmapped-mmio", "fault"),
	    "--unmapped-mmio: 'fault' is not ignore, stop or abort" },
	{ ARGC("run", "--payload", "x", "--transport", "ccw"),
	    ARGV("run", "--payload", "x", "--transport", "ccw"),
	    "--transport: 'ccw' is not pci or mmio" },
	{ ARGC("run", "--payload", "x", "--bogus"),
	    ARGV("run", "--payload", "x", "--bogus"),
	    "unknown option '--bogus'" },
};

START_TEST(test_bad_command_lines)
{
	const struct bad_command_line *bad = &bad_command_lines[_i];

	error[0] = '\0';
	ck_assert_int_eq(vmmd_options_parse(bad->argc, bad->argv, &options,
	    error, sizeof(error)), -1);
	ck_assert_msg(strstr(error, bad->message) != NULL,
	    "case %d: error '%s' does not say '%s'", _i, error, bad->message);
}
END_TEST

START_TEST(test_parse_size)
{
	uint64_t bytes;

	ck_assert_int_eq(parse_size("4096", &bytes), 0);
	ck_assert_uint_eq(bytes, 4096);
	ck_assert_int_eq(parse_size("64K", &bytes), 0);
	ck_assert_uint_eq(bytes, 64 << 10);
	ck_assert_int_eq(parse_size("256M", &bytes), 0);
	ck_assert_uint_eq(bytes, 256 << 20);
	ck_assert_int_eq(parse_size("2G", &bytes), 0);
	ck_assert_uint_eq(bytes, 2ull << 30);
	ck_assert_int_eq(parse_size("0x1000", &bytes), 0);
	ck_assert_uint_eq(bytes, 0x1000);
	ck_assert_int_lt(parse_size("", &bytes), 0);
	ck_assert_int_lt(parse_size("-1", &bytes), 0);
	ck_assert_int_lt(parse_size("12Q", &bytes), 0);
	ck_assert_int_lt(parse_size("1MB", &bytes), 0);
	ck_assert_int_lt(parse_size("99999999999999999999", &bytes), 0);
	ck_assert_int_lt(parse_size("16777216T", &bytes), 0);	/* 2^64 */
}
END_TEST

static Suite *
options_suite(void)
{
	Suite *suite = suite_create("options");
	TCase *tcase = tcase_create("parse");

	tcase_add_test(tcase, test_version_and_help);
	tcase_add_test(tcase, test_run_defaults);
	tcase_add_test(tcase, test_run_all_options);
	tcase_add_test(tcase, test_run_unmapped_mmio);
	tcase_add_test(tcase, test_run_transport);
	tcase_add_test(tcase, test_run_linux);
	tcase_add_test(tcase, test_parse_twice);
	tcase_add_loop_test(tcase, test_bad_command_lines, 0,
	    sizeof(bad_command_lines) / sizeof(bad_command_lines[0]));
	tcase_add_test(tcase, test_parse_size);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(options_suite)
