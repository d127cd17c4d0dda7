/* The daemon's VMs: their records, the states and the commands that move
 * between them (a table, validated at start), the events every negotiated
 * client sees, and the console output that attached clients see. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/log.h"
#include "../api/console_data.h"
#include "daemon.h"

#define STATE(s)	(1u << VM_STATE_##s)

static const char *const state_names[VM_STATE_COUNT] = {
	[VM_STATE_DEFINED] = "defined", [VM_STATE_STARTING] = "starting",
	[VM_STATE_RUNNING] = "running", [VM_STATE_PAUSED] = "paused",
	[VM_STATE_STOPPING] = "stopping", [VM_STATE_STOPPED] = "stopped",
	[VM_STATE_CRASHED] = "crashed",
};

/* The states in which each VM command is allowed (docs/protocol.md). */
struct vm_transition {
	enum api_command_id command;
	unsigned int from;
};

static const struct vm_transition vm_transitions[] = {
	{ API_CMD_VM_START, STATE(DEFINED) | STATE(STOPPED) | STATE(CRASHED) },
	{ API_CMD_VM_PAUSE, STATE(RUNNING) },
	{ API_CMD_VM_RESUME, STATE(PAUSED) },
	{ API_CMD_VM_STOP, STATE(STARTING) | STATE(RUNNING) | STATE(PAUSED) },
	{ API_CMD_VM_KILL, STATE(STARTING) | STATE(RUNNING) | STATE(PAUSED) |
	    STATE(STOPPING) },
	{ API_CMD_VM_DELETE, STATE(DEFINED) | STATE(STOPPED) | STATE(CRASHED) },
	{ API_CMD_CONSOLE_WRITE, STATE(RUNNING) | STATE(PAUSED) },
	{ API_CMD_X_FORBIDDEN_SYSCALL, STATE(RUNNING) | STATE(PAUSED) },
};
#define TRANSITION_COUNT (sizeof(vm_transitions) / sizeof(vm_transitions[0]))

const char *
vm_state_name(enum vm_state state)
{
	return (unsigned int)state < VM_STATE_COUNT ? state_names[state] : "?";
}

int
vm_state_table_validate(char *error, size_t error_size)
{
	size_t i, j;

	for (i = 0; i < VM_STATE_COUNT; i++)
		if (state_names[i] == NULL) {
			snprintf(error, error_size, "VM state %zu has no name", i);
			return -1;
		}
	for (i = 0; i < TRANSITION_COUNT; i++) {
		const char *name = api_commands[vm_transitions[i].command].name;

		if (vm_transitions[i].from == 0 ||
		    vm_transitions[i].from >= (1u << VM_STATE_COUNT)) {
			snprintf(error, error_size, "VM state table: entry %s: "
			    "no state, or a state that does not exist", name);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (vm_transitions[j].command == vm_transitions[i].command) {
				snprintf(error, error_size, "VM state table: "
				    "entry %s: listed twice", name);
				return -1;
			}
	}
	return 0;
}

static const struct vm_transition *
transition_of(enum api_command_id command)
{
	size_t i;

	for (i = 0; i < TRANSITION_COUNT; i++)
		if (vm_transitions[i].command == command)
			return &vm_transitions[i];
	return NULL;
}

static void
states_text(unsigned int mask, char *out, size_t size)
{
	size_t used = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < VM_STATE_COUNT; i++)
		if (mask & (1u << i))
			used += (size_t)snprintf(out + used, used < size ?
			    size - used : 0, "%s%s", used ? " or " : "",
			    state_names[i]);
}

struct vm_entry *
vm_find(struct daemon *daemon, const char *name)
{
	struct vm_entry *vm;

	TAILQ_FOREACH(vm, &daemon->vms, entry)
		if (strcmp(vm->spec.name, name) == 0)
			return vm;
	return NULL;
}

