/* The kernel and initrd of a running VM cut from their files. They were
 * mapped copy-on-write (core/guest_load.c), so that the guest started
 * without waiting for a copy; this thread reads each file into an
 * anonymous copy beside the running guest, then holds the vCPUs parked for
 * the moment it takes to carry over the pages the guest wrote and put the
 * copy in the mapping's place (guest_memory_swap_ties). Until then a
 * truncate of the file would take the guest's pages away: a file found
 * changed before the swap stops the VM (docs/security.md). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kept_files.h"
#include "log.h"
#include "vm_internal.h"

static void
vm_detach_failed(struct vm *vm, int rc)
{
	char detail[sizeof(vm->stop_detail)];

	if (rc == -ECANCELED)
		return;		/* the VM is ending: nothing to keep */
	if (rc == -ESTALE)
		snprintf(detail, sizeof(detail), "the kernel or initrd file "
		    "changed before vmmd had its own copy of it");
	else
		snprintf(detail, sizeof(detail), "cannot copy the kernel or "
		    "initrd into guest RAM: %s", strerror(-rc));
	log_warnx("%s: the guest may no longer see what it booted, so it "
	    "stops", detail);
	vm_request_stop(vm, NO_VCPU, VM_OUTCOME_STOPPED, detail);
}

/* The pagemap tells the pages the guest wrote without touching any; kept
 * open before a sandbox. Without it the swap compares every page. */
static int
vm_detach_swap(struct vm *vm)
{
	uint64_t carried = 0, start = vm_monotonic_ns();
	int pagemap_fd, rc;

	pagemap_fd = kept_files_open(GUEST_MEMORY_PAGEMAP_PATH,
	    O_RDONLY | O_CLOEXEC);
	rc = vm_vcpus_hold_for_load(vm);
	if (rc < 0) {
		rc = -ECANCELED;	/* ending: it may end with the tie */
	} else {
		rc = guest_memory_swap_ties(&vm->memory, pagemap_fd, &carried);
		vm_vcpus_release_for_load(vm);
	}
	if (pagemap_fd >= 0)
		close(pagemap_fd);
	if (rc == 0)
		log_debug("detach: the guest held %" PRIu64 " us, %" PRIu64
		    " pages it wrote carried over%s",
		    (vm_monotonic_ns() - start) / 1000, carried,
		    pagemap_fd < 0 ? " (no pagemap: compared)" : "");
	return rc;
}

static void *
vm_detach_thread(void *argument)
{
	struct vm *vm = argument;
	uint64_t start = vm_monotonic_ns();
	int rc;

	rc = guest_memory_copy_ties(&vm->memory, &vm->detach_cancel);
	if (rc == 0) {
		log_debug("detach: files copied in %" PRIu64 " us",
		    (vm_monotonic_ns() - start) / 1000);
		rc = vm_detach_swap(vm);
	}
	if (rc < 0)
		vm_detach_failed(vm, rc);
	return NULL;
}

/* Nothing to do for a guest whose files were read or decompressed. A
 * thread that cannot start leaves no guest tied to a file: it stops. */
void
vm_detach_start(struct vm *vm)
{
	int rc;

	atomic_store(&vm->detach_cancel, false);
	if (guest_memory_tied(&vm->memory) == 0)
		return;
	rc = pthread_create(&vm->detach_thread, NULL, vm_detach_thread, vm);
	if (rc != 0) {
		vm_detach_failed(vm, -rc);
		return;
	}
	vm->detach_started = true;
}

/* Once the vCPUs are gone: a copy still being read is given up. */
void
vm_detach_join(struct vm *vm)
{
	if (!vm->detach_started)
		return;
	atomic_store(&vm->detach_cancel, true);
	pthread_join(vm->detach_thread, NULL);
	vm->detach_started = false;
}
