/* `vmmd daemon`: the control socket, the libevent loop, signals, and the
 * way out (SIGTERM stops every VM cleanly, then the daemon exits). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "../core/log.h"
#include "cmd_probe.h"
#include "daemon.h"
#include "vm_commands.h"
#include "exit_status.h"
#include "options.h"

static int
make_parent_dir(const char *path)
{
	char dir[DAEMON_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Mode 0660, owned by the configured group when it exists: the socket's
 * permissions are the first check, SO_PEERCRED the second. */
static int
listen_socket(struct daemon *daemon)
{
	const char *path = daemon->config.socket_path;
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(address.sun_path)) {
		log_warnx("the socket path %s is longer than %zu bytes", path,
		    sizeof(address.sun_path) - 1);
		return -1;
	}
	strcpy(address.sun_path, path);
	if ((rc = make_parent_dir(path)) < 0) {
		log_warnx("cannot create the directory of %s: %s", path,
		    strerror(-rc));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("cannot make the socket %s", path);
		return -1;
	}
	unlink(path);	/* a stale one from a daemon that died */
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0 ||
	    chmod(path, 0660) < 0 || listen(fd, 128) < 0) {
		log_warn("cannot listen on %s", path);
		close(fd);
		return -1;
	}
	if (daemon->group_known && chown(path, (uid_t)-1, daemon->group_gid) < 0)
		log_warn("cannot give %s to group %s", path, daemon->config.group);
	return fd;
}

static void
accept_cb(struct evconnlistener *listener, evutil_socket_t fd,
    struct sockaddr *address, int length, void *context)
{
	(void)listener;
	(void)address;
	(void)length;
	client_accept(context, fd);
}

/* Once terminating and no VM process is left, the loop ends. */
static void
daemon_maybe_exit(struct daemon *daemon)
{
	if (daemon->terminating && !vm_registry_has_processes(&daemon->registry))
		event_base_loopexit(daemon->base, NULL);
}

/* The registry's word that a VM changed state: the journal, the service
 * manager's status line, and the way out once the last process is gone. */
static void
vm_state_changed(void *context, const struct vm_record *vm,
    enum vm_state previous)
{
	struct daemon *daemon = context;

	if (!daemon_systemd_journal_vm(vm->spec.name, previous, vm->state))
		log_info("VM %s: %s -> %s", vm->spec.name,
		    vm_state_name(previous), vm_state_name(vm->state));
	daemon_systemd_status(daemon);
	daemon_maybe_exit(daemon);
}

static void
term_timeout_cb(evutil_socket_t fd, short what, void *context)
{
	struct daemon *daemon = context;

	(void)fd;
	(void)what;
	vm_registry_kill_all(&daemon->registry);
}

/* Under a service manager that keeps their channels, the VMs outlive the
 * daemon: a restart adopts them, a stop releases the store and each VM
 * process stops its guest (docs/design.md). */
static void
daemon_hand_over(struct daemon *daemon, int signal_number)
{
	unsigned int n = vm_registry_hand_over(&daemon->registry);

	log_info("signal %d: exiting, %u VMs left running to the service "
	    "manager (a restart adopts them, a stop of the service stops "
	    "them)", signal_number, n);
	daemon->handed_over = true;
	event_base_loopexit(daemon->base, NULL);
}

static void
signal_cb(evutil_socket_t signal_number, short what, void *context)
{
	struct daemon *daemon = context;
	struct timeval timeout = {
		daemon->config.stop_timeout_s + VM_STOP_GRACE_S, 0 };

	(void)what;
	if (signal_number == SIGHUP && !daemon->terminating) {
		daemon_reload(daemon);
		return;
	}
	if (daemon->terminating)
		return;
	daemon->terminating = true;
	daemon_systemd_stopping(daemon);
	if (daemon->listener != NULL)
		evconnlistener_disable(daemon->listener);
	if (daemon->registry.hand_over) {
		daemon_hand_over(daemon, (int)signal_number);
		return;
	}
	log_info("signal %d: stopping every VM, then exiting", (int)signal_number);
	vm_registry_stop_all(&daemon->registry);
	daemon->term_timer = evtimer_new(daemon->base, term_timeout_cb, daemon);
	if (daemon->term_timer != NULL)
		evtimer_add(daemon->term_timer, &timeout);
	daemon_maybe_exit(daemon);
}

/* Which executable a VM process runs: vmmd itself, or the configured
 * stand-in (tests). */
