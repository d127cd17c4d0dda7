/* The control protocol: QMP framing, the command table (data, validated at
 * start-up), argument checks that say what was wrong and where, and the
 * rendering of greetings, replies, errors and events. */
#include "protocol.h"
#include "console_data.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#ifndef VMMD_VERSION
#define VMMD_VERSION "unknown"
#endif
#define VMMD_API_PACKAGE VMMD_VERSION
#define VM_ARG		{ "vm", API_STRING, true, 1, 32 }
#define VM_CLONES_MAX	64

const struct api_command api_commands[] = {
	{ "qmp_capabilities", API_CMD_QMP_CAPABILITIES, API_BEFORE_NEGOTIATION,
	    { { "enable", API_ARRAY, false, 0, 0 } } },
	{ "query-version", API_CMD_QUERY_VERSION, 0, { { 0 } } },
	{ "query-host", API_CMD_QUERY_HOST, 0, { { 0 } } },
	{ "query-commands", API_CMD_QUERY_COMMANDS, 0, { { 0 } } },
	{ "query-metrics", API_CMD_QUERY_METRICS, 0, { { 0 } } },
	{ "vm-create", API_CMD_VM_CREATE, 0,
	    { { "spec", API_OBJECT, true, 0, 0 } } },
	{ "vm-start", API_CMD_VM_START, 0, { VM_ARG } },
	{ "vm-pause", API_CMD_VM_PAUSE, 0, { VM_ARG } },
	{ "vm-resume", API_CMD_VM_RESUME, 0, { VM_ARG } },
	{ "vm-stop", API_CMD_VM_STOP, 0,
	    { VM_ARG, { "force", API_BOOLEAN, false, 0, 0 } } },
	{ "vm-kill", API_CMD_VM_KILL, 0, { VM_ARG } },
	{ "vm-delete", API_CMD_VM_DELETE, 0, { VM_ARG } },
	{ "vm-list", API_CMD_VM_LIST, 0, { { 0 } } },
	{ "vm-info", API_CMD_VM_INFO, 0, { VM_ARG } },
	{ "console-attach", API_CMD_CONSOLE_ATTACH, 0,
	    { VM_ARG, { "encoding", API_STRING, false, 4, 6 } } },
	{ "console-detach", API_CMD_CONSOLE_DETACH, 0, { VM_ARG } },
	{ "console-write", API_CMD_CONSOLE_WRITE, 0,
	    { VM_ARG, { "data", API_STRING, false, 1, 4096 },
	      { "base64", API_STRING, false, 4, BASE64_LENGTH(4096) } } },
	{ "events-subscribe", API_CMD_EVENTS_SUBSCRIBE, 0,
	    { { "events", API_ARRAY, true, 0, 0 } } },
	{ "getfd", API_CMD_GETFD, 0,
	    { { "fdname", API_STRING, true, 1, 31 } } },
	{ "closefd", API_CMD_CLOSEFD, 0,
	    { { "fdname", API_STRING, true, 1, 31 } } },
	{ "x-forbidden-syscall", API_CMD_X_FORBIDDEN_SYSCALL, API_TEST_HOOK,
	    { VM_ARG } },
	{ "vm-snapshot", API_CMD_VM_SNAPSHOT, 0,
	    { VM_ARG, { "state", API_STRING, true, 1, 1023 },
	      { "memory", API_STRING, true, 1, 1023 } } },
	{ "vm-restore", API_CMD_VM_RESTORE, 0,
	    { { "spec", API_OBJECT, true, 0, 0 },
	      { "start", API_BOOLEAN, false, 0, 0 } } },
	{ "vm-clone", API_CMD_VM_CLONE, 0,
	    { { "spec", API_OBJECT, true, 0, 0 },
	      { "count", API_INTEGER, true, 1, VM_CLONES_MAX },
	      { "start", API_BOOLEAN, false, 0, 0 } } },
};
const size_t api_command_count = sizeof(api_commands) / sizeof(api_commands[0]);

