/* A client connection's bytes: what it sent waits in an input buffer for
 * the framing; replies go straight to the socket while it takes them, and
 * only what it does not take waits behind a write event. */
#ifndef VMMD_CLIENT_IO_H
#define VMMD_CLIENT_IO_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>
#include <event2/event.h>

struct client_io {
	int fd;
	struct event *read_event;	/* persistent while reading */
	struct event *write_event;	/* pending while output waits */
	struct evbuffer *input;
	struct evbuffer *output;
	bool corked;			/* replies gather until uncorked */
	bool broken;			/* a write failed: the peer is gone */
};

int client_io_init(struct client_io *io, struct event_base *base, int fd,
    event_callback_fn on_readable, void *context);
void client_io_free(struct client_io *io);
/* The fds one read brought (SCM_RIGHTS): the caller owns them. */
#define CLIENT_IO_FDS_MAX	16
struct client_io_fds {
	int fd[CLIENT_IO_FDS_MAX];
	unsigned int count;
	bool truncated;		/* more came: those are closed */
};

int client_io_fill(struct client_io *io, struct client_io_fds *fds);
void client_io_queue(struct client_io *io, const char *bytes, size_t length);
void client_io_cork(struct client_io *io);
void client_io_uncork(struct client_io *io);
size_t client_io_pending(const struct client_io *io);
void client_io_stop_reading(struct client_io *io);
void client_io_drain(struct client_io *io, int tries);

#endif
