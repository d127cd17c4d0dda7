/* VMs that outlive their daemon under a service manager: each VM process's
 * three channel fds (the control socket, the read end of its console
 * output, the write end of its console input) are kept by the service
 * manager in the unit's file descriptor store (sd_notify's FDSTORE=1,
 * FileDescriptorStoreMax= in vmmd.service), one name each. A daemon started
 * after this one (systemctl restart, a package upgrade, a crash with
 * Restart=) is passed them back and adopts its VM processes through them
 * (vm_registry_restore). A stop of the service releases the store: each VM
 * process sees its channel end and stops its guest, as when no store
 * kept them. docs/design.md says why the store and not a socket per VM. */
#ifndef VMMD_VM_HANDOVER_H
#define VMMD_VM_HANDOVER_H

#include <stddef.h>

#include "../api/vm_spec.h"

enum vm_handover_fd {
	VM_HANDOVER_CONTROL,
	VM_HANDOVER_CONSOLE_OUT,
	VM_HANDOVER_CONSOLE_IN,
	VM_HANDOVER_FDS,
};

/* "vmmd-control.NAME" and the like: a VM name has no '.' and no ':'. */
#define VM_HANDOVER_NAME_MAX	(32 + API_VM_NAME_MAX)

struct vm_handover_entry {
	char name[API_VM_NAME_MAX + 1];
	int fds[VM_HANDOVER_FDS];	/* -1: not passed */
};

/* The fds passed back at start-up, by VM. */
struct vm_handover {
	struct vm_handover_entry *entries;
	unsigned int count;
};

void vm_handover_fd_name(char *out, size_t size, const char *vm,
    enum vm_handover_fd which);
/* 0 with the VM's name and which of its fds FDNAME is, -1 when it is not
 * one of ours (or names no valid VM). */
int vm_handover_fd_parse(const char *fdname, char *vm, size_t size,
    enum vm_handover_fd *which);

/* A passed fd and its name: 1 when it is one of ours (kept), 0 when not
 * (the caller's still), -1 when it cannot be kept (closed, and said). */
int vm_handover_add(struct vm_handover *handover, const char *fdname, int fd);
/* The three fds kept for VM, handed to the caller: 0; -ENOENT when none
 * came; -EINVAL when not all three did (those that came are closed). */
int vm_handover_take(struct vm_handover *handover, const char *vm,
    int fds[VM_HANDOVER_FDS]);
/* What no VM took: closed and forgotten by the service manager, so that
 * their VM processes see their channels end. How many VMs that was. */
unsigned int vm_handover_drop_rest(struct vm_handover *handover);

/* To the service manager: keep the three fds of VM (0, or a negative
 * errno: no store then; 0 also without a service manager), or forget them
 * (the VM process has ended). */
int vm_handover_store(const char *vm, const int fds[VM_HANDOVER_FDS]);
void vm_handover_forget(const char *vm);

#endif
