/* Loading an arm64 Linux guest: kernel Image (or Image.gz, or a raw binary
 * without the header), initrd and the device tree, placed by boot_layout and checked before anything runs. */
#ifndef VMMD_BOOT_LINUX_H
#define VMMD_BOOT_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/guest_memory.h"
#include "boot_layout.h"
#include "device_tree.h"

struct linux_boot_files {
	const char *kernel;
	const char *initrd;	/* NULL: none */
};

struct linux_boot {
	struct boot_layout layout;
	uint64_t kernel_size;	/* bytes loaded (decompressed) */
	uint64_t initrd_size;
	uint32_t fdt_size;
	bool raw;		/* a raw kernel, not an Image */
};

/* machine describes the VM (RAM, vCPUs and their MPIDRs, bootargs, ITS);
 * its initrd fields are filled in here. On failure, why says what was
 * wrong with which file. */
int linux_boot_load(const struct guest_memory *memory,
    const struct linux_boot_files *files, struct device_tree_machine *machine,
    struct linux_boot *boot, char *why, size_t why_size);

#endif
