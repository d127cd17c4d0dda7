/* libFuzzer target: the arm64 Image header and PE/COFF checks, then the
 * boot layout planned from what they accepted, with RAM and initrd sizes
 * taken from the input too. Any crash or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../arm64/boot_layout.h"
#include "../arm64/linux_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linux_image image;
	struct boot_layout layout;
	uint64_t sizes[3] = { 0 };
	const char *why = NULL;
	char text[256];

	if (linux_image_parse(data, size, &image, &why) < 0) {
		if (why == NULL)
			__builtin_trap();	/* a refusal must say why */
		return 0;
	}
	if (size >= LINUX_IMAGE_HEADER_SIZE + sizeof(sizes))
		memcpy(sizes, data + size - sizeof(sizes), sizeof(sizes));
	/* ram size, kernel file size, initrd size */
	if (boot_layout_plan(0x80000000ull, sizes[0] & ~0xffffull, &image,
	    sizes[1], sizes[2], &layout, text, sizeof(text)) == 0) {
		if (layout.kernel_end < layout.kernel_addr ||
		    layout.fdt_addr < layout.kernel_end ||
		    (layout.initrd_end != 0 && (layout.initrd_addr <
		    layout.kernel_end || layout.initrd_end > layout.fdt_addr)))
			__builtin_trap();	/* a plan that overlaps */
	}
	return 0;
}
