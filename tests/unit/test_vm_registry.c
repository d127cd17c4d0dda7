/* The registry and the command table without a daemon (no socket, no
 * event loop, no process): a fake supervisor records what would go to the
 * VM process and the test plays the process's answers; a recording output
 * keeps the replies, errors and events. The states, the pending queue
 * and how an end becomes a state are checked here. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../vmmd/daemon.h"
#include "../../vmmd/vm_commands.h"
#include "suites.h"

#define RECORDED_MAX	16

static struct recorded {
	json_t *lines[RECORDED_MAX];	/* {"to":N,...reply/error} or event */
	size_t count;
	enum vm_message_kind sent[RECORDED_MAX];
	size_t sent_count;
	bool fail_spawn;
	enum vm_adopted_state adopted_state;	/* fake_adopt answers it */
} rec;

static struct daemon_config config;
static struct vm_registry registry;
static char clients[3];		/* requesters: only their addresses count */
#define A	((struct client *)&clients[0])
#define B	((struct client *)&clients[1])
#define C	((struct client *)&clients[2])	/* uid 1000: not root */

static int
client_index(const struct client *client)
{
	return (int)((const char *)client - clients);
}

static void
record(json_t *line)
{
	ck_assert_uint_lt(rec.count, RECORDED_MAX);
	rec.lines[rec.count++] = line;
}

static void
out_reply(struct client *client, json_t *value, json_t *id)
{
	record(json_pack("{s:i,s:o,s:O}", "to", client_index(client), "return",
	    value ?: json_object(), "id", id));
}

static void
out_error(struct client *client, json_t *id, enum api_error_class class,
    const char *desc)
{
	record(json_pack("{s:i,s:i,s:s,s:O}", "to", client_index(client),
	    "class", (int)class, "desc", desc, "id", id));
}

static void
out_broadcast(void *context, uid_t owner, const char *event, json_t *data)
{
	(void)context;
	record(json_pack("{s:s,s:o,s:I}", "event", event, "data", data,
	    "owner", (json_int_t)owner));
}

static void
out_console(struct client *client, const char *line)
{
	(void)client;
	record(json_pack("{s:s}", "console", line));
}

static bool
out_subscribed(const struct client *client, int event_index)
{
	(void)client;
	return event_index >= 0;
}

static void
out_state_changed(void *context, const struct vm_record *vm,
    enum vm_state previous)
{
	(void)context;
	(void)vm;
	(void)previous;
}

/* No client here passes files. */
static int
out_passed_fd(struct client *client, const char *name, bool take)
{
	(void)client;
	(void)name;
	(void)take;
	return -1;
}

/* Clients A and B are root, C is uid 1000. */
static uid_t
out_client_uid(const struct client *client)
{
	return client == C ? 1000 : 0;
}

static const struct vm_registry_output output = {
	out_reply, out_error, out_broadcast, out_console, out_subscribed,
	out_passed_fd, out_client_uid, out_state_changed, NULL, NULL,
};

static int
fake_spawn(struct vm_record *vm, char *error, size_t error_size)
{
	if (rec.fail_spawn) {
		snprintf(error, error_size, "cannot fork: a test");
		return -1;
	}
	vm->process.pid = 4242;
	return 0;
}

static int
fake_send(struct vm_record *vm, const struct vm_message *message)
{
	(void)vm;
	ck_assert_uint_lt(rec.sent_count, RECORDED_MAX);
	rec.sent[rec.sent_count++] = message->kind;
	return 0;
}

static void
fake_stop(struct vm_record *vm, bool force, unsigned int deadline_s)
{
	struct vm_message message = { .kind = VM_MSG_STOP, .force = force };

	ck_assert_uint_gt(deadline_s, 0);
	fake_send(vm, &message);
}

static void
fake_kill(struct vm_record *vm, bool on_request)
{
	vm->process.killed = on_request;
}

static ssize_t
fake_console_write(struct vm_record *vm, const void *bytes, size_t length)
{
	(void)vm;
	(void)bytes;
	return (ssize_t)length;
}

static void
fake_release(struct vm_record *vm)
{
	vm->process.pid = 0;
}

static void
fake_detach(struct vm_record *vm)
{
	vm->process.pid = 0;
}

