/* The guest's device tree: its nodes and values as libfdt reads them back,
 * and dtc's own verdict on the blob. */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../arm64/device_tree.h"
#include "../../arm64/memory_map.h"
#include "../../core/uart_16550.h"
#include "suites.h"

static const uint64_t mpidrs[] = { 0x80000000, 0x80000001, 0x80000002 };
static char blob[DEVICE_TREE_MAX_SIZE];

static const struct device_tree_machine machine = {
	.ram_base = ARM64_RAM_BASE,
	.ram_size = 256ull << 20,
	.vcpus = 3,
	.mpidrs = mpidrs,
	.bootargs = "console=ttyS0 quiet",
	.initrd_start = 0x8e000000,
	.initrd_end = 0x8e123456,
};

static const void *
property(const char *path, const char *name, int *length)
{
	int node = fdt_path_offset(blob, path);

	ck_assert_msg(node >= 0, "no node %s", path);
	return fdt_getprop(blob, node, name, length);
}

/* The size cell of the UART's reg (the property may be unaligned). */
static uint64_t
uart_size(void)
{
	fdt64_t cells[2];
	int length;

	memcpy(cells, property("/uart@9000000", "reg", &length), sizeof(cells));
	ck_assert_int_eq(length, (int)sizeof(cells));
	return fdt64_to_cpu(cells[1]);
}

START_TEST(test_nodes)
{
	const fdt64_t *reg;
	unsigned int shift;
	const char *text;
	int length;

	ck_assert_int_eq(device_tree_build(&machine, blob, sizeof(blob)), 0);
	ck_assert_int_eq(fdt_check_header(blob), 0);
	text = property("/chosen", "bootargs", &length);
	ck_assert_str_eq(text, "console=ttyS0 quiet");
	ck_assert_str_eq(property("/chosen", "stdout-path", &length), "/uart@9000000");
	reg = property("/chosen", "linux,initrd-end", &length);
	ck_assert_int_eq(length, 8);
	ck_assert_uint_eq(fdt64_to_cpu(*reg), 0x8e123456);
	reg = property("/memory@80000000", "reg", &length);
	ck_assert_int_eq(length, 16);
	ck_assert_uint_eq(fdt64_to_cpu(reg[0]), ARM64_RAM_BASE);
	ck_assert_uint_eq(fdt64_to_cpu(reg[1]), 256ull << 20);
	/* MPIDR affinity, not the vCPU index, names and addresses a CPU */
	reg = property("/cpus/cpu@2", "reg", &length);
	ck_assert_uint_eq(fdt64_to_cpu(*reg), 2);
	ck_assert_str_eq(property("/cpus/cpu@1", "enable-method", &length), "psci");
	ck_assert_ptr_null(fdt_getprop(blob, fdt_path_offset(blob, "/cpus"),
	    "cpu@3", &length));
	ck_assert_int_lt(fdt_path_offset(blob, "/cpus/cpu@3"), 0);
	ck_assert_str_eq(property("/psci", "method", &length), "hvc");
	/* one 128 KiB redistributor frame pair per vCPU */
	reg = property("/intc@8000000", "reg", &length);
	ck_assert_int_eq(length, 32);
	ck_assert_uint_eq(fdt64_to_cpu(reg[3]), 3 * ARM64_GICR_SIZE_PER_CPU);
	ck_assert_int_lt(fdt_path_offset(blob, "/intc@8000000/msi-controller@8080000"), 0);
	ck_assert_str_eq(property("/uart@9000000", "compatible", &length), "ns16550a");
	/* registers a host page apart: LSR in a page of its own */
	shift = uart_16550_reg_shift(machine.bootargs, sysconf(_SC_PAGESIZE));
	ck_assert_uint_ge(shift, 12);
	ck_assert_uint_eq(fdt32_ld(property("/uart@9000000", "reg-shift",
	    &length)), shift);
	ck_assert_uint_eq(uart_size(), 8ull << shift);
	ck_assert_int_lt(fdt_path_offset(blob, "/pmu"), 0);	/* none asked */
	property("/timer", "always-on", &length);
	ck_assert_int_eq(length, 0);
}
END_TEST

