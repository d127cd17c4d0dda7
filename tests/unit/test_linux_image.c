/* Telling an arm64 Image from everything else, and planning its boot. */
#include <errno.h>
#include <string.h>

#include "../../arm64/boot_layout.h"
#include "../../arm64/linux_image.h"
#include "suites.h"

static uint8_t file[LINUX_IMAGE_PEEK_SIZE];

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* An EFI-stub Image as Linux builds it: "MZ", the arm64 header, a PE header
 * at 0x40 with two sections whose raw data ends at 0x1a0000. */
static void
make_image(void)
{
	uint8_t *pe = file + 0x40, *sections;

	memset(file, 0, sizeof(file));
	file[0] = 'M';
	file[1] = 'Z';
	put64(file + 8, 0);			/* text_offset */
	put64(file + 16, 0x2000000);		/* image_size: 32 MiB */
	put64(file + 24, 0xa);			/* LE, 4K pages, anywhere */
	put32(file + 56, LINUX_IMAGE_MAGIC);
	put32(file + 0x3c, 0x40);
	memcpy(pe, "PE\0\0", 4);
	pe[6] = 2;				/* NumberOfSections */
	pe[20] = 0xa0;				/* SizeOfOptionalHeader */
	sections = pe + 24 + 0xa0;
	put32(sections + 16, 0x10000);		/* .text: SizeOfRawData */
	put32(sections + 20, 0x1000);		/*        PointerToRawData */
	put32(sections + 40 + 16, 0x90000);	/* .data */
	put32(sections + 40 + 20, 0x110000);
}

START_TEST(test_real_layout)
{
	struct linux_image image;
	const char *why = NULL;

	make_image();
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), 0);
	ck_assert_uint_eq(image.text_offset, 0);
	ck_assert_uint_eq(image.image_size, 0x2000000);
	ck_assert_uint_eq(image.file_extent, 0x1a0000);
}
END_TEST

START_TEST(test_not_images)
{
	struct linux_image image;
	const char *why = NULL;

	make_image();
	put32(file + 56, 0);
	memcpy(file + 0x202, "HdrS", 4);
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "an x86 bzImage, not an arm64 Image");

	memcpy(file, "\177ELF", 4);
	memset(file + 0x202, 0, 4);
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "an ELF file (vmlinux?), not an arm64 Image");

	memset(file, 0, sizeof(file));
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "no \"ARM\\x64\" magic"));

	make_image();
	ck_assert_int_eq(linux_image_parse(file, 63, &image, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "too short"));
}
END_TEST

/* Without the magic, anything that is no other known kind of file is a
 * raw kernel, loaded at 0x80000 as QEMU's -kernel loads one; with it, the
 * header decides as before. */