const char *const api_events[] = {
	"VM_CREATED", "VM_STARTING", "VM_RUNNING", "VM_PAUSED", "VM_RESUMED",
	"VM_STOPPING", "VM_STOPPED", "VM_CRASHED", "VM_DELETED", "CONSOLE",
	"VM_SNAPSHOT",
};
const size_t api_event_count = sizeof(api_events) / sizeof(api_events[0]);

int
api_event_index(const char *name)
{
	size_t i;

	for (i = 0; i < api_event_count; i++)
		if (strcmp(api_events[i], name) == 0)
			return (int)i;
	return -1;
}

int64_t
api_event_mask(const json_t *array, struct api_error *error)
{
	int64_t mask = 0;
	json_t *name;
	size_t i;
	int index;

	json_array_foreach(array, i, name) {
		index = json_is_string(name) ?
		    api_event_index(json_string_value(name)) : -1;
		if (index < 0) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT,
			    "events-subscribe: events[%zu] is not the name of an "
			    "event", i);
			return -1;
		}
		mask |= 1ll << index;
	}
	return mask;
}

static const char *const error_class_names[API_ERROR_CLASS_COUNT] = {
	[API_ERROR_GENERIC] = "GenericError",
	[API_ERROR_JSON] = "JSONError",
	[API_ERROR_TOO_LARGE] = "MessageTooLarge",
	[API_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
	[API_ERROR_INVALID_ARGUMENT] = "InvalidArgument",
	[API_ERROR_NOT_NEGOTIATED] = "NotNegotiated",
	[API_ERROR_VM_NOT_FOUND] = "VMNotFound",
	[API_ERROR_VM_EXISTS] = "VMExists",
	[API_ERROR_WRONG_STATE] = "WrongState",
	[API_ERROR_LIMIT] = "LimitExceeded",
	[API_ERROR_PERMISSION] = "PermissionDenied",
	[API_ERROR_NO_KVM] = "NoKVM",
};

static const char *const type_names[] = {
	[API_STRING] = "a string", [API_INTEGER] = "an integer",
	[API_BOOLEAN] = "a boolean", [API_OBJECT] = "an object",
	[API_ARRAY] = "an array",
};

const char *
api_error_class_name(enum api_error_class class)
{
	if ((unsigned int)class >= API_ERROR_CLASS_COUNT)
		return "GenericError";
	return error_class_names[class];
}

void
api_error_set(struct api_error *error, enum api_error_class class,
    const char *format, ...)
{
	va_list ap;

	error->class = class;
	va_start(ap, format);
	vsnprintf(error->desc, sizeof(error->desc), format, ap);
	va_end(ap);
}

static int
table_fail(char *error, size_t error_size, const struct api_command *command,
    const char *why)
{
	snprintf(error, error_size, "command table: entry '%s': %s",
	    command->name != NULL ? command->name : "(null)", why);
	return -1;
}

static int
args_validate(const struct api_command *command, char *error, size_t size)
{
	const struct api_arg *arg, *other;

	for (arg = command->args; arg < command->args + API_ARGS_MAX &&
	    arg->name != NULL; arg++) {
		if (arg->type > API_ARRAY)
			return table_fail(error, size, command, "an argument of no known type");
		if (arg->min > arg->max)
			return table_fail(error, size, command, "an argument range min > max");
		for (other = command->args; other < arg; other++)
			if (strcmp(other->name, arg->name) == 0)
				return table_fail(error, size, command,
				    "an argument named twice");
	}
	return 0;
}

/* Each entry named, in order of its id, with unique names and sane args. */
int
api_table_validate(const struct api_command *table, size_t count, char *error,
    size_t error_size)
{
	size_t i, j;

	if (count != API_CMD_COUNT) {
		snprintf(error, error_size, "command table: %zu entries for %d "
		    "commands", count, API_CMD_COUNT);
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (table[i].name == NULL || table[i].name[0] == '\0')
			return table_fail(error, error_size, &table[i], "no name");
		if (table[i].id != (enum api_command_id)i)
			return table_fail(error, error_size, &table[i],
			    "its id is not its index");
		for (j = 0; j < i; j++)
			if (strcmp(table[i].name, table[j].name) == 0)
				return table_fail(error, error_size, &table[i],
				    "named twice");
		if (args_validate(&table[i], error, error_size) < 0)
			return -1;
	}
	return 0;
}

const struct api_command *
api_command_find(const char *name)
{
	size_t i;

	for (i = 0; i < api_command_count; i++)
		if (strcmp(api_commands[i].name, name) == 0)
			return &api_commands[i];
	return NULL;
}

static bool
type_matches(enum api_type type, const json_t *value)
{
	switch (type) {
	case API_STRING:
		return json_is_string(value);
	case API_INTEGER:
		return json_is_integer(value);
	case API_BOOLEAN:
		return json_is_boolean(value);
	case API_OBJECT:
		return json_is_object(value);
	case API_ARRAY:
		return json_is_array(value);
	}
	return false;
}

static int
arg_check(const struct api_command *command, const struct api_arg *arg,
    const json_t *value, struct api_error *error)
{
	int64_t n;

	if (!type_matches(arg->type, value)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT,
		    "%s: argument '%s' must be %s", command->name, arg->name,
		    type_names[arg->type]);
		return -1;
	}
	if (arg->min == 0 && arg->max == 0)
		return 0;
	n = arg->type == API_STRING ? (int64_t)json_string_length(value) :
	    arg->type == API_INTEGER ? json_integer_value(value) : 0;
	if ((arg->type == API_STRING || arg->type == API_INTEGER) &&
	    (n < arg->min || n > arg->max)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT,
		    "%s: argument '%s' %s %" PRId64 ", outside %" PRId64 "..%" PRId64,
		    command->name, arg->name, arg->type == API_STRING ?
		    "has length" : "is", n, arg->min, arg->max);
		return -1;
	}
	return 0;
}

