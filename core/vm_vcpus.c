/* A VM's vCPUs: their creation, one thread each running the exit loop,
 * the kick that gets them out of KVM_RUN, the park a pause holds them in,
 * and the stop the first vCPU whose exit ends the VM records for all. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "vm_internal.h"

#define VCPU_KICK_SIGNAL	SIGUSR1
static void
kick_handler(int signal_number)
{
	(void)signal_number;	/* its only job is to interrupt KVM_RUN */
}

void
vm_vcpus_install_kick(void)
{
	struct sigaction action = { .sa_handler = kick_handler };
	sigset_t set;

	sigemptyset(&action.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &action, NULL);	/* no SA_RESTART */
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* immediate_exit covers a vCPU that is about to enter KVM_RUN; the signal
 * one that is inside it. */
void
vm_kick_all(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->vcpu_count; i++) {
		if (!vm->vcpus[i].thread_started)
			continue;
		vm->vcpus[i].fd.run->immediate_exit = 1;
		pthread_kill(vm->vcpus[i].thread, VCPU_KICK_SIGNAL);
	}
}

/* The first stop wins: later ones are the other vCPUs being kicked. */
void
vm_request_stop(struct vm *vm, int vcpu, enum vm_outcome outcome,
    const char *detail)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->outcome == VM_OUTCOME_NONE) {
		vm->outcome = outcome;
		vm->stop_vcpu = vcpu;
		snprintf(vm->stop_detail, sizeof(vm->stop_detail), "%s", detail);
	}
	pthread_cond_broadcast(&vm->parked_changed);
	pthread_mutex_unlock(&vm->lock);
	atomic_store(&vm->stopping, true);
	vm_kick_all(vm);
}

/* A vCPU kicked out of KVM_RUN by vm_pause waits here until vm_resume or
 * a stop; true when it should run again. It clears its own immediate_exit,
 * after the wait, so that a stop kick that comes later still counts. */
static bool
vm_park(struct vm *vm, struct vm_vcpu *vcpu)
{
	bool resume;

	pthread_mutex_lock(&vm->lock);
	if (!vm->pausing || vm->outcome != VM_OUTCOME_NONE) {
		pthread_mutex_unlock(&vm->lock);
		return false;
	}
	vm->parked++;
	pthread_cond_broadcast(&vm->parked_changed);
	while (vm->pausing && vm->outcome == VM_OUTCOME_NONE)
		pthread_cond_wait(&vm->parked_changed, &vm->lock);
	vm->parked--;
	resume = vm->outcome == VM_OUTCOME_NONE;
	if (resume)
		vcpu->fd.run->immediate_exit = 0;
	pthread_mutex_unlock(&vm->lock);
	return resume;
}

static void *
vcpu_thread(void *argument)
{
	struct vm_vcpu *vcpu = argument;
	struct vm *vm = vcpu->vm;
	int index = (int)(vcpu - vm->vcpus);
	char detail[sizeof(vm->stop_detail)];
	uint64_t exits = 0;

	for (;;) {
		vcpu->run_error = vcpu_run_until_stop(&vcpu->fd, &vm->map,
		    &vm->mmio_ring, &vcpu->counters, &vm->stopping, &vcpu->stop);
		exits += vcpu->stop.exits;
		if (vcpu->run_error < 0 || vcpu->stop.outcome != VM_OUTCOME_NONE ||
		    !vm_park(vm, vcpu))
			break;
	}
	vcpu->stop.exits = exits;
	if (vcpu->run_error < 0) {
		snprintf(detail, sizeof(detail), "KVM_RUN failed on vCPU %d: %s",
		    index, strerror(-vcpu->run_error));
		vm_request_stop(vm, index, VM_OUTCOME_STOPPED, detail);
	} else if (vcpu->stop.outcome != VM_OUTCOME_NONE)
		vm_request_stop(vm, index, vcpu->stop.outcome, vcpu->stop.detail);
	return NULL;
}

unsigned int
vm_vcpus_started(const struct vm *vm)
{
	unsigned int i, started = 0;

	for (i = 0; i < vm->vcpu_count; i++)
		started += vm->vcpus[i].thread_started;
	return started;
}

/* The vCPU as KVM resets it, or as the CPU template wants it. Secondary
 * vCPUs start powered off, waiting for PSCI CPU_ON. */
static int
vm_init_vcpu(struct vm *vm, unsigned int index)
{
	const struct cpu_template *cpu_template = vm->config->cpu_template;
	struct kvm_vcpu_fd *vcpu = &vm->vcpus[index].fd;
	char why[160];
	int rc;

	if (cpu_template == NULL) {
		rc = arch_vcpu_init(vm->vm_fd, vcpu, index > 0);
		if (rc < 0)
			log_warnx("cannot initialise vCPU %u: %s", index,
			    strerror(-rc));
		return rc;
	}
	rc = arch_vcpu_init_template(vm->vm_fd, vcpu, index > 0, cpu_template,
	    why, sizeof(why));
	if (rc < 0)
		log_warnx("cannot apply the CPU template to vCPU %u: %s", index,
		    why);
	return rc;
}

