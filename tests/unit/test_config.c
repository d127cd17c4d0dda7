/* The daemon's configuration file: configs/vmmd.json is the defaults, and
 * unknown keys, wrong types and out-of-range values are refused by name. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../vmmd/daemon.h"
#include "suites.h"

static char path[64];

static int
load_text(const char *text, struct daemon_config *config, char *error,
    size_t size)
{
	FILE *file;

	snprintf(path, sizeof(path), "/tmp/vmmd-config-%d.json", (int)getpid());
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs(text, file);
	fclose(file);
	daemon_config_defaults(config);
	return daemon_config_load(config, path, error, size);
}

START_TEST(test_example_is_the_defaults)
{
	struct daemon_config defaults, loaded;
	char error[300];

	daemon_config_defaults(&defaults);
	/* from nothing: the file must say every default itself (but the
	 * empty vm_process) */
	memset(&loaded, 0, sizeof(loaded));
	ck_assert_int_eq(daemon_config_load(&loaded, "configs/vmmd.json", error,
	    sizeof(error)), 0);
	ck_assert_mem_eq(&defaults, &loaded, sizeof(defaults));
}
END_TEST

START_TEST(test_values_apply)
{
	struct daemon_config config;
	char error[300];

	ck_assert_int_eq(load_text("{\"socket\":\"/tmp/x.sock\",\"kvm\":false,"
	    "\"limits\":{\"clients\":3,\"memory_mib_total\":100}}", &config,
	    error, sizeof(error)), 0);
	unlink(path);
	ck_assert_str_eq(config.socket_path, "/tmp/x.sock");
	ck_assert(!config.kvm);
	ck_assert_uint_eq(config.limits.clients, 3);
	ck_assert_uint_eq(config.limits.memory_mib_total, 100);
	ck_assert_uint_eq(config.limits.vms, 32);
	ck_assert_str_eq(config.vm_user, "nobody");
	ck_assert(!config.test_hooks);
	ck_assert_int_eq(load_text("{\"vm_user\":\"65534:65534\","
	    "\"test_hooks\":true}", &config, error, sizeof(error)), 0);
	unlink(path);
	ck_assert_str_eq(config.vm_user, "65534:65534");
	ck_assert(config.test_hooks);
	ck_assert_str_eq(config.images.directories[0], "/var/lib/vmmd/images");
	ck_assert(!config.images.root_any_path && !config.images.block_devices &&
	    !config.images.taps_by_name);
	ck_assert_int_eq(load_text("{\"images\":{\"directories\":[\"/srv/a\","
	    "\"/srv/b\"],\"root_any_path\":true,\"block_devices\":true,"
	    "\"taps_by_name\":true}}",
	    &config, error, sizeof(error)), 0);
	unlink(path);
	ck_assert_uint_eq(config.images.directory_count, 2);
	ck_assert_str_eq(config.images.directories[1], "/srv/b");
	ck_assert(config.images.root_any_path && config.images.block_devices &&
	    config.images.taps_by_name);
}
END_TEST

static const struct {
	const char *text;
	const char *says;
} bad_configs[] = {
	{ "{\"sockets\":\"/x\"}", "unknown key 'sockets'" },
	{ "{\"limits\":{\"socket\":\"/x\"}}", "unknown key 'limits.socket'" },
	{ "{\"clients\":3}", "unknown key 'clients'" },
	{ "{\"kvm\":\"yes\"}", "'kvm' must be true or false" },
	{ "{\"limits\":{\"vms\":0}}", "'vms' must be an integer from 1" },
	{ "{\"limits\":{\"vcpus_per_vm\":65}}", "'vcpus_per_vm' must be an integer" },
	{ "{\"socket\":\"\"}", "'socket' must be a string" },
	{ "[1]", "not a JSON object" },
	{ "{\"socket\":", "line 1" },
	{ "{\"images\":[]}", "'images' must be an object" },
	{ "{\"images\":{\"dirs\":[]}}", "unknown key 'images.dirs'" },
	{ "{\"images\":{\"directories\":\"/srv\"}}", "must be an array" },
	{ "{\"images\":{\"directories\":[1]}}", "must hold strings" },
	{ "{\"images\":{\"directories\":[\"srv\"]}}", "'srv' is not an absolute" },
	{ "{\"images\":{\"directories\":[\"/srv/../etc\"]}}", "normalised" },
	{ "{\"images\":{\"directories\":[\"/a\",\"/a\"]}}", "listed twice" },
	{ "{\"images\":{\"block_devices\":1}}", "'images.block_devices' must be true" },
};

START_TEST(test_bad_configs)
{
	struct daemon_config config;
	char error[300];

	ck_assert_int_eq(load_text(bad_configs[_i].text, &config, error,
	    sizeof(error)), -1);
	unlink(path);
	ck_assert_msg(strstr(error, bad_configs[_i].says) != NULL,
	    "'%s' does not say '%s'", error, bad_configs[_i].says);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *suite = suite_create("config");
	TCase *tcase = tcase_create("file");

	tcase_add_test(tcase, test_example_is_the_defaults);
	tcase_add_test(tcase, test_values_apply);
	tcase_add_loop_test(tcase, test_bad_configs, 0,
	    sizeof(bad_configs) / sizeof(bad_configs[0]));
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(config_suite)
