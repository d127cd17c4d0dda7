/* Building the guest's device tree: memory, CPUs with PSCI, the GICv3, the
 * architected timer, the 16550 console, the PL031 RTC, virtio-mmio devices
 * or a PCIe host bridge, and /chosen. Addresses and interrupt
 * numbers come from memory_map.h, the one place that decides them. */
#include "device_tree.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <unistd.h>

#include "../core/pl031.h"
#include "../core/uart_16550.h"
#include "memory_map.h"

#define GIC_PHANDLE		1
#define APB_CLOCK_PHANDLE	2
#define ITS_PHANDLE		3
#define APB_CLOCK_HZ		24000000	/* QEMU virt's apb-pclk */
#define GIC_FDT_IRQ_TYPE_SPI	0
#define GIC_FDT_IRQ_TYPE_PPI	1
#define IRQ_TYPE_EDGE_RISING	1	/* virtio-mmio: KVM_IRQFD injects edges */
#define IRQ_TYPE_LEVEL_HIGH	4
#define MPIDR_AFFINITY_MASK	0xff00ffffffull
#define UART_CLOCK_HZ		1843200

/* libfdt's sequential-write calls all return 0 or a negative FDT_ERR_*;
 * the first failure ends the build. */
#define TRY(call) do { int _rc = (call); if (_rc < 0) return _rc; } while (0)

static int
property_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t cells[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", cells, sizeof(cells));
}

static int
property_irq(void *fdt, uint32_t type, uint32_t number)
{
	fdt32_t cells[3] = { cpu_to_fdt32(type), cpu_to_fdt32(number),
	    cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH) };

	return fdt_property(fdt, "interrupts", cells, sizeof(cells));
}

static int
add_chosen(void *fdt, const struct device_tree_machine *machine)
{
	char stdout_path[32];

	snprintf(stdout_path, sizeof(stdout_path), "/uart@%llx",
	    (unsigned long long)ARM64_UART_BASE);
	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "bootargs", machine->bootargs));
	TRY(fdt_property_string(fdt, "stdout-path", stdout_path));
	if (machine->initrd_end > machine->initrd_start) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", machine->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", machine->initrd_end));
	}
	return fdt_end_node(fdt);
}

static int
add_memory(void *fdt, const struct device_tree_machine *machine)
{
	char name[32];

	snprintf(name, sizeof(name), "memory@%llx",
	    (unsigned long long)machine->ram_base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(property_reg(fdt, machine->ram_base, machine->ram_size));
	return fdt_end_node(fdt);
}

static int
add_cpus(void *fdt, const struct device_tree_machine *machine)
{
	uint64_t affinity;
	unsigned int i;
	char name[32];

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_cell(fdt, "#address-cells", 2));
	TRY(fdt_property_cell(fdt, "#size-cells", 0));
	for (i = 0; i < machine->vcpus; i++) {
		affinity = machine->mpidrs[i] & MPIDR_AFFINITY_MASK;
		snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)affinity);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		TRY(fdt_property_u64(fdt, "reg", affinity));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int
add_psci(void *fdt)
{
	TRY(fdt_begin_node(fdt, "psci"));
	TRY(fdt_property_string(fdt, "compatible", "arm,psci-0.2"));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	return fdt_end_node(fdt);
}

static int
add_its(void *fdt)
{
	char name[32];

	snprintf(name, sizeof(name), "msi-controller@%llx",
	    (unsigned long long)ARM64_GITS_BASE);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
	TRY(fdt_property(fdt, "msi-controller", NULL, 0));
	TRY(fdt_property_cell(fdt, "#msi-cells", 1));
	TRY(property_reg(fdt, ARM64_GITS_BASE, ARM64_GITS_SIZE));
	TRY(fdt_property_cell(fdt, "phandle", ITS_PHANDLE));
	return fdt_end_node(fdt);
}

static int
add_gic(void *fdt, const struct device_tree_machine *machine)
{
	fdt64_t reg[4] = {
		cpu_to_fdt64(ARM64_GICD_BASE), cpu_to_fdt64(ARM64_GICD_SIZE),
		cpu_to_fdt64(ARM64_GICR_BASE),
		cpu_to_fdt64(ARM64_GICR_SIZE_PER_CPU * machine->vcpus),
	};
	char name[32];

	snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)ARM64_GICD_BASE);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	TRY(fdt_property_cell(fdt, "#interrupt-cells", 3));
	TRY(fdt_property_cell(fdt, "#address-cells", 2));
	TRY(fdt_property_cell(fdt, "#size-cells", 2));
	TRY(fdt_property(fdt, "ranges", NULL, 0));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	TRY(fdt_property_cell(fdt, "phandle", GIC_PHANDLE));
	if (machine->has_its)
		TRY(add_its(fdt));
	return fdt_end_node(fdt);
}