static int
fake_adopt(struct vm_record *vm, pid_t pid, uint64_t start_time,
    const int fds[VM_HANDOVER_FDS], enum vm_adopted_state *state,
    char *error, size_t error_size)
{
	unsigned int i;

	(void)start_time;
	*state = rec.adopted_state;
	for (i = 0; i < VM_HANDOVER_FDS; i++)
		close(fds[i]);
	if (rec.fail_spawn) {
		snprintf(error, error_size, "its peer is not it: a test");
		return -1;
	}
	vm->process.pid = pid;
	return 0;
}

static const struct vm_supervisor fake = {
	fake_spawn, fake_send, fake_stop, fake_kill, fake_console_write,
	fake_release, fake_detach, fake_adopt,
};

static void
setup(void)
{
	daemon_config_defaults(&config);
	snprintf(config.state_dir, sizeof(config.state_dir),
	    "/tmp/vmmd-registry-%d", (int)getpid());
	ck_assert_uint_lt(strlen(config.state_dir), 100);
	ck_assert_int_eq(mkdir(config.state_dir, 0750), 0);
	config.kvm = true;
	config.limits.vms = 2;
	/* the specs' kernel: a file beneath the image directory */
	snprintf(config.images.directories[0], IMAGE_POLICY_PATH_MAX, "%s",
	    config.state_dir);
	unit_write_file(config.state_dir, "Image", "kernel");
	vm_registry_init(&registry, &config, &output, &fake);
	memset(&rec, 0, sizeof(rec));
}

static void
forget_recorded(void)
{
	size_t i;

	for (i = 0; i < rec.count; i++)
		json_decref(rec.lines[i]);
	rec.count = 0;
}

static void
teardown(void)
{
	char command[DAEMON_PATH_MAX + 16];

	forget_recorded();
	vm_registry_free_all(&registry);
	snprintf(command, sizeof(command), "rm -rf %s", config.state_dir);
	ck_assert_int_eq(system(command), 0);
}

/* One request through the command table, as client.c makes it. */
static void
run(struct client *client, const char *execute, const char *arguments)
{
	struct api_request request;
	struct api_error error;
	json_t *message = NULL;
	char line[640], expanded[512];

	unit_expand(expanded, sizeof(expanded), arguments, "@IMAGES@",
	    config.state_dir);
	snprintf(line, sizeof(line), "{\"execute\":\"%s\",\"arguments\":%s,"
	    "\"id\":\"%s\"}", execute, expanded, execute);
	ck_assert_int_eq(api_request_parse(line, strlen(line), &message,
	    &request, &error), 0);
	vm_command_run(&registry, client, &request);
	json_decref(message);
}

static void
run_vm(struct client *client, const char *execute)
{
	run(client, execute, "{\"vm\":\"a\"}");
}

static const json_t *
line_at(size_t i)
{
	ck_assert_uint_lt(i, rec.count);
	return rec.lines[i];
}

static void
expect_event(size_t i, const char *event)
{
	ck_assert_str_eq(json_string_value(json_object_get(line_at(i), "event")),
	    event);
}

static void
expect_reply(size_t i, struct client *client, const char *id)
{
	ck_assert_msg(json_object_get(line_at(i), "return") != NULL, "%s",
	    json_dumps(line_at(i), JSON_COMPACT));
	ck_assert_int_eq(json_integer_value(json_object_get(line_at(i), "to")),
	    client_index(client));
	ck_assert_str_eq(json_string_value(json_object_get(line_at(i), "id")), id);
}

static void
expect_error(size_t i, enum api_error_class class, const char *desc)
{
	ck_assert_msg(json_object_get(line_at(i), "class") != NULL, "%s",
	    json_dumps(line_at(i), JSON_COMPACT));
	ck_assert_int_eq(json_integer_value(json_object_get(line_at(i),
	    "class")), class);
	ck_assert_str_eq(json_string_value(json_object_get(line_at(i), "desc")),
	    desc);
}

static struct vm_record *
running_vm(void)
{
	struct vm_record *vm;

	run(A, "vm-create", "{\"spec\":{\"name\":\"a\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"@IMAGES@/Image\"}}");
	run_vm(A, "vm-start");
	vm = vm_registry_find(&registry, "a");
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm->state, VM_STATE_STARTING);
	vm_record_running(vm, 1234);
	ck_assert_int_eq(vm->state, VM_STATE_RUNNING);
	forget_recorded();
	rec.sent_count = 0;
	return vm;
}

