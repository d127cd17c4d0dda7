/* A VM's console wiring: the UART and every virtio-console write to one
 * struct console (the log, the attached side, the line watches), whose
 * panic, boot marker and shutdown lines reach the VM and its control; host
 * input goes to the UART and every virtio-console from a thread of its own. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
	return console_limit_log(&vm->console, config->console_log_max != 0 ?
	    config->console_log_max : CONSOLE_LOG_MAX_DEFAULT);
}

/* Host input for the guest's console, until vm_console_stop_input(). The
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

int
vm_console_start_input(struct vm *vm)
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

void
vm_console_stop_input(struct vm *vm)
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

int
vm_console_add_entry(struct vm *vm)
{
	const struct forward_entry entry = {
		.name = "uart", .kind = FORWARD_MMIO,
		.base = vm->layout->console_base, .size = vm->layout->console_size,
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
