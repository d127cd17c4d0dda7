/* The daemon: its clients and its loop. Each part has its own file:
 * config.c (the configuration, config.h), daemon.c (the loop, the socket,
 * signals, start-up), client.c (one connection, its framing and the
 * commands that need no VM), daemon_systemd.c (the service manager).
 * The VMs are the registry's (vm_registry.h), their commands the command
 * table's (vm_commands.h), their processes vm_process.h's, their records
 * on disk state_dir.h's; what the daemon and a VM process say to each
 * other is vm_channel.h. */
#ifndef VMMD_DAEMON_H
#define VMMD_DAEMON_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include "../api/framing.h"
#include "../api/protocol.h"
#include "../api/vm_spec.h"
#include "client_fds.h"
#include "client_io.h"
#include "cmd_vm_process.h"	/* main.c finds it here */
#include "config.h"
#include "state_dir.h"
#include "vm_registry.h"

struct daemon;

struct client {
	TAILQ_ENTRY(client) entry;
	struct daemon *daemon;
	struct client_io io;
	bool negotiated;
	struct api_stream stream;	/* where the framer is in its input */
	bool doomed;			/* does not read: freed from the loop */
	uint32_t events;		/* the events it receives: a mask */
	uid_t uid;
	pid_t pid;
	struct client_fds fds;		/* passed (getfd), closed when it goes */
};
TAILQ_HEAD(client_list, client);

/* What query-metrics tells of the daemon itself (client.c counts). */
struct daemon_counts {
	struct timespec started;	/* CLOCK_MONOTONIC */
	uint64_t requests;
	uint64_t errors[API_ERROR_CLASS_COUNT];
};

struct daemon {
	struct event_base *base;
	struct daemon_config config;
	struct evconnlistener *listener;
	struct client_list clients;
	unsigned int client_count;
	struct vm_registry registry;
	struct vm_registry_output output;	/* the registry's: client.c's */
	gid_t group_gid;
	bool group_known;
	bool terminating;
	bool socket_inherited;		/* passed by systemd: not ours to unlink */
	int passed_socket;		/* the listening socket passed, or -1 */
	bool handed_over;		/* it exits leaving its VMs running */
	struct event *signals[3];
	struct event *term_timer;
	int state_lock;			/* the state directory's, held */
	char self_exe[DAEMON_PATH_MAX];
	json_t *host_report;		/* the probe's, at start */
	struct daemon_counts counts;
};

/* daemon.c */
int cmd_daemon(int argc, char **argv);
int daemon_run(const struct daemon_config *config);
int daemon_run_ready(const struct daemon_config *config, int ready_fd);

/* daemon_systemd.c */
/* What the service manager passed: the listening socket (socket
 * activation) and the VM processes' channels its store kept (into
 * handover). -1 when what was passed cannot serve. */
int daemon_systemd_passed(struct daemon *daemon, struct vm_handover *handover);
/* Whether VM processes' channels go to the service manager's store. */
bool daemon_systemd_hand_over(const struct daemon *daemon);
void daemon_systemd_ready(const struct daemon *daemon);
void daemon_systemd_status(const struct daemon *daemon);
void daemon_systemd_stopping(const struct daemon *daemon);
bool daemon_systemd_journal_vm(const char *name, enum vm_state previous,
    enum vm_state state);
void daemon_reload(struct daemon *daemon);

/* client.c; the registry's output is made of these */
extern const enum api_command_id client_commands[];	/* it serves them */
extern const size_t client_command_count;
void client_accept(struct daemon *daemon, int fd);
void client_send(struct client *client, char *line);	/* frees line */
void client_reply(struct client *client, json_t *value, json_t *id);
void client_error(struct client *client, json_t *id,
    enum api_error_class class, const char *desc);
void client_broadcast(void *daemon, uid_t owner, const char *event,
    json_t *data);
void client_console(struct client *client, const char *line);
bool client_subscribed(const struct client *client, int event_index);
int client_passed_fd(struct client *client, const char *name, bool take);
uid_t client_uid(const struct client *client);
void client_daemon_figures(void *daemon, struct api_metrics_daemon *figures);
void client_free(struct client *client);

#endif
