/* The protocol module: the command table and its validation, request
 * parsing, argument checks, VM specs, and the rendered messages. */
#include <stdlib.h>
#include <string.h>

#include "../../api/protocol.h"
#include "../../api/vm_spec.h"
#include "suites.h"

static struct api_error error;
static struct api_request request;
static json_t *message;

static int
parse(const char *line)
{
	json_decref(message);
	message = NULL;
	memset(&error, 0, sizeof(error));
	return api_request_parse(line, strlen(line), &message, &request, &error);
}

static void
teardown(void)
{
	json_decref(message);
	message = NULL;
}

START_TEST(test_table_valid)
{
	char why[200];

	ck_assert_int_eq(api_table_validate(api_commands, api_command_count,
	    why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_table_broken)
{
	struct api_command table[API_CMD_COUNT];
	char why[200];

	memcpy(table, api_commands, sizeof(table));
	table[3].name = table[2].name;
	ck_assert_int_eq(api_table_validate(table, API_CMD_COUNT, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "named twice"));
	ck_assert_ptr_nonnull(strstr(why, table[2].name));

	memcpy(table, api_commands, sizeof(table));
	table[5].id = API_CMD_VM_LIST;
	ck_assert_int_eq(api_table_validate(table, API_CMD_COUNT, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "its id is not its index"));

	memcpy(table, api_commands, sizeof(table));
	table[API_CMD_CONSOLE_WRITE].args[1].name = "vm";
	ck_assert_int_eq(api_table_validate(table, API_CMD_COUNT, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "console-write"));

	memcpy(table, api_commands, sizeof(table));
	table[API_CMD_VM_INFO].args[0].min = 40;
	ck_assert_int_eq(api_table_validate(table, API_CMD_COUNT, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "min > max"));
	ck_assert_int_eq(api_table_validate(table, API_CMD_COUNT - 1, why,
	    sizeof(why)), -1);
}
END_TEST

START_TEST(test_parse_good)
{
	ck_assert_int_eq(parse("{\"execute\":\"vm-info\",\"arguments\":"
	    "{\"vm\":\"a\"},\"id\":\"x1\"}"), 0);
	ck_assert_int_eq(request.command->id, API_CMD_VM_INFO);
	ck_assert_str_eq(json_string_value(request.id), "x1");
	ck_assert_str_eq(json_string_value(json_object_get(request.arguments,
	    "vm")), "a");
	ck_assert_int_eq(parse("{\"execute\":\"vm-list\"}"), 0);
	ck_assert(json_is_object(request.arguments));
	ck_assert_ptr_null(request.id);
}
END_TEST

static const struct {
	const char *line;
	enum api_error_class class;
	const char *says;
} bad_requests[] = {
	{ "hello", API_ERROR_JSON, "not JSON" },
	{ "{\"execute\":", API_ERROR_JSON, "not JSON" },
	{ "[1,2]", API_ERROR_JSON, "not an object" },
	{ "42", API_ERROR_JSON, "not an object" },
	{ "{\"arguments\":{}}", API_ERROR_JSON, "no 'execute'" },
	{ "{\"execute\":7}", API_ERROR_JSON, "no 'execute'" },
	{ "{\"execute\":\"vm-list\",\"extra\":1}", API_ERROR_JSON, "'extra'" },
	{ "{\"execute\":\"a\",\"execute\":\"b\"}", API_ERROR_JSON, "not JSON" },
	{ "{\"execute\":\"nope\"}", API_ERROR_COMMAND_NOT_FOUND, "'nope'" },
	{ "{\"execute\":\"vm-list\",\"arguments\":[]}", API_ERROR_INVALID_ARGUMENT,
	    "must be an object" },
	{ "{\"execute\":\"vm-info\"}", API_ERROR_INVALID_ARGUMENT,
	    "missing argument 'vm'" },
	{ "{\"execute\":\"vm-info\",\"arguments\":{\"vm\":3}}",
	    API_ERROR_INVALID_ARGUMENT, "'vm' must be a string" },
	{ "{\"execute\":\"vm-info\",\"arguments\":{\"vm\":\"\"}}",
	    API_ERROR_INVALID_ARGUMENT, "outside 1..32" },
	{ "{\"execute\":\"vm-info\",\"arguments\":{\"vm\":\"a\",\"x\":1}}",
	    API_ERROR_INVALID_ARGUMENT, "unknown argument 'x'" },
	{ "{\"execute\":\"console-write\",\"arguments\":{\"vm\":\"a\",\"data\":true}}",
	    API_ERROR_INVALID_ARGUMENT, "'data' must be a string" },
	{ "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":\"a\"}}",
	    API_ERROR_INVALID_ARGUMENT, "'spec' must be an object" },
};

START_TEST(test_parse_bad)
{
	ck_assert_int_eq(parse(bad_requests[_i].line), -1);
	ck_assert_str_eq(api_error_class_name(error.class),
	    api_error_class_name(bad_requests[_i].class));
	ck_assert_msg(strstr(error.desc, bad_requests[_i].says) != NULL,
	    "'%s': '%s' does not say '%s'", bad_requests[_i].line, error.desc,
	    bad_requests[_i].says);
}
END_TEST

static const struct api_vm_limits limits = { 8, 4096 };

static int
spec(const char *text, struct api_vm_spec *out)
{
	json_t *json = json_loads(text, JSON_ALLOW_NUL, NULL);
	int rc;

	ck_assert_ptr_nonnull(json);
	rc = api_vm_spec_parse(json, &limits, out, &error);
	json_decref(json);
	return rc;
}

START_TEST(test_spec_good)
{
	struct api_vm_spec out, again;
	json_t *back;

	ck_assert_int_eq(spec("{\"name\":\"web-1\",\"vcpus\":2,\"memory_mib\":"
	    "256,\"kernel\":\"/k\",\"initrd\":\"/i\",\"cmdline\":\"console=ttyS0\","
	    "\"devices\":[]}", &out), 0);
	ck_assert_str_eq(out.name, "web-1");
	ck_assert_uint_eq(out.vcpus, 2);
	ck_assert_uint_eq(out.memory_mib, 256);
	ck_assert_str_eq(out.initrd, "/i");
	back = api_vm_spec_json(&out);
	ck_assert_int_eq(json_integer_value(json_object_get(back, "vcpus")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(back, "kernel")), "/k");
	ck_assert_ptr_null(json_object_get(back, "cpu_template"));
	ck_assert_uint_eq(out.unmapped_mmio, API_UNMAPPED_MMIO_IGNORE);
	ck_assert_ptr_null(json_object_get(back, "unmapped_mmio"));
	ck_assert_uint_eq(out.transport, API_TRANSPORT_PCI);	/* the default */
	ck_assert_ptr_null(json_object_get(back, "transport"));
	/* What the daemon sends its VM process parses back the same, with
	 * its devices. */
	json_decref(back);
	ck_assert_int_eq(spec("{\"name\":\"d\",\"vcpus\":1,\"memory_mib\":64,"
	    "\"kernel\":\"/k\",\"devices\":[{\"type\":\"disk\",\"path\":\"/i\","
	    "\"read_only\":true,\"serial\":\"s1\"},{\"type\":\"net\",\"tap\":"
	    "\"tap0\",\"mac\":\"52:54:00:00:00:01\"},{\"type\":\"rng\"},"
	    "{\"type\":\"vsock\",\"cid\":42},{\"type\":\"console\"}],"
	    "\"unmapped_mmio\":\"abort\",\"transport\":\"mmio\"}", &out), 0);
	ck_assert_uint_eq(out.unmapped_mmio, API_UNMAPPED_MMIO_ABORT);
	ck_assert_uint_eq(out.transport, API_TRANSPORT_MMIO);
	ck_assert_uint_eq(out.device_count, 5);
	ck_assert_int_eq(out.devices[0].type, API_DEVICE_DISK);
	ck_assert(out.devices[0].read_only);
	ck_assert_str_eq(out.devices[0].serial, "s1");
	ck_assert_str_eq(out.devices[1].tap, "tap0");
	ck_assert_uint_eq(out.devices[3].cid, 42);
	ck_assert_int_eq(out.devices[4].type, API_DEVICE_CONSOLE);
	back = api_vm_spec_json(&out);
	ck_assert_int_eq(api_vm_spec_parse(back, &limits, &again, &error), 0);
	ck_assert_mem_eq(&out, &again, sizeof(out));
	json_decref(back);
}
END_TEST

/* restore: both files, and then no kernel needed; it round-trips. */
START_TEST(test_spec_restore)
{
	struct api_vm_spec out, again;
	json_t *back;

	ck_assert_int_eq(spec("{\"name\":\"r\",\"vcpus\":2,\"memory_mib\":256,"
	    "\"restore\":{\"state\":\"/s/state\",\"memory\":\"fd:m\"}}", &out), 0);
	ck_assert_str_eq(out.restore_state, "/s/state");
	ck_assert_str_eq(out.restore_memory, "fd:m");
	ck_assert_str_eq(out.kernel, "");
	back = api_vm_spec_json(&out);
	ck_assert_ptr_null(json_object_get(back, "kernel"));
	ck_assert_int_eq(api_vm_spec_parse(back, &limits, &again, &error), 0);
	ck_assert_mem_eq(&out, &again, sizeof(out));
	json_decref(back);
}
END_TEST

static const struct {
	const char *spec;
	enum api_error_class class;
	const char *says;
} bad_specs[] = {
	{ "{\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\"}",
	    API_ERROR_INVALID_ARGUMENT, "missing member 'name'" },
	{ "{\"name\":\"a\",\"vcpus\":\"1\",\"memory_mib\":64,\"kernel\":\"/k\"}",
	    API_ERROR_INVALID_ARGUMENT, "'vcpus' must be an integer" },
	{ "{\"name\":\"a\",\"vcpus\":0,\"memory_mib\":64,\"kernel\":\"/k\"}",
	    API_ERROR_INVALID_ARGUMENT, "vcpus is 0" },
	{ "{\"name\":\"a\",\"vcpus\":9,\"memory_mib\":64,\"kernel\":\"/k\"}",
	    API_ERROR_LIMIT, "vcpus is 9, outside 1..8" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":8192,\"kernel\":\"/k\"}",
	    API_ERROR_LIMIT, "memory_mib is 8192" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":1,\"kernel\":\"/k\"}",
	    API_ERROR_INVALID_ARGUMENT, "memory_mib is 1" },
	{ "{\"name\":\"../x\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\"}",
	    API_ERROR_INVALID_ARGUMENT, "'name' must be" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64}",
	    API_ERROR_INVALID_ARGUMENT, "kernel is required but with restore" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"restore\":"
	    "{\"state\":\"/s\"}}", API_ERROR_INVALID_ARGUMENT,
	    "'restore' must be {\"state\": FILE, \"memory\": FILE}" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"restore\":"
	    "{\"state\":\"/s\",\"memory\":\"m\"}}", API_ERROR_INVALID_ARGUMENT,
	    "each an absolute path or fd:NAME" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"restore\":"
	    "{\"state\":\"/s\",\"memory\":\"/m\",\"x\":1}}",
	    API_ERROR_INVALID_ARGUMENT, "'restore' must be" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"restore\":\"/s\"}",
	    API_ERROR_INVALID_ARGUMENT, "'restore' must be an object" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"k\"}",
	    API_ERROR_INVALID_ARGUMENT, "absolute paths" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"unmapped_mmio\":\"fault\"}",
	    API_ERROR_INVALID_ARGUMENT, "'unmapped_mmio' must be \"ignore\", \"stop\" or \"abort\"" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"transport\":\"virtio\"}",
	    API_ERROR_INVALID_ARGUMENT, "'transport' must be \"pci\" or \"mmio\"" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"transport\":true}",
	    API_ERROR_INVALID_ARGUMENT, "'transport' must be a string" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"unmapped_mmio\":1}",
	    API_ERROR_INVALID_ARGUMENT, "'unmapped_mmio' must be a string" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"x\":1}",
	    API_ERROR_INVALID_ARGUMENT, "unknown member 'x'" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\","
	    "\"devices\":[3]}", API_ERROR_INVALID_ARGUMENT, "devices[0] must be" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\","
	    "\"devices\":[{\"type\":\"virtio-blk\"}]}", API_ERROR_INVALID_ARGUMENT,
	    "devices[0]: unknown type 'virtio-blk'" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"disk\"}]}", API_ERROR_INVALID_ARGUMENT,
	    "devices[0].path must be a string" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"disk\",\"path\":\"x.img\"}]}",
	    API_ERROR_INVALID_ARGUMENT, "a disk's path must be absolute" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"disk\",\"path\":\"/a,b\"}]}",
	    API_ERROR_INVALID_ARGUMENT, "may hold a comma" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"disk\",\"path\":\"/a\",\"read_only\":1}]}",
	    API_ERROR_INVALID_ARGUMENT, "devices[0].read_only must be a boolean" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"rng\"},{\"type\":\"rng\",\"path\":\"/x\"}]}",
	    API_ERROR_INVALID_ARGUMENT, "devices[1]: a rng has no member 'path'" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"net\",\"tap\":\"a-tap-name-too-long\"}]}",
	    API_ERROR_INVALID_ARGUMENT, "devices[0].tap must be a string of 1 to 15" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"vsock\",\"cid\":2}]}",
	    API_ERROR_INVALID_ARGUMENT, "devices[0].cid must be an integer from 3" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"vsock\",\"cid\":3},{\"type\":\"rng\"},{\"type\":\"vsock\",\"cid\":4}]}",
	    API_ERROR_INVALID_ARGUMENT, "devices[2]: a VM has one vsock device (devices[0] is one)" },
	/* What the VM process's parsers would refuse is refused here (found
	 * by fuzz-vm_spec: regression-* seeds). */
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"vsock\",\"cid\":4294967295}]}",
	    API_ERROR_INVALID_ARGUMENT, "from 3 to 4294967294" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"2:0:0:0:0:0,tap=x\"}]}",
	    API_ERROR_INVALID_ARGUMENT, "a unicast XX:XX:XX:XX:XX:XX" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"53:54:00:12:34:56\"}]}",
	    API_ERROR_INVALID_ARGUMENT, "a unicast XX:XX:XX:XX:XX:XX" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":\"net\",\"tap\":\"t,fd=3\"}]}",
	    API_ERROR_INVALID_ARGUMENT, "an interface name" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}",
	    API_ERROR_LIMIT, "17 devices, more than the 16" },
	{ "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\\u0000x\"}",
	    API_ERROR_INVALID_ARGUMENT, "holds a NUL" },
};

