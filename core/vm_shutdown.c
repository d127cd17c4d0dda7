/* A graceful stop of a Linux guest without a power button: Debian's kernels
 * have no gpio-keys driver for one, and vmmd's guests have no ACPI, but
 * every Linux serial console takes the magic SysRq keys after a BREAK:
 * s (sync every filesystem), u (remount them read-only), o (power off, which
 * ends in PSCI SYSTEM_OFF). Debian allows those three by default
 * (kernel.sysrq = 438). The kernel acknowledges each key with a
 * "sysrq: ..." line whatever its log level, and says when a sync or remount
 * is complete only when its log level lets that line through: a step whose
 * completion line never comes ends at its share of the budget. A guest that
 * does not acknowledge a key (SysRq off, its console elsewhere, hung) is
 * not waited for any longer. */
#include "vm_shutdown.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vm.h"

const char *const vm_shutdown_lines[VM_SHUTDOWN_LINES] = {
	[VM_SHUTDOWN_SYNC_ASKED] = "sysrq: Emergency Sync",
	[VM_SHUTDOWN_SYNC_DONE] = "Emergency Sync complete",
	[VM_SHUTDOWN_REMOUNT_ASKED] = "sysrq: Emergency Remount R/O",
	[VM_SHUTDOWN_REMOUNT_DONE] = "Emergency Remount complete",
	[VM_SHUTDOWN_POWEROFF_ASKED] = "sysrq: Power Off",
	[VM_SHUTDOWN_REFUSED] = "This sysrq operation is disabled",
};

#define BIT(line)	(1u << (line))

static const struct shutdown_step {
	uint8_t key;
	const char *what;
	enum vm_shutdown_line asked;
	unsigned int done_mask;		/* 0: the step ends with the boot */
	unsigned int share;		/* percent of the budget, cumulative */
} shutdown_steps[] = {
	{ 's', "sync", VM_SHUTDOWN_SYNC_ASKED, BIT(VM_SHUTDOWN_SYNC_DONE), 45 },
	{ 'u', "remount read-only", VM_SHUTDOWN_REMOUNT_ASKED,
	  BIT(VM_SHUTDOWN_REMOUNT_DONE), 65 },
	{ 'o', "power off", VM_SHUTDOWN_POWEROFF_ASKED, 0, 100 },
};

/* A full FIFO (the guest is not reading) is retried until the deadline. */
static int
send_key(struct vm_control *control, uint8_t key, uint64_t deadline_ns)
{
	unsigned int seen;
	int rc;

	for (;;) {
		rc = vm_control_console_break(control, key);
		if (rc != -EAGAIN || vm_monotonic_ns() >= deadline_ns)
			return rc;
		/* the FIFO drains as the guest reads: wait on its output */
		rc = vm_control_wait_lines(control, 0, vm_monotonic_ns() +
		    10000000u, &seen);
		if (rc == -ESRCH)
			return rc;
	}
}

/* 0 when the step is done (or ran out of its share waiting for its
 * completion line), 1 when no boot runs (any more), <0 with detail
 * otherwise. */
static int
run_step(struct vm_control *control, const struct shutdown_step *step,
    uint64_t deadline_ns, char *detail, size_t detail_size)
{
	unsigned int answered = BIT(step->asked) | BIT(VM_SHUTDOWN_REFUSED);
	unsigned int seen = 0;
	int rc;

	rc = send_key(control, step->key, deadline_ns);
	if (rc == -ESRCH)
		return 1;
	if (rc < 0) {
		snprintf(detail, detail_size, "SysRq %c (%s) could not be sent: "
		    "%s", step->key, step->what, rc == -EBUSY ?
		    "the VM is paused" : "the guest reads no console input");
		return rc;
	}
	rc = vm_control_wait_lines(control, answered, deadline_ns, &seen);
	if (rc == -ESRCH)
		return 1;
	if (seen & BIT(VM_SHUTDOWN_REFUSED)) {
		snprintf(detail, detail_size, "the guest refuses SysRq %c (%s): "
		    "its kernel.sysrq does not allow it", step->key, step->what);
		return -EPERM;
	}
	if (rc < 0) {
		snprintf(detail, detail_size, "the guest did not acknowledge "
		    "SysRq %c (%s) on its serial console", step->key, step->what);
		return rc;
	}
	rc = vm_control_wait_lines(control, step->done_mask, deadline_ns, &seen);
	return rc == -ESRCH ? 1 : 0;
}

int
vm_shutdown_guest(struct vm_control *control, unsigned int budget_ms,
    char *detail, size_t detail_size)
{
	uint64_t start = vm_monotonic_ns(), deadline;
	size_t i;
	int rc;

	vm_control_no_reboot(control);
	for (i = 0; i < sizeof(shutdown_steps) / sizeof(shutdown_steps[0]);
	    i++) {
		deadline = start + (uint64_t)budget_ms * 1000000u *
		    shutdown_steps[i].share / 100;
		rc = run_step(control, &shutdown_steps[i], deadline, detail,
		    detail_size);
		if (rc > 0 && i == 0) {
			snprintf(detail, detail_size, "no boot of the guest is "
			    "running to be asked");
			return -ESRCH;
		}
		if (rc != 0)
			return rc > 0 ? 0 : rc;
	}
	snprintf(detail, detail_size, "the guest did not power off within "
	    "%u ms of being asked", budget_ms);
	return -ETIMEDOUT;
}
