/* Building, running and tearing down one VM. Each step logs its own failure
 * once, with what it was doing, and the status says which kind it was.
 * One thread per vCPU runs the exit loop; the first vCPU whose exit ends
 * the VM records the outcome and kicks the others out of KVM_RUN. */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "guest_load.h"
#include "guest_memory.h"
#include "log.h"
#include "rss.h"
#include "uart_16550.h"
#include "vm_shutdown.h"

#define VCPU_KICK_SIGNAL	SIGUSR1
#define NO_VCPU			(-1)

static uint64_t
monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void
kick_handler(int signal_number)
{
	(void)signal_number;	/* its only job is to interrupt KVM_RUN */
}

static void
install_kick_handler(void)
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
static void
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
static void
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

static void
console_panicked(void *context)
{
	struct vm *vm = context;
	char detail[sizeof(vm->stop_detail)];

	snprintf(detail, sizeof(detail), "the guest kernel panicked: %s",
	    strstr(vm->console.panic_line, CONSOLE_PANIC_MARKER));
	vm_request_stop(vm, NO_VCPU, VM_OUTCOME_PANIC, detail);
}

static void
console_marker_seen(void *context)
{
	struct vm *vm = context;

	vm->marker_ns = monotonic_ns() - vm->boot_start_ns;
}

static void
lines_changed(struct vm_control *control)
{
	pthread_mutex_lock(&control->lines_lock);
	control->lines_generation++;
	pthread_cond_broadcast(&control->lines_changed);
	pthread_mutex_unlock(&control->lines_lock);
}

/* From a vCPU thread, under the UART's lock: only the leaf lock. */
static void
console_line_seen(void *context)
{
	struct vm *vm = context;

	lines_changed(vm->config->control);
}

static void
uart_irq(void *context, bool level)
{
	struct vm *vm = context;

	arch_irq_line(vm->arch, vm->layout->console_irq, level);
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
		    &vcpu->counters, &vm->stopping, &vcpu->stop);
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

/* The running boot, for the controlling thread; NULL once it ends. */
static void
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
		lines_changed(control);	/* a waiter sees the boot end */
	if (vm != NULL && !stop && control->on_running != NULL)
		control->on_running(control->context);
}

static bool
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

static unsigned int
vm_started_threads(const struct vm *vm)
{
	unsigned int i, started = 0;

	for (i = 0; i < vm->vcpu_count; i++)
		started += vm->vcpus[i].thread_started;
	return started;
}

/* Returns once every vCPU thread is parked outside KVM_RUN: -EAGAIN when no
 * boot runs, -EALREADY when paused already, -ESRCH when the VM is ending. */
int
vm_control_pause(struct vm_control *control)
{
	struct vm *vm;
	int rc = 0;

	pthread_mutex_lock(&control->lock);
	vm = control->vm;
	if (vm == NULL) {
		rc = -EAGAIN;
		goto out;
	}
	pthread_mutex_lock(&vm->lock);
	if (vm->pausing || vm->outcome != VM_OUTCOME_NONE) {
		rc = vm->pausing ? -EALREADY : -ESRCH;
		pthread_mutex_unlock(&vm->lock);
		goto out;
	}
	vm->pausing = true;
	atomic_store(&vm->stopping, true);
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
	pthread_mutex_lock(&vm->lock);
	while (vm->parked < vm_started_threads(vm) &&
	    vm->outcome == VM_OUTCOME_NONE)
		pthread_cond_wait(&vm->parked_changed, &vm->lock);
	if (vm->outcome != VM_OUTCOME_NONE)
		rc = -ESRCH;
	pthread_mutex_unlock(&vm->lock);
out:
	pthread_mutex_unlock(&control->lock);
	return rc;
}

/* stopping is cleared under vm->lock only while no outcome is set, so a
 * stop that races with the resume is never lost. */