void
vm_broadcast(struct daemon *daemon, const char *event, json_t *data)
{
	int index = api_event_index(event);
	struct client *client;
	char *line = api_event(event, data);

	if (line == NULL)
		return;
	TAILQ_FOREACH(client, &daemon->clients, entry)
		if (client->negotiated && index >= 0 &&
		    (client->events & (1u << index)))
			client_send(client, strdup(line));
	free(line);
}

static const char *
event_of(enum vm_state previous, enum vm_state state)
{
	static const char *const events[VM_STATE_COUNT] = {
		[VM_STATE_DEFINED] = "VM_CREATED",	/* never a transition */
		[VM_STATE_STARTING] = "VM_STARTING",
		[VM_STATE_RUNNING] = "VM_RUNNING",
		[VM_STATE_PAUSED] = "VM_PAUSED",
		[VM_STATE_STOPPING] = "VM_STOPPING",
		[VM_STATE_STOPPED] = "VM_STOPPED",
		[VM_STATE_CRASHED] = "VM_CRASHED",
	};

	if (previous == VM_STATE_PAUSED && state == VM_STATE_RUNNING)
		return "VM_RESUMED";
	return events[state];
}

/* The record on disk follows the VM; a failure is logged once, until a
 * write succeeds again (the VM itself carries on). */
static void
record_sync(struct vm_entry *vm)
{
	const char *dir = vm->daemon->config.state_dir;
	int rc = state_record_write(dir, vm);

	if (rc < 0 && !vm->record_failed)
		log_warnx("VM %s: cannot write its record in %s: %s (said once "
		    "until a write succeeds)", vm->spec.name, dir, strerror(-rc));
	else if (rc == 0 && vm->record_failed)
		log_info("VM %s: its record in %s is written again",
		    vm->spec.name, dir);
	vm->record_failed = rc < 0;
}

/* Every change of state is an event; extra (stolen) adds to its data. */
void
vm_set_state(struct vm_entry *vm, enum vm_state state, json_t *extra)
{
	enum vm_state previous = vm->state;
	json_t *data;

	vm->state = state;
	record_sync(vm);
	if (!daemon_systemd_journal_vm(vm, previous))
		log_info("VM %s: %s -> %s", vm->spec.name,
		    vm_state_name(previous), vm_state_name(state));
	daemon_systemd_status(vm->daemon);
	data = json_pack("{s:s,s:s,s:s}", "vm", vm->spec.name, "state",
	    vm_state_name(state), "previous", vm_state_name(previous));
	if (data != NULL && extra != NULL)
		json_object_update(data, extra);
	json_decref(extra);
	vm_broadcast(vm->daemon, event_of(previous, state), data);
}

json_t *
vm_info_json(const struct vm_entry *vm)
{
	json_t *info;

	info = json_pack("{s:s,s:s,s:o,s:i,s:s}", "name", vm->spec.name,
	    "state", vm_state_name(vm->state), "config",
	    api_vm_spec_json(&vm->spec), "pid", (int)vm->pid, "console_log",
	    vm->console_log);
	if (info != NULL && vm->last_result != NULL)
		json_object_set(info, "last_run", vm->last_result);
	return info;
}

void
vm_free(struct vm_entry *vm)
{
	struct vm_pending *pending;
	unsigned int i;

	if (vm->pid != 0)
		vm_process_kill(vm);
	while ((pending = TAILQ_FIRST(&vm->pending)) != NULL) {
		TAILQ_REMOVE(&vm->pending, pending, entry);
		json_decref(pending->id);
		free(pending);
	}
	for (i = 0; i < VM_ATTACHED_MAX; i++)
		vm->attached[i] = NULL;
	TAILQ_REMOVE(&vm->daemon->vms, vm, entry);
	vm->daemon->vm_count--;
	json_decref(vm->last_result);
	free(vm);
}

