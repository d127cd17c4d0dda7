/* virtio-pci through the ECAM host: the function's identity and vendor
 * capabilities, feature negotiation and queue set-up through the common
 * config, a notify served, the ISR read-to-clear, MSI-X vectors, config
 * reads, and malformed guest accesses refused without harm. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../../core/guest_memory.h"
#include "../../core/virtio_pci.h"
#include "suites.h"

#define RAM		0x80000000ull
#define RAM_SIZE	(1ull << 20)
#define WINDOW32	0x10000000ull
#define WINDOW64	0x8000000000ull
#define WINDOW_SIZE	0x10000000ull
#define SLOT		3
#define QSIZE		8

static struct guest_memory memory;
static struct pci_host host;
static struct virtio_transport transport;
static struct virtio_pci pci;
static const uint8_t device_config[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static unsigned int served, msis, moves;
static uint64_t msi_address, moved_to;
static uint32_t msi_data;
static uint16_t msi_requester, msi_vector;
static unsigned int routes;
static uint16_t route_vector, route_requester;
static uint64_t route_address;
static uint32_t route_data;

static void
fake_notify(void *device, struct virtio_transport *owner, unsigned int index)
{
	struct virtq_chain chain;
	struct virtqueue *queue = &owner->queues[index];

	(void)device;
	while (virtqueue_pop(queue, &chain) == 1) {
		virtqueue_push(queue, chain.head, 0);
		served++;
	}
	virtio_transport_queue_done(owner, index);
}

static const struct virtio_device_ops fake_ops = {
	.device_id = VIRTIO_ID_BLOCK, .queue_count = 2, .queue_max = 64,
	.queue_notify = fake_notify,
};

static void
hook_moved(void *context, uint64_t address)
{
	(void)context;
	moves++;
	moved_to = address;
}

static void
hook_msi(void *context, uint16_t vector, uint64_t address, uint32_t data,
    uint16_t requester)
{
	(void)context;
	msis++;
	msi_vector = vector;
	msi_address = address;
	msi_data = data;
	msi_requester = requester;
}

static void
hook_route(void *context, uint16_t vector, uint64_t address, uint32_t data,
    uint16_t requester)
{
	(void)context;
	routes++;
	route_vector = vector;
	route_address = address;
	route_data = data;
	route_requester = requester;
}

static const struct virtio_pci_hooks hooks = { hook_moved, hook_msi,
    hook_route };

static void
config_write(unsigned int offset, uint32_t value, uint32_t length)
{
	struct mmio_access access = { (uint64_t)SLOT << 15 | offset,
	    (uint8_t *)&value, length, true };

	ck_assert_int_eq(pci_host_config_access(&host, &access), 0);
}

static uint32_t
config_read(unsigned int offset, uint32_t length)
{
	uint32_t value = 0;
	struct mmio_access access = { (uint64_t)SLOT << 15 | offset,
	    (uint8_t *)&value, length, false };

	ck_assert_int_eq(pci_host_config_access(&host, &access), 0);
	return value;
}

static int
bar_access(uint64_t offset, uint64_t *value, uint32_t length, bool write)
{
	struct mmio_access access = { WINDOW64 + offset - host.windows[1].base,
	    (uint8_t *)value, length, write };

	return pci_window_access(&host.windows[1], &access);
}

static uint64_t
bar_read(uint64_t offset, uint32_t length)
{
	uint64_t value = 0;

	ck_assert_int_eq(bar_access(offset, &value, length, false), 0);
	return value;
}

static void
bar_write(uint64_t offset, uint64_t value, uint32_t length)
{
	ck_assert_int_eq(bar_access(offset, &value, length, true), 0);
}

static void
setup(void)
{
	const uint64_t bases[] = { WINDOW32, WINDOW64 };
	const uint64_t sizes[] = { WINDOW_SIZE, WINDOW_SIZE };

	served = msis = moves = routes = 0;
	memset(&memory, 0, sizeof(memory));
	ck_assert_int_eq(guest_memory_add(&memory, RAM, RAM_SIZE), 0);
	pci_host_init(&host, bases, sizes);
	ck_assert_int_eq(virtio_transport_init(&transport, "block0", &fake_ops,
	    NULL, 0, device_config, sizeof(device_config), &memory), 0);
	ck_assert_int_eq(virtio_pci_init(&pci, &transport, &hooks, NULL), 0);
	ck_assert_int_eq(pci_host_add(&host, &pci.function, SLOT), 0);
	config_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void
teardown(void)
{
	virtio_transport_destroy(&transport);
	pci_host_destroy(&host);
	guest_memory_release(&memory);
}

static uint64_t
eventfd_count(int fd)
{
	uint64_t count = 0;

	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

/* ACKNOWLEDGE | DRIVER, the high features word, FEATURES_OK. */
static uint32_t
negotiate(uint32_t high)
{
	bar_write(0x14, 3, 1);
	bar_write(0x08, 1, 4);
	bar_write(0x0c, high, 4);
	bar_write(0x14, 0xb, 1);
	return (uint32_t)bar_read(0x14, 1);
}