int
vm_control_resume(struct vm_control *control)
{
	struct vm *vm;
	int rc = 0;

	pthread_mutex_lock(&control->lock);
	vm = control->vm;
	if (vm == NULL) {
		rc = -EAGAIN;
		goto out;
	}
	pthread_mutex_lock(&vm->lock);
	if (!vm->pausing)
		rc = -EALREADY;
	else if (vm->outcome != VM_OUTCOME_NONE)
		rc = -ESRCH;
	else {
		atomic_store(&vm->stopping, false);
		vm->pausing = false;
		pthread_cond_broadcast(&vm->parked_changed);
	}
	pthread_mutex_unlock(&vm->lock);
out:
	pthread_mutex_unlock(&control->lock);
	return rc;
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
 * FIFO is full, -EBUSY when the VM is paused, -ESRCH when no boot runs or
 * it is ending. */
int
vm_control_console_break(struct vm_control *control, uint8_t key)
{
	struct vm *vm;
	int rc = -ESRCH;

	pthread_mutex_lock(&control->lock);
	vm = control->vm;
	if (vm != NULL) {
		pthread_mutex_lock(&vm->lock);
		rc = vm->pausing ? -EBUSY :
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

uint64_t
vm_monotonic_ns(void)
{
	return monotonic_ns();
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

static enum vm_run_status
vm_open_kvm(struct vm *vm, const struct vm_config *config, int *api_version)
{
	vm->system_fd = kvm_system_open(config->kvm_path);
	if (vm->system_fd < 0) {
		log_warnx("KVM is not available: cannot open %s: %s",
		    config->kvm_path, strerror(-vm->system_fd));
		return VM_RUN_NO_KVM;
	}
	*api_version = kvm_api_version(vm->system_fd);
	if (*api_version != KVM_STABLE_API) {
		log_warnx("KVM is not usable: %s speaks API version %d, vmmd "
		    "needs %d", config->kvm_path, *api_version, KVM_STABLE_API);
		return VM_RUN_NO_KVM;
	}
	return VM_RUN_STOPPED;
}

static int
vm_create_memory(struct vm *vm)
{
	const struct guest_memory_region *ram;
	uint64_t size = vm->config->memory_size;
	int rc;

	vm->memory.huge_pages = vm->config->huge_pages;
	rc = guest_memory_add(&vm->memory, vm->layout->ram_base, size);
	if (rc < 0) {
		log_warnx("cannot allocate %" PRIu64 " bytes of guest memory%s: %s",
		    size, vm->config->huge_pages ? " in huge pages (are enough "
		    "reserved in /proc/sys/vm/nr_hugepages?)" : "", strerror(-rc));
		return rc;
	}
	ram = &vm->memory.regions[0];
	rc = kvm_vm_set_memory(vm->vm_fd, 0, ram->guest_phys, ram->host, ram->size);
	if (rc < 0)
		log_warnx("cannot give %" PRIu64 " MiB of guest memory to KVM: %s",
		    size >> 20, strerror(-rc));
	return rc;
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
static int
vm_create_vcpus(struct vm *vm)
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

static void
uart_transmit(void *context, uint8_t byte)
{
	struct vm *vm = context;

	console_output(&vm->console, byte);
}

static void
vm_create_console(struct vm *vm)
{
	const struct vm_config *config = vm->config;
	const struct uart_16550_sink sink = { uart_transmit, uart_irq, vm };

	console_init(&vm->console, config->console_log_fd, config->console_fd,
	    console_panicked, vm);
	if (config->boot_marker != NULL)
		console_watch(&vm->console, config->boot_marker,
		    console_marker_seen);
	if (config->control != NULL)
		console_note_lines(&vm->console, vm_shutdown_lines,
		    VM_SHUTDOWN_LINES, console_line_seen);
	uart_16550_init(&vm->uart, &sink);
}

/* Host input for the guest's console, until vm_stop_console_input(). The
 * UART keeps 4 KiB behind its FIFO for a guest that reads slower than
 * input comes; past that it drops, as a real UART overruns. */
static void *
console_input_thread(void *argument)
{
	struct vm *vm = argument;
	struct pollfd fds[2] = {
		{ .fd = vm->config->console_input_fd, .events = POLLIN },
		{ .fd = vm->console_input_stop, .events = POLLIN },
	};
	uint8_t buffer[256];
	ssize_t n;

	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents != 0)
			break;
		if (fds[0].revents == 0)
			continue;
		n = read(fds[0].fd, buffer, sizeof(buffer));
		if (n <= 0)
			break;	/* end of input: the guest just gets no more */
		uart_16550_receive(&vm->uart, buffer, (size_t)n);
		vm_io_console_input(&vm->io, buffer, (size_t)n);
	}
	return NULL;
}

static int
vm_start_console_input(struct vm *vm)
{
	int rc;

	if (vm->config->console_input_fd < 0)
		return 0;
	vm->console_input_stop = eventfd(0, EFD_CLOEXEC);
	if (vm->console_input_stop < 0)
		return -errno;
	rc = pthread_create(&vm->console_input_thread, NULL,
	    console_input_thread, vm);
	if (rc != 0) {
		close(vm->console_input_stop);
		return -rc;
	}
	vm->console_input_started = true;
	return 0;
}

static void
vm_stop_console_input(struct vm *vm)
{
	uint64_t one = 1;

	if (!vm->console_input_started)
		return;
	if (write(vm->console_input_stop, &one, sizeof(one)) < 0)
		log_warn("cannot stop the console input thread");
	pthread_join(vm->console_input_thread, NULL);
	close(vm->console_input_stop);
	vm->console_input_started = false;
}

static int
vm_dump_device_tree(const struct vm *vm, const struct arch_linux_boot *boot)
{
	const char *path = vm->config->dump_dtb_path;
	const void *fdt = guest_memory_ptr(&vm->memory, boot->fdt_addr,
	    boot->fdt_size);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, fdt, boot->fdt_size) != (ssize_t)boot->fdt_size)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		log_warnx("cannot write the device tree to %s: %s", path,
		    strerror(-rc));
	return rc;
}

static int
vm_load_linux(struct vm *vm, struct vm_result *result, uint64_t *entry,
    uint64_t *arg0)
{
	const struct vm_config *config = vm->config;
	struct arch_linux_boot boot = {
		.kernel = config->kernel_path,
		.initrd = config->initrd_path,
		.cmdline = config->cmdline,
		.ram_size = config->memory_size,
		.vcpus = vm->vcpu_count,
		.vcpu_ids = vm->vcpu_ids,
		.virtio_count = vm->io.count,
	};
	char why[256];
	int rc;

	rc = arch_linux_load(vm->arch, &vm->memory, &boot, why, sizeof(why));
	if (rc < 0) {
		log_warnx("cannot boot Linux: %s", why);
		return rc;
	}
	*entry = boot.entry;
	*arg0 = boot.arg0;
	result->payload_size = boot.kernel_size;
	result->initrd_size = boot.initrd_size;
	if (config->dump_dtb_path != NULL)
		return vm_dump_device_tree(vm, &boot);
	return 0;
}

static int
vm_load_payload(struct vm *vm, struct vm_result *result, uint64_t *entry)
{
	const struct vm_config *config = vm->config;
	uint64_t address = vm->layout->ram_base + config->payload_offset;
	int rc;

	rc = guest_load_file(&vm->memory, address, UINT64_MAX,
	    config->payload_path, GUEST_LOAD_RAW, &result->payload_size);
	if (rc < 0) {
		log_warnx("cannot load %s at guest address 0x%" PRIx64 ": %s",
		    config->payload_path, address, guest_load_strerror(rc));
		return rc;
	}
	*entry = address;
	return 0;
}

static int
vm_load_guest(struct vm *vm, struct vm_result *result)
{
	uint64_t entry = 0, arg0 = 0;
	int rc;

	if (vm->config->kernel_path != NULL)
		rc = vm_load_linux(vm, result, &entry, &arg0);
	else
		rc = vm_load_payload(vm, result, &entry);
	if (rc < 0)
		return rc;
	rc = arch_vcpu_set_entry(&vm->vcpus[0].fd, entry, arg0);
	if (rc < 0)
		log_warnx("cannot set vCPU 0's entry point: %s", strerror(-rc));
	return rc;
}

/* Guest RAM is an entry too: KVM never exits for it, and a device placed
 * over it is refused as an overlap that names both. */
static int
vm_add_memory_entries(struct vm *vm)
{
	const struct guest_memory_region *ram = &vm->memory.regions[0];
	const struct forward_entry entry = {
		.name = "ram", .kind = FORWARD_MMIO, .base = ram->guest_phys,
		.size = ram->size, .action = FORWARD_STOP,
		.outcome = VM_OUTCOME_GUEST_ERROR,
	};

	return forward_map_add(&vm->map, &entry);
}

static int
vm_add_console_entry(struct vm *vm)
{
	const struct forward_entry entry = {
		.name = "uart", .kind = FORWARD_MMIO,
		.base = vm->layout->console_base, .size = vm->layout->console_size,
		.action = FORWARD_DEVICE, .mmio = uart_16550_mmio,
		.context = &vm->uart,
	};

	return forward_map_add(&vm->map, &entry);
}

static int
vm_add_forward_entries(struct vm *vm, char *error, size_t error_size)
{
	const struct vm_config *config = vm->config;
	int rc;

	rc = vm_exit_forward_entries(&vm->map);
	if (rc == 0)
		rc = vm_add_memory_entries(vm);
	if (rc == 0)
		rc = vm_add_console_entry(vm);
	if (rc == 0 && vm_io_attach(&vm->io, vm->vm_fd, &vm->map) < 0) {
		snprintf(error, error_size, "cannot attach the virtio devices");
		return -EINVAL;	/* vm_io_attach said why */
	}
	if (rc == 0 && config->scratch_device)
		rc = dev_scratch_attach(&vm->map, &vm->scratch, "scratch",
		    config->scratch_base);
	if (rc < 0) {
		snprintf(error, error_size, "cannot add to the forward map: %s",
		    strerror(-rc));
		return rc;
	}
	return arch_forward_map_add(&vm->map, error, error_size);
}

static int
vm_install_forward_map(struct vm *vm, char *error, size_t error_size)
{
	bool refused = vm->config->no_hypercall_filter;
	int rc = 0;

	if (!refused)
		rc = arch_forward_map_install(vm->vm_fd, &vm->map);
	if (rc < 0) {
		forward_map_check_installed(&vm->map, error, error_size);
		log_warnx("cannot give KVM the forward map's hypercall entries: "
		    "%s (%s)", strerror(-rc), error);
		return rc;
	}
	if (!vm->map.kvm_filter)
		log_info("KVM %s no hypercall filter: it serves every hypercall "
		    "itself, the forward map's vmmd and deny entries are not in "
		    "effect", refused ? "is given" : "has");
	rc = forward_map_check_installed(&vm->map, error, error_size);
	if (rc < 0)
		log_warnx("%s", error);
	return rc;
}

/* Built per VM and checked before the first KVM_RUN: the entries, the map
 * as a whole, then what KVM was given against the map. */
static int
vm_build_forward_map(struct vm *vm)
{
	char error[320];

	forward_map_init(&vm->map);
	if (vm_add_forward_entries(vm, error, sizeof(error)) < 0 ||
	    forward_map_validate(&vm->map, error, sizeof(error)) < 0) {
		log_warnx("%s", error);
		return -EINVAL;
	}
	return vm_install_forward_map(vm, error, sizeof(error));
}

/* A virtio-console writes to the same console as the UART, under the
 * UART's lock: one writer at a time for the log and the panic watch. */
static void
virtio_console_write(void *context, const uint8_t *data, size_t length)
{
	struct vm *vm = context;
	size_t i;

	pthread_mutex_lock(&vm->uart.lock);
	for (i = 0; i < length; i++)
		console_output(&vm->console, data[i]);
	pthread_mutex_unlock(&vm->uart.lock);
}

static int
vm_create_devices(struct vm *vm)
{
	const struct arch_layout *layout = vm->layout;
	const struct vm_io_placement placement = {
		.base = layout->virtio_base, .stride = layout->virtio_stride,
		.irq_base = layout->virtio_irq_base, .max = layout->virtio_max,
	};
	const struct vm_io_sink sink = { virtio_console_write, vm };

	return vm_io_create(&vm->io, vm->config->devices,
	    vm->config->device_count, &vm->memory, &placement, &sink);
}

/* The limits KVM sets: how many vCPUs, how far guest memory may reach. */
static int
vm_create(struct vm *vm)
{
	const struct vm_config *config = vm->config;
	unsigned long type;
	char why[200];
	int max_vcpus, rc;

	max_vcpus = kvm_check_extension(vm->system_fd, KVM_CAP_MAX_VCPUS);
	if (max_vcpus <= 0)
		max_vcpus = kvm_check_extension(vm->system_fd, KVM_CAP_NR_VCPUS);
	if (max_vcpus > 0 && config->vcpus > (unsigned int)max_vcpus) {
		log_warnx("cannot create %u vCPUs: KVM allows at most %d",
		    config->vcpus, max_vcpus);
		return -EINVAL;
	}
	rc = arch_vm_type(vm->system_fd, vm->layout->ram_base +
	    config->memory_size, &type, why, sizeof(why));
	if (rc < 0) {
		log_warnx("cannot give the VM %" PRIu64 " MiB of memory: %s",
		    config->memory_size >> 20, why);
		return rc;
	}
	vm->vm_fd = kvm_vm_create(vm->system_fd, type);
	if (vm->vm_fd < 0) {
		log_warnx("cannot create a VM: %s", strerror(-vm->vm_fd));
		return vm->vm_fd;
	}
	return 0;
}

/* One step of the build, timed for -v: where set-up time goes. */
static bool
vm_step(struct vm *vm, const char *what, int rc)
{
	uint64_t now = monotonic_ns();

	log_debug("set-up: %s: %" PRIu64 " us%s", what,
	    (now - vm->step_start_ns) / 1000, rc < 0 ? " (failed)" : "");
	vm->step_start_ns = now;
	return rc >= 0;
}

static enum vm_run_status
vm_build(struct vm *vm, struct vm_result *result)
{
	int rc = 0;

	vm->step_start_ns = monotonic_ns();
	if (!vm_step(vm, "create the VM", vm_create(vm)) ||
	    !vm_step(vm, "guest memory", vm_create_memory(vm)))
		return VM_RUN_SETUP_FAILED;
	rc = arch_vm_create(vm->vm_fd, vm->config->vcpus, &vm->arch);
	if (rc < 0)
		log_warnx("cannot create the interrupt controller: %s",
		    strerror(-rc));
	if (!vm_step(vm, "interrupt controller", rc) ||
	    !vm_step(vm, "vCPUs", vm_create_vcpus(vm)))
		return VM_RUN_SETUP_FAILED;
	vm_create_console(vm);
	if (!vm_step(vm, "devices", vm_create_devices(vm)) ||
	    !vm_step(vm, "forward map", vm_build_forward_map(vm)) ||
	    !vm_step(vm, "load the guest", vm_load_guest(vm, result)))
		return VM_RUN_SETUP_FAILED;
	return VM_RUN_STOPPED;
}

static enum vm_run_status
vm_execute(struct vm *vm, struct vm_result *result)
{
	struct vm_vcpu *vcpu;
	unsigned int i;
	int rc;

	if (vm_io_start(&vm->io) < 0)
		vm_request_stop(vm, NO_VCPU, VM_OUTCOME_STOPPED,
		    "the I/O thread could not start");
	rc = vm_start_console_input(vm);
	if (rc < 0)
		log_warnx("cannot read console input: %s", strerror(-rc));
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
	vm_control_attach(vm->config->control, vm);
	for (i = 0; i < vm->vcpu_count; i++)
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
	vm_control_attach(vm->config->control, NULL);
	vm_stop_console_input(vm);
	vm_io_stop(&vm->io);
	vm_io_results(&vm->io, result->devices, &result->device_count);
	result->console_log_dropped += atomic_load(&vm->console.log_dropped);
	result->marker_ns = vm->marker_ns;
	if (rss_measure(&vm->memory, &result->rss_bytes,
	    &result->guest_rss_bytes) < 0)
		log_warn("cannot measure the VM process's memory");
	result->map = vm->map;
	for (i = 0; i < vm->vcpu_count; i++) {
		result->exits += vm->vcpus[i].stop.exits;
		forward_counters_sum(&result->counters, &vm->vcpus[i].counters);
	}
	vcpu = &vm->vcpus[vm->stop_vcpu == NO_VCPU ? 0 : vm->stop_vcpu];
	result->stop = vm->stop_vcpu == NO_VCPU ? (struct vcpu_stop){ 0 } :
	    vcpu->stop;
	result->stop.outcome = vm->outcome;
	snprintf(result->stop.detail, sizeof(result->stop.detail), "%s",
	    vm->stop_detail);
	result->stop_vcpu = (unsigned int)(vcpu - vm->vcpus);
	if (arch_vcpu_snapshot(&vcpu->fd, &result->registers) < 0)
		log_warnx("cannot read vCPU %u's registers", result->stop_vcpu);
	for (i = 0; i < vm->vcpu_count; i++)
		if (vm->vcpus[i].run_error < 0) {
			log_warnx("%s", vm->stop_detail);
			return VM_RUN_FAILED;
		}
	return VM_RUN_STOPPED;
}

/* Everything of one boot, so that a reboot builds the VM afresh. */
static void
vm_teardown(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->vcpu_count; i++)
		kvm_vcpu_destroy(&vm->vcpus[i].fd);
	vm_io_destroy(&vm->io);
	arch_vm_destroy(vm->arch);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	guest_memory_release(&vm->memory);
	uart_16550_destroy(&vm->uart);
	pthread_cond_destroy(&vm->parked_changed);
	pthread_mutex_destroy(&vm->lock);
}

