/* 16550A register emulation (one byte per register, reg-shift 0). The
 * interrupt is level-triggered: raised while received data waits with
 * ERBFI set, or while a "THR empty" event is pending with ETBEI set. */
#include "uart_16550.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "snapshot_blob.h"

enum uart_register {
	UART_RBR_THR_DLL = 0, UART_IER_DLM = 1, UART_IIR_FCR = 2, UART_LCR = 3,
	UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* transmitter holding register empty */
#define IER_MASK	0x0f
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO_ON	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_BI		0x10	/* the byte at the FIFO's head came as a break */
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CONNECTED	0xb0	/* DCD, DSR, CTS: a cable with someone there */

void
uart_16550_init(struct uart_16550 *uart, const struct uart_16550_sink *sink)
{
	memset(uart, 0, sizeof(*uart));
	pthread_mutex_init(&uart->lock, NULL);
	uart->sink = *sink;
	uart->lcr = 0x03;	/* 8N1 */
	uart->mcr = 0x08;	/* OUT2 */
}

void
uart_16550_destroy(struct uart_16550 *uart)
{
	pthread_mutex_destroy(&uart->lock);
}

static uint8_t line_status(const struct uart_16550 *uart);

/* After every change of state: the LSR the guest reads without an exit
 * first (an interrupt handler that reads it must see why it was called),
 * then the interrupt line. */
static void
update_irq(struct uart_16550 *uart)
{
	bool level = ((uart->ier & IER_ERBFI) && uart->rx_count > 0) ||
	    ((uart->ier & IER_ETBEI) && uart->thr_interrupt);

	if (uart->lsr_mirror != NULL)
		atomic_store_explicit((_Atomic uint8_t *)uart->lsr_mirror,
		    line_status(uart), memory_order_release);
	if (level != uart->irq_level && uart->sink.set_irq != NULL) {
		uart->irq_level = level;
		uart->sink.set_irq(uart->sink.context, level);
	}
}

static bool
rx_push(struct uart_16550 *uart, uint8_t byte, bool is_break)
{
	unsigned int tail = (uart->rx_head + uart->rx_count) % UART_16550_RX_FIFO;

	if (uart->rx_count == UART_16550_RX_FIFO)
		return false;
	uart->rx[tail] = byte;
	uart->rx_break[tail] = is_break;
	uart->rx_count++;
	return true;
}

/* The FIFO's room goes to what waits behind it. */
static void
refill(struct uart_16550 *uart)
{
	while (uart->backlog_count > 0 && rx_push(uart,
	    uart->backlog[uart->backlog_head], false)) {
		uart->backlog_head = (uart->backlog_head + 1) % UART_16550_BACKLOG;
		uart->backlog_count--;
	}
}

static uint8_t
rx_pop(struct uart_16550 *uart)
{
	uint8_t byte;

	if (uart->rx_count == 0)
		return 0;
	byte = uart->rx[uart->rx_head];
	uart->rx_break[uart->rx_head] = false;
	uart->rx_head = (uart->rx_head + 1) % UART_16550_RX_FIFO;
	uart->rx_count--;
	refill(uart);
	return byte;
}

static bool
backlog_push(struct uart_16550 *uart, uint8_t byte)
{
	if (uart->backlog_count == UART_16550_BACKLOG)
		return false;
	uart->backlog[(uart->backlog_head + uart->backlog_count++) %
	    UART_16550_BACKLOG] = byte;
	return true;
}

static uint8_t
interrupt_id(struct uart_16550 *uart)
{
	uint8_t fifo = (uart->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0;

	if ((uart->ier & IER_ERBFI) && uart->rx_count > 0)
		return fifo | IIR_RDI;
	if ((uart->ier & IER_ETBEI) && uart->thr_interrupt) {
		uart->thr_interrupt = false;	/* reading IIR acknowledges it */
		return fifo | IIR_THRI;
	}
	return fifo | IIR_NONE;
}

/* In loopback the modem outputs come back as inputs: DTR->DSR, RTS->CTS,
 * OUT1->RI, OUT2->DCD. Linux's 8250 probe checks this. */
static uint8_t
modem_status(const struct uart_16550 *uart)
{
	uint8_t mcr = uart->mcr;

	if (!(mcr & MCR_LOOP))
		return MSR_CONNECTED;
	return (uint8_t)((mcr & 0x01) << 5 | (mcr & 0x02) << 3 |
	    (mcr & 0x04) << 4 | (mcr & 0x08) << 4);
}

/* A break is reported with the NUL it leaves in the FIFO, while that byte
 * is at the head (Linux's 8250 driver reads LSR, then the byte). */
static uint8_t
line_status(const struct uart_16550 *uart)
{
	uint8_t lsr = LSR_THRE | LSR_TEMT;

	if (uart->rx_count > 0)
		lsr |= LSR_DR | (uart->rx_break[uart->rx_head] ? LSR_BI : 0);
	return lsr;
}

static uint8_t
register_read(struct uart_16550 *uart, unsigned int reg)
{
	bool dlab = uart->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR_DLL:
		return dlab ? uart->dll : rx_pop(uart);
	case UART_IER_DLM:
		return dlab ? uart->dlm : uart->ier;
	case UART_IIR_FCR:
		return interrupt_id(uart);
	case UART_LCR:
		return uart->lcr;
	case UART_MCR:
		return uart->mcr;
	case UART_LSR:
		return line_status(uart);
	case UART_MSR:
		return modem_status(uart);
	default:
		return uart->scr;
	}
}

static void
transmit(struct uart_16550 *uart, uint8_t byte)
{
	if (uart->mcr & MCR_LOOP)
		rx_push(uart, byte, false);
	else if (uart->sink.transmit != NULL)
		uart->sink.transmit(uart->sink.context, byte);
	uart->thr_interrupt = true;
}

static void
register_write(struct uart_16550 *uart, unsigned int reg, uint8_t value)
{
	bool dlab = uart->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR_DLL:
		if (dlab)
			uart->dll = value;
		else
			transmit(uart, value);
		break;
	case UART_IER_DLM:
		if (dlab)
			uart->dlm = value;
		else {
			/* enabling ETBEI with THR empty raises the event */
			if ((value & IER_ETBEI) && !(uart->ier & IER_ETBEI))
				uart->thr_interrupt = true;
			uart->ier = value & IER_MASK;
		}
		break;
	case UART_IIR_FCR:
		uart->fcr = value;
		if (value & FCR_CLEAR_RX) {	/* what waits behind stays */
			uart->rx_head = uart->rx_count = 0;
			memset(uart->rx_break, 0, sizeof(uart->rx_break));
			refill(uart);
		}
		break;
	case UART_LCR:
		uart->lcr = value;
		break;
	case UART_MCR:
		uart->mcr = value & 0x1f;
		break;
	case UART_SCR:
		uart->scr = value;
		break;
	default:
		break;	/* LSR and MSR are read-only */
	}
}