/* A disk's path leaves room for ",ro,serial=ID" in the VM process's option
 * text: at the old limit (1023 bytes) the text was cut and a read-only
 * disk became writable. */
START_TEST(test_spec_disk_path_limit)
{
	char text[1200], path[API_VM_DISK_PATH_MAX + 2];
	struct api_vm_spec out;

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[API_VM_DISK_PATH_MAX] = '\0';
	snprintf(text, sizeof(text), "{\"name\":\"a\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":"
	    "\"disk\",\"path\":\"%s\",\"read_only\":true}]}", path);
	ck_assert_int_eq(spec(text, &out), 0);
	ck_assert_uint_eq(strlen(out.devices[0].path), API_VM_DISK_PATH_MAX);
	path[API_VM_DISK_PATH_MAX] = 'p';
	path[API_VM_DISK_PATH_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "{\"name\":\"a\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"/k\",\"devices\":[{\"type\":"
	    "\"disk\",\"path\":\"%s\",\"read_only\":true}]}", path);
	ck_assert_int_eq(spec(text, &out), -1);
	ck_assert_ptr_nonnull(strstr(error.desc, "1 to 992 bytes"));
}
END_TEST

START_TEST(test_spec_bad)
{
	struct api_vm_spec out;

	ck_assert_int_eq(spec(bad_specs[_i].spec, &out), -1);
	ck_assert_str_eq(api_error_class_name(error.class),
	    api_error_class_name(bad_specs[_i].class));
	ck_assert_msg(strstr(error.desc, bad_specs[_i].says) != NULL,
	    "'%s': '%s' does not say '%s'", bad_specs[_i].spec, error.desc,
	    bad_specs[_i].says);
}
END_TEST

