/* The daemon over its real socket, without KVM (kvm: false): bad input of
 * every kind gets its documented error, and the connection and the daemon
 * stay intact; limits, states and the peer check; the examples of
 * docs/protocol.md, replayed. */
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "../../vmmd/daemon.h"
#include "suites.h"

static struct daemon_config config;
static pid_t daemon_pid;
static char directory[64];
static char images[80];		/* the image directory: images.directories */

static void
config_for_tests(void)
{
	daemon_config_defaults(&config);
	snprintf(directory, sizeof(directory), "/tmp/vmmd-test-%d", (int)getpid());
	snprintf(config.socket_path, sizeof(config.socket_path), "%s/s", directory);
	snprintf(config.state_dir, sizeof(config.state_dir), "%s", directory);
	snprintf(images, sizeof(images), "%s-images", directory);
	snprintf(config.images.directories[0], IMAGE_POLICY_PATH_MAX, "%s",
	    images);
	ck_assert(mkdir(images, 0755) == 0 || errno == EEXIST);
	unit_write_file(images, "Image", "kernel");
	unit_write_file(images, "initrd.cpio.gz", "initrd");
	config.kvm = false;
	config.limits.message_bytes = 1024;
	config.limits.output_bytes = 8192;
	config.limits.clients = 8;
	config.limits.vms = 3;
	config.limits.vcpus_per_vm = 4;
	config.limits.memory_mib_per_vm = 1024;
	config.limits.vcpus_total = 6;
	config.limits.memory_mib_total = 2048;
}

/* The daemon in a child process; its one byte says it listens. */
static void
daemon_start(void)
{
	int fds[2];
	char byte;

	ck_assert_int_eq(pipe(fds), 0);
	daemon_pid = fork();
	ck_assert_int_ge(daemon_pid, 0);
	if (daemon_pid == 0) {
		int rc;

		close(fds[0]);
		rc = daemon_run_ready(&config, fds[1]);
#ifdef __SANITIZE_ADDRESS__
		/* _exit skips LeakSanitizer's own check: a leak fails here */
		if (__lsan_do_recoverable_leak_check() != 0)
			rc = 99;
#endif
		_exit(rc);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &byte, 1), 1);
	close(fds[0]);
}

static void
daemon_alive(void)
{
	int status;

	ck_assert_int_eq(waitpid(daemon_pid, &status, WNOHANG), 0);
}

static void
images_remove(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/Image", images);
	unlink(path);
	snprintf(path, sizeof(path), "%s/initrd.cpio.gz", images);
	unlink(path);
	rmdir(images);
}

/* SIGTERM: the daemon must still be there to receive it, and exit 0. */
static void
daemon_stop(void)
{
	int status;

	daemon_alive();
	kill(daemon_pid, SIGTERM);
	ck_assert_int_eq(waitpid(daemon_pid, &status, 0), daemon_pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(access(config.socket_path, F_OK), -1);
	rmdir(directory);
	images_remove();
}

static void
setup(void)
{
	config_for_tests();
	daemon_start();
}

static void
teardown(void)
{
	daemon_stop();
}

static int
connect_raw(void)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(address.sun_path, config.socket_path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&address,
	    sizeof(address)), 0);
	return fd;
}

static void
send_text(int fd, const char *text)
{
	size_t length = strlen(text);

	ck_assert_int_eq(send(fd, text, length, MSG_NOSIGNAL), (ssize_t)length);
}

/* One message, or NULL at the end of the stream; 5 s at most. */
static json_t *
receive(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char line[65536];
	size_t length = 0;
	json_t *json;

	while (length < sizeof(line) - 1) {
		ck_assert_msg(poll(&pfd, 1, 5000) == 1, "no message in 5 s");
		if (recv(fd, line + length, 1, 0) != 1)
			return NULL;
		if (line[length] == '\n')
			break;
		length++;
	}
	json = json_loadb(line, length, 0, NULL);
	ck_assert_ptr_nonnull(json);
	return json;
}

/* The next message that is not an event. */
static json_t *
receive_reply(int fd)
{
	json_t *json;

	while ((json = receive(fd)) != NULL && json_object_get(json, "event"))
		json_decref(json);
	return json;
}

static int
connect_client(bool negotiate)
{
	int fd = connect_raw();
	json_t *json = receive(fd);

	ck_assert_ptr_nonnull(json_object_get(json, "QMP"));
	json_decref(json);
	if (negotiate) {
		send_text(fd, "{\"execute\":\"qmp_capabilities\"}\n");
		json = receive_reply(fd);
		ck_assert_ptr_nonnull(json_object_get(json, "return"));
		json_decref(json);
	}
	return fd;
}

static void
expect_error(int fd, const char *class, const char *says)
{
	json_t *json = receive_reply(fd), *error;

	ck_assert_ptr_nonnull(json);
	error = json_object_get(json, "error");
	ck_assert_msg(error != NULL, "expected an error %s", class);
	ck_assert_str_eq(json_string_value(json_object_get(error, "class")), class);
	ck_assert_msg(strstr(json_string_value(json_object_get(error, "desc")),
	    says) != NULL, "'%s' does not say '%s'",
	    json_string_value(json_object_get(error, "desc")), says);
	json_decref(json);
}

/* The connection still serves: a query-version answers. */
static void
expect_intact(int fd)
{
	json_t *json;

	send_text(fd, "{\"execute\":\"query-version\",\"id\":99}\n");
	json = receive_reply(fd);
	ck_assert_msg(json_object_get(json_object_get(json, "return"), "vmmd") !=
	    NULL, "not intact: %s", json_dumps(json, JSON_COMPACT));
	ck_assert_int_eq(json_integer_value(json_object_get(json, "id")), 99);
	json_decref(json);
}

START_TEST(test_not_json)
{
	int fd = connect_client(true);

	send_text(fd, "hello\n");
	expect_error(fd, "JSONError", "not JSON");
	send_text(fd, "{\"execute\": \"query-version\",}\n");
	expect_error(fd, "JSONError", "not JSON");
	expect_intact(fd);
	close(fd);
}
END_TEST

static void
expect_id(int fd, json_int_t id)
{
	json_t *json = receive_reply(fd);

	ck_assert_msg(json_object_get(json, "return") != NULL, "no return: %s",
	    json_dumps(json, JSON_COMPACT));
	ck_assert_int_eq(json_integer_value(json_object_get(json, "id")), id);
	json_decref(json);
}

/* QMP is a stream of JSON values, as QEMU reads it: a command ends where
 * its object closes, with or without a newline, several in one write or
 * one spread over many, newlines inside it (a QMP client library writes
 * its commands with no newline and waits for the reply). */
START_TEST(test_stream_framing)
{
	const char *spread = "{\"execute\":\n \"query-version\", \"id\": 5}";
	int fd = connect_client(false);
	json_t *json;
	size_t i;

	send_text(fd, "{\"execute\":\"qmp_capabilities\",\"id\":1}");
	expect_id(fd, 1);
	send_text(fd, "{\"execute\":\"query-version\",\"id\":2}");
	expect_id(fd, 2);
	send_text(fd, "{\"execute\":\"query-version\",\"id\":3}\r\n "
	    "{\"execute\":\"query-version\",\"id\":4}");
	expect_id(fd, 3);
	expect_id(fd, 4);
	for (i = 0; spread[i] != '\0'; i++) {
		ck_assert_int_eq(send(fd, spread + i, 1, MSG_NOSIGNAL), 1);
		if (i % 7 == 0)
			usleep(1000);	/* arrivals of their own, not a sync */
	}
	expect_id(fd, 5);
	send_text(fd, "{\"execute\":\"query-version\",\"id\":\"}{\\\"\"}");
	json = receive_reply(fd);
	ck_assert_str_eq(json_string_value(json_object_get(json, "id")), "}{\"");
	json_decref(json);
	expect_intact(fd);
	close(fd);
}
END_TEST

START_TEST(test_not_an_object)
{
	int fd = connect_client(true);

	send_text(fd, "[1, 2]\n\"text\"\n42\n");
	expect_error(fd, "JSONError", "not an object");
	expect_error(fd, "JSONError", "not an object");
	expect_error(fd, "JSONError", "not an object");
	expect_intact(fd);
	close(fd);
}
END_TEST

