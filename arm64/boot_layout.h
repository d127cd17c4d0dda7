/* Where a Linux boot puts its pieces in guest RAM: the kernel at its
 * text_offset from the 2 MiB aligned RAM base, the device tree in the top
 * 2 MiB, the initrd just below it. Pure arithmetic, checked. */
#ifndef VMMD_BOOT_LAYOUT_H
#define VMMD_BOOT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "linux_image.h"

#define BOOT_LAYOUT_FDT_RESERVE	(2ull << 20)	/* booting.rst's DTB size limit */

struct boot_layout {
	uint64_t kernel_addr;
	uint64_t kernel_end;	/* BSS included */
	uint64_t initrd_addr;	/* 0 when there is no initrd */
	uint64_t initrd_end;
	uint64_t fdt_addr;
};

int boot_layout_plan(uint64_t ram_base, uint64_t ram_size,
    const struct linux_image *image, uint64_t kernel_file_size,
    uint64_t initrd_size, struct boot_layout *layout, char *why,
    size_t why_size);

#endif