void
vm_forget_client(struct daemon *daemon, struct client *client)
{
	struct vm_pending *pending;
	struct vm_entry *vm;
	unsigned int i;

	TAILQ_FOREACH(vm, &daemon->vms, entry) {
		for (i = 0; i < VM_ATTACHED_MAX; i++)
			if (vm->attached[i] == client)
				vm->attached[i] = NULL;
		TAILQ_FOREACH(pending, &vm->pending, entry)
			if (pending->client == client)
				pending->client = NULL;
	}
}

static char *
console_event(const struct vm_entry *vm, const char *member, const char *text,
    size_t length)
{
	return api_event("CONSOLE", json_pack("{s:s,s:s%}", "vm", vm->spec.name,
	    member, text, length));
}

static void
recent_add(struct vm_entry *vm, const char *bytes, size_t length)
{
	size_t i;

	for (i = 0; i < length; i++) {
		vm->recent[vm->recent_end] = bytes[i];
		vm->recent_end = (vm->recent_end + 1) % VM_CONSOLE_RECENT;
	}
	vm->recent_length += length;
	if (vm->recent_length > VM_CONSOLE_RECENT)
		vm->recent_length = VM_CONSOLE_RECENT;
}

/* As text, whose UTF-8 is whole (what is not UTF-8 becomes '?'): a
 * sequence cut at the end of this chunk waits for the next one. */
static char *
console_text_event(struct vm_entry *vm, const char *bytes, size_t length)
{
	size_t total = vm->utf8_held_length + length, held, n;
	uint8_t *joined = malloc(total);
	char *text = malloc(total + 1), *line = NULL;

	if (joined != NULL && text != NULL) {
		memcpy(joined, vm->utf8_held, vm->utf8_held_length);
		memcpy(joined + vm->utf8_held_length, bytes, length);
		n = console_text(joined, total, text, &held);
		memcpy(vm->utf8_held, joined + total - held, held);
		vm->utf8_held_length = held;
		line = console_event(vm, "data", text, n);
	}
	free(joined);
	free(text);
	return line;
}

/* Exactly, in base64. */
static char *
console_base64_event(const struct vm_entry *vm, const char *bytes,
    size_t length)
{
	char *text = malloc(BASE64_LENGTH(length) + 1), *line = NULL;

	if (text != NULL)
		line = console_event(vm, "base64", text, base64_encode(
		    (const uint8_t *)bytes, length, text));
	free(text);
	return line;
}

/* Guest output is bytes; the log file keeps them as they were, attached
 * clients get them as they asked (console-attach's encoding). */
void
vm_console_output(struct vm_entry *vm, const char *bytes, size_t length)
{
	unsigned int console = 1u << api_event_index("CONSOLE");
	char *lines[2] = { NULL, NULL };	/* text, base64 */
	bool want[2] = { false, false };
	struct client *client;
	size_t i;

	recent_add(vm, bytes, length);
	for (i = 0; i < VM_ATTACHED_MAX; i++)
		if (vm->attached[i] != NULL && (vm->attached[i]->events & console))
			want[vm->attached_base64[i]] = true;
	if (want[0])
		lines[0] = console_text_event(vm, bytes, length);
	else
		vm->utf8_held_length = 0;
	if (want[1])
		lines[1] = console_base64_event(vm, bytes, length);
	for (i = 0; i < VM_ATTACHED_MAX; i++) {
		client = vm->attached[i];
		if (client != NULL && (client->events & console) &&
		    lines[vm->attached_base64[i]] != NULL)
			client_send(client, strdup(lines[vm->attached_base64[i]]));
	}
	free(lines[0]);
	free(lines[1]);
}

/* The last VM_CONSOLE_RECENT bytes, as that client reads the console. */
static json_t *
console_recent(const struct vm_entry *vm, bool base64)
{
	size_t start = (vm->recent_end + VM_CONSOLE_RECENT - vm->recent_length) %
	    VM_CONSOLE_RECENT;
	uint8_t bytes[VM_CONSOLE_RECENT];
	char text[BASE64_LENGTH(VM_CONSOLE_RECENT) + 1];
	size_t i, n;

	for (i = 0; i < vm->recent_length; i++)
		bytes[i] = (uint8_t)vm->recent[(start + i) % VM_CONSOLE_RECENT];
	n = base64 ? base64_encode(bytes, vm->recent_length, text) :
	    console_text(bytes, vm->recent_length, text, NULL);
	return json_stringn(text, n);
}

