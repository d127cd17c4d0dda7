/* The daemon's VMs: one record each (struct vm_record: the daemon's view
 * of a VM, not core's struct vm, which runs in the VM process), their
 * states, the requests waiting for a VM process's answer, the events every
 * client sees, the console output, and the records on disk.
 *
 * The registry speaks through two tables of functions, so that it needs
 * neither a client nor a live process nor an event loop for its logic
 * (tests/unit/test_vm_registry.c drives it alone): an output (replies,
 * errors, events: client.c in the daemon) and a supervisor (spawn, send,
 * stop, kill: vm_process.c in the daemon, vm_registry_processes). */
#ifndef VMMD_VM_REGISTRY_H
#define VMMD_VM_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "../api/metrics.h"
#include "../api/protocol.h"
#include "../api/vm_spec.h"
#include "config.h"
#include "vm_channel.h"
#include "vm_process.h"
#include "vm_state.h"

#define VM_ATTACHED_MAX		8
#define VM_CONSOLE_RECENT	4096
/* After stop_timeout_s, how long a VM process has to stop its vCPUs and
 * tear the VM down before it is killed. */
#define VM_STOP_GRACE_S		5

struct client;		/* who asked: opaque here, client.c's */

/* One request that asks several VM processes at once (query-metrics,
 * vmmd/metrics_scrape.c): each VM's answer, or its end, is handed to
 * answer with its slot, its counters (NULL: none) and the client (NULL
 * once it has gone). */
struct vm_gather {
	void (*answer)(struct vm_gather *gather, unsigned int slot,
	    json_t *counters, struct client *client);
};

/* A request waiting for the VM process's answer, with what the answer
 * does (from the command table, vm_commands.c). */
/* What the client is answered when the process acks ok. */
enum vm_answer {
	VM_ANSWER_EMPTY,	/* {} */
	VM_ANSWER_INFO,		/* vm-info's, with the ack's counters */
	VM_ANSWER_COUNTERS,	/* the ack's counters themselves */
};

struct vm_pending {
	TAILQ_ENTRY(vm_pending) entry;
	struct client *client;		/* NULL once it has gone */
	enum api_command_id command;
	enum vm_state on_ack;		/* the state an ok gives, or COUNT */
	enum vm_answer answer;		/* what an ok ack answers */
	json_t *id;
	struct vm_gather *gather;	/* the answer goes there, not to client */
	unsigned int slot;		/* the gather's */
};
TAILQ_HEAD(vm_pending_list, vm_pending);

struct vm_registry;

struct vm_record {
	TAILQ_ENTRY(vm_record) entry;
	struct vm_registry *registry;
	struct api_vm_spec spec;
	enum vm_state state;
	struct vm_process process;	/* process.pid 0: none */
	char console_log[DAEMON_PATH_MAX + 64];
	json_t *last_result;		/* outcome, detail, counters */
	char recent[VM_CONSOLE_RECENT];	/* a ring of the last output */
	size_t recent_end, recent_length;
	struct client *attached[VM_ATTACHED_MAX];
	bool attached_base64[VM_ATTACHED_MAX];	/* exact bytes, in base64 */
	uint8_t utf8_held[4];	/* a UTF-8 sequence cut at a chunk's end */
	size_t utf8_held_length;
	struct vm_pending_list pending;
	bool record_failed;		/* its record could not be written */
	/* the spec's passed files (vm_channel_files' order), checked and
	 * held from vm-create to vm-delete; none in a restored record */
	int files[VM_CHANNEL_FILES_MAX];
	unsigned int file_count;
	/* the uid of the client that made it: only that uid and root see and
	 * act on it, and its paths open as the policy lets that client's
	 * (images.root_any_path for root) */
	uid_t owner;
	/* when its guest began to run (CLOCK_REALTIME, seconds; 0: it does
	 * not run), kept in its record so that uptime goes on across a
	 * daemon restart */
	int64_t started_at;
};
TAILQ_HEAD(vm_list, vm_record);

/* How the registry speaks. Each steals the json_t it is given. */
struct vm_registry_output {
	void (*reply)(struct client *client, json_t *value, json_t *id);
	void (*error)(struct client *client, json_t *id,
	    enum api_error_class class, const char *desc);
	/* an event about a VM of owner's: to root's clients and owner's */
	void (*broadcast)(void *context, uid_t owner, const char *event,
	    json_t *data);
	/* one console event line for an attached client (copied) */
	void (*console)(struct client *client, const char *line);
	bool (*subscribed)(const struct client *client, int event_index);
	/* the fd the client named (getfd), -1 if none; take: it is no longer
	 * the client's but the caller's */
	int (*passed_fd)(struct client *client, const char *name, bool take);
	/* the client's uid (SO_PEERCRED): whose VMs it sees; 0 is root */
	uid_t (*client_uid)(const struct client *client);
	void (*state_changed)(void *context, const struct vm_record *vm,
	    enum vm_state previous);
	/* the daemon's own figures for query-metrics (clients, requests) */
	void (*daemon_figures)(void *context,
	    struct api_metrics_daemon *figures);
	void *context;
};

