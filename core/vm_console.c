/* A VM's console wiring: the UART and every virtio-console write to one
 * struct console (the log, the attached side, the line watches), whose
 * panic, boot marker and shutdown lines reach the VM and its control; host
 * input goes to the UART and every virtio-console from a thread of its own,
 * which also drains the UART's coalesced writes on a timer. The UART's
 * fast path (docs/design.md, "The console's fast path"): THR writes queue
 * in KVM's coalesced MMIO ring, LSR is a read-only page of host memory. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "log.h"
#include "vm_internal.h"
#include "vm_shutdown.h"

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

	vm->marker_ns = vm_monotonic_ns() - vm->boot_start_ns;
}

/* From a vCPU thread, under the UART's lock: only the leaf lock. */
static void
console_line_seen(void *context)
{
	struct vm *vm = context;

	vm_control_lines_changed(vm->config->control);
}

static void
uart_irq(void *context, bool level)
{
	struct vm *vm = context;

	arch_irq_line(vm->arch, vm->layout->console_irq, level);
}

static void
uart_transmit(void *context, uint8_t byte)
{
	struct vm *vm = context;

	console_output(&vm->console, byte);
}

#define VM_SLOT_UART_LSR	1	/* guest RAM is slot 0 (core/vm.c) */
/* How long the guest's output may wait in the coalesced ring while the
 * guest runs without exiting (a prompt, then idle): under a frame of a
 * terminal, and 100 wake-ups a second of a thread that does nothing else. */
#define CONSOLE_DRAIN_MS	10

void
vm_console_reset(struct vm *vm)
{
	uart_16550_init(&vm->uart, &(struct uart_16550_sink){ 0 });
	mmio_ring_init(&vm->mmio_ring, &vm->map);
	vm->uart_lsr_page = NULL;
}

void
vm_console_destroy(struct vm *vm)
{
	mmio_ring_destroy(&vm->mmio_ring);
	if (vm->uart_lsr_page != NULL)
		munmap(vm->uart_lsr_page, vm->uart_lsr_page_size);
	vm->uart_lsr_page = NULL;
	uart_16550_destroy(&vm->uart);
}

/* THR (offset 0, one byte) as a coalesced zone: only when the ring that
 * receives its writes is there to be drained. */
static void
console_coalesce_thr(struct vm *vm, long page)
{
	struct kvm_coalesced_mmio_ring *ring;
	int rc;

	ring = kvm_coalesced_ring(vm->system_fd, &vm->vcpus[0].fd);
	if (ring == NULL) {
		log_debug("KVM has no coalesced MMIO: each console byte exits");
		return;
	}
	rc = kvm_coalesced_mmio(vm->vm_fd, vm->layout->console_base, 1, true);
	if (rc < 0) {
		log_warnx("cannot coalesce the UART's writes (each console "
		    "byte exits): %s", strerror(-rc));
		return;
	}
	mmio_ring_attach(&vm->mmio_ring, ring, (size_t)page);
}

/* LSR's own page (registers a page apart), read-only host memory that
 * the UART keeps current. */
static void
console_map_lsr(struct vm *vm, unsigned int shift, long page)
{
	uint64_t address = vm->layout->console_base +
	    ((uint64_t)UART_16550_LSR << shift);
	uint8_t *lsr;
	int rc;

	if (kvm_check_extension(vm->vm_fd, KVM_CAP_READONLY_MEM) <= 0) {
		log_debug("KVM has no read-only memory: LSR reads exit");
		return;
	}
	lsr = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lsr == MAP_FAILED) {
		log_warn("cannot allocate the UART's LSR page (LSR reads exit)");
		return;
	}
	rc = kvm_vm_set_memory_readonly(vm->vm_fd, VM_SLOT_UART_LSR, address,
	    lsr, (uint64_t)page);
	if (rc < 0) {
		log_warnx("cannot map the UART's LSR at 0x%llx (LSR reads "
		    "exit): %s", (unsigned long long)address, strerror(-rc));
		munmap(lsr, (size_t)page);
		return;
	}
	vm->uart_lsr_page = lsr;
	vm->uart_lsr_page_size = (size_t)page;
}

/* The same layout decision as the device tree's (arm64/device_tree.c):
 * both ask uart_16550_reg_shift with the same command line. A VM without
 * one (a payload) keeps the compact layout its code was written for; a
 * restored one the layout its guest booted with, whatever its spec says. */
