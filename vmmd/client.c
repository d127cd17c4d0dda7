/* One client connection: its credentials, the line framing with the size
 * limit, capability negotiation, and the commands that need no VM. A client
 * that does not read its replies is dropped once its queue passes the
 * limit, so it never holds the daemon or the other clients back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "../api/framing.h"
#include "../core/log.h"
#include "daemon.h"
#include "vm_commands.h"

#ifndef VMMD_VERSION
#define VMMD_VERSION "unknown"
#endif

#define PEER_GROUPS_MAX	64

static bool
peer_in_group(int fd, gid_t primary, gid_t group)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t length = sizeof(groups);
	size_t i;

	if (primary == group)
		return true;
#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length) == 0)
		for (i = 0; i < length / sizeof(gid_t); i++)
			if (groups[i] == group)
				return true;
#else
	(void)fd;
	(void)groups;
	(void)length;
	(void)i;
#endif
	return false;
}

/* The same answer as a refused command, then the door closes. */
static void
refuse(struct daemon *daemon, int fd, enum api_error_class class,
    const char *desc)
{
	struct api_error error;
	char *line;

	api_error_set(&error, class, "%s", desc);
	daemon->counts.errors[class]++;
	line = api_error_reply(&error, NULL);
	if (line != NULL && write(fd, line, strlen(line)) < 0)
		log_debug("cannot tell a refused client why");
	free(line);
	close(fd);
}

static int
peer_check(struct daemon *daemon, int fd, struct ucred *peer)
{
	socklen_t length = sizeof(*peer);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, peer, &length) < 0) {
		log_warn("SO_PEERCRED");
		return -1;
	}
	if (peer->uid == 0 && daemon->config.allow_root)
		return 0;
	if (daemon->group_known && peer_in_group(fd, peer->gid,
	    daemon->group_gid))
		return 0;
	log_warnx("refused pid %d uid %u: neither %sa member of group %s",
	    (int)peer->pid, (unsigned int)peer->uid,
	    daemon->config.allow_root ? "root nor " : "", daemon->config.group);
	return -1;
}

static void client_readable_cb(evutil_socket_t fd, short what, void *context);

void
client_accept(struct daemon *daemon, int fd)
{
	struct client *client;
	struct ucred peer;
	char *greeting;

	if (peer_check(daemon, fd, &peer) < 0) {
		refuse(daemon, fd, API_ERROR_PERMISSION, "this user may not use vmmd: "
		    "see the daemon's allow_root and group settings");
		return;
	}
	if (daemon->client_count >= daemon->config.limits.clients) {
		log_warnx("refused pid %d: %u clients already (limits.clients)",
		    (int)peer.pid, daemon->client_count);
		refuse(daemon, fd, API_ERROR_LIMIT, "too many clients (limits.clients)");
		return;
	}
	client = calloc(1, sizeof(*client));
	if (client == NULL) {
		close(fd);
		return;
	}
	client->daemon = daemon;
	client->events = API_EVENTS_ALL;
	client->uid = peer.uid;
	client->pid = peer.pid;
	client_fds_init(&client->fds);
	evutil_make_socket_nonblocking(fd);
	if (client_io_init(&client->io, daemon->base, fd, client_readable_cb,
	    client) < 0) {
		free(client);
		return;
	}
	TAILQ_INSERT_TAIL(&daemon->clients, client, entry);
	daemon->client_count++;
	greeting = api_greeting();
	client_send(client, greeting);
}

void
client_free(struct client *client)
{
	struct daemon *daemon = client->daemon;

	vm_registry_forget_client(&daemon->registry, client);
	TAILQ_REMOVE(&daemon->clients, client, entry);
	daemon->client_count--;
	client_fds_release(&client->fds);
	client_io_free(&client->io);
	free(client);
}