/* How the registry runs VM processes. */
struct vm_supervisor {
	int (*spawn)(struct vm_record *vm, char *error, size_t error_size);
	int (*send)(struct vm_record *vm, const struct vm_message *message);
	void (*stop)(struct vm_record *vm, bool force, unsigned int deadline_s);
	void (*kill)(struct vm_record *vm, bool on_request);
	ssize_t (*console_write)(struct vm_record *vm, const void *bytes,
	    size_t length);
	void (*release)(struct vm_record *vm);
	/* lets go of its process without a kill (the daemon exits and the
	 * service manager's store keeps its channel) */
	void (*detach)(struct vm_record *vm);
	/* takes over the process a daemon that died ran for vm, from its
	 * channel's fds (taken): 0 with what its VM does, or -1 with error */
	int (*adopt)(struct vm_record *vm, pid_t pid, uint64_t start_time,
	    const int fds[VM_HANDOVER_FDS], enum vm_adopted_state *state,
	    char *error, size_t error_size);
};

struct vm_registry {
	struct vm_list vms;
	unsigned int count;
	const struct daemon_config *config;
	const struct vm_registry_output *output;
	const struct vm_supervisor *supervisor;
	struct event_base *base;	/* the supervisor's */
	const char *exe;		/* what a VM process runs */
	/* under a service manager with keep_vms_on_restart: each VM
	 * process's channel goes to its store (vm_handover.h) */
	bool hand_over;
};

/* The supervisor of the daemon: vm_process.c. */
extern const struct vm_supervisor vm_registry_processes;

void vm_registry_init(struct vm_registry *registry,
    const struct daemon_config *config,
    const struct vm_registry_output *output,
    const struct vm_supervisor *supervisor);
struct vm_record *vm_registry_find(struct vm_registry *registry,
    const char *name);
unsigned int vm_registry_running(const struct vm_registry *registry);
bool vm_registry_has_processes(const struct vm_registry *registry);
void vm_registry_stop_all(struct vm_registry *registry);
void vm_registry_kill_all(struct vm_registry *registry);
void vm_registry_forget_client(struct vm_registry *registry,
    struct client *client);
void vm_registry_free_all(struct vm_registry *registry);
/* The records of a daemon that ran before: their VMs listed again, and
 * their processes adopted where handover (or NULL) has their channels. */
void vm_registry_restore(struct vm_registry *registry,
    struct vm_handover *handover);
/* The daemon exits and leaves its VMs running: every record kept as it is,
 * every process detached. How many were. */
unsigned int vm_registry_hand_over(struct vm_registry *registry);
void vm_registry_forget_records(struct vm_registry *registry);

/* The reply functions, the registry's and the command handlers' one way
 * back to a client. */
void vm_reply(struct vm_registry *registry, struct client *client,
    json_t *value, json_t *id);
void vm_error(struct vm_registry *registry, struct client *client,
    json_t *id, enum api_error_class class, const char *format, ...)
    __attribute__((format(printf, 5, 6)));
void vm_broadcast(const struct vm_record *vm, const char *event,
    json_t *data);
/* Whether a client of uid may see and act on vm: root, or its owner. */
bool vm_record_visible(const struct vm_record *vm, uid_t uid);

struct vm_record *vm_record_new(struct vm_registry *registry,
    const struct api_vm_spec *spec);
int vm_record_insert(struct vm_record *vm);
void vm_record_free(struct vm_record *vm);
void vm_record_set_state(struct vm_record *vm, enum vm_state state,
    json_t *extra);
json_t *vm_record_info_json(const struct vm_record *vm);
json_t *vm_record_console_recent(const struct vm_record *vm, bool base64);
/* Sends message and queues the request for the process's ack. */
void vm_record_ask(struct vm_record *vm, struct client *client,
    const struct api_request *request, const struct vm_message *message,
    enum vm_state on_ack, enum vm_answer answer);
/* Asks for the VM's counters on behalf of gather's slot; -1: it cannot be
 * asked (the caller counts it answered, with no counters). */
int vm_record_ask_gather(struct vm_record *vm, struct client *client,
    struct vm_gather *gather, unsigned int slot);

/* What its process says (vm_process.h's events). */
void vm_record_running(struct vm_record *vm, uint64_t start_us);
void vm_record_ack(struct vm_record *vm, const struct vm_message *ack);
void vm_record_result(struct vm_record *vm, json_t *result);
void vm_record_console(struct vm_record *vm, const char *bytes,
    size_t length);
void vm_record_ended(struct vm_record *vm, const struct vm_process_end *end);
/* Seconds since its guest began to run, or -1 when it does not run. */
int64_t vm_record_uptime(const struct vm_record *vm);

#endif