START_TEST(test_oversized)
{
	char big[4000];
	int fd = connect_client(true);

	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	send_text(fd, big);
	expect_error(fd, "MessageTooLarge", "limits.message_bytes");
	expect_intact(fd);
	/* In pieces, with no newline for a while: one error, then served. */
	big[sizeof(big) - 2] = 'x';
	send_text(fd, big);
	expect_error(fd, "MessageTooLarge", "at least");
	send_text(fd, big);
	send_text(fd, "tail\n");
	expect_intact(fd);
	close(fd);
}
END_TEST

START_TEST(test_cut_then_gone)
{
	int fd = connect_client(true), other;

	send_text(fd, "{\"execute\":\"query-ver");
	close(fd);
	other = connect_client(true);
	expect_intact(other);
	close(other);
	daemon_alive();
}
END_TEST

START_TEST(test_unknown_command)
{
	int fd = connect_client(true);
	json_t *json;

	send_text(fd, "{\"execute\":\"vm-explode\",\"id\":\"q7\"}\n");
	json = receive_reply(fd);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "error"), "class")), "CommandNotFound");
	ck_assert_str_eq(json_string_value(json_object_get(json, "id")), "q7");
	json_decref(json);
	/* a test hook is no command at all without the daemon's test_hooks */
	send_text(fd, "{\"execute\":\"x-forbidden-syscall\",\"arguments\":"
	    "{\"vm\":\"a\"}}\n");
	expect_error(fd, "CommandNotFound", "'x-forbidden-syscall' has not been found");
	expect_intact(fd);
	close(fd);
}
END_TEST

START_TEST(test_wrong_types_and_unknown_arguments)
{
	int fd = connect_client(true);

	send_text(fd, "{\"execute\":\"vm-info\",\"arguments\":{\"vm\":3}}\n");
	expect_error(fd, "InvalidArgument", "'vm' must be a string");
	send_text(fd, "{\"execute\":\"vm-info\",\"arguments\":\"a\"}\n");
	expect_error(fd, "InvalidArgument", "'arguments' must be an object");
	send_text(fd, "{\"execute\":\"vm-info\",\"arguments\":{\"vm\":\"a\","
	    "\"force\":true}}\n");
	expect_error(fd, "InvalidArgument", "unknown argument 'force'");
	send_text(fd, "{\"execute\":\"vm-list\",\"bogus\":1}\n");
	expect_error(fd, "JSONError", "unknown member 'bogus'");
	expect_intact(fd);
	close(fd);
}
END_TEST

START_TEST(test_before_negotiation)
{
	int fd = connect_client(false);

	send_text(fd, "{\"execute\":\"vm-list\"}\n");
	expect_error(fd, "NotNegotiated", "qmp_capabilities");
	send_text(fd, "{\"execute\":\"qmp_capabilities\",\"arguments\":"
	    "{\"enable\":[\"oob\"]}}\n");
	expect_error(fd, "InvalidArgument", "'oob' is not offered");
	send_text(fd, "{\"execute\":\"qmp_capabilities\"}\n");
	json_decref(receive_reply(fd));
	send_text(fd, "{\"execute\":\"qmp_capabilities\"}\n");
	expect_error(fd, "CommandNotFound", "already complete");
	expect_intact(fd);
	close(fd);
}
END_TEST

static void
create(int fd, const char *name, int vcpus, int mib)
{
	char line[512];
	json_t *json;

	snprintf(line, sizeof(line), "{\"execute\":\"vm-create\",\"arguments\":"
	    "{\"spec\":{\"name\":\"%s\",\"vcpus\":%d,\"memory_mib\":%d,"
	    "\"kernel\":\"%s/Image\"}}}\n", name, vcpus, mib, images);
	send_text(fd, line);
	json = receive_reply(fd);
	ck_assert_msg(json_object_get(json, "return") != NULL, "create %s", name);
	json_decref(json);
}

START_TEST(test_unknown_vm_and_states)
{
	int fd = connect_client(true);

	send_text(fd, "{\"execute\":\"vm-pause\",\"arguments\":{\"vm\":\"ghost\"}}\n");
	expect_error(fd, "VMNotFound", "no VM named 'ghost'");
	create(fd, "a", 1, 64);
	send_text(fd, "{\"execute\":\"vm-pause\",\"arguments\":{\"vm\":\"a\"}}\n");
	expect_error(fd, "WrongState", "VM a is defined; it must be running");
	send_text(fd, "{\"execute\":\"vm-stop\",\"arguments\":{\"vm\":\"a\"}}\n");
	expect_error(fd, "WrongState", "starting or running or paused");
	send_text(fd, "{\"execute\":\"vm-start\",\"arguments\":{\"vm\":\"a\"}}\n");
	expect_error(fd, "NoKVM", "without KVM");
	send_text(fd, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\"}}}\n");
	expect_error(fd, "VMExists", "'a' exists already");
	send_text(fd, "{\"execute\":\"vm-delete\",\"arguments\":{\"vm\":\"a\"}}\n");
	json_decref(receive_reply(fd));
	send_text(fd, "{\"execute\":\"vm-info\",\"arguments\":{\"vm\":\"a\"}}\n");
	expect_error(fd, "VMNotFound", "'a'");
	close(fd);
}
END_TEST

START_TEST(test_impossible_specs)
{
	int fd = connect_client(true);

	send_text(fd, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"a\",\"vcpus\":0,\"memory_mib\":64,\"kernel\":\"/k\"}}}\n");
	expect_error(fd, "InvalidArgument", "vm-create: spec: vcpus is 0");
	send_text(fd, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":1000000,\"kernel\":\"/k\"}}}\n");
	expect_error(fd, "LimitExceeded", "memory_mib is 1000000");
	send_text(fd, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\","
	    "\"devices\":[{\"type\":\"virtio-net\"}]}}}\n");
	expect_error(fd, "InvalidArgument", "devices[0]: unknown type 'virtio-net'");
	send_text(fd, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"a b\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\"}}}\n");
	expect_error(fd, "InvalidArgument", "'name' must be");
	expect_intact(fd);
	close(fd);
}
END_TEST

START_TEST(test_limits)
{
	int fd = connect_client(true), fds[8], i;

	create(fd, "a", 4, 1000);
	send_text(fd, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"b\",\"vcpus\":3,\"memory_mib\":64,\"kernel\":\"/k\"}}}\n");
	expect_error(fd, "LimitExceeded", "limits.vcpus_total");
	create(fd, "b", 2, 1000);
	send_text(fd, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"c\",\"vcpus\":0,\"memory_mib\":64,\"kernel\":\"/k\"}}}\n");
	expect_error(fd, "InvalidArgument", "vcpus is 0");
	/* Clients: 8 in all; the ninth is told why, and the rest served. */
	for (i = 0; i < 7; i++)
		fds[i] = connect_client(false);
	fds[7] = connect_raw();
	expect_error(fds[7], "LimitExceeded", "limits.clients");
	ck_assert_ptr_null(receive(fds[7]));
	for (i = 0; i < 8; i++)
		close(fds[i]);
	expect_intact(fd);
	close(fd);
}
END_TEST

/* True when the daemon closed the connection: what it had sent, then the
 * end, within 5 s. */
static bool
drained_to_end(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buffer[65536];
	ssize_t n;

	while (poll(&pfd, 1, 5000) == 1) {
		n = recv(fd, buffer, sizeof(buffer), 0);
		if (n == 0)
			return true;
		if (n < 0)
			return errno == ECONNRESET;
	}
	return false;
}

