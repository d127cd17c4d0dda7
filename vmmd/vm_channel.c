/* The daemon <-> VM process messages: a table of kinds, one encoder and one
 * decoder, each kind's members spelled once (vm_channel.h says why). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/vm.h"
#include "../core/vm_exit.h"
#include "scm_rights.h"
#include "vm_channel.h"

static const struct vm_message_kind_info {
	const char *name;
	enum vm_channel_side to;
} kinds[VM_MSG_COUNT] = {
	[VM_MSG_SPEC] = { "spec", VM_CHANNEL_TO_PROCESS },
	[VM_MSG_PAUSE] = { "pause", VM_CHANNEL_TO_PROCESS },
	[VM_MSG_RESUME] = { "resume", VM_CHANNEL_TO_PROCESS },
	[VM_MSG_INFO] = { "info", VM_CHANNEL_TO_PROCESS },
	[VM_MSG_STOP] = { "stop", VM_CHANNEL_TO_PROCESS },
	[VM_MSG_X_FORBIDDEN_SYSCALL] = { "x-forbidden-syscall",
	    VM_CHANNEL_TO_PROCESS },
	[VM_MSG_RUNNING] = { "running", VM_CHANNEL_TO_DAEMON },
	[VM_MSG_ACK] = { "ack", VM_CHANNEL_TO_DAEMON },
	[VM_MSG_RESULT] = { "result", VM_CHANNEL_TO_DAEMON },
	[VM_MSG_ADOPT] = { "adopt", VM_CHANNEL_TO_PROCESS },
	[VM_MSG_ADOPTED] = { "adopted", VM_CHANNEL_TO_DAEMON },
	[VM_MSG_SNAPSHOT] = { "snapshot", VM_CHANNEL_TO_PROCESS },
};

static const char *const adopted_states[VM_ADOPTED_COUNT] = {
	[VM_ADOPTED_STARTING] = "starting",
	[VM_ADOPTED_RUNNING] = "running",
	[VM_ADOPTED_PAUSED] = "paused",
	[VM_ADOPTED_STOPPING] = "stopping",
};

const char *
vm_adopted_state_name(enum vm_adopted_state state)
{
	return (unsigned int)state < VM_ADOPTED_COUNT ? adopted_states[state] :
	    "?";
}

static int
adopted_state_by_name(const char *name, enum vm_adopted_state *state)
{
	unsigned int i;

	for (i = 0; i < VM_ADOPTED_COUNT; i++)
		if (strcmp(adopted_states[i], name) == 0) {
			*state = (enum vm_adopted_state)i;
			return 0;
		}
	return -1;
}

const char *
vm_message_name(enum vm_message_kind kind)
{
	return (unsigned int)kind < VM_MSG_COUNT ? kinds[kind].name : "?";
}

int
vm_channel_table_validate(char *error, size_t error_size)
{
	size_t i, j;

	for (i = 0; i < VM_MSG_COUNT; i++) {
		if (kinds[i].name == NULL) {
			snprintf(error, error_size, "VM channel: message kind "
			    "%zu has no name", i);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(kinds[j].name, kinds[i].name) == 0) {
				snprintf(error, error_size, "VM channel: message "
				    "'%s' named twice", kinds[i].name);
				return -1;
			}
	}
	return 0;
}

static int
kind_by_name(const char *name, enum vm_message_kind *kind)
{
	unsigned int i;

	for (i = 0; i < VM_MSG_COUNT; i++)
		if (strcmp(kinds[i].name, name) == 0) {
			*kind = (enum vm_message_kind)i;
			return 0;
		}
	return -1;
}

/* The outcomes a VM process may report: the runtime's, and its own two. */
static bool
outcome_known(const char *outcome)
{
	unsigned int i;

	for (i = VM_OUTCOME_NONE; i <= VM_OUTCOME_STOPPED; i++)
		if (strcmp(vm_outcome_name((enum vm_outcome)i), outcome) == 0)
			return true;
	return strcmp(outcome, "failed") == 0 ||
	    strcmp(outcome, "setup-failed") == 0;
}

/* Counters: objects and arrays of bounded depth and width, strings of
 * bounded length, integers that are not negative, booleans, nulls. */
