/* The guest physical memory map of a vmmd arm64 VM. Devices sit below 2 GiB,
 * where QEMU's and kvmtool's virt machines put theirs; RAM starts at 2 GiB.
 * 0x0f000000-0x0fffffff is never mapped: tests use it for stray accesses. */
#ifndef VMMD_ARM64_MEMORY_MAP_H
#define VMMD_ARM64_MEMORY_MAP_H

#define ARM64_GICD_BASE		0x08000000ull
#define ARM64_GICD_SIZE		0x00010000ull
#define ARM64_GITS_BASE		0x08080000ull	/* the ITS, when the host has one */
#define ARM64_GITS_SIZE		0x00020000ull
#define ARM64_GICR_BASE		0x080a0000ull
#define ARM64_GICR_SIZE_PER_CPU	0x00020000ull	/* RD_base + SGI_base frames */
#define ARM64_GICR_LIMIT	0x09000000ull	/* room for 123 redistributors */
#define ARM64_UART_BASE		0x09000000ull
#define ARM64_UART_SIZE		0x00080000ull	/* room for reg-shift 16 */
#define ARM64_RTC_BASE		0x09080000ull	/* a PL031 (PL031_SIZE), past the UART */
#define ARM64_VIRTIO_MMIO_BASE	0x0a000000ull
#define ARM64_VIRTIO_MMIO_SIZE	0x00000200ull	/* per device */
#define ARM64_VIRTIO_MAX	32		/* SPIs 16..47 */
#define ARM64_PCI_ECAM_BASE	0x0b000000ull	/* the PCIe host's ECAM: bus 0 */
#define ARM64_PCI_ECAM_SIZE	0x00100000ull
#define ARM64_PCI_MMIO32_BASE	0x10000000ull	/* its 32-bit memory window */
#define ARM64_PCI_MMIO32_SIZE	0x2f000000ull	/* to 0x3effffff, as QEMU's */
#define ARM64_UNMAPPED_BASE	0x0f000000ull
#define ARM64_RAM_BASE		0x80000000ull
/* The PCIe host's 64-bit window, in the top half of KVM's default 40-bit
 * IPA space: RAM would need 510 GiB to reach it. */
#define ARM64_PCI_MMIO64_BASE	0x8000000000ull
#define ARM64_PCI_MMIO64_SIZE	0x4000000000ull

/* Interrupts: SPIs as numbered in the device tree (GIC INTID - 32). */
#define ARM64_UART_SPI		1
#define ARM64_RTC_SPI		2
#define ARM64_VIRTIO_SPI_BASE	16
#define ARM64_PCI_SPI_BASE	48	/* INTA..INTD, swizzled: SPIs 48..51 */
#define ARM64_PCI_INTX_LINES	4

/* The PMU's overflow interrupt, a PPI as numbered in the device tree. */
#define ARM64_PMU_PPI		7

/* Architected timer PPIs, as numbered in the device tree (INTID - 16). */
#define ARM64_TIMER_PPI_SECURE_PHYS	13
#define ARM64_TIMER_PPI_PHYS		14
#define ARM64_TIMER_PPI_VIRT		11
#define ARM64_TIMER_PPI_HYP		10

#endif