static int
limits_check(struct client *client, const struct api_vm_spec *spec,
    json_t *id)
{
	const struct daemon_limits *limits = &client->daemon->config.limits;
	uint64_t memory = spec->memory_mib;
	unsigned int vcpus = spec->vcpus;
	struct vm_entry *vm;

	if (client->daemon->vm_count >= limits->vms) {
		client_error(client, id, API_ERROR_LIMIT, "vm-create: %u VMs "
		    "already (limits.vms)", client->daemon->vm_count);
		return -1;
	}
	TAILQ_FOREACH(vm, &client->daemon->vms, entry) {
		memory += vm->spec.memory_mib;
		vcpus += vm->spec.vcpus;
	}
	if (vcpus > limits->vcpus_total || memory > limits->memory_mib_total) {
		client_error(client, id, API_ERROR_LIMIT, "vm-create: the VMs "
		    "would have %u vCPUs and %" PRIu64 " MiB in all, over the "
		    "limits of %u and %" PRIu64 " (limits.vcpus_total, "
		    "limits.memory_mib_total)", vcpus, memory,
		    limits->vcpus_total, limits->memory_mib_total);
		return -1;
	}
	return 0;
}

static struct vm_entry *
vm_entry_new(struct daemon *daemon, const struct api_vm_spec *spec)
{
	struct vm_entry *vm = calloc(1, sizeof(*vm));

	if (vm == NULL)
		return NULL;
	vm->daemon = daemon;
	vm->spec = *spec;
	vm->console_out = vm->console_in = -1;
	TAILQ_INIT(&vm->pending);
	snprintf(vm->console_log, sizeof(vm->console_log), "%s/%s.console.log",
	    daemon->config.state_dir, spec->name);
	return vm;
}

static void
vm_entry_insert(struct vm_entry *vm)
{
	TAILQ_INSERT_TAIL(&vm->daemon->vms, vm, entry);
	vm->daemon->vm_count++;
}

static void
vm_create(struct client *client, const struct api_request *request)
{
	struct daemon *daemon = client->daemon;
	const struct api_vm_limits limits = {
		daemon->config.limits.vcpus_per_vm,
		daemon->config.limits.memory_mib_per_vm,
	};
	struct api_vm_spec spec;
	struct api_error error;
	struct vm_entry *vm;
	int rc;

	if (api_vm_spec_parse(json_object_get(request->arguments, "spec"),
	    &limits, &spec, &error) < 0) {
		client_error(client, request->id, error.class, "vm-create: %s",
		    error.desc);
		return;
	}
	if (vm_find(daemon, spec.name) != NULL) {
		client_error(client, request->id, API_ERROR_VM_EXISTS,
		    "vm-create: a VM named '%s' exists already", spec.name);
		return;
	}
	if (limits_check(client, &spec, request->id) < 0)
		return;
	vm = vm_entry_new(daemon, &spec);
	if (vm == NULL) {
		client_error(client, request->id, API_ERROR_GENERIC,
		    "vm-create: out of memory");
		return;
	}
	/* No VM without its record: a daemon that dies must find it. */
	if ((rc = state_record_write(daemon->config.state_dir, vm)) < 0) {
		client_error(client, request->id, API_ERROR_GENERIC, "vm-create: "
		    "cannot write VM %s's record in %s: %s", spec.name,
		    daemon->config.state_dir, strerror(-rc));
		free(vm);
		return;
	}
	vm_entry_insert(vm);
	vm_broadcast(daemon, "VM_CREATED", json_pack("{s:s,s:s}", "vm",
	    spec.name, "state", "defined"));
	client_reply(client, vm_info_json(vm), request->id);
}