static void
ack(struct vm_record *vm, bool ok, json_t *counters)
{
	struct vm_message message = { .kind = VM_MSG_ACK, .ok = ok,
	    .counters = counters };

	if (!ok)
		snprintf(message.desc, sizeof(message.desc), "cannot pause: "
		    "it is stopping");
	vm_record_ack(vm, &message);
	json_decref(counters);
}

START_TEST(test_table_checked)
{
	static const enum api_command_id missing[] = {
		API_CMD_QMP_CAPABILITIES, API_CMD_QUERY_VERSION,
	};
	static const enum api_command_id twice[] = {
		API_CMD_QMP_CAPABILITIES, API_CMD_QUERY_VERSION,
		API_CMD_QUERY_HOST, API_CMD_QUERY_COMMANDS,
		API_CMD_EVENTS_SUBSCRIBE, API_CMD_VM_PAUSE,
	};
	char error[160];

	ck_assert_int_eq(vm_command_table_validate(client_commands,
	    client_command_count, error, sizeof(error)), 0);
	ck_assert_int_eq(vm_command_table_validate(missing, 2, error,
	    sizeof(error)), -1);
	ck_assert_str_eq(error, "command tables: query-host has 0 servers, "
	    "not one");
	ck_assert_int_eq(vm_command_table_validate(twice, 6, error,
	    sizeof(error)), -1);
	ck_assert_str_eq(error, "command tables: vm-pause has 2 servers, "
	    "not one");
	ck_assert_int_eq(vm_command_find(API_CMD_VM_PAUSE)->message,
	    VM_MSG_PAUSE);
	ck_assert_int_eq(vm_command_find(API_CMD_VM_PAUSE)->on_ack,
	    VM_STATE_PAUSED);
	ck_assert_ptr_null(vm_command_find(API_CMD_QUERY_HOST));
}
END_TEST

/* pause: the message goes, the state waits for the ack; then resume. */
START_TEST(test_pause_waits_for_its_ack)
{
	struct vm_record *vm = running_vm();

	run_vm(A, "vm-pause");
	ck_assert_uint_eq(rec.sent_count, 1);
	ck_assert_int_eq(rec.sent[0], VM_MSG_PAUSE);
	ck_assert_int_eq(vm->state, VM_STATE_RUNNING);
	ck_assert_uint_eq(rec.count, 0);	/* no answer before the ack */
	ack(vm, true, NULL);
	ck_assert_int_eq(vm->state, VM_STATE_PAUSED);
	expect_event(0, "VM_PAUSED");
	expect_reply(1, A, "vm-pause");
	run_vm(B, "vm-pause");
	expect_error(2, API_ERROR_WRONG_STATE, "vm-pause: VM a is paused; it "
	    "must be running");
	run_vm(A, "vm-resume");
	ack(vm, true, NULL);
	expect_event(3, "VM_RESUMED");
	expect_reply(4, A, "vm-resume");
	ck_assert_int_eq(vm->state, VM_STATE_RUNNING);
}
END_TEST

/* A refusal keeps the state and says the process's reason; acks answer
 * in order; a client that has gone is answered by no one. */
START_TEST(test_acks_in_order)
{
	struct vm_record *vm = running_vm();

	run_vm(A, "vm-pause");
	run_vm(B, "vm-info");
	run_vm(A, "vm-info");
	vm_registry_forget_client(&registry, A);
	ack(vm, false, NULL);
	ck_assert_int_eq(vm->state, VM_STATE_RUNNING);
	ck_assert_uint_eq(rec.count, 0);	/* A has gone */
	ack(vm, true, json_pack("{s:[]}", "forward_map"));
	expect_reply(0, B, "vm-info");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(line_at(0),
	    "return"), "counters"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    line_at(0), "return"), "state")), "running");
	ack(vm, true, NULL);
	ck_assert_uint_eq(rec.count, 1);
	ack(vm, true, NULL);	/* an answer to no question: logged */
	ck_assert_uint_eq(rec.count, 1);
	run_vm(B, "vm-pause");
	ack(vm, false, NULL);
	expect_error(1, API_ERROR_WRONG_STATE, "vm-pause: VM a: cannot pause: "
	    "it is stopping");
}
END_TEST

/* The end of a process: questions answered with how it ended, commands
 * failed; the state from how it ended. */
