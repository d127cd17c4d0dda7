/* A VM's device set without KVM: names, placement, the refusals, results
 * and a clean destroy after a failure half-way. */
#include <errno.h>
#include <string.h>

#include "../../core/guest_memory.h"
#include "../../core/vm_device_kinds.h"
#include "../../core/vm_io.h"
#include "suites.h"

#define BASE	0x80000000ull

static struct guest_memory memory;
static struct vm_io io;
static const struct vm_io_placement placement = {
	.base = 0x0a000000, .stride = 0x200, .irq_base = 16, .max = 32,
};
static const struct vm_io_sink sink = { NULL, NULL };

static void
setup(void)
{
	memset(&memory, 0, sizeof(memory));
	ck_assert_int_eq(guest_memory_add(&memory, BASE, 1ull << 20), 0);
}

static void
teardown(void)
{
	vm_io_destroy(&io);
	guest_memory_release(&memory);
}

START_TEST(test_names_and_placement)
{
	const struct vm_device_spec specs[] = {
		{ .kind = &vm_device_rng }, { .kind = &vm_device_console },
		{ .kind = &vm_device_rng },
	};
	struct vm_device_result results[VM_IO_MAX_DEVICES];
	unsigned int count = 0;

	ck_assert_int_eq(vm_io_create(&io, specs, 3, &memory, &placement,
	    &sink), 0);
	ck_assert_uint_eq(io.count, 3);
	ck_assert_str_eq(io.devices[0].name, "rng0");
	ck_assert_str_eq(io.devices[1].name, "console0");
	ck_assert_str_eq(io.devices[2].name, "rng1");
	ck_assert_uint_eq(io.devices[2].base, 0x0a000400);
	ck_assert_uint_eq(io.devices[2].irq, 18);
	vm_io_results(&io, results, &count);
	ck_assert_uint_eq(count, 3);
	ck_assert_str_eq(results[1].name, "console0");
	ck_assert_ptr_eq(results[1].kind, &vm_device_console);
	ck_assert_uint_eq(results[0].status, 0);
}
END_TEST

START_TEST(test_failure_half_way)
{
	const struct vm_device_spec specs[] = {
		{ .kind = &vm_device_rng },
		{ .kind = &vm_device_block, .path = "/nonexistent/disk.img" },
	};

	ck_assert_int_eq(vm_io_create(&io, specs, 2, &memory, &placement,
	    &sink), -ENOENT);
	ck_assert_uint_eq(io.count, 1);	/* destroyed by the teardown */
}
END_TEST

START_TEST(test_refusals)
{
	struct vm_device_spec specs[VM_IO_MAX_DEVICES + 1];
	const struct vm_io_placement small = { .base = 0x0a000000,
	    .stride = 0x200, .irq_base = 16, .max = 2 };
	const struct vm_device_spec unknown = { .kind = NULL };

	memset(specs, 0, sizeof(specs));
	ck_assert_int_eq(vm_io_create(&io, specs, VM_IO_MAX_DEVICES + 1,
	    &memory, &placement, &sink), -EINVAL);
	ck_assert_int_eq(vm_io_create(&io, specs, 3, &memory, &small, &sink),
	    -EINVAL);
	ck_assert_int_eq(vm_io_create(&io, &unknown, 1, &memory, &placement,
	    &sink), -EINVAL);
	vm_io_destroy(&io);
	ck_assert_str_eq(vm_device_kind_name(NULL), "unknown");
	ck_assert_int_eq(vm_io_create(&io, NULL, 0, &memory, &placement, &sink),
	    0);
}
END_TEST

/* With the PCI transport: device i in slot i, its BAR placed in the 64-bit
 * window, INTA swizzled on four lines, and the host's ECAM answering. */
START_TEST(test_pci_placement)
{
	const struct vm_io_placement pci = {
		.base = 0x0a000000, .stride = 0x200, .irq_base = 16, .max = 32,
		.pci = true, .pci_ecam_base = 0x0b000000,
		.pci_ecam_size = 1 << 20,
		.pci_window_bases = { 0x10000000, 0x8000000000 },
		.pci_window_sizes = { 0x2f000000, 0x4000000000 },
		.pci_irq_base = 48, .pci_irq_lines = 4,
	};
	struct vm_device_spec specs[6];
	struct vm_device_result results[VM_IO_MAX_DEVICES];
	uint32_t id = 0;
	struct mmio_access read_id = { 5 << 15, (uint8_t *)&id, 4, false };
	unsigned int i, count = 0;

	for (i = 0; i < 6; i++)
		specs[i] = (struct vm_device_spec){ .kind = i == 5 ?
		    &vm_device_console : &vm_device_rng };
	ck_assert_int_eq(vm_io_create(&io, specs, 6, &memory, &pci, &sink), 0);
	ck_assert(io.pci);
	ck_assert_uint_eq(io.devices[0].base, 0x8000000000);
	ck_assert_uint_eq(io.devices[1].base, 0x8000000000 +
	    VIRTIO_PCI_BAR_SIZE);
	ck_assert_uint_eq(io.devices[1].irq, 49);
	ck_assert_uint_eq(io.devices[5].irq, 49);	/* slot 5: INTA on line 1 */
	ck_assert_int_ge(io.devices[5].resample_fd, 0);
	ck_assert_int_eq(pci_host_config_access(&io.pci_host, &read_id), 0);
	ck_assert_uint_eq(id, (VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_CONSOLE) << 16 |
	    VIRTIO_PCI_VENDOR);
	vm_io_results(&io, results, &count);
	ck_assert_uint_eq(count, 6);
	ck_assert_uint_eq(results[1].base, 0x8000000000 + VIRTIO_PCI_BAR_SIZE);
}
END_TEST

static Suite *
vm_io_suite(void)
{
	Suite *suite = suite_create("vm_io");
	TCase *tc = tcase_create("devices");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names_and_placement);
	tcase_add_test(tc, test_failure_half_way);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_pci_placement);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(vm_io_suite)
