/* The daemon as systemd runs it, without KVM: it serves the socket passed
 * on fd 3 (LISTEN_FDS) and leaves it in place at exit, says READY=1,
 * RELOADING=1 and STOPPING=1 with a STATUS on NOTIFY_SOCKET, and a SIGHUP
 * reloads its configuration (or keeps it, when the file is bad) while it
 * goes on serving. */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../vmmd/daemon.h"
#include "suites.h"

static char directory[64], config_path[96], socket_path[96], notify_name[64];

static void
write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");

	ck_assert_ptr_nonnull(file);
	fputs(text, file);
	fclose(file);
}

static int
bind_at(int type, const char *name, bool abstract)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	socklen_t length = sizeof(address);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", name);
	if (abstract) {
		address.sun_path[0] = '\0';
		length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(name));
	}
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&address, length), 0);
	return fd;
}

/* The next notification, within 10 s: what the service manager reads. */
static void
expect_notification(int fd, const char *expected)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buffer[256];
	ssize_t n;

	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	n = recv(fd, buffer, sizeof(buffer) - 1, 0);
	ck_assert_int_gt(n, 0);
	buffer[n] = '\0';
	ck_assert_str_eq(buffer, expected);
}

/* A client on the passed socket gets the daemon's greeting. */
static void
expect_greeting(void)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	char buffer[256];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&address,
	    sizeof(address)), 0);
	n = read(fd, buffer, sizeof(buffer) - 1);
	ck_assert_int_gt(n, 0);
	buffer[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buffer, "{\"QMP\":"));
	close(fd);
}

/* As systemd starts a socket-activated Type=notify service. */
static pid_t
start_activated(int listener)
{
	struct daemon_config config;
	char error[300], pid[16];
	pid_t child = fork();

	ck_assert_int_ge(child, 0);
	if (child != 0)
		return child;
	if (dup2(listener, 3) != 3)
		_exit(99);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("NOTIFY_SOCKET", notify_name, 1);
	daemon_config_defaults(&config);
	if (daemon_config_load(&config, config_path, error, sizeof(error)) < 0)
		_exit(98);
	snprintf(config.config_path, sizeof(config.config_path), "%s",
	    config_path);
	_exit(daemon_run(&config));
}

START_TEST(test_activated_notify_reload_stop)
{
	char text[400], never_bound[96];
	int listener, notify, status;
	struct stat st;
	pid_t child;

	snprintf(directory, sizeof(directory), "/tmp/vmmd-sd-test-%d", (int)getpid());
	snprintf(config_path, sizeof(config_path), "%s/vmmd.json", directory);
	snprintf(socket_path, sizeof(socket_path), "%s/passed.sock", directory);
	snprintf(never_bound, sizeof(never_bound), "%s/configured.sock", directory);
	snprintf(notify_name, sizeof(notify_name), "@vmmd-sd-test-%d", (int)getpid());
	mkdir(directory, 0700);
	snprintf(text, sizeof(text), "{\"socket\":\"%s\",\"state_dir\":\"%s\","
	    "\"kvm\":false,\"limits\":{\"vms\":3}}", never_bound, directory);
	write_file(config_path, text);
	notify = bind_at(SOCK_DGRAM, notify_name, true);
	listener = bind_at(SOCK_STREAM, socket_path, false);
	ck_assert_int_eq(listen(listener, 8), 0);

	child = start_activated(listener);
	expect_notification(notify, "READY=1\nSTATUS=0 of 0 VMs running");
	expect_greeting();
	ck_assert_int_eq(access(never_bound, F_OK), -1);

	/* A good file, then a bad one: both end in READY=1, and the daemon
	 * serves on. */
	snprintf(text, sizeof(text), "{\"state_dir\":\"%s\",\"kvm\":false,"
	    "\"stop_timeout_s\":5,\"limits\":{\"vms\":4}}", directory);
	write_file(config_path, text);
	kill(child, SIGHUP);
	expect_notification(notify, "RELOADING=1\nSTATUS=0 of 0 VMs running");
	expect_notification(notify, "READY=1\nSTATUS=0 of 0 VMs running");
	write_file(config_path, "{\"limits\":{\"vms\":\"many\"}}");
	kill(child, SIGHUP);
	expect_notification(notify, "RELOADING=1\nSTATUS=0 of 0 VMs running");
	expect_notification(notify, "READY=1\nSTATUS=0 of 0 VMs running");
	expect_greeting();

	kill(child, SIGTERM);
	expect_notification(notify, "STOPPING=1\nSTATUS=0 of 0 VMs running");
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* The socket is systemd's: still there, still listening here. */
	ck_assert_int_eq(stat(socket_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));

	close(listener);
	close(notify);
	unlink(socket_path);
	unlink(config_path);
	rmdir(directory);
}
END_TEST