static json_t *
vm_list_json(struct daemon *daemon)
{
	json_t *list = json_array();
	struct vm_entry *vm;

	TAILQ_FOREACH(vm, &daemon->vms, entry)
		json_array_append_new(list, json_pack("{s:s,s:s,s:i,s:I,s:i}",
		    "name", vm->spec.name, "state", vm_state_name(vm->state),
		    "vcpus", (int)vm->spec.vcpus, "memory_mib",
		    (json_int_t)vm->spec.memory_mib, "pid", (int)vm->pid));
	return list;
}

/* Asks the VM process and answers when it does (vm_process.c). */
static void
vm_ask(struct vm_entry *vm, struct client *client,
    const struct api_request *request, const char *message)
{
	struct vm_pending *pending = calloc(1, sizeof(*pending));

	if (pending == NULL || vm_process_send(vm, message) < 0) {
		free(pending);
		client_error(client, request->id, API_ERROR_GENERIC, "%s: "
		    "cannot reach VM %s's process", request->command->name,
		    vm->spec.name);
		return;
	}
	pending->client = client;
	pending->command = request->command->id;
	pending->id = json_incref(request->id);
	TAILQ_INSERT_TAIL(&vm->pending, pending, entry);
}

static void
console_attach(struct vm_entry *vm, struct client *client,
    const struct api_request *request, bool attach)
{
	const char *encoding = json_string_value(json_object_get(
	    request->arguments, "encoding"));
	json_t *id = request->id;
	int i, slot = -1;

	if (encoding != NULL && strcmp(encoding, "text") != 0 &&
	    strcmp(encoding, "base64") != 0) {
		client_error(client, id, API_ERROR_INVALID_ARGUMENT,
		    "console-attach: 'encoding' must be \"text\" or \"base64\"");
		return;
	}

	for (i = 0; i < VM_ATTACHED_MAX; i++) {
		if (vm->attached[i] == client) {
			if (!attach)
				vm->attached[i] = NULL;
			slot = i;
			break;
		}
		if (vm->attached[i] == NULL && slot < 0)
			slot = i;
	}
	if (attach && slot < 0) {
		client_error(client, id, API_ERROR_LIMIT, "console-attach: VM "
		    "%s has %d attached clients already", vm->spec.name,
		    VM_ATTACHED_MAX);
		return;
	}
	if (!attach) {
		client_reply(client, NULL, id);
		return;
	}
	vm->attached[slot] = client;
	vm->attached_base64[slot] = encoding != NULL &&
	    strcmp(encoding, "base64") == 0;
	client_reply(client, json_pack("{s:s,s:o}", "console_log",
	    vm->console_log, vm->attached_base64[slot] ? "recent_base64" :
	    "recent", console_recent(vm, vm->attached_base64[slot])), id);
}

/* data (text) or base64 (exact bytes): one of them. */
static void
console_write(struct vm_entry *vm, struct client *client,
    const struct api_request *request)
{
	json_t *data = json_object_get(request->arguments, "data");
	json_t *base64 = json_object_get(request->arguments, "base64");
	uint8_t bytes[4096];
	ssize_t length, n;

	if ((data == NULL) == (base64 == NULL)) {
		client_error(client, request->id, API_ERROR_INVALID_ARGUMENT,
		    "console-write: give 'data' (text) or 'base64', one of them");
		return;
	}
	length = data != NULL ? (ssize_t)json_string_length(data) :
	    base64_decode(json_string_value(base64), json_string_length(base64),
	    bytes, sizeof(bytes));
	if (length <= 0) {
		client_error(client, request->id, API_ERROR_INVALID_ARGUMENT,
		    "console-write: 'base64' is not padded base64 of 1 to %zu "
		    "bytes", sizeof(bytes));
		return;
	}
	n = write(vm->console_in, data != NULL ? (const void *)json_string_value(
	    data) : bytes, (size_t)length);
	if (n != length) {
		client_error(client, request->id, API_ERROR_GENERIC,
		    "console-write: VM %s's console takes no more input now%s",
		    vm->spec.name, n >= 0 ? " (part of it was written)" : "");
		return;
	}
	client_reply(client, json_pack("{s:I}", "written", (json_int_t)n),
	    request->id);
}

