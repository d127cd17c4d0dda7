/* The 16550A as Linux's 8250 driver sees it: transmit, receive, the
 * interrupt line, the divisor latch, loopback, and refused accesses. */
#include <errno.h>
#include <string.h>

#include "../../core/uart_16550.h"
#include "suites.h"

static struct uart_16550 uart;
static uint8_t transmitted[256];
static unsigned int transmitted_count, irq_changes;
static bool irq;

static void
record_transmit(void *context, uint8_t byte)
{
	(void)context;
	transmitted[transmitted_count++ % sizeof(transmitted)] = byte;
}

static void
record_irq(void *context, bool level)
{
	(void)context;
	irq = level;
	irq_changes++;
}

static void
setup(void)
{
	struct uart_16550_sink sink = { record_transmit, record_irq, NULL };

	transmitted_count = irq_changes = 0;
	irq = false;
	uart_16550_init(&uart, &sink);
}

static void
teardown(void)
{
	uart_16550_destroy(&uart);
}

static void
put(uint64_t reg, uint8_t value)
{
	struct mmio_access access = { reg, &value, 1, true };

	ck_assert_int_eq(uart_16550_mmio(&uart, &access), 0);
}

static uint8_t
get(uint64_t reg)
{
	uint8_t value = 0xee;
	struct mmio_access access = { reg, &value, 1, false };

	ck_assert_int_eq(uart_16550_mmio(&uart, &access), 0);
	return value;
}

START_TEST(test_transmit)
{
	ck_assert_uint_eq(get(5) & 0x60, 0x60);	/* THRE and TEMT */
	put(0, 'o');
	put(0, 'k');
	ck_assert_uint_eq(transmitted_count, 2);
	ck_assert_uint_eq(transmitted[0], 'o');
	ck_assert_uint_eq(transmitted[1], 'k');
	ck_assert(!irq);	/* no interrupt while IER is 0 */
}
END_TEST

START_TEST(test_thr_empty_interrupt)
{
	put(1, 0x02);			/* ETBEI: THR is empty, so it fires */
	ck_assert(irq);
	ck_assert_uint_eq(get(2) & 0x0f, 0x02);	/* IIR: THRI, and that acks it */
	ck_assert(!irq);
	ck_assert_uint_eq(get(2) & 0x0f, 0x01);	/* nothing pending */
	put(0, 'x');			/* sent at once: empty again */
	ck_assert(irq);
	put(1, 0x00);
	ck_assert(!irq);
}
END_TEST

START_TEST(test_receive)
{
	const uint8_t input[] = "ls\n";

	ck_assert_uint_eq(get(5) & 0x01, 0);
	put(1, 0x01);			/* ERBFI */
	ck_assert_uint_eq(uart_16550_receive(&uart, input, 3), 3);
	ck_assert(irq);
	ck_assert_uint_eq(get(2) & 0x0f, 0x04);	/* IIR: received data */
	ck_assert_uint_eq(get(5) & 0x01, 0x01);
	ck_assert_uint_eq(get(0), 'l');
	ck_assert_uint_eq(get(0), 's');
	ck_assert(irq);
	ck_assert_uint_eq(get(0), '\n');
	ck_assert(!irq);
	ck_assert_uint_eq(get(5) & 0x01, 0);
	ck_assert_uint_eq(get(0), 0);	/* an empty FIFO reads as 0 */
}
END_TEST

/* A long line waits behind the FIFO and comes out whole, in order; past
 * the backlog, input is lost as in an overrun. */
START_TEST(test_receive_backlog_and_overrun)
{
	static uint8_t input[UART_16550_RX_FIFO + UART_16550_BACKLOG + 10];
	size_t i;

	for (i = 0; i < sizeof(input); i++)
		input[i] = (uint8_t)(i % 251);
	ck_assert_uint_eq(uart_16550_receive(&uart, input, 200), 200);
	for (i = 0; i < 200; i++)
		ck_assert_uint_eq(get(0), i % 251);
	ck_assert_uint_eq(get(5) & 0x01, 0);
	ck_assert_uint_eq(uart_16550_receive(&uart, input, sizeof(input)),
	    UART_16550_RX_FIFO + UART_16550_BACKLOG);
	ck_assert_uint_eq(get(0), 0);
	put(2, 0x03);			/* FIFO on, clear RX */
	ck_assert_uint_eq(get(2) & 0xc0, 0xc0);	/* a 16550A with FIFOs */
	/* the FIFO held 1..64 (0 was read, 64 moved up): the backlog follows */
	ck_assert_uint_eq(get(0), (UART_16550_RX_FIFO + 1) % 251);
}
END_TEST

