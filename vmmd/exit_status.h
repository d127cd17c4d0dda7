/* vmmd's exit statuses: part of its interface, documented in vmmd --help
 * and docs/usage.md. */
#ifndef VMMD_EXIT_STATUS_H
#define VMMD_EXIT_STATUS_H

enum vmmd_exit_status {
	VMMD_EXIT_POWEROFF = 0,
	VMMD_EXIT_FAILURE = 1,
	VMMD_EXIT_USAGE = 2,
	VMMD_EXIT_NO_KVM = 3,
	VMMD_EXIT_REBOOT = 4,
	VMMD_EXIT_CRASH = 5,
	VMMD_EXIT_GUEST_ERROR = 6,
	VMMD_EXIT_PANIC = 7,
};

#endif
