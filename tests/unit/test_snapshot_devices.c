/* Device state in a snapshot: each device's state saved, restored into a
 * fresh device and read back through the device's own registers; the
 * DEVICES section of a VM (16550, PL031, PCI host, virtio devices on
 * virtio-mmio and virtio-pci) round-tripped; and every refusal of a short,
 * long or inconsistent blob. No KVM: the VM is the parts core builds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/snapshot_blob.h"
#include "../../core/virtio_mmio.h"
#include "../../core/vm_device_kinds.h"
#include "../../core/vm_internal.h"
#include "suites.h"

#define RAM		0x80000000ull
#define RAM_SIZE	(1ull << 20)
#define SECOND		1000000000ull
#define DESC		(RAM + 0x1000)
#define AVAIL		(RAM + 0x2000)
#define USED		(RAM + 0x3000)
#define BUFFER		(RAM + 0x4000)
#define NEW_BAR		0x8000100000ull

static struct guest_memory memory;
static struct snapshot_writer writer;
static char why[256];
static uint64_t fake_now;
static unsigned int uart_irqs;
static char disk_paths[2][64];

static uint64_t
fake_clock(void)
{
	return fake_now;
}

static void
uart_irq(void *context, bool level)
{
	(void)context;
	uart_irqs += level;
}

static void
setup(void)
{
	memset(&memory, 0, sizeof(memory));
	ck_assert_int_eq(guest_memory_add(&memory, RAM, RAM_SIZE), 0);
	memset(&writer, 0, sizeof(writer));
	why[0] = '\0';
	fake_now = 7 * SECOND;
	uart_irqs = 0;
}

static void
teardown(void)
{
	snapshot_writer_free(&writer);
	guest_memory_release(&memory);
}

static struct snapshot_blob
written(size_t from)
{
	ck_assert_int_eq(writer.error, 0);
	return (struct snapshot_blob){ writer.data + from, writer.size - from };
}

/* A copy of blob with byte at changed, or cut/lengthened by delta. */
static struct snapshot_blob
altered(const struct snapshot_blob *blob, uint8_t *copy, long at,
    uint8_t value, long delta)
{
	memcpy(copy, blob->data, blob->size);
	copy[blob->size] = 0;
	if (at >= 0)
		copy[at] = value;
	return (struct snapshot_blob){ copy, (size_t)((long)blob->size + delta) };
}

/* ---- the 16550 ---- */

static void
uart_write(struct uart_16550 *uart, unsigned int reg, uint8_t value)
{
	struct mmio_access access = { reg, &value, 1, true };

	ck_assert_int_eq(uart_16550_mmio(uart, &access), 0);
}

static uint8_t
uart_read(struct uart_16550 *uart, unsigned int reg)
{
	uint8_t value = 0;
	struct mmio_access access = { reg, &value, 1, false };

	ck_assert_int_eq(uart_16550_mmio(uart, &access), 0);
	return value;
}

static void
uart_program(struct uart_16550 *uart)
{
	uint8_t input[70];
	unsigned int i;

	uart_write(uart, 3, 0x83);	/* DLAB */
	uart_write(uart, 0, 0x0c);
	uart_write(uart, 1, 0x01);
	uart_write(uart, 3, 0x1b);
	uart_write(uart, 2, 0x01);	/* FIFO on */
	uart_write(uart, 4, 0x0b);
	uart_write(uart, 7, 0x5a);
	uart_write(uart, 1, 0x03);	/* ERBFI, ETBEI: a THR event pending */
	ck_assert_int_eq(uart_16550_send_break(uart, 'h'), 0);
	for (i = 0; i < sizeof(input); i++)
		input[i] = (uint8_t)('a' + i % 26);
	ck_assert_uint_eq(uart_16550_receive(uart, input, sizeof(input)), 70);
}