/* A client that sends and never reads is dropped; the others are served. */
START_TEST(test_client_that_does_not_read)
{
	int hog = connect_client(true), fd = connect_client(true), i;
	char line[] = "{\"execute\":\"query-commands\"}\n";
	int buffer = 4096;

	setsockopt(hog, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
	for (i = 0; i < 2000; i++)
		if (send(hog, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;
	expect_intact(fd);
	ck_assert_msg(drained_to_end(hog), "the client that does not read "
	    "was not disconnected");
	close(hog);
	expect_intact(fd);
	close(fd);
}
END_TEST

START_TEST(test_peer_not_allowed)
{
	int fd;

	daemon_stop();
	config.allow_root = false;
	snprintf(config.group, sizeof(config.group), "no-such-group-vmmd");
	daemon_start();
	fd = connect_raw();
	expect_error(fd, "PermissionDenied", "may not use vmmd");
	ck_assert_ptr_null(receive(fd));
	close(fd);
	daemon_alive();
	/* Root's group (gid 0) allowed instead: the primary group counts. */
	daemon_stop();
	snprintf(config.group, sizeof(config.group), "root");
	daemon_start();
	if (getgid() == 0) {
		fd = connect_client(true);
		expect_intact(fd);
		close(fd);
	}
}
END_TEST

START_TEST(test_events_seen_by_others)
{
	int fd = connect_client(true), watcher = connect_client(true);
	json_t *json;

	create(fd, "e", 1, 64);
	json = receive(watcher);
	ck_assert_str_eq(json_string_value(json_object_get(json, "event")),
	    "VM_CREATED");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "data"), "vm")), "e");
	json_decref(json);
	close(watcher);
	close(fd);
}
END_TEST

/* A second daemon on the same state directory refuses to start (it would
 * take the first one's VMs for a dead daemon's), and the first serves on. */
START_TEST(test_one_daemon_per_state_dir)
{
	struct daemon_config second = config;
	pid_t pid;
	int status, fd;

	snprintf(second.socket_path, sizeof(second.socket_path), "%s/s2",
	    directory);
	pid = fork();
	if (pid == 0)
		_exit(daemon_run(&second));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	unlink(second.socket_path);
	fd = connect_client(true);
	expect_intact(fd);
	close(fd);
}
END_TEST

/* The doc's /run/vmmd is this test's directory. */
static int
count_entries(const char *path)
{
	char command_line[300];
	FILE *pipe;
	int count = -1;

	snprintf(command_line, sizeof(command_line), "ls %s | wc -l", path);
	pipe = popen(command_line, "r");
	ck_assert_ptr_nonnull(pipe);
	ck_assert_int_eq(fscanf(pipe, "%d", &count), 1);
	pclose(pipe);
	return count;
}

/* text with fd passed along it (SCM_RIGHTS), as vmmctl sends getfd. */
static void
send_text_fd(int fd, const char *text, int passed)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)text,
		.iov_len = strlen(text) };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *header;

	memset(control, 0, sizeof(control));
	header = CMSG_FIRSTHDR(&message);
	header->cmsg_level = SOL_SOCKET;
	header->cmsg_type = SCM_RIGHTS;
	header->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(header), &passed, sizeof(int));
	ck_assert_int_eq(sendmsg(fd, &message, MSG_NOSIGNAL),
	    (ssize_t)strlen(text));
}

static void
expect_ok(int fd)
{
	json_t *json = receive_reply(fd);

	ck_assert_msg(json_object_get(json, "return") != NULL, "refused: %s",
	    json_dumps(json, JSON_COMPACT));
	json_decref(json);
}

/* The daemon's open fds: /proc/PID/fd. */
static int
daemon_fd_count(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)daemon_pid);
	return count_entries(path);
}

/* An fd the daemon holds whose target is path (its /proc/PID/fd links). */
static bool
daemon_holds(const char *path)
{
	char command_line[200];

	snprintf(command_line, sizeof(command_line), "ls -l /proc/%d/fd | "
	    "grep -q ' %s$'", (int)daemon_pid, path);
	return system(command_line) == 0;
}

START_TEST(test_getfd_closefd)
{
	int fd = connect_client(true), file, before = daemon_fd_count();
	char path[96];

	snprintf(path, sizeof(path), "%s/passed", directory);
	file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(file, 0);
	send_text(fd, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":"
	    "\"disk\"}}\n");
	expect_error(fd, "InvalidArgument", "no file descriptor came");
	send_text_fd(fd, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":"
	    "\"9bad\"}}\n", file);
	expect_error(fd, "InvalidArgument", "'fdname' must be");
	/* the refused name left that fd waiting: the next getfd takes it */
	send_text(fd, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":"
	    "\"disk\"}}\n");
	expect_ok(fd);
	ck_assert(daemon_holds(path));
	ck_assert_int_eq(daemon_fd_count(), before + 1);
	send_text(fd, "{\"execute\":\"closefd\",\"arguments\":{\"fdname\":"
	    "\"disk\"}}\n");
	expect_ok(fd);
	ck_assert(!daemon_holds(path));
	ck_assert_int_eq(daemon_fd_count(), before);
	send_text(fd, "{\"execute\":\"closefd\",\"arguments\":{\"fdname\":"
	    "\"disk\"}}\n");
	expect_error(fd, "InvalidArgument", "no fd is named 'disk'");
	expect_intact(fd);
	close(file);
	unlink(path);
	close(fd);
}
END_TEST

/* A vm-create of NAME with the image directory's kernel and member. */
static void
create_with(int fd, const char *name, const char *member)
{
	char line[768];

	snprintf(line, sizeof(line), "{\"execute\":\"vm-create\",\"arguments\":"
	    "{\"spec\":{\"name\":\"%s\",\"vcpus\":1,\"memory_mib\":64,"
	    "\"kernel\":\"%s/Image\",%s}}}\n", name, images, member);
	send_text(fd, line);
}

/* Paths only beneath the image directories, opened only for what they
 * are: each refusal names its rule at vm-create, nothing is kept open,
 * a FIFO is never opened (the daemon would hang), and the daemon serves
 * on. A root client gets no more unless images.root_any_path says so. */
START_TEST(test_image_paths_refused)
{
	int fd = connect_client(true), before = daemon_fd_count();
	char member[400], path[160];

	create_with(fd, "a", "\"initrd\":\"/etc/shadow\"");
	expect_error(fd, "PermissionDenied", "initrd /etc/shadow: not beneath "
	    "an image directory");
	snprintf(path, sizeof(path), "%s/fifo", images);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	snprintf(member, sizeof(member), "\"initrd\":\"%s\"", path);
	create_with(fd, "a", member);
	expect_error(fd, "PermissionDenied", "a FIFO, not a regular file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/out", images);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	snprintf(member, sizeof(member), "\"initrd\":\"%s\"", path);
	create_with(fd, "a", member);
	snprintf(member, sizeof(member), "initrd %s: ", path);
	expect_error(fd, "PermissionDenied", member);	/* leads out, or a symlink */
	unlink(path);
	snprintf(member, sizeof(member), "\"initrd\":\"%s/../%s-images/"
	    "Image\"", images, directory);
	create_with(fd, "a", member);
	expect_error(fd, "PermissionDenied", "leads out of its image directory");
	snprintf(member, sizeof(member), "\"initrd\":\"%s/none\"", images);
	create_with(fd, "a", member);
	expect_error(fd, "PermissionDenied", "No such file or directory");
	snprintf(path, sizeof(path), "%s/sda", images);
	if (mknod(path, S_IFBLK | 0600, makedev(8, 0)) == 0) {
		snprintf(member, sizeof(member), "\"devices\":[{\"type\":"
		    "\"disk\",\"path\":\"%s\"}]", path);
		create_with(fd, "a", member);
		expect_error(fd, "PermissionDenied", "images.block_devices is false");
		unlink(path);
	}
	ck_assert_int_eq(daemon_fd_count(), before);
	snprintf(member, sizeof(member), "\"initrd\":\"%s/initrd.cpio.gz\","
	    "\"devices\":[{\"type\":\"disk\",\"path\":\"%s/Image\","
	    "\"read_only\":true}]", images, images);
	create_with(fd, "a", member);
	expect_ok(fd);
	expect_intact(fd);
	close(fd);
}
END_TEST

/* images.root_any_path: a root client's path outside the directories is
 * opened as before (still for what it is); no one else's. */
START_TEST(test_image_paths_root_any_path)
{
	int fd;

	daemon_stop();
	config_for_tests();
	config.images.root_any_path = true;
	daemon_start();
	fd = connect_client(true);
	create_with(fd, "a", "\"initrd\":\"/etc/passwd\"");
	if (geteuid() == 0)
		expect_ok(fd);
	else
		expect_error(fd, "PermissionDenied", "not beneath");
	create_with(fd, "b", "\"initrd\":\"/dev/null\"");
	expect_error(fd, "PermissionDenied", "a character device");
	expect_intact(fd);
	close(fd);
}
END_TEST

/* A connection made as uid and gid 65534 (the peer credentials are the
 * connecting process's): a child connects and hands the socket back. */