/* The registers 1 << reg_shift apart; lsr_mirror (NULL: none) is host
 * memory the guest reads as LSR, kept current from now on. */
void
uart_16550_set_layout(struct uart_16550 *uart, unsigned int reg_shift,
    uint8_t *lsr_mirror)
{
	pthread_mutex_lock(&uart->lock);
	uart->reg_shift = reg_shift <= UART_16550_MAX_SHIFT ? reg_shift : 0;
	uart->lsr_mirror = lsr_mirror;
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
}

/* Registers a host page apart, so that LSR can have a page of its own;
 * 0 (all in one page) where the page size is not one the device tree can
 * say, or where the command line asks for an early console from the
 * device tree: Linux maps one 4 KiB page for it (earlycon_map), which
 * would not reach LSR. earlycon=uart8250,mmio,ADDR is served either way:
 * offsets 0-7 are the registers too. */
unsigned int
uart_16550_reg_shift(const char *cmdline, long page_size)
{
	unsigned int shift = 0;
	const char *p = cmdline;
	size_t n;

	while (shift <= UART_16550_MAX_SHIFT && (1l << shift) < page_size)
		shift++;
	if (shift > UART_16550_MAX_SHIFT || (1l << shift) != page_size)
		return 0;
	while (p != NULL && *p != '\0') {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if ((n == 8 || n == 9) && strncmp(p, "earlycon=", n) == 0)
			return 0;
		p += n;
	}
	return shift;
}