START_TEST(test_uart_round_trip)
{
	struct uart_16550 uart, fresh;
	const struct uart_16550_sink sink = { NULL, uart_irq, NULL };
	struct snapshot_blob blob;
	uint8_t lsr_page = 0;
	unsigned int i;

	uart_16550_init(&uart, &sink);
	uart_program(&uart);
	snapshot_writer_init(&writer, 4096);
	uart_16550_save(&uart, &writer);
	blob = written(SNAPSHOT_HEADER_SIZE);
	uart_16550_init(&fresh, &sink);
	uart_16550_set_layout(&fresh, 0, &lsr_page);
	uart_irqs = 0;
	ck_assert_int_eq(uart_16550_restore(&fresh, &blob, why, sizeof(why)), 0);
	ck_assert_uint_eq(lsr_page, 0x71);	/* DR, BI, THRE, TEMT */
	ck_assert_uint_eq(uart_irqs, 1);
	ck_assert_uint_eq(uart_read(&fresh, 1), 0x03);
	ck_assert_uint_eq(uart_read(&fresh, 3), 0x1b);
	ck_assert_uint_eq(uart_read(&fresh, 4), 0x0b);
	ck_assert_uint_eq(uart_read(&fresh, 6), 0xb0);
	ck_assert_uint_eq(uart_read(&fresh, 7), 0x5a);
	ck_assert_uint_eq(uart_read(&fresh, 2), 0xc4);	/* RDI, FIFO on */
	ck_assert_uint_eq(uart_read(&fresh, 5), 0x71);
	ck_assert_uint_eq(uart_read(&fresh, 0), 0);	/* the break's NUL */
	ck_assert_uint_eq(uart_read(&fresh, 0), 'h');
	for (i = 0; i < 70; i++)
		ck_assert_uint_eq(uart_read(&fresh, 0), 'a' + i % 26);
	ck_assert_uint_eq(uart_read(&fresh, 5), 0x60);	/* the backlog too */
	ck_assert_uint_eq(uart_read(&fresh, 2), 0xc2);	/* then the THR event */
	uart_write(&fresh, 3, 0x9b);
	ck_assert_uint_eq(uart_read(&fresh, 0), 0x0c);
	ck_assert_uint_eq(uart_read(&fresh, 1), 0x01);
	uart_16550_destroy(&uart);
	uart_16550_destroy(&fresh);
}
END_TEST

static void
uart_refused(const struct snapshot_blob *blob, const char *expect)
{
	struct uart_16550 fresh;
	const struct uart_16550_sink sink = { NULL, NULL, NULL };

	uart_16550_init(&fresh, &sink);
	why[0] = '\0';
	ck_assert_int_eq(uart_16550_restore(&fresh, blob, why, sizeof(why)),
	    -EINVAL);
	ck_assert_msg(strstr(why, expect) != NULL, "why: %s", why);
	ck_assert_uint_eq(uart_read(&fresh, 5), 0x60);	/* left empty */
	uart_16550_destroy(&fresh);
}

START_TEST(test_uart_refusals)
{
	struct uart_16550 uart;
	const struct uart_16550_sink sink = { NULL, NULL, NULL };
	struct snapshot_blob blob;
	uint8_t copy[512];

	uart_16550_init(&uart, &sink);
	uart_program(&uart);
	snapshot_writer_init(&writer, 4096);
	uart_16550_save(&uart, &writer);
	blob = written(SNAPSHOT_HEADER_SIZE);
	ck_assert_uint_eq(blob.size, 12 + 4 + 2 * 64 + 4 + 8);
	uart_refused(&(struct snapshot_blob){ blob.data, blob.size - 1 },
	    "truncated");
	uart_refused(&(struct snapshot_blob){ blob.data, 5 }, "truncated");
	uart_refused((struct snapshot_blob[]){ altered(&blob, copy, -1, 0, 1) },
	    "1 bytes too many");
	uart_refused((struct snapshot_blob[]){ altered(&blob, copy, 0, 12, 0) },
	    "reg-shift");
	uart_refused((struct snapshot_blob[]){ altered(&blob, copy, 1, 0x13,
	    0) }, "IER");
	uart_refused((struct snapshot_blob[]){ altered(&blob, copy, 12, 65,
	    0) }, "FIFO");
	uart_refused((struct snapshot_blob[]){ altered(&blob, copy, 9, 0x60,
	    0) }, "LSR, MSR or IIR");
	uart_refused((struct snapshot_blob[]){ altered(&blob, copy, 17, 2,
	    0) }, "break flag");
	uart_16550_destroy(&uart);
}
END_TEST

