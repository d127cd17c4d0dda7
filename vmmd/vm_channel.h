/* The contract between the daemon and one of its VM processes: the fds the
 * process is started with, the messages each side sends (one JSON object a
 * line on the control socket), and their encoding and decoding. Both sides
 * use this file and nothing else to speak: the daemon in vm_process.c, the
 * VM process in cmd_vm_process.c. Every message received is validated here
 * (a known kind, sent in the right direction, every member of the right
 * type and size) before anyone uses it: the VM process is driven by a guest
 * that may have taken it over (docs/security.md). */
#ifndef VMMD_VM_CHANNEL_H
#define VMMD_VM_CHANNEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/vm_spec.h"
#include "image_policy.h"

/* The VM process's fds, as exec leaves them (and only these). */
#define VM_CHANNEL_CONTROL_FD		3	/* the socketpair, both ways */
#define VM_CHANNEL_CONSOLE_OUT_FD	4	/* the guest's output, a pipe */
#define VM_CHANNEL_CONSOLE_IN_FD	5	/* its input, a pipe */

#define VM_CHANNEL_LINE_MAX	(1u << 20)	/* longer: the sender is killed */
#define VM_CHANNEL_PATH_MAX	576
#define VM_CHANNEL_USER_MAX	64
#define VM_CHANNEL_DESC_MAX	128
/* What a VM process reports is bounded before the daemon stores it: a
 * result's detail (under this many bytes), and counters (a tree of at
 * most this depth, members per container, bytes per string, and bytes in
 * all). */
#define VM_CHANNEL_DETAIL_MAX		256
#define VM_CHANNEL_COUNTERS_DEPTH	4
#define VM_CHANNEL_COUNTERS_WIDTH	128
#define VM_CHANNEL_COUNTERS_STRING	256
#define VM_CHANNEL_COUNTERS_BYTES	(64 * 1024)

/* Who receives a message. */
enum vm_channel_side {
	VM_CHANNEL_TO_PROCESS,
	VM_CHANNEL_TO_DAEMON,
};

enum vm_message_kind {
	/* the daemon to the VM process */
	VM_MSG_SPEC,		/* the first line: what to run */
	VM_MSG_PAUSE,		/* answered by an ack */
	VM_MSG_RESUME,		/* answered by an ack */
	VM_MSG_INFO,		/* answered by an ack with counters */
	VM_MSG_STOP,		/* force: at once, else the guest is asked */
	VM_MSG_X_FORBIDDEN_SYSCALL,	/* a test hook: the sandbox kills it */
	VM_MSG_ADOPT,		/* a new daemon has the channel: answered
				 * by adopted */
	VM_MSG_SNAPSHOT,	/* with the state and memory files attached:
				 * answered by an ack with the figures */
	/* the VM process to the daemon */
	VM_MSG_RUNNING,		/* the guest's first instruction is near */
	VM_MSG_ACK,		/* ok, or desc says why not */
	VM_MSG_RESULT,		/* how the VM ended; then the process exits */
	VM_MSG_ADOPTED,		/* the VM's state, for the daemon that adopts */
	VM_MSG_COUNT,
};
#define VM_MSG_NONE	VM_MSG_COUNT	/* "no message", in tables */

struct vm_spec_message {
	struct api_vm_spec spec;
	char console_log[VM_CHANNEL_PATH_MAX];
	char kvm_path[VM_CHANNEL_PATH_MAX];
	uint32_t stop_timeout_ms;	/* for its guest to shut down */
	char vm_user[VM_CHANNEL_USER_MAX];	/* "": no user change */
	bool test_hooks;
};

/* What a VM process says it is doing when a new daemon adopts it
 * (docs/design.md, "A daemon restart keeps the VMs"). */
enum vm_adopted_state {
	VM_ADOPTED_STARTING,	/* its guest has not begun */
	VM_ADOPTED_RUNNING,
	VM_ADOPTED_PAUSED,
	VM_ADOPTED_STOPPING,	/* a stop is under way */
	VM_ADOPTED_COUNT,
};
const char *vm_adopted_state_name(enum vm_adopted_state state);

/* One message; which members count depends on the kind. The json_t
 * members are owned by the message (vm_message_clear). */
struct vm_message {
	enum vm_message_kind kind;
	bool force;			/* stop */
	bool ok;			/* ack */
	char desc[VM_CHANNEL_DESC_MAX];	/* ack when not ok: why not */
	json_t *counters;		/* ack of info: an object, or NULL */
	json_t *result;			/* result: an object; outcome a known
					 * one, detail and counters bounded */
	struct vm_spec_message *spec;	/* spec: borrowed when encoding,
					 * owned (allocated) when decoded */
	enum vm_adopted_state adopted;	/* adopted */
	const int *fds;			/* snapshot, when sent: its two files */
	unsigned int fd_count;
};

const char *vm_message_name(enum vm_message_kind kind);
/* The kinds table: every kind named once, each sent one way. */
int vm_channel_table_validate(char *error, size_t error_size);

/* One line with its newline, to free; NULL when it cannot be built. */
char *vm_message_encode(const struct vm_message *message);
/* 0, or -1 with error saying why; message is cleared first, and must be
 * cleared after a success. */
int vm_message_decode(const char *line, size_t length,
    enum vm_channel_side receiver, struct vm_message *message,
    char *error, size_t error_size);
void vm_message_clear(struct vm_message *message);

/* The files a spec names, in the one order both sides walk (kernel,
 * initrd, cpu_template, the devices, then restore's state and memory): every path of a file (the
 * daemon opens it under its image policy, docs/security.md) and every
 * "fd:NAME" a client passed, but not a tap given by its name (the VM
 * process attaches it). The daemon sends their fds with the spec line
 * (SCM_RIGHTS) in that order, so the VM process opens none by name. */
#define VM_CHANNEL_FILES_MAX	(5 + API_VM_DEVICES_MAX)
struct vm_channel_file {
	const char *ref;		/* the spec's string: a path or "fd:NAME" */
	enum image_use use;
	int device;			/* its index in devices, or -1 */
	bool passed;			/* "fd:NAME": the client's fd */
};
unsigned int vm_channel_files(const struct api_vm_spec *spec,
    struct vm_channel_file files[VM_CHANNEL_FILES_MAX]);
/* How many of those are passed ("fd:NAME"). */
unsigned int vm_channel_files_passed(const struct vm_channel_file *files,
    unsigned int count);

/* The daemon: the spec's line on socket with fds attached to its first
 * byte. Returns the bytes sent (the rest is the caller's to queue), or -1
 * with errno. */
ssize_t vm_channel_send_with_fds(int socket, const char *line, size_t length,
    const int *fds, unsigned int count);

/* The VM process, before it reads the spec: the fds that came with it
 * (peeked: the line stays for the reader). Their count, or -1 with error
 * saying why (and none left open). Once the spec is read, the count must
 * be its vm_channel_files'. */
int vm_channel_receive_fds(int socket, int fds[VM_CHANNEL_FILES_MAX],
    char *error, size_t error_size);

#endif
