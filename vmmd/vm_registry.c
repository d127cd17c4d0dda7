/* The daemon's VMs (vm_registry.h): their records, states and events, the
 * requests waiting for a VM process's ack, how a process's end becomes a
 * state, the console output attached clients see, and the records on disk
 * (state_dir.c) that a daemon started after one that died reads back. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "../api/console_data.h"
#include "../core/log.h"
#include "state_dir.h"
#include "vm_files.h"
#include "vm_registry.h"

void
vm_registry_init(struct vm_registry *registry,
    const struct daemon_config *config,
    const struct vm_registry_output *output,
    const struct vm_supervisor *supervisor)
{
	memset(registry, 0, sizeof(*registry));
	TAILQ_INIT(&registry->vms);
	registry->config = config;
	registry->output = output;
	registry->supervisor = supervisor;
}

struct vm_record *
vm_registry_find(struct vm_registry *registry, const char *name)
{
	struct vm_record *vm;

	if (name == NULL)
		return NULL;
	TAILQ_FOREACH(vm, &registry->vms, entry)
		if (strcmp(vm->spec.name, name) == 0)
			return vm;
	return NULL;
}

unsigned int
vm_registry_running(const struct vm_registry *registry)
{
	const struct vm_record *vm;
	unsigned int n = 0;

	TAILQ_FOREACH(vm, &registry->vms, entry)
		if (vm->state == VM_STATE_RUNNING || vm->state == VM_STATE_PAUSED)
			n++;
	return n;
}

bool
vm_registry_has_processes(const struct vm_registry *registry)
{
	const struct vm_record *vm;

	TAILQ_FOREACH(vm, &registry->vms, entry)
		if (vm->process.pid != 0)
			return true;
	return false;
}

void
vm_reply(struct vm_registry *registry, struct client *client, json_t *value,
    json_t *id)
{
	registry->output->reply(client, value, id);
}

void
vm_error(struct vm_registry *registry, struct client *client, json_t *id,
    enum api_error_class class, const char *format, ...)
{
	char desc[sizeof(((struct api_error *)0)->desc)];
	va_list ap;

	va_start(ap, format);
	vsnprintf(desc, sizeof(desc), format, ap);
	va_end(ap);
	registry->output->error(client, id, class, desc);
}

void
vm_broadcast(const struct vm_record *vm, const char *event, json_t *data)
{
	const struct vm_registry_output *output = vm->registry->output;

	output->broadcast(output->context, vm->owner, event, data);
}

bool
vm_record_visible(const struct vm_record *vm, uid_t uid)
{
	return uid == 0 || uid == vm->owner;
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

static void
string_member(char *out, size_t size, const json_t *object, const char *key)
{
	snprintf(out, size, "%s", json_string_value(json_object_get(object,
	    key)) ?: "");
}

static int
record_write(const struct vm_record *vm)
{
	struct state_record *record = calloc(1, sizeof(*record));
	int rc;

	if (record == NULL)
		return -ENOMEM;
	record->spec = vm->spec;
	record->state = vm->state;
	record->owner = vm->owner;
	record->pid = vm->process.pid;
	record->start_time = vm->process.pid != 0 ? vm->process.start_time : 0;
	record->started_at = vm->process.pid != 0 ? vm->started_at : 0;
	string_member(record->outcome, sizeof(record->outcome),
	    vm->last_result, "outcome");
	string_member(record->detail, sizeof(record->detail), vm->last_result,
	    "detail");
	rc = state_record_write(vm->registry->config->state_dir, record);
	free(record);
	return rc;
}

/* The record on disk follows the VM; a failure is logged once, until a
 * write succeeds again (the VM itself carries on). */
