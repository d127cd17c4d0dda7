/* The daemon <-> VM process contract (vmmd/vm_channel.c): every kind goes
 * through encode then decode unchanged on the side it is for; what is not
 * a message of the contract (the wrong way, the wrong types, too long, an
 * unknown kind, extra members) is refused with a reason, never used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmmd/vm_channel.h"
#include "suites.h"

static int
decode(const char *line, enum vm_channel_side side, struct vm_message *message)
{
	char error[160];

	return vm_message_decode(line, strlen(line), side, message, error,
	    sizeof(error));
}

/* Encoded, then decoded where it goes: the same message. */
static void
round_trip(const struct vm_message *sent, enum vm_channel_side side,
    struct vm_message *got)
{
	char *line = vm_message_encode(sent);

	ck_assert_ptr_nonnull(line);
	/* one line, its newline the last byte */
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	ck_assert_int_eq(decode(line, side, got), 0);
	ck_assert_int_eq(got->kind, sent->kind);
	/* and never on the other side */
	{
		struct vm_message other;

		ck_assert_int_eq(decode(line, !side, &other), -1);
		ck_assert_int_eq(other.kind, VM_MSG_NONE);
	}
	free(line);
}

START_TEST(test_table)
{
	char error[128];
	unsigned int i;

	ck_assert_int_eq(vm_channel_table_validate(error, sizeof(error)), 0);
	for (i = 0; i < VM_MSG_COUNT; i++)
		ck_assert_str_ne(vm_message_name(i), "?");
	ck_assert_str_eq(vm_message_name(VM_MSG_COUNT), "?");
	ck_assert_int_eq(VM_CHANNEL_CONTROL_FD, 3);
	ck_assert_int_eq(VM_CHANNEL_CONSOLE_OUT_FD, 4);
	ck_assert_int_eq(VM_CHANNEL_CONSOLE_IN_FD, 5);
}
END_TEST

START_TEST(test_each_kind_round_trips)
{
	static const enum vm_message_kind to_process[] = { VM_MSG_PAUSE,
	    VM_MSG_RESUME, VM_MSG_INFO, VM_MSG_X_FORBIDDEN_SYSCALL,
	    VM_MSG_SNAPSHOT };
	struct vm_message sent = { .kind = VM_MSG_STOP, .force = true }, got;
	size_t i;

	for (i = 0; i < sizeof(to_process) / sizeof(to_process[0]); i++) {
		sent.kind = to_process[i];
		round_trip(&sent, VM_CHANNEL_TO_PROCESS, &got);
		vm_message_clear(&got);
	}
	sent.kind = VM_MSG_STOP;
	round_trip(&sent, VM_CHANNEL_TO_PROCESS, &got);
	ck_assert(got.force);
	sent.force = false;
	round_trip(&sent, VM_CHANNEL_TO_PROCESS, &got);
	ck_assert(!got.force);
	sent = (struct vm_message){ .kind = VM_MSG_RUNNING };
	round_trip(&sent, VM_CHANNEL_TO_DAEMON, &got);
	sent = (struct vm_message){ .kind = VM_MSG_ACK, .ok = false };
	snprintf(sent.desc, sizeof(sent.desc), "cannot pause: it is so already");
	round_trip(&sent, VM_CHANNEL_TO_DAEMON, &got);
	ck_assert(!got.ok);
	ck_assert_str_eq(got.desc, sent.desc);
	sent = (struct vm_message){ .kind = VM_MSG_ACK, .ok = true,
	    .counters = json_pack("{s:[]}", "forward_map") };
	round_trip(&sent, VM_CHANNEL_TO_DAEMON, &got);
	ck_assert(got.ok);
	ck_assert(json_equal(got.counters, sent.counters));
	json_decref(sent.counters);
	vm_message_clear(&got);
	sent = (struct vm_message){ .kind = VM_MSG_RESULT, .result = json_pack(
	    "{s:s,s:s}", "outcome", "poweroff", "detail", "the guest asked") };
	round_trip(&sent, VM_CHANNEL_TO_DAEMON, &got);
	ck_assert(json_equal(got.result, sent.result));
	json_decref(sent.result);
	vm_message_clear(&got);
	sent = (struct vm_message){ .kind = VM_MSG_ADOPT };
	round_trip(&sent, VM_CHANNEL_TO_PROCESS, &got);
	for (i = 0; i < VM_ADOPTED_COUNT; i++) {
		sent = (struct vm_message){ .kind = VM_MSG_ADOPTED,
		    .adopted = (enum vm_adopted_state)i };
		round_trip(&sent, VM_CHANNEL_TO_DAEMON, &got);
		ck_assert_int_eq(got.adopted, (int)i);
	}
}
END_TEST

