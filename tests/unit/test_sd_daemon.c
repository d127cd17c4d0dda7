/* The sd_notify, sd_listen_fds and journal protocols: datagrams reach a
 * path and an abstract socket byte for byte, passed sockets are found, made
 * close-on-exec and hidden from children, journal entries are KEY=value
 * lines and stderr is the journal only when JOURNAL_STREAM says so. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../vmmd/sd_daemon.h"
#include "suites.h"

/* A datagram socket bound at NAME (a path, or @abstract), as systemd's. */
static int
bind_receiver(const char *name)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	socklen_t length;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	strcpy(address.sun_path, name);
	length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name) + (name[0] == '@' ? 0 : 1));
	if (name[0] == '@')
		address.sun_path[0] = '\0';
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&address, length), 0);
	return fd;
}

static void
assert_received(int fd, const char *expected)
{
	char buffer[256];
	ssize_t n;

	n = recv(fd, buffer, sizeof(buffer) - 1, MSG_DONTWAIT);
	ck_assert_int_eq(n, (ssize_t)strlen(expected));
	buffer[n] = '\0';
	ck_assert_str_eq(buffer, expected);
}

START_TEST(test_notify_without_socket)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(sd_daemon_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_int_eq(sd_daemon_notify("READY=1"), 0);
}
END_TEST

START_TEST(test_notify_path)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "/tmp/vmmd-notify-%d", (int)getpid());
	unlink(name);
	fd = bind_receiver(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(sd_daemon_notify("READY=1\nSTATUS=2 VMs running"), 1);
	assert_received(fd, "READY=1\nSTATUS=2 VMs running");
	ck_assert_int_eq(sd_daemon_notify("STOPPING=1"), 1);
	assert_received(fd, "STOPPING=1");
	close(fd);
	unlink(name);
}
END_TEST

/* FDSTORE=1: the datagram carries the fd, which the receiver holds as its
 * own (the same pipe: what is written into one end comes out of its). */
