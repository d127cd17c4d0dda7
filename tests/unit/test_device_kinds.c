/* The table of device kinds and the api's table of types: the real ones
 * pass, broken ones are refused with the kind named; the counters of a
 * kind reach the JSON under the kind's names. */
#include <string.h>

#include "../../core/vm_device_kinds.h"
#include "../../vmmd/device_kinds.h"
#include "../../vmmd/devices_json.h"
#include "suites.h"

static char error[256];

/* A copy of the real table, one entry of which a test breaks. */
static struct device_kind copies[API_DEVICE_TYPE_COUNT];
static const struct device_kind *broken[API_DEVICE_TYPE_COUNT];

static void
copy_table(void)
{
	const struct device_kind *const *kinds;
	size_t count, i;

	kinds = device_kinds(&count);
	ck_assert_uint_eq(count, API_DEVICE_TYPE_COUNT);
	for (i = 0; i < count; i++) {
		copies[i] = *kinds[i];
		broken[i] = &copies[i];
	}
	error[0] = '\0';
}

START_TEST(test_real_table_passes)
{
	const struct device_kind *const *kinds;
	size_t count, i;

	kinds = device_kinds(&count);
	ck_assert_int_eq(device_kinds_validate(kinds, count, error,
	    sizeof(error)), 0);
	for (i = 0; i < count; i++) {
		ck_assert_ptr_eq(device_kind_of(kinds[i]->core), kinds[i]);
		ck_assert_ptr_eq(device_kind_by_option(kinds[i]->option),
		    kinds[i]);
	}
	ck_assert_ptr_null(device_kind_of(NULL));
	ck_assert_ptr_null(device_kind_by_option("floppy"));
	ck_assert_str_eq(kinds[API_DEVICE_DISK]->core->name, "block");
	ck_assert_str_eq(api_vm_device_type_name(API_DEVICE_CONSOLE), "console");
	ck_assert_str_eq(api_vm_device_type_name(API_DEVICE_TYPE_COUNT), "?");
}
END_TEST

static void
refused(size_t count, const char *words)
{
	ck_assert_int_eq(device_kinds_validate(broken, count, error,
	    sizeof(error)), -1);
	ck_assert_msg(strstr(error, words) != NULL, "'%s' does not say '%s'",
	    error, words);
}

START_TEST(test_broken_tables)
{
	struct vm_device_ops ops;

	copy_table();
	refused(API_DEVICE_TYPE_COUNT - 1, "device kinds for");
	copy_table();
	broken[API_DEVICE_NET] = NULL;
	refused(API_DEVICE_TYPE_COUNT, "device kind 1 (net) is missing");
	copy_table();
	broken[API_DEVICE_NET] = &copies[API_DEVICE_RNG];
	refused(API_DEVICE_TYPE_COUNT, "out of place");
	copy_table();
	copies[API_DEVICE_VSOCK].option = "disk";
	refused(API_DEVICE_TYPE_COUNT, "share their core ops or their option");
	copy_table();
	copies[API_DEVICE_RNG].core = &vm_device_block;
	refused(API_DEVICE_TYPE_COUNT, "share their core ops");
	copy_table();
	copies[API_DEVICE_RNG].option_arg = "X";	/* a value, no parser */
	refused(API_DEVICE_TYPE_COUNT, "a value without a parser");
	copy_table();
	ops = vm_device_console;
	ops.open = NULL;
	copies[API_DEVICE_CONSOLE].core = &ops;
	refused(API_DEVICE_TYPE_COUNT, "device kind 'console' lacks");
	copy_table();
	ops = vm_device_rng;
	ops.names = VM_DEVICE_NAMES("random");
	copies[API_DEVICE_RNG].core = &ops;
	refused(API_DEVICE_TYPE_COUNT, "device name 0 is not 'rng0'");
	copy_table();
	ops = vm_device_rng;
	ops.counters = (const char *const[]){ "a", "b", "c", "d", "e", "f",
	    "g", "h", "i", NULL };
	copies[API_DEVICE_RNG].core = &ops;
	refused(API_DEVICE_TYPE_COUNT, "more than 8 counters");
}
END_TEST

START_TEST(test_broken_api_types)
{
	struct api_vm_device_kind types[API_DEVICE_TYPE_COUNT];
	const struct api_vm_device_kind *real;
	size_t count;

	real = api_vm_device_types(&count);
	ck_assert_int_eq(api_vm_device_types_validate(real, count, error,
	    sizeof(error)), 0);
	ck_assert_int_eq(api_vm_device_types_validate(real, count - 1, error,
	    sizeof(error)), -1);
	memcpy(types, real, sizeof(types));
	types[API_DEVICE_RNG].name = "disk";
	ck_assert_int_eq(api_vm_device_types_validate(types, count, error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "'disk' is listed twice"));
	memcpy(types, real, sizeof(types));
	types[API_DEVICE_NET].members[1] = "type";
	ck_assert_int_eq(api_vm_device_types_validate(types, count, error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "member 'type' is listed twice"));
	memcpy(types, real, sizeof(types));
	types[API_DEVICE_VSOCK].parse = NULL;	/* a member nobody checks */
	ck_assert_int_eq(api_vm_device_types_validate(types, count, error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "'vsock'"));
	memcpy(types, real, sizeof(types));
	types[API_DEVICE_CONSOLE].name = NULL;
	ck_assert_int_eq(api_vm_device_types_validate(types, count, error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "device type 4 has no name"));
}
END_TEST

/* The JSON counters are the kind's names over the result's values. */
START_TEST(test_counters_json)
{
	struct vm_device_result results[2];
	json_t *json, *counters;

	memset(results, 0, sizeof(results));
	results[0].kind = &vm_device_net;
	snprintf(results[0].text, sizeof(results[0].text), "tap7");
	results[0].counters[1] = 1500;		/* rx_bytes */
	results[1].kind = &vm_device_vsock;
	results[1].counters[0] = 42;		/* cid */
	json = devices_json(results, 2);
	counters = json_object_get(json_array_get(json, 0), "counters");
	ck_assert_str_eq(json_string_value(json_object_get(counters, "tap")),
	    "tap7");
	ck_assert_int_eq(json_integer_value(json_object_get(counters,
	    "rx_bytes")), 1500);
	ck_assert_uint_eq(json_object_size(counters), 7);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json,
	    1), "kind")), "vsock");
	counters = json_object_get(json_array_get(json, 1), "counters");
	ck_assert_int_eq(json_integer_value(json_object_get(counters, "cid")),
	    42);
	json_decref(json);
}
END_TEST

static Suite *
device_kinds_suite(void)
{
	Suite *suite = suite_create("device_kinds");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_real_table_passes);
	tcase_add_test(tc, test_broken_tables);
	tcase_add_test(tc, test_broken_api_types);
	tcase_add_test(tc, test_counters_json);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(device_kinds_suite)
