/* vmmctl's connection: a blocking Unix socket read line by line with a
 * deadline, the greeting, qmp_capabilities, and ids that match replies. */
#include "connection.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long
now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int
connection_send_raw(struct connection *connection, const char *text,
    size_t length)
{
	ssize_t n;

	while (length > 0) {
		n = send(connection->fd, text, length, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		length -= (size_t)n;
	}
	return 0;
}

/* The first bytes of a request carry fd (SCM_RIGHTS) when it is >= 0. */
static int
send_with_fd(struct connection *connection, const char *text, size_t length,
    int fd)
{
	union {
		char buffer[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)text, length };
	struct msghdr message = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buffer,
		.msg_controllen = sizeof(control.buffer),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
	ssize_t n;

	if (fd < 0)
		return connection_send_raw(connection, text, length);
	memset(control.buffer, 0, sizeof(control.buffer));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	do {
		n = sendmsg(connection->fd, &message, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	return connection_send_raw(connection, text + n, length - (size_t)n);
}

static json_t *
take_line(struct connection *connection)
{
	/* Before the first read the buffer is NULL: no memchr on it. */
	char *newline = connection->length == 0 ? NULL :
	    memchr(connection->buffer, '\n', connection->length);
	size_t used;
	json_t *message;

	if (newline == NULL)
		return NULL;
	used = (size_t)(newline - connection->buffer) + 1;
	message = json_loadb(connection->buffer, used - 1, 0, NULL);
	memmove(connection->buffer, connection->buffer + used,
	    connection->length - used);
	connection->length -= used;
	return message != NULL ? message : json_null();
}

json_t *
connection_read(struct connection *connection, int timeout_ms, int *timed_out)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = connection->fd, .events = POLLIN };
	json_t *message;
	ssize_t n;
	int wait;

	*timed_out = 0;
	for (;;) {
		if ((message = take_line(connection)) != NULL)
			return message;
		if (connection->length == connection->size) {
			connection->size = connection->size ? connection->size * 2 : 65536;
			connection->buffer = realloc(connection->buffer,
			    connection->size);
			if (connection->buffer == NULL)
				return NULL;
		}
		wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && wait <= 0) {
			*timed_out = 1;
			return NULL;
		}
		if (poll(&pfd, 1, wait) == 0)
			continue;
		n = recv(connection->fd, connection->buffer + connection->length,
		    connection->size - connection->length, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		connection->length += (size_t)n;
	}
}

int
connection_open(struct connection *connection, const char *path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	json_t *greeting, *reply;
	int timed_out;

	memset(connection, 0, sizeof(*connection));
	connection->events = json_array();
	if (strlen(path) >= sizeof(address.sun_path))
		return -1;
	strcpy(address.sun_path, path);
	connection->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connection->fd < 0 || connect(connection->fd,
	    (struct sockaddr *)&address, sizeof(address)) < 0)
		return -1;
	greeting = connection_read(connection, 10000, &timed_out);
	if (!json_is_object(json_object_get(greeting, "QMP"))) {
		if (json_object_get(greeting, "error") != NULL)
			fprintf(stderr, "vmmctl: %s\n", json_string_value(
			    json_object_get(json_object_get(greeting, "error"),
			    "desc")));
		json_decref(greeting);
		return -1;
	}
	json_decref(greeting);
	reply = connection_execute(connection, "qmp_capabilities", NULL);
	if (json_object_get(reply, "return") == NULL) {
		json_decref(reply);
		return -1;
	}
	json_decref(reply);
	return 0;
}

void
connection_close(struct connection *connection)
{
	if (connection->fd >= 0)
		close(connection->fd);
	free(connection->buffer);
	json_decref(connection->events);
}

json_t *
connection_execute(struct connection *connection, const char *execute,
    json_t *arguments)
{
	return connection_execute_fd(connection, execute, arguments, -1);
}

json_t *
connection_execute_fd(struct connection *connection, const char *execute,
    json_t *arguments, int fd)
{
	unsigned int id = ++connection->next_id;
	json_t *request, *message;
	char *text, *line;
	int rc, timed_out;

	request = json_pack("{s:s,s:o,s:i}", "execute", execute, "arguments",
	    arguments != NULL ? arguments : json_object(), "id", (int)id);
	text = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	line = text != NULL ? malloc(strlen(text) + 2) : NULL;
	if (line == NULL) {
		free(text);
		return NULL;
	}
	sprintf(line, "%s\n", text);	/* one send: the fd goes with it */
	free(text);
	rc = send_with_fd(connection, line, strlen(line), fd);
	free(line);
	if (rc < 0)
		return NULL;
	for (;;) {
		message = connection_read(connection, -1, &timed_out);
		if (message == NULL)
			return NULL;
		if (json_object_get(message, "event") != NULL) {
			json_array_append_new(connection->events, message);
			continue;
		}
		if (json_integer_value(json_object_get(message, "id")) == id)
			return message;
		json_decref(message);
	}
}

json_t *
connection_next_event(struct connection *connection, int timeout_ms,
    int *timed_out)
{
	json_t *message;

	*timed_out = 0;
	if (json_array_size(connection->events) > 0) {
		message = json_incref(json_array_get(connection->events, 0));
		json_array_remove(connection->events, 0);
		return message;
	}
	for (;;) {
		message = connection_read(connection, timeout_ms, timed_out);
		if (message == NULL || json_object_get(message, "event") != NULL)
			return message;
		json_decref(message);
	}
}
