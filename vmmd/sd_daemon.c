/* The sd_notify, sd_listen_fds and native journal protocols (systemd's
 * daemon(7), sd_notify(3), sd_listen_fds(3), systemd-journald.service(8)),
 * small enough to own here: vmmd does not link libsystemd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "scm_rights.h"
#include "sd_daemon.h"

static int
notify_address(const char *name, struct sockaddr_un *address,
    socklen_t *length)
{
	size_t n = strlen(name);

	if (n < 2 || (name[0] != '/' && name[0] != '@'))
		return -EINVAL;
	if (n >= sizeof(address->sun_path))
		return -ENAMETOOLONG;
	memset(address, 0, sizeof(*address));
	address->sun_family = AF_UNIX;
	memcpy(address->sun_path, name, n);
	/* An abstract name has no terminating NUL: its length says where it
	 * ends. */
	if (name[0] == '@') {
		address->sun_path[0] = '\0';
		*length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else
		*length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* One datagram, with fds attached (SCM_RIGHTS) when count > 0, on a
 * socket connected to the service manager's: never blocked for more than
 * SD_DAEMON_NOTIFY_WAIT_MS by a manager that does not read (its queue is
 * full), so that the daemon serves on. */
static ssize_t
notify_send(int fd, const char *state, const int *fds, unsigned int count)
{
	struct iovec iov = { (void *)state, strlen(state) };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t sent;
	union {
		char buffer[SCM_RIGHTS_SPACE(SD_DAEMON_NOTIFY_FDS_MAX)];
		struct cmsghdr align;
	} control;

	scm_rights_attach(&message, control.buffer, fds, count);
	sent = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0 && errno == EAGAIN &&
	    poll(&pfd, 1, SD_DAEMON_NOTIFY_WAIT_MS) == 1)
		sent = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
	return sent;
}

int
sd_daemon_notify_fds(const char *state, const int *fds, unsigned int count)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un address;
	socklen_t length;
	ssize_t sent;
	int fd, rc;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (count > SD_DAEMON_NOTIFY_FDS_MAX)
		return -EINVAL;
	if ((rc = notify_address(name, &address, &length)) < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&address, length) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	sent = notify_send(fd, state, fds, count);
	rc = sent < 0 ? -errno : (size_t)sent == strlen(state) ? 1 : -EMSGSIZE;
	close(fd);
	return rc;
}

int
sd_daemon_notify(const char *state)
{
	return sd_daemon_notify_fds(state, NULL, 0);
}

int
sd_daemon_listen_name(const char *names, unsigned int index, char *name,
    size_t size)
{
	const char *start = names, *end;
	size_t length;

	if (names == NULL)
		return -ENOENT;
	for (; index > 0; index--) {
		start = strchr(start, ':');
		if (start == NULL)
			return -ENOENT;
		start++;
	}
	end = strchr(start, ':');
	length = end != NULL ? (size_t)(end - start) : strlen(start);
	if (length == 0)
		return -ENOENT;
	if (length >= size)
		return -ENAMETOOLONG;
	memcpy(name, start, length);
	name[length] = '\0';
	return 0;
}

static int
parse_number(const char *text, long max, long *value)
{
	char *end;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	*value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || *value > max)
		return -EINVAL;
	return 0;
}

int
sd_daemon_listen_fds_parse(const char *listen_pid, const char *listen_fds,
    pid_t self)
{
	long pid, count;

	if (listen_pid == NULL || listen_fds == NULL)
		return 0;
	if (parse_number(listen_pid, INT_MAX, &pid) < 0 ||
	    parse_number(listen_fds, INT_MAX - SD_DAEMON_LISTEN_FDS_START,
	    &count) < 0)
		return -EINVAL;
	if (pid != (long)self)
		return 0;
	return (int)count;
}

int
sd_daemon_listen_fds(bool unset)
{
	int count, fd, flags;

	count = sd_daemon_listen_fds_parse(getenv("LISTEN_PID"),
	    getenv("LISTEN_FDS"), getpid());
	if (unset) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	for (fd = SD_DAEMON_LISTEN_FDS_START;
	    count > 0 && fd < SD_DAEMON_LISTEN_FDS_START + count; fd++) {
		flags = fcntl(fd, F_GETFD);
		if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
			return -errno;
	}
	return count;
}

int
sd_daemon_listen_unix(int count)
{
	int fd, type, listening;
	struct sockaddr_un address;
	socklen_t length;
	struct stat st;

	for (fd = SD_DAEMON_LISTEN_FDS_START;
	    fd < SD_DAEMON_LISTEN_FDS_START + count; fd++) {
		length = sizeof(type);
		if (fstat(fd, &st) < 0)
			return -errno;
		if (!S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0 ||
		    type != SOCK_STREAM)
			continue;
		length = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		    &length) < 0 || !listening)
			continue;
		length = sizeof(address);
		if (getsockname(fd, (struct sockaddr *)&address, &length) < 0 ||
		    address.sun_family != AF_UNIX)
			continue;
		return fd;
	}
	return -ENOENT;
}

bool
sd_daemon_stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long device, inode;
	struct stat st;
	char end;

	if (stream == NULL ||
	    sscanf(stream, "%llu:%llu%c", &device, &inode, &end) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == device &&
	    (unsigned long long)st.st_ino == inode;
}

int
sd_daemon_journal_send(const char *path, const char *const *fields,
    size_t count)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	char entry[2048];
	size_t used = 0, i, n;
	ssize_t sent;
	int fd, rc;

	if (strlen(path) >= sizeof(address.sun_path))
		return -ENAMETOOLONG;
	for (i = 0; i < count; i++) {
		n = strlen(fields[i]);
		if (strchr(fields[i], '\n') != NULL || strchr(fields[i], '=') == NULL ||
		    fields[i][0] == '=')
			return -EINVAL;
		if (used + n + 1 > sizeof(entry))
			return -EMSGSIZE;
		memcpy(entry + used, fields[i], n);
		entry[used + n] = '\n';
		used += n + 1;
	}
	strcpy(address.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sent = sendto(fd, entry, used, MSG_NOSIGNAL, (struct sockaddr *)&address,
	    sizeof(address));
	rc = sent < 0 ? -errno : 0;
	close(fd);
	return rc;
}