static void
client_free_cb(evutil_socket_t fd, short what, void *context)
{
	struct daemon *daemon = context;
	struct client *client, *next;

	(void)fd;
	(void)what;
	for (client = TAILQ_FIRST(&daemon->clients); client != NULL;
	    client = next) {
		next = TAILQ_NEXT(client, entry);
		if (client->doomed)
			client_free(client);
	}
}

/* A client whose queue is over the limit does not read: it is marked and
 * freed from the loop, never from under the caller sending to it. */
void
client_send(struct client *client, char *line)
{
	size_t queued;

	if (line == NULL)
		return;
	queued = client_io_pending(&client->io);
	if (!client->doomed &&
	    queued > client->daemon->config.limits.output_bytes) {
		log_warnx("dropping the client of pid %d: it does not read its "
		    "replies (%zu bytes queued, limits.output_bytes)",
		    (int)client->pid, queued);
		client->doomed = true;
		client_io_stop_reading(&client->io);
		event_base_once(client->daemon->base, -1, EV_TIMEOUT,
		    client_free_cb, client->daemon, NULL);
	}
	if (!client->doomed)
		client_io_queue(&client->io, line, strlen(line));
	free(line);
}

/* Every error reply goes this way, counted by its class (query-metrics). */
static void
client_send_error(struct client *client, const struct api_error *error,
    json_t *id)
{
	if ((unsigned int)error->class < API_ERROR_CLASS_COUNT)
		client->daemon->counts.errors[error->class]++;
	client_send(client, api_error_reply(error, id));
}

void
client_reply(struct client *client, json_t *value, json_t *id)
{
	client_send(client, api_reply(value, id));
}

void
client_error(struct client *client, json_t *id, enum api_error_class class,
    const char *desc)
{
	struct api_error error;

	api_error_set(&error, class, "%s", desc);
	client_send_error(client, &error, id);
}

/* An event about a VM of owner's to every negotiated client that asked
 * for its kind and may see that VM (root, or owner). */
void
client_broadcast(void *context, uid_t owner, const char *event, json_t *data)
{
	struct daemon *daemon = context;
	int index = api_event_index(event);
	struct client *client;
	char *line = api_event(event, data);

	if (line == NULL)
		return;
	TAILQ_FOREACH(client, &daemon->clients, entry)
		if (client->negotiated && index >= 0 &&
		    (client->events & (1u << index)) &&
		    (client->uid == 0 || client->uid == owner))
			client_send(client, strdup(line));
	free(line);
}

void
client_console(struct client *client, const char *line)
{
	client_send(client, strdup(line));
}

bool
client_subscribed(const struct client *client, int event_index)
{
	return event_index >= 0 && (client->events & (1u << event_index));
}

uid_t
client_uid(const struct client *client)
{
	return client->uid;
}

/* The daemon's side of query-metrics: the registry adds the VMs. */
void
client_daemon_figures(void *context, struct api_metrics_daemon *figures)
{
	const struct daemon *daemon = context;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	figures->uptime_seconds = (double)(now.tv_sec -
	    daemon->counts.started.tv_sec) + (double)(now.tv_nsec -
	    daemon->counts.started.tv_nsec) / 1e9;
	figures->clients = daemon->client_count;
	figures->requests = daemon->counts.requests;
	memcpy(figures->errors, daemon->counts.errors, sizeof(figures->errors));
}

int
client_passed_fd(struct client *client, const char *name, bool take)
{
	return take ? client_fds_take(&client->fds, name) :
	    client_fds_peek(&client->fds, name);
}

static json_t *
commands_json(bool test_hooks)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < api_command_count; i++)
		if (test_hooks || !(api_commands[i].flags & API_TEST_HOOK))
				json_array_append_new(list, json_pack("{s:s}", "name",
			    api_commands[i].name));
	return list;
}

static void
negotiate(struct client *client, const struct api_request *request)
{
	struct api_error error;

	if (api_capabilities_check(request->arguments, &error) < 0) {
		client_send_error(client, &error, request->id);
		return;
	}
	client->negotiated = true;
	client_reply(client, NULL, request->id);
}