/* Queue q at RAM + q * 0x10000: descriptors, then avail, then used. */
static void
queue_setup(unsigned int q)
{
	uint64_t base = RAM + q * 0x10000ull;

	bar_write(0x16, q, 2);
	bar_write(0x18, QSIZE, 2);
	bar_write(0x20, base, 8);
	bar_write(0x28, base + 0x1000, 4);
	bar_write(0x2c, 0, 4);
	bar_write(0x30, (base + 0x2000) & 0xffffffff, 4);
	bar_write(0x34, (base + 0x2000) >> 32, 4);
	bar_write(0x1c, 1, 2);
}

/* One readable buffer on queue 0's avail ring. */
static void
post_buffer(void)
{
	struct virtq_desc *desc = guest_memory_ptr(&memory, RAM, 16 * QSIZE);
	struct virtq_avail *avail = guest_memory_ptr(&memory, RAM + 0x1000,
	    6 + 2 * QSIZE);

	desc[0] = (struct virtq_desc){ RAM + 0x8000, 16, 0, 0 };
	avail->ring[avail->idx % QSIZE] = 0;
	avail->idx++;
}

START_TEST(test_identity)
{
	unsigned int at, type, found = 0;

	ck_assert_uint_eq(config_read(0x00, 4), 0x1042u << 16 | 0x1af4);
	ck_assert_uint_eq(config_read(0x08, 1), 1);		/* revision */
	ck_assert_uint_eq(config_read(0x2e, 2), 0x40);		/* subsystem */
	ck_assert_uint_eq(config_read(0x3d, 1), 1);		/* INTA */
	for (at = config_read(0x34, 1); at != 0; at = config_read(at + 1, 1)) {
		if (config_read(at, 1) == PCI_CAP_ID_MSIX) {
			ck_assert_uint_eq(config_read(at + 2, 2), 2); /* 3 */
			found |= 1u << 6;
			continue;
		}
		ck_assert_uint_eq(config_read(at, 1), PCI_CAP_ID_VENDOR);
		type = config_read(at + 3, 1);
		ck_assert_uint_eq(config_read(at + 4, 1), VIRTIO_PCI_BAR);
		found |= 1u << type;
		if (type == 1)
			ck_assert_uint_eq(config_read(at + 8, 4), 0);
		if (type == 2) {
			ck_assert_uint_eq(config_read(at + 2, 1), 20);
			ck_assert_uint_eq(config_read(at + 8, 4), 0x3000);
			ck_assert_uint_eq(config_read(at + 16, 4), 4);
		}
		if (type == 3)
			ck_assert_uint_eq(config_read(at + 8, 4), 0x1000);
		if (type == 4) {
			ck_assert_uint_eq(config_read(at + 8, 4), 0x2000);
			ck_assert_uint_eq(config_read(at + 12, 4), 8);
		}
		if (type == 5)
			ck_assert_uint_eq(config_read(at + 2, 1), 20);
	}
	/* common, notify, ISR, device, PCI_CFG, MSI-X */
	ck_assert_uint_eq(found, 0x7e);
	ck_assert_uint_eq(moves, 1);
	ck_assert_uint_eq(moved_to, WINDOW64);
	ck_assert_uint_eq(bar_read(0x12, 2), 2);		/* num_queues */
}
END_TEST

static unsigned int
pci_cfg_capability(void)
{
	unsigned int at;

	for (at = config_read(0x34, 1); at != 0; at = config_read(at + 1, 1))
		if (config_read(at, 1) == PCI_CAP_ID_VENDOR &&
		    config_read(at + 3, 1) == 5)
			return at;
	ck_abort_msg("no VIRTIO_PCI_CAP_PCI_CFG");
	return 0;
}

