/* The control protocol's wire format (QMP framing): the greeting, requests,
 * the command table and argument validation, replies, errors and events.
 * JSON in, JSON out: no sockets, no KVM. */
#ifndef VMMD_API_PROTOCOL_H
#define VMMD_API_PROTOCOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_VERSION_MAJOR	1
#define API_VERSION_MINOR	0

/* Error classes: part of the protocol, documented in docs/protocol.md. */
enum api_error_class {
	API_ERROR_GENERIC,
	API_ERROR_JSON,			/* not JSON, or not an object */
	API_ERROR_TOO_LARGE,		/* a message over the size limit */
	API_ERROR_COMMAND_NOT_FOUND,
	API_ERROR_INVALID_ARGUMENT,
	API_ERROR_NOT_NEGOTIATED,	/* a command before qmp_capabilities */
	API_ERROR_VM_NOT_FOUND,
	API_ERROR_VM_EXISTS,
	API_ERROR_WRONG_STATE,
	API_ERROR_LIMIT,
	API_ERROR_PERMISSION,
	API_ERROR_NO_KVM,
	API_ERROR_CLASS_COUNT,
};

enum api_type {
	API_STRING,
	API_INTEGER,
	API_BOOLEAN,
	API_OBJECT,
	API_ARRAY,
};

struct api_arg {
	const char *name;
	enum api_type type;
	bool required;
	int64_t min, max;		/* integers: the range; strings: length */
};

#define API_ARGS_MAX	8

enum api_command_flags {
	API_BEFORE_NEGOTIATION = 1 << 0,	/* only then */
	API_TEST_HOOK = 1 << 1,		/* only with the daemon's test_hooks */
};

enum api_command_id {
	API_CMD_QMP_CAPABILITIES,
	API_CMD_QUERY_VERSION,
	API_CMD_QUERY_HOST,
	API_CMD_QUERY_COMMANDS,
	API_CMD_QUERY_METRICS,
	API_CMD_VM_CREATE,
	API_CMD_VM_START,
	API_CMD_VM_PAUSE,
	API_CMD_VM_RESUME,
	API_CMD_VM_STOP,
	API_CMD_VM_KILL,
	API_CMD_VM_DELETE,
	API_CMD_VM_LIST,
	API_CMD_VM_INFO,
	API_CMD_CONSOLE_ATTACH,
	API_CMD_CONSOLE_DETACH,
	API_CMD_CONSOLE_WRITE,
	API_CMD_EVENTS_SUBSCRIBE,
	API_CMD_GETFD,
	API_CMD_CLOSEFD,
	API_CMD_X_FORBIDDEN_SYSCALL,	/* a test hook */
	API_CMD_VM_SNAPSHOT,
	API_CMD_VM_RESTORE,
	API_CMD_VM_CLONE,
	API_CMD_COUNT,
};

struct api_command {
	const char *name;
	enum api_command_id id;
	unsigned int flags;
	struct api_arg args[API_ARGS_MAX];	/* ended by a NULL name */
};

struct api_error;

/* The events, by name; a connection's subscription is a mask of them. */
extern const char *const api_events[];
extern const size_t api_event_count;
#define API_EVENTS_ALL	((1u << api_event_count) - 1)

int api_event_index(const char *name);
/* The mask of the names in array, or -1 with error naming the first bad one. */
int64_t api_event_mask(const json_t *array, struct api_error *error);

extern const struct api_command api_commands[];
extern const size_t api_command_count;

/* A request, parsed and validated: the command and its arguments (a
 * borrowed reference into the message), and its id (borrowed, or NULL). */
struct api_request {
	const struct api_command *command;
	json_t *arguments;
	json_t *id;
};

struct api_error {
	enum api_error_class class;
	char desc[256];
};

int api_table_validate(const struct api_command *table, size_t count,
    char *error, size_t error_size);
const struct api_command *api_command_find(const char *name);
const char *api_error_class_name(enum api_error_class class);

/* Parses one line (no newline) into *message and *request; on failure
 * fills *error and returns -1, with *message kept when it parsed so that
 * the reply can carry its id. */
int api_request_parse(const char *line, size_t length, json_t **message,
    struct api_request *request, struct api_error *error);
/* Whether a connection, negotiated or not, may run command now:
 * qmp_capabilities first, and only once. */
int api_negotiation_check(bool negotiated, const struct api_command *command,
    struct api_error *error);
/* qmp_capabilities' arguments: no capability is offered. */
int api_capabilities_check(const json_t *arguments, struct api_error *error);
int api_arguments_validate(const struct api_command *command,
    json_t *arguments, struct api_error *error);
void api_error_set(struct api_error *error, enum api_error_class class,
    const char *format, ...) __attribute__((format(printf, 3, 4)));

/* The messages, rendered as one line each with a newline; malloc'ed. */
char *api_greeting(void);
char *api_reply(json_t *value, json_t *id);	/* steals value */
char *api_error_reply(const struct api_error *error, json_t *id);
char *api_event(const char *name, json_t *data);	/* steals data */

#endif