START_TEST(test_identify_raw_kernels)
{
	static const uint8_t tiny[4] = { 0x00, 0x00, 0x00, 0x14 };	/* b . */
	struct linux_image image;
	struct boot_layout layout;
	const char *why = NULL;
	char text[200];

	memset(file, 0, sizeof(file));
	ck_assert_int_eq(linux_image_identify(file, sizeof(file), &image, &why), 0);
	ck_assert(image.raw);
	ck_assert_uint_eq(image.text_offset, 0x80000);
	ck_assert_uint_eq(image.image_size, 0);
	ck_assert_uint_eq(image.file_extent, 0);

	ck_assert_int_eq(linux_image_identify(tiny, sizeof(tiny), &image, &why), 0);
	ck_assert(image.raw);
	ck_assert_int_eq(boot_layout_plan(0x80000000, 64ull << 20, &image,
	    sizeof(tiny), 0, &layout, text, sizeof(text)), 0);
	ck_assert_uint_eq(layout.kernel_addr, 0x80080000);
	ck_assert_uint_eq(layout.kernel_end, 0x80080004);
	ck_assert_uint_eq(layout.fdt_addr, 0x83e00000);

	ck_assert_int_eq(linux_image_identify(file, 0, &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "empty");

	memcpy(file + 0x202, "HdrS", 4);
	ck_assert_int_eq(linux_image_identify(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "an x86 bzImage, not an arm64 Image");
	memset(file, 0, sizeof(file));
	memcpy(file, "\177ELF", 4);
	ck_assert_int_eq(linux_image_identify(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "an ELF file (vmlinux?), not an arm64 Image");
	file[0] = 0x1f;
	file[1] = 0x8b;
	ck_assert_int_eq(linux_image_identify(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "still gzip-compressed inside");

	make_image();
	ck_assert_int_eq(linux_image_identify(file, sizeof(file), &image, &why), 0);
	ck_assert(!image.raw);
	ck_assert_uint_eq(image.image_size, 0x2000000);
	put64(file + 24, 0xb);			/* a damaged Image is no raw kernel */
	ck_assert_int_eq(linux_image_identify(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "a big-endian arm64 Image");
}
END_TEST

START_TEST(test_damaged_headers)
{
	struct linux_image image;
	const char *why = NULL;

	make_image();
	put64(file + 8, 0x80001);		/* not page aligned */
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "text_offset"));

	make_image();
	put64(file + 24, 0xb);			/* big endian */
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_str_eq(why, "a big-endian arm64 Image");

	make_image();
	put32(file + 0x3c, 0x7fffffff);		/* PE header beyond the file */
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "no PE header"));

	make_image();
	file[0x40 + 6] = 0xff;			/* 255 sections: out of bounds */
	ck_assert_int_eq(linux_image_parse(file, sizeof(file), &image, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "section table"));

	make_image();				/* truncated inside the PE header */
	ck_assert_int_eq(linux_image_parse(file, 0x50, &image, &why), -ENOEXEC);
}
END_TEST

#define RAM_BASE	0x80000000ull
#define MiB		(1ull << 20)

START_TEST(test_boot_layout)
{
	struct linux_image image = { .image_size = 32 * MiB };
	struct boot_layout layout;
	char why[200];

	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 256 * MiB, &image, 30 * MiB,
	    5 * MiB + 123, &layout, why, sizeof(why)), 0);
	ck_assert_uint_eq(layout.kernel_addr, RAM_BASE);
	ck_assert_uint_eq(layout.kernel_end, RAM_BASE + 32 * MiB);
	ck_assert_uint_eq(layout.fdt_addr, RAM_BASE + 254 * MiB);
	ck_assert_uint_eq(layout.initrd_addr % 4096, 0);
	ck_assert_uint_le(layout.initrd_end, layout.fdt_addr);
	ck_assert_uint_eq(layout.initrd_end - layout.initrd_addr, 5 * MiB + 123);
	ck_assert_uint_ge(layout.initrd_addr, layout.kernel_end);

	/* no initrd */
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 64 * MiB, &image, 30 * MiB,
	    0, &layout, why, sizeof(why)), 0);
	ck_assert_uint_eq(layout.initrd_addr, 0);
}
END_TEST

START_TEST(test_boot_layout_refusals)
{
	struct linux_image image = { .image_size = 32 * MiB };
	struct boot_layout layout;
	char why[200];

	/* the kernel alone does not fit with its DTB */
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 32 * MiB, &image, 30 * MiB,
	    0, &layout, why, sizeof(why)), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(why, "needs 34 MiB"));
	ck_assert_ptr_nonnull(strstr(why, "has 32 MiB"));
	/* a file larger than image_size counts */
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 40 * MiB, &image, 39 * MiB,
	    0, &layout, why, sizeof(why)), -ENOMEM);
	/* the initrd would reach into the kernel's BSS */
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 40 * MiB, &image, 30 * MiB,
	    6 * MiB + 1, &layout, why, sizeof(why)), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(why, "overlap the kernel"));
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 40 * MiB, &image, 30 * MiB,
	    6 * MiB, &layout, why, sizeof(why)), 0);
	/* huge sizes do not wrap around */
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 40 * MiB, &image, 30 * MiB,
	    UINT64_MAX, &layout, why, sizeof(why)), -ENOSPC);
	/* an old kernel (image_size 0: text_offset 0x80000) in RAM smaller
	 * than its offset and its DTB (a fuzz/ find) */
	image.image_size = 0;
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 0x210000, &image, 0x4600,
	    0, &layout, why, sizeof(why)), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(why, "needs 3 MiB"));
	image.image_size = 32 * MiB;
	/* RAM that wraps around the address space (a fuzz/ find) */
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, UINT64_MAX & ~0xffffull,
	    &image, 30 * MiB, 0, &layout, why, sizeof(why)), -ERANGE);
	ck_assert_ptr_nonnull(strstr(why, "past the end of the address space"));
	image.image_size = UINT64_MAX;
	ck_assert_int_eq(boot_layout_plan(RAM_BASE, 40 * MiB, &image, 30 * MiB,
	    0, &layout, why, sizeof(why)), -ENOMEM);
}
END_TEST

static Suite *
linux_image_suite(void)
{
	Suite *suite = suite_create("linux_image");
	TCase *tcase = tcase_create("header");

	tcase_add_test(tcase, test_identify_raw_kernels);
	tcase_add_test(tcase, test_real_layout);
	tcase_add_test(tcase, test_not_images);
	tcase_add_test(tcase, test_damaged_headers);
	tcase_add_test(tcase, test_boot_layout);
	tcase_add_test(tcase, test_boot_layout_refusals);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(linux_image_suite)