static bool
tree_bounded(json_t *value, unsigned int depth)
{
	const char *key;
	json_t *member;
	size_t i;

	switch (json_typeof(value)) {
	case JSON_OBJECT:
		if (depth == 0 || json_object_size(value) >
		    VM_CHANNEL_COUNTERS_WIDTH)
			return false;
		json_object_foreach(value, key, member)
			if (strlen(key) > VM_CHANNEL_COUNTERS_STRING ||
			    !tree_bounded(member, depth - 1))
				return false;
		return true;
	case JSON_ARRAY:
		if (depth == 0 || json_array_size(value) >
		    VM_CHANNEL_COUNTERS_WIDTH)
			return false;
		json_array_foreach(value, i, member)
			if (!tree_bounded(member, depth - 1))
				return false;
		return true;
	case JSON_STRING:
		return json_string_length(value) <= VM_CHANNEL_COUNTERS_STRING;
	case JSON_INTEGER:
		return json_integer_value(value) >= 0;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:		/* a member with nothing to say (a fault) */
		return true;
	default:
		return false;
	}
}

static int
counters_check(json_t *counters, unsigned int depth, const char *what,
    char *error, size_t error_size)
{
	if (!tree_bounded(counters, depth) ||
	    json_dumpb(counters, NULL, 0, JSON_COMPACT) >
	    VM_CHANNEL_COUNTERS_BYTES) {
		snprintf(error, error_size, "'%s' is not counters of the known "
		    "shape and size", what);
		return -1;
	}
	return 0;
}

/* A result as cmd_vm_process.c makes it, and nothing else. */
static int
result_check(json_t *result, char *error, size_t error_size)
{
	json_int_t boots = 0, exits = 0, setup_us = 0, dropped = 0;
	const char *outcome, *detail;
	json_t *forward_map = NULL;
	json_error_t json_error;
	int graceful = 0;

	if (json_unpack_ex(result, &json_error, JSON_STRICT, "{s:s,s:s,s?I,"
	    "s?I,s?I,s?I,s?o,s?b}", "outcome", &outcome, "detail", &detail,
	    "boots", &boots, "exits", &exits, "setup_us", &setup_us,
	    "console_log_dropped", &dropped, "forward_map", &forward_map,
	    "graceful", &graceful) < 0) {
		snprintf(error, error_size, "result: %s", json_error.text);
		return -1;
	}
	if (!outcome_known(outcome)) {
		snprintf(error, error_size, "result: no outcome named '%.32s'",
		    outcome);
		return -1;
	}
	if (strlen(detail) >= VM_CHANNEL_DETAIL_MAX || boots < 0 ||
	    exits < 0 || setup_us < 0 || dropped < 0) {
		snprintf(error, error_size, "result: a detail of %zu bytes (under "
		    "%d), or a negative count", strlen(detail),
		    VM_CHANNEL_DETAIL_MAX);
		return -1;
	}
	return forward_map == NULL || json_is_null(forward_map) ? 0 :
	    counters_check(forward_map, VM_CHANNEL_COUNTERS_DEPTH - 1,
	    "result.forward_map", error, error_size);
}

static json_t *
spec_json(const struct vm_spec_message *spec)
{
	return json_pack("{s:s,s:o,s:s,s:s,s:I,s:s,s:b}", "msg", "spec",
	    "spec", api_vm_spec_json(&spec->spec), "console_log",
	    spec->console_log, "kvm_path", spec->kvm_path, "stop_timeout_ms",
	    (json_int_t)spec->stop_timeout_ms, "vm_user", spec->vm_user,
	    "test_hooks", spec->test_hooks);
}