static int
connect_as_nobody(void)
{
	int pair[2], fd = -1, connected, status;
	char control[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control) };
	pid_t child;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(1);
		connected = connect_raw();
		send_text_fd(pair[1], "x", connected);
		_exit(0);
	}
	close(pair[1]);
	if (recvmsg(pair[0], &message, 0) == 1)
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&message)), sizeof(int));
	close(pair[0]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(status, 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* Each VM is its creator's: another user of the socket neither sees it
 * (vm-list, events) nor acts on it; root sees and acts on every VM. */
START_TEST(test_vm_owners)
{
	struct group *group = getgrgid(65534);
	int root_fd, other;
	json_t *json;

	if (geteuid() != 0 || group == NULL)
		return;		/* needs root to be someone else */
	daemon_stop();
	config_for_tests();
	snprintf(config.group, sizeof(config.group), "%s", group->gr_name);
	daemon_start();
	ck_assert_int_eq(chmod(directory, 0755), 0);
	root_fd = connect_client(true);
	other = connect_as_nobody();
	json_decref(receive(other));	/* the greeting */
	send_text(other, "{\"execute\":\"qmp_capabilities\"}\n");
	expect_ok(other);
	create(root_fd, "mine", 1, 64);
	/* other never hears of root's VM: its next message is a reply */
	send_text(other, "{\"execute\":\"query-version\"}\n");
	json = receive(other);
	ck_assert_msg(json_object_get(json, "return") != NULL, "%s",
	    json_dumps(json, JSON_COMPACT));
	json_decref(json);
	create(other, "theirs", 1, 64);
	/* root hears of every VM */
	json = receive(root_fd);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "data"), "vm")), "theirs");
	json_decref(json);
	/* a tap by name would be attached with the daemon's rights */
	send_text(other, "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"net\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\","
	    "\"devices\":[{\"type\":\"net\",\"tap\":\"tap0\"}]}}}\n");
	expect_error(other, "PermissionDenied", "tap tap0: by name only for root");
	send_text(other, "{\"execute\":\"vm-list\"}\n");
	json = receive_reply(other);
	ck_assert_uint_eq(json_array_size(json_object_get(json, "return")), 1);
	json_decref(json);
	/* nor in its metrics */
	send_text(other, "{\"execute\":\"query-metrics\"}\n");
	json = receive_reply(other);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    json_object_get(json, "return"), "text")), "vm=\"theirs\""));
	ck_assert_ptr_null(strstr(json_string_value(json_object_get(
	    json_object_get(json, "return"), "text")), "vm=\"mine\""));
	json_decref(json);
	send_text(other, "{\"execute\":\"vm-info\",\"arguments\":{\"vm\":"
	    "\"mine\"}}\n");
	expect_error(other, "PermissionDenied", "VM mine is another user's");
	send_text(other, "{\"execute\":\"console-attach\",\"arguments\":"
	    "{\"vm\":\"mine\"}}\n");
	expect_error(other, "PermissionDenied", "VM mine is another user's");
	send_text(other, "{\"execute\":\"vm-delete\",\"arguments\":{\"vm\":"
	    "\"mine\"}}\n");
	expect_error(other, "PermissionDenied", "only its owner, uid 0");
	send_text(root_fd, "{\"execute\":\"vm-list\"}\n");
	json = receive_reply(root_fd);
	ck_assert_uint_eq(json_array_size(json_object_get(json, "return")), 2);
	json_decref(json);
	send_text(root_fd, "{\"execute\":\"vm-delete\",\"arguments\":"
	    "{\"vm\":\"theirs\"}}\n");
	expect_ok(root_fd);
	expect_intact(other);
	close(other);
	close(root_fd);
}
END_TEST

/* Named or never named, a leaving client's fds are closed. */
START_TEST(test_passed_fds_closed_with_client)
{
	int fd, file, before = daemon_fd_count(), i;
	char path[96];

	snprintf(path, sizeof(path), "%s/passed", directory);
	file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(file, 0);
	for (i = 0; i < 3; i++) {
		fd = connect_client(true);
		send_text_fd(fd, "{\"execute\":\"getfd\",\"arguments\":"
		    "{\"fdname\":\"a\"}}\n", file);
		expect_ok(fd);
		send_text_fd(fd, "{\"execute\":\"query-version\"}\n", file);
		send_text_fd(fd, "{\"execute\":\"query-version\"}\n", file);
		expect_ok(fd);
		expect_ok(fd);
		ck_assert(daemon_holds(path));
		close(fd);
	}
	/* the daemon has seen the last one go once a new client is served */
	fd = connect_client(true);
	expect_intact(fd);
	ck_assert(!daemon_holds(path));
	ck_assert_int_eq(daemon_fd_count(), before + 1);
	close(fd);
	close(file);
	unlink(path);
}
END_TEST

static void
doc_paths(char *line, size_t size)
{
	char copy[4096], value[96];

	snprintf(value, sizeof(value), "%s/", directory);
	unit_expand(copy, sizeof(copy), line, "/run/vmmd/", value);
	snprintf(value, sizeof(value), "%s/", images);
	unit_expand(line, size, copy, "/var/lib/vmmd/images/", value);
}

/* Every "-> " line of docs/protocol.md is sent, in order, on one
 * connection to a daemon with the default limits; the "<- " lines after it
 * are what must come back (events compared without their timestamp). */
START_TEST(test_protocol_doc_examples)
{
	FILE *doc = fopen("docs/protocol.md", "r");
	struct daemon_config defaults;
	char line[4096];
	json_t *expected, *got;
	int fd, examples = 0;

	ck_assert_ptr_nonnull(doc);
	daemon_stop();
	config_for_tests();
	daemon_config_defaults(&defaults);
	config.limits = defaults.limits;
	daemon_start();
	fd = connect_raw();
	while (fgets(line, sizeof(line), doc) != NULL) {
		doc_paths(line, sizeof(line));
		if (strncmp(line, "-> ", 3) == 0) {
			send_text(fd, line + 3);
			examples++;
			continue;
		}
		if (strncmp(line, "<- ", 3) != 0)
			continue;
		expected = json_loads(line + 3, 0, NULL);
		ck_assert_msg(expected != NULL, "docs/protocol.md: bad JSON: %s", line);
		got = receive(fd);
		ck_assert_ptr_nonnull(got);
		json_object_del(got, "timestamp");
		json_object_del(expected, "timestamp");
		ck_assert_msg(json_equal(expected, got), "docs/protocol.md: "
		    "expected %s got %s", line, json_dumps(got, JSON_COMPACT));
		json_decref(expected);
		json_decref(got);
	}
	fclose(doc);
	ck_assert_int_gt(examples, 10);
	close(fd);
}
END_TEST

/* query-metrics: the exposition in a string, with its content type. */
static char *
scrape(int fd)
{
	json_t *json, *metrics;
	char *text;

	send_text(fd, "{\"execute\":\"query-metrics\",\"id\":\"m\"}\n");
	json = receive_reply(fd);
	metrics = json_object_get(json, "return");
	ck_assert_msg(metrics != NULL, "query-metrics: %s",
	    json_dumps(json, JSON_COMPACT));
	ck_assert_str_eq(json_string_value(json_object_get(metrics,
	    "content_type")), "text/plain; version=0.0.4");
	text = strdup(json_string_value(json_object_get(metrics, "text")));
	json_decref(json);
	return text;
}

static void
expect_sample(const char *text, const char *sample)
{
	char line[256];

	snprintf(line, sizeof(line), "\n%s\n", sample);
	ck_assert_msg(strstr(text, line) != NULL, "no '%s' in:\n%s", sample,
	    text);
}

/* The daemon's own figures over the socket: clients, VMs, a defined VM's
 * state and memory, the requests and the errors by class. */
