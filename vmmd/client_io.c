/* A client connection's bytes. A request costs one read and one write in
 * the common case: the read event stays armed, a reply is written as soon
 * as it is made (or, while the connection is corked to answer several
 * requests read at once, when it is uncorked), and the write event is armed
 * only for what the socket did not take. */
#include "client_io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENT_READ_CHUNK	4096

static void
flush(struct client_io *io)
{
	int n;

	while (!io->broken && evbuffer_get_length(io->output) > 0) {
		n = evbuffer_write(io->output, io->fd);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (errno == EAGAIN) {
				event_add(io->write_event, NULL);
				return;
			}
			continue;
		}
		io->broken = true;	/* its read side reports the end */
	}
	if (event_pending(io->write_event, EV_WRITE, NULL))
		event_del(io->write_event);
}

static void
writable_cb(evutil_socket_t fd, short what, void *context)
{
	(void)fd;
	(void)what;
	flush(context);
}

int
client_io_init(struct client_io *io, struct event_base *base, int fd,
    event_callback_fn on_readable, void *context)
{
	io->fd = fd;
	io->corked = io->broken = false;
	io->input = evbuffer_new();
	io->output = evbuffer_new();
	io->read_event = event_new(base, fd, EV_READ | EV_PERSIST, on_readable,
	    context);
	io->write_event = event_new(base, fd, EV_WRITE, writable_cb, io);
	if (io->input == NULL || io->output == NULL || io->read_event == NULL ||
	    io->write_event == NULL || event_add(io->read_event, NULL) < 0) {
		client_io_free(io);
		return -1;
	}
	return 0;
}

/* Closes the connection too. */
void
client_io_free(struct client_io *io)
{
	if (io->read_event != NULL)
		event_free(io->read_event);
	if (io->write_event != NULL)
		event_free(io->write_event);
	if (io->input != NULL)
		evbuffer_free(io->input);
	if (io->output != NULL)
		evbuffer_free(io->output);
	io->read_event = io->write_event = NULL;
	io->input = io->output = NULL;
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

/* The fds that came with those bytes (SCM_RIGHTS), close-on-exec; a
 * message that carried more than CLIENT_IO_FDS_MAX loses the rest (the
 * kernel closes them) and says so in *truncated. */
static unsigned int
received_fds(struct msghdr *message, int *fds, bool *truncated)
{
	struct cmsghdr *cmsg;
	unsigned int count = 0, i, n;

	*truncated = (message->msg_flags & MSG_CTRUNC) != 0;
	for (cmsg = CMSG_FIRSTHDR(message); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(message, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (unsigned int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			if (count < CLIENT_IO_FDS_MAX)
				fds[count++] = fd;
			else {
				close(fd);
				*truncated = true;
			}
		}
	}
	return count;
}

/* One read into the input buffer, with the fds that came along: >0 bytes
 * read, 0 at the peer's end, -1 on an error, -2 when there was nothing to
 * read after all. */
int
client_io_fill(struct client_io *io, struct client_io_fds *fds)
{
	union {
		char buffer[CMSG_SPACE(CLIENT_IO_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct evbuffer_iovec space;
	struct msghdr message;
	struct iovec iov;
	ssize_t n;

	fds->count = 0;
	fds->truncated = false;
	if (evbuffer_reserve_space(io->input, CLIENT_READ_CHUNK, &space, 1) < 1)
		return -1;
	iov = (struct iovec){ space.iov_base, CLIENT_READ_CHUNK };
	do {
		memset(&message, 0, sizeof(message));
		message.msg_iov = &iov;
		message.msg_iovlen = 1;
		message.msg_control = control.buffer;
		message.msg_controllen = sizeof(control.buffer);
		n = recvmsg(io->fd, &message, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		fds->count = received_fds(&message, fds->fd, &fds->truncated);
	if (n <= 0) {
		space.iov_len = 0;
		evbuffer_commit_space(io->input, &space, 1);
		return n == 0 ? 0 : errno == EAGAIN ? -2 : -1;
	}
	space.iov_len = (size_t)n;
	evbuffer_commit_space(io->input, &space, 1);
	return (int)n;
}

void
client_io_queue(struct client_io *io, const char *bytes, size_t length)
{
	evbuffer_add(io->output, bytes, length);
	if (!io->corked && !event_pending(io->write_event, EV_WRITE, NULL))
		flush(io);
}

void
client_io_cork(struct client_io *io)
{
	io->corked = true;
}

void
client_io_uncork(struct client_io *io)
{
	io->corked = false;
	if (!event_pending(io->write_event, EV_WRITE, NULL))
		flush(io);
}

size_t
client_io_pending(const struct client_io *io)
{
	return evbuffer_get_length(io->output);
}

void
client_io_stop_reading(struct client_io *io)
{
	event_del(io->read_event);
}

/* Before the daemon exits: what waits is written, with up to tries waits
 * of 100 ms for the peer to read. */
void
client_io_drain(struct client_io *io, int tries)
{
	struct pollfd pfd = { .fd = io->fd, .events = POLLOUT };
	int n;

	while (!io->broken && evbuffer_get_length(io->output) > 0 &&
	    tries > 0) {
		n = evbuffer_write(io->output, io->fd);
		if (n > 0)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return;
		tries--;
		poll(&pfd, 1, 100);
	}
}
