/* Planning a Linux boot's placement in guest RAM (booting.rst): the kernel
 * image at RAM base + text_offset, the DTB 8-byte aligned in the top 2 MiB,
 * the initrd page-aligned below the DTB and clear of the kernel's BSS. */
#include "boot_layout.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#define MIB(x)			((uint64_t)(x) >> 20)
#define PAGE_SIZE_4K		4096ull
#define OLD_KERNEL_TEXT_OFFSET	0x80000ull	/* booting.rst: image_size == 0 */

int
boot_layout_plan(uint64_t ram_base, uint64_t ram_size,
    const struct linux_image *image, uint64_t kernel_file_size,
    uint64_t initrd_size, struct boot_layout *layout, char *why,
    size_t why_size)
{
	uint64_t ram_end = ram_base + ram_size, footprint, text_offset, needed;

	text_offset = image->image_size == 0 ? OLD_KERNEL_TEXT_OFFSET :
	    image->text_offset;
	footprint = image->image_size > kernel_file_size ? image->image_size :
	    kernel_file_size;
	if (ram_size > UINT64_MAX - ram_base) {	/* found by fuzz/ */
		snprintf(why, why_size, "guest memory of %" PRIu64 " MiB at 0x%"
		    PRIx64 " runs past the end of the address space",
		    MIB(ram_size), ram_base);
		return -ERANGE;
	}
	/* text_offset + footprint + the DTB's 2 MiB, rounded up to a MiB,
	 * without wrapping (found by fuzz/: image_size 0 means 0x80000) */
	needed = footprint > UINT64_MAX - (4ull << 20) ? UINT64_MAX :
	    text_offset + footprint + BOOT_LAYOUT_FDT_RESERVE;
	if (ram_base % LINUX_IMAGE_ALIGN != 0 || needed > ram_size) {
		snprintf(why, why_size, "the kernel needs %" PRIu64 " MiB of "
		    "guest memory with its device tree, and the VM has %" PRIu64
		    " MiB", MIB(needed) + (needed % (1ull << 20) != 0),
		    MIB(ram_size));
		return -ENOMEM;
	}
	layout->kernel_addr = ram_base + text_offset;
	layout->kernel_end = layout->kernel_addr + footprint;
	layout->fdt_addr = ram_end - BOOT_LAYOUT_FDT_RESERVE;
	layout->initrd_addr = 0;
	layout->initrd_end = 0;
	if (initrd_size == 0)
		return 0;
	if (initrd_size > layout->fdt_addr - layout->kernel_end ||
	    ((layout->fdt_addr - initrd_size) & ~(PAGE_SIZE_4K - 1)) <
	    layout->kernel_end) {
		snprintf(why, why_size, "the initrd (%" PRIu64 " bytes) would "
		    "overlap the kernel, which ends at 0x%" PRIx64 ": give the VM "
		    "more memory", initrd_size, layout->kernel_end);
		return -ENOSPC;
	}
	layout->initrd_addr = (layout->fdt_addr - initrd_size) & ~(PAGE_SIZE_4K - 1);
	layout->initrd_end = layout->initrd_addr + initrd_size;
	return 0;
}
