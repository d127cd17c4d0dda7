/* An emulated 16550A UART: what Linux's 8250 driver needs for a console.
 * Transmission is instant; received bytes wait in the 64-byte FIFO, and
 * what does not fit waits behind it (a line pasted at once is not cut).
 * Its registers sit 1 << reg_shift bytes apart (the device tree's
 * reg-shift); spread a host page apart, LSR can be a read-only page of
 * host memory that the UART keeps current (lsr_mirror), which the guest
 * polls without an exit (docs/design.md, "The console's fast path"). */
#ifndef VMMD_UART_16550_H
#define VMMD_UART_16550_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmio.h"

struct snapshot_blob;
struct snapshot_writer;

#define UART_16550_RX_FIFO	64
#define UART_16550_BACKLOG	4096	/* input the FIFO had no room for yet */
#define UART_16550_REGISTERS	8
#define UART_16550_LSR		5	/* the line status register's index */
#define UART_16550_MAX_SHIFT	16	/* registers at most 64 KiB apart */
#define UART_16550_COMPACT_SIZE	0x1000	/* the window with reg-shift 0 */

struct uart_16550_sink {
	void (*transmit)(void *context, uint8_t byte);	/* guest output */
	void (*set_irq)(void *context, bool level);	/* the interrupt line */
	void *context;
};

struct uart_16550 {
	pthread_mutex_t lock;	/* vCPUs write, the console thread feeds input */
	struct uart_16550_sink sink;
	unsigned int reg_shift;	/* register i at offset i << reg_shift */
	uint8_t *lsr_mirror;	/* NULL, or where LSR is kept for the guest */
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_interrupt;	/* "THR empty" pending until IIR is read */
	bool irq_level;
	uint8_t rx[UART_16550_RX_FIFO];
	bool rx_break[UART_16550_RX_FIFO];	/* that byte came as a break */
	unsigned int rx_head, rx_count;
	uint8_t backlog[UART_16550_BACKLOG];	/* refills the FIFO as it is read */
	unsigned int backlog_head, backlog_count;
};

void uart_16550_init(struct uart_16550 *uart, const struct uart_16550_sink *sink);
void uart_16550_destroy(struct uart_16550 *uart);
void uart_16550_set_layout(struct uart_16550 *uart, unsigned int reg_shift,
    uint8_t *lsr_mirror);
unsigned int uart_16550_reg_shift(const char *cmdline, long page_size);
uint64_t uart_16550_window(unsigned int reg_shift);
int uart_16550_mmio(void *device, struct mmio_access *access);
size_t uart_16550_receive(struct uart_16550 *uart, const uint8_t *bytes,
    size_t length);
int uart_16550_send_break(struct uart_16550 *uart, uint8_t key);
/* Its registers, FIFO and backlog for a snapshot, and back into a UART of
 * the same layout (docs/snapshot.md); restore refuses a malformed blob. */
void uart_16550_save(struct uart_16550 *uart, struct snapshot_writer *writer);
int uart_16550_restore(struct uart_16550 *uart,
    const struct snapshot_blob *blob, char *why, size_t why_size);

#endif