static void
console_fast_path(struct vm *vm)
{
	const char *cmdline = vm->config->kernel_path != NULL ?
	    vm->config->cmdline : NULL;
	long page = sysconf(_SC_PAGESIZE);
	unsigned int shift = 0;
	int saved;

	if (vm->restore_view != NULL) {
		saved = vm_snapshot_devices_uart_shift(&vm->restore_view->devices,
		    vm->restore_view->device_count);
		shift = saved > 0 ? (unsigned int)saved : 0;
	} else if (cmdline != NULL)
		shift = uart_16550_reg_shift(cmdline, page);
	if (uart_16550_window(shift) > vm->layout->console_size)
		shift = 0;
	console_coalesce_thr(vm, page);
	if (shift != 0)
		console_map_lsr(vm, shift, page);
	uart_16550_set_layout(&vm->uart, shift, vm->uart_lsr_page);
}

int
vm_console_create(struct vm *vm)
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
	console_fast_path(vm);
	return console_limit_log(&vm->console, config->console_log_max != 0 ?
	    config->console_log_max : CONSOLE_LOG_MAX_DEFAULT);
}

/* Host input for the guest's console, and the coalesced ring drained on a
 * timer, until vm_console_stop_input(). The UART keeps 4 KiB behind its
 * FIFO for a guest that reads slower than input comes; past that it drops,
 * as a real UART overruns. */
static void *
console_input_thread(void *argument)
{
	struct vm *vm = argument;
	struct pollfd fds[2] = {
		{ .fd = vm->config->console_input_fd, .events = POLLIN },
		{ .fd = vm->console_input_stop, .events = POLLIN },
	};
	int timeout = vm->mmio_ring.ring != NULL ? CONSOLE_DRAIN_MS : -1;
	uint8_t buffer[256];
	ssize_t n;
	int rc;

	for (;;) {
		rc = poll(fds, 2, timeout);
		mmio_ring_drain(&vm->mmio_ring);
		if ((rc < 0 && errno != EINTR) || fds[1].revents != 0)
			break;
		if (rc <= 0 || fds[0].revents == 0)
			continue;
		n = read(fds[0].fd, buffer, sizeof(buffer));
		if (n <= 0) {	/* end of input: the guest just gets no more */
			if (timeout < 0)
				break;
			fds[0].fd = -1;
			continue;
		}
		uart_16550_receive(&vm->uart, buffer, (size_t)n);
		vm_io_console_input(&vm->io, buffer, (size_t)n);
	}
	return NULL;
}

int
vm_console_start_input(struct vm *vm)
{
	int rc;

	if (vm->config->console_input_fd < 0 && vm->mmio_ring.ring == NULL)
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

void
vm_console_stop_input(struct vm *vm)
{
	uint64_t one = 1;

	if (vm->console_input_started) {
		if (write(vm->console_input_stop, &one, sizeof(one)) < 0)
			log_warn("cannot stop the console input thread");
		pthread_join(vm->console_input_thread, NULL);
		close(vm->console_input_stop);
		vm->console_input_started = false;
	}
	mmio_ring_drain(&vm->mmio_ring);	/* what the guest left there */
}

int
vm_console_add_entry(struct vm *vm)
{
	const struct forward_entry entry = {
		.name = "uart", .kind = FORWARD_MMIO,
		.base = vm->layout->console_base,
		.size = uart_16550_window(vm->uart.reg_shift),
		.action = FORWARD_DEVICE, .mmio = uart_16550_mmio,
		.context = &vm->uart,
	};

	return forward_map_add(&vm->map, &entry);
}

/* A virtio-console writes to the same console as the UART, under the
 * UART's lock: one writer at a time for the log and the panic watch. A
 * chunk at a time (virtio_console gathers a chain's segments), so that the
 * lock is held for one write to each destination, not one per byte. */
static void
virtio_console_write(void *context, const uint8_t *data, size_t length)
{
	struct vm *vm = context;

	pthread_mutex_lock(&vm->uart.lock);
	console_write(&vm->console, data, length);
	pthread_mutex_unlock(&vm->uart.lock);
}

struct vm_io_sink
vm_console_sink(struct vm *vm)
{
	return (struct vm_io_sink){ virtio_console_write, vm };
}