static int
find_self(struct daemon *daemon, const struct daemon_config *config)
{
	ssize_t n;

	n = config->vm_process[0] != '\0' ?
	    (ssize_t)strlen(strcpy(daemon->self_exe, config->vm_process)) :
	    readlink("/proc/self/exe", daemon->self_exe,
	    sizeof(daemon->self_exe) - 1);
	if (n <= 0) {
		log_warn("refusing to start: cannot find vmmd's own executable "
		    "(/proc/self/exe)");
		return -1;
	}
	daemon->self_exe[n] = '\0';
	return 0;
}

static void
find_group(struct daemon *daemon, const char *name)
{
	struct group *group = getgrnam(name);

	if (group != NULL) {
		daemon->group_gid = group->gr_gid;
		daemon->group_known = true;
	} else
		log_info("group %s does not exist: only root may connect", name);
}

static int
state_dir_take(struct daemon *daemon, const char *dir)
{
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		log_warn("refusing to start: cannot create the state directory "
		    "%s", dir);
		return -1;
	}
	if ((daemon->state_lock = state_dir_lock(dir)) < 0) {
		log_warnx("refusing to start: %s: %s", dir,
		    daemon->state_lock == -EBUSY ? "another daemon uses this "
		    "state directory" : strerror(-daemon->state_lock));
		return -1;
	}
	return 0;
}

/* The changelist folds each reply's add-then-remove of the write event
 * into no epoll_ctl at all. */
static int
make_base(struct daemon *daemon)
{
	struct event_config *event_config = event_config_new();

	if (event_config != NULL) {
		event_config_set_flag(event_config,
		    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		daemon->base = event_base_new_with_config(event_config);
		event_config_free(event_config);
	}
	if (daemon->base == NULL) {
		log_warnx("refusing to start: cannot make the event loop "
		    "(libevent: out of memory, or no backend)");
		return -1;
	}
	return 0;
}

static int
listen_on(struct daemon *daemon)
{
	int fd = daemon->passed_socket;

	/* each of these says why it failed */
	if (fd < 0 && (fd = listen_socket(daemon)) < 0)
		return -1;
	daemon->listener = evconnlistener_new(daemon->base, accept_cb, daemon,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (daemon->listener == NULL) {
		log_warnx("refusing to start: cannot listen on %s (libevent)",
		    daemon->config.socket_path);
		close(fd);
		return -1;
	}
	return 0;
}

static int
catch_signals(struct daemon *daemon)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
	size_t i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		daemon->signals[i] = evsignal_new(daemon->base, signals[i],
		    signal_cb, daemon);
		if (daemon->signals[i] == NULL || evsignal_add(daemon->signals[i],
		    NULL) < 0) {
			log_warnx("refusing to start: cannot catch signal %d",
			    signals[i]);
			return -1;
		}
	}
	return 0;
}

static void
registry_setup(struct daemon *daemon)
{
	daemon->output = (struct vm_registry_output){
		client_reply, client_error, client_broadcast, client_console,
		client_subscribed, client_passed_fd, client_uid, vm_state_changed,
		client_daemon_figures, daemon,
	};
	vm_registry_init(&daemon->registry, &daemon->config, &daemon->output,
	    &vm_registry_processes);
	daemon->registry.exe = daemon->self_exe;
}

/* Every step that fails says why, in one line, where it failed. */
static int
daemon_setup(struct daemon *daemon, const struct daemon_config *config)
{
	struct vm_handover handover = { 0 };

	daemon->config = *config;
	daemon->passed_socket = -1;
	clock_gettime(CLOCK_MONOTONIC, &daemon->counts.started);
	/* A client that goes while its reply is written is an EPIPE, never
	 * the daemon's death, however the daemon was started. */
	signal(SIGPIPE, SIG_IGN);
	TAILQ_INIT(&daemon->clients);
	registry_setup(daemon);
	if (find_self(daemon, config) < 0)
		return -1;
	find_group(daemon, config->group);
	if (state_dir_take(daemon, config->state_dir) < 0 ||
	    make_base(daemon) < 0)
		return -1;
	daemon->registry.base = daemon->base;
	daemon->registry.hand_over = daemon_systemd_hand_over(daemon);
	if (daemon_systemd_passed(daemon, &handover) < 0) {
		vm_handover_drop_rest(&handover);
		return -1;
	}
	/* VM processes are adopted with the event loop there to watch them */
	vm_registry_restore(&daemon->registry, &handover);
	if (listen_on(daemon) < 0 || catch_signals(daemon) < 0)
		return -1;
	return 0;
}