/* What the service manager's store holds: each FDSTORE=1 datagram's fd,
 * under its FDNAME. */
struct store {
	int fds[8];			/* -1: closed */
	char names[8][256];
	unsigned int count;
};

/* Notifications until the store holds count fds (10 s at most). */
static void
store_until(int notify, struct store *store, unsigned int count)
{
	struct pollfd pfd = { .fd = notify, .events = POLLIN };
	char buffer[256], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buffer, sizeof(buffer) - 1 };
	struct msghdr message;
	struct cmsghdr *header;
	const char *name;
	ssize_t n;

	while (store->count < count) {
		ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
		message = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = control, .msg_controllen = sizeof(control) };
		n = recvmsg(notify, &message, 0);
		ck_assert_int_gt(n, 0);
		buffer[n] = '\0';
		header = CMSG_FIRSTHDR(&message);
		if (strncmp(buffer, "FDSTORE=1\nFDNAME=", 17) != 0 ||
		    header == NULL)
			continue;	/* READY=1, STATUS=...: not the store's */
		name = buffer + 17;
		ck_assert_uint_lt(store->count, 8);
		memcpy(&store->fds[store->count], CMSG_DATA(header), sizeof(int));
		snprintf(store->names[store->count], sizeof(store->names[0]),
		    "%s", name);
		store->count++;
	}
}

/* The service manager's socket, read meanwhile as systemd reads it (a
 * datagram queue that fills makes the daemon wait or drop). */
static int notify_drained = -1;

static void
drain_notifications(void)
{
	char buffer[256], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buffer, sizeof(buffer) };
	struct msghdr message;
	struct cmsghdr *header;
	int fd;

	for (;;) {
		message = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = control, .msg_controllen = sizeof(control) };
		if (notify_drained < 0 ||
		    recvmsg(notify_drained, &message, MSG_DONTWAIT) < 0)
			return;
		header = CMSG_FIRSTHDR(&message);
		if (header != NULL && header->cmsg_type == SCM_RIGHTS) {
			memcpy(&fd, CMSG_DATA(header), sizeof(fd));
			close(fd);
		}
	}
}

/* One client line that holds want (20 s at most); the line, to free. */
static char *
line_with(int fd, const char *want)
{
	static char buffer[8192];
	static size_t used;
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
	    { .fd = notify_drained, .events = POLLIN } };
	char *end, *line;
	ssize_t n;

	for (;;) {
		while ((end = memchr(buffer, '\n', used)) != NULL) {
			*end = '\0';
			line = strdup(buffer);
			used -= (size_t)(end + 1 - buffer);
			memmove(buffer, end + 1, used);
			if (strstr(line, want) != NULL)
				return line;
			free(line);
		}
		ck_assert_msg(poll(pfd, 2, 20000) >= 1, "no line with %s", want);
		drain_notifications();
		if (pfd[0].revents == 0)
			continue;
		n = read(fd, buffer + used, sizeof(buffer) - used);
		ck_assert_int_gt(n, 0);
		used += (size_t)n;
	}
}