static void
vm_start(struct vm_entry *vm, struct client *client, json_t *id)
{
	char error[256];

	if (!vm->daemon->config.kvm) {
		client_error(client, id, API_ERROR_NO_KVM, "vm-start: this "
		    "daemon runs without KVM (kvm: false or --no-kvm): no VM "
		    "can start");
		return;
	}
	if (vm_process_spawn(vm, error, sizeof(error)) < 0) {
		client_error(client, id, API_ERROR_GENERIC, "vm-start: %s", error);
		return;
	}
	vm_set_state(vm, VM_STATE_STARTING, json_pack("{s:i}", "pid",
	    (int)vm->pid));
	client_reply(client, json_pack("{s:i}", "pid", (int)vm->pid), id);
}

static void
vm_act(struct vm_entry *vm, struct client *client,
    const struct api_request *request)
{
	json_t *id = request->id;

	switch (request->command->id) {
	case API_CMD_VM_INFO:
		if (vm->state == VM_STATE_RUNNING || vm->state == VM_STATE_PAUSED)
			vm_ask(vm, client, request, "{\"msg\":\"info\"}\n");
		else
			client_reply(client, vm_info_json(vm), id);
		return;
	case API_CMD_VM_START:
		vm_start(vm, client, id);
		return;
	case API_CMD_VM_PAUSE:
		vm_ask(vm, client, request, "{\"msg\":\"pause\"}\n");
		return;
	case API_CMD_VM_RESUME:
		vm_ask(vm, client, request, "{\"msg\":\"resume\"}\n");
		return;
	case API_CMD_VM_STOP:
		vm_process_stop(vm, json_is_true(json_object_get(
		    request->arguments, "force")));
		client_reply(client, NULL, id);
		return;
	case API_CMD_VM_KILL:
		vm->kill_requested = true;
		vm_process_kill(vm);
		client_reply(client, NULL, id);
		return;
	case API_CMD_VM_DELETE:
		state_record_remove(vm->daemon->config.state_dir, vm->spec.name);
		vm_broadcast(vm->daemon, "VM_DELETED", json_pack("{s:s}", "vm",
		    vm->spec.name));
		vm_free(vm);
		client_reply(client, NULL, id);
		return;
	case API_CMD_CONSOLE_ATTACH:
	case API_CMD_CONSOLE_DETACH:
		console_attach(vm, client, request,
		    request->command->id == API_CMD_CONSOLE_ATTACH);
		return;
	case API_CMD_CONSOLE_WRITE:
		console_write(vm, client, request);
		return;
	case API_CMD_X_FORBIDDEN_SYSCALL:	/* a test hook: it kills the process */
		vm_process_send(vm, "{\"msg\":\"x-forbidden-syscall\"}\n");
		client_reply(client, NULL, id);
		return;
	default:
		client_error(client, id, API_ERROR_GENERIC, "%s: not a VM "
		    "command", request->command->name);
	}
}

void
vm_command(struct client *client, const struct api_request *request)
{
	const struct vm_transition *transition;
	const char *name;
	char states[128];
	struct vm_entry *vm;

	if (request->command->id == API_CMD_VM_CREATE) {
		vm_create(client, request);
		return;
	}
	if (request->command->id == API_CMD_VM_LIST) {
		client_reply(client, vm_list_json(client->daemon), request->id);
		return;
	}
	name = json_string_value(json_object_get(request->arguments, "vm"));
	vm = vm_find(client->daemon, name);
	if (vm == NULL) {
		client_error(client, request->id, API_ERROR_VM_NOT_FOUND,
		    "%s: no VM named '%.32s'", request->command->name, name);
		return;
	}
	transition = transition_of(request->command->id);
	if (transition != NULL && !(transition->from & (1u << vm->state))) {
		states_text(transition->from, states, sizeof(states));
		client_error(client, request->id, API_ERROR_WRONG_STATE,
		    "%s: VM %s is %s; it must be %s", request->command->name,
		    vm->spec.name, vm_state_name(vm->state), states);
		return;
	}
	vm_act(vm, client, request);
}