/* A spec's files end with restore's state and memory, as snapshot
 * files: passed ones counted, paths opened by the daemon. */
START_TEST(test_files_restore)
{
	struct vm_channel_file files[VM_CHANNEL_FILES_MAX];
	struct api_vm_spec spec = { .vcpus = 1, .memory_mib = 64 };
	unsigned int n;

	snprintf(spec.kernel, sizeof(spec.kernel), "/k");
	snprintf(spec.restore_state, sizeof(spec.restore_state), "fd:s");
	snprintf(spec.restore_memory, sizeof(spec.restore_memory), "/snap/memory");
	n = vm_channel_files(&spec, files);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(files[1].ref, "fd:s");
	ck_assert_int_eq(files[1].use, IMAGE_USE_SNAPSHOT);
	ck_assert(files[1].passed);
	ck_assert_str_eq(files[2].ref, "/snap/memory");
	ck_assert_int_eq(files[2].use, IMAGE_USE_SNAPSHOT);
	ck_assert(!files[2].passed);
	ck_assert_uint_eq(vm_channel_files_passed(files, n), 1);
}
END_TEST

/* What a taken-over process may answer to adopt, and what it may not. */
START_TEST(test_adopted_refused)
{
	static const struct {
		const char *line;
		const char *says;
	} bad[] = {
		{ "{\"msg\":\"adopted\"}", "state" },
		{ "{\"msg\":\"adopted\",\"state\":\"defined\"}",
		    "no adopted state named 'defined'" },
		{ "{\"msg\":\"adopted\",\"state\":7}", "string" },
		{ "{\"msg\":\"adopted\",\"state\":\"running\",\"pid\":1}",
		    "pid" },
		{ "{\"msg\":\"adopt\"}", "goes the other way" },
	};
	struct vm_message got;
	char error[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error[0] = '\0';
		ck_assert_int_eq(vm_message_decode(bad[i].line,
		    strlen(bad[i].line), VM_CHANNEL_TO_DAEMON, &got, error,
		    sizeof(error)), -1);
		ck_assert_msg(strstr(error, bad[i].says) != NULL,
		    "%s: '%s' lacks '%s'", bad[i].line, error, bad[i].says);
	}
	/* and the encoder sends no state it does not know */
	got = (struct vm_message){ .kind = VM_MSG_ADOPTED,
	    .adopted = VM_ADOPTED_COUNT };
	ck_assert_ptr_null(vm_message_encode(&got));
}
END_TEST

START_TEST(test_spec_round_trips)
{
	struct vm_spec_message spec = { .stop_timeout_ms = 30000,
	    .test_hooks = true };
	struct vm_message sent = { .kind = VM_MSG_SPEC, .spec = &spec }, got;

	snprintf(spec.spec.name, sizeof(spec.spec.name), "web");
	spec.spec.vcpus = 2;
	spec.spec.memory_mib = 256;
	snprintf(spec.spec.kernel, sizeof(spec.spec.kernel), "/srv/Image");
	snprintf(spec.console_log, sizeof(spec.console_log), "/run/vmmd/web.log");
	snprintf(spec.kvm_path, sizeof(spec.kvm_path), "/dev/kvm");
	snprintf(spec.vm_user, sizeof(spec.vm_user), "vmmd-vm");
	round_trip(&sent, VM_CHANNEL_TO_PROCESS, &got);
	ck_assert_ptr_nonnull(got.spec);
	ck_assert_str_eq(got.spec->spec.name, "web");
	ck_assert_int_eq(got.spec->spec.vcpus, 2);
	ck_assert_str_eq(got.spec->console_log, spec.console_log);
	ck_assert_str_eq(got.spec->kvm_path, "/dev/kvm");
	ck_assert_str_eq(got.spec->vm_user, "vmmd-vm");
	ck_assert_int_eq(got.spec->stop_timeout_ms, 30000);
	ck_assert(got.spec->test_hooks);
	vm_message_clear(&got);
	ck_assert_ptr_null(got.spec);
}
END_TEST