static void
vm_reset_state(struct vm *vm, const struct vm_config *config, int system_fd)
{
	memset(vm, 0, sizeof(*vm));
	vm->config = config;
	vm->layout = arch_layout();
	vm->system_fd = system_fd;
	vm->vm_fd = -1;
	vm->stop_vcpu = NO_VCPU;
	atomic_init(&vm->stopping, false);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->parked_changed, NULL);
	uart_16550_init(&vm->uart, &(struct uart_16550_sink){ 0 });
}

static enum vm_run_status
vm_boot_once(struct vm *vm, const struct vm_config *config, int system_fd,
    struct vm_result *result)
{
	enum vm_run_status status;
	uint64_t start = monotonic_ns();

	vm_reset_state(vm, config, system_fd);
	vm->boot_start_ns = start;
	status = vm_build(vm, result);
	result->setup_ns = monotonic_ns() - start;
	if (status == VM_RUN_STOPPED)
		status = vm_execute(vm, result);
	vm_teardown(vm);
	return status;
}

enum vm_run_status
vm_prepare(struct vm *vm, const struct vm_config *config,
    struct vm_result *result)
{
	enum vm_run_status status;

	memset(result, 0, sizeof(*result));
	vm_reset_state(vm, config, -1);
	status = vm_open_kvm(vm, config, &result->api_version);
	if (status == VM_RUN_STOPPED)
		status = vm_build(vm, result);
	return status;
}

