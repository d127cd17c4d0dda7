/* Loading files into guest memory: plain and gzip, bounds, damaged input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../../core/guest_load.h"
#include "suites.h"

#define BASE	0x80000000ull
#define SIZE	(1ull << 20)

static struct guest_memory memory;
static char plain_path[] = "/tmp/vmmd-test-load-XXXXXX";
static char gzip_path[] = "/tmp/vmmd-test-load-gz-XXXXXX";

static unsigned char
pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static void
write_plain(const char *path, size_t size)
{
	FILE *file = fopen(path, "w");
	size_t i;

	ck_assert_ptr_nonnull(file);
	for (i = 0; i < size; i++)
		fputc(pattern(i), file);
	fclose(file);
}

static void
write_gzip(const char *path, size_t size)
{
	gzFile file = gzopen(path, "wb");
	size_t i;

	ck_assert_ptr_nonnull(file);
	for (i = 0; i < size; i++)
		gzputc(file, pattern(i));
	gzclose(file);
}

static void
setup(void)
{
	int fd;

	memset(&memory, 0, sizeof(memory));
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
	strcpy(plain_path, "/tmp/vmmd-test-load-XXXXXX");
	strcpy(gzip_path, "/tmp/vmmd-test-load-gz-XXXXXX");
	fd = mkstemp(plain_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = mkstemp(gzip_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
teardown(void)
{
	unlink(plain_path);
	unlink(gzip_path);
	guest_memory_release(&memory);
}

static void
assert_loaded(uint64_t guest_phys, size_t size)
{
	unsigned char *target = guest_memory_ptr(&memory, guest_phys, size);
	size_t i;

	ck_assert_ptr_nonnull(target);
	for (i = 0; i < size; i++)
		if (target[i] != pattern(i))
			ck_abort_msg("byte %zu differs", i);
}

START_TEST(test_plain)
{
	unsigned char *target;
	uint64_t loaded = 0;

	write_plain(plain_path, 300000);
	ck_assert_int_eq(guest_load_file(&memory, BASE + 4096, UINT64_MAX,
	    plain_path, GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_uint_eq(loaded, 300000);
	assert_loaded(BASE + 4096, 300000);
	/* copied: the guest's writes never reach the file, and the rest of
	 * the last page reads as fresh RAM */
	target = guest_memory_ptr(&memory, BASE + 4096, 300000 + 100);
	ck_assert_uint_eq(target[300000], 0);
	target[0] = (unsigned char)(pattern(0) + 1);
	ck_assert_int_eq(guest_load_file(&memory, BASE + 65536, UINT64_MAX,
	    plain_path, GUEST_LOAD_RAW, &loaded), 0);
	assert_loaded(BASE + 65536, 300000);
}
END_TEST

/* Once loaded, the guest's copy is its own: a truncate of the file (which
 * made a mapping of it fault with SIGBUS) or new bytes written in place
 * change nothing in guest memory. */
