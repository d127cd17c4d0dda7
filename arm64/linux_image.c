/* Recognising an arm64 Linux Image: the booting.rst header, and, when the
 * kernel carries an EFI stub, its PE/COFF section table, which says how long
 * the file must be (so a truncated kernel is refused before it runs). A file
 * without the header that is no other known kind of file is a raw kernel,
 * as QEMU's -kernel takes it (kvm-unit-tests' test.flat). */
#include "linux_image.h"

#include <errno.h>
#include <string.h>

#define X86_BOOT_MAGIC_OFFSET	0x202	/* "HdrS" in an x86 bzImage */
#define PE_OFFSET_FIELD		0x3c
#define PE_FILE_HEADER_SIZE	24	/* "PE\0\0" + COFF file header */
#define PE_SECTION_SIZE		40

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* What a file without the Image header surely is instead, or NULL. */
static const char *
other_kind_of_file(const uint8_t *start, size_t length)
{
	if (length > X86_BOOT_MAGIC_OFFSET + 4 &&
	    memcmp(start + X86_BOOT_MAGIC_OFFSET, "HdrS", 4) == 0)
		return "an x86 bzImage, not an arm64 Image";
	if (length >= 4 && memcmp(start, "\177ELF", 4) == 0)
		return "an ELF file (vmlinux?), not an arm64 Image";
	if (length >= 2 && start[0] == 0x1f && start[1] == 0x8b)
		return "still gzip-compressed inside";
	return NULL;
}

static const char *
not_an_image(const uint8_t *start, size_t length)
{
	const char *other = other_kind_of_file(start, length);

	return other != NULL ? other :
	    "not an arm64 Image (no \"ARM\\x64\" magic at offset 56)";
}

/* The end of the last PE section's raw data: what the file must hold. */
static int
pe_file_extent(const uint8_t *start, size_t length, uint64_t *extent,
    const char **why)
{
	uint32_t pe, sections_at, raw_end, i;
	uint16_t sections;
	const uint8_t *section;

	*extent = 0;
	if (start[0] != 'M' || start[1] != 'Z')
		return 0;	/* no EFI stub: nothing more to check */
	pe = le32(start + PE_OFFSET_FIELD);
	if (pe > length - PE_FILE_HEADER_SIZE || memcmp(start + pe, "PE\0\0", 4) != 0) {
		*why = "a damaged EFI stub (no PE header where it points)";
		return -ENOEXEC;
	}
	sections = le16(start + pe + 6);
	sections_at = pe + PE_FILE_HEADER_SIZE + le16(start + pe + 20);
	if ((uint64_t)sections_at + (uint64_t)sections * PE_SECTION_SIZE > length) {
		*why = "a damaged EFI stub (section table out of bounds)";
		return -ENOEXEC;
	}
	for (i = 0; i < sections; i++) {
		section = start + sections_at + i * PE_SECTION_SIZE;
		raw_end = le32(section + 16) + le32(section + 20);
		if (raw_end < le32(section + 20)) {
			*why = "a damaged EFI stub (section size overflows)";
			return -ENOEXEC;
		}
		if (raw_end > *extent)
			*extent = raw_end;
	}
	return 0;
}

int
linux_image_parse(const uint8_t *start, size_t length, struct linux_image *image,
    const char **why)
{
	if (length < LINUX_IMAGE_HEADER_SIZE) {
		*why = "too short to be an arm64 Image (under 64 bytes)";
		return -ENOEXEC;
	}
	if (le32(start + 56) != LINUX_IMAGE_MAGIC) {
		*why = not_an_image(start, length);
		return -ENOEXEC;
	}
	image->raw = false;
	image->text_offset = le64(start + 8);
	image->image_size = le64(start + 16);
	image->flags = le64(start + 24);
	if (image->text_offset % 4096 != 0 || image->text_offset >= LINUX_IMAGE_ALIGN) {
		*why = "an Image header with an impossible text_offset";
		return -ENOEXEC;
	}
	if ((image->flags & 1) != 0) {
		*why = "a big-endian arm64 Image";
		return -ENOEXEC;
	}
	return pe_file_extent(start, length, &image->file_extent, why);
}

/* The magic decides: with it, the file is an Image and its header must be
 * right; without it, anything but a known other kind of file is raw. */
int
linux_image_identify(const uint8_t *start, size_t length,
    struct linux_image *image, const char **why)
{
	if (length >= LINUX_IMAGE_HEADER_SIZE &&
	    le32(start + 56) == LINUX_IMAGE_MAGIC)
		return linux_image_parse(start, length, image, why);
	if (length == 0) {
		*why = "empty";
		return -ENOEXEC;
	}
	*why = other_kind_of_file(start, length);
	if (*why != NULL)
		return -ENOEXEC;
	*image = (struct linux_image){ .text_offset = LINUX_RAW_TEXT_OFFSET,
	    .raw = true };
	return 0;
}