/* ---- the PL031 ---- */

static uint32_t
rtc_access(struct pl031 *rtc, uint64_t offset, bool write, uint32_t value)
{
	struct mmio_access access = { offset, (uint8_t *)&value, 4, write };

	ck_assert_int_eq(pl031_mmio(rtc, &access), 0);
	return value;
}

START_TEST(test_pl031_round_trip)
{
	struct pl031 rtc, fresh;
	const struct pl031_sink sink = { NULL, NULL };
	struct snapshot_blob blob;
	uint8_t copy[64];

	pl031_init(&rtc, &sink, fake_clock, 1000);
	rtc_access(&rtc, 0x08, true, 2000);	/* LR: the guest's own time */
	rtc_access(&rtc, 0x04, true, 2100);	/* MR */
	rtc_access(&rtc, 0x10, true, 1);	/* IMSC */
	fake_now += 10 * SECOND;
	snapshot_writer_init(&writer, 4096);
	pl031_save(&rtc, &writer);
	blob = written(SNAPSHOT_HEADER_SIZE);
	pl031_init(&fresh, &sink, fake_clock, 5000);	/* the host's time now */
	fake_now += 3 * SECOND;
	ck_assert_int_eq(pl031_restore(&fresh, &blob, why, sizeof(why)), 0);
	ck_assert_uint_eq(rtc_access(&fresh, 0x00, false, 0), 5003);
	ck_assert_uint_eq(rtc_access(&fresh, 0x04, false, 0), 2100);
	ck_assert_uint_eq(rtc_access(&fresh, 0x08, false, 0), 2000);
	ck_assert_uint_eq(rtc_access(&fresh, 0x10, false, 0), 1);
	ck_assert_uint_eq(rtc_access(&fresh, 0x14, false, 0), 1);	/* passed */
	ck_assert_int_eq(pl031_restore(&fresh, &(struct snapshot_blob){
	    blob.data, blob.size - 1 }, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "rtc: truncated");
	ck_assert_int_eq(pl031_restore(&fresh, (struct snapshot_blob[]){
	    altered(&blob, copy, -1, 0, 2) }, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "rtc: 2 bytes too many");
	ck_assert_int_eq(pl031_restore(&fresh, (struct snapshot_blob[]){
	    altered(&blob, copy, 17, 2, 0) }, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "IMSC"));
	pl031_destroy(&rtc);
	pl031_destroy(&fresh);
}
END_TEST

/* ---- a VM's devices ---- */

static struct vm vms[2];
static const struct arch_layout layout = { .ram_base = RAM,
    .rtc_base = 0x09010000 };
static const struct vm_io_placement mmio_placement = {
	.base = 0x0a000000, .stride = 0x200, .irq_base = 16, .max = 32,
};
static const struct vm_io_placement pci_placement = {
	.base = 0x0a000000, .stride = 0x200, .irq_base = 16, .max = 32,
	.pci = true, .pci_ecam_base = 0x0b000000, .pci_ecam_size = 1 << 20,
	.pci_window_bases = { 0x10000000, 0x8000000000 },
	.pci_window_sizes = { 0x2f000000, 0x4000000000 },
	.pci_irq_base = 48, .pci_irq_lines = 4,
};
static const struct vm_io_sink io_sink = { NULL, NULL };

static const char *
make_disk(unsigned int which, off_t size)
{
	int fd;

	snprintf(disk_paths[which], sizeof(disk_paths[which]),
	    "/tmp/vmmd-snapdev-XXXXXX");
	fd = mkstemp(disk_paths[which]);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
	return disk_paths[which];
}

static void
vm_build(struct vm *vm, const struct vm_io_placement *placement,
    const struct vm_device_spec *specs, unsigned int count)
{
	const struct uart_16550_sink uart_sink = { NULL, NULL, NULL };
	const struct pl031_sink rtc_sink = { NULL, NULL };

	memset(vm, 0, sizeof(*vm));
	vm->layout = &layout;
	uart_16550_init(&vm->uart, &uart_sink);
	pl031_init(&vm->rtc, &rtc_sink, fake_clock, 1000);
	ck_assert_int_eq(vm_io_create(&vm->io, specs, count, &memory, placement,
	    &io_sink), 0);
}

static void
vm_teardown(void)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		vm_io_destroy(&vms[i].io);
		uart_16550_destroy(&vms[i].uart);
		pl031_destroy(&vms[i].rtc);
		if (disk_paths[i][0] != '\0')
			unlink(disk_paths[i]);
		disk_paths[i][0] = '\0';
	}
	teardown();
}