static json_t *
load_line(char *line)
{
	size_t length = strlen(line);
	json_t *json;

	ck_assert_int_gt(length, 1);
	ck_assert_int_eq(line[length - 1], '\n');
	json = json_loadb(line, length - 1, 0, NULL);
	free(line);
	ck_assert_ptr_nonnull(json);
	return json;
}

START_TEST(test_render)
{
	struct api_error e;
	json_t *json, *id = json_integer(7);

	json = load_line(api_greeting());
	ck_assert(json_is_array(json_object_get(json_object_get(json, "QMP"),
	    "capabilities")));
	json_decref(json);
	json = load_line(api_reply(json_pack("{s:i}", "n", 1), id));
	ck_assert_int_eq(json_integer_value(json_object_get(json, "id")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json,
	    "return"), "n")), 1);
	json_decref(json);
	api_error_set(&e, API_ERROR_VM_NOT_FOUND, "no VM named '%s'", "q");
	json = load_line(api_error_reply(&e, id));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "error"), "class")), "VMNotFound");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "error"), "desc")), "no VM named 'q'");
	json_decref(json);
	json = load_line(api_event("VM_PAUSED", json_pack("{s:s}", "vm", "a")));
	ck_assert_str_eq(json_string_value(json_object_get(json, "event")),
	    "VM_PAUSED");
	ck_assert(json_is_integer(json_object_get(json_object_get(json,
	    "timestamp"), "microseconds")));
	json_decref(json);
	json_decref(id);
	ck_assert_str_eq(api_error_class_name(API_ERROR_CLASS_COUNT), "GenericError");
}
END_TEST

