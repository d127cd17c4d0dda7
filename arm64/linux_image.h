/* The arm64 Linux kernel Image header (Documentation/arch/arm64/booting.rst)
 * and the checks that tell an Image from anything else. Pure: it reads a
 * buffer holding the start of the file. */
#ifndef VMMD_LINUX_IMAGE_H
#define VMMD_LINUX_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINUX_IMAGE_HEADER_SIZE	64
#define LINUX_IMAGE_PEEK_SIZE	4096	/* header plus the PE/COFF headers */
#define LINUX_IMAGE_ALIGN	(2ull << 20)	/* the kernel's base is 2 MiB aligned */
#define LINUX_IMAGE_MAGIC	0x644d5241u	/* "ARM\x64" */
#define LINUX_RAW_TEXT_OFFSET	0x80000ull	/* QEMU's -kernel for a raw binary */

struct linux_image {
	uint64_t text_offset;	/* from a 2 MiB aligned base */
	uint64_t image_size;	/* bytes the kernel occupies, BSS included */
	uint64_t flags;
	uint64_t file_extent;	/* bytes the file must hold (PE sections), or 0 */
	bool raw;		/* no header: a raw binary, image_size 0 */
};

/* Parses the start of a file (at least LINUX_IMAGE_HEADER_SIZE bytes, up to
 * LINUX_IMAGE_PEEK_SIZE). On failure returns -ENOEXEC and sets *why to what
 * the file is instead, or what is wrong with it. */
int linux_image_parse(const uint8_t *start, size_t length,
    struct linux_image *image, const char **why);

/* An Image as linux_image_parse reads it, or a raw kernel: a file without
 * the Image magic that is not a bzImage, an ELF file or gzip data, which
 * then loads at LINUX_RAW_TEXT_OFFSET with image_size 0 (its size is the
 * file's). -ENOEXEC with *why for an empty file or another kind of file. */
int linux_image_identify(const uint8_t *start, size_t length,
    struct linux_image *image, const char **why);

#endif