static uint32_t
mmio_reg(struct virtio_transport *transport, uint64_t offset, bool write,
    uint32_t value)
{
	struct mmio_access access = { offset, (uint8_t *)&value, 4, write };

	ck_assert_int_eq(virtio_mmio_access(transport, &access), 0);
	return value;
}

/* An rng driver: queue 0 of size 8, one 16-byte buffer served. */
static void
rng_drive_mmio(struct virtio_transport *transport)
{
	struct virtq_desc *desc = guest_memory_ptr(&memory, DESC, 16);
	struct virtq_avail *avail = guest_memory_ptr(&memory, AVAIL, 6 + 16);

	mmio_reg(transport, 0x070, true, 3);
	mmio_reg(transport, 0x024, true, 1);
	mmio_reg(transport, 0x020, true, 1);
	mmio_reg(transport, 0x070, true, 0xb);
	mmio_reg(transport, 0x038, true, 8);
	mmio_reg(transport, 0x080, true, (uint32_t)DESC);
	mmio_reg(transport, 0x090, true, (uint32_t)AVAIL);
	mmio_reg(transport, 0x0a0, true, (uint32_t)USED);
	mmio_reg(transport, 0x044, true, 1);
	mmio_reg(transport, 0x070, true, 0xf);
	*desc = (struct virtq_desc){ BUFFER, 16, VIRTQ_DESC_F_WRITE, 0 };
	avail->ring[0] = 0;
	avail->idx = 1;
	mmio_reg(transport, 0x050, true, 0);
	virtio_transport_process(transport);
	ck_assert_uint_eq(transport->queues[0].used_idx, 1);
}

static int
vm_save(struct vm *vm, uint32_t *count, struct snapshot_blob *devices)
{
	int rc;

	snapshot_writer_free(&writer);
	snapshot_writer_init(&writer, 4096);
	rc = vm_snapshot_devices_save(vm, &writer, count, why, sizeof(why));
	*devices = (struct snapshot_blob){ writer.data + SNAPSHOT_HEADER_SIZE +
	    SNAPSHOT_SECTION_HEAD, writer.size - SNAPSHOT_HEADER_SIZE -
	    SNAPSHOT_SECTION_HEAD };
	return rc;
}

