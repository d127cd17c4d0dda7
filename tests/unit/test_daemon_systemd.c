/* The daemon as systemd runs it, without KVM: it serves the socket passed
 * on fd 3 (LISTEN_FDS) and leaves it in place at exit, says READY=1,
 * RELOADING=1 and STOPPING=1 with a STATUS on NOTIFY_SOCKET, and a SIGHUP
 * reloads its configuration (or keeps it, when the file is bad) while it
 * goes on serving. */
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

static Suite *
daemon_systemd_suite(void)
{
	Suite *suite = suite_create("daemon_systemd");
	TCase *tc = tcase_create("activated");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_activated_notify_reload_stop);
	suite_add_tcase(suite, tc);
	return suite;
}
UNIT_SUITE(daemon_systemd_suite)