static json_t *
message_json(const struct vm_message *message)
{
	const char *name = vm_message_name(message->kind);

	switch (message->kind) {
	case VM_MSG_SPEC:
		return message->spec != NULL ? spec_json(message->spec) : NULL;
	case VM_MSG_STOP:
		return message->force ? json_pack("{s:s,s:b}", "msg", name,
		    "force", 1) : json_pack("{s:s}", "msg", name);
	case VM_MSG_ACK:
		if (!message->ok)
			return json_pack("{s:s,s:b,s:s}", "msg", name, "ok", 0,
			    "desc", message->desc);
		return json_pack("{s:s,s:b,s:O*}", "msg", name, "ok", 1,
		    "counters", message->counters);
	case VM_MSG_RESULT:
		return message->result != NULL ? json_pack("{s:s,s:O}", "msg",
		    name, "result", message->result) : NULL;
	case VM_MSG_ADOPTED:
		return (unsigned int)message->adopted < VM_ADOPTED_COUNT ?
		    json_pack("{s:s,s:s}", "msg", name, "state",
		    vm_adopted_state_name(message->adopted)) : NULL;
	case VM_MSG_COUNT:
		return NULL;
	default:
		return json_pack("{s:s}", "msg", name);
	}
}

char *
vm_message_encode(const struct vm_message *message)
{
	json_t *json = message_json(message);
	char *text = json != NULL ? json_dumps(json, JSON_COMPACT) : NULL;
	char *line = NULL;
	size_t length;

	json_decref(json);
	length = text != NULL ? strlen(text) : 0;
	/* what the other side would refuse is not sent */
	if (text != NULL && length < VM_CHANNEL_LINE_MAX &&
	    (line = malloc(length + 2)) != NULL) {
		memcpy(line, text, length);
		line[length] = '\n';
		line[length + 1] = '\0';
	}
	free(text);
	return line;
}

static int
copy_string(char *out, size_t size, const char *value, const char *member,
    char *error, size_t error_size)
{
	if (strlen(value) >= size) {
		snprintf(error, error_size, "'%s' is longer than %zu bytes",
		    member, size - 1);
		return -1;
	}
	memcpy(out, value, strlen(value) + 1);
	return 0;
}

