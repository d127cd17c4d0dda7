/* A raw QMP client for the e2e cases: what a hostile or careless client
 * sends, where vmmctl would refuse first. It connects to SOCKET, negotiates,
 * passes each --fd file opened as asked (getfd, SCM_RIGHTS: a read-only fd
 * offered as a writable disk, say), then sends each LINE and prints each
 * reply (events are skipped). Exit status 0 when every reply is a return,
 * 1 when any is an error, 3 when the daemon cannot be reached or goes.
 * Usage: qmp-send SOCKET [--fd NAME=PATH:ro|rw]... LINE... */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char input[65536];
static size_t input_length;

/* The next line from the daemon, without its newline; NULL when it goes. */
static const char *
next_line(int fd)
{
	static char line[sizeof(input)];
	char *end;
	ssize_t n;

	while ((end = memchr(input, '\n', input_length)) == NULL) {
		if (input_length == sizeof(input))
			return NULL;
		n = read(fd, input + input_length, sizeof(input) - input_length);
		if (n <= 0)
			return NULL;
		input_length += (size_t)n;
	}
	*end = '\0';
	memcpy(line, input, (size_t)(end - input) + 1);
	input_length -= (size_t)(end - input) + 1;
	memmove(input, end + 1, input_length);
	return line;
}

/* The reply to what was just sent: 0 a return, 1 an error, 3 gone. */
static int
reply(int fd, bool print)
{
	const char *line;

	while ((line = next_line(fd)) != NULL) {
		if (strncmp(line, "{\"event\"", 8) == 0)
			continue;
		if (print)
			printf("%s\n", line);
		return strstr(line, "\"error\"") != NULL ? 1 : 0;
	}
	fprintf(stderr, "qmp-send: the daemon closed the connection\n");
	return 3;
}

static int
send_with_fd(int socket_fd, const char *text, int passed)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *header;

	if (passed >= 0) {
		memset(control, 0, sizeof(control));
		message.msg_control = control;
		message.msg_controllen = sizeof(control);
		header = CMSG_FIRSTHDR(&message);
		header->cmsg_level = SOL_SOCKET;
		header->cmsg_type = SCM_RIGHTS;
		header->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(header), &passed, sizeof(int));
	}
	return sendmsg(socket_fd, &message, MSG_NOSIGNAL) ==
	    (ssize_t)strlen(text) ? 0 : -1;
}

/* --fd NAME=PATH:MODE: the file opened so, passed with getfd NAME. */
static int
pass_file(int socket_fd, char *spec)
{
	char *path = strchr(spec, '='), *mode, text[256];
	int file, rc;

	mode = path != NULL ? strrchr(path, ':') : NULL;
	if (mode == NULL) {
		fprintf(stderr, "qmp-send: --fd NAME=PATH:ro|rw\n");
		return 2;
	}
	*path++ = '\0';
	*mode++ = '\0';
	file = open(path, (strcmp(mode, "rw") == 0 ? O_RDWR : O_RDONLY) |
	    O_NONBLOCK | O_CLOEXEC);
	if (file < 0) {
		perror(path);
		return 1;
	}
	snprintf(text, sizeof(text), "{\"execute\":\"getfd\",\"arguments\":"
	    "{\"fdname\":\"%s\"}}\n", spec);
	rc = send_with_fd(socket_fd, text, file) < 0 ? 3 : reply(socket_fd, true);
	close(file);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int fd, i = 2, rc = 0, one;

	if (argc < 3 || strlen(argv[1]) >= sizeof(address.sun_path)) {
		fprintf(stderr, "usage: qmp-send SOCKET [--fd NAME=PATH:ro|rw]... "
		    "LINE...\n");
		return 2;
	}
	strcpy(address.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&address,
	    sizeof(address)) < 0) {
		perror(argv[1]);
		return 3;
	}
	if (next_line(fd) == NULL || send_with_fd(fd,
	    "{\"execute\":\"qmp_capabilities\"}\n", -1) < 0 ||
	    reply(fd, false) != 0) {
		fprintf(stderr, "qmp-send: no greeting or negotiation\n");
		return 3;
	}
	for (; i + 1 < argc && strcmp(argv[i], "--fd") == 0 && rc == 0; i += 2)
		rc = pass_file(fd, argv[i + 1]);
	for (; i < argc && rc != 3; i++) {
		if (send_with_fd(fd, argv[i], -1) < 0 || send_with_fd(fd, "\n",
		    -1) < 0)
			return 3;
		one = reply(fd, true);
		rc = one > rc ? one : rc;
	}
	close(fd);
	return rc;
}