static int
client_connect(void)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&address,
	    sizeof(address)), 0);
	free(line_with(fd, "{\"QMP\":"));
	ck_assert_int_gt(write(fd, "{\"execute\":\"qmp_capabilities\"}\n", 31), 0);
	free(line_with(fd, "\"return\""));
	return fd;
}

static void
send_line(int fd, const char *line)
{
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
}

/* The daemon that starts after a restart: the socket and what the store
 * kept, as systemd passes them (LISTEN_FDS, LISTEN_FDNAMES). */
static pid_t
start_with_store(int listener, const struct store *store)
{
	struct daemon_config config;
	char error[300], pid[16], count[16], names[2400];
	int high[9];
	unsigned int i;
	pid_t child = fork();

	ck_assert_int_ge(child, 0);
	if (child != 0)
		return child;
	high[0] = fcntl(listener, F_DUPFD, 64);
	snprintf(names, sizeof(names), "vmmd.socket");
	for (i = 0; i < store->count; i++) {
		high[i + 1] = fcntl(store->fds[i], F_DUPFD, 64);
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		    ":%s", store->names[i]);
	}
	for (i = 0; i <= store->count; i++)
		if (high[i] < 0 || dup2(high[i], 3 + (int)i) != 3 + (int)i)
			_exit(99);
	/* as systemd passes them: those, and no other copy */
	for (i = 4 + store->count; i < 1024; i++)
		close((int)i);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(count, sizeof(count), "%u", store->count + 1);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", count, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	setenv("NOTIFY_SOCKET", notify_name, 1);
	daemon_config_defaults(&config);
	if (daemon_config_load(&config, config_path, error, sizeof(error)) < 0)
		_exit(98);
	_exit(daemon_run(&config));
}

