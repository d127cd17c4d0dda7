/* The VM commands (vm_commands.h): the table, its check, the generic
 * dispatch, and one short handler per command. A handler answers through
 * the registry's reply functions (vm_reply, vm_error) and reaches the VM
 * process only through the registry's supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/console_data.h"
#include "metrics_scrape.h"
#include "state_dir.h"
#include "vm_commands.h"
#include "vm_files.h"

#define STATE(s)	VM_STATE_BIT(s)
#define LIVE		(STATE(RUNNING) | STATE(PAUSED))
#define ENDED		(STATE(DEFINED) | STATE(STOPPED) | STATE(CRASHED))

static int
limits_check(const struct vm_call *call, const struct api_vm_spec *spec)
{
	const struct daemon_limits *limits = &call->registry->config->limits;
	struct vm_registry *registry = call->registry;
	uint64_t memory = spec->memory_mib;
	unsigned int vcpus = spec->vcpus;
	struct vm_record *vm;

	if (registry->count >= limits->vms) {
		vm_error(registry, call->client, call->request->id,
		    API_ERROR_LIMIT, "%s: %u VMs already (limits.vms)",
		    call->request->command->name, registry->count);
		return -1;
	}
	TAILQ_FOREACH(vm, &registry->vms, entry) {
		memory += vm->spec.memory_mib;
		vcpus += vm->spec.vcpus;
	}
	if (vcpus > limits->vcpus_total || memory > limits->memory_mib_total) {
		vm_error(registry, call->client, call->request->id,
		    API_ERROR_LIMIT, "%s: the VMs would have %u vCPUs "
		    "and %" PRIu64 " MiB in all, over the limits of %u and %"
		    PRIu64 " (limits.vcpus_total, limits.memory_mib_total)",
		    call->request->command->name, vcpus, memory,
		    limits->vcpus_total, limits->memory_mib_total);
		return -1;
	}
	return 0;
}

/* The spec's files: each "fd:NAME" the client named, checked for its use
 * (a read-only fd is never a writable disk), each path opened beneath the
 * image directories as vm-start will open it; then the passed fds all
 * taken at once: a refused spec leaves the client's fds as they were. */