/* PCI_CFG (4.1.4.9): bar, offset and length name the access that
 * pci_cfg_data makes, with the BAR decoding or not; the MSI-X table is
 * reached too; a window the spec does not allow makes no access. */
START_TEST(test_pci_cfg)
{
	unsigned int cap = pci_cfg_capability(), data = cap + 16;
	uint32_t bad = pci.bad_accesses;

	ck_assert_uint_eq(config_read(cap + 2, 1), 20);
	config_write(cap + 4, VIRTIO_PCI_BAR, 1);
	config_write(cap + 8, 0x12, 4);				/* num_queues */
	config_write(cap + 12, 2, 4);
	ck_assert_uint_eq(config_read(data, 4), 2);
	/* a write: queue_select, then read back through the BAR */
	config_write(cap + 8, 0x16, 4);
	config_write(data, 1, 2);
	ck_assert_uint_eq(bar_read(0x16, 2), 1);
	/* with memory decode off, the window still reaches the BAR */
	config_write(PCI_COMMAND, 0, 2);
	config_write(cap + 8, 0x4000 + 16 + 8, 4);		/* vector 1's data */
	config_write(cap + 12, 4, 4);
	config_write(data, 0x55, 4);
	ck_assert_uint_eq(config_read(data, 4), 0x55);
	ck_assert_uint_eq(pci.function.msix.entries[1].data, 0x55);
	config_write(cap + 8, 0x14, 4);				/* device status */
	config_write(cap + 12, 1, 4);
	config_write(data, 3, 1);
	ck_assert_uint_eq(transport.status, 3);
	ck_assert_uint_eq(config_read(data, 1), 3);
	ck_assert_uint_eq(pci.bad_accesses, bad);
	/* read-only bytes stay; length 3, a misaligned offset, another BAR */
	config_write(cap + 3, 0, 1);
	ck_assert_uint_eq(config_read(cap + 3, 1), 5);
	config_write(cap + 12, 3, 4);
	ck_assert_uint_eq(config_read(data, 4), 3);
	config_write(cap + 12, 2, 4);
	config_write(cap + 8, 0x15, 4);
	config_write(data, 0, 2);
	config_write(cap + 8, 0x14, 4);
	config_write(cap + 4, 1, 1);
	config_write(data, 0, 1);
	ck_assert_uint_eq(transport.status, 3);
	ck_assert_uint_eq(pci.bad_accesses, bad + 3);
}
END_TEST

START_TEST(test_feature_negotiation)
{
	bar_write(0x00, 1, 4);
	ck_assert_uint_eq(bar_read(0x04, 4), 1);		/* VERSION_1 */
	bar_write(0x00, 0, 4);
	ck_assert_uint_eq(bar_read(0x04, 4), 1u << VIRTIO_F_EVENT_IDX |
	    1u << VIRTIO_F_INDIRECT_DESC);
	bar_write(0x00, 7, 4);
	ck_assert_uint_eq(bar_read(0x04, 4), 0);
	ck_assert_uint_eq(negotiate(0), 3);	/* no VERSION_1: refused */
	bar_write(0x14, 0, 1);
	ck_assert_uint_eq(negotiate(1 | 4), 3);	/* not offered: refused */
	bar_write(0x14, 0, 1);
	ck_assert_uint_eq(negotiate(1), 0xb);
	ck_assert_uint_eq(bar_read(0x0c, 4), 1);
	bar_write(0x08, 0, 4);
	bar_write(0x0c, 1u << VIRTIO_F_EVENT_IDX, 4);	/* too late */
	ck_assert(!virtio_transport_driver_has(&transport, VIRTIO_F_EVENT_IDX));
}
END_TEST