START_TEST(test_end_becomes_a_state)
{
	struct vm_record *vm = running_vm();
	struct vm_process_end end = { .status = 0, .reported = true };

	run_vm(A, "vm-pause");
	run_vm(B, "vm-info");
	vm_record_result(vm, json_pack("{s:s,s:s}", "outcome", "poweroff",
	    "detail", "the guest asked"));
	json_decref(vm->last_result);	/* vm_record_result took its own */
	vm->process.pid = 0;
	vm_record_ended(vm, &end);
	ck_assert_int_eq(vm->state, VM_STATE_STOPPED);
	expect_event(0, "VM_STOPPED");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    line_at(0), "data"), "outcome")), "poweroff");
	expect_error(1, API_ERROR_WRONG_STATE, "vm-pause: VM a has stopped");
	expect_reply(2, B, "vm-info");
	run_vm(A, "vm-start");
	vm_record_running(vm, 1);
	end = (struct vm_process_end){ .status = SIGSYS, .reported = false };
	vm_record_ended(vm, &end);
	ck_assert_int_eq(vm->state, VM_STATE_CRASHED);
	run_vm(A, "vm-start");
	end = (struct vm_process_end){ .status = SIGKILL, .killed = true };
	vm_record_ended(vm, &end);
	ck_assert_int_eq(vm->state, VM_STATE_STOPPED);
}
END_TEST

/* A VM is its creator's: a client that is neither root nor its owner
 * cannot see it (vm-list), act on it (any command naming it) or hear of
 * it (events carry the owner, for client.c to filter); root sees all. */
/* The handover's three fds for VM, as the service manager passes them. */
static void
handover_of(struct vm_handover *handover, const char *vm, int peers[3])
{
	char name[VM_HANDOVER_NAME_MAX];
	unsigned int i;
	int pair[2];

	for (i = 0; i < VM_HANDOVER_FDS; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
		vm_handover_fd_name(name, sizeof(name), vm,
		    (enum vm_handover_fd)i);
		ck_assert_int_eq(vm_handover_add(handover, name, pair[0]), 1);
		peers[i] = pair[1];
	}
}

/* A daemon that exits under a service manager leaves its VM running and
 * its record as it was; the next one adopts the process from the channel
 * passed back, keeps its uptime, and takes its state from its answer. */
START_TEST(test_hand_over_and_adopt)
{
	struct vm_handover handover = { 0 };
	struct vm_record *vm = running_vm();
	int64_t started_at = vm->started_at;
	int peers[3];
	unsigned int i;

	ck_assert_int_gt(started_at, 0);
	ck_assert_int_ge(vm_record_uptime(vm), 0);
	ck_assert_uint_eq(vm_registry_hand_over(&registry), 1);
	ck_assert_int_eq(vm->process.pid, 0);
	ck_assert_int_eq(vm_record_uptime(vm), -1);
	vm_registry_free_all(&registry);

	vm_registry_init(&registry, &config, &output, &fake);
	handover_of(&handover, "a", peers);
	rec.adopted_state = VM_ADOPTED_PAUSED;	/* paused just before */
	vm_registry_restore(&registry, &handover);
	vm = vm_registry_find(&registry, "a");
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm->process.pid, 4242);
	ck_assert_int_eq(vm->state, VM_STATE_PAUSED);	/* as it answered */
	ck_assert_int_eq(vm->started_at, started_at);
	ck_assert_ptr_null(vm->last_result);
	for (i = 0; i < VM_HANDOVER_FDS; i++)
		close(peers[i]);
}
END_TEST

/* A process that cannot be adopted is one that outlived its daemon: the
 * VM is listed stopped, and the channel that came back is closed. */
START_TEST(test_adopt_refused)
{
	struct vm_handover handover = { 0 };
	char byte;
	int peers[3];
	unsigned int i;

	running_vm();
	ck_assert_uint_eq(vm_registry_hand_over(&registry), 1);
	vm_registry_free_all(&registry);
	vm_registry_init(&registry, &config, &output, &fake);
	handover_of(&handover, "a", peers);
	rec.fail_spawn = true;	/* fake_adopt refuses */
	vm_registry_restore(&registry, &handover);
	ck_assert_int_eq(vm_registry_find(&registry, "a")->state,
	    VM_STATE_STOPPED);
	ck_assert_str_eq(json_string_value(json_object_get(vm_registry_find(
	    &registry, "a")->last_result, "outcome")), "daemon-restarted");
	for (i = 0; i < VM_HANDOVER_FDS; i++) {
		ck_assert_int_eq(recv(peers[i], &byte, 1, MSG_DONTWAIT), 0);
		close(peers[i]);
	}
}
END_TEST