/* What a VM process taken over by its guest could send, and what a
 * daemon gone wrong could: each refused, with a reason. */
START_TEST(test_refused)
{
	static const char *const to_daemon[] = {
		"", "not json", "[]", "{}", "{\"msg\":5}", "{\"msg\":null}",
		"{\"msg\":\"explode\"}", "{\"msg\":\"pause\"}",
		"{\"msg\":\"running\",\"extra\":1}",
		"{\"msg\":\"ack\"}", "{\"msg\":\"ack\",\"ok\":\"yes\"}",
		"{\"msg\":\"ack\",\"ok\":true,\"counters\":[1]}",
		"{\"msg\":\"ack\",\"ok\":true,\"counters\":\"x\"}",
		"{\"msg\":\"ack\",\"ok\":false,\"desc\":7}",
		"{\"msg\":\"ack\",\"ok\":true,\"ok\":false}",
		"{\"msg\":\"result\"}", "{\"msg\":\"result\",\"result\":\"x\"}",
		"{\"msg\":\"result\",\"result\":null}",
		"{\"msg\":\"result\",\"result\":{},\"more\":{}}",
	};
	static const char *const to_process[] = {
		"{\"msg\":\"running\"}", "{\"msg\":\"stop\",\"force\":1}",
		"{\"msg\":\"spec\"}", "{\"msg\":\"spec\",\"spec\":{}}",
		"{\"msg\":\"info\",\"x\":true}",
	};
	struct vm_message message;
	char desc[400], line[600], error[160];
	size_t i;

	for (i = 0; i < sizeof(to_daemon) / sizeof(to_daemon[0]); i++)
		ck_assert_msg(decode(to_daemon[i], VM_CHANNEL_TO_DAEMON,
		    &message) == -1, "taken: %s", to_daemon[i]);
	for (i = 0; i < sizeof(to_process) / sizeof(to_process[0]); i++)
		ck_assert_msg(decode(to_process[i], VM_CHANNEL_TO_PROCESS,
		    &message) == -1, "taken: %s", to_process[i]);
	memset(desc, 'x', sizeof(desc) - 1);
	desc[sizeof(desc) - 1] = '\0';
	snprintf(line, sizeof(line), "{\"msg\":\"ack\",\"ok\":false,"
	    "\"desc\":\"%s\"}", desc);
	ck_assert_int_eq(decode(line, VM_CHANNEL_TO_DAEMON, &message), -1);
	ck_assert_int_eq(vm_message_decode("{\"msg\":\"running\"}",
	    VM_CHANNEL_LINE_MAX + 1, VM_CHANNEL_TO_DAEMON, &message, error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "bytes"));
	ck_assert_int_eq(decode("{\"msg\":\"pause\"}", VM_CHANNEL_TO_DAEMON,
	    &message), -1);
	ck_assert_int_eq(vm_message_decode("{\"msg\":\"pause\"}", 15,
	    VM_CHANNEL_TO_DAEMON, &message, error, sizeof(error)), -1);
	ck_assert_str_eq(error, "message 'pause' goes the other way");
}
END_TEST

