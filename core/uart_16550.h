/* An emulated 16550A UART: what Linux's 8250 driver needs for a console.
 * Transmission is instant; received bytes wait in the 64-byte FIFO, and
 * what does not fit waits behind it (a line pasted at once is not cut). */
#ifndef VMMD_UART_16550_H
#define VMMD_UART_16550_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmio.h"

#define UART_16550_RX_FIFO	64
#define UART_16550_BACKLOG	4096	/* input the FIFO had no room for yet */

struct uart_16550_sink {
	void (*transmit)(void *context, uint8_t byte);	/* guest output */
	void (*set_irq)(void *context, bool level);	/* the interrupt line */
	void *context;
};

struct uart_16550 {
	pthread_mutex_t lock;	/* vCPUs write, the console thread feeds input */
	struct uart_16550_sink sink;
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
int uart_16550_mmio(void *device, struct mmio_access *access);
size_t uart_16550_receive(struct uart_16550 *uart, const uint8_t *bytes,
    size_t length);
int uart_16550_send_break(struct uart_16550 *uart, uint8_t key);

#endif