static int
decode_spec(json_t *json, struct vm_message *message, char *error,
    size_t error_size)
{
	const struct api_vm_limits limits = { VM_MAX_VCPUS, UINT64_MAX >> 20 };
	const char *kind, *console_log, *kvm_path, *vm_user;
	struct vm_spec_message *spec;
	json_int_t stop_timeout_ms;
	json_error_t json_error;
	struct api_error spec_error;
	int test_hooks;
	json_t *vm;

	if (json_unpack_ex(json, &json_error, JSON_STRICT, "{s:s,s:o,s:s,s:s,"
	    "s:I,s:s,s:b}", "msg", &kind, "spec", &vm, "console_log",
	    &console_log, "kvm_path", &kvm_path, "stop_timeout_ms",
	    &stop_timeout_ms, "vm_user", &vm_user, "test_hooks",
	    &test_hooks) < 0) {
		snprintf(error, error_size, "%s", json_error.text);
		return -1;
	}
	if (stop_timeout_ms < 0 || stop_timeout_ms > UINT32_MAX) {
		snprintf(error, error_size, "'stop_timeout_ms' out of range");
		return -1;
	}
	spec = message->spec = calloc(1, sizeof(*spec));
	if (spec == NULL) {
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	if (api_vm_spec_parse(vm, &limits, &spec->spec, &spec_error) < 0) {
		snprintf(error, error_size, "%s", spec_error.desc);
		return -1;
	}
	spec->stop_timeout_ms = (uint32_t)stop_timeout_ms;
	spec->test_hooks = test_hooks;
	return copy_string(spec->console_log, sizeof(spec->console_log),
	    console_log, "console_log", error, error_size) < 0 ||
	    copy_string(spec->kvm_path, sizeof(spec->kvm_path), kvm_path,
	    "kvm_path", error, error_size) < 0 ||
	    copy_string(spec->vm_user, sizeof(spec->vm_user), vm_user,
	    "vm_user", error, error_size) < 0 ? -1 : 0;
}

static int
decode_ack(json_t *json, struct vm_message *message, char *error,
    size_t error_size)
{
	const char *kind, *desc = NULL;
	json_t *counters = NULL;
	json_error_t json_error;
	int ok;

	if (json_unpack_ex(json, &json_error, JSON_STRICT, "{s:s,s:b,s?s,s?o}",
	    "msg", &kind, "ok", &ok, "desc", &desc, "counters", &counters) < 0) {
		snprintf(error, error_size, "%s", json_error.text);
		return -1;
	}
	if (counters != NULL && !json_is_object(counters) &&
	    !json_is_null(counters)) {
		snprintf(error, error_size, "'counters' is not an object");
		return -1;
	}
	/* an ok has no reason, a refusal no counters */
	if ((ok && desc != NULL) || (!ok && counters != NULL)) {
		snprintf(error, error_size, "'%s' in an ack that is %s",
		    ok ? "desc" : "counters", ok ? "ok" : "not ok");
		return -1;
	}
	if (json_is_object(counters) && counters_check(counters,
	    VM_CHANNEL_COUNTERS_DEPTH, "counters", error, error_size) < 0)
		return -1;
	message->ok = ok;
	message->counters = json_is_object(counters) ? json_incref(counters) :
	    NULL;
	return copy_string(message->desc, sizeof(message->desc), desc ?: "",
	    "desc", error, error_size);
}

static int
decode_members(json_t *json, struct vm_message *message, char *error,
    size_t error_size)
{
	json_error_t json_error;
	json_t *result = NULL;
	const char *kind, *state;
	int force = 0, rc = 0;

	switch (message->kind) {
	case VM_MSG_SPEC:
		return decode_spec(json, message, error, error_size);
	case VM_MSG_ACK:
		return decode_ack(json, message, error, error_size);
	case VM_MSG_STOP:
		rc = json_unpack_ex(json, &json_error, JSON_STRICT, "{s:s,s?b}",
		    "msg", &kind, "force", &force);
		message->force = force;
		break;
	case VM_MSG_RESULT:
		rc = json_unpack_ex(json, &json_error, JSON_STRICT, "{s:s,s:o}",
		    "msg", &kind, "result", &result);
		if (rc == 0 && !json_is_object(result)) {
			snprintf(error, error_size, "'result' is not an object");
			return -1;
		}
		if (rc == 0 && result_check(result, error, error_size) < 0)
			return -1;
		message->result = json_incref(result);
		break;
	case VM_MSG_ADOPTED:
		rc = json_unpack_ex(json, &json_error, JSON_STRICT, "{s:s,s:s}",
		    "msg", &kind, "state", &state);
		if (rc == 0 && adopted_state_by_name(state,
		    &message->adopted) < 0) {
			snprintf(error, error_size, "no adopted state named "
			    "'%.32s'", state);
			return -1;
		}
		break;
	default:
		rc = json_unpack_ex(json, &json_error, JSON_STRICT, "{s:s}",
		    "msg", &kind);
	}
	if (rc < 0)
		snprintf(error, error_size, "%s", json_error.text);
	return rc;
}

int
vm_message_decode(const char *line, size_t length,
    enum vm_channel_side receiver, struct vm_message *message,
    char *error, size_t error_size)
{
	json_error_t json_error;
	const char *name;
	json_t *json;
	int rc = -1;

	memset(message, 0, sizeof(*message));
	message->kind = VM_MSG_NONE;
	if (length > VM_CHANNEL_LINE_MAX) {
		snprintf(error, error_size, "a message of %zu bytes, over %u",
		    length, VM_CHANNEL_LINE_MAX);
		return -1;
	}
	json = json_loadb(line, length, JSON_REJECT_DUPLICATES, &json_error);
	if (json == NULL) {
		snprintf(error, error_size, "not JSON: %s", json_error.text);
		return -1;
	}
	name = json_string_value(json_object_get(json, "msg"));
	if (!json_is_object(json) || name == NULL)
		snprintf(error, error_size, "not an object with a 'msg' string");
	else if (kind_by_name(name, &message->kind) < 0)
		snprintf(error, error_size, "unknown message '%.32s'", name);
	else if (kinds[message->kind].to != receiver)
		snprintf(error, error_size, "message '%s' goes the other way",
		    name);
	else if (decode_members(json, message, error, error_size) == 0)
		rc = 0;
	json_decref(json);
	if (rc < 0) {
		vm_message_clear(message);
		message->kind = VM_MSG_NONE;
	}
	return rc;
}

void
vm_message_clear(struct vm_message *message)
{
	json_decref(message->counters);
	json_decref(message->result);
	free(message->spec);
	message->counters = message->result = NULL;
	message->spec = NULL;
}

static void
file_add(struct vm_channel_file *files, unsigned int *count, const char *ref,
    enum image_use use, int device)
{
	bool passed = api_vm_spec_fd_ref(ref);

	if (ref[0] == '\0' || (use == IMAGE_USE_TAP && !passed))
		return;
	files[*count].ref = ref;
	files[*count].use = use;
	files[*count].passed = passed;
	files[(*count)++].device = device;
}

unsigned int
vm_channel_files(const struct api_vm_spec *spec,
    struct vm_channel_file files[VM_CHANNEL_FILES_MAX])
{
	const struct api_vm_device *device;
	unsigned int count = 0, i;

	file_add(files, &count, spec->kernel, IMAGE_USE_KERNEL, -1);
	file_add(files, &count, spec->initrd, IMAGE_USE_INITRD, -1);
	file_add(files, &count, spec->cpu_template, IMAGE_USE_CPU_TEMPLATE, -1);
	for (i = 0; i < spec->device_count && i < API_VM_DEVICES_MAX; i++) {
		device = &spec->devices[i];
		if (device->type == API_DEVICE_DISK)
			file_add(files, &count, device->path, device->read_only ?
			    IMAGE_USE_DISK_READ_ONLY : IMAGE_USE_DISK_WRITABLE,
			    (int)i);
		else if (device->type == API_DEVICE_NET)
			file_add(files, &count, device->tap, IMAGE_USE_TAP,
			    (int)i);
	}
	file_add(files, &count, spec->restore_state, IMAGE_USE_SNAPSHOT, -1);
	file_add(files, &count, spec->restore_memory, IMAGE_USE_SNAPSHOT, -1);
	return count;
}

unsigned int
vm_channel_files_passed(const struct vm_channel_file *files,
    unsigned int count)
{
	unsigned int passed = 0, i;

	for (i = 0; i < count; i++)
		passed += files[i].passed;
	return passed;
}

ssize_t
vm_channel_send_with_fds(int socket, const char *line, size_t length,
    const int *fds, unsigned int count)
{
	union {
		char buffer[SCM_RIGHTS_SPACE(VM_CHANNEL_FILES_MAX)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)line, .iov_len = length };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (count > VM_CHANNEL_FILES_MAX || length == 0) {
		errno = EINVAL;
		return -1;
	}
	scm_rights_attach(&message, control.buffer, fds, count);
	return sendmsg(socket, &message, MSG_NOSIGNAL);
}

/* Every fd in the control data, closed: a refused message leaves none. */
static void
close_received(struct msghdr *message)
{
	struct cmsghdr *header;
	size_t i, n;
	int fd;

	for (header = CMSG_FIRSTHDR(message); header != NULL;
	    header = CMSG_NXTHDR(message, header)) {
		if (header->cmsg_level != SOL_SOCKET ||
		    header->cmsg_type != SCM_RIGHTS)
			continue;
		n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(header) + i * sizeof(int),
			    sizeof(int));
			close(fd);
		}
	}
}

int
vm_channel_receive_fds(int socket, int fds[VM_CHANNEL_FILES_MAX],
    char *error, size_t error_size)
{
	char control[CMSG_SPACE(sizeof(int) * VM_CHANNEL_FILES_MAX)], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *header;
	ssize_t n;

	memset(control, 0, sizeof(control));
	do
		n = recvmsg(socket, &message, MSG_PEEK | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		snprintf(error, error_size, "no spec came: %s", n == 0 ?
		    "the daemon closed the channel" : strerror(errno));
		return -1;
	}
	header = CMSG_FIRSTHDR(&message);
	if (header == NULL)
		return 0;
	if ((message.msg_flags & MSG_CTRUNC) || header->cmsg_level !=
	    SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
	    header->cmsg_len < CMSG_LEN(sizeof(int)) ||
	    (header->cmsg_len - CMSG_LEN(0)) % sizeof(int) != 0 ||
	    CMSG_NXTHDR(&message, header) != NULL) {
		close_received(&message);
		snprintf(error, error_size, "what came with the spec is not "
		    "at most %d passed files", VM_CHANNEL_FILES_MAX);
		return -1;
	}
	memcpy(fds, CMSG_DATA(header), header->cmsg_len - CMSG_LEN(0));
	return (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
}