static void
subscribe(struct client *client, const struct api_request *request)
{
	json_t *events = json_object_get(request->arguments, "events");
	struct api_error error;
	int64_t mask = api_event_mask(events, &error);

	if (mask < 0) {
		client_send_error(client, &error, request->id);
		return;
	}
	client->events = (uint32_t)mask;
	client_reply(client, json_pack("{s:O}", "events", events), request->id);
}

static void
query_version(struct client *client, const struct api_request *request)
{
	client_reply(client, json_pack("{s:s,s:{s:i,s:i}}", "vmmd",
	    VMMD_VERSION, "protocol", "major", API_VERSION_MAJOR, "minor",
	    API_VERSION_MINOR), request->id);
}

static void
query_host(struct client *client, const struct api_request *request)
{
	if (client->daemon->host_report == NULL)
		client_error(client, request->id, API_ERROR_GENERIC,
		    "the host report could not be built at start");
	else
		client_reply(client, json_incref(client->daemon->host_report),
		    request->id);
}

static void
query_commands(struct client *client, const struct api_request *request)
{
	client_reply(client, commands_json(client->daemon->config.test_hooks),
	    request->id);
}

/* getfd: the oldest fd the client passed that has no name yet takes
 * fdname (QMP's getfd); a spec then names it "fd:NAME". */
static void
getfd(struct client *client, const struct api_request *request)
{
	const char *name = json_string_value(json_object_get(
	    request->arguments, "fdname"));
	char why[160];

	if (client_fds_name(&client->fds, name, why, sizeof(why)) < 0) {
		client_error(client, request->id, API_ERROR_INVALID_ARGUMENT,
		    why);
		return;
	}
	client_reply(client, NULL, request->id);
}

static void
closefd(struct client *client, const struct api_request *request)
{
	const char *name = json_string_value(json_object_get(
	    request->arguments, "fdname"));
	char why[96];

	if (client_fds_close(&client->fds, name) < 0) {
		snprintf(why, sizeof(why), "no fd is named '%.32s' (getfd)",
		    name);
		client_error(client, request->id, API_ERROR_INVALID_ARGUMENT,
		    why);
		return;
	}
	client_reply(client, NULL, request->id);
}

/* The commands that need no VM registry; the rest are the command
 * table's (vm_commands.c). daemon.c checks at start that every command of
 * the protocol has exactly one of the two. */
static const struct {
	enum api_command_id command;
	void (*handler)(struct client *client,
	    const struct api_request *request);
} own_commands[] = {
	{ API_CMD_QMP_CAPABILITIES, negotiate },
	{ API_CMD_QUERY_VERSION, query_version },
	{ API_CMD_QUERY_HOST, query_host },
	{ API_CMD_QUERY_COMMANDS, query_commands },
	{ API_CMD_EVENTS_SUBSCRIBE, subscribe },
	{ API_CMD_GETFD, getfd },
	{ API_CMD_CLOSEFD, closefd },
};
#define OWN_COMMAND_COUNT	(sizeof(own_commands) / sizeof(own_commands[0]))

const enum api_command_id client_commands[OWN_COMMAND_COUNT] = {
	API_CMD_QMP_CAPABILITIES, API_CMD_QUERY_VERSION, API_CMD_QUERY_HOST,
	API_CMD_QUERY_COMMANDS, API_CMD_EVENTS_SUBSCRIBE, API_CMD_GETFD,
	API_CMD_CLOSEFD,
};
const size_t client_command_count = OWN_COMMAND_COUNT;