START_TEST(test_notify_fds)
{
	char name[64], buffer[64], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buffer, sizeof(buffer) - 1 };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *header;
	int fd, pipe_fds[2], got;
	ssize_t n;

	snprintf(name, sizeof(name), "/tmp/vmmd-notify-fds-%d", (int)getpid());
	unlink(name);
	fd = bind_receiver(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(pipe(pipe_fds), 0);
	ck_assert_int_eq(sd_daemon_notify_fds("FDSTORE=1\nFDNAME=vmmd-control.a",
	    &pipe_fds[1], 1), 1);
	n = recvmsg(fd, &message, MSG_DONTWAIT);
	ck_assert_int_eq(n, (ssize_t)strlen("FDSTORE=1\nFDNAME=vmmd-control.a"));
	buffer[n] = '\0';
	ck_assert_str_eq(buffer, "FDSTORE=1\nFDNAME=vmmd-control.a");
	header = CMSG_FIRSTHDR(&message);
	ck_assert_ptr_nonnull(header);
	ck_assert_int_eq(header->cmsg_type, SCM_RIGHTS);
	memcpy(&got, CMSG_DATA(header), sizeof(got));
	ck_assert_int_eq(write(got, "x", 1), 1);
	ck_assert_int_eq(read(pipe_fds[0], buffer, 1), 1);
	ck_assert_int_eq(buffer[0], 'x');
	ck_assert_int_eq(sd_daemon_notify_fds("FDSTORE=1", pipe_fds,
	    SD_DAEMON_NOTIFY_FDS_MAX + 1), -EINVAL);
	close(got);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	close(fd);
	unlink(name);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

/* A service manager that does not read never blocks the daemon: once its
 * queue is full, a notification waits SD_DAEMON_NOTIFY_WAIT_MS at most and
 * says -EAGAIN. */
START_TEST(test_notify_never_blocks)
{
	struct timespec before, after;
	char name[64];
	int fd, rc = 1, i;
	long waited_ms;

	snprintf(name, sizeof(name), "/tmp/vmmd-notify-full-%d", (int)getpid());
	unlink(name);
	fd = bind_receiver(name);
	setenv("NOTIFY_SOCKET", name, 1);
	for (i = 0; i < 100000 && rc == 1; i++) {
		clock_gettime(CLOCK_MONOTONIC, &before);
		rc = sd_daemon_notify("STATUS=a manager that does not read");
		clock_gettime(CLOCK_MONOTONIC, &after);
	}
	ck_assert_int_eq(rc, -EAGAIN);
	waited_ms = (after.tv_sec - before.tv_sec) * 1000 +
	    (after.tv_nsec - before.tv_nsec) / 1000000;
	ck_assert_int_lt(waited_ms, SD_DAEMON_NOTIFY_WAIT_MS + 1000);
	close(fd);
	unlink(name);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

/* LISTEN_FDNAMES: the name of each passed fd, by its index. */
START_TEST(test_listen_names)
{
	const char *names = "vmmd.socket:vmmd-control.a::vmmd-console-in.a";
	char name[32];

	ck_assert_int_eq(sd_daemon_listen_name(names, 0, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "vmmd.socket");
	ck_assert_int_eq(sd_daemon_listen_name(names, 1, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "vmmd-control.a");
	ck_assert_int_eq(sd_daemon_listen_name(names, 2, name, sizeof(name)),
	    -ENOENT);
	ck_assert_int_eq(sd_daemon_listen_name(names, 3, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "vmmd-console-in.a");
	ck_assert_int_eq(sd_daemon_listen_name(names, 4, name, sizeof(name)),
	    -ENOENT);
	ck_assert_int_eq(sd_daemon_listen_name(NULL, 0, name, sizeof(name)),
	    -ENOENT);
	ck_assert_int_eq(sd_daemon_listen_name(names, 1, name, 8),
	    -ENAMETOOLONG);
}
END_TEST

START_TEST(test_notify_abstract)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@vmmd-notify-test-%d", (int)getpid());
	fd = bind_receiver(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(sd_daemon_notify("RELOADING=1"), 1);
	assert_received(fd, "RELOADING=1");
	close(fd);
	/* Nobody is bound there any more. */
	ck_assert_int_eq(sd_daemon_notify("READY=1"), -ECONNREFUSED);
}
END_TEST

START_TEST(test_notify_bad_names)
{
	static const char *const names[] = { "relative/path", "@", "/", "x" };
	char longer[200];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		setenv("NOTIFY_SOCKET", names[i], 1);
		ck_assert_msg(sd_daemon_notify("READY=1") == -EINVAL,
		    "NOTIFY_SOCKET=%s", names[i]);
	}
	memset(longer, 'a', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longer, 1);
	ck_assert_int_eq(sd_daemon_notify("READY=1"), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_listen_fds_parse)
{
	ck_assert_int_eq(sd_daemon_listen_fds_parse(NULL, NULL, 42), 0);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42", NULL, 42), 0);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42", "2", 42), 2);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("41", "2", 42), 0);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42", "0", 42), 0);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42", "two", 42), -EINVAL);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42", "-1", 42), -EINVAL);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42", "", 42), -EINVAL);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42x", "1", 42), -EINVAL);
	ck_assert_int_eq(sd_daemon_listen_fds_parse("42", "99999999999", 42),
	    -EINVAL);
}
END_TEST

/* Puts FD at fd 3, the first passed fd, as systemd does. */
static void
pass_as_fd3(int fd)
{
	char pid[16];

	ck_assert_int_eq(dup2(fd, SD_DAEMON_LISTEN_FDS_START),
	    SD_DAEMON_LISTEN_FDS_START);
	close(fd);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "vmmd.socket", 1);
}