START_TEST(test_metrics_daemon_figures)
{
	int fd = connect_client(true), other = connect_client(false);
	char *text;

	create(fd, "web", 2, 128);
	send_text(fd, "{\"execute\":\"vm-explode\"}\n");
	expect_error(fd, "CommandNotFound", "vm-explode");
	send_text(fd, "{\"execute\":\"vm-start\",\"arguments\":{\"vm\":"
	    "\"web\"}}\n");
	expect_error(fd, "NoKVM", "without KVM");
	text = scrape(fd);
	expect_sample(text, "vmmd_clients 2");
	expect_sample(text, "vmmd_vms 1");
	/* qmp_capabilities, vm-create, vm-explode, vm-start, this one */
	expect_sample(text, "vmmd_requests_total 5");
	expect_sample(text, "vmmd_request_errors_total{class=\"CommandNotFound\"} 1");
	expect_sample(text, "vmmd_request_errors_total{class=\"NoKVM\"} 1");
	expect_sample(text, "vmmd_request_errors_total{class=\"WrongState\"} 0");
	expect_sample(text, "vmmd_vm_state{vm=\"web\",state=\"defined\"} 1");
	expect_sample(text, "vmmd_vm_state{vm=\"web\",state=\"running\"} 0");
	expect_sample(text, "vmmd_vm_vcpus{vm=\"web\"} 2");
	expect_sample(text, "vmmd_vm_memory_bytes{vm=\"web\"} 134217728");
	ck_assert_ptr_null(strstr(text, "vmmd_vm_process_resident_memory_bytes{"));
	ck_assert_ptr_null(strstr(text, "vmmd_vm_exits_total{"));
	ck_assert_ptr_nonnull(strstr(text, "\nvmmd_uptime_seconds "));
	free(text);
	close(other);
	close(fd);
}
END_TEST

/* The supervision, with a fake VM process (tests/unit/data/fake-vm-process)
 * in place of `vmmd vm-process`: no KVM, the same socketpair protocol. */
static void
setup_supervised(void)
{
	config_for_tests();
	config.kvm = true;
	snprintf(config.vm_process, sizeof(config.vm_process),
	    "tests/unit/data/fake-vm-process");
	daemon_start();
}

static json_t *
expect_event(int fd, const char *name)
{
	json_t *json = receive(fd);

	ck_assert_msg(json != NULL, "no %s: the stream ended", name);
	ck_assert_msg(json_object_get(json, "event") != NULL, "expected %s, got "
	    "%s", name, json_dumps(json, JSON_COMPACT));
	ck_assert_str_eq(json_string_value(json_object_get(json, "event")), name);
	return json;
}

static void
command_args(int fd, const char *execute, const char *arguments)
{
	char line[512];

	snprintf(line, sizeof(line), "{\"execute\":\"%s\",\"arguments\":%s,"
	    "\"id\":\"%s\"}\n", execute, arguments, execute);
	send_text(fd, line);
}

static void
command(int fd, const char *execute, const char *vm)
{
	char arguments[64];

	snprintf(arguments, sizeof(arguments), "{\"vm\":\"%s\"}", vm);
	command_args(fd, execute, arguments);
}

static void
expect_return(int fd, const char *id)
{
	json_t *json = receive(fd);

	ck_assert_ptr_nonnull(json);
	ck_assert_msg(json_object_get(json, "return") != NULL, "%s: %s", id,
	    json_dumps(json, JSON_COMPACT));
	ck_assert_str_eq(json_string_value(json_object_get(json, "id")), id);
	json_decref(json);
}

static int
start_vm(int fd, const char *name)
{
	json_t *json;
	int pid;

	create(fd, name, 1, 64);	/* VM_CREATED came before the reply */
	command(fd, "vm-start", name);
	json_decref(expect_event(fd, "VM_STARTING"));
	json = receive(fd);
	pid = (int)json_integer_value(json_object_get(json_object_get(json,
	    "return"), "pid"));
	ck_assert_int_gt(pid, 0);
	json_decref(json);
	json = expect_event(fd, "VM_RUNNING");
	ck_assert(json_is_integer(json_object_get(json_object_get(json, "data"),
	    "start_us")));
	json_decref(json);
	return pid;
}

START_TEST(test_supervised_life)
{
	int fd = connect_client(true);
	const char *text;
	json_t *json;

	start_vm(fd, "a");
	/* The fake guest's line: in the reply's recent output, or in a
	 * CONSOLE event after it if the pipe was slower than the attach. */
	command(fd, "console-attach", "a");
	json = receive(fd);
	ck_assert_str_eq(json_string_value(json_object_get(json, "id")),
	    "console-attach");
	text = json_string_value(json_object_get(json_object_get(json, "return"),
	    "recent"));
	if (strstr(text, "hello from the fake guest") == NULL) {
		json_decref(json);
		json = expect_event(fd, "CONSOLE");
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		    json, "data"), "data")), "hello from the fake guest\n");
	}
	json_decref(json);
	command(fd, "vm-pause", "a");
	json_decref(expect_event(fd, "VM_PAUSED"));
	expect_return(fd, "vm-pause");
	command(fd, "vm-pause", "a");
	expect_error(fd, "WrongState", "VM a is paused; it must be running");
	command(fd, "vm-resume", "a");
	json_decref(expect_event(fd, "VM_RESUMED"));
	expect_return(fd, "vm-resume");
	command(fd, "vm-info", "a");
	json = receive(fd);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "return"), "state")), "running");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(json, "return"),
	    "counters"));
	json_decref(json);
	command(fd, "vm-delete", "a");
	expect_error(fd, "WrongState", "VM a is running");
	command(fd, "vm-stop", "a");
	json_decref(expect_event(fd, "VM_STOPPING"));
	expect_return(fd, "vm-stop");
	json = expect_event(fd, "VM_STOPPED");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "data"), "outcome")), "stopped");
	json_decref(json);
	close(fd);
}
END_TEST

/* A live VM's counters come from its process, as vm-info's do; its
 * process's resident memory from /proc. */
START_TEST(test_supervised_metrics)
{
	int fd = connect_client(true);
	json_t *json, *entry;
	char *text, sample[160];

	start_vm(fd, "a");
	create(fd, "b", 1, 64);
	text = scrape(fd);
	command(fd, "vm-info", "a");
	json = receive_reply(fd);
	entry = json_array_get(json_object_get(json_object_get(json_object_get(
	    json_object_get(json, "return"), "counters"), "forward_map"),
	    "entries"), 0);
	snprintf(sample, sizeof(sample), "vmmd_vm_forward_map_hits_total{vm="
	    "\"a\",entry=\"uart\",kind=\"mmio\",base=\"0x9000000\"} %lld",
	    json_integer_value(json_object_get(entry, "hits")));
	expect_sample(text, sample);
	expect_sample(text, "vmmd_vm_exits_total{vm=\"a\",kind=\"mmio\"} 45");
	expect_sample(text, "vmmd_vm_console_log_dropped_bytes_total{vm=\"a\"} 5");
	expect_sample(text, "vmmd_vm_state{vm=\"a\",state=\"running\"} 1");
	expect_sample(text, "vmmd_vm_state{vm=\"b\",state=\"defined\"} 1");
	ck_assert_ptr_nonnull(strstr(text,
	    "\nvmmd_vm_process_resident_memory_bytes{vm=\"a\"} "));
	ck_assert_ptr_null(strstr(text, "resident_memory_bytes{vm=\"b\"}"));
	json_decref(json);
	free(text);
	close(fd);
}
END_TEST

START_TEST(test_supervised_sigkill)
{
	int fd = connect_client(true), pid;
	json_t *json;

	pid = start_vm(fd, "a");
	start_vm(fd, "b");
	kill(pid, SIGKILL);
	json = expect_event(fd, "VM_CRASHED");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "data"), "vm")), "a");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json,
	    "data"), "signal")), SIGKILL);
	json_decref(json);
	expect_intact(fd);
	command(fd, "vm-info", "b");
	json = receive(fd);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "return"), "state")), "running");
	json_decref(json);
	command(fd, "vm-kill", "b");
	expect_return(fd, "vm-kill");
	json = expect_event(fd, "VM_STOPPED");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json,
	    "data"), "outcome")), "killed");
	json_decref(json);
	close(fd);
}
END_TEST

/* SIGTERM: every VM is stopped, and its VM_STOPPED reaches the clients
 * before the connection closes. */