int
api_arguments_validate(const struct api_command *command, json_t *arguments,
    struct api_error *error)
{
	const struct api_arg *arg;
	const char *key;
	json_t *value;

	json_object_foreach(arguments, key, value) {
		for (arg = command->args; arg < command->args + API_ARGS_MAX &&
		    arg->name != NULL; arg++)
			if (strcmp(arg->name, key) == 0)
				break;
		if (arg == command->args + API_ARGS_MAX || arg->name == NULL) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT,
			    "%s: unknown argument '%s'", command->name, key);
			return -1;
		}
		if (arg_check(command, arg, value, error) < 0)
			return -1;
	}
	for (arg = command->args; arg < command->args + API_ARGS_MAX &&
	    arg->name != NULL; arg++)
		if (arg->required && json_object_get(arguments, arg->name) == NULL) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT,
			    "%s: missing argument '%s'", command->name,
			    arg->name);
			return -1;
		}
	return 0;
}

int
api_negotiation_check(bool negotiated, const struct api_command *command,
    struct api_error *error)
{
	bool before = (command->flags & API_BEFORE_NEGOTIATION) != 0;

	if (!negotiated && !before) {
		api_error_set(error, API_ERROR_NOT_NEGOTIATED, "expecting "
		    "capabilities negotiation with 'qmp_capabilities'");
		return -1;
	}
	if (negotiated && before) {
		api_error_set(error, API_ERROR_COMMAND_NOT_FOUND,
		    "capabilities negotiation is already complete");
		return -1;
	}
	return 0;
}

int
api_capabilities_check(const json_t *arguments, struct api_error *error)
{
	json_t *enable = json_object_get(arguments, "enable");

	if (json_array_size(enable) > 0) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT,
		    "qmp_capabilities: capability '%.64s' is not offered",
		    json_is_string(json_array_get(enable, 0)) ?
		    json_string_value(json_array_get(enable, 0)) : "?");
		return -1;
	}
	return 0;
}