/* Linux's serial SysRq: LSR shows BI with the NUL a break leaves, then the
 * key comes as a plain byte; a full FIFO takes neither. */
START_TEST(test_break_then_key)
{
	uint8_t fill[UART_16550_RX_FIFO - 1];

	put(1, 0x01);			/* ERBFI */
	ck_assert_int_eq(uart_16550_send_break(&uart, 's'), 0);
	ck_assert(irq);
	ck_assert_uint_eq(get(5) & 0x11, 0x11);	/* DR and BI */
	ck_assert_uint_eq(get(5) & 0x11, 0x11);	/* until the byte is read */
	ck_assert_uint_eq(get(0), 0);
	ck_assert_uint_eq(get(5) & 0x11, 0x01);	/* the key: no break */
	ck_assert_uint_eq(get(0), 's');
	ck_assert(!irq);
	memset(fill, 'a', sizeof(fill));
	ck_assert_uint_eq(uart_16550_receive(&uart, fill, sizeof(fill)),
	    sizeof(fill));
	ck_assert_int_eq(uart_16550_send_break(&uart, 'o'), -EAGAIN);
	put(2, 0x03);			/* FIFO on, clear RX */
	ck_assert_uint_eq(get(5) & 0x11, 0);
}
END_TEST

/* The break never waits for the UART's lock (the VM's control lock is held
 * while it is sent): while the console is busy writing, it is -EAGAIN and
 * nothing is queued; once free, it goes. Before, this test deadlocked. */
START_TEST(test_break_busy_lock)
{
	pthread_mutex_lock(&uart.lock);	/* a console write in progress */
	ck_assert_int_eq(uart_16550_send_break(&uart, 's'), -EAGAIN);
	ck_assert_uint_eq(uart.rx_count, 0);
	pthread_mutex_unlock(&uart.lock);
	ck_assert_int_eq(uart_16550_send_break(&uart, 's'), 0);
	ck_assert_uint_eq(uart.rx_count, 2);
}
END_TEST

START_TEST(test_divisor_latch_and_scratch)
{
	put(3, 0x83);			/* DLAB */
	put(0, 0x01);
	put(1, 0x02);
	ck_assert_uint_eq(get(0), 0x01);
	ck_assert_uint_eq(get(1), 0x02);
	ck_assert_uint_eq(transmitted_count, 0);	/* DLL is no THR */
	put(3, 0x03);
	ck_assert_uint_eq(get(1), 0x00);	/* IER again */
	put(7, 0xa5);
	ck_assert_uint_eq(get(7), 0xa5);
	put(1, 0xff);
	ck_assert_uint_eq(get(1), 0x0f);	/* IER keeps its 4 bits */
}
END_TEST

START_TEST(test_loopback)
{
	put(4, 0x10 | 0x0a);		/* loop, RTS, OUT2 */
	ck_assert_uint_eq(get(6) & 0xf0, 0x90);	/* CTS, DCD */
	put(0, 'z');
	ck_assert_uint_eq(transmitted_count, 0);
	ck_assert_uint_eq(get(0), 'z');
	put(4, 0x08);
	ck_assert_uint_eq(get(6), 0xb0);
}
END_TEST

START_TEST(test_refused_accesses)
{
	uint8_t value[8] = { 0 };
	struct mmio_access wide = { 0, value, 4, true };
	struct mmio_access beyond = { 8, value, 1, false };

	ck_assert_int_eq(uart_16550_mmio(&uart, &wide), -EINVAL);
	ck_assert_int_eq(uart_16550_mmio(&uart, &beyond), -EINVAL);
	ck_assert_uint_eq(transmitted_count, 0);
}
END_TEST

/* Registers a page apart: register i at i << 12, and still at i (an
 * early console given the address assumes that layout). */
START_TEST(test_spread_registers)
{
	uint8_t mirror = 0;

	uart_16550_set_layout(&uart, 12, &mirror);
	put(3 << 12, 0x83);			/* LCR: DLAB */
	put(0, 0x0c);				/* DLL, at offset 0 either way */
	ck_assert_uint_eq(get(3), 0x83);	/* LCR at its compact offset */
	put(3 << 12, 0x03);
	ck_assert_uint_eq(get(7 << 12), 0);
	put(7 << 12, 0x5a);			/* SCR */
	ck_assert_uint_eq(get(7), 0x5a);
	put(0, 'x');
	ck_assert_uint_eq(transmitted_count, 1);
	ck_assert_uint_eq(get(5 << 12) & 0x60, 0x60);
}
END_TEST

