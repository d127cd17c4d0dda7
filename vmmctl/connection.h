/* vmmctl's side of the protocol: connect, negotiate, send a command, read
 * its reply, and keep the events that arrive meanwhile. */
#ifndef VMMCTL_CONNECTION_H
#define VMMCTL_CONNECTION_H

#include <jansson.h>
#include <stddef.h>

enum vmmctl_exit {
	VMMCTL_OK = 0,
	VMMCTL_ERROR_REPLY = 1,	/* the daemon refused the command */
	VMMCTL_USAGE = 2,
	VMMCTL_UNREACHABLE = 3,	/* no daemon, or it broke the protocol */
	VMMCTL_TIMEOUT = 4,	/* --wait-for, --until or wait ran out */
};

struct connection {
	int fd;
	char *buffer;
	size_t length, size;
	json_t *events;		/* received, not yet consumed */
	unsigned int next_id;
};

int connection_open(struct connection *connection, const char *path);
void connection_close(struct connection *connection);
/* The next message, or NULL on timeout (*timed_out) or a broken stream. */
json_t *connection_read(struct connection *connection, int timeout_ms,
    int *timed_out);
/* Sends execute with arguments (stolen), returns the reply; events that
 * came first are queued. */
json_t *connection_execute(struct connection *connection, const char *execute,
    json_t *arguments);
/* The same, with fd passed along (SCM_RIGHTS) for getfd. */
json_t *connection_execute_fd(struct connection *connection,
    const char *execute, json_t *arguments, int fd);
int connection_send_raw(struct connection *connection, const char *text,
    size_t length);
/* The next event, queued or read; NULL on timeout or a broken stream. */
json_t *connection_next_event(struct connection *connection, int timeout_ms,
    int *timed_out);

#endif