void
vm_destroy(struct vm *vm)
{
	vm_teardown(vm);
	if (vm->system_fd >= 0)
		close(vm->system_fd);
	vm->system_fd = -1;
}

static bool
vm_reboots(const struct vm_config *config, const struct vm_result *result)
{
	return result->stop.outcome == VM_OUTCOME_REBOOT &&
	    (config->max_boots == 0 || result->boots < config->max_boots);
}

enum vm_run_status
vm_run(const struct vm_config *config, struct vm_result *result)
{
	enum vm_run_status status;
	struct vm *vm;
	int system_fd;

	memset(result, 0, sizeof(*result));
	vm = calloc(1, sizeof(*vm));	/* large (vCPU table): not on the stack */
	if (vm == NULL) {
		log_warnx("cannot allocate the VM's state");
		return VM_RUN_SETUP_FAILED;
	}
	install_kick_handler();
	vm->system_fd = -1;
	status = vm_open_kvm(vm, config, &result->api_version);
	system_fd = vm->system_fd;
	while (status == VM_RUN_STOPPED) {
		if (vm_control_stopped(config->control))
			break;
		result->boots++;
		status = vm_boot_once(vm, config, system_fd, result);
		if (status != VM_RUN_STOPPED || !vm_reboots(config, result))
			break;
		log_info("the guest rebooted: boot %u", result->boots + 1);
	}
	if (system_fd >= 0)
		close(system_fd);
	free(vm);
	return status;
}