START_TEST(test_supervised_sigterm)
{
	int fd = connect_client(true), status;
	json_t *json;

	start_vm(fd, "a");
	kill(daemon_pid, SIGTERM);
	json_decref(expect_event(fd, "VM_STOPPING"));
	json = expect_event(fd, "VM_STOPPED");
	json_decref(json);
	ck_assert_ptr_null(receive(fd));
	ck_assert_int_eq(waitpid(daemon_pid, &status, 0), daemon_pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	daemon_pid = 0;
	close(fd);
}
END_TEST

/* The daemon killed with SIGKILL and started again on the same state
 * directory: its VMs are listed again, those that ran as stopped with the
 * reason; their processes ended with the daemon; a corrupt record and a
 * process that outlives the daemon do not stop the new one. */
static pid_t
sleeper(uint64_t *start_time)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_eq(vm_process_start_time(pid, start_time, NULL), 0);
	return pid;
}

static json_t *
vm_info(int fd, const char *name)
{
	json_t *json, *info;

	command(fd, "vm-info", name);
	json = receive_reply(fd);
	info = json_incref(json_object_get(json, "return"));
	ck_assert_msg(info != NULL, "vm-info %s: %s", name,
	    json_dumps(json, JSON_COMPACT));
	json_decref(json);
	return info;
}

static const char *
state_of(json_t *info)
{
	return json_string_value(json_object_get(info, "state"));
}

static bool
process_ended(pid_t pid)
{
	uint64_t start_time;
	bool zombie;

	return vm_process_start_time(pid, &start_time, &zombie) < 0 || zombie;
}

START_TEST(test_supervised_daemon_killed)
{
	int fd = connect_client(true), pid_a, pid_b, status;
	uint64_t orphan_time;
	pid_t orphan;
	char record[512], path[256];
	json_t *info;

	pid_a = start_vm(fd, "a");
	pid_b = start_vm(fd, "b");
	command(fd, "vm-pause", "b");
	json_decref(expect_event(fd, "VM_PAUSED"));
	expect_return(fd, "vm-pause");
	create(fd, "c", 1, 64);
	close(fd);
	kill(daemon_pid, SIGKILL);
	ck_assert_int_eq(waitpid(daemon_pid, &status, 0), daemon_pid);
	/* A record of a process that will not end by itself, and junk. */
	orphan = sleeper(&orphan_time);
	snprintf(record, sizeof(record), "{\"version\":1,\"spec\":{\"name\":"
	    "\"orphan\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\"},"
	    "\"state\":\"running\",\"pid\":%d,\"start_time\":%llu}",
	    (int)orphan, (unsigned long long)orphan_time);
	unit_write_file(directory, "orphan.vm", record);
	unit_write_file(directory, "junk.vm", "{\"version\":1,\"spec\":{\"na");
	config.stop_timeout_s = 1;
	config.limits.vms = 8;
	daemon_start();
	/* The records were read before the socket listened. */
	ck_assert_int_eq(waitpid(orphan, &status, WNOHANG), orphan);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(process_ended(pid_a) && process_ended(pid_b));
	fd = connect_client(true);
	info = vm_info(fd, "a");
	ck_assert_str_eq(state_of(info), "stopped");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(info,
	    "last_run"), "outcome")), "daemon-restarted");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    json_object_get(info, "last_run"), "detail")), "ended with the "
	    "daemon"));
	json_decref(info);
	info = vm_info(fd, "b");
	ck_assert_str_eq(state_of(info), "stopped");
	json_decref(info);
	info = vm_info(fd, "c");
	ck_assert_str_eq(state_of(info), "defined");
	ck_assert_ptr_null(json_object_get(info, "last_run"));
	json_decref(info);
	info = vm_info(fd, "orphan");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    json_object_get(info, "last_run"), "detail")), "was killed"));
	json_decref(info);
	command(fd, "vm-info", "junk");
	expect_error(fd, "VMNotFound", "junk");
	/* They start again, and are deleted with their records. */
	command(fd, "vm-start", "a");
	json_decref(expect_event(fd, "VM_STARTING"));
	expect_return(fd, "vm-start");
	json_decref(expect_event(fd, "VM_RUNNING"));
	command(fd, "vm-delete", "c");
	json_decref(expect_event(fd, "VM_DELETED"));
	expect_return(fd, "vm-delete");
	snprintf(path, sizeof(path), "%s/c.vm", directory);
	ck_assert_int_eq(access(path, F_OK), -1);
	close(fd);
	/* A clean exit takes every record with it (junk.vm is not one). */
	daemon_stop();
	daemon_pid = 0;
	snprintf(path, sizeof(path), "%s/a.vm", directory);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/junk.vm", directory);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* A VM process taken over by its guest (docs/security.md, issue 15), played
 * by the stand-in: it reports a result, closes its fds and spins. The
 * daemon never waits for it: another client is served meanwhile, and the
 * process is killed and reaped once its grace after the result is over. */
START_TEST(test_hostile_result_then_spin)
{
	int fd = connect_client(true), other;
	json_t *json;

	start_vm(fd, "spin");
	command(fd, "vm-stop", "spin");
	json_decref(expect_event(fd, "VM_STOPPING"));
	expect_return(fd, "vm-stop");
	other = connect_client(true);
	command_args(other, "query-version", "{}");
	expect_return(other, "query-version");
	json = expect_event(fd, "VM_CRASHED");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json,
	    "data"), "signal")), SIGKILL);
	json_decref(json);
	/* the other client was answered before the process was reaped */
	json_decref(expect_event(other, "VM_CRASHED"));
	close(other);
	close(fd);
}
END_TEST

/* The VM process keeps fds 3, 4 and 5 and no other copy of them. */
START_TEST(test_vm_process_fds)
{
	char path[96], link[128], mine[3][128];
	int fd = connect_client(true), pid, n, others = 0;
	struct dirent *entry;
	ssize_t length;
	DIR *dir;

	pid = start_vm(fd, "a");
	for (n = 0; n < 3; n++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, n + 3);
		length = readlink(path, mine[n], sizeof(mine[n]) - 1);
		ck_assert_int_gt(length, 0);
		mine[n][length] = '\0';
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	ck_assert_ptr_nonnull(dir);
	while ((entry = readdir(dir)) != NULL) {
		n = atoi(entry->d_name);
		if (entry->d_name[0] == '.' || n < 6)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, n);
		length = readlink(path, link, sizeof(link) - 1);
		if (length <= 0)
			continue;
		link[length] = '\0';
		if (strcmp(link, mine[0]) == 0 || strcmp(link, mine[1]) == 0 ||
		    strcmp(link, mine[2]) == 0) {
			fprintf(stderr, "VM process fd %d is a copy: %s\n", n, link);
			others++;
		}
	}
	closedir(dir);
	ck_assert_int_eq(others, 0);
	close(fd);
}
END_TEST

/* What a taken-over VM process says is validated before it is stored: a
 * result of the wrong types and sizes is refused (the VM crashed, as far
 * as anyone can tell), never shown nor written to its record. */
START_TEST(test_hostile_messages)
{
	int fd = connect_client(true);
	struct state_record *record = malloc(sizeof(*record));
	const struct api_vm_limits limits = { 8, 4096 };
	char path[256], text[65536], why[300];
	const char *outcome;
	json_t *json, *info;
	FILE *file;
	size_t length;

	create(fd, "hostile", 1, 64);
	command(fd, "vm-start", "hostile");
	json_decref(expect_event(fd, "VM_STARTING"));
	expect_return(fd, "vm-start");
	json = receive(fd);
	while (strcmp(json_string_value(json_object_get(json, "event")) ?: "",
	    "VM_RUNNING") == 0) {
		json_decref(json);
		json = receive(fd);
	}
	ck_assert_msg(json_object_get(json, "event") != NULL, "%s",
	    json_dumps(json, JSON_COMPACT));
	outcome = json_string_value(json_object_get(json_object_get(json,
	    "data"), "outcome"));
	ck_assert_ptr_nonnull(outcome);
	ck_assert_msg(strlen(outcome) < 32, "a hostile outcome was taken");
	json_decref(json);
	info = vm_info(fd, "hostile");
	json = json_object_get(info, "last_run");
	ck_assert_msg(json == NULL || (json_string_length(json_object_get(json,
	    "detail")) < 256 && json_string_length(json_object_get(json,
	    "outcome")) < 32 && !json_is_string(json_object_get(json, "boots"))),
	    "a hostile result was stored: %.200s", json_dumps(json,
	    JSON_COMPACT));
	json_decref(info);
	expect_intact(fd);
	snprintf(path, sizeof(path), "%s/hostile.vm", directory);
	file = fopen(path, "r");
	ck_assert_ptr_nonnull(file);
	length = fread(text, 1, sizeof(text), file);
	fclose(file);
	ck_assert_int_eq(state_record_parse(text, length, &limits, record, why,
	    sizeof(why)), 0);
	free(record);
	close(fd);
}
END_TEST