static int
files_take(const struct vm_call *call, const struct api_vm_spec *spec,
    int *fds, unsigned int *count)
{
	struct vm_registry *registry = call->registry;
	struct vm_channel_file files[VM_CHANNEL_FILES_MAX];
	unsigned int n = vm_channel_files(spec, files), i, taken = 0;
	char why[320];
	int fd;

	for (i = 0; i < n; i++) {
		if (!files[i].passed)
			continue;
		fd = registry->output->passed_fd(call->client, files[i].ref +
		    strlen(API_VM_FD_PREFIX), false);
		if (fd < 0) {
			vm_error(registry, call->client, call->request->id,
			    API_ERROR_INVALID_ARGUMENT, "%s: %s %s: this "
			    "connection passed no fd of that name (getfd)",
			    call->request->command->name,
			    image_use_name(files[i].use), files[i].ref);
			return -1;
		}
		if (image_fd_check(fd, files[i].use,
		    registry->config->images.block_devices, why,
		    sizeof(why)) < 0) {
			vm_error(registry, call->client, call->request->id,
			    API_ERROR_PERMISSION, "%s: %s %s: %s",
			    call->request->command->name,
			    image_use_name(files[i].use), files[i].ref, why);
			return -1;
		}
	}
	if (vm_files_check(&registry->config->images, spec,
	    registry->output->client_uid(call->client) == 0, why,
	    sizeof(why)) < 0) {
		vm_error(registry, call->client, call->request->id,
		    API_ERROR_PERMISSION, "%s: %s",
		    call->request->command->name, why);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (files[i].passed)
			fds[taken++] = registry->output->passed_fd(call->client,
			    files[i].ref + strlen(API_VM_FD_PREFIX), true);
	*count = taken;
	return 0;
}

/* A VM record from spec, checked, its files taken (files_take), written to
 * the state directory and announced; NULL once the client was told why.
 * what names the command in errors. */
/* -1, once the client was told "COMMAND: why". */
static int __attribute__((format(printf, 3, 4)))
vm_fail(const struct vm_call *call, enum api_error_class class,
    const char *format, ...)
{
	char why[512];
	va_list args;

	va_start(args, format);
	vsnprintf(why, sizeof(why), format, args);
	va_end(args);
	vm_error(call->registry, call->client, call->request->id, class,
	    "%s: %s", call->request->command->name, why);
	return -1;
}

/* A clone's files: duplicates of the first clone's, which came from the
 * client (files_take). */
static int
files_like(const struct vm_call *call, const struct vm_record *like,
    int *fds, unsigned int *count)
{
	unsigned int i;

	for (*count = 0; *count < like->file_count; (*count)++) {
		fds[*count] = fcntl(like->files[*count], F_DUPFD_CLOEXEC, 3);
		if (fds[*count] < 0)
			break;
	}
	if (*count == like->file_count)
		return 0;
	for (i = 0; i < *count; i++)
		close(fds[i]);
	return vm_fail(call, API_ERROR_GENERIC, "cannot share the snapshot's "
	    "files with another clone: %s", strerror(errno));
}

static struct vm_record *
vm_define(const struct vm_call *call, const struct api_vm_spec *spec,
    const struct vm_record *like)
{
	struct vm_registry *registry = call->registry;
	json_t *id = call->request->id;
	struct vm_record *vm;
	int rc;

	if (vm_registry_find(registry, spec->name) != NULL) {
		vm_error(registry, call->client, id, API_ERROR_VM_EXISTS,
		    "%s: a VM named '%s' exists already",
		    call->request->command->name, spec->name);
		return NULL;
	}
	if (limits_check(call, spec) < 0)
		return NULL;
	vm = vm_record_new(registry, spec);
	if (vm != NULL)
		vm->owner = registry->output->client_uid(call->client);
	if (vm != NULL && (like != NULL ? files_like(call, like, vm->files,
	    &vm->file_count) : files_take(call, spec, vm->files,
	    &vm->file_count)) < 0) {
		free(vm);
		return NULL;
	}
	if (vm == NULL) {
		vm_error(registry, call->client, id, API_ERROR_GENERIC,
		    "%s: out of memory", call->request->command->name);
		return NULL;
	}
	if ((rc = vm_record_insert(vm)) < 0) {
		vm_error(registry, call->client, id, API_ERROR_GENERIC,
		    "%s: cannot write VM %s's record in %s: %s",
		    call->request->command->name, spec->name,
		    registry->config->state_dir, strerror(-rc));
		while (vm->file_count > 0)
			close(vm->files[--vm->file_count]);
		free(vm);
		return NULL;
	}
	vm_broadcast(vm, "VM_CREATED", json_pack("{s:s,s:s}", "vm",
	    spec->name, "state", "defined"));
	return vm;
}

/* The request's spec, parsed under the daemon's limits; -1 once the client
 * was told why. */
static int
spec_argument(const struct vm_call *call, struct api_vm_spec *spec)
{
	const struct daemon_config *config = call->registry->config;
	const struct api_vm_limits limits = {
		config->limits.vcpus_per_vm, config->limits.memory_mib_per_vm,
	};
	struct api_error error;

	if (api_vm_spec_parse(json_object_get(call->request->arguments, "spec"),
	    &limits, spec, &error) < 0)
		return vm_fail(call, error.class, "%s", error.desc);
	return 0;
}

static void
vm_create(const struct vm_call *call)
{
	struct api_vm_spec spec;
	struct vm_record *vm;

	if (spec_argument(call, &spec) < 0 ||
	    (vm = vm_define(call, &spec, NULL)) == NULL)
		return;
	vm_reply(call->registry, call->client, vm_record_info_json(vm),
	    call->request->id);
}

/* uptime_s only while its guest runs */
static json_t *
list_entry(const struct vm_record *vm)
{
	json_t *entry = json_pack("{s:s,s:s,s:i,s:I,s:i,s:I}", "name",
	    vm->spec.name, "state", vm_state_name(vm->state), "vcpus",
	    (int)vm->spec.vcpus, "memory_mib", (json_int_t)vm->spec.memory_mib,
	    "pid", (int)vm->process.pid, "owner", (json_int_t)vm->owner);

	if (entry != NULL && vm_record_uptime(vm) >= 0)
		json_object_set_new(entry, "uptime_s",
		    json_integer(vm_record_uptime(vm)));
	return entry;
}

static void
vm_list(const struct vm_call *call)
{
	uid_t uid = call->registry->output->client_uid(call->client);
	json_t *list = json_array();
	struct vm_record *vm;

	TAILQ_FOREACH(vm, &call->registry->vms, entry)
		if (vm_record_visible(vm, uid))
			json_array_append_new(list, list_entry(vm));
	vm_reply(call->registry, call->client, list, call->request->id);
}

/* Asks the VM process; the ack answers (vm_record_ack). */
static void
vm_ask(const struct vm_call *call)
{
	struct vm_message message = { .kind = call->command->message };

	vm_record_ask(call->vm, call->client, call->request, &message,
	    call->command->on_ack, call->command->command == API_CMD_VM_INFO ?
	    VM_ANSWER_INFO : VM_ANSWER_EMPTY);
}

/* A live VM's process adds its counters; any other VM is answered here. */
static void
vm_info(const struct vm_call *call)
{
	if (LIVE & (1u << call->vm->state))
		vm_ask(call);
	else
		vm_reply(call->registry, call->client,
		    vm_record_info_json(call->vm), call->request->id);
}

/* vm's process started, in state starting; -1 once the client was told
 * why. */
static int
vm_spawn(const struct vm_call *call, struct vm_record *vm)
{
	struct vm_registry *registry = call->registry;
	struct vm_channel_file files[VM_CHANNEL_FILES_MAX];
	const char *command = call->request->command->name;
	json_t *id = call->request->id;
	unsigned int n, i;
	char error[384];

	if (!registry->config->kvm) {
		vm_error(registry, call->client, id, API_ERROR_NO_KVM,
		    "%s: this daemon runs without KVM (kvm: false or "
		    "--no-kvm): no VM can start", command);
		return -1;
	}
	n = vm_channel_files(&vm->spec, files);
	if (vm_channel_files_passed(files, n) != vm->file_count) {
		for (i = 0; i < n && !files[i].passed; i++)
			;
		vm_error(registry, call->client, id, API_ERROR_WRONG_STATE,
		    "%s: VM %s was made of files its client passed "
		    "(%s...), which the daemon no longer holds since it "
		    "restarted: delete it and create it again", command,
		    vm->spec.name, i < n ? files[i].ref : "?");
		return -1;
	}
	if (registry->supervisor->spawn(vm, error, sizeof(error)) < 0) {
		vm_error(registry, call->client, id, API_ERROR_GENERIC,
		    "%s: %s", command, error);
		return -1;
	}
	vm_record_set_state(vm, VM_STATE_STARTING, json_pack("{s:i}",
	    "pid", (int)vm->process.pid));
	return 0;
}

static void
vm_start(const struct vm_call *call)
{
	if (vm_spawn(call, call->vm) == 0)
		vm_reply(call->registry, call->client, json_pack("{s:i}", "pid",
		    (int)call->vm->process.pid), call->request->id);
}

/* A spec for vm-restore and vm-clone: one with restore, and start (default
 * true) asks for the process at once; the daemon must have KVM for that. */
static int
restore_spec(const struct vm_call *call, struct api_vm_spec *spec,
    bool *start)
{
	json_t *value = json_object_get(call->request->arguments, "start");

	*start = value == NULL || json_is_true(value);
	if (spec_argument(call, spec) < 0)
		return -1;
	if (spec->restore_state[0] == '\0')
		return vm_fail(call, API_ERROR_INVALID_ARGUMENT, "the spec has "
		    "no 'restore' (the snapshot's state and memory files)");
	if (*start && !call->registry->config->kvm)
		return vm_fail(call, API_ERROR_NO_KVM, "this daemon runs "
		    "without KVM: give start: false to only define the VM");
	return 0;
}

/* A new VM from a snapshot, in its own process (docs/snapshot.md). */
static void
vm_restore(const struct vm_call *call)
{
	struct api_vm_spec spec;
	struct vm_record *vm;
	bool start;
	json_t *info;

	if (restore_spec(call, &spec, &start) < 0 ||
	    (vm = vm_define(call, &spec, NULL)) == NULL)
		return;
	if (start && vm_spawn(call, vm) < 0)
		return;		/* defined, and the client told why not started */
	info = vm_record_info_json(vm);
	vm_reply(call->registry, call->client, info, call->request->id);
}

/* Clone i of spec (1 to count): its name spec-i, and its own identity
 * where the spec gives one: a MAC's last octet and a vsock CID moved by i.
 * A writable disk cannot be shared, so it refuses. */
static int
clone_spec(const struct vm_call *call, const struct api_vm_spec *base,
    unsigned int i, struct api_vm_spec *clone)
{
	unsigned int d;
	int n;

	*clone = *base;
	n = snprintf(clone->name, sizeof(clone->name), "%s-%u", base->name, i);
	if (n < 0 || (size_t)n >= sizeof(clone->name))
		return vm_fail(call, API_ERROR_INVALID_ARGUMENT, "the clones' "
		    "names (%s-%u) are longer than %d", base->name, i,
		    API_VM_NAME_MAX);
	for (d = 0; d < clone->device_count; d++) {
		struct api_vm_device *device = &clone->devices[d];

		if (device->type == API_DEVICE_DISK && !device->read_only)
			return vm_fail(call, API_ERROR_INVALID_ARGUMENT,
			    "devices[%u]: a writable disk cannot be shared by "
			    "clones: restore each with a disk of its own "
			    "(vm-restore)", d);
		if (device->type == API_DEVICE_VSOCK)
			device->cid += i - 1;
		if (device->type == API_DEVICE_NET && device->mac[0] != '\0')
			snprintf(device->mac + 15, 3, "%02x", (unsigned int)
			    ((strtoul(device->mac + 15, NULL, 16) + i - 1) & 0xff));
	}
	return 0;
}

/* count VMs from one snapshot, each in its own process, sharing the pages
 * of the memory file none of them wrote. Each is a vm-restore of its own
 * name; the client's passed files go to the first and are duplicated for
 * the others. */
static void
vm_clone(const struct vm_call *call)
{
	unsigned int count = (unsigned int)json_integer_value(json_object_get(
	    call->request->arguments, "count")), i;
	struct api_vm_spec base, clone;
	struct vm_record *vm, *first = NULL;
	json_t *names = json_array();
	bool start;

	if (restore_spec(call, &base, &start) < 0)
		goto done;
	for (i = 1; i <= count; i++) {
		if (clone_spec(call, &base, i, &clone) < 0)
			break;
		vm = vm_define(call, &clone, first);
		if (vm == NULL || (start && vm_spawn(call, vm) < 0))
			break;
		first = first ?: vm;
		json_array_append_new(names, json_string(clone.name));
	}
	if (i > count)
		vm_reply(call->registry, call->client, json_pack("{s:O}", "vms",
		    names), call->request->id);
done:
	json_decref(names);
}

/* A snapshot's output: "fd:NAME" the client passed (open for reading and
 * writing), or an existing file beneath the image directories. Checked,
 * not taken: -1 once the client was told why. */
static int
snapshot_output(const struct vm_call *call, const char *member, int *fd)
{
	struct vm_registry *registry = call->registry;
	const char *ref = json_string_value(json_object_get(
	    call->request->arguments, member));
	bool root = registry->output->client_uid(call->client) == 0;
	char why[320];

	*fd = -1;
	if (api_vm_spec_fd_ref(ref)) {
		int passed = registry->output->passed_fd(call->client,
		    ref + strlen(API_VM_FD_PREFIX), false);

		if (passed < 0)
			return vm_fail(call, API_ERROR_INVALID_ARGUMENT, "%s %s: "
			    "this connection passed no fd of that name (getfd)",
			    member, ref);
		if (image_fd_check(passed, IMAGE_USE_SNAPSHOT_OUT, false, why,
		    sizeof(why)) < 0)
			return vm_fail(call, API_ERROR_PERMISSION, "%s %s: %s",
			    member, ref, why);
		return 0;
	}
	if (ref[0] != '/')
		return vm_fail(call, API_ERROR_INVALID_ARGUMENT, "%s: an "
		    "absolute path or fd:NAME (a file passed with getfd)",
		    member);
	*fd = image_policy_open(&registry->config->images, ref,
	    IMAGE_USE_SNAPSHOT_OUT, root, why, sizeof(why));
	return *fd < 0 ? vm_fail(call, API_ERROR_PERMISSION, "%s: %s", member,
	    why) : 0;
}

static int
snapshot_output_take(const struct vm_call *call, const char *member, int fd)
{
	const char *ref = json_string_value(json_object_get(
	    call->request->arguments, member));

	if (fd >= 0)
		return fd;
	return call->registry->output->passed_fd(call->client,
	    ref + strlen(API_VM_FD_PREFIX), true);
}

/* The VM's process writes its snapshot into the two files; its ack answers
 * with the figures (vm_record_ack), and VM_SNAPSHOT tells the others. */
static void
vm_snapshot(const struct vm_call *call)
{
	struct vm_message message = { .kind = VM_MSG_SNAPSHOT, .fd_count = 2 };
	int fds[2] = { -1, -1 };

	if (snapshot_output(call, "state", &fds[0]) < 0 ||
	    snapshot_output(call, "memory", &fds[1]) < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		return;
	}
	fds[0] = snapshot_output_take(call, "state", fds[0]);
	fds[1] = snapshot_output_take(call, "memory", fds[1]);
	message.fds = fds;
	vm_record_ask(call->vm, call->client, call->request, &message,
	    VM_STATE_COUNT, VM_ANSWER_COUNTERS);
	close(fds[0]);
	close(fds[1]);
}

/* The process asks the guest to shut down for up to stop_timeout_s, then
 * (or at once when forced) stops its vCPUs and tears the VM down; if it
 * has not ended VM_STOP_GRACE_S after that, it is killed. */
static void
vm_stop(const struct vm_call *call)
{
	struct vm_registry *registry = call->registry;

	registry->supervisor->stop(call->vm, json_is_true(json_object_get(
	    call->request->arguments, "force")),
	    registry->config->stop_timeout_s + VM_STOP_GRACE_S);
	if (call->vm->state != VM_STATE_STOPPING)
		vm_record_set_state(call->vm, VM_STATE_STOPPING, NULL);
	vm_reply(registry, call->client, NULL, call->request->id);
}

static void
vm_kill(const struct vm_call *call)
{
	call->registry->supervisor->kill(call->vm, true);
	vm_reply(call->registry, call->client, NULL, call->request->id);
}

static void
vm_delete(const struct vm_call *call)
{
	struct vm_registry *registry = call->registry;

	state_record_remove(registry->config->state_dir, call->vm->spec.name);
	vm_broadcast(call->vm, "VM_DELETED", json_pack("{s:s}", "vm",
	    call->vm->spec.name));
	vm_record_free(call->vm);
	vm_reply(registry, call->client, NULL, call->request->id);
}

static void
console_attach(const struct vm_call *call)
{
	const char *encoding = json_string_value(json_object_get(
	    call->request->arguments, "encoding"));
	bool attach = call->command->command == API_CMD_CONSOLE_ATTACH;
	struct vm_registry *registry = call->registry;
	struct vm_record *vm = call->vm;
	json_t *id = call->request->id;
	int i, slot = -1;

	if (encoding != NULL && strcmp(encoding, "text") != 0 &&
	    strcmp(encoding, "base64") != 0) {
		vm_error(registry, call->client, id, API_ERROR_INVALID_ARGUMENT,
		    "console-attach: 'encoding' must be \"text\" or \"base64\"");
		return;
	}
	for (i = 0; i < VM_ATTACHED_MAX; i++) {
		if (vm->attached[i] == call->client) {
			if (!attach)
				vm->attached[i] = NULL;
			slot = i;
			break;
		}
		if (vm->attached[i] == NULL && slot < 0)
			slot = i;
	}
	if (attach && slot < 0) {
		vm_error(registry, call->client, id, API_ERROR_LIMIT,
		    "console-attach: VM %s has %d attached clients already",
		    vm->spec.name, VM_ATTACHED_MAX);
		return;
	}
	if (!attach) {
		vm_reply(registry, call->client, NULL, id);
		return;
	}
	vm->attached[slot] = call->client;
	vm->attached_base64[slot] = encoding != NULL &&
	    strcmp(encoding, "base64") == 0;
	vm_reply(registry, call->client, json_pack("{s:s,s:o}", "console_log",
	    vm->console_log, vm->attached_base64[slot] ? "recent_base64" :
	    "recent", vm_record_console_recent(vm, vm->attached_base64[slot])),
	    id);
}

/* data (text) or base64 (exact bytes): one of them. */
static void
console_write(const struct vm_call *call)
{
	json_t *data = json_object_get(call->request->arguments, "data");
	json_t *base64 = json_object_get(call->request->arguments, "base64");
	struct vm_registry *registry = call->registry;
	json_t *id = call->request->id;
	uint8_t bytes[4096];
	ssize_t length, n;

	if ((data == NULL) == (base64 == NULL)) {
		vm_error(registry, call->client, id, API_ERROR_INVALID_ARGUMENT,
		    "console-write: give 'data' (text) or 'base64', one of them");
		return;
	}
	length = data != NULL ? (ssize_t)json_string_length(data) :
	    base64_decode(json_string_value(base64), json_string_length(base64),
	    bytes, sizeof(bytes));
	if (length <= 0) {
		vm_error(registry, call->client, id, API_ERROR_INVALID_ARGUMENT,
		    "console-write: 'base64' is not padded base64 of 1 to %zu "
		    "bytes", sizeof(bytes));
		return;
	}
	n = registry->supervisor->console_write(call->vm, data != NULL ?
	    (const void *)json_string_value(data) : bytes, (size_t)length);
	if (n != length) {
		vm_error(registry, call->client, id, API_ERROR_GENERIC,
		    "console-write: VM %s's console takes no more input now%s",
		    call->vm->spec.name, n >= 0 ? " (part of it was written)" : "");
		return;
	}
	vm_reply(registry, call->client, json_pack("{s:I}", "written",
	    (json_int_t)n), id);
}

/* A test hook: the call kills the process, so nothing answers it. */
static void
vm_tell(const struct vm_call *call)
{
	struct vm_message message = { .kind = call->command->message };

	call->registry->supervisor->send(call->vm, &message);
	vm_reply(call->registry, call->client, NULL, call->request->id);
}

/* The states in which each is allowed are docs/protocol.md's. */
static const struct vm_command vm_commands[] = {
	{ API_CMD_VM_CREATE, VM_COMMAND_NO_VM, VM_MSG_NONE, VM_STATE_COUNT,
	    vm_create },
	{ API_CMD_VM_LIST, VM_COMMAND_NO_VM, VM_MSG_NONE, VM_STATE_COUNT,
	    vm_list },
	{ API_CMD_QUERY_METRICS, VM_COMMAND_NO_VM, VM_MSG_NONE, VM_STATE_COUNT,
	    metrics_scrape_start },
	{ API_CMD_VM_INFO, VM_COMMAND_ANY_STATE, VM_MSG_INFO, VM_STATE_COUNT,
	    vm_info },
	{ API_CMD_VM_START, ENDED, VM_MSG_SPEC, VM_STATE_COUNT, vm_start },
	{ API_CMD_VM_PAUSE, STATE(RUNNING), VM_MSG_PAUSE, VM_STATE_PAUSED,
	    vm_ask },
	{ API_CMD_VM_RESUME, STATE(PAUSED), VM_MSG_RESUME, VM_STATE_RUNNING,
	    vm_ask },
	{ API_CMD_VM_STOP, STATE(STARTING) | LIVE, VM_MSG_STOP, VM_STATE_COUNT,
	    vm_stop },
	{ API_CMD_VM_KILL, STATE(STARTING) | LIVE | STATE(STOPPING),
	    VM_MSG_NONE, VM_STATE_COUNT, vm_kill },
	{ API_CMD_VM_DELETE, ENDED, VM_MSG_NONE, VM_STATE_COUNT, vm_delete },
	{ API_CMD_CONSOLE_ATTACH, VM_COMMAND_ANY_STATE, VM_MSG_NONE,
	    VM_STATE_COUNT, console_attach },
	{ API_CMD_CONSOLE_DETACH, VM_COMMAND_ANY_STATE, VM_MSG_NONE,
	    VM_STATE_COUNT, console_attach },
	{ API_CMD_CONSOLE_WRITE, LIVE, VM_MSG_NONE, VM_STATE_COUNT,
	    console_write },
	{ API_CMD_X_FORBIDDEN_SYSCALL, LIVE, VM_MSG_X_FORBIDDEN_SYSCALL,
	    VM_STATE_COUNT, vm_tell },
	{ API_CMD_VM_SNAPSHOT, LIVE, VM_MSG_SNAPSHOT, VM_STATE_COUNT,
	    vm_snapshot },
	{ API_CMD_VM_RESTORE, VM_COMMAND_NO_VM, VM_MSG_NONE, VM_STATE_COUNT,
	    vm_restore },
	{ API_CMD_VM_CLONE, VM_COMMAND_NO_VM, VM_MSG_NONE, VM_STATE_COUNT,
	    vm_clone },
};
#define VM_COMMAND_COUNT	(sizeof(vm_commands) / sizeof(vm_commands[0]))

const struct vm_command *
vm_command_find(enum api_command_id command)
{
	size_t i;

	for (i = 0; i < VM_COMMAND_COUNT; i++)
		if (vm_commands[i].command == command)
			return &vm_commands[i];
	return NULL;
}

static int
entry_check(const struct vm_command *entry, char *error, size_t error_size)
{
	const char *name = (unsigned int)entry->command < api_command_count ?
	    api_commands[entry->command].name : "?";

	if ((unsigned int)entry->command >= api_command_count)
		snprintf(error, error_size, "VM command table: entry %d is no "
		    "command of the protocol", (int)entry->command);
	else if (entry->handler == NULL)
		snprintf(error, error_size, "VM command table: %s has no "
		    "handler", name);
	else if (entry->states > VM_COMMAND_ANY_STATE)
		snprintf(error, error_size, "VM command table: %s: a state "
		    "that does not exist", name);
	else if (entry->message != VM_MSG_NONE && (entry->message >=
	    VM_MSG_COUNT || entry->message >= VM_MSG_RUNNING))
		snprintf(error, error_size, "VM command table: %s: '%s' is "
		    "not a message to a VM process", name,
		    vm_message_name(entry->message));
	else if (entry->on_ack < VM_STATE_COUNT &&
	    entry->message == VM_MSG_NONE)
		snprintf(error, error_size, "VM command table: %s: a state on "
		    "an ack, but nothing asked", name);
	else if (vm_command_find(entry->command) != entry)
		snprintf(error, error_size, "VM command table: %s listed "
		    "twice", name);
	else
		return 0;
	return -1;
}

int
vm_command_table_validate(const enum api_command_id *served, size_t count,
    char *error, size_t error_size)
{
	size_t i, j, servers;

	for (i = 0; i < VM_COMMAND_COUNT; i++)
		if (entry_check(&vm_commands[i], error, error_size) < 0)
			return -1;
	for (i = 0; i < api_command_count; i++) {
		servers = vm_command_find((enum api_command_id)i) != NULL;
		for (j = 0; j < count; j++)
			servers += served[j] == (enum api_command_id)i;
		if (servers != 1) {
			snprintf(error, error_size, "command tables: %s has %zu "
			    "servers, not one", api_commands[i].name, servers);
			return -1;
		}
	}
	return 0;
}

void
vm_command_run(struct vm_registry *registry, struct client *client,
    const struct api_request *request)
{
	const struct vm_command *command = vm_command_find(request->command->id);
	struct vm_call call = { registry, NULL, client, request, command };
	const char *name;
	char states[128];

	if (command == NULL) {
		vm_error(registry, client, request->id, API_ERROR_GENERIC,
		    "%s: not a VM command", request->command->name);
		return;
	}
	if (command->states != VM_COMMAND_NO_VM) {
		name = json_string_value(json_object_get(request->arguments,
		    "vm"));
		call.vm = vm_registry_find(registry, name);
		if (call.vm == NULL) {
			vm_error(registry, client, request->id,
			    API_ERROR_VM_NOT_FOUND, "%s: no VM named '%.32s'",
			    request->command->name, name);
			return;
		}
		if (!vm_record_visible(call.vm, registry->output->client_uid(
		    client))) {
			vm_error(registry, client, request->id,
			    API_ERROR_PERMISSION, "%s: VM %s is another user's "
			    "(only its owner, uid %u, and root may use it)",
			    request->command->name, call.vm->spec.name,
			    (unsigned int)call.vm->owner);
			return;
		}
		if (!(command->states & (1u << call.vm->state))) {
			vm_states_text(command->states, states, sizeof(states));
			vm_error(registry, client, request->id,
			    API_ERROR_WRONG_STATE, "%s: VM %s is %s; it must "
			    "be %s", request->command->name, call.vm->spec.name,
			    vm_state_name(call.vm->state), states);
			return;
		}
	}
	command->handler(&call);
}