START_TEST(test_vm_mmio_round_trip)
{
	const struct vm_device_spec specs[] = {
		{ .kind = &vm_device_rng }, { .kind = &vm_device_console },
		{ .kind = &vm_device_block, .path = make_disk(0, 1 << 20) },
	};
	struct virtio_transport *source, *target;
	struct snapshot_blob devices;
	uint32_t count = 0;
	uint64_t kicks = 0;

	vm_build(&vms[0], &mmio_placement, specs, 3);
	source = &vms[0].io.devices[0].transport;
	rng_drive_mmio(source);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), 0);
	ck_assert_uint_eq(count, 5);	/* uart, rtc, three virtio devices */
	vm_build(&vms[1], &mmio_placement, specs, 3);
	target = &vms[1].io.devices[0].transport;
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &devices, count,
	    why, sizeof(why)), 0);
	ck_assert_uint_eq(mmio_reg(target, 0x070, false, 0), 0xf);
	ck_assert_uint_eq(mmio_reg(target, 0x044, false, 0), 1);
	ck_assert_uint_eq(target->queues[0].size, 8);
	ck_assert_uint_eq(target->queues[0].desc_addr, DESC);
	ck_assert_uint_eq(target->queues[0].used_addr, USED);
	ck_assert_uint_eq(target->queues[0].last_avail, 1);
	ck_assert_uint_eq(target->queues[0].used_idx, 1);
	ck_assert(target->queues[0].event_idx == false);
	ck_assert(virtio_transport_driver_has(target, VIRTIO_F_VERSION_1));
	/* the live queue is looked at when the I/O thread starts */
	ck_assert_int_eq(read(target->notify_fd, &kicks, sizeof(kicks)), 8);
	ck_assert_uint_eq(kicks, 1);
	ck_assert_uint_eq(vms[1].io.devices[1].transport.status, 0);
}
END_TEST

START_TEST(test_vm_block_capacity)
{
	struct vm_device_spec specs[] = {
		{ .kind = &vm_device_block, .path = make_disk(0, 1 << 20) },
	};
	struct snapshot_blob devices;
	uint32_t count = 0;

	vm_build(&vms[0], &mmio_placement, specs, 1);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), 0);
	specs[0].path = make_disk(1, 2 << 20);
	vm_build(&vms[1], &mmio_placement, specs, 1);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &devices, count,
	    why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "block0: the disk has 4096 sectors, the "
	    "snapshot's had 2048");
}
END_TEST

/* The entries' framing: count, order, kinds, lengths, a kind unsaved. */
START_TEST(test_vm_refusals)
{
	const struct vm_device_spec specs[] = { { .kind = &vm_device_rng } };
	const struct vm_device_spec others[] = { { .kind = &vm_device_console } };
	struct vm_device_ops unsaved = vm_device_rng;
	const struct vm_device_spec unsaved_spec[] = { { .kind = &unsaved } };
	struct snapshot_blob devices, cut;
	uint8_t copy[1024];
	uint32_t count = 0;

	vm_build(&vms[0], &mmio_placement, specs, 1);
	rng_drive_mmio(&vms[0].io.devices[0].transport);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), 0);
	ck_assert_uint_le(devices.size, sizeof(copy) - 1);
	vm_build(&vms[1], &mmio_placement, others, 1);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &devices, count,
	    why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "device entry 2 is of kind 0x104, this VM has "
	    "kind 0x103 there");
	vm_io_destroy(&vms[1].io);
	ck_assert_int_eq(vm_io_create(&vms[1].io, specs, 1, &memory,
	    &mmio_placement, &io_sink), 0);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &devices, 2,
	    why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "the snapshot has 2 device entries, this VM 3 "
	    "devices");
	cut = (struct snapshot_blob){ devices.data, devices.size - 1 };
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &cut, count,
	    why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "device entry 2: truncated");
	cut = altered(&devices, copy, -1, 0, 1);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &cut, count,
	    why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "devices: 1 bytes too many");
	cut = altered(&devices, copy, 0, 2, 0);	/* the UART's kind */
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &cut, count,
	    why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "device entry 0 is of kind 0x2"));
	unsaved.save = NULL;
	vm_io_destroy(&vms[0].io);
	ck_assert_int_eq(vm_io_create(&vms[0].io, unsaved_spec, 1, &memory,
	    &mmio_placement, &io_sink), 0);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), -ENOTSUP);
	ck_assert_str_eq(why, "rng0: a rng device's state cannot be saved yet");
	ck_assert_uint_eq(count, 0);
	vm_io_destroy(&vms[0].io);	/* its kind is this test's, on the stack */
}
END_TEST

