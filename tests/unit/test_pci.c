/* The ECAM host bridge: type 0 headers through ECAM, absent slots and
 * functions, which bits a guest may write, BAR sizing, where a BAR decodes
 * (windows, memory decode, RAM, overlaps), the capabilities list, MSI-X
 * masks and pending bits, and the widths refused. */
#include <errno.h>
#include <string.h>

#include "../../core/pci.h"
#include "suites.h"

#define WINDOW32	0x10000000ull
#define WINDOW64	0x8000000000ull
#define WINDOW_SIZE	0x10000000ull
#define BAR_SIZE	0x8000ull
#define RAM		0x80000000ull

static struct pci_host host;
static struct pci_function functions[2];
static unsigned int served, moves, msis;
static uint64_t served_offset, moved_to, msi_address;
static uint32_t msi_data;

static int
fake_bar(void *context, unsigned int bar, struct mmio_access *access)
{
	(void)context;
	(void)bar;
	served++;
	served_offset = access->offset;
	if (!access->is_write)
		memset(access->data, 0x5a, access->length);
	return 0;
}

static void
fake_moved(void *context, unsigned int bar, uint64_t address)
{
	(void)context;
	(void)bar;
	moves++;
	moved_to = address;
}

static void
fake_msi(void *context, uint16_t vector, uint64_t address, uint32_t data)
{
	(void)context;
	(void)vector;
	msis++;
	msi_address = address;
	msi_data = data;
}

static const struct pci_function_ops fake_ops = {
	.bar_access = fake_bar, .bar_moved = fake_moved, .msi = fake_msi,
};

static void
setup(void)
{
	const uint64_t bases[] = { WINDOW32, WINDOW64 };
	const uint64_t sizes[] = { WINDOW_SIZE, WINDOW_SIZE };
	const struct pci_function_id id = { .vendor = 0x1af4,
	    .device = 0x1042, .revision = 1, .class_code = 0x018000,
	    .subsystem_vendor = 0x1af4, .subsystem = 0x40,
	    .interrupt_pin = 1 };
	const uint8_t vendor[] = { 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    13 };
	unsigned int i;

	served = moves = msis = 0;
	pci_host_init(&host, bases, sizes);
	for (i = 0; i < 2; i++) {
		pci_function_init(&functions[i], &id, &fake_ops, NULL);
		ck_assert_int_eq(pci_function_add_bar(&functions[i], 0,
		    BAR_SIZE), 0);
		ck_assert_int_eq(pci_function_add_capability(&functions[i],
		    PCI_CAP_ID_VENDOR, vendor, sizeof(vendor)), 0x40);
		ck_assert_int_eq(pci_function_add_msix(&functions[i], 4, 0,
		    0x4000, 0x5000), 0);
		ck_assert_int_eq(pci_host_add(&host, &functions[i], 1 + i), 0);
	}
}

static void
teardown(void)
{
	pci_host_destroy(&host);
}

static uint32_t
config_read(unsigned int slot, unsigned int offset, uint32_t length)
{
	uint32_t value = 0;
	struct mmio_access access = { (uint64_t)slot << 15 | offset,
	    (uint8_t *)&value, length, false };

	ck_assert_int_eq(pci_host_config_access(&host, &access), 0);
	return value;
}

static void
config_write(unsigned int slot, unsigned int offset, uint32_t value,
    uint32_t length)
{
	struct mmio_access access = { (uint64_t)slot << 15 | offset,
	    (uint8_t *)&value, length, true };

	ck_assert_int_eq(pci_host_config_access(&host, &access), 0);
}

static int
window_access(unsigned int window, uint64_t address, uint32_t *value,
    uint32_t length, bool write)
{
	struct mmio_access access = { address - host.windows[window].base,
	    (uint8_t *)value, length, write };

	return pci_window_access(&host.windows[window], &access);
}