/* The guest physical range the UART's registers take. */
uint64_t
uart_16550_window(unsigned int reg_shift)
{
	uint64_t size = (uint64_t)UART_16550_REGISTERS << reg_shift;

	return size > UART_16550_COMPACT_SIZE ? size : UART_16550_COMPACT_SIZE;
}

/* Register i at i << reg_shift, or at i (the compact layout an early
 * console given an address on the command line assumes). */
static int
register_at(const struct uart_16550 *uart, uint64_t offset)
{
	uint64_t spacing = 1ull << uart->reg_shift;

	if (offset < UART_16550_REGISTERS)
		return (int)offset;
	if (offset % spacing != 0 || offset / spacing >= UART_16550_REGISTERS)
		return -EINVAL;
	return (int)(offset / spacing);
}

int
uart_16550_mmio(void *device, struct mmio_access *access)
{
	struct uart_16550 *uart = device;
	int reg = register_at(uart, access->offset);

	if (access->length != 1 || reg < 0)
		return -EINVAL;
	pthread_mutex_lock(&uart->lock);
	if (access->is_write)
		register_write(uart, (unsigned int)reg, access->data[0]);
	else
		access->data[0] = register_read(uart, (unsigned int)reg);
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	return 0;
}

/* Host input for the guest; returns how many bytes fit in the FIFO and
 * the backlog behind it (a guest that reads nothing loses the rest, as a
 * real UART overruns). */
size_t
uart_16550_receive(struct uart_16550 *uart, const uint8_t *bytes, size_t length)
{
	size_t taken = 0;

	pthread_mutex_lock(&uart->lock);
	while (taken < length && uart->backlog_count == 0 &&
	    rx_push(uart, bytes[taken], false))
		taken++;
	while (taken < length && backlog_push(uart, bytes[taken]))
		taken++;
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	return taken;
}

/* A break condition on the line, then key: what a terminal sends for
 * Linux's serial SysRq (BREAK, then the command key). All or nothing:
 * -EAGAIN when the FIFO has no room for both, or when the lock is busy
 * (the console is writing the guest's output): the caller holds the VM's
 * control lock and must never wait for a device, it tries again. */
int
uart_16550_send_break(struct uart_16550 *uart, uint8_t key)
{
	int rc = -EAGAIN;

	if (pthread_mutex_trylock(&uart->lock) != 0)
		return -EAGAIN;
	if (uart->rx_count + 2 <= UART_16550_RX_FIFO) {
		rx_push(uart, 0, true);
		rx_push(uart, key, false);
		rc = 0;
	}
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	return rc;
}

/* The IIR a read would return, without acknowledging THRI. */
static uint8_t
interrupt_id_peek(const struct uart_16550 *uart)
{
	struct uart_16550 copy = *uart;

	return interrupt_id(&copy);
}

/* Registers (LSR, MSR and IIR as computed, checked on restore), then the
 * FIFO in order, each byte with its break flag, then the backlog. */