static void
dispatch(struct client *client, const struct api_request *request)
{
	struct daemon *daemon = client->daemon;
	struct api_error error;
	size_t i;

	if ((request->command->flags & API_TEST_HOOK) &&
	    !daemon->config.test_hooks) {
		api_error_set(&error, API_ERROR_COMMAND_NOT_FOUND, "the command "
		    "'%s' has not been found", request->command->name);
		client_send_error(client, &error, request->id);
		return;
	}
	if (api_negotiation_check(client->negotiated, request->command,
	    &error) < 0) {
		client_send_error(client, &error, request->id);
		return;
	}
	for (i = 0; i < OWN_COMMAND_COUNT; i++)
		if (own_commands[i].command == request->command->id) {
			own_commands[i].handler(client, request);
			return;
		}
	vm_command_run(&daemon->registry, client, request);
}

static void
handle_line(struct client *client, const char *line, size_t length)
{
	struct api_request request;
	struct api_error error;
	json_t *message = NULL;

	length = api_line_trim(line, length);
	if (length == 0)
		return;
	client->daemon->counts.requests++;
	if (api_request_parse(line, length, &message, &request, &error) < 0)
		client_send_error(client, &error, json_is_object(message) ?
		    json_object_get(message, "id") : NULL);
	else
		dispatch(client, &request);
	json_decref(message);
}

/* exact: the message's end has been seen, so its whole size is known. */
static void
too_large(struct client *client, size_t length, bool exact)
{
	size_t limit = client->daemon->config.limits.message_bytes;
	struct api_error error;

	client->daemon->counts.requests++;
	api_error_set(&error, API_ERROR_TOO_LARGE, "a message of %s%zu bytes "
	    "is over the limit of %zu (limits.message_bytes): it is skipped to "
	    "its end", exact ? "" : "at least ", length, limit);
	client_send_error(client, &error, NULL);
}

/* Every whole message in the input, each answered in turn: QMP is a
 * stream of JSON values, so a message ends where its object closes,
 * newline or not (api_stream_next, as QEMU's JSON streamer). */
static void
frame(struct client *client)
{
	size_t limit = client->daemon->config.limits.message_bytes, length;
	struct evbuffer *input = client->io.input;
	const char *bytes;
	struct api_frame frame;

	while (!client->doomed && (length = evbuffer_get_length(input)) > 0) {
		bytes = (const char *)evbuffer_pullup(input, -1);
		frame = api_stream_next(&client->stream, bytes, length, limit);
		if (frame.action == API_FRAME_WAIT)
			return;	/* wait for the rest of the message */
		if (frame.action == API_FRAME_TOO_LARGE)
			too_large(client, frame.length, frame.whole);
		else if (frame.action == API_FRAME_LINE)
			handle_line(client, bytes, frame.length);
		evbuffer_drain(input, frame.consume);
	}
}

/* The replies to what one read brought go out in one write. */
static void
client_readable_cb(evutil_socket_t fd, short what, void *context)
{
	struct client *client = context;
	struct client_io_fds fds;
	int n = client_io_fill(&client->io, &fds);
	unsigned int i;

	/* They wait, in order, for the getfd that came with them: a line
	 * may end in a later read than the one that brought its fd. */
	for (i = 0; i < fds.count; i++)
		if (client_fds_arrived(&client->fds, fds.fd[i]) < 0)
			log_warnx("the client of pid %d passed more than %d fds "
			    "without naming them: the rest are closed",
			    (int)client->pid, CLIENT_FDS_MAX);
	if (fds.truncated)
		log_warnx("the client of pid %d passed more than %d fds in one "
		    "message: the rest are closed", (int)client->pid,
		    CLIENT_IO_FDS_MAX);
	(void)fd;
	(void)what;
	if (n == -2)
		return;
	if (n <= 0) {
		if (evbuffer_get_length(client->io.input) > 0)
			log_debug("the client of pid %d left in the middle of a "
			    "message", (int)client->pid);
		if (!client->doomed)
			client_free(client);
		return;
	}
	client_io_cork(&client->io);
	frame(client);
	client_io_uncork(&client->io);
}