/* The VM processes of a daemon that died get stop_timeout_s (their guests'
 * time to shut down) + VM_STOP_GRACE_S in all. */
struct restore {
	struct daemon *daemon;
	struct timespec deadline;
};

static unsigned int
remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (unsigned int)ms : 0;
}

/* A VM that ran under a daemon that died: its process is given what is
 * left of that time to end (when its control socket closes it asks its
 * guest to shut down, as on vm-stop), then killed; the VM is listed as stopped, and says why. */
static json_t *
restarted_result(const struct state_record *record,
    const struct timespec *deadline)
{
	char detail[200];
	int rc = vm_process_outlive(record->pid, record->start_time,
	    remaining_ms(deadline));

	snprintf(detail, sizeof(detail), "the daemon was restarted; %s",
	    rc == 0 ? "the VM's process ended with the daemon that ran it" :
	    rc == 1 ? "the VM's process outlived it and was killed" :
	    "the VM's process could not be killed");
	log_warnx("VM %s was %s under a daemon that died: %s (process %d)",
	    record->spec.name, vm_state_name(record->state), detail,
	    (int)record->pid);
	return json_pack("{s:s,s:s}", "outcome", "daemon-restarted", "detail",
	    detail);
}

static void
restore_one(const struct state_record *record, void *context)
{
	struct restore *restore = context;
	struct daemon *daemon = restore->daemon;
	json_t *result = NULL;
	struct vm_entry *vm;

	/* First its process, whether or not the VM is listed again. */
	if (record->pid != 0)
		result = restarted_result(record, &restore->deadline);
	else if (record->outcome[0] != '\0')
		result = json_pack("{s:s,s:s}", "outcome", record->outcome,
		    "detail", record->detail);
	vm = daemon->vm_count < daemon->config.limits.vms ?
	    vm_entry_new(daemon, &record->spec) : NULL;
	if (vm == NULL) {
		log_warnx("VM %s: not restored: %u VMs already (limits.vms), "
		    "or out of memory", record->spec.name, daemon->vm_count);
		json_decref(result);
		return;
	}
	vm->state = record->pid != 0 ? VM_STATE_STOPPED : record->state;
	vm->last_result = result;
	vm_entry_insert(vm);
	record_sync(vm);
	log_info("VM %s: restored from its record, %s", vm->spec.name,
	    vm_state_name(vm->state));
}

/* At start-up, before the socket listens: the VMs of a daemon that died. */
void
vm_registry_restore(struct daemon *daemon)
{
	const struct api_vm_limits limits = {
		daemon->config.limits.vcpus_per_vm,
		daemon->config.limits.memory_mib_per_vm,
	};
	struct restore restore = { .daemon = daemon };
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &restore.deadline);
	restore.deadline.tv_sec += daemon->config.stop_timeout_s + VM_STOP_GRACE_S;
	rc = state_records_load(daemon->config.state_dir, &limits, restore_one,
	    &restore);
	if (rc < 0)
		log_warnx("cannot read the state directory %s: %s",
		    daemon->config.state_dir, strerror(-rc));
}

/* A clean exit: the VMs have stopped and are forgotten with the daemon. */
void
vm_registry_forget_records(struct daemon *daemon)
{
	struct vm_entry *vm;

	TAILQ_FOREACH(vm, &daemon->vms, entry)
		state_record_remove(daemon->config.state_dir, vm->spec.name);
}
