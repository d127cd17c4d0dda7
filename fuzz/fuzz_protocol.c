/* libFuzzer target: the control protocol as one connection sees it. The
 * input is a byte stream cut into arrivals (the first byte sets their
 * size, the second the message size limit); the stream framer
 * (api_stream_next, QMP's framing: a message ends where its JSON value
 * closes, newline or not) splits it into messages, each is parsed and validated
 * (JSON, execute/arguments/id, the command table, argument types and
 * ranges), passes the negotiation gate, and what needs no VM or event loop
 * runs: capabilities, event masks, VM specs (which must render back to the
 * same spec), getfd/closefd on a table of passed fds (stand-ins: duplicates
 * of /dev/null, one arriving with each message, none leaked). Every reply must be one line of JSON carrying the request's
 * id. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/framing.h"
#include "../api/protocol.h"
#include "../api/vm_spec.h"
#include "../vmmd/client_fds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct api_vm_limits limits = { 8, 4096 };
static struct api_vm_spec spec, again;

/* One line ending in its only newline, a JSON object with the given id. */
static void
check_reply(char *line, json_t *id)
{
	size_t length;
	json_t *reply;

	if (line == NULL)
		__builtin_trap();
	length = strlen(line);
	if (length == 0 || line[length - 1] != '\n' ||
	    memchr(line, '\n', length - 1) != NULL)
		__builtin_trap();
	reply = json_loadb(line, length, 0, NULL);
	if (!json_is_object(reply) || (id != NULL &&
	    !json_equal(json_object_get(reply, "id"), id)))
		__builtin_trap();
	json_decref(reply);
	free(line);
}

static struct client_fds passed;

/* getfd and closefd as client.c serves them: a refusal says why, a named
 * fd is found under its name and nowhere else. */
static json_t *
fd_command(const struct api_request *request, struct api_error *error)
{
	const char *name = json_string_value(json_object_get(
	    request->arguments, "fdname"));
	char why[160];

	if (request->command->id == API_CMD_CLOSEFD) {
		if (client_fds_close(&passed, name) < 0) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT, "no fd "
			    "is named '%.32s'", name);
			return NULL;
		}
		if (client_fds_peek(&passed, name) >= 0)
			__builtin_trap();
		return json_object();
	}
	if (client_fds_name(&passed, name, why, sizeof(why)) < 0) {
		if (why[0] == '\0')
			__builtin_trap();
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "%s", why);
		return NULL;
	}
	if (!client_fd_name_valid(name) || client_fds_peek(&passed, name) < 0)
		__builtin_trap();
	return json_object();
}

static json_t *
vm_create(const struct api_request *request, struct api_error *error)
{
	json_t *json;

	if (api_vm_spec_parse(json_object_get(request->arguments, "spec"),
	    &limits, &spec, error) < 0)
		return NULL;
	json = api_vm_spec_json(&spec);
	if (api_vm_spec_parse(json, &limits, &again, error) < 0 ||
	    memcmp(&spec, &again, sizeof(spec)) != 0)
		__builtin_trap();
	return json;
}

/* What the daemon's dispatch does short of the VM registry. */
static json_t *
run(const struct api_request *request, bool *negotiated,
    struct api_error *error)
{
	int64_t mask;

	if (api_negotiation_check(*negotiated, request->command, error) < 0)
		return NULL;
	switch (request->command->id) {
	case API_CMD_QMP_CAPABILITIES:
		if (api_capabilities_check(request->arguments, error) < 0)
			return NULL;
		*negotiated = true;
		return json_object();
	case API_CMD_EVENTS_SUBSCRIBE:
		mask = api_event_mask(json_object_get(request->arguments,
		    "events"), error);
		if (mask > API_EVENTS_ALL)
			__builtin_trap();
		return mask < 0 ? NULL : json_pack("{s:I}", "mask",
		    (json_int_t)mask);
	case API_CMD_VM_CREATE:
		return vm_create(request, error);
	case API_CMD_GETFD:
	case API_CMD_CLOSEFD:
		return fd_command(request, error);
	default:
		if (request->command->args[0].name != NULL &&
		    request->command->args[0].required &&
		    json_object_get(request->arguments,
		    request->command->args[0].name) == NULL)
			__builtin_trap();	/* validated as present */
		return json_object();
	}
}

static void
handle_line(const char *line, size_t length, bool *negotiated)
{
	struct api_request request;
	struct api_error error;
	json_t *message = NULL, *result, *id;

	length = api_line_trim(line, length);
	if (length == 0)
		return;
	if (api_request_parse(line, length, &message, &request, &error) < 0) {
		id = json_is_object(message) ? json_object_get(message, "id") :
		    NULL;
		check_reply(api_error_reply(&error, id), id);
	} else {
		error.class = API_ERROR_CLASS_COUNT;
		result = run(&request, negotiated, &error);
		if (result == NULL && error.class >= API_ERROR_CLASS_COUNT)
			__builtin_trap();	/* a refusal must say why */
		check_reply(result != NULL ? api_reply(result, request.id) :
		    api_error_reply(&error, request.id), request.id);
	}
	json_decref(message);
}

/* What the framer may return for what the connection holds: a WAIT only
 * under the limit, progress otherwise, a message within the limit and, when
 * it starts as a value, ending as one. */
static void
check_frame(const struct api_frame *frame, const uint8_t *bytes,
    size_t buffered, size_t limit)
{
	if (frame->action == API_FRAME_WAIT) {
		if (frame->consume != 0 || buffered > limit)
			__builtin_trap();
		return;
	}
	if (frame->consume == 0 || frame->consume > buffered ||
	    (frame->action == API_FRAME_LINE && (frame->length > limit ||
	    frame->length == 0)) ||
	    (frame->action == API_FRAME_TOO_LARGE && frame->length <= limit))
		__builtin_trap();
	if (frame->action == API_FRAME_LINE && (bytes[0] == '{' ||
	    bytes[0] == '[') && bytes[frame->length - 1] != '}' &&
	    bytes[frame->length - 1] != ']')
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, limit, buffered = 0, start = 0, arrived;
	struct api_stream stream;
	bool negotiated = false;
	struct api_frame frame;
	static int null_fd = -1;
	int lowest;

	if (size < 2)
		return 0;
	if (null_fd < 0 && (null_fd = open("/dev/null", O_RDONLY |
	    O_CLOEXEC)) < 0)
		__builtin_trap();
	lowest = dup(null_fd);
	close(lowest);
	client_fds_init(&passed);
	chunk = 1 + data[0] * 4u;
	limit = 16 + data[1] * 8u;
	data += 2;
	size -= 2;
	memset(&stream, 0, sizeof(stream));
	/* data[start .. start + buffered) is what the connection holds */
	for (arrived = 0; arrived < size; ) {
		arrived += size - arrived < chunk ? size - arrived : chunk;
		client_fds_arrived(&passed, dup(null_fd));
		buffered = arrived - start;
		while (buffered > 0) {
			frame = api_stream_next(&stream, (const char *)data + start,
			    buffered, limit);
			check_frame(&frame, data + start, buffered, limit);
			if (frame.action == API_FRAME_WAIT)
				break;
			if (frame.action == API_FRAME_LINE)
				handle_line((const char *)data + start,
				    frame.length, &negotiated);
			start += frame.consume;
			buffered -= frame.consume;
		}
	}
	client_fds_release(&passed);
	if (dup(null_fd) != lowest)
		__builtin_trap();	/* a passed fd leaked */
	close(lowest);
	return 0;
}
