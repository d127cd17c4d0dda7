/* `vmmd run` device options: what each becomes, and the errors bad
 * values get. */
#include <stdlib.h>
#include <string.h>

#include "../../core/vm_device_kinds.h"
#include "../../vmmd/device_options.h"
#include "../../vmmd/options.h"
#include "suites.h"

#define ARGV(...)	((char *[]){ "vmmd", __VA_ARGS__, NULL })
#define ARGC(...)	((int)(sizeof((char *[]){ "vmmd", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(...)	vmmd_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), \
			    &options, error, sizeof(error))

static struct vmmd_options options;
static char error[256];

START_TEST(test_devices_in_order)
{
	const struct vm_device_spec *spec;

	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--disk",
	    "/a.img,ro,serial=disk-1", "--rng", "--disk", "/b.img", "--net",
	    "tap=tap7,mac=02:00:00:00:00:09", "--vsock", "42",
	    "--virtio-console", "--net", "fd=5"), 0);
	ck_assert_uint_eq(options.vm.device_count, 7);
	spec = options.vm.devices;
	ck_assert_ptr_eq(spec[0].kind, &vm_device_block);
	ck_assert_str_eq(spec[0].path, "/a.img");
	ck_assert(spec[0].read_only);
	ck_assert_str_eq(spec[0].serial, "disk-1");
	ck_assert_ptr_eq(spec[1].kind, &vm_device_rng);
	ck_assert_str_eq(spec[2].path, "/b.img");
	ck_assert(!spec[2].read_only);
	ck_assert_ptr_null(spec[2].serial);
	ck_assert_ptr_eq(spec[3].kind, &vm_device_net);
	ck_assert_str_eq(spec[3].tap_name, "tap7");
	ck_assert_uint_eq(spec[3].mac[5], 9);
	ck_assert_ptr_eq(spec[4].kind, &vm_device_vsock);
	ck_assert_uint_eq(spec[4].cid, 42);
	ck_assert_ptr_eq(spec[5].kind, &vm_device_console);
	ck_assert_int_eq(spec[6].tap_fd, 5);
}
END_TEST

START_TEST(test_net_fd_and_default_mac)
{
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--rng", "--net",
	    "fd=5"), 0);
	ck_assert_int_eq(options.vm.devices[1].tap_fd, 5);
	ck_assert_ptr_null(options.vm.devices[1].tap_name);
	ck_assert_uint_eq(options.vm.devices[1].mac[0], 0x52);
	ck_assert_uint_eq(options.vm.devices[1].mac[5], 0x57);	/* index 1 */
}
END_TEST

START_TEST(test_bad_devices)
{
	static char *const bad[][2] = {
		{ "--disk", "" },
		{ "--disk", ",ro" },
		{ "--disk", "/a.img,rw" },
		{ "--disk", "/a.img,serial=123456789012345678901" },
		{ "--net", "tap=" },
		{ "--net", "mac=52:54:00:00:00:01" },
		{ "--net", "tap=a,fd=3" },
		{ "--net", "tap=a,mac=01:00:00:00:00:01" },	/* multicast */
		{ "--net", "tap=a,mac=52:54:00:00:01" },
		{ "--net", "tap=averyveryverylongname" },
		{ "--net", "fd=3x" },
		{ "--vsock", "2" },
		{ "--vsock", "4294967295" },
		{ "--vsock", "x" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error[0] = '\0';
		ck_assert_msg(PARSE("run", "--payload", "g.bin", bad[i][0],
		    bad[i][1]) < 0, "%s %s accepted", bad[i][0], bad[i][1]);
		ck_assert_ptr_nonnull(strstr(error, bad[i][0]));
	}
}
END_TEST

START_TEST(test_too_many_devices)
{
	char *argv[3 + 2 * (VM_IO_MAX_DEVICES + 1) + 1] = { "vmmd", "run",
	    "--payload", "g.bin" };
	int argc = 4, i;

	for (i = 0; i <= VM_IO_MAX_DEVICES; i++)
		argv[argc++] = "--rng";
	ck_assert_int_eq(vmmd_options_parse(argc, argv, &options, error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "at most 16 devices"));
}
END_TEST

/* A guest has one vsock device (Linux's driver takes the first and no
 * other), and one vhost-vsock kept for the VM's reboots would serve both:
 * a second is refused, in a run's options and in a daemon spec. */
START_TEST(test_second_vsock_refused)
{
	struct api_vm_device vsock = { .type = API_DEVICE_VSOCK, .cid = 9 };
	static struct device_options devices;

	error[0] = '\0';
	ck_assert_int_eq(PARSE("run", "--payload", "g.bin", "--vsock", "42",
	    "--vsock", "43"), -1);
	ck_assert_ptr_nonnull(strstr(error, "--vsock: a VM has one vsock "
	    "device"));
	ck_assert_int_eq(device_options_spec(&devices, &vsock, error,
	    sizeof(error)), 0);
	vsock.cid = 10;
	ck_assert_int_eq(device_options_spec(&devices, &vsock, error,
	    sizeof(error)), -1);
	ck_assert_uint_eq(devices.count, 1);
}
END_TEST

/* A daemon spec's devices as the VM process makes them: the same
 * settings, and a text too long for the option refused, never cut (a cut
 * one once dropped a disk's ",ro"). */
START_TEST(test_spec_devices)
{
	struct api_vm_device disk = { .type = API_DEVICE_DISK, .path = "/a.img",
	    .read_only = true, .serial = "s-1" };
	struct api_vm_device net = { .type = API_DEVICE_NET, .tap = "tap3",
	    .mac = "02:00:00:00:00:07" };
	struct api_vm_device vsock = { .type = API_DEVICE_VSOCK, .cid = 9 };
	static struct device_options devices;
	struct api_vm_device *long_disk = calloc(1, sizeof(*long_disk));

	ck_assert_int_eq(device_options_spec(&devices, &disk, error,
	    sizeof(error)), 0);
	ck_assert_int_eq(device_options_spec(&devices, &net, error,
	    sizeof(error)), 0);
	ck_assert_int_eq(device_options_spec(&devices, &vsock, error,
	    sizeof(error)), 0);
	ck_assert_str_eq(devices.specs[0].path, "/a.img");
	ck_assert(devices.specs[0].read_only);
	ck_assert_str_eq(devices.specs[0].serial, "s-1");
	ck_assert_str_eq(devices.specs[1].tap_name, "tap3");
	ck_assert_uint_eq(devices.specs[1].mac[5], 7);
	ck_assert_uint_eq(devices.specs[2].cid, 9);
	ck_assert_ptr_nonnull(long_disk);
	long_disk->type = API_DEVICE_DISK;
	long_disk->read_only = true;
	memset(long_disk->path, 'p', API_VM_DISK_PATH_MAX);
	long_disk->path[0] = '/';
	memset(long_disk->serial, 's', API_VM_SERIAL_MAX);
	ck_assert_int_eq(device_options_spec(&devices, long_disk, error,
	    sizeof(error)), 0);	/* the longest a spec takes fits */
	ck_assert(devices.specs[3].read_only);
	ck_assert_uint_eq(strlen(devices.specs[3].serial), API_VM_SERIAL_MAX);
	free(long_disk);
}
END_TEST

static Suite *
device_options_suite(void)
{
	Suite *suite = suite_create("device_options");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_devices_in_order);
	tcase_add_test(tc, test_net_fd_and_default_mac);
	tcase_add_test(tc, test_bad_devices);
	tcase_add_test(tc, test_too_many_devices);
	tcase_add_test(tc, test_second_vsock_refused);
	tcase_add_test(tc, test_spec_devices);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(device_options_suite)
