/* One VM process from the daemon's side: a supervised child. It forks and
 * execs it with the fds of vm_channel.h, sends it messages, decodes what it
 * says, and reports through callbacks; it holds no request policy (which
 * command waits for which ack is the registry's, vm_registry.c). */
#ifndef VMMD_VM_PROCESS_H
#define VMMD_VM_PROCESS_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vm_channel.h"
#include "vm_handover.h"

/* After its socketpair closes, how long a process has to end before it
 * is killed: a VM process exits right after its result. */
#define VM_END_GRACE_MS		1000
/* Without a pidfd, how often an ended child is looked for. */
#define VM_REAP_POLL_MS		20

/* How a process ended, as the supervisor saw it. */
struct vm_process_end {
	int status;		/* waitpid's */
	bool reported;		/* a result came before the end */
	bool killed;		/* killed on request (vm-kill, a stop's deadline) */
};

struct vm_process_events {
	void (*running)(void *context, uint64_t start_us);
	void (*ack)(void *context, const struct vm_message *ack);
	void (*result)(void *context, json_t *result);	/* borrowed */
	void (*console)(void *context, const char *bytes, size_t length);
	void (*ended)(void *context, const struct vm_process_end *end);
};

struct vm_process {
	const char *name;		/* the VM's, for the log */
	struct event_base *base;
	const struct vm_process_events *events;
	void *context;
	pid_t pid;			/* 0: none */
	uint64_t start_ns;
	uint64_t start_time;		/* its, from /proc/PID/stat */
	struct bufferevent *control;	/* the socketpair */
	int console_out;		/* reads the guest's serial output */
	int console_in;			/* writes its input */
	struct event *console_event;
	struct event *kill_timer;
	unsigned int stop_deadline_s;	/* the kill timer's, for the log */
	bool reported;			/* it sent a result */
	bool killed;			/* on request */
	bool closed;			/* its socketpair has closed */
	bool adopted;			/* a daemon that died started it */
	int pidfd;			/* readable once it has ended, or -1 */
	struct event *reap_event;	/* on pidfd, or a timer without one */
	struct event *end_timer;	/* VM_END_GRACE_MS after closed */
};

void vm_process_init(struct vm_process *process, const char *name);
int vm_process_spawn(struct vm_process *process, struct event_base *base,
    const char *exe, const struct vm_spec_message *spec,
    const int *files, unsigned int file_count,
    const struct vm_process_events *events, void *context,
    char *error, size_t error_size);
int vm_process_send(struct vm_process *process,
    const struct vm_message *message);
/* on_request: the end is a kill that was asked for, not a crash. */
void vm_process_kill(struct vm_process *process, bool on_request);
/* Sends stop and kills it (on request) if it has not ended deadline_s
 * later. */
void vm_process_stop(struct vm_process *process, bool force,
    unsigned int deadline_s);
ssize_t vm_process_console_write(struct vm_process *process,
    const void *bytes, size_t length);
/* Kills it and lets go of everything, with no callback (the VM is
 * freed). */
void vm_process_release(struct vm_process *process);

/* The daemon's ends of its channel (vm_handover.h's order), for the
 * service manager's store: -1 when it has none. */
int vm_process_channel_fds(const struct vm_process *process,
    int fds[VM_HANDOVER_FDS]);
/* Lets go of it without a kill and with no callback: the daemon exits and
 * leaves it to the next one (its channel kept by the store). */
void vm_process_detach(struct vm_process *process);
/* A process a daemon that died started, from the fds passed back by the
 * store (taken: closed on failure too). Checked first (its pid's start
 * time, its pipes), then asked what its VM is doing: adopt, answered by
 * adopted within VM_ADOPT_TIMEOUT_MS, sent (SCM_CREDENTIALS) by the pid
 * the record names; then watched as a child is. 0 with its state, or -1
 * with error saying why. */
#define VM_ADOPT_TIMEOUT_MS	2000
int vm_process_adopt(struct vm_process *process, struct event_base *base,
    pid_t pid, uint64_t start_time, const int fds[VM_HANDOVER_FDS],
    const struct vm_process_events *events, void *context,
    enum vm_adopted_state *state, char *error, size_t error_size);
int vm_process_start_time(pid_t pid, uint64_t *start_time, bool *zombie);
int vm_process_outlive(pid_t pid, uint64_t start_time, unsigned int timeout_ms);

#endif