START_TEST(test_queue_setup)
{
	negotiate(1);
	bar_write(0x16, 1, 2);
	ck_assert_uint_eq(bar_read(0x18, 2), 64);	/* the maximum first */
	ck_assert_uint_eq(bar_read(0x1e, 2), 1);	/* queue_notify_off */
	queue_setup(0);
	ck_assert_uint_eq(bar_read(0x1c, 2), 1);
	ck_assert_uint_eq(bar_read(0x20, 8), RAM);
	ck_assert_uint_eq(bar_read(0x28, 4), (uint32_t)(RAM + 0x1000));
	ck_assert_uint_eq(bar_read(0x34, 4), 0);
	bar_write(0x20, 0x0f000000, 8);			/* live: not moved */
	ck_assert_uint_eq(transport.queues[0].desc_addr, RAM);
	ck_assert_uint_eq(transport.queues[0].size, QSIZE);
	bar_write(0x14, 0xf, 1);
	ck_assert_uint_eq(bar_read(0x14, 1), 0xf);
	bar_write(0x14, 0, 1);				/* reset */
	ck_assert_uint_eq(bar_read(0x1c, 2), 0);
	ck_assert_uint_eq(bar_read(0x14, 1), 0);
}
END_TEST

START_TEST(test_notify_and_isr)
{
	negotiate(1);
	queue_setup(0);
	bar_write(0x14, 0xf, 1);
	post_buffer();
	bar_write(0x3000, 0, 2);			/* queue 0's notify */
	ck_assert_uint_eq(transport.stats.mmio_notifies, 1);
	eventfd_count(transport.irq_fd);
	virtio_transport_process(&transport);
	ck_assert_uint_eq(served, 1);
	ck_assert_uint_eq(eventfd_count(transport.irq_fd), 1);	/* INTx */
	ck_assert_uint_eq(bar_read(0x1000, 1), VIRTIO_INT_VRING);
	ck_assert_uint_eq(bar_read(0x1000, 1), 0);	/* read-to-clear */
	/* INTx disabled in the command register: the ISR alone says it */
	config_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE,
	    2);
	post_buffer();
	bar_write(0x3000, 0, 2);
	virtio_transport_process(&transport);
	ck_assert_uint_eq(served, 2);
	ck_assert_uint_eq(eventfd_count(transport.irq_fd), 0);
	ck_assert_uint_eq(bar_read(0x1000, 1), VIRTIO_INT_VRING);
	config_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	/* queue 1's notify lands on queue 1's address */
	bar_write(0x3004, 1, 2);
	ck_assert_uint_eq(eventfd_count(transport.notify_fd), 1);
	ck_assert_uint_eq(msis, 0);
}
END_TEST

START_TEST(test_msix_vectors)
{
	unsigned int control = 0;
	unsigned int at;

	for (at = config_read(0x34, 1); at != 0; at = config_read(at + 1, 1))
		if (config_read(at, 1) == PCI_CAP_ID_MSIX)
			control = at + 2;
	ck_assert_uint_ne(control, 0);
	bar_write(0x4000 + 16 + 0, 0x08090040, 4);	/* vector 1 */
	bar_write(0x4000 + 16 + 8, 0x31, 4);
	bar_write(0x4000 + 16 + 12, 0, 4);		/* unmasked */
	ck_assert_uint_eq(routes, 0);
	config_write(control, 0x8000, 2);
	/* the enable routes the live vector, from the function's ID */
	ck_assert_uint_eq(routes, 1);
	ck_assert_uint_eq(route_vector, 1);
	ck_assert_uint_eq(route_address, 0x08090040);
	ck_assert_uint_eq(route_data, 0x31);
	ck_assert_uint_eq(route_requester, SLOT << 3);
	negotiate(1);
	bar_write(0x10, 99, 2);				/* past the table */
	ck_assert_uint_eq(bar_read(0x10, 2), VIRTIO_PCI_NO_VECTOR);
	bar_write(0x10, 0, 2);
	ck_assert_uint_eq(bar_read(0x10, 2), 0);
	queue_setup(0);
	bar_write(0x1a, 1, 2);
	ck_assert_uint_eq(bar_read(0x1a, 2), 1);
	bar_write(0x14, 0xf, 1);
	post_buffer();
	bar_write(0x3000, 0, 2);
	eventfd_count(transport.irq_fd);
	virtio_transport_process(&transport);
	ck_assert_uint_eq(msis, 1);
	ck_assert_uint_eq(msi_address, 0x08090040);
	ck_assert_uint_eq(msi_data, 0x31);
	ck_assert_uint_eq(msi_requester, SLOT << 3);
	ck_assert_uint_eq(msi_vector, 1);
	ck_assert_uint_eq(eventfd_count(transport.irq_fd), 0);	/* no INTx */
	ck_assert_uint_eq(bar_read(0x1000, 1), 0);
	/* a queue without a vector gets no interrupt at all */
	bar_write(0x14, 0, 1);
	ck_assert_uint_eq(bar_read(0x1a, 2), VIRTIO_PCI_NO_VECTOR);
}
END_TEST

