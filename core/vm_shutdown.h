/* Asking a Linux guest to shut down through its serial console, as an
 * operator at a terminal would: the magic SysRq keys sent after a BREAK. */
#ifndef VMMD_VM_SHUTDOWN_H
#define VMMD_VM_SHUTDOWN_H

#include <stddef.h>
#include <stdint.h>

struct vm_control;

/* The console lines the guest answers with, noted by every controlled
 * boot's console (bit i of console.seen: vm_shutdown_lines[i]). */
enum vm_shutdown_line {
	VM_SHUTDOWN_SYNC_ASKED,
	VM_SHUTDOWN_SYNC_DONE,
	VM_SHUTDOWN_REMOUNT_ASKED,
	VM_SHUTDOWN_REMOUNT_DONE,
	VM_SHUTDOWN_POWEROFF_ASKED,
	VM_SHUTDOWN_REFUSED,
	VM_SHUTDOWN_LINES
};

extern const char *const vm_shutdown_lines[VM_SHUTDOWN_LINES];

/* Syncs, remounts read-only and powers off the running guest within
 * budget_ms. 0: the guest powered off (the boot ended). <0: it cannot be
 * asked or did not answer; detail says why, and the caller forces the
 * stop. No boot starts after this is called. */
int vm_shutdown_guest(struct vm_control *control, unsigned int budget_ms,
    char *detail, size_t detail_size);

#endif
