/* The daemon under systemd: the socket it is passed (socket activation),
 * what it tells the service manager (READY, STATUS, RELOADING, STOPPING),
 * the journal entries that name their VM in a field, and the reload of its
 * configuration on SIGHUP, which leaves every VM alone. Without systemd
 * each of these is a no-op. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../core/log.h"
#include "daemon.h"
#include "sd_daemon.h"

/* The passed fds that are VM processes' channels, by their names. */
static void
passed_channels(const char *names, int count, struct vm_handover *handover)
{
	char name[256];
	unsigned int kept = 0;
	int i;

	for (i = 0; i < count; i++)
		if (sd_daemon_listen_name(names, (unsigned int)i, name,
		    sizeof(name)) == 0 && vm_handover_add(handover, name,
		    SD_DAEMON_LISTEN_FDS_START + i) == 1)
			kept++;
	if (kept > 0)
		log_info("the service manager passed back %u fds of VM "
		    "processes' channels", kept);
}

static int
passed_socket(struct daemon *daemon, int count)
{
	struct sockaddr_un address;
	socklen_t length = sizeof(address);
	int fd, flags;

	fd = sd_daemon_listen_unix(count);
	if (fd == -ENOENT)
		return 0;	/* only VM channels: the daemon listens itself */
	if (fd < 0) {
		log_warnx("the sockets passed by the service manager: %s",
		    strerror(-fd));
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		log_warn("passed socket %d", fd);
		return -1;
	}
	daemon->passed_socket = fd;
	daemon->socket_inherited = true;
	memset(&address, 0, sizeof(address));
	if (getsockname(fd, (struct sockaddr *)&address, &length) == 0 &&
	    address.sun_path[0] != '\0')
		snprintf(daemon->config.socket_path,
		    sizeof(daemon->config.socket_path), "%s", address.sun_path);
	log_info("serving the socket passed by the service manager: %s",
	    daemon->config.socket_path);
	return 0;
}

int
daemon_systemd_passed(struct daemon *daemon, struct vm_handover *handover)
{
	const char *value = getenv("LISTEN_FDNAMES");
	char *names = value != NULL ? strdup(value) : NULL;
	int count, rc;

	daemon->passed_socket = -1;
	count = sd_daemon_listen_fds(true);
	if (count < 0) {
		log_warnx("LISTEN_FDS from the service manager: %s",
		    strerror(-count));
		free(names);
		return -1;
	}
	passed_channels(names, count, handover);
	free(names);
	rc = count > 0 ? passed_socket(daemon, count) : 0;
	return rc;
}

bool
daemon_systemd_hand_over(const struct daemon *daemon)
{
	const char *notify = getenv("NOTIFY_SOCKET");

	return daemon->config.keep_vms_on_restart && notify != NULL &&
	    notify[0] != '\0';
}

static void
notify(const char *first, const struct daemon *daemon)
{
	char message[160];
	int rc;

	snprintf(message, sizeof(message), "%sSTATUS=%u of %u VMs running",
	    first, vm_registry_running(&daemon->registry),
	    daemon->registry.count);
	rc = sd_daemon_notify(message);
	if (rc < 0)
		log_debug("cannot notify the service manager: %s", strerror(-rc));
}

void
daemon_systemd_ready(const struct daemon *daemon)
{
	notify("READY=1\n", daemon);
}

void
daemon_systemd_status(const struct daemon *daemon)
{
	notify("", daemon);
}

void
daemon_systemd_stopping(const struct daemon *daemon)
{
	notify("STOPPING=1\n", daemon);
}

/* A VM's change of state as a journal entry with the fields VMMD_VM and
 * VMMD_STATE (journalctl VMMD_VM=NAME), when stderr is the journal; false
 * when it is not or the entry could not go, and the caller logs as usual. */
bool
daemon_systemd_journal_vm(const char *vm, enum vm_state previous,
    enum vm_state now)
{
	char message[DAEMON_PATH_MAX], name[DAEMON_PATH_MAX], state[64];
	const char *fields[] = { message, "PRIORITY=6", "SYSLOG_IDENTIFIER=vmmd",
	    name, state };

	if (!sd_daemon_stderr_is_journal())
		return false;
	snprintf(message, sizeof(message), "MESSAGE=VM %s: %s -> %s", vm,
	    vm_state_name(previous), vm_state_name(now));
	snprintf(name, sizeof(name), "VMMD_VM=%s", vm);
	snprintf(state, sizeof(state), "VMMD_STATE=%s", vm_state_name(now));
	return sd_daemon_journal_send(SD_DAEMON_JOURNAL_SOCKET, fields,
	    sizeof(fields) / sizeof(fields[0])) == 0;
}

/* What a reload cannot change without a restart: where the daemon listens
 * and keeps state, and how it makes VMs. Kept, and said. */
static void
reload_keep(const struct daemon_config *running, struct daemon_config *next)
{
	static const struct {
		const char *key;
		size_t offset;
	} fixed[] = {
		{ "socket", offsetof(struct daemon_config, socket_path) },
		{ "state_dir", offsetof(struct daemon_config, state_dir) },
		{ "kvm_path", offsetof(struct daemon_config, kvm_path) },
		{ "vm_process", offsetof(struct daemon_config, vm_process) },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		const char *now = (const char *)running + fixed[i].offset;
		char *then = (char *)next + fixed[i].offset;

		if (strcmp(now, then) != 0)
			log_warnx("reload: '%s' changes only at a restart (kept %s)",
			    fixed[i].key, now);
		memcpy(then, now, DAEMON_PATH_MAX);
	}
	if (next->kvm != running->kvm)
		log_warnx("reload: 'kvm' changes only at a restart (kept %s)",
		    running->kvm ? "true" : "false");
	next->kvm = running->kvm;
	memcpy(next->config_path, running->config_path, DAEMON_PATH_MAX);
}

/* SIGHUP (ExecReload): the file is read again; limits, the stop timeout,
 * the group and allow_root apply to what comes next. VMs run on. A file
 * that does not load changes nothing. */
void
daemon_reload(struct daemon *daemon)
{
	struct daemon_config next;
	struct group *group;
	char error[300];

	notify("RELOADING=1\n", daemon);
	if (daemon->config.config_path[0] == '\0') {
		log_info("reload: no configuration file (--config): nothing to do");
		goto out;
	}
	daemon_config_defaults(&next);
	if (daemon_config_load(&next, daemon->config.config_path, error,
	    sizeof(error)) < 0) {
		log_warnx("reload refused, the configuration is unchanged: %s",
		    error);
		goto out;
	}
	reload_keep(&daemon->config, &next);
	group = getgrnam(next.group);
	daemon->group_known = group != NULL;
	daemon->group_gid = group != NULL ? group->gr_gid : 0;
	daemon->config = next;
	daemon->registry.hand_over = daemon_systemd_hand_over(daemon);
	log_info("reloaded %s: %u VMs untouched", next.config_path,
	    daemon->registry.count);
out:
	notify("READY=1\n", daemon);
}