/* The transport's blob, from the rng's entry (the last): kind, length,
 * then the transport part's length at +8. */
static size_t
transport_part(const struct snapshot_blob *devices)
{
	size_t at = 0;
	uint32_t length;

	for (int i = 0; i < 2; i++) {
		memcpy(&length, devices->data + at + 4, 4);
		at += 8 + length;
	}
	return at + 12;	/* past kind, entry length, part length */
}

static void
transport_refused(const struct snapshot_blob *devices, uint32_t count,
    size_t offset, const void *value, size_t size, const char *expect)
{
	uint8_t copy[1024];
	struct snapshot_blob bad = altered(devices, copy, -1, 0, 0);
	const struct vm_device_spec specs[] = { { .kind = &vm_device_rng } };

	memcpy(copy + transport_part(devices) + offset, value, size);
	vm_io_destroy(&vms[1].io);
	vm_build(&vms[1], &mmio_placement, specs, 1);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &bad, count, why,
	    sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, expect) != NULL, "why: %s", why);
	ck_assert_uint_eq(vms[1].io.devices[0].transport.status, 0);
	ck_assert(!vms[1].io.devices[0].transport.queues[0].active);
}

/* Transport layout: device id, queues, features, status, selectors,
 * asked, features, queue_sel, ISR, generation (56 bytes), then the queue:
 * size, flags, error, desc, avail, used, indices. */
START_TEST(test_transport_refusals)
{
	const struct vm_device_spec specs[] = { { .kind = &vm_device_rng } };
	const uint16_t six = 6, big = 128, far_used = 1000;
	const uint64_t outside = 0x10000, features = 1;
	const uint32_t status = 0x10f, isr = 4;
	struct snapshot_blob devices;
	uint32_t count = 0;

	vm_build(&vms[0], &mmio_placement, specs, 1);
	rng_drive_mmio(&vms[0].io.devices[0].transport);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), 0);
	transport_refused(&devices, count, 0, "\x03", 1, "virtio device 3");
	transport_refused(&devices, count, 8, &features, 8, "offered features");
	transport_refused(&devices, count, 16, &status, 4, "status 0x10f");
	transport_refused(&devices, count, 48, &isr, 4, "interrupt status");
	transport_refused(&devices, count, 56, &six, 2, "rng0: queue 0: a "
	    "ready queue of size 6");
	transport_refused(&devices, count, 56, &big, 2, "size 128");
	transport_refused(&devices, count, 60, &outside, 8, "outside guest "
	    "RAM");
	transport_refused(&devices, count, 58, "\x31", 1, "unknown flags");
	transport_refused(&devices, count, 86, &far_used, 2, "more buffers in "
	    "use");
}
END_TEST

/* ---- virtio-pci ---- */

static void
ecam_write(struct vm *vm, unsigned int offset, uint32_t value)
{
	struct mmio_access access = { offset, (uint8_t *)&value, 4, true };

	ck_assert_int_eq(pci_host_config_access(&vm->io.pci_host, &access), 0);
}

static uint32_t
ecam_read(struct vm *vm, unsigned int offset)
{
	uint32_t value = 0;
	struct mmio_access access = { offset, (uint8_t *)&value, 4, false };

	ck_assert_int_eq(pci_host_config_access(&vm->io.pci_host, &access), 0);
	return value;
}

static uint32_t
bar_access(struct vm *vm, uint64_t offset, uint32_t length, bool write,
    uint32_t value)
{
	struct pci_window *window = &vm->io.pci_host.windows[1];
	struct mmio_access access = { NEW_BAR + offset - window->base,
	    (uint8_t *)&value, length, write };

	ck_assert_int_eq(pci_window_access(window, &access), 0);
	return value;
}