static void
record_sync(struct vm_record *vm)
{
	const char *dir = vm->registry->config->state_dir;
	int rc = record_write(vm);

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
vm_record_set_state(struct vm_record *vm, enum vm_state state, json_t *extra)
{
	const struct vm_registry_output *output = vm->registry->output;
	enum vm_state previous = vm->state;
	json_t *data;

	vm->state = state;
	record_sync(vm);
	output->state_changed(output->context, vm, previous);
	data = json_pack("{s:s,s:s,s:s}", "vm", vm->spec.name, "state",
	    vm_state_name(state), "previous", vm_state_name(previous));
	if (data != NULL && extra != NULL)
		json_object_update(data, extra);
	json_decref(extra);
	vm_broadcast(vm, event_of(previous, state), data);
}

json_t *
vm_record_info_json(const struct vm_record *vm)
{
	json_t *info;

	info = json_pack("{s:s,s:s,s:o,s:i,s:s,s:I}", "name", vm->spec.name,
	    "state", vm_state_name(vm->state), "config",
	    api_vm_spec_json(&vm->spec), "pid", (int)vm->process.pid,
	    "console_log", vm->console_log, "owner", (json_int_t)vm->owner);
	if (info != NULL && vm_record_uptime(vm) >= 0)
		json_object_set_new(info, "uptime_s",
		    json_integer(vm_record_uptime(vm)));
	if (info != NULL && vm->last_result != NULL)
		json_object_set(info, "last_run", vm->last_result);
	return info;
}

struct vm_record *
vm_record_new(struct vm_registry *registry, const struct api_vm_spec *spec)
{
	struct vm_record *vm = calloc(1, sizeof(*vm));

	if (vm == NULL)
		return NULL;
	vm->registry = registry;
	vm->spec = *spec;
	vm_process_init(&vm->process, vm->spec.name);
	TAILQ_INIT(&vm->pending);
	snprintf(vm->console_log, sizeof(vm->console_log), "%s/%s.console.log",
	    registry->config->state_dir, spec->name);
	return vm;
}

/* No VM without its record: a daemon that dies must find it. */
int
vm_record_insert(struct vm_record *vm)
{
	int rc = record_write(vm);

	if (rc < 0)
		return rc;
	TAILQ_INSERT_TAIL(&vm->registry->vms, vm, entry);
	vm->registry->count++;
	return 0;
}

static void
pending_free(struct vm_pending *pending)
{
	json_decref(pending->id);
	free(pending);
}

void
vm_record_free(struct vm_record *vm)
{
	struct vm_pending *pending;

	if (vm->process.pid != 0 || vm->process.control != NULL)
		vm->registry->supervisor->release(vm);
	while ((pending = TAILQ_FIRST(&vm->pending)) != NULL) {
		TAILQ_REMOVE(&vm->pending, pending, entry);
		if (pending->gather != NULL)	/* nobody is answered now */
			pending->gather->answer(pending->gather, pending->slot,
			    NULL, NULL);
		pending_free(pending);
	}
	TAILQ_REMOVE(&vm->registry->vms, vm, entry);
	vm->registry->count--;
	while (vm->file_count > 0)
		close(vm->files[--vm->file_count]);
	json_decref(vm->last_result);
	free(vm);
}

void
vm_registry_free_all(struct vm_registry *registry)
{
	struct vm_record *vm;

	while ((vm = TAILQ_FIRST(&registry->vms)) != NULL)
		vm_record_free(vm);
}

void
vm_registry_forget_client(struct vm_registry *registry, struct client *client)
{
	struct vm_pending *pending;
	struct vm_record *vm;
	unsigned int i;

	TAILQ_FOREACH(vm, &registry->vms, entry) {
		for (i = 0; i < VM_ATTACHED_MAX; i++)
			if (vm->attached[i] == client)
				vm->attached[i] = NULL;
		TAILQ_FOREACH(pending, &vm->pending, entry)
			if (pending->client == client)
				pending->client = NULL;
	}
}

void
vm_registry_stop_all(struct vm_registry *registry)
{
	struct vm_record *vm;

	TAILQ_FOREACH(vm, &registry->vms, entry)
		if (vm->process.pid != 0) {
			registry->supervisor->stop(vm, false,
			    registry->config->stop_timeout_s + VM_STOP_GRACE_S);
			if (vm->state != VM_STATE_STOPPING)
				vm_record_set_state(vm, VM_STATE_STOPPING, NULL);
		}
}

void
vm_registry_kill_all(struct vm_registry *registry)
{
	struct vm_record *vm;

	TAILQ_FOREACH(vm, &registry->vms, entry)
		if (vm->process.pid != 0) {
			log_warnx("VM %s did not stop in %u s: killing it",
			    vm->spec.name, registry->config->stop_timeout_s +
			    VM_STOP_GRACE_S);
			registry->supervisor->kill(vm, false);
		}
}

/* The pending queue: a request waits for its process's ack, in order. */
void
vm_record_ask(struct vm_record *vm, struct client *client,
    const struct api_request *request, const struct vm_message *message,
    enum vm_state on_ack, enum vm_answer answer)
{
	struct vm_pending *pending = calloc(1, sizeof(*pending));

	if (pending == NULL ||
	    vm->registry->supervisor->send(vm, message) < 0) {
		free(pending);
		vm_error(vm->registry, client, request->id, API_ERROR_GENERIC,
		    "%s: cannot reach VM %s's process", request->command->name,
		    vm->spec.name);
		return;
	}
	pending->client = client;
	pending->command = request->command->id;
	pending->on_ack = on_ack;
	pending->answer = answer;
	pending->id = json_incref(request->id);
	TAILQ_INSERT_TAIL(&vm->pending, pending, entry);
}

int
vm_record_ask_gather(struct vm_record *vm, struct client *client,
    struct vm_gather *gather, unsigned int slot)
{
	struct vm_pending *pending = calloc(1, sizeof(*pending));
	struct vm_message message = { .kind = VM_MSG_INFO };

	if (pending == NULL ||
	    vm->registry->supervisor->send(vm, &message) < 0) {
		free(pending);
		return -1;
	}
	pending->client = client;
	pending->command = API_CMD_QUERY_METRICS;
	pending->on_ack = VM_STATE_COUNT;
	pending->gather = gather;
	pending->slot = slot;
	TAILQ_INSERT_TAIL(&vm->pending, pending, entry);
	return 0;
}

void
vm_record_ack(struct vm_record *vm, const struct vm_message *ack)
{
	struct vm_pending *pending = TAILQ_FIRST(&vm->pending);
	struct vm_registry *registry = vm->registry;
	json_t *info;

	if (pending == NULL) {
		log_warnx("VM %s: an answer to no question", vm->spec.name);
		return;
	}
	TAILQ_REMOVE(&vm->pending, pending, entry);
	if (ack->ok && pending->on_ack < VM_STATE_COUNT)
		vm_record_set_state(vm, pending->on_ack, NULL);
	if (ack->ok && pending->command == API_CMD_VM_SNAPSHOT)
		vm_broadcast(vm, "VM_SNAPSHOT", json_pack("{s:s,s:O*}", "vm",
		    vm->spec.name, "snapshot", ack->counters));
	if (pending->gather != NULL)
		pending->gather->answer(pending->gather, pending->slot,
		    ack->ok ? ack->counters : NULL, pending->client);
	else if (pending->client == NULL)
		;	/* it has gone: nobody to answer */
	else if (!ack->ok)
		vm_error(registry, pending->client, pending->id,
		    API_ERROR_WRONG_STATE, "%s: VM %s: %s",
		    api_commands[pending->command].name, vm->spec.name,
		    ack->desc[0] != '\0' ? ack->desc : "refused by its process");
	else if (pending->answer == VM_ANSWER_INFO) {
		info = vm_record_info_json(vm);
		json_object_set(info, "counters", ack->counters ?: json_null());
		vm_reply(registry, pending->client, info, pending->id);
	} else if (pending->answer == VM_ANSWER_COUNTERS)
		vm_reply(registry, pending->client, ack->counters != NULL ?
		    json_incref(ack->counters) : json_object(), pending->id);
	else
		vm_reply(registry, pending->client, NULL, pending->id);
	pending_free(pending);
}

static void
pending_fail_all(struct vm_record *vm, const char *why)
{
	struct vm_pending *pending;

	while ((pending = TAILQ_FIRST(&vm->pending)) != NULL) {
		TAILQ_REMOVE(&vm->pending, pending, entry);
		/* a question about the VM is answered with how it ended;
		 * only commands to its gone process fail */
		if (pending->gather != NULL)
			pending->gather->answer(pending->gather, pending->slot,
			    NULL, pending->client);
		else if (pending->client != NULL &&
		    pending->answer == VM_ANSWER_INFO)
			vm_reply(vm->registry, pending->client,
			    vm_record_info_json(vm), pending->id);
		else if (pending->client != NULL)
			vm_error(vm->registry, pending->client, pending->id,
			    API_ERROR_WRONG_STATE, "%s: VM %s %s",
			    api_commands[pending->command].name, vm->spec.name,
			    why);
		pending_free(pending);
	}
}

void
vm_record_running(struct vm_record *vm, uint64_t start_us)
{
	if (vm->state != VM_STATE_STARTING)
		return;
	vm->started_at = (int64_t)time(NULL);
	vm_record_set_state(vm, VM_STATE_RUNNING, json_pack("{s:I}",
	    "start_us", (json_int_t)start_us));
}

int64_t
vm_record_uptime(const struct vm_record *vm)
{
	int64_t now = (int64_t)time(NULL);

	if (vm->started_at <= 0 || vm->process.pid == 0)
		return -1;
	return now > vm->started_at ? now - vm->started_at : 0;
}

void
vm_record_result(struct vm_record *vm, json_t *result)
{
	json_decref(vm->last_result);
	vm->last_result = json_incref(result);
}

static json_t *
end_of(struct vm_record *vm, const struct vm_process_end *end,
    enum vm_state *state)
{
	json_t *outcome = json_object_get(vm->last_result, "outcome");
	int status = end->status;

	if (end->killed) {
		*state = VM_STATE_STOPPED;
		return json_pack("{s:s,s:s}", "outcome", "killed", "detail",
		    "killed on request (SIGKILL)");
	}
	if (end->reported && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		*state = VM_STATE_STOPPED;
		/* graceful: only after a stop was asked */
		return json_pack("{s:O,s:O,s:O*}", "outcome", outcome, "detail",
		    json_object_get(vm->last_result, "detail"), "graceful",
		    json_object_get(vm->last_result, "graceful"));
	}
	*state = VM_STATE_CRASHED;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return json_pack("{s:s,s:i,s:s}", "outcome", "crashed", "signal",
		    SIGSYS, "detail", "killed by its seccomp filter: a system "
		    "call outside its allowlist (docs/security.md)");
	if (WIFSIGNALED(status))
		return json_pack("{s:s,s:i}", "outcome", "crashed", "signal",
		    WTERMSIG(status));
	return json_pack("{s:s,s:i}", "outcome", "crashed", "exit_status",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

void
vm_record_ended(struct vm_record *vm, const struct vm_process_end *end)
{
	enum vm_state state;
	json_t *extra = end_of(vm, end, &state);

	state_pid_remove(vm->registry->config->state_dir, vm->spec.name);
	vm->started_at = 0;
	vm_record_set_state(vm, state, extra);
	pending_fail_all(vm, "has stopped");
}

static char *
console_event(const struct vm_record *vm, const char *member, const char *text,
    size_t length)
{
	return api_event("CONSOLE", json_pack("{s:s,s:s%}", "vm", vm->spec.name,
	    member, text, length));
}

static void
recent_add(struct vm_record *vm, const char *bytes, size_t length)
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
console_text_event(struct vm_record *vm, const char *bytes, size_t length)
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
console_base64_event(const struct vm_record *vm, const char *bytes,
    size_t length)
{
	char *text = malloc(BASE64_LENGTH(length) + 1), *line = NULL;

	if (text != NULL)
		line = console_event(vm, "base64", text, base64_encode(
		    (const uint8_t *)bytes, length, text));
	free(text);
	return line;
}

static bool
console_wanted(const struct vm_record *vm, unsigned int slot)
{
	const struct vm_registry_output *output = vm->registry->output;

	return vm->attached[slot] != NULL && output->subscribed(
	    vm->attached[slot], api_event_index("CONSOLE"));
}

/* Guest output is bytes; the log file keeps them as they were, attached
 * clients get them as they asked (console-attach's encoding). */
void
vm_record_console(struct vm_record *vm, const char *bytes, size_t length)
{
	const struct vm_registry_output *output = vm->registry->output;
	char *lines[2] = { NULL, NULL };	/* text, base64 */
	bool want[2] = { false, false };
	unsigned int i;

	recent_add(vm, bytes, length);
	for (i = 0; i < VM_ATTACHED_MAX; i++)
		if (console_wanted(vm, i))
			want[vm->attached_base64[i]] = true;
	if (want[0])
		lines[0] = console_text_event(vm, bytes, length);
	else
		vm->utf8_held_length = 0;
	if (want[1])
		lines[1] = console_base64_event(vm, bytes, length);
	for (i = 0; i < VM_ATTACHED_MAX; i++)
		if (console_wanted(vm, i) && lines[vm->attached_base64[i]] != NULL)
			output->console(vm->attached[i],
			    lines[vm->attached_base64[i]]);
	free(lines[0]);
	free(lines[1]);
}

/* The last VM_CONSOLE_RECENT bytes, as that client reads the console. */
json_t *
vm_record_console_recent(const struct vm_record *vm, bool base64)
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

/* The VM processes of a daemon that died get stop_timeout_s (their guests'
 * time to shut down) + VM_STOP_GRACE_S in all. */
struct restore {
	struct vm_registry *registry;
	struct vm_handover *handover;	/* or NULL */
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
 * guest to shut down, as on vm-stop), then killed; the VM is listed as
 * stopped, and says why. */
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

/* A process whose channel came back through the store is taken over;
 * 1 when it was, 0 when there was nothing to take, -1 when it could not
 * be (then its process is handled as one that outlived its daemon). */
static int
adopt_one(struct vm_record *vm, const struct state_record *record,
    struct vm_handover *handover)
{
	/* what it says it does now: its record may be behind (a pause or a
	 * stop asked just before the daemon that ran it died) */
	static const enum vm_state states[VM_ADOPTED_COUNT] = {
		[VM_ADOPTED_STARTING] = VM_STATE_STARTING,
		[VM_ADOPTED_RUNNING] = VM_STATE_RUNNING,
		[VM_ADOPTED_PAUSED] = VM_STATE_PAUSED,
		[VM_ADOPTED_STOPPING] = VM_STATE_STOPPING,
	};
	enum vm_adopted_state state = VM_ADOPTED_COUNT;
	int fds[VM_HANDOVER_FDS], rc;
	char error[160];

	if (handover == NULL || record->pid == 0)
		return 0;
	rc = vm_handover_take(handover, record->spec.name, fds);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0 || vm->registry->supervisor->adopt(vm, record->pid,
	    record->start_time, fds, &state, error, sizeof(error)) < 0) {
		log_warnx("VM %s: its process %d cannot be adopted: %s",
		    record->spec.name, (int)record->pid, rc < 0 ? "not all "
		    "of its channel came back from the service manager" : error);
		vm_handover_forget(record->spec.name);
		return -1;
	}
	vm->state = states[state];
	vm->started_at = record->started_at;
	if (vm->state == VM_STATE_RUNNING && vm->started_at <= 0)
		vm->started_at = (int64_t)time(NULL);
	log_info("VM %s: its process %d is adopted, %s", vm->spec.name,
	    (int)record->pid, vm_adopted_state_name(state));
	return 1;
}

static void
restore_one(const struct state_record *record, void *context)
{
	struct restore *restore = context;
	struct vm_registry *registry = restore->registry;
	json_t *result = NULL;
	struct vm_record *vm;
	int adopted = 0;

	vm = registry->count < registry->config->limits.vms ?
	    vm_record_new(registry, &record->spec) : NULL;
	if (vm != NULL) {
		vm->owner = record->owner;
		adopted = adopt_one(vm, record, restore->handover);
	}
	/* its process, whether or not the VM is listed again */
	if (adopted <= 0 && record->pid != 0)
		result = restarted_result(record, &restore->deadline);
	else if (record->outcome[0] != '\0')	/* the last run that ended */
		result = json_pack("{s:s,s:s}", "outcome", record->outcome,
		    "detail", record->detail);
	if (vm == NULL) {
		log_warnx("VM %s: not restored: %u VMs already (limits.vms), "
		    "or out of memory", record->spec.name, registry->count);
		json_decref(result);
		return;
	}
	if (adopted <= 0)
		vm->state = record->pid != 0 ? VM_STATE_STOPPED : record->state;
	vm->last_result = result;
	TAILQ_INSERT_TAIL(&registry->vms, vm, entry);
	registry->count++;
	record_sync(vm);
	log_info("VM %s: restored from its record, %s%s", vm->spec.name,
	    vm_state_name(vm->state), adopted > 0 ? ", its process adopted" :
	    "");
}

/* A pid file names a process whether or not its record could be read:
 * one still running (the record's was handled already) is given the same
 * time, then killed, and said. */
static void
restore_pid(const char *name, pid_t pid, uint64_t start_time, void *context)
{
	struct restore *restore = context;
	struct vm_record *vm = vm_registry_find(restore->registry, name);
	int rc;

	if (vm != NULL && vm->process.pid == pid)
		return;		/* adopted: its pid file is written again */
	rc = vm_process_outlive(pid, start_time,
	    remaining_ms(&restore->deadline));
	if (rc != 0)
		log_warnx("VM %s: process %d, named by its pid file only (its "
		    "record could not be read), %s", name, (int)pid, rc > 0 ?
		    "was killed" : "could not be killed");
}

/* At start-up, before the socket listens: the VMs of a daemon that died. */
void
vm_registry_restore(struct vm_registry *registry, struct vm_handover *handover)
{
	const struct daemon_config *config = registry->config;
	const struct api_vm_limits limits = {
		config->limits.vcpus_per_vm, config->limits.memory_mib_per_vm,
	};
	struct restore restore = { .registry = registry, .handover = handover };
	struct vm_record *vm;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &restore.deadline);
	restore.deadline.tv_sec += config->stop_timeout_s + VM_STOP_GRACE_S;
	rc = state_records_load(config->state_dir, &limits, restore_one,
	    &restore);
	/* channels no record claims: their processes stop their guests */
	if (handover != NULL)
		vm_handover_drop_rest(handover);
	if (rc == 0)
		rc = state_pids_load(config->state_dir, restore_pid, &restore);
	if (rc < 0)
		log_warnx("cannot read the state directory %s: %s",
		    config->state_dir, strerror(-rc));
	TAILQ_FOREACH(vm, &registry->vms, entry)
		if (vm->process.pid != 0 && state_pid_write(config->state_dir,
		    vm->spec.name, vm->process.pid, vm->process.start_time) < 0)
			log_warn("VM %s: cannot write its pid file again",
			    vm->spec.name);
}

unsigned int
vm_registry_hand_over(struct vm_registry *registry)
{
	struct vm_record *vm;
	unsigned int n = 0;

	TAILQ_FOREACH(vm, &registry->vms, entry)
		if (vm->process.pid != 0) {
			record_sync(vm);	/* as it is: the next daemon's */
			registry->supervisor->detach(vm);
			n++;
		}
	return n;
}

/* A clean exit: the VMs have stopped and are forgotten with the daemon. */
void
vm_registry_forget_records(struct vm_registry *registry)
{
	struct vm_record *vm;

	TAILQ_FOREACH(vm, &registry->vms, entry)
		state_record_remove(registry->config->state_dir, vm->spec.name);
}

/* The daemon's supervisor: vm_process.c, its events into the record. */
static void
on_running(void *context, uint64_t start_us)
{
	vm_record_running(context, start_us);
}

static void
on_ack(void *context, const struct vm_message *ack)
{
	vm_record_ack(context, ack);
}

static void
on_result(void *context, json_t *result)
{
	vm_record_result(context, result);
}

static void
on_console(void *context, const char *bytes, size_t length)
{
	vm_record_console(context, bytes, length);
}

static void
on_ended(void *context, const struct vm_process_end *end)
{
	struct vm_record *vm = context;

	if (vm->registry->hand_over)
		vm_handover_forget(vm->spec.name);
	vm_record_ended(vm, end);
}

static const struct vm_process_events process_events = {
	on_running, on_ack, on_result, on_console, on_ended,
};

/* Its channel to the service manager's store, for the next daemon: one
 * that cannot be stored is said, and the VM runs on (a restart then stops
 * it, as without a store). */
static void
channel_store(struct vm_record *vm)
{
	int fds[VM_HANDOVER_FDS], rc;

	if (!vm->registry->hand_over ||
	    vm_process_channel_fds(&vm->process, fds) < 0)
		return;
	rc = vm_handover_store(vm->spec.name, fds);
	if (rc < 0)
		log_warnx("VM %s: the service manager cannot keep its channel "
		    "(%s): a restart of the daemon will stop it", vm->spec.name,
		    strerror(-rc));
}

static int
process_spawn(struct vm_record *vm, char *error, size_t error_size)
{
	const struct daemon_config *config = vm->registry->config;
	struct vm_spec_message *spec;
	int fds[VM_CHANNEL_FILES_MAX], count, rc;

	count = vm_files_open(&config->images, &vm->spec, vm->files,
	    vm->file_count, vm->owner == 0, fds, error, error_size);
	if (count < 0)
		return -1;
	spec = calloc(1, sizeof(*spec));
	if (spec == NULL) {
		vm_files_close(fds, (unsigned int)count);
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	spec->spec = vm->spec;
	snprintf(spec->console_log, sizeof(spec->console_log), "%s",
	    vm->console_log);
	snprintf(spec->kvm_path, sizeof(spec->kvm_path), "%s", config->kvm_path);
	spec->stop_timeout_ms = config->stop_timeout_s * 1000;
	snprintf(spec->vm_user, sizeof(spec->vm_user), "%s", config->vm_user);
	spec->test_hooks = config->test_hooks;
	rc = vm_process_spawn(&vm->process, vm->registry->base,
	    vm->registry->exe, spec, fds, (unsigned int)count, &process_events,
	    vm, error, error_size);
	vm_files_close(fds, (unsigned int)count);
	free(spec);
	if (rc == 0 && state_pid_write(config->state_dir, vm->spec.name,
	    vm->process.pid, vm->process.start_time) < 0)
		log_warn("VM %s: cannot write its pid file in %s (its record "
		    "still names the process)", vm->spec.name, config->state_dir);
	if (rc == 0)
		channel_store(vm);
	return rc;
}

static int
process_adopt(struct vm_record *vm, pid_t pid, uint64_t start_time,
    const int fds[VM_HANDOVER_FDS], enum vm_adopted_state *state,
    char *error, size_t error_size)
{
	return vm_process_adopt(&vm->process, vm->registry->base, pid,
	    start_time, fds, &process_events, vm, state, error, error_size);
}

static void
process_detach(struct vm_record *vm)
{
	vm_process_detach(&vm->process);
}

static int
process_send(struct vm_record *vm, const struct vm_message *message)
{
	return vm_process_send(&vm->process, message);
}

static void
process_stop(struct vm_record *vm, bool force, unsigned int deadline_s)
{
	vm_process_stop(&vm->process, force, deadline_s);
}

static void
process_kill(struct vm_record *vm, bool on_request)
{
	vm_process_kill(&vm->process, on_request);
}

static ssize_t
process_console_write(struct vm_record *vm, const void *bytes, size_t length)
{
	return vm_process_console_write(&vm->process, bytes, length);
}

static void
process_release(struct vm_record *vm)
{
	vm_process_release(&vm->process);
}

const struct vm_supervisor vm_registry_processes = {
	process_spawn, process_send, process_stop, process_kill,
	process_console_write, process_release, process_detach, process_adopt,
};