static void
stop_daemon(pid_t child)
{
	int status;

	kill(child, SIGTERM);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

static int
create_and_start(int client, const char *name)
{
	char line[400], *reply;
	int pid;

	snprintf(line, sizeof(line), "{\"execute\":\"vm-create\",\"arguments\":"
	    "{\"spec\":{\"name\":\"%s\",\"vcpus\":1,\"memory_mib\":64,"
	    "\"kernel\":\"/tmp/vmmd-sd-adopt-kernel\"}}}\n", name);
	send_line(client, line);
	free(line_with(client, "\"return\""));
	snprintf(line, sizeof(line), "{\"execute\":\"vm-start\",\"arguments\":"
	    "{\"vm\":\"%s\"}}\n", name);
	send_line(client, line);
	reply = line_with(client, "\"pid\"");
	ck_assert_int_eq(sscanf(strstr(reply, "\"pid\":"), "\"pid\":%d", &pid),
	    1);
	free(reply);
	free(line_with(client, "VM_RUNNING"));
	return pid;
}

/* Whether pid runs (neither gone nor a zombie), from /proc/PID/stat. */
static bool
process_runs(int pid)
{
	char path[64], text[512], *end;
	FILE *file;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	file = fopen(path, "r");
	if (file == NULL)
		return false;
	n = fread(text, 1, sizeof(text) - 1, file);
	fclose(file);
	text[n] = '\0';
	end = strrchr(text, ')');
	return end != NULL && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';
}

/* Under a service manager, a daemon that exits leaves its VMs running: each
 * VM's channel went to the store (three fds, named), the VM processes live
 * on, and the daemon started with them adopts them: the same pid, running,
 * its uptime kept, and its channel answers (a pause). A process that
 * answers adopt with what the contract refuses ("mute", as one taken over
 * by its guest would) is not adopted: listed stopped, its channel closed,
 * so that it ends; the daemon serves on. */
START_TEST(test_restart_adopts)
{
	struct store store = { .count = 0 };
	char text[600], *line;
	struct pollfd pfd = { .events = POLLIN };
	int listener, notify, client, vm_pid, mute_pid, mute_pidfd;
	unsigned int i;
	pid_t child;

	snprintf(directory, sizeof(directory), "/tmp/vmmd-sd-adopt-%d",
	    (int)getpid());
	snprintf(config_path, sizeof(config_path), "%s/vmmd.json", directory);
	snprintf(socket_path, sizeof(socket_path), "%s/passed.sock", directory);
	snprintf(notify_name, sizeof(notify_name), "@vmmd-sd-adopt-%d",
	    (int)getpid());
	mkdir(directory, 0700);
	write_file("/tmp/vmmd-sd-adopt-kernel", "kernel");
	/* stop_timeout_s 1: the process not adopted is given 1 s + 5 s to
	 * end (it does not: the store holds its channel), then killed */
	snprintf(text, sizeof(text), "{\"state_dir\":\"%s\",\"kvm\":true,"
	    "\"vm_process\":\"tests/unit/data/fake-vm-process\",\"images\":"
	    "{\"directories\":[\"/tmp\"]},\"stop_timeout_s\":1}", directory);
	write_file(config_path, text);
	notify = bind_at(SOCK_DGRAM, notify_name, true);
	listener = bind_at(SOCK_STREAM, socket_path, false);
	ck_assert_int_eq(listen(listener, 8), 0);

	child = start_activated(listener);
	client = client_connect();
	vm_pid = create_and_start(client, "a");
	store_until(notify, &store, 3);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(strstr(store.names[i], ".a"));
	mute_pid = create_and_start(client, "mute");
	store_until(notify, &store, 6);
	close(client);
	stop_daemon(child);
	ck_assert_int_eq(kill(vm_pid, 0), 0);	/* they run on */
	mute_pidfd = (int)syscall(SYS_pidfd_open, mute_pid, 0);
	ck_assert_int_eq(kill(mute_pid, 0), 0);

	child = start_with_store(listener, &store);
	notify_drained = notify;	/* the store is complete: the rest is read */
	client = client_connect();
	send_line(client, "{\"execute\":\"vm-list\"}\n");
	line = line_with(client, "\"return\"");
	snprintf(text, sizeof(text), "\"state\":\"running\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"pid\":%d", vm_pid);
	ck_assert_msg(strstr(line, text) != NULL, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "\"uptime_s\":"));
	ck_assert_msg(strstr(line, "{\"name\":\"mute\",\"state\":\"stopped\"")
	    != NULL, "%s", line);
	free(line);
	/* it was killed once its time to end had passed: its pidfd says so,
	 * or (valgrind knows no pidfd_open) its /proc entry, polled */
	if (mute_pidfd >= 0) {
		pfd.fd = mute_pidfd;
		ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
		close(mute_pidfd);
	} else {
		for (i = 0; i < 200 && process_runs(mute_pid); i++)
			poll(NULL, 0, 50);
		ck_assert(!process_runs(mute_pid));
	}
	send_line(client, "{\"execute\":\"vm-pause\",\"arguments\":{\"vm\":"
	    "\"a\"},\"id\":\"p\"}\n");
	line = line_with(client, "\"id\":\"p\"");
	ck_assert_msg(strstr(line, "\"return\"") != NULL, "%s", line);
	free(line);
	send_line(client, "{\"execute\":\"vm-stop\",\"arguments\":{\"vm\":"
	    "\"a\"}}\n");
	free(line_with(client, "VM_STOPPED"));
	close(client);
	stop_daemon(child);
	notify_drained = -1;
	for (i = 0; i < store.count; i++)
		if (store.fds[i] >= 0)
			close(store.fds[i]);
	close(listener);
	close(notify);
	snprintf(text, sizeof(text), "rm -rf %s /tmp/vmmd-sd-adopt-kernel",
	    directory);
	ck_assert_int_eq(system(text), 0);
}
END_TEST

static Suite *
daemon_systemd_suite(void)
{
	Suite *suite = suite_create("daemon_systemd");
	TCase *tc = tcase_create("activated");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_activated_notify_reload_stop);
	tcase_add_test(tc, test_restart_adopts);
	suite_add_tcase(suite, tc);
	return suite;
}
UNIT_SUITE(daemon_systemd_suite)