/* A record that cannot be read still leaves its VM process found (its pid
 * file: pid and start time) and killed at the next start. */
START_TEST(test_unreadable_record_process_killed)
{
	uint64_t start_time;
	char text[128];
	pid_t orphan;
	int status;

	daemon_stop();
	ck_assert_int_eq(mkdir(directory, 0750), 0);
	orphan = sleeper(&start_time);
	unit_write_file(directory, "lost.vm", "{\"version\":1,\"spec\":{\"na");
	snprintf(text, sizeof(text), "%d %llu\n", (int)orphan,
	    (unsigned long long)start_time);
	unit_write_file(directory, "lost.pid", text);
	config.stop_timeout_s = 1;
	daemon_start();
	/* read before the socket listened */
	ck_assert_int_eq(waitpid(orphan, &status, WNOHANG), orphan);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	snprintf(text, sizeof(text), "%s/lost.pid", directory);
	ck_assert_int_eq(access(text, F_OK), -1);
	snprintf(text, sizeof(text), "%s/lost.vm", directory);
	ck_assert_int_eq(unlink(text), 0);
}
END_TEST

/* Clients that go away in the middle of every command of the table, with
 * VMs defined, running and paused (the fake VM process): the daemon keeps
 * serving, each VM ends in the state the command gives it (or keeps its
 * own when the command was cut), and the daemon's fds, children and RSS
 * come back to what they were. */
static const struct {
	const char *command;
	const char *arguments;		/* %s: the VM; NULL: none */
	const char *after[3];		/* the states of d, r, p after it */
} cut_commands[] = {
	{ "qmp_capabilities", NULL, { "defined", "running", "paused" } },
	{ "query-version", NULL, { "defined", "running", "paused" } },
	{ "query-host", NULL, { "defined", "running", "paused" } },
	{ "query-commands", NULL, { "defined", "running", "paused" } },
	{ "query-metrics", NULL, { "defined", "running", "paused" } },
	{ "vm-create", "{\"spec\":{\"name\":\"n%s\",\"vcpus\":1,\"memory_mib\":16,"
	    "\"kernel\":\"/k\"}}", { "defined", "running", "paused" } },
	{ "vm-start", "{\"vm\":\"%s\"}", { "running", "running", "paused" } },
	{ "vm-pause", "{\"vm\":\"%s\"}", { "defined", "paused", "paused" } },
	{ "vm-resume", "{\"vm\":\"%s\"}", { "defined", "running", "running" } },
	{ "vm-stop", "{\"vm\":\"%s\"}", { "defined", "stopped", "stopped" } },
	{ "vm-kill", "{\"vm\":\"%s\"}", { "defined", "stopped", "stopped" } },
	{ "vm-delete", "{\"vm\":\"%s\"}", { "", "running", "paused" } },
	{ "vm-list", NULL, { "defined", "running", "paused" } },
	{ "vm-info", "{\"vm\":\"%s\"}", { "defined", "running", "paused" } },
	{ "console-attach", "{\"vm\":\"%s\"}", { "defined", "running", "paused" } },
	{ "console-detach", "{\"vm\":\"%s\"}", { "defined", "running", "paused" } },
	{ "console-write", "{\"vm\":\"%s\",\"data\":\"ls\\n\"}",
	    { "defined", "running", "paused" } },
	{ "events-subscribe", "{\"events\":[\"VM_DELETED\"]}",
	    { "defined", "running", "paused" } },
	/* no fd comes along: refused, nothing changes */
	{ "getfd", "{\"fdname\":\"f%s\"}", { "defined", "running", "paused" } },
	{ "closefd", "{\"fdname\":\"f%s\"}", { "defined", "running", "paused" } },
	/* a test hook: not found without test_hooks, as here */
	{ "x-forbidden-syscall", "{\"vm\":\"%s\"}",
	    { "defined", "running", "paused" } },
	/* no fd of those names: refused, nothing changes */
	{ "vm-snapshot", "{\"vm\":\"%s\",\"state\":\"fd:s\",\"memory\":"
	    "\"fd:m\"}", { "defined", "running", "paused" } },
	{ "vm-restore", "{\"spec\":{\"name\":\"n%s\",\"vcpus\":1,\"memory_mib\":"
	    "16,\"restore\":{\"state\":\"/s\",\"memory\":\"/m\"}},\"start\":false}",
	    { "defined", "running", "paused" } },
	{ "vm-clone", "{\"spec\":{\"name\":\"c%s\",\"vcpus\":1,\"memory_mib\":"
	    "16,\"restore\":{\"state\":\"/s\",\"memory\":\"/m\"}},\"count\":2,"
	    "\"start\":false}", { "defined", "running", "paused" } },
};
#define CUT_COMMANDS (sizeof(cut_commands) / sizeof(cut_commands[0]))
static const char *const cut_vms[3] = { "d", "r", "p" };

/* The ways to go: after the greeting, the request whole then closed, or
 * half-closed then closed, or cut in the middle; or before reading even
 * the greeting, when the daemon may find the connection closed as it
 * writes and drop it before it reads the request (either is consistent). */
enum cut_way {
	CUT_WHOLE, CUT_WHOLE_HALF_CLOSED, CUT_MID_MESSAGE, CUT_WHOLE_UNREAD,
	CUT_WAYS
};

/* Sends the command to vm and goes at once, in one of the ways. */
static void
send_and_go(size_t index, const char *vm, enum cut_way way)
{
	char arguments[256] = "", line[512];
	int fd = connect_raw();
	size_t length;

	const char *format = cut_commands[index].arguments, *at;

	if (format != NULL) {	/* the VM's name in place of %s */
		at = strstr(format, "%s");
		snprintf(arguments, sizeof(arguments), "%.*s%s%s", at ?
		    (int)(at - format) : (int)strlen(format), format, at ? vm : "",
		    at ? at + 2 : "");
	}
	length = (size_t)snprintf(line, sizeof(line), "{\"execute\":"
	    "\"qmp_capabilities\"}\n{\"execute\":\"%s\"%s%s,\"id\":1}\n",
	    cut_commands[index].command, arguments[0] ? ",\"arguments\":" : "",
	    arguments);
	if (way == CUT_MID_MESSAGE)
		length -= (length - strlen("{\"execute\":\"qmp_capabilities\"}\n")) / 2;
	if (way != CUT_WHOLE_UNREAD)
		json_decref(receive(fd));	/* the greeting */
	ck_assert_msg(send(fd, line, length, MSG_NOSIGNAL) == (ssize_t)length,
	    "send: %s", strerror(errno));
	if (way == CUT_WHOLE_HALF_CLOSED)
		shutdown(fd, SHUT_WR);
	close(fd);
}

/* The state of vm in a vm-list, "" when it is not there. */
static const char *
listed_state(json_t *list, const char *vm)
{
	size_t i;
	json_t *entry;

	json_array_foreach(list, i, entry)
		if (strcmp(json_string_value(json_object_get(entry, "name")), vm) == 0)
			return json_string_value(json_object_get(entry, "state"));
	return "";
}

static bool
state_is(const char *state, const char *want, const char *also)
{
	return strcmp(state, want) == 0 || (also != NULL &&
	    strcmp(state, also) == 0);
}

/* Bounded polling: the closed client's command may still be on its way
 * to a VM process and back. also: other states that are fine, or NULL. */
static void
expect_states(int fd, const char *const want[3], const char *const also[3],
    const char *what)
{
	json_t *json = NULL, *list;
	int tries, i, same = 0;

	for (tries = 0; tries < 500 && same < 3; tries++) {
		json_decref(json);
		send_text(fd, "{\"execute\":\"vm-list\"}\n");
		json = receive_reply(fd);
		list = json_object_get(json, "return");
		for (i = 0, same = 0; i < 3; i++)
			same += state_is(listed_state(list, cut_vms[i]), want[i],
			    also != NULL ? also[i] : NULL);
		if (same < 3)
			usleep(10000);
	}
	ck_assert_msg(same == 3, "%s: expected d %s, r %s, p %s; got %s", what,
	    want[0], want[1], want[2], json_dumps(json, JSON_COMPACT));
	json_decref(json);
}