static void
daemon_teardown(struct daemon *daemon)
{
	struct client *client;
	size_t i;

	while ((client = TAILQ_FIRST(&daemon->clients)) != NULL) {
		/* the last events (VM_STOPPED of the VMs stopped on
		 * SIGTERM) reach it before the daemon goes */
		if (!client->doomed)
			client_io_drain(&client->io, 10);
		client_free(client);
	}
	vm_registry_free_all(&daemon->registry);
	if (daemon->listener != NULL) {
		evconnlistener_free(daemon->listener);
		if (!daemon->socket_inherited)
			unlink(daemon->config.socket_path);
	}
	for (i = 0; i < sizeof(daemon->signals) / sizeof(daemon->signals[0]); i++)
		if (daemon->signals[i] != NULL)
			event_free(daemon->signals[i]);
	if (daemon->term_timer != NULL)
		event_free(daemon->term_timer);
	if (daemon->base != NULL)
		event_base_free(daemon->base);
	if (daemon->state_lock >= 0)
		close(daemon->state_lock);
	json_decref(daemon->host_report);
}

static json_t *
host_report(const struct daemon_config *config)
{
	if (!config->kvm)
		return json_pack("{s:b,s:s}", "usable", 0, "message",
		    "the daemon runs without KVM (kvm: false or --no-kvm)");
	return cmd_probe_json(config->kvm_path);
}

/* Serves until SIGTERM; ready_fd (or -1) gets one byte once the socket
 * listens, so that whoever started the daemon knows when to connect. */
static int
daemon_serve(const struct daemon_config *config, int ready_fd)
{
	struct daemon *daemon;
	int rc = VMMD_EXIT_FAILURE;

	/* its tables were checked at the top of main() (startup_tables.c) */
	daemon = calloc(1, sizeof(*daemon));
	if (daemon == NULL) {
		log_warnx("refusing to start: out of memory");
		return VMMD_EXIT_FAILURE;
	}
	daemon->state_lock = -1;
	daemon->host_report = host_report(config);
	if (daemon_setup(daemon, config) == 0) {
		log_info("listening on %s", daemon->config.socket_path);
		daemon_systemd_ready(daemon);
		if (ready_fd >= 0) {
			if (write(ready_fd, "R", 1) != 1)
				log_warn("cannot say that the daemon is ready");
			close(ready_fd);
		}
		event_base_dispatch(daemon->base);
		if (!daemon->handed_over)
			vm_registry_forget_records(&daemon->registry);
		rc = 0;
	}
	daemon_teardown(daemon);
	free(daemon);
	return rc;
}

int
daemon_run(const struct daemon_config *config)
{
	return daemon_serve(config, -1);
}

int
daemon_run_ready(const struct daemon_config *config, int ready_fd)
{
	return daemon_serve(config, ready_fd);
}

/* The parent returns once the child listens: 0, or 1 when it could not. */
static int
detach(const char *pid_file, int *ready_fd)
{
	int fds[2];
	pid_t pid;
	char byte;
	FILE *out;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &byte, 1) != 1)
			_exit(VMMD_EXIT_FAILURE);
		if (pid_file != NULL && (out = fopen(pid_file, "we")) != NULL) {
			fprintf(out, "%d\n", (int)pid);
			fclose(out);
		}
		_exit(0);
	}
	close(fds[0]);
	setsid();
	*ready_fd = fds[1];
	return 0;
}

/* The options are a table in vmmd/options.c, parsed by its one parser. */
static int
parse_args(int argc, char **argv, struct daemon_config *config, bool *detached,
    const char **pid_file)
{
	struct daemon_options options = { .config = config };
	char error[320];

	if (daemon_options_parse(argc, argv, &options, error,
	    sizeof(error)) < 0) {
		log_warnx("refusing to start: %s (try 'vmmd --help')", error);
		return VMMD_EXIT_USAGE;
	}
	if (options.verbose)
		log_init("vmmd", true);
	if (options.result != COMMAND_LINE_PARSED) {
		vmmd_usage_or_version(options.result, stdout);
		return -1;	/* done: exit 0 */
	}
	*detached = options.detach;
	*pid_file = options.pid_file;
	return 0;
}

int
cmd_daemon(int argc, char **argv)
{
	struct daemon_config config;
	const char *pid_file = NULL;
	bool detached = false;
	int rc, ready_fd = -1;

	daemon_config_defaults(&config);
	if ((rc = parse_args(argc, argv, &config, &detached, &pid_file)) != 0)
		return rc < 0 ? 0 : rc;
	if (config.kvm && (rc = cmd_probe_gate(config.kvm_path)) != 0)
		return rc;
	if (detached && detach(pid_file, &ready_fd) < 0) {
		log_warn("cannot detach");
		return VMMD_EXIT_FAILURE;
	}
	return daemon_serve(&config, ready_fd);
}
