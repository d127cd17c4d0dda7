/* Another thread's handle on a running VM (struct vm_control): pause,
 * resume and stop whichever boot runs, send it a console BREAK, wait for
 * console lines, read its counters. The control lock guards which boot
 * runs; under it only the VM's own lock (vm->lock) is taken, never a
 * device's, so that a guest that keeps a device busy cannot hold up a
 * pause, an info or a stop. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vm_internal.h"

uint64_t
vm_monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* A waiter in vm_control_wait_lines looks again. From a vCPU thread under
 * the UART's lock too: only the leaf lock. */
void
vm_control_lines_changed(struct vm_control *control)
{
	pthread_mutex_lock(&control->lines_lock);
	control->lines_generation++;
	pthread_cond_broadcast(&control->lines_changed);
	pthread_mutex_unlock(&control->lines_lock);
}

/* The running boot, for the controlling thread; NULL once it ends. */
void
vm_control_attach(struct vm_control *control, struct vm *vm)
{
	bool stop;

	if (control == NULL)
		return;
	pthread_mutex_lock(&control->lock);
	control->vm = vm;
	stop = control->stop_requested;
	if (vm != NULL && stop)
		vm_request_stop(vm, NO_VCPU, VM_OUTCOME_STOPPED,
		    "stopped on request");
	pthread_mutex_unlock(&control->lock);
	if (vm == NULL)
		vm_control_lines_changed(control);	/* a waiter sees the boot end */
	if (vm != NULL && !stop && control->on_running != NULL)
		control->on_running(control->context);
}

bool
vm_control_stopped(struct vm_control *control)
{
	bool stop;

	if (control == NULL)
		return false;
	pthread_mutex_lock(&control->lock);
	stop = control->stop_requested;
	pthread_mutex_unlock(&control->lock);
	return stop;
}

void
vm_control_init(struct vm_control *control, void (*on_running)(void *context),
    void *context)
{
	pthread_condattr_t monotonic;

	memset(control, 0, sizeof(*control));
	pthread_mutex_init(&control->lock, NULL);
	control->on_running = on_running;
	control->context = context;
	pthread_mutex_init(&control->lines_lock, NULL);
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&control->lines_changed, &monotonic);
	pthread_condattr_destroy(&monotonic);
}

void
vm_control_destroy(struct vm_control *control)
{
	pthread_cond_destroy(&control->lines_changed);
	pthread_mutex_destroy(&control->lines_lock);
	pthread_mutex_destroy(&control->lock);
}

/* The running boot, or -EAGAIN: pause or resume it (vm_vcpus_pause). */
static int
vm_control_apply(struct vm_control *control, int (*apply)(struct vm *vm))
{
	int rc = -EAGAIN;

	pthread_mutex_lock(&control->lock);
	if (control->vm != NULL)
		rc = apply(control->vm);
	pthread_mutex_unlock(&control->lock);
	return rc;
}

int
vm_control_pause(struct vm_control *control)
{
	return vm_control_apply(control, vm_vcpus_pause);
}

int
vm_control_resume(struct vm_control *control)
{
	return vm_control_apply(control, vm_vcpus_resume);
}

/* The running boot ends with VM_OUTCOME_STOPPED, and no other starts. */
void
vm_control_stop(struct vm_control *control, const char *detail)
{
	pthread_mutex_lock(&control->lock);
	control->stop_requested = true;
	if (control->vm != NULL)
		vm_request_stop(control->vm, NO_VCPU, VM_OUTCOME_STOPPED, detail);
	pthread_mutex_unlock(&control->lock);
}

/* The running boot goes on, but no other starts after it. */
void
vm_control_no_reboot(struct vm_control *control)
{
	pthread_mutex_lock(&control->lock);
	control->stop_requested = true;
	pthread_mutex_unlock(&control->lock);
}

/* A BREAK then key on the guest's serial line: -EAGAIN when the UART's
 * FIFO is full or its lock busy (never waited for under the control lock:
 * a guest that keeps its console writing would hold up pause, info and
 * stop), -EBUSY when the VM is paused by its user (a park for the
 * kernel's copy, core/vm_detach.c, does not count), -ESRCH when no boot runs or it is
 * ending. */
