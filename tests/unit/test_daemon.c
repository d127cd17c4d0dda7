/* The daemon over its real socket, without KVM (kvm: false): bad input of
 * every kind gets its documented error, and the connection and the daemon
 * stay intact; limits, states and the peer check; the examples of
 * docs/protocol.md, replayed. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../vmmd/daemon.h"
#include "suites.h"

static struct daemon_config config;
static pid_t daemon_pid;
static char directory[64];

static void
config_for_tests(void)
{
	daemon_config_defaults(&config);
	snprintf(directory, sizeof(directory), "/tmp/vmmd-test-%d", (int)getpid());
	snprintf(config.socket_path, sizeof(config.socket_path), "%s/s", directory);
	snprintf(config.state_dir, sizeof(config.state_dir), "%s", directory);
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
		close(fds[0]);
		_exit(daemon_run_ready(&config, fds[1]));
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
	ck_assert_ptr_nonnull(json_object_get(json_object_get(json, "return"),
	    "vmmd"));
	ck_assert_int_eq(json_integer_value(json_object_get(json, "id")), 99);
	json_decref(json);
}

START_TEST(test_not_json)
{
	int fd = connect_client(true);

	send_text(fd, "hello\n");
	expect_error(fd, "JSONError", "not JSON");
	send_text(fd, "{\"execute\": \"query-version\"\n");
	expect_error(fd, "JSONError", "not JSON");
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
	    "\"kernel\":\"/boot/Image\"}}}\n", name, vcpus, mib);
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

/* The doc's /run/vmmd is this test's directory. */
static void
doc_paths(char *line, size_t size)
{
	char copy[4096], *at;

	while ((at = strstr(line, "/run/vmmd/")) != NULL) {
		snprintf(copy, sizeof(copy), "%.*s%s%s", (int)(at - line), line,
		    directory, at + strlen("/run/vmmd"));
		snprintf(line, size, "%s", copy);
	}
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
command(int fd, const char *execute, const char *vm)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"execute\":\"%s\",\"arguments\":"
	    "{\"vm\":\"%s\"},\"id\":\"%s\"}\n", execute, vm, execute);
	send_text(fd, line);
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
	tcase_add_test(tcase, test_protocol_doc_examples);
	suite_add_tcase(suite, tcase);
	tcase = tcase_create("supervision");
	tcase_add_checked_fixture(tcase, setup_supervised, teardown_supervised);
	tcase_set_timeout(tcase, 30);
	tcase_add_test(tcase, test_supervised_life);
	tcase_add_test(tcase, test_supervised_sigkill);
	tcase_add_test(tcase, test_supervised_sigterm);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(daemon_suite)