/* The PL031 as Linux's AMBA bus and kvm-unit-tests find it: both
 * compatibles, its 4 KiB, an SPI, and an apb_pclk that is a fixed clock. */
START_TEST(test_rtc_node)
{
	const fdt32_t *cells;
	fdt64_t reg[2];
	const char *text;
	int length, clock;

	ck_assert_int_eq(device_tree_build(&machine, blob, sizeof(blob)), 0);
	ck_assert_int_ge(fdt_node_offset_by_compatible(blob, -1, "arm,pl031"), 0);
	ck_assert_int_eq(fdt_node_check_compatible(blob, fdt_path_offset(blob,
	    "/pl031@9080000"), "arm,primecell"), 0);
	/* properties are 4-byte aligned only */
	memcpy(reg, property("/pl031@9080000", "reg", &length), sizeof(reg));
	ck_assert_int_eq(length, 16);
	ck_assert_uint_eq(fdt64_to_cpu(reg[0]), ARM64_RTC_BASE);
	ck_assert_uint_eq(fdt64_to_cpu(reg[1]), 0x1000);
	cells = property("/pl031@9080000", "interrupts", &length);
	ck_assert_int_eq(length, 12);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), 0);	/* SPI */
	ck_assert_uint_eq(fdt32_to_cpu(cells[1]), ARM64_RTC_SPI);
	ck_assert_uint_ne(ARM64_RTC_SPI, ARM64_UART_SPI);
	text = property("/pl031@9080000", "clock-names", &length);
	ck_assert_str_eq(text, "apb_pclk");
	cells = property("/pl031@9080000", "clocks", &length);
	ck_assert_int_eq(length, 4);
	clock = fdt_node_offset_by_phandle(blob, fdt32_to_cpu(cells[0]));
	ck_assert_int_eq(clock, fdt_path_offset(blob, "/apb-pclk"));
	ck_assert_int_eq(fdt_node_check_compatible(blob, clock, "fixed-clock"), 0);
	cells = property("/apb-pclk", "#clock-cells", &length);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), 0);
}
END_TEST

/* An early console from the device tree maps one 4 KiB page: registers
 * stay bytes apart then. */
START_TEST(test_uart_compact_for_earlycon)
{
	struct device_tree_machine early = machine;
	int length;

	early.bootargs = "console=ttyS0 earlycon";
	ck_assert_int_eq(device_tree_build(&early, blob, sizeof(blob)), 0);
	ck_assert_uint_eq(uart_size(), 0x1000);
	ck_assert_ptr_null(fdt_getprop(blob, fdt_path_offset(blob,
	    "/uart@9000000"), "reg-shift", &length));
}
END_TEST

START_TEST(test_its_and_no_initrd)
{
	struct device_tree_machine with_its = machine;
	int length;

	with_its.has_its = true;
	with_its.has_pmu = true;
	with_its.initrd_start = with_its.initrd_end = 0;
	ck_assert_int_eq(device_tree_build(&with_its, blob, sizeof(blob)), 0);
	property("/intc@8000000/msi-controller@8080000", "msi-controller", &length);
	ck_assert_int_eq(length, 0);
	ck_assert_ptr_null(property("/chosen", "linux,initrd-start", &length));
	ck_assert_str_eq(property("/pmu", "compatible", &length), "arm,armv8-pmuv3");
}
END_TEST