/* What a VM process reports is bounded before the daemon stores it. */
START_TEST(test_result_and_counters_bounded)
{
	static const char *const refused[] = {
		"{\"outcome\":\"pwned\",\"detail\":\"\"}",
		"{\"outcome\":7,\"detail\":\"\"}",
		"{\"outcome\":\"poweroff\"}",
		"{\"outcome\":\"poweroff\",\"detail\":\"\",\"boots\":-1}",
		"{\"outcome\":\"poweroff\",\"detail\":\"\",\"boots\":\"many\"}",
		"{\"outcome\":\"poweroff\",\"detail\":\"\",\"graceful\":1}",
		"{\"outcome\":\"poweroff\",\"detail\":\"\",\"extra\":1}",
		"{\"outcome\":\"poweroff\",\"detail\":\"\",\"forward_map\":"
		    "{\"a\":{\"b\":{\"c\":{}}}}}",
		"{\"outcome\":\"poweroff\",\"detail\":\"\",\"forward_map\":"
		    "{\"a\":1.5}}",
		"{\"outcome\":\"poweroff\",\"detail\":\"\",\"forward_map\":"
		    "{\"a\":-1}}",
	};
	static const char *const taken[] = {
		"{\"outcome\":\"setup-failed\",\"detail\":\"see the log\"}",
		"{\"outcome\":\"stopped\",\"detail\":\"stopped on request\","
		    "\"boots\":1,\"exits\":99,\"setup_us\":9000,"
		    "\"console_log_dropped\":0,\"graceful\":false,"
		    "\"forward_map\":{\"kvm_filter\":true,\"entries\":[{\"name\":"
		    "\"uart\",\"hits\":3}],\"unmapped\":{\"mmio\":0}}}",
	};
	struct vm_message message;
	char line[8192], big[VM_CHANNEL_COUNTERS_STRING + 2];
	size_t i;
	int n;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(line, sizeof(line), "{\"msg\":\"result\",\"result\":%s}",
		    refused[i]);
		ck_assert_msg(decode(line, VM_CHANNEL_TO_DAEMON, &message) == -1,
		    "taken: %s", refused[i]);
	}
	for (i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		snprintf(line, sizeof(line), "{\"msg\":\"result\",\"result\":%s}",
		    taken[i]);
		ck_assert_msg(decode(line, VM_CHANNEL_TO_DAEMON, &message) == 0,
		    "refused: %s", taken[i]);
		vm_message_clear(&message);
	}
	/* a detail of 256 bytes, a counter string over the bound */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(line, sizeof(line), "{\"msg\":\"result\",\"result\":{"
	    "\"outcome\":\"crash\",\"detail\":\"%.256s\"}}", big);
	ck_assert_int_eq(decode(line, VM_CHANNEL_TO_DAEMON, &message), -1);
	snprintf(line, sizeof(line), "{\"msg\":\"ack\",\"ok\":true,"
	    "\"counters\":{\"devices\":[{\"fault\":\"%s\"}]}}", big);
	ck_assert_int_eq(decode(line, VM_CHANNEL_TO_DAEMON, &message), -1);
	/* a container over the width */
	n = snprintf(line, sizeof(line), "{\"msg\":\"ack\",\"ok\":true,"
	    "\"counters\":{\"devices\":[");
	for (i = 0; i <= VM_CHANNEL_COUNTERS_WIDTH; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s0",
		    i ? "," : "");
	snprintf(line + n, sizeof(line) - (size_t)n, "]}}");
	ck_assert_int_eq(decode(line, VM_CHANNEL_TO_DAEMON, &message), -1);
	/* the shape cmd_vm_process.c sends: a device without a fault */
	snprintf(line, sizeof(line), "{\"msg\":\"ack\",\"ok\":true,"
	    "\"counters\":{\"forward_map\":{\"kvm_filter\":true,\"entries\":"
	    "[{\"name\":\"uart\",\"base\":\"0x9000000\",\"hits\":12}],"
	    "\"unmapped\":{\"mmio\":0}},\"devices\":[{\"name\":\"block0\","
	    "\"irq\":40,\"needs_reset\":false,\"fault\":null,\"counters\":"
	    "{\"reads\":3}}],\"console_log_dropped\":0}}");
	ck_assert_int_eq(decode(line, VM_CHANNEL_TO_DAEMON, &message), 0);
	vm_message_clear(&message);
	snprintf(line, sizeof(line), "{\"msg\":\"ack\",\"ok\":true,"
	    "\"counters\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}}}");
	ck_assert_int_eq(decode(line, VM_CHANNEL_TO_DAEMON, &message), 0);
	vm_message_clear(&message);
	snprintf(line, sizeof(line), "{\"msg\":\"ack\",\"ok\":true,"
	    "\"counters\":{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}}");
	ck_assert_int_eq(decode(line, VM_CHANNEL_TO_DAEMON, &message), -1);
}
END_TEST

static Suite *
vm_channel_suite(void)
{
	Suite *suite = suite_create("vm_channel");
	TCase *tcase = tcase_create("messages");

	tcase_add_test(tcase, test_table);
	tcase_add_test(tcase, test_each_kind_round_trips);
	tcase_add_test(tcase, test_adopted_refused);
	tcase_add_test(tcase, test_files_restore);
	tcase_add_test(tcase, test_spec_round_trips);
	tcase_add_test(tcase, test_refused);
	tcase_add_test(tcase, test_result_and_counters_bounded);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(vm_channel_suite)