START_TEST(test_event_mask)
{
	json_t *names = json_pack("[s,s]", "VM_PAUSED", "CONSOLE");

	ck_assert_int_eq(api_event_mask(names, &error),
	    (1ll << api_event_index("VM_PAUSED")) |
	    (1ll << api_event_index("CONSOLE")));
	json_array_append_new(names, json_integer(3));
	ck_assert_int_eq(api_event_mask(names, &error), -1);
	ck_assert_ptr_nonnull(strstr(error.desc, "events[2]"));
	json_decref(names);
	names = json_array();
	ck_assert_int_eq(api_event_mask(names, &error), 0);
	json_decref(names);
	ck_assert_int_eq(api_event_index("VM_EXPLODED"), -1);
	ck_assert_uint_lt(api_event_count, 32);
}
END_TEST

/* qmp_capabilities first, and only once; no capability is offered. */
START_TEST(test_negotiation)
{
	const struct api_command *capabilities =
	    api_command_find("qmp_capabilities");
	const struct api_command *version = api_command_find("query-version");
	json_t *arguments = json_pack("{s:[s]}", "enable", "oob");

	ck_assert_int_eq(api_negotiation_check(false, capabilities, &error), 0);
	ck_assert_int_eq(api_negotiation_check(false, version, &error), -1);
	ck_assert_int_eq(error.class, API_ERROR_NOT_NEGOTIATED);
	ck_assert_int_eq(api_negotiation_check(true, version, &error), 0);
	ck_assert_int_eq(api_negotiation_check(true, capabilities, &error), -1);
	ck_assert_int_eq(error.class, API_ERROR_COMMAND_NOT_FOUND);
	ck_assert_int_eq(api_capabilities_check(arguments, &error), -1);
	ck_assert_int_eq(error.class, API_ERROR_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(error.desc, "'oob'"));
	json_array_clear(json_object_get(arguments, "enable"));
	ck_assert_int_eq(api_capabilities_check(arguments, &error), 0);
	json_object_clear(arguments);
	ck_assert_int_eq(api_capabilities_check(arguments, &error), 0);
	json_decref(arguments);
}
END_TEST

static Suite *
api_suite(void)
{
	Suite *suite = suite_create("api");
	TCase *tcase = tcase_create("protocol");

	tcase_add_checked_fixture(tcase, NULL, teardown);
	tcase_add_test(tcase, test_table_valid);
	tcase_add_test(tcase, test_table_broken);
	tcase_add_test(tcase, test_parse_good);
	tcase_add_loop_test(tcase, test_parse_bad, 0,
	    sizeof(bad_requests) / sizeof(bad_requests[0]));
	tcase_add_test(tcase, test_spec_good);
	tcase_add_test(tcase, test_spec_restore);
	tcase_add_loop_test(tcase, test_spec_bad, 0,
	    sizeof(bad_specs) / sizeof(bad_specs[0]));
	tcase_add_test(tcase, test_spec_disk_path_limit);
	tcase_add_test(tcase, test_render);
	tcase_add_test(tcase, test_event_mask);
	tcase_add_test(tcase, test_negotiation);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(api_suite)