void
uart_16550_save(struct uart_16550 *uart, struct snapshot_writer *writer)
{
	unsigned int i, at;

	pthread_mutex_lock(&uart->lock);
	snapshot_put(writer, (const uint8_t[]){ (uint8_t)uart->reg_shift,
	    uart->ier, uart->lcr, uart->mcr, uart->scr, uart->dll, uart->dlm,
	    uart->fcr, uart->thr_interrupt, line_status(uart),
	    modem_status(uart), interrupt_id_peek(uart) }, 12);
	snapshot_put_u32(writer, uart->rx_count);
	for (i = 0; i < uart->rx_count; i++) {
		at = (uart->rx_head + i) % UART_16550_RX_FIFO;
		snapshot_put_u8(writer, uart->rx[at]);
		snapshot_put_u8(writer, uart->rx_break[at]);
	}
	snapshot_put_u32(writer, uart->backlog_count);
	for (i = 0; i < uart->backlog_count; i++)
		snapshot_put_u8(writer, uart->backlog[(uart->backlog_head + i) %
		    UART_16550_BACKLOG]);
	pthread_mutex_unlock(&uart->lock);
}

static int
uart_refuse(char *why, size_t why_size, const char *what)
{
	snprintf(why, why_size, "uart: %s", what);
	return -EINVAL;
}

static int
uart_read_queues(struct uart_16550 *uart, struct snapshot_cursor *cursor,
    char *why, size_t why_size)
{
	unsigned int i;
	uint8_t flag;

	memset(uart->rx_break, 0, sizeof(uart->rx_break));
	uart->rx_head = 0;
	uart->rx_count = snapshot_get_u32(cursor);
	if (uart->rx_count > UART_16550_RX_FIFO)
		return uart_refuse(why, why_size, "more bytes than its FIFO "
		    "holds");
	for (i = 0; i < uart->rx_count; i++) {
		uart->rx[i] = snapshot_get_u8(cursor);
		flag = snapshot_get_u8(cursor);
		if (flag > 1)
			return uart_refuse(why, why_size, "a break flag that is "
			    "not 0 or 1");
		uart->rx_break[i] = flag;
	}
	uart->backlog_head = 0;
	uart->backlog_count = snapshot_get_u32(cursor);
	if (uart->backlog_count > UART_16550_BACKLOG)
		return uart_refuse(why, why_size, "a backlog longer than it "
		    "holds");
	snapshot_get(cursor, uart->backlog, cursor->short_read ? 0 :
	    uart->backlog_count);
	return snapshot_cursor_end(cursor, "uart", why, why_size);
}

/* Into a UART with nothing in it yet; on a refusal it is left empty. The
 * line and the LSR page follow the state restored. */
static int
uart_restore_locked(struct uart_16550 *uart, struct snapshot_cursor *cursor,
    char *why, size_t why_size)
{
	uint8_t r[12];

	snapshot_get(cursor, r, sizeof(r));
	if (!cursor->short_read && r[0] != uart->reg_shift)
		return uart_refuse(why, why_size, "registers spaced otherwise "
		    "than in this VM (reg-shift)");
	if (r[1] & ~IER_MASK || r[3] & ~0x1f || r[8] > 1)
		return uart_refuse(why, why_size, "IER, MCR or the THR event "
		    "with bits a guest cannot set");
	uart->ier = r[1];
	uart->lcr = r[2];
	uart->mcr = r[3];
	uart->scr = r[4];
	uart->dll = r[5];
	uart->dlm = r[6];
	uart->fcr = r[7];
	uart->thr_interrupt = r[8];
	if (uart_read_queues(uart, cursor, why, why_size) < 0)
		return -EINVAL;
	if (r[9] != line_status(uart) || r[10] != modem_status(uart) ||
	    r[11] != interrupt_id_peek(uart))
		return uart_refuse(why, why_size, "LSR, MSR or IIR disagree "
		    "with the rest of its state");
	return 0;
}

int
uart_16550_restore(struct uart_16550 *uart, const struct snapshot_blob *blob,
    char *why, size_t why_size)
{
	struct snapshot_cursor cursor;
	int rc;

	snapshot_cursor_init(&cursor, blob);
	pthread_mutex_lock(&uart->lock);
	rc = uart_restore_locked(uart, &cursor, why, why_size);
	if (rc < 0) {
		uart->rx_count = uart->backlog_count = 0;
		uart->thr_interrupt = false;
		uart->ier = 0;
	}
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	return rc;
}