START_TEST(test_config_reads)
{
	ck_assert_uint_eq(bar_read(0x2000, 1), 1);
	ck_assert_uint_eq(bar_read(0x2002, 2), 0x0403);
	ck_assert_uint_eq(bar_read(0x2004, 4), 0x08070605);
	ck_assert_uint_eq(bar_read(0x2000, 8), 0x0807060504030201ull);
	ck_assert_uint_eq(bar_read(0x2006, 4), 0);	/* runs past the end */
	ck_assert_uint_eq(bar_read(0x2100, 4), 0);
	bar_write(0x2000, 0xff, 1);			/* read-only */
	ck_assert_uint_eq(bar_read(0x2000, 1), 1);
}
END_TEST

START_TEST(test_malformed_accesses)
{
	uint64_t value = 0xffffffff;

	/* widths that are not the field's, offsets that are no field */
	ck_assert_int_eq(bar_access(0x14, &value, 4, true), -EINVAL);
	ck_assert_int_eq(bar_access(0x04, &value, 2, false), -EINVAL);
	ck_assert_int_eq(bar_access(0x13, &value, 1, true), -EINVAL);
	ck_assert_int_eq(bar_access(0x38, &value, 4, false), -EINVAL);
	ck_assert_int_eq(bar_access(0x1001, &value, 1, false), -EINVAL);
	ck_assert_int_eq(bar_access(0x6000, &value, 4, true), -EINVAL);
	ck_assert_int_eq(bar_access(0x3002, &value, 2, true), -EINVAL);
	ck_assert_int_eq(bar_access(0x3008, &value, 2, true), -EINVAL);
	ck_assert_int_eq(bar_access(0x7ffe, &value, 4, false), -EINVAL);
	ck_assert_uint_eq(pci.bad_accesses, 8);
	ck_assert_uint_eq(bar_read(0x14, 1), 0);	/* status untouched */
	/* queue_select past the end: nothing to read, nothing written */
	negotiate(1);
	bar_write(0x16, 0xffff, 2);
	ck_assert_uint_eq(bar_read(0x18, 2), 0);
	ck_assert_uint_eq(bar_read(0x1a, 2), VIRTIO_PCI_NO_VECTOR);
	bar_write(0x18, 8, 2);
	bar_write(0x20, RAM, 8);
	bar_write(0x1c, 1, 2);
	ck_assert_uint_eq(bar_read(0x1c, 2), 0);
	ck_assert_uint_eq(bar_read(0x14, 1), 0xb);	/* no NEEDS_RESET */
	/* a ring outside guest memory: the device needs a reset */
	bar_write(0x16, 0, 2);
	bar_write(0x20, 0x0f000000, 8);
	bar_write(0x1c, 1, 2);
	ck_assert_uint_eq(bar_read(0x14, 1) & VIRTIO_STATUS_NEEDS_RESET,
	    VIRTIO_STATUS_NEEDS_RESET);
	/* the BAR moved over RAM decodes nowhere: the old address is gone */
	config_write(PCI_BAR0 + 4, 0, 4);
	config_write(PCI_BAR0, (uint32_t)RAM, 4);
	ck_assert_uint_eq(moved_to, 0);
	ck_assert_uint_eq(bar_read(0x14, 1), 0xff);
	config_write(PCI_BAR0 + 4, (uint32_t)(WINDOW64 >> 32), 4);
	config_write(PCI_BAR0, 0, 4);
	ck_assert_uint_eq(moved_to, WINDOW64);
	ck_assert_uint_eq(bar_read(0x12, 2), 2);
}
END_TEST

static Suite *
virtio_pci_suite(void)
{
	Suite *suite = suite_create("virtio_pci");
	TCase *tcase = tcase_create("transport");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_identity);
	tcase_add_test(tcase, test_feature_negotiation);
	tcase_add_test(tcase, test_queue_setup);
	tcase_add_test(tcase, test_notify_and_isr);
	tcase_add_test(tcase, test_msix_vectors);
	tcase_add_test(tcase, test_pci_cfg);
	tcase_add_test(tcase, test_config_reads);
	tcase_add_test(tcase, test_malformed_accesses);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(virtio_pci_suite)