int
vm_control_console_break(struct vm_control *control, uint8_t key)
{
	struct vm *vm;
	int rc = -ESRCH;

	pthread_mutex_lock(&control->lock);
	vm = control->vm;
	if (vm != NULL) {
		pthread_mutex_lock(&vm->lock);
		rc = vm->user_paused ? -EBUSY :
		    vm->outcome != VM_OUTCOME_NONE ? -ESRCH : 0;
		pthread_mutex_unlock(&vm->lock);
		if (rc == 0)
			rc = uart_16550_send_break(&vm->uart, key);
	}
	pthread_mutex_unlock(&control->lock);
	return rc;
}

/* Waits until the running boot's console has shown a line of mask (bits
 * of vm_shutdown_lines), that boot ends, or deadline_ns passes. Returns 0
 * with the bits seen so far, -ETIMEDOUT with them at the deadline, or
 * -ESRCH once no boot runs. */
int
vm_control_wait_lines(struct vm_control *control, unsigned int mask,
    uint64_t deadline_ns, unsigned int *seen)
{
	struct timespec deadline = { (time_t)(deadline_ns / 1000000000u),
	    (long)(deadline_ns % 1000000000u) };
	unsigned int generation;
	int rc = 0;

	for (;;) {
		pthread_mutex_lock(&control->lines_lock);
		generation = control->lines_generation;
		pthread_mutex_unlock(&control->lines_lock);
		pthread_mutex_lock(&control->lock);
		*seen = control->vm != NULL ?
		    atomic_load(&control->vm->console.seen) : 0;
		if (control->vm == NULL)
			rc = -ESRCH;
		pthread_mutex_unlock(&control->lock);
		if (rc < 0 || (*seen & mask) != 0)
			return rc;
		pthread_mutex_lock(&control->lines_lock);
		while (rc == 0 && generation == control->lines_generation)
			rc = pthread_cond_timedwait(&control->lines_changed,
			    &control->lines_lock, &deadline);
		pthread_mutex_unlock(&control->lines_lock);
		if (rc == ETIMEDOUT)
			return -ETIMEDOUT;
		rc = 0;
	}
}


/* A snapshot of the running boot's counters: each is written by one vCPU
 * thread only and read here without stopping it, so a figure may be one
 * exit behind. */
int
vm_control_counters(struct vm_control *control, struct forward_map *map,
    struct forward_counters *counters, uint64_t *exits)
{
	struct vm *vm;
	unsigned int i;

	memset(counters, 0, sizeof(*counters));
	*exits = 0;
	pthread_mutex_lock(&control->lock);
	vm = control->vm;
	if (vm != NULL) {
		*map = vm->map;
		for (i = 0; i < vm->vcpu_count; i++)
			forward_counters_sum(counters, &vm->vcpus[i].counters);
	}
	pthread_mutex_unlock(&control->lock);
	return vm == NULL ? -EAGAIN : 0;
}

/* The bytes the running boot's console log could not take (a full disk). */
uint64_t
vm_control_console_dropped(struct vm_control *control)
{
	uint64_t dropped = 0;

	pthread_mutex_lock(&control->lock);
	if (control->vm != NULL)
		dropped = atomic_load(&control->vm->console.log_dropped);
	pthread_mutex_unlock(&control->lock);
	return dropped;
}

/* A snapshot of the running boot's devices and their counters, read as
 * vm_control_counters reads the exits: a figure may be one behind. */
int
vm_control_devices(struct vm_control *control,
    struct vm_device_result *devices, unsigned int *count)
{
	int rc = -EAGAIN;

	*count = 0;
	pthread_mutex_lock(&control->lock);
	if (control->vm != NULL) {
		vm_io_results(&control->vm->io, devices, count);
		rc = 0;
	}
	pthread_mutex_unlock(&control->lock);
	return rc;
}

int
vm_control_snapshot(struct vm_control *control, int state_fd, int memory_fd,
    struct vm_snapshot_stats *stats, char *why, size_t why_size)
{
	int rc = -EAGAIN;

	pthread_mutex_lock(&control->lock);
	if (control->vm != NULL)
		rc = vm_snapshot_save(control->vm, state_fd, memory_fd, stats,
		    why, why_size);
	else
		snprintf(why, why_size, "no boot of it is running (starting "
		    "or rebooting)");
	pthread_mutex_unlock(&control->lock);
	return rc;
}