/* virtio-mmio nodes: one per device, 0x200 apart, SPIs from 16, edge. */
START_TEST(test_virtio_nodes)
{
	struct device_tree_machine with_virtio = machine;
	const fdt32_t *irq;
	fdt64_t reg[2];
	int length;

	with_virtio.virtio_count = 3;
	ck_assert_int_eq(device_tree_build(&with_virtio, blob, sizeof(blob)), 0);
	ck_assert_str_eq(property("/virtio_mmio@a000200", "compatible", &length),
	    "virtio,mmio");
	/* properties are 4-byte aligned: copied out before 8-byte reads */
	memcpy(reg, property("/virtio_mmio@a000200", "reg", &length), sizeof(reg));
	ck_assert_int_eq(length, 16);
	ck_assert_uint_eq(fdt64_to_cpu(reg[0]), ARM64_VIRTIO_MMIO_BASE + 0x200);
	ck_assert_uint_eq(fdt64_to_cpu(reg[1]), ARM64_VIRTIO_MMIO_SIZE);
	irq = property("/virtio_mmio@a000400", "interrupts", &length);
	ck_assert_int_eq(length, 12);
	ck_assert_uint_eq(fdt32_to_cpu(irq[0]), 0);	/* SPI */
	ck_assert_uint_eq(fdt32_to_cpu(irq[1]), ARM64_VIRTIO_SPI_BASE + 2);
	ck_assert_uint_eq(fdt32_to_cpu(irq[2]), 1);	/* edge, rising */
	property("/virtio_mmio@a000000", "dma-coherent", &length);
	ck_assert_int_eq(length, 0);
	ck_assert_int_lt(fdt_path_offset(blob, "/virtio_mmio@a000600"), 0);
	with_virtio.virtio_count = ARM64_VIRTIO_MAX + 1;
	ck_assert_int_eq(device_tree_build(&with_virtio, blob, sizeof(blob)),
	    -EINVAL);
}
END_TEST

/* The PCIe host: ECAM for bus 0, both windows at the same address on
 * both sides, INTx swizzled on four level SPIs, MSIs to the ITS when the
 * VM has one. */
START_TEST(test_pci_node)
{
	struct device_tree_machine with_pci = machine;
	const char *node = "/pcie@b000000";
	const fdt32_t *cells;
	fdt64_t reg[2];
	int length, its;

	with_pci.pci = true;
	with_pci.has_its = true;
	ck_assert_int_eq(device_tree_build(&with_pci, blob, sizeof(blob)), 0);
	ck_assert_str_eq(property(node, "compatible", &length),
	    "pci-host-ecam-generic");
	ck_assert_str_eq(property(node, "device_type", &length), "pci");
	cells = property(node, "#address-cells", &length);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), 3);
	cells = property(node, "bus-range", &length);
	ck_assert_int_eq(length, 8);
	ck_assert_uint_eq(fdt32_to_cpu(cells[1]), 0);
	memcpy(reg, property(node, "reg", &length), sizeof(reg));
	ck_assert_uint_eq(fdt64_to_cpu(reg[0]), ARM64_PCI_ECAM_BASE);
	ck_assert_uint_eq(fdt64_to_cpu(reg[1]), ARM64_PCI_ECAM_SIZE);
	cells = property(node, "ranges", &length);
	ck_assert_int_eq(length, 14 * 4);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), 0x02000000);
	ck_assert_uint_eq(fdt32_to_cpu(cells[2]), ARM64_PCI_MMIO32_BASE);
	ck_assert_uint_eq(fdt32_to_cpu(cells[4]), ARM64_PCI_MMIO32_BASE);
	ck_assert_uint_eq(fdt32_to_cpu(cells[6]), ARM64_PCI_MMIO32_SIZE);
	ck_assert_uint_eq(fdt32_to_cpu(cells[7]), 0x03000000);
	ck_assert_uint_eq(fdt32_to_cpu(cells[8]), ARM64_PCI_MMIO64_BASE >> 32);
	ck_assert_uint_eq(fdt32_to_cpu(cells[12]), ARM64_PCI_MMIO64_SIZE >> 32);
	cells = property(node, "interrupt-map", &length);
	ck_assert_int_eq(length, 16 * 10 * 4);
	/* slot 1, INTB: the third line; level */
	ck_assert_uint_eq(fdt32_to_cpu(cells[50]), 1 << 11);
	ck_assert_uint_eq(fdt32_to_cpu(cells[53]), 2);
	ck_assert_uint_eq(fdt32_to_cpu(cells[58]), ARM64_PCI_SPI_BASE + 2);
	ck_assert_uint_eq(fdt32_to_cpu(cells[59]), 4);
	cells = property(node, "interrupt-map-mask", &length);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), 0x1800);
	cells = property(node, "msi-map", &length);
	ck_assert_int_eq(length, 16);
	its = fdt_node_offset_by_phandle(blob, fdt32_to_cpu(cells[1]));
	ck_assert_int_eq(its, fdt_path_offset(blob,
	    "/intc@8000000/msi-controller@8080000"));
	property(node, "dma-coherent", &length);
	ck_assert_int_eq(length, 0);
	/* the windows and the ECAM are clear of everything else */
	ck_assert_uint_ge(ARM64_PCI_ECAM_BASE, ARM64_VIRTIO_MMIO_BASE +
	    ARM64_VIRTIO_MAX * ARM64_VIRTIO_MMIO_SIZE);
	ck_assert_uint_le(ARM64_PCI_ECAM_BASE + ARM64_PCI_ECAM_SIZE,
	    ARM64_UNMAPPED_BASE);
	ck_assert_uint_ge(ARM64_PCI_MMIO32_BASE, ARM64_UNMAPPED_BASE + 0x1000000);
	ck_assert_uint_le(ARM64_PCI_MMIO32_BASE + ARM64_PCI_MMIO32_SIZE,
	    ARM64_RAM_BASE);
	ck_assert_uint_ge(ARM64_PCI_SPI_BASE, ARM64_VIRTIO_SPI_BASE +
	    ARM64_VIRTIO_MAX);
	with_pci.has_its = false;
	ck_assert_int_eq(device_tree_build(&with_pci, blob, sizeof(blob)), 0);
	ck_assert_ptr_null(property(node, "msi-map", &length));
	ck_assert_int_lt(fdt_path_offset(blob, "/virtio_mmio@a000000"), 0);
}
END_TEST

