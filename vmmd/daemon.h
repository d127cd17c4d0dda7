/* The daemon's shared state: its configuration, its clients and its VMs.
 * Each part has its own file: config.c (the configuration), daemon.c (the
 * loop, the socket, signals), client.c (one connection, its framing and
 * commands), vm_registry.c (VMs, their states and events), vm_process.c
 * (one process per VM, supervised), state_dir.c (each VM's record on
 * disk, for a daemon started after one that died). */
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

#include "../api/protocol.h"
#include "../api/vm_spec.h"
#include "client_io.h"
#include "image_policy.h"

#define DAEMON_PATH_MAX		512
#define DAEMON_USER_MAX		64
#define DAEMON_GROUPS_MAX	8
#define VM_ATTACHED_MAX		8
#define VM_CONSOLE_RECENT	4096
/* After stop_timeout_s, how long a VM process has to stop its vCPUs and
 * tear the VM down before it is killed. */
#define VM_STOP_GRACE_S		5

struct daemon_limits {
	size_t message_bytes;		/* one request line */
	size_t output_bytes;		/* queued for one client before it is dropped */
	unsigned int clients;
	unsigned int vms;
	unsigned int vcpus_per_vm;
	uint64_t memory_mib_per_vm;
	unsigned int vcpus_total;
	uint64_t memory_mib_total;
};

struct daemon_config {
	char socket_path[DAEMON_PATH_MAX];
	char state_dir[DAEMON_PATH_MAX];	/* console logs, VM records */
	char group[64];			/* its members may connect */
	bool allow_root;
	bool kvm;			/* false: no VM can start (tests) */
	char kvm_path[DAEMON_PATH_MAX];
	char vm_process[DAEMON_PATH_MAX];	/* "": vmmd itself (tests: a fake) */
	unsigned int stop_timeout_s;	/* for a guest to shut down when asked */
	char vm_user[DAEMON_USER_MAX];	/* VM processes run as it (root only) */
	bool test_hooks;		/* x- commands for the tests */
	struct daemon_limits limits;
	struct image_policy images;	/* what a spec's paths may name */
	char config_path[DAEMON_PATH_MAX];	/* read again on SIGHUP */
};

enum vm_state {
	VM_STATE_DEFINED,
	VM_STATE_STARTING,
	VM_STATE_RUNNING,
	VM_STATE_PAUSED,
	VM_STATE_STOPPING,
	VM_STATE_STOPPED,
	VM_STATE_CRASHED,
	VM_STATE_COUNT,
};

struct client;
struct daemon;

/* A request waiting for the VM process's answer. */
struct vm_pending {
	TAILQ_ENTRY(vm_pending) entry;
	struct client *client;		/* NULL once it has gone */
	enum api_command_id command;
	json_t *id;
};
TAILQ_HEAD(vm_pending_list, vm_pending);

struct vm_entry {
	TAILQ_ENTRY(vm_entry) entry;
	struct daemon *daemon;
	struct api_vm_spec spec;
	enum vm_state state;
	pid_t pid;			/* 0: no process */
	struct bufferevent *control;	/* the socketpair to its process */
	int console_out;		/* reads the guest's serial output */
	int console_in;			/* writes its input */
	struct event *console_event;
	char console_log[DAEMON_PATH_MAX + 64];
	bool result_seen;		/* the process reported how it ended */
	bool kill_requested;
	bool delete_pending;
	json_t *last_result;		/* outcome, detail, counters */
	char recent[VM_CONSOLE_RECENT];	/* a ring of the last output */
	size_t recent_end, recent_length;
	struct client *attached[VM_ATTACHED_MAX];
	bool attached_base64[VM_ATTACHED_MAX];	/* exact bytes, in base64 */
	uint8_t utf8_held[4];	/* a UTF-8 sequence cut at a chunk's end */
	size_t utf8_held_length;
	struct vm_pending_list pending;
	struct event *kill_timer;
	uint64_t start_ns;
	uint64_t start_time;		/* its process's, from /proc/PID/stat */
	bool record_failed;		/* its record could not be written */
};
TAILQ_HEAD(vm_list, vm_entry);