START_TEST(test_listen_fds_passed)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int saved, fd;

	saved = dup(SD_DAEMON_LISTEN_FDS_START);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	snprintf(address.sun_path, sizeof(address.sun_path),
	    "/tmp/vmmd-listen-%d", (int)getpid());
	unlink(address.sun_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&address,
	    sizeof(address)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	pass_as_fd3(fd);

	ck_assert_int_eq(sd_daemon_listen_fds(true), 1);
	ck_assert_ptr_null(getenv("LISTEN_PID"));
	ck_assert_ptr_null(getenv("LISTEN_FDS"));
	ck_assert_ptr_null(getenv("LISTEN_FDNAMES"));
	ck_assert(fcntl(SD_DAEMON_LISTEN_FDS_START, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(sd_daemon_listen_unix(1), SD_DAEMON_LISTEN_FDS_START);
	/* Unset: a second call (or a child) sees nothing. */
	ck_assert_int_eq(sd_daemon_listen_fds(false), 0);

	unlink(address.sun_path);
	if (saved >= 0) {
		dup2(saved, SD_DAEMON_LISTEN_FDS_START);
		close(saved);
	} else
		close(SD_DAEMON_LISTEN_FDS_START);
}
END_TEST

START_TEST(test_listen_unix_refuses_other_sockets)
{
	int saved, fd;

	saved = dup(SD_DAEMON_LISTEN_FDS_START);
	/* A datagram socket and an unconnected stream socket do not serve. */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	pass_as_fd3(fd);
	ck_assert_int_eq(sd_daemon_listen_fds(false), 1);
	ck_assert_int_eq(sd_daemon_listen_unix(1), -ENOENT);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	pass_as_fd3(fd);
	ck_assert_int_eq(sd_daemon_listen_unix(1), -ENOENT);
	if (saved >= 0) {
		dup2(saved, SD_DAEMON_LISTEN_FDS_START);
		close(saved);
	} else
		close(SD_DAEMON_LISTEN_FDS_START);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}
END_TEST

START_TEST(test_journal_entry)
{
	const char *fields[] = { "MESSAGE=VM a: starting -> running",
	    "PRIORITY=6", "VMMD_VM=a" };
	const char *bad[] = { "MESSAGE=two\nlines" };
	const char *no_key[] = { "=value" };
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "/tmp/vmmd-journal-%d", (int)getpid());
	unlink(name);
	fd = bind_receiver(name);
	ck_assert_int_eq(sd_daemon_journal_send(name, fields, 3), 0);
	assert_received(fd, "MESSAGE=VM a: starting -> running\nPRIORITY=6\n"
	    "VMMD_VM=a\n");
	ck_assert_int_eq(sd_daemon_journal_send(name, bad, 1), -EINVAL);
	ck_assert_int_eq(sd_daemon_journal_send(name, no_key, 1), -EINVAL);
	close(fd);
	unlink(name);
	ck_assert_int_eq(sd_daemon_journal_send(name, fields, 3), -ENOENT);
}
END_TEST

/* JOURNAL_STREAM names stderr's device and inode, or it is not the
 * journal. */
START_TEST(test_stderr_is_journal)
{
	struct stat st;
	char value[64];

	unsetenv("JOURNAL_STREAM");
	ck_assert(!sd_daemon_stderr_is_journal());
	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(value, sizeof(value), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", value, 1);
	ck_assert(sd_daemon_stderr_is_journal());
	snprintf(value, sizeof(value), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", value, 1);
	ck_assert(!sd_daemon_stderr_is_journal());
	setenv("JOURNAL_STREAM", "garbage", 1);
	ck_assert(!sd_daemon_stderr_is_journal());
	unsetenv("JOURNAL_STREAM");
}
END_TEST

static Suite *
sd_daemon_suite(void)
{
	Suite *suite = suite_create("sd_daemon");
	TCase *tc = tcase_create("protocols");

	tcase_add_test(tc, test_notify_without_socket);
	tcase_add_test(tc, test_notify_path);
	tcase_add_test(tc, test_notify_abstract);
	tcase_add_test(tc, test_notify_fds);
	tcase_add_test(tc, test_listen_names);
	tcase_add_test(tc, test_notify_never_blocks);
	tcase_add_test(tc, test_notify_bad_names);
	tcase_add_test(tc, test_listen_fds_parse);
	tcase_add_test(tc, test_listen_fds_passed);
	tcase_add_test(tc, test_listen_unix_refuses_other_sockets);
	tcase_add_test(tc, test_journal_entry);
	tcase_add_test(tc, test_stderr_is_journal);
	suite_add_tcase(suite, tc);
	return suite;
}
UNIT_SUITE(sd_daemon_suite)