static int
request_fields(json_t *message, json_t **execute, json_t **arguments,
    struct api_error *error)
{
	const char *key;
	json_t *value;

	*execute = *arguments = NULL;
	json_object_foreach(message, key, value) {
		if (strcmp(key, "execute") == 0)
			*execute = value;
		else if (strcmp(key, "arguments") == 0)
			*arguments = value;
		else if (strcmp(key, "id") != 0) {
			api_error_set(error, API_ERROR_JSON,
			    "unknown member '%s' in the request (expected "
			    "execute, arguments, id)", key);
			return -1;
		}
	}
	if (*execute == NULL || !json_is_string(*execute)) {
		api_error_set(error, API_ERROR_JSON, "the request has no "
		    "'execute' string");
		return -1;
	}
	if (*arguments != NULL && !json_is_object(*arguments)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT,
		    "'arguments' must be an object");
		return -1;
	}
	return 0;
}

int
api_request_parse(const char *line, size_t length, json_t **message,
    struct api_request *request, struct api_error *error)
{
	json_error_t json_error;
	json_t *execute, *arguments;

	memset(request, 0, sizeof(*request));
	*message = json_loadb(line, length, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, &json_error);
	if (*message == NULL) {
		api_error_set(error, API_ERROR_JSON, "not JSON: %s at "
		    "column %d", json_error.text, json_error.column);
		return -1;
	}
	if (!json_is_object(*message)) {
		api_error_set(error, API_ERROR_JSON, "the message is JSON but "
		    "not an object");
		return -1;
	}
	request->id = json_object_get(*message, "id");
	if (request_fields(*message, &execute, &arguments, error) < 0)
		return -1;
	request->command = api_command_find(json_string_value(execute));
	if (request->command == NULL) {
		api_error_set(error, API_ERROR_COMMAND_NOT_FOUND,
		    "the command '%.64s' has not been found",
		    json_string_value(execute));
		return -1;
	}
	if (arguments == NULL) {
		arguments = json_object();
		json_object_set_new(*message, "arguments", arguments);
	}
	request->arguments = arguments;
	return api_arguments_validate(request->command, arguments, error);
}

static char *
render(json_t *message)
{
	char *text, *line;
	size_t length;

	if (message == NULL)
		return NULL;
	text = json_dumps(message, JSON_COMPACT);
	json_decref(message);
	if (text == NULL)
		return NULL;
	length = strlen(text);
	line = realloc(text, length + 2);
	if (line == NULL) {
		free(text);
		return NULL;
	}
	line[length] = '\n';
	line[length + 1] = '\0';
	return line;
}

char *
api_greeting(void)
{
	return render(json_pack("{s:{s:{s:{s:i,s:i,s:i},s:s},s:[]}}", "QMP",
	    "version", "qemu", "major", API_VERSION_MAJOR, "minor",
	    API_VERSION_MINOR, "micro", 0, "package", "vmmd " VMMD_API_PACKAGE,
	    "capabilities"));
}

static json_t *
with_id(json_t *message, json_t *id)
{
	if (message != NULL && id != NULL)
		json_object_set(message, "id", id);
	return message;
}

char *
api_reply(json_t *value, json_t *id)
{
	return render(with_id(json_pack("{s:o}", "return",
	    value != NULL ? value : json_object()), id));
}

char *
api_error_reply(const struct api_error *error, json_t *id)
{
	return render(with_id(json_pack("{s:{s:s,s:s}}", "error", "class",
	    api_error_class_name(error->class), "desc", error->desc), id));
}

char *
api_event(const char *name, json_t *data)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return render(json_pack("{s:s,s:o,s:{s:I,s:I}}", "event", name, "data",
	    data != NULL ? data : json_object(), "timestamp", "seconds",
	    (json_int_t)now.tv_sec, "microseconds", (json_int_t)now.tv_usec));
}