static void
cut_vms_make(int fd)
{
	create(fd, "d", 1, 16);
	start_vm(fd, "r");
	start_vm(fd, "p");
	command(fd, "vm-pause", "p");
	json_decref(expect_event(fd, "VM_PAUSED"));
	expect_return(fd, "vm-pause");
}

/* Whatever the command did, every VM goes: stopped, then deleted. */
static void
cut_vms_clear(int fd)
{
	const char *const names[] = { "d", "r", "p", "nd", "nr", "np",
		"cd-1", "cd-2", "cr-1", "cr-2", "cp-1", "cp-2" };
	static const char *const stopped[3] = { "", "", "" };
	char arguments[64];
	size_t i;
	json_t *json;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(arguments, sizeof(arguments), "{\"vm\":\"%s\"}", names[i]);
		command_args(fd, "vm-kill", arguments);
		json_decref(receive_reply(fd));
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(arguments, sizeof(arguments), "{\"vm\":\"%s\"}", names[i]);
		do {	/* a killed VM is deleted once its process is reaped */
			command_args(fd, "vm-delete", arguments);
			json = receive_reply(fd);
		} while (json_object_get(json, "error") != NULL &&
		    strstr(json_string_value(json_object_get(json_object_get(json,
		    "error"), "desc")), "it must be") != NULL &&
		    (json_decref(json), usleep(5000), true));
		json_decref(json);
	}
	expect_states(fd, stopped, NULL, "after clearing");
}


static long
daemon_rss_kib(void)
{
	char path[64], line[256];
	long kib = -1;
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)daemon_pid);
	status = fopen(path, "r");
	ck_assert_ptr_nonnull(status);
	while (fgets(line, sizeof(line), status) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(status);
	return kib;
}

static int
daemon_children(void)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
	    (int)daemon_pid, (int)daemon_pid);
	FILE *file = fopen(path, "r");
	int count = 0, pid;

	if (file == NULL)
		return -1;
	while (fscanf(file, "%d", &pid) == 1)
		count++;
	fclose(file);
	return count;
}

static void
cut_round(int fd)
{
	char what[128];
	size_t i;
	int way, vm;

	for (i = 0; i < CUT_COMMANDS; i++)
		for (way = 0; way < CUT_WAYS; way++) {
			static const char *const untouched[3] = {
				"defined", "running", "paused" };

			if (getenv("CUT_DEBUG"))
				fprintf(stderr, "CUT %s way %d\n", cut_commands[i].command, way);
			cut_vms_make(fd);
			for (vm = 0; vm < 3; vm++)
				send_and_go(i, cut_vms[vm], (enum cut_way)way);
			snprintf(what, sizeof(what), "%s, cut in way %d",
			    cut_commands[i].command, way);
			expect_states(fd, way == CUT_MID_MESSAGE ? untouched :
			    cut_commands[i].after, way == CUT_WHOLE_UNREAD ?
			    untouched : NULL, what);
			expect_intact(fd);
			cut_vms_clear(fd);
		}
}

/* Under ASan or valgrind, freed memory waits in a quarantine: the RSS
 * says nothing about leaks there (LeakSanitizer and valgrind do). */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND	0
#endif
#ifdef __SANITIZE_ADDRESS__
#define RSS_MEANINGLESS	true
#else
#define RSS_MEANINGLESS	(RUNNING_ON_VALGRIND != 0)
#endif

START_TEST(test_supervised_clients_cut)
{
	char fd_dir[64];
	int fd, fds_before, round;
	long rss_first = 0, rss;
	size_t i, j;

	/* Every command of the table has its case here. */
	for (i = 0; i < api_command_count; i++) {
		for (j = 0; j < CUT_COMMANDS; j++)
			if (strcmp(api_commands[i].name, cut_commands[j].command) == 0)
				break;
		ck_assert_msg(j < CUT_COMMANDS, "no case for %s", api_commands[i].name);
	}
	daemon_stop();
	config_for_tests();
	config.kvm = true;
	config.limits.vms = 8;
	config.limits.vcpus_total = 16;
	config.limits.clients = 256;	/* those cut may not be gone yet */
	config.limits.output_bytes = 1 << 20;
	snprintf(config.vm_process, sizeof(config.vm_process),
	    "tests/unit/data/fake-vm-process");
	daemon_start();
	fd = connect_client(true);
	snprintf(fd_dir, sizeof(fd_dir), "/proc/%d/fd", (int)daemon_pid);
	fds_before = count_entries(fd_dir);
	/* Two rounds to compare RSS; one where it means nothing (slow). */
	for (round = 0; round < (RSS_MEANINGLESS ? 1 : 2); round++) {
		cut_round(fd);
		ck_assert_int_eq(count_entries(fd_dir), fds_before);
		ck_assert_int_eq(daemon_children(), 0);
		rss = daemon_rss_kib();
		if (round == 0)
			rss_first = rss;
		/* allocator noise, not growth with the rounds */
		ck_assert_msg(rss <= rss_first + 256 || RSS_MEANINGLESS, "the daemon's RSS grew from "
		    "%ld KiB to %ld KiB in round %d", rss_first, rss, round);
	}
	fprintf(stderr, "clients cut: %zu commands x %d ways x 3 VMs x %d rounds; "
	    "fds %d, RSS %ld then %ld KiB\n", CUT_COMMANDS, CUT_WAYS, round,
	    fds_before, rss_first, rss);
	close(fd);
	daemon_alive();
}
END_TEST

static void
teardown_supervised(void)
{
	if (daemon_pid != 0)
		daemon_stop();
	rmdir(directory);
}

static Suite *
daemon_suite(void)
{
	Suite *suite = suite_create("daemon");
	TCase *tcase = tcase_create("socket");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_set_timeout(tcase, 30);
	tcase_add_test(tcase, test_not_json);
	tcase_add_test(tcase, test_stream_framing);
	tcase_add_test(tcase, test_not_an_object);
	tcase_add_test(tcase, test_oversized);
	tcase_add_test(tcase, test_cut_then_gone);
	tcase_add_test(tcase, test_unknown_command);
	tcase_add_test(tcase, test_wrong_types_and_unknown_arguments);
	tcase_add_test(tcase, test_before_negotiation);
	tcase_add_test(tcase, test_unknown_vm_and_states);
	tcase_add_test(tcase, test_impossible_specs);
	tcase_add_test(tcase, test_limits);
	tcase_add_test(tcase, test_client_that_does_not_read);
	tcase_add_test(tcase, test_peer_not_allowed);
	tcase_add_test(tcase, test_events_seen_by_others);
	tcase_add_test(tcase, test_one_daemon_per_state_dir);
	tcase_add_test(tcase, test_protocol_doc_examples);
	tcase_add_test(tcase, test_getfd_closefd);
	tcase_add_test(tcase, test_passed_fds_closed_with_client);
	tcase_add_test(tcase, test_image_paths_refused);
	tcase_add_test(tcase, test_image_paths_root_any_path);
	tcase_add_test(tcase, test_vm_owners);
	tcase_add_test(tcase, test_metrics_daemon_figures);
	suite_add_tcase(suite, tcase);
	tcase = tcase_create("supervision");
	tcase_add_checked_fixture(tcase, setup_supervised, teardown_supervised);
	tcase_set_timeout(tcase, 30);
	tcase_add_test(tcase, test_supervised_life);
	tcase_add_test(tcase, test_supervised_metrics);
	tcase_add_test(tcase, test_supervised_sigkill);
	tcase_add_test(tcase, test_supervised_sigterm);
	tcase_add_test(tcase, test_supervised_daemon_killed);
	tcase_add_test(tcase, test_hostile_result_then_spin);
	tcase_add_test(tcase, test_vm_process_fds);
	tcase_add_test(tcase, test_hostile_messages);
	tcase_add_test(tcase, test_unreadable_record_process_killed);
	suite_add_tcase(suite, tcase);
	tcase = tcase_create("clients_cut");
	tcase_add_checked_fixture(tcase, setup_supervised, teardown_supervised);
	tcase_set_timeout(tcase, 120);	/* about 20 s natively, more under ASan */
	tcase_add_test(tcase, test_supervised_clients_cut);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(daemon_suite)