static void
pci_program(struct vm *vm)
{
	uint8_t cap = vm->io.devices[0].pci.function.msix.capability;

	ecam_write(vm, 0x10, (uint32_t)NEW_BAR);
	ecam_write(vm, 0x14, (uint32_t)(NEW_BAR >> 32));
	ecam_write(vm, 0x04, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	bar_access(vm, VIRTIO_PCI_MSIX_TABLE + 16, 4, true, 0x08090040);
	bar_access(vm, VIRTIO_PCI_MSIX_TABLE + 24, 4, true, 33);
	bar_access(vm, VIRTIO_PCI_MSIX_TABLE + 28, 4, true, 0);
	bar_access(vm, 0x10, 2, true, 0);	/* config vector 0 */
	bar_access(vm, 0x16, 2, true, 0);	/* queue 0 */
	bar_access(vm, 0x1a, 2, true, 1);	/* its vector 1 */
	ecam_write(vm, cap, ecam_read(vm, cap) | 1u << 31);	/* MSI-X on */
}

START_TEST(test_pci_round_trip)
{
	const struct vm_device_spec specs[] = { { .kind = &vm_device_rng } };
	struct pci_function *function;
	struct snapshot_blob devices;
	uint32_t count = 0;
	uint8_t cap;

	vm_build(&vms[0], &pci_placement, specs, 1);
	pci_program(&vms[0]);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), 0);
	ck_assert_uint_eq(count, 4);	/* uart, rtc, host, rng */
	vm_build(&vms[1], &pci_placement, specs, 1);
	function = &vms[1].io.devices[0].pci.function;
	ck_assert_uint_eq(function->bars[0].decoded, 0);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &devices, count,
	    why, sizeof(why)), 0);
	cap = function->msix.capability;
	ck_assert_uint_eq(function->bars[0].decoded, NEW_BAR);
	ck_assert_uint_eq(ecam_read(&vms[1], 0x10), (uint32_t)NEW_BAR | 0xc);
	ck_assert_uint_eq(ecam_read(&vms[1], 0x04) & 0xffff,
	    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ck_assert(pci_function_msix_enabled(function));
	ck_assert_uint_eq(ecam_read(&vms[1], cap), ecam_read(&vms[0], cap));
	ck_assert_uint_eq(bar_access(&vms[1], VIRTIO_PCI_MSIX_TABLE + 16, 4,
	    false, 0), 0x08090040);
	ck_assert_uint_eq(bar_access(&vms[1], VIRTIO_PCI_MSIX_TABLE + 24, 4,
	    false, 0), 33);
	ck_assert_uint_eq(bar_access(&vms[1], VIRTIO_PCI_MSIX_TABLE + 12, 4,
	    false, 0), 1);	/* vector 0 still masked */
	ck_assert_uint_eq(bar_access(&vms[1], 0x10, 2, false, 0), 0);
	bar_access(&vms[1], 0x16, 2, true, 0);
	ck_assert_uint_eq(bar_access(&vms[1], 0x1a, 2, false, 0), 1);
}
END_TEST

/* The rng's entry on PCI: transport part, then the virtio-pci part whose
 * vectors, header and MSI-X table are checked. */
static void
pci_refused(const struct snapshot_blob *devices, uint32_t count,
    size_t offset, uint8_t value, const char *expect)
{
	const struct vm_device_spec specs[] = { { .kind = &vm_device_rng } };
	uint8_t copy[2048];
	struct snapshot_blob bad = altered(devices, copy, -1, 0, 0);
	size_t at = transport_part(devices) - 12, length;
	uint32_t part;

	memcpy(&part, copy + at + 4, 4);	/* the host's entry */
	at += 8 + part;
	memcpy(&part, copy + at + 8, 4);	/* the rng's transport part */
	length = at + 12 + part + 4;		/* its virtio-pci part */
	copy[length + offset] = value;
	vm_io_destroy(&vms[1].io);
	vm_build(&vms[1], &pci_placement, specs, 1);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &bad, count, why,
	    sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, expect) != NULL, "why: %s", why);
}