START_TEST(test_file_changed_after_load)
{
	uint64_t loaded = 0;
	FILE *file;

	write_plain(plain_path, 200000);
	ck_assert_int_eq(guest_load_file(&memory, BASE, UINT64_MAX, plain_path,
	    GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_int_eq(guest_load_file(&memory, BASE + 262144, UINT64_MAX,
	    plain_path, GUEST_LOAD_RAW, &loaded), 0);
	ck_assert_int_eq(truncate(plain_path, 0), 0);
	assert_loaded(BASE, 200000);
	file = fopen(plain_path, "r+");
	ck_assert_ptr_nonnull(file);
	for (loaded = 0; loaded < 200000; loaded++)
		fputc(0xa5, file);
	fclose(file);
	assert_loaded(BASE, 200000);
	assert_loaded(BASE + 262144, 200000);
}
END_TEST

/* Where guest memory keeps ties (a running VM), a plain file of 1 MiB or
 * more is mapped, not read, and is the guest's own once its copy is
 * swapped in; a smaller one is read, a gzip kernel decompressed. */
START_TEST(test_tied_until_swapped)
{
	struct guest_memory_ties ties = { .count = 0 };
	const uint64_t big = BASE + 16 * SIZE, big_size = 3 * SIZE / 2;
	uint64_t loaded = 0, carried = 0;

	memory.ties = &ties;
	ck_assert_int_eq(guest_memory_add(&memory, big, 4 * SIZE), 0);
	write_plain(plain_path, big_size);
	write_gzip(gzip_path, 100000);
	ck_assert_int_eq(guest_load_file(&memory, big, UINT64_MAX, plain_path,
	    GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_uint_eq(loaded, big_size);
	ck_assert_int_eq(guest_load_file(&memory, BASE, UINT64_MAX, gzip_path,
	    GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_uint_eq(guest_memory_tied(&memory), 1);
	ck_assert_int_eq(guest_load_file(&memory, big, SIZE, plain_path,
	    GUEST_LOAD_RAW, &loaded), -EFBIG);
	ck_assert_int_eq(guest_memory_copy_ties(&memory, NULL), 0);
	ck_assert_int_eq(guest_memory_swap_ties(&memory, -1, &carried), 0);
	ck_assert_int_eq(truncate(plain_path, 0), 0);
	assert_loaded(big, big_size);
	write_plain(plain_path, 200000);
	ck_assert_int_eq(guest_load_file(&memory, BASE + 262144, UINT64_MAX,
	    plain_path, GUEST_LOAD_RAW, &loaded), 0);
	ck_assert_uint_eq(guest_memory_tied(&memory), 0);
	guest_memory_release(&memory);
	memory.ties = NULL;
}
END_TEST

START_TEST(test_gzip)
{
	uint8_t head[16];
	uint64_t loaded = 0;
	size_t got = 0;

	write_gzip(gzip_path, SIZE - 8192);
	ck_assert_int_eq(guest_load_file(&memory, BASE + 8192, UINT64_MAX,
	    gzip_path, GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_uint_eq(loaded, SIZE - 8192);
	assert_loaded(BASE + 8192, SIZE - 8192);
	ck_assert_int_eq(guest_load_peek(gzip_path, head, sizeof(head), &got), 0);
	ck_assert_uint_eq(got, sizeof(head));
	ck_assert_uint_eq(head[15], pattern(15));
}
END_TEST

START_TEST(test_exact_fit_and_overflow)
{
	uint64_t loaded = 0;

	write_gzip(gzip_path, 65536);
	ck_assert_int_eq(guest_load_file(&memory, BASE + SIZE - 65536,
	    UINT64_MAX, gzip_path, GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_int_eq(guest_load_file(&memory, BASE + SIZE - 65535,
	    UINT64_MAX, gzip_path, GUEST_LOAD_DECOMPRESS, &loaded), -EFBIG);
	ck_assert_int_eq(guest_load_file(&memory, BASE, 65535, gzip_path,
	    GUEST_LOAD_DECOMPRESS, &loaded), -EFBIG);
	ck_assert_int_eq(guest_load_file(&memory, BASE, 65536, gzip_path,
	    GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_int_eq(guest_load_file(&memory, BASE + SIZE, UINT64_MAX,
	    gzip_path, GUEST_LOAD_DECOMPRESS, &loaded), -EFAULT);
}
END_TEST

START_TEST(test_damaged_input)
{
	uint64_t loaded = 0;

	write_gzip(gzip_path, 200000);
	ck_assert_int_eq(truncate(gzip_path, 1000), 0);
	ck_assert_int_eq(guest_load_file(&memory, BASE, UINT64_MAX, gzip_path,
	    GUEST_LOAD_DECOMPRESS, &loaded), -EBADMSG);
	ck_assert_str_eq(guest_load_strerror(-EBADMSG),
	    "a damaged or truncated gzip stream");
	ck_assert_int_eq(guest_load_file(&memory, BASE, UINT64_MAX,
	    "/nonexistent/x", GUEST_LOAD_DECOMPRESS, &loaded), -ENOENT);
	ck_assert_int_eq(guest_load_file(&memory, BASE, UINT64_MAX, "/tmp",
	    GUEST_LOAD_DECOMPRESS, &loaded), -EINVAL);
	ck_assert_str_eq(guest_load_strerror(-EINVAL), "not a regular file");
}
END_TEST

START_TEST(test_raw_keeps_gzip)
{
	uint64_t loaded = 0;
	unsigned char *target;

	write_gzip(gzip_path, 100000);
	ck_assert_int_eq(guest_load_file(&memory, BASE, UINT64_MAX, gzip_path,
	    GUEST_LOAD_RAW, &loaded), 0);
	ck_assert_uint_lt(loaded, 100000);	/* the compressed bytes */
	target = guest_memory_ptr(&memory, BASE, 2);
	ck_assert_uint_eq(target[0], 0x1f);
	ck_assert_uint_eq(target[1], 0x8b);
	write_plain(plain_path, 70000);
	ck_assert_int_eq(guest_load_file(&memory, BASE + SIZE - 65536, UINT64_MAX,
	    plain_path, GUEST_LOAD_RAW, &loaded), -EFBIG);
	ck_assert_int_eq(guest_load_file(&memory, BASE + SIZE - 70000 - 1,
	    UINT64_MAX, plain_path, GUEST_LOAD_RAW, &loaded), 0);
	assert_loaded(BASE + SIZE - 70000 - 1, 70000);
}
END_TEST

START_TEST(test_empty_file)
{
	uint64_t loaded = 1;

	ck_assert_int_eq(guest_load_file(&memory, BASE, UINT64_MAX, plain_path,
	    GUEST_LOAD_DECOMPRESS, &loaded), 0);
	ck_assert_uint_eq(loaded, 0);
}
END_TEST

static Suite *
guest_load_suite(void)
{
	Suite *suite = suite_create("guest_load");
	TCase *tcase = tcase_create("files");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_plain);
	tcase_add_test(tcase, test_file_changed_after_load);
	tcase_add_test(tcase, test_tied_until_swapped);
	tcase_add_test(tcase, test_gzip);
	tcase_add_test(tcase, test_exact_fit_and_overflow);
	tcase_add_test(tcase, test_damaged_input);
	tcase_add_test(tcase, test_raw_keeps_gzip);
	tcase_add_test(tcase, test_empty_file);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(guest_load_suite)