static uint32_t
window_read(uint64_t address)
{
	uint32_t value = 0;

	ck_assert_int_eq(window_access(1, address, &value, 4, false), 0);
	return value;
}

static void
window_write(uint64_t address, uint32_t value)
{
	ck_assert_int_eq(window_access(1, address, &value, 4, true), 0);
}

static void
enable_memory(unsigned int slot)
{
	config_write(slot, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
}

START_TEST(test_header)
{
	ck_assert_uint_eq(config_read(1, 0x00, 4), 0x10421af4);
	ck_assert_uint_eq(config_read(1, 0x00, 2), 0x1af4);
	ck_assert_uint_eq(config_read(1, 0x08, 4), 0x01800001);
	ck_assert_uint_eq(config_read(1, 0x0e, 1), 0);
	ck_assert_uint_eq(config_read(1, 0x2c, 4), 0x00401af4);
	ck_assert_uint_eq(config_read(1, 0x3d, 1), 1);
	ck_assert_uint_eq(config_read(1, 0x06, 2) & 0x10, 0x10);
	ck_assert_uint_eq(config_read(1, 0x34, 1), 0x40);
	/* absent slots and functions read all-ones, the rest of 4 KiB 0 */
	ck_assert_uint_eq(config_read(0, 0x00, 4), 0xffffffff);
	ck_assert_uint_eq(config_read(5, 0x00, 4), 0xffffffff);
	ck_assert_uint_eq(config_read(1, 1 << 12, 4), 0xffffffff);
	ck_assert_uint_eq(config_read(1, 0x100, 4), 0);
	config_write(0, 0x04, 0xffff, 2);	/* ignored, no crash */
}
END_TEST

START_TEST(test_writable_bits)
{
	config_write(1, 0x00, 0x12345678, 4);
	ck_assert_uint_eq(config_read(1, 0x00, 4), 0x10421af4);
	config_write(1, PCI_COMMAND, 0xffffffff, 4);
	ck_assert_uint_eq(config_read(1, PCI_COMMAND, 2), 0x0406);
	ck_assert_uint_eq(config_read(1, 0x06, 2), 0x10);
	ck_assert(!pci_function_intx_enabled(&functions[0]));
	config_write(1, 0x3c, 0xffffffff, 4);
	ck_assert_uint_eq(config_read(1, 0x3c, 1), 0xff);
	ck_assert_uint_eq(config_read(1, 0x3d, 1), 1);
	config_write(1, 0x40, 0xffffffff, 4);	/* capabilities are read-only */
	ck_assert_uint_eq(config_read(1, 0x40, 2), 0x5009);
	ck_assert_uint_eq(config_read(1, 0x08, 1), 1);
	config_write(1, 0x08, 0xff, 1);
	ck_assert_uint_eq(config_read(1, 0x08, 1), 1);
}
END_TEST

START_TEST(test_bar_sizing)
{
	uint32_t low = config_read(1, PCI_BAR0, 4);

	ck_assert_uint_eq(low & 0xf, 0xc);	/* 64-bit prefetchable memory */
	ck_assert_uint_eq((uint64_t)config_read(1, PCI_BAR0 + 4, 4) << 32 |
	    (low & ~0xfu), WINDOW64);
	config_write(1, PCI_BAR0, 0xffffffff, 4);
	config_write(1, PCI_BAR0 + 4, 0xffffffff, 4);
	ck_assert_uint_eq(config_read(1, PCI_BAR0, 4),
	    (uint32_t)~(BAR_SIZE - 1) | 0xc);
	ck_assert_uint_eq(config_read(1, PCI_BAR0 + 4, 4), 0xffffffff);
	config_write(1, PCI_BAR0 + 8, 0xffffffff, 4);	/* no BAR 2 */
	ck_assert_uint_eq(config_read(1, PCI_BAR0 + 8, 4), 0);
	/* the second function's BAR was placed after the first's */
	ck_assert_uint_eq(config_read(2, PCI_BAR0, 4) & ~0xfu,
	    (uint32_t)(WINDOW64 + BAR_SIZE));
}
END_TEST

START_TEST(test_decode)
{
	/* memory decode off: nothing served, reads all-ones */
	ck_assert_uint_eq(window_read(WINDOW64 + 0x10), 0xffffffff);
	ck_assert_uint_eq(served, 0);
	enable_memory(1);
	ck_assert_uint_eq(moves, 1);
	ck_assert_uint_eq(moved_to, WINDOW64);
	ck_assert_uint_eq(window_read(WINDOW64 + 0x10), 0x5a5a5a5a);
	ck_assert_uint_eq(served, 1);
	ck_assert_uint_eq(served_offset, 0x10);
	/* moved into the 32-bit window, half by half */
	config_write(1, PCI_BAR0 + 4, 0, 4);
	config_write(1, PCI_BAR0, (uint32_t)WINDOW32 + 0x100000, 4);
	ck_assert_uint_eq(moved_to, WINDOW32 + 0x100000);
	ck_assert_int_eq(window_access(0, WINDOW32 + 0x100008,
	    &(uint32_t){ 0 }, 4, false), 0);
	ck_assert_uint_eq(served_offset, 8);
	/* over RAM: decoded nowhere, the window no longer reaches it */
	config_write(1, PCI_BAR0, (uint32_t)RAM, 4);
	ck_assert_uint_eq(moved_to, 0);
	served = 0;
	ck_assert_uint_eq(window_read(WINDOW64 + 0x10), 0xffffffff);
	ck_assert_uint_eq(served, 0);
	/* just past the window's end; the address bits below the size fixed */
	config_write(1, PCI_BAR0, (uint32_t)(WINDOW32 + WINDOW_SIZE), 4);
	ck_assert_uint_eq(functions[0].bars[0].decoded, 0);
	config_write(1, PCI_BAR0, (uint32_t)(WINDOW32 + 0x7fff), 4);
	ck_assert_uint_eq(functions[0].bars[0].decoded, WINDOW32);
}
END_TEST

START_TEST(test_overlap)
{
	enable_memory(1);
	enable_memory(2);
	ck_assert_uint_eq(functions[1].bars[0].decoded, WINDOW64 + BAR_SIZE);
	config_write(2, PCI_BAR0, (uint32_t)WINDOW64, 4);
	ck_assert_uint_eq(functions[1].bars[0].decoded, 0);
	ck_assert_uint_eq(functions[0].bars[0].decoded, WINDOW64);
	/* the first moves away: the second decodes where it was put */
	config_write(1, PCI_BAR0, (uint32_t)WINDOW64 + 0x100000, 4);
	ck_assert_uint_eq(functions[1].bars[0].decoded, WINDOW64);
}
END_TEST

static void
msix_program(uint64_t base, unsigned int vector, uint32_t data)
{
	uint64_t entry = base + 0x4000 + 16 * vector;

	window_write(entry, 0x08090040);
	window_write(entry + 4, 0);
	window_write(entry + 8, data);
}

START_TEST(test_msix)
{
	unsigned int control = 0x50 + 2;	/* after the vendor capability */

	ck_assert_uint_eq(config_read(1, 0x41, 1), 0x50);
	ck_assert_uint_eq(config_read(1, 0x50, 1), PCI_CAP_ID_MSIX);
	ck_assert_uint_eq(config_read(1, 0x51, 1), 0);
	ck_assert_uint_eq(config_read(1, control, 2), 3);	/* 4 vectors */
	ck_assert_uint_eq(config_read(1, 0x54, 4), 0x4000);
	ck_assert_uint_eq(config_read(1, 0x58, 4), 0x5000);
	enable_memory(1);
	ck_assert_uint_eq(window_read(WINDOW64 + 0x4000 + 12), 1); /* masked */
	msix_program(WINDOW64, 2, 0x22);
	ck_assert_int_eq(pci_function_msix_fire(&functions[0], 2), -ENOTSUP);
	ck_assert_uint_eq(window_read(WINDOW64 + 0x5000), 0);
	config_write(1, control, 0x8000, 2);
	ck_assert(pci_function_msix_enabled(&functions[0]));
	pci_function_msix_fire(&functions[0], 2);
	ck_assert_uint_eq(msis, 0);
	ck_assert_uint_eq(window_read(WINDOW64 + 0x5000), 1u << 2);
	window_write(WINDOW64 + 0x5000, 0);	/* the PBA is read-only */
	ck_assert_uint_eq(window_read(WINDOW64 + 0x5000), 1u << 2);
	window_write(WINDOW64 + 0x4000 + 16 * 2 + 12, 0);	/* unmask */
	ck_assert_uint_eq(msis, 1);
	ck_assert_uint_eq(msi_address, 0x08090040);
	ck_assert_uint_eq(msi_data, 0x22);
	ck_assert_uint_eq(window_read(WINDOW64 + 0x5000), 0);
	/* the function mask holds it pending, clearing it sends it */
	config_write(1, control, 0xc000, 2);
	pci_function_msix_fire(&functions[0], 2);
	ck_assert_uint_eq(msis, 1);
	config_write(1, control, 0x8000, 2);
	ck_assert_uint_eq(msis, 2);
	pci_function_msix_fire(&functions[0], 4);	/* past the table */
	pci_function_msix_fire(&functions[0], 0xffff);
	ck_assert_uint_eq(msis, 2);
	ck_assert_uint_eq(config_read(1, control, 2), 0x8003);
}
END_TEST

START_TEST(test_bad_accesses)
{
	uint64_t wide = 0;
	uint16_t half = 0;
	struct mmio_access eight = { 1 << 15, (uint8_t *)&wide, 8, false };
	struct mmio_access unaligned = { 1 << 15 | 1, (uint8_t *)&half, 2,
	    false };

	ck_assert_int_eq(pci_host_config_access(&host, &eight), -EINVAL);
	ck_assert_int_eq(pci_host_config_access(&host, &unaligned), -EINVAL);
	ck_assert_uint_eq(host.bad_accesses, 2);
	enable_memory(1);
	ck_assert_int_eq(window_access(1, WINDOW64 + 0x4000, (uint32_t *)&half,
	    2, false), -EINVAL);
	ck_assert_int_eq(window_access(1, WINDOW64 + BAR_SIZE - 2,
	    (uint32_t *)&wide, 4, false), -EINVAL);
	ck_assert_int_eq(pci_function_add_bar(&functions[0], 1, 0x1000),
	    -EINVAL);
	ck_assert_int_eq(pci_function_add_bar(&functions[0], 2, 0x1001),
	    -EINVAL);
	/* capabilities until the header is full, none over another */
	ck_assert_int_eq(pci_function_add_capability(&functions[0], 0x09,
	    (uint8_t[0xa0]){ 0 }, 0xa0), 0x5c);
	ck_assert_int_eq(pci_function_add_capability(&functions[0], 0x09,
	    (uint8_t[0x10]){ 0 }, 0x10), -ENOSPC);
	ck_assert_int_eq(pci_function_add_capability(&functions[0], 0x09,
	    NULL, 0), -ENOSPC);
	ck_assert_int_eq(pci_host_add(&host, &functions[0], 32), -EINVAL);
	ck_assert_int_eq(pci_host_add(&host, &functions[0], 1), -EINVAL);
}
END_TEST

static Suite *
pci_suite(void)
{
	Suite *suite = suite_create("pci");
	TCase *tcase = tcase_create("ecam");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_header);
	tcase_add_test(tcase, test_writable_bits);
	tcase_add_test(tcase, test_bar_sizing);
	tcase_add_test(tcase, test_decode);
	tcase_add_test(tcase, test_overlap);
	tcase_add_test(tcase, test_msix);
	tcase_add_test(tcase, test_bad_accesses);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(pci_suite)