START_TEST(test_pci_refusals)
{
	const struct vm_device_spec specs[] = { { .kind = &vm_device_rng } };
	struct snapshot_blob devices;
	uint32_t count = 0;
	size_t header = 2 + 2 + 4, msix = header + 256 + 4;

	vm_build(&vms[0], &pci_placement, specs, 1);
	pci_program(&vms[0]);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), 0);
	pci_refused(&devices, count, 2, 7, "MSI-X vector 7 for queue 0");
	pci_refused(&devices, count, header + 0, 0x55, "dword 0 ");
	pci_refused(&devices, count, header + 0x11, 0x12, "dword 0x10");
	pci_refused(&devices, count, msix, 3, "3 MSI-X vectors");
	pci_refused(&devices, count, msix + 2 + 12, 2, "vector 0's control");
	pci_refused(&devices, count, msix + 2 + 2 * 16, 4, "pending bits 0x4");
	pci_refused(&devices, count, header - 4, 0x20, "virtio-pci: ");
}
END_TEST

/* The PCI host's entry: another ECAM or other slots. */
START_TEST(test_pci_host_refusal)
{
	const struct vm_device_spec specs[] = { { .kind = &vm_device_rng } };
	const struct vm_device_spec two[] = { { .kind = &vm_device_rng },
	    { .kind = &vm_device_rng } };
	struct snapshot_blob devices;
	uint32_t count = 0;

	vm_build(&vms[0], &pci_placement, two, 2);
	ck_assert_int_eq(vm_save(&vms[0], &count, &devices), 0);
	vm_build(&vms[1], &pci_placement, specs, 1);
	ck_assert_int_eq(vm_snapshot_devices_restore(&vms[1], &devices, count -
	    1, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "PCI host: its ECAM, windows or slots are not "
	    "this VM's");
}
END_TEST

/* The cursor and parts every restore reads with. */
START_TEST(test_blob_cursor)
{
	const uint8_t bytes[] = { 2, 0, 0, 0, 0xaa, 0xbb, 1 };
	struct snapshot_cursor cursor;
	struct snapshot_blob part;

	snapshot_cursor_init(&cursor, &(struct snapshot_blob){ bytes, 7 });
	snapshot_get_part(&cursor, &part);
	ck_assert_uint_eq(part.size, 2);
	ck_assert_uint_eq(part.data[1], 0xbb);
	ck_assert_int_eq(snapshot_cursor_end(&cursor, "x", why, sizeof(why)),
	    -EINVAL);
	ck_assert_str_eq(why, "x: 1 bytes too many");
	ck_assert_uint_eq(snapshot_get_u16(&cursor), 0);
	ck_assert(cursor.short_read);
	ck_assert_int_eq(snapshot_cursor_end(&cursor, "x", why, sizeof(why)),
	    -EINVAL);
	ck_assert_str_eq(why, "x: truncated");
	snapshot_cursor_init(&cursor, &(struct snapshot_blob){ bytes, 3 });
	snapshot_get_part(&cursor, &part);
	ck_assert(cursor.short_read);
	ck_assert_ptr_null(part.data);
}
END_TEST

static Suite *
snapshot_devices_suite(void)
{
	Suite *suite = suite_create("snapshot_devices");
	TCase *tc = tcase_create("devices");

	tcase_add_checked_fixture(tc, setup, vm_teardown);
	tcase_add_test(tc, test_uart_round_trip);
	tcase_add_test(tc, test_uart_refusals);
	tcase_add_test(tc, test_pl031_round_trip);
	tcase_add_test(tc, test_vm_mmio_round_trip);
	tcase_add_test(tc, test_vm_block_capacity);
	tcase_add_test(tc, test_vm_refusals);
	tcase_add_test(tc, test_transport_refusals);
	tcase_add_test(tc, test_pci_round_trip);
	tcase_add_test(tc, test_pci_refusals);
	tcase_add_test(tc, test_pci_host_refusal);
	tcase_add_test(tc, test_blob_cursor);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(snapshot_devices_suite)