START_TEST(test_spread_refuses_between_registers)
{
	uint8_t value = 0;
	struct mmio_access between = { (1 << 12) + 1, &value, 1, false };
	struct mmio_access beyond = { 8 << 12, &value, 1, false };
	struct mmio_access compact_beyond = { 8, &value, 1, false };

	uart_16550_set_layout(&uart, 12, NULL);
	ck_assert_int_eq(uart_16550_mmio(&uart, &between), -EINVAL);
	ck_assert_int_eq(uart_16550_mmio(&uart, &beyond), -EINVAL);
	ck_assert_int_eq(uart_16550_mmio(&uart, &compact_beyond), -EINVAL);
}
END_TEST

/* The byte the guest reads as LSR without an exit follows every change:
 * data ready as input arrives, a break while its NUL is at the head, and
 * back to empty once the guest read it all. */
START_TEST(test_lsr_mirror)
{
	uint8_t mirror = 0;

	uart_16550_set_layout(&uart, 12, &mirror);
	ck_assert_uint_eq(mirror, 0x60);	/* THRE, TEMT */
	put(1 << 12, 0x01);			/* ERBFI */
	ck_assert_uint_eq(uart_16550_receive(&uart, (const uint8_t *)"ab", 2), 2);
	ck_assert_uint_eq(mirror, 0x61);	/* and DR */
	ck_assert(irq);
	ck_assert_uint_eq(get(0), 'a');
	ck_assert_uint_eq(mirror, 0x61);
	ck_assert_uint_eq(get(0), 'b');
	ck_assert_uint_eq(mirror, 0x60);
	ck_assert(!irq);
	ck_assert_int_eq(uart_16550_send_break(&uart, 's'), 0);
	ck_assert_uint_eq(mirror, 0x71);	/* BI with its NUL */
	ck_assert_uint_eq(get(0), 0);
	ck_assert_uint_eq(mirror, 0x61);	/* the key */
	ck_assert_uint_eq(get(0), 's');
	ck_assert_uint_eq(mirror, 0x60);
	put(4 << 12, 0x18);			/* loopback: DR comes back too */
	put(0, 'l');
	ck_assert_uint_eq(mirror, 0x61);
	ck_assert_uint_eq(transmitted_count, 0);
}
END_TEST

/* Registers a host page apart, unless the command line asks for an early
 * console from the device tree, or the page size is not one it can say. */
START_TEST(test_reg_shift_decision)
{
	ck_assert_uint_eq(uart_16550_reg_shift("console=ttyS0", 4096), 12);
	ck_assert_uint_eq(uart_16550_reg_shift("console=ttyS0", 16384), 14);
	ck_assert_uint_eq(uart_16550_reg_shift("console=ttyS0", 65536), 16);
	ck_assert_uint_eq(uart_16550_reg_shift("", 4096), 12);
	ck_assert_uint_eq(uart_16550_reg_shift("console=ttyS0 earlycon", 4096), 0);
	ck_assert_uint_eq(uart_16550_reg_shift("earlycon= quiet", 4096), 0);
	ck_assert_uint_eq(uart_16550_reg_shift(
	    "earlycon=uart8250,mmio,0x9000000 console=ttyS0", 4096), 12);
	ck_assert_uint_eq(uart_16550_reg_shift("xearlycon earlycons", 4096), 12);
	ck_assert_uint_eq(uart_16550_reg_shift("console=ttyS0", 1 << 17), 0);
	ck_assert_uint_eq(uart_16550_reg_shift("console=ttyS0", 3000), 0);
	ck_assert_uint_eq(uart_16550_reg_shift("console=ttyS0", 0), 0);
	ck_assert_uint_eq(uart_16550_window(0), 0x1000);
	ck_assert_uint_eq(uart_16550_window(12), 0x8000);
	ck_assert_uint_eq(uart_16550_window(16), 0x80000);
}
END_TEST

static Suite *
uart_16550_suite(void)
{
	Suite *suite = suite_create("uart_16550");
	TCase *tcase = tcase_create("registers");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_transmit);
	tcase_add_test(tcase, test_thr_empty_interrupt);
	tcase_add_test(tcase, test_receive);
	tcase_add_test(tcase, test_receive_backlog_and_overrun);
	tcase_add_test(tcase, test_break_then_key);
	tcase_add_test(tcase, test_break_busy_lock);
	tcase_add_test(tcase, test_divisor_latch_and_scratch);
	tcase_add_test(tcase, test_loopback);
	tcase_add_test(tcase, test_refused_accesses);
	tcase_add_test(tcase, test_spread_registers);
	tcase_add_test(tcase, test_spread_refuses_between_registers);
	tcase_add_test(tcase, test_lsr_mirror);
	tcase_add_test(tcase, test_reg_shift_decision);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(uart_16550_suite)