static int
add_timer(void *fdt)
{
	static const uint32_t ppis[] = { ARM64_TIMER_PPI_SECURE_PHYS,
	    ARM64_TIMER_PPI_PHYS, ARM64_TIMER_PPI_VIRT, ARM64_TIMER_PPI_HYP };
	fdt32_t cells[3 * 4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		cells[3 * i] = cpu_to_fdt32(GIC_FDT_IRQ_TYPE_PPI);
		cells[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		cells[3 * i + 2] = cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH);
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(fdt_property(fdt, "interrupts", cells, sizeof(cells)));
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

static int
add_pmu(void *fdt)
{
	TRY(fdt_begin_node(fdt, "pmu"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3"));
	TRY(property_irq(fdt, GIC_FDT_IRQ_TYPE_PPI, ARM64_PMU_PPI));
	return fdt_end_node(fdt);
}

/* Registers a host page apart where the command line allows it, so that
 * LSR has a page of its own (core/vm_console.c asks the same question). */
static int
add_uart(void *fdt, const struct device_tree_machine *machine)
{
	unsigned int shift = uart_16550_reg_shift(machine->bootargs,
	    sysconf(_SC_PAGESIZE));
	char name[32];

	if (uart_16550_window(shift) > ARM64_UART_SIZE)
		shift = 0;
	snprintf(name, sizeof(name), "uart@%llx", (unsigned long long)ARM64_UART_BASE);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	TRY(property_reg(fdt, ARM64_UART_BASE, uart_16550_window(shift)));
	if (shift != 0)
		TRY(fdt_property_cell(fdt, "reg-shift", shift));
	TRY(fdt_property_cell(fdt, "clock-frequency", UART_CLOCK_HZ));
	TRY(property_irq(fdt, GIC_FDT_IRQ_TYPE_SPI, ARM64_UART_SPI));
	return fdt_end_node(fdt);
}

/* Linux's AMBA bus enables a PrimeCell's "apb_pclk" before it probes the
 * device: a fixed clock, as QEMU's virt machine gives it. */
static int
add_apb_clock(void *fdt)
{
	TRY(fdt_begin_node(fdt, "apb-pclk"));
	TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	TRY(fdt_property_cell(fdt, "#clock-cells", 0));
	TRY(fdt_property_cell(fdt, "clock-frequency", APB_CLOCK_HZ));
	TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	TRY(fdt_property_cell(fdt, "phandle", APB_CLOCK_PHANDLE));
	return fdt_end_node(fdt);
}

/* The PL031 real-time clock, a PrimeCell: compatible with both names. */
static int
add_rtc(void *fdt)
{
	static const char compatible[] = "arm,pl031\0arm,primecell";
	char name[32];

	snprintf(name, sizeof(name), "pl031@%llx", (unsigned long long)ARM64_RTC_BASE);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property(fdt, "compatible", compatible, sizeof(compatible)));
	TRY(property_reg(fdt, ARM64_RTC_BASE, PL031_SIZE));
	TRY(property_irq(fdt, GIC_FDT_IRQ_TYPE_SPI, ARM64_RTC_SPI));
	TRY(fdt_property_cell(fdt, "clocks", APB_CLOCK_PHANDLE));
	TRY(fdt_property_string(fdt, "clock-names", "apb_pclk"));
	return fdt_end_node(fdt);
}

/* Edge-triggered: an irqfd write is a pulse, which a level-triggered SPI
 * could lose; the driver reads InterruptStatus on each edge. */
static int
add_virtio(void *fdt, unsigned int index)
{
	uint64_t base = ARM64_VIRTIO_MMIO_BASE + index * ARM64_VIRTIO_MMIO_SIZE;
	fdt32_t cells[3] = { cpu_to_fdt32(GIC_FDT_IRQ_TYPE_SPI),
	    cpu_to_fdt32(ARM64_VIRTIO_SPI_BASE + index),
	    cpu_to_fdt32(IRQ_TYPE_EDGE_RISING) };
	char name[32];

	snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	TRY(property_reg(fdt, base, ARM64_VIRTIO_MMIO_SIZE));
	TRY(fdt_property(fdt, "interrupts", cells, sizeof(cells)));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	return fdt_end_node(fdt);
}

#define PCI_SPACE_MEM32		0x02000000u	/* phys.hi: 32-bit memory */
#define PCI_SPACE_MEM64		0x03000000u	/* phys.hi: 64-bit memory */
#define PCI_MAP_CELLS		10	/* child 3 + pin 1 + GIC 1 + 2 + 3 */

/* One ranges entry: the window at the same address on both sides. */
static void
pci_range(fdt32_t *cells, uint32_t space, uint64_t base, uint64_t size)
{
	const uint32_t values[7] = { space, (uint32_t)(base >> 32),
	    (uint32_t)base, (uint32_t)(base >> 32), (uint32_t)base,
	    (uint32_t)(size >> 32), (uint32_t)size };
	unsigned int i;

	for (i = 0; i < 7; i++)
		cells[i] = cpu_to_fdt32(values[i]);
}

/* INTx of slot s, pin p (1..4) on SPI base + (s + p - 1) % 4, level: the
 * swizzle the interrupt-map-mask's slot bits (0x1800) repeat. */
static int
add_pci_interrupt_map(void *fdt)
{
	static const uint32_t mask[4] = { 0x1800, 0, 0, 7 };
	fdt32_t map[4 * 4 * PCI_MAP_CELLS], mask_cells[4];
	uint32_t slot, pin, *entry, values[PCI_MAP_CELLS];
	unsigned int i, n = 0;

	for (slot = 0; slot < 4; slot++)
		for (pin = 1; pin <= 4; pin++) {
			entry = values;
			*entry++ = slot << 11;
			*entry++ = 0;
			*entry++ = 0;
			*entry++ = pin;
			*entry++ = GIC_PHANDLE;
			*entry++ = 0;
			*entry++ = 0;
			*entry++ = GIC_FDT_IRQ_TYPE_SPI;
			*entry++ = ARM64_PCI_SPI_BASE +
			    (slot + pin - 1) % ARM64_PCI_INTX_LINES;
			*entry++ = IRQ_TYPE_LEVEL_HIGH;
			for (i = 0; i < PCI_MAP_CELLS; i++)
				map[n++] = cpu_to_fdt32(values[i]);
		}
	for (i = 0; i < 4; i++)
		mask_cells[i] = cpu_to_fdt32(mask[i]);
	TRY(fdt_property(fdt, "interrupt-map", map, sizeof(map)));
	return fdt_property(fdt, "interrupt-map-mask", mask_cells,
	    sizeof(mask_cells));
}

/* A generic ECAM host bridge for bus 0 (Linux's pci-host-generic): its
 * windows are where the BARs may go, MSIs go to the ITS when there is one
 * (requester ID = device ID), else devices use INTx. */
static int
add_pci(void *fdt, const struct device_tree_machine *machine)
{
	fdt32_t ranges[14], bus_range[2] = { 0, 0 };
	fdt32_t msi_map[4] = { 0, cpu_to_fdt32(ITS_PHANDLE), 0,
	    cpu_to_fdt32(0x10000) };
	char name[32];

	pci_range(ranges, PCI_SPACE_MEM32, ARM64_PCI_MMIO32_BASE,
	    ARM64_PCI_MMIO32_SIZE);
	pci_range(ranges + 7, PCI_SPACE_MEM64, ARM64_PCI_MMIO64_BASE,
	    ARM64_PCI_MMIO64_SIZE);
	snprintf(name, sizeof(name), "pcie@%llx",
	    (unsigned long long)ARM64_PCI_ECAM_BASE);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
	TRY(fdt_property_string(fdt, "device_type", "pci"));
	TRY(fdt_property_cell(fdt, "#address-cells", 3));
	TRY(fdt_property_cell(fdt, "#size-cells", 2));
	TRY(fdt_property_cell(fdt, "#interrupt-cells", 1));
	TRY(fdt_property(fdt, "bus-range", bus_range, sizeof(bus_range)));
	TRY(fdt_property_cell(fdt, "linux,pci-domain", 0));
	TRY(property_reg(fdt, ARM64_PCI_ECAM_BASE, ARM64_PCI_ECAM_SIZE));
	TRY(fdt_property(fdt, "ranges", ranges, sizeof(ranges)));
	TRY(add_pci_interrupt_map(fdt));
	if (machine->has_its)
		TRY(fdt_property(fdt, "msi-map", msi_map, sizeof(msi_map)));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	return fdt_end_node(fdt);
}

static int
build(void *fdt, size_t size, const struct device_tree_machine *machine)
{
	unsigned int i;

	TRY(fdt_create(fdt, (int)size));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_cell(fdt, "#address-cells", 2));
	TRY(fdt_property_cell(fdt, "#size-cells", 2));
	TRY(fdt_property_cell(fdt, "interrupt-parent", GIC_PHANDLE));
	TRY(add_chosen(fdt, machine));
	TRY(add_memory(fdt, machine));
	TRY(add_cpus(fdt, machine));
	TRY(add_psci(fdt));
	TRY(add_gic(fdt, machine));
	TRY(add_timer(fdt));
	if (machine->has_pmu)
		TRY(add_pmu(fdt));
	TRY(add_uart(fdt, machine));
	TRY(add_apb_clock(fdt));
	TRY(add_rtc(fdt));
	for (i = 0; i < machine->virtio_count; i++)
		TRY(add_virtio(fdt, i));
	if (machine->pci)
		TRY(add_pci(fdt, machine));
	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

/* Returns 0, -EINVAL for an impossible machine, or -ENOSPC when the tree
 * does not fit in the buffer. */
int
device_tree_build(const struct device_tree_machine *machine, void *buffer,
    size_t size)
{
	if (machine->vcpus == 0 || machine->vcpus > DEVICE_TREE_MAX_VCPUS ||
	    machine->bootargs == NULL || size > INT32_MAX ||
	    machine->virtio_count > ARM64_VIRTIO_MAX)
		return -EINVAL;
	return build(buffer, size, machine) < 0 ? -ENOSPC : 0;
}