START_TEST(test_refusals)
{
	struct device_tree_machine bad = machine;

	ck_assert_int_eq(device_tree_build(&machine, blob, 256), -ENOSPC);
	bad.vcpus = 0;
	ck_assert_int_eq(device_tree_build(&bad, blob, sizeof(blob)), -EINVAL);
	bad.vcpus = DEVICE_TREE_MAX_VCPUS + 1;
	ck_assert_int_eq(device_tree_build(&bad, blob, sizeof(blob)), -EINVAL);
}
END_TEST

/* dtc decompiles the blob and prints a warning for anything that breaks
 * its checks (unit addresses, cells, phandles, ...): there must be none. */
START_TEST(test_dtc_accepts)
{
	char path[] = "/tmp/vmmd-test-dtb-XXXXXX", command[128], line[512];
	struct device_tree_machine with_virtio = machine;
	FILE *file, *dtc;
	int fd, status, warnings = 0;

	with_virtio.virtio_count = 2;
	with_virtio.pci = true;		/* both transports' nodes, and the ITS */
	with_virtio.has_its = true;
	ck_assert_int_eq(device_tree_build(&with_virtio, blob, sizeof(blob)), 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	file = fdopen(fd, "w");
	fwrite(blob, 1, fdt_totalsize(blob), file);
	fclose(file);
	snprintf(command, sizeof(command), "dtc -I dtb -O dts -o /dev/null %s 2>&1",
	    path);
	dtc = popen(command, "r");
	ck_assert_ptr_nonnull(dtc);
	while (fgets(line, sizeof(line), dtc) != NULL) {
		fprintf(stderr, "dtc: %s", line);
		warnings++;
	}
	status = pclose(dtc);
	unlink(path);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

static Suite *
device_tree_suite(void)
{
	Suite *suite = suite_create("device_tree");
	TCase *tcase = tcase_create("build");

	tcase_add_test(tcase, test_nodes);
	tcase_add_test(tcase, test_rtc_node);
	tcase_add_test(tcase, test_its_and_no_initrd);
	tcase_add_test(tcase, test_uart_compact_for_earlycon);
	tcase_add_test(tcase, test_pci_node);
	tcase_add_test(tcase, test_refusals);
	tcase_add_test(tcase, test_virtio_nodes);
	tcase_add_test(tcase, test_dtc_accepts);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(device_tree_suite)