struct client {
	TAILQ_ENTRY(client) entry;
	struct daemon *daemon;
	struct client_io io;
	bool negotiated;
	bool discarding;		/* skipping the rest of an oversized line */
	bool doomed;			/* does not read: freed from the loop */
	uint32_t events;		/* the events it receives: a mask */
	uid_t uid;
	pid_t pid;
};
TAILQ_HEAD(client_list, client);

struct daemon {
	struct event_base *base;
	struct daemon_config config;
	struct evconnlistener *listener;
	struct client_list clients;
	unsigned int client_count;
	struct vm_list vms;
	unsigned int vm_count;
	gid_t group_gid;
	bool group_known;
	bool terminating;
	bool socket_inherited;		/* passed by systemd: not ours to unlink */
	struct event *signals[3];
	struct event *term_timer;
	int state_lock;			/* the state directory's, held */
	char self_exe[DAEMON_PATH_MAX];
	json_t *host_report;		/* the probe's, at start */
};

/* config.c */
void daemon_config_defaults(struct daemon_config *config);
int daemon_config_load(struct daemon_config *config, const char *path,
    char *error, size_t error_size);

/* daemon.c */
int cmd_daemon(int argc, char **argv);
int daemon_run(const struct daemon_config *config);
int daemon_run_ready(const struct daemon_config *config, int ready_fd);
void daemon_maybe_exit(struct daemon *daemon);

/* daemon_systemd.c */
int daemon_systemd_socket(struct daemon *daemon, int *fd);
void daemon_systemd_ready(const struct daemon *daemon);
void daemon_systemd_status(const struct daemon *daemon);
void daemon_systemd_stopping(const struct daemon *daemon);
bool daemon_systemd_journal_vm(const struct vm_entry *vm, enum vm_state previous);
void daemon_reload(struct daemon *daemon);

/* client.c */
void client_accept(struct daemon *daemon, int fd);
void client_send(struct client *client, char *line);	/* frees line */
void client_reply(struct client *client, json_t *value, json_t *id);
void client_error(struct client *client, json_t *id,
    enum api_error_class class, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
void client_free(struct client *client);

/* vm_registry.c */
const char *vm_state_name(enum vm_state state);
int vm_state_table_validate(char *error, size_t error_size);
struct vm_entry *vm_find(struct daemon *daemon, const char *name);
void vm_set_state(struct vm_entry *vm, enum vm_state state, json_t *extra);
void vm_broadcast(struct daemon *daemon, const char *event, json_t *data);
void vm_command(struct client *client, const struct api_request *request);
void vm_forget_client(struct daemon *daemon, struct client *client);
void vm_console_output(struct vm_entry *vm, const char *bytes, size_t length);
void vm_free(struct vm_entry *vm);
json_t *vm_info_json(const struct vm_entry *vm);
void vm_registry_restore(struct daemon *daemon);
void vm_registry_forget_records(struct daemon *daemon);

/* vm_process.c */
int vm_process_spawn(struct vm_entry *vm, char *error, size_t error_size);
int vm_process_send(struct vm_entry *vm, const char *message);
void vm_process_kill(struct vm_entry *vm);
void vm_process_stop(struct vm_entry *vm, bool force);
int vm_process_start_time(pid_t pid, uint64_t *start_time, bool *zombie);
int vm_process_outlive(pid_t pid, uint64_t start_time, unsigned int timeout_ms);

/* state_dir.c */
struct state_record {
	struct api_vm_spec spec;
	enum vm_state state;
	pid_t pid;			/* 0: no process */
	uint64_t start_time;		/* the process's: pid reuse shows */
	char outcome[32];		/* the last run's, "" for none */
	char detail[256];
};
int state_dir_lock(const char *dir);
typedef void state_record_fn(const struct state_record *record, void *context);
int state_record_write(const char *dir, const struct vm_entry *vm);
void state_record_remove(const char *dir, const char *name);
int state_record_parse(const char *text, size_t length,
    const struct api_vm_limits *limits, struct state_record *record,
    char *error, size_t error_size);
int state_records_load(const char *dir, const struct api_vm_limits *limits,
    state_record_fn *fn, void *context);

/* cmd_vm_process.c: the other end, in the VM process */
int cmd_vm_process(int argc, char **argv);

#endif