START_TEST(test_owners)
{
	json_t *list;

	run(A, "vm-create", "{\"spec\":{\"name\":\"a\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"@IMAGES@/Image\"}}");
	expect_event(0, "VM_CREATED");
	ck_assert_int_eq(json_integer_value(json_object_get(line_at(0),
	    "owner")), 0);
	run(C, "vm-create", "{\"spec\":{\"name\":\"c\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"@IMAGES@/Image\"}}");
	expect_event(2, "VM_CREATED");
	ck_assert_int_eq(json_integer_value(json_object_get(line_at(2),
	    "owner")), 1000);
	expect_reply(3, C, "vm-create");
	run(C, "vm-list", "{}");
	list = json_object_get(line_at(4), "return");
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list,
	    0), "name")), "c");
	run_vm(C, "vm-info");
	expect_error(5, API_ERROR_PERMISSION, "vm-info: VM a is another "
	    "user's (only its owner, uid 0, and root may use it)");
	run_vm(C, "vm-delete");
	expect_error(6, API_ERROR_PERMISSION, "vm-delete: VM a is another "
	    "user's (only its owner, uid 0, and root may use it)");
	ck_assert_ptr_nonnull(vm_registry_find(&registry, "a"));
	run(A, "vm-list", "{}");
	ck_assert_uint_eq(json_array_size(json_object_get(line_at(7),
	    "return")), 2);
	run(A, "vm-info", "{\"vm\":\"c\"}");
	expect_reply(8, A, "vm-info");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    line_at(8), "return"), "owner")), 1000);
}
END_TEST

START_TEST(test_states_and_limits)
{
	struct vm_record *vm = running_vm();

	run_vm(A, "vm-delete");
	expect_error(0, API_ERROR_WRONG_STATE, "vm-delete: VM a is running; "
	    "it must be defined or stopped or crashed");
	run(A, "vm-pause", "{\"vm\":\"b\"}");
	expect_error(1, API_ERROR_VM_NOT_FOUND, "vm-pause: no VM named 'b'");
	run(A, "vm-create", "{\"spec\":{\"name\":\"a\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"@IMAGES@/Image\"}}");
	expect_error(2, API_ERROR_VM_EXISTS, "vm-create: a VM named 'a' "
	    "exists already");
	run(A, "vm-create", "{\"spec\":{\"name\":\"b\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"@IMAGES@/Image\"}}");
	run(A, "vm-create", "{\"spec\":{\"name\":\"c\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"@IMAGES@/Image\"}}");
	expect_error(5, API_ERROR_LIMIT, "vm-create: 2 VMs already "
	    "(limits.vms)");
	run_vm(A, "vm-stop");
	ck_assert_int_eq(rec.sent[0], VM_MSG_STOP);
	ck_assert_int_eq(vm->state, VM_STATE_STOPPING);
	run_vm(A, "vm-kill");
	ck_assert(vm->process.killed);
	rec.fail_spawn = true;
	run(A, "vm-start", "{\"vm\":\"b\"}");
	expect_error(rec.count - 1, API_ERROR_GENERIC, "vm-start: cannot "
	    "fork: a test");
	config.kvm = false;
	run(A, "vm-start", "{\"vm\":\"b\"}");
	ck_assert_int_eq(json_integer_value(json_object_get(line_at(rec.count - 1),
	    "class")), API_ERROR_NO_KVM);
}
END_TEST

static Suite *
vm_registry_suite(void)
{
	Suite *suite = suite_create("vm_registry");
	TCase *tcase = tcase_create("no_daemon");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_table_checked);
	tcase_add_test(tcase, test_pause_waits_for_its_ack);
	tcase_add_test(tcase, test_acks_in_order);
	tcase_add_test(tcase, test_end_becomes_a_state);
	tcase_add_test(tcase, test_states_and_limits);
	tcase_add_test(tcase, test_owners);
	tcase_add_test(tcase, test_hand_over_and_adopt);
	tcase_add_test(tcase, test_adopt_refused);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(vm_registry_suite)