/* Every vCPU must exist before the interrupt controller is initialised;
 * all but the first start powered off, waiting for PSCI CPU_ON. */
int
vm_vcpus_create(struct vm *vm)
{
	struct vm_vcpu *vcpu;
	unsigned int i;
	int rc;

	for (i = 0; i < vm->config->vcpus; i++) {
		vcpu = &vm->vcpus[i];
		vcpu->vm = vm;
		rc = kvm_vcpu_create(vm->system_fd, vm->vm_fd, i, &vcpu->fd);
		if (rc < 0) {
			log_warnx("cannot create vCPU %u: %s", i, strerror(-rc));
			return rc;
		}
		vm->vcpu_count++;
		rc = vm_init_vcpu(vm, i);
		if (rc == 0)
			rc = arch_vcpu_id(&vcpu->fd, &vm->vcpu_ids[i]);
		if (rc < 0)
			return rc;
	}
	rc = arch_vm_finalize(vm->arch);
	if (rc < 0) {
		log_warnx("cannot initialise the interrupt controller for %u "
		    "vCPUs: %s", vm->vcpu_count, strerror(-rc));
		return rc;
	}
	for (i = 0; i < vm->vcpu_count; i++) {
		rc = arch_vcpu_finalize(vm->arch, &vm->vcpus[i].fd);
		if (rc < 0) {
			log_warnx("cannot finish setting up vCPU %u (its PMU): %s",
			    i, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* A thread that cannot start stops the VM; those started run until it
 * stops (vm_vcpus_join). */
void
vm_vcpus_start(struct vm *vm)
{
	struct vm_vcpu *vcpu;
	unsigned int i;
	int rc;

	for (i = 0; i < vm->vcpu_count; i++) {
		vcpu = &vm->vcpus[i];
		rc = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
		if (rc != 0) {
			log_warnx("cannot start vCPU %u's thread: %s", i,
			    strerror(rc));
			vm_request_stop(vm, (int)i, VM_OUTCOME_STOPPED,
			    "a vCPU thread could not start");
			break;
		}
		vcpu->thread_started = true;
	}
}

void
vm_vcpus_join(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->vcpu_count; i++)
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
}

/* The vCPUs park while the user's pause or the loader's swap
 * (core/vm_detach.c) holds them, each a flag under vm->lock: holder. Returns
 * once every vCPU thread is parked outside KVM_RUN: -EALREADY when that
 * holder holds already, -ESRCH when the VM is ending. */
static int
vm_vcpus_hold(struct vm *vm, bool *holder)
{
	bool kick;
	int rc = 0;

	pthread_mutex_lock(&vm->lock);
	if (*holder || vm->outcome != VM_OUTCOME_NONE) {
		rc = *holder ? -EALREADY : -ESRCH;
		pthread_mutex_unlock(&vm->lock);
		return rc;
	}
	*holder = true;
	kick = !vm->pausing;
	vm->pausing = true;
	atomic_store(&vm->stopping, true);
	pthread_mutex_unlock(&vm->lock);
	if (kick)
		vm_kick_all(vm);
	pthread_mutex_lock(&vm->lock);
	while (vm->parked < vm_vcpus_started(vm) &&
	    vm->outcome == VM_OUTCOME_NONE)
		pthread_cond_wait(&vm->parked_changed, &vm->lock);
	if (vm->outcome != VM_OUTCOME_NONE)
		rc = -ESRCH;
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

/* The vCPUs run again once no holder is left. stopping is cleared under
 * vm->lock only while no outcome is set, so a stop that races with the
 * resume is never lost. -EALREADY when holder does not hold, -ESRCH when
 * the VM is ending. */
static int
vm_vcpus_release(struct vm *vm, bool *holder)
{
	int rc = 0;

	pthread_mutex_lock(&vm->lock);
	if (!*holder)
		rc = -EALREADY;
	else if (vm->outcome != VM_OUTCOME_NONE)
		rc = -ESRCH;
	else {
		*holder = false;
		if (!vm->user_paused && !vm->load_held &&
		    !vm->snapshot_held) {
			atomic_store(&vm->stopping, false);
			vm->pausing = false;
			pthread_cond_broadcast(&vm->parked_changed);
		}
	}
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

int
vm_vcpus_pause(struct vm *vm)
{
	return vm_vcpus_hold(vm, &vm->user_paused);
}

int
vm_vcpus_resume(struct vm *vm)
{
	return vm_vcpus_release(vm, &vm->user_paused);
}

/* The loader's hold: the user's pause and resume neither see nor end it. */
int
vm_vcpus_hold_for_load(struct vm *vm)
{
	return vm_vcpus_hold(vm, &vm->load_held);
}

void
vm_vcpus_release_for_load(struct vm *vm)
{
	vm_vcpus_release(vm, &vm->load_held);
}

/* A snapshot's hold (core/vm_snapshot.c): neither the user's pause and
 * resume nor the loader's see or end it. */
int
vm_vcpus_hold_for_snapshot(struct vm *vm)
{
	return vm_vcpus_hold(vm, &vm->snapshot_held);
}

void
vm_vcpus_release_for_snapshot(struct vm *vm)
{
	vm_vcpus_release(vm, &vm->snapshot_held);
}
