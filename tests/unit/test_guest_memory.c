/* Guest memory: placement rules, the bounds checks every guest address
 * goes through, and files mapped into it until a copy replaces them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/guest_memory.h"
#include "suites.h"

#define BASE	0x80000000ull
#define SIZE	(1ull << 20)

static struct guest_memory memory;

static void
setup(void)
{
	memset(&memory, 0, sizeof(memory));
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
}

static void
teardown(void)
{
	guest_memory_release(&memory);
}

START_TEST(test_ptr_inside)
{
	char *start = guest_memory_ptr(&memory, BASE, 1);

	ck_assert_ptr_nonnull(start);
	ck_assert_ptr_eq(guest_memory_ptr(&memory, BASE + 4096, 16), start + 4096);
	ck_assert_ptr_eq(guest_memory_ptr(&memory, BASE + SIZE - 8, 8),
	    start + SIZE - 8);
	ck_assert_ptr_eq(guest_memory_ptr(&memory, BASE, SIZE), start);
	start[SIZE - 1] = 1;	/* the whole range is really mapped */
}
END_TEST

START_TEST(test_ptr_outside)
{
	ck_assert_ptr_null(guest_memory_ptr(&memory, BASE - 1, 1));
	ck_assert_ptr_null(guest_memory_ptr(&memory, BASE + SIZE, 1));
	ck_assert_ptr_null(guest_memory_ptr(&memory, BASE + SIZE - 8, 9));
	ck_assert_ptr_null(guest_memory_ptr(&memory, BASE, SIZE + 1));
	ck_assert_ptr_null(guest_memory_ptr(&memory, 0, 1));
	/* lengths and addresses that wrap around 2^64 */
	ck_assert_ptr_null(guest_memory_ptr(&memory, BASE + 16, UINT64_MAX));
	ck_assert_ptr_null(guest_memory_ptr(&memory, UINT64_MAX, 2));
}
END_TEST

START_TEST(test_add_rules)
{
	ck_assert_int_eq(guest_memory_add(&memory, BASE + SIZE / 2, SIZE), -EEXIST);
	ck_assert_int_eq(guest_memory_add(&memory, BASE - SIZE / 2, SIZE), -EEXIST);
	ck_assert_int_eq(guest_memory_add(&memory, BASE + SIZE, 0), -EINVAL);
	ck_assert_int_eq(guest_memory_add(&memory, BASE + SIZE, 4096), -EINVAL);
	ck_assert_int_eq(guest_memory_add(&memory, BASE + SIZE + 4096, SIZE), -EINVAL);
	ck_assert_int_eq(guest_memory_add(&memory, UINT64_MAX - 0xffff, 0x20000),
	    -EINVAL);
	/* adjacent is fine, and both halves translate */
	ck_assert_int_eq(guest_memory_add(&memory, BASE + SIZE, SIZE), 0);
	ck_assert_ptr_nonnull(guest_memory_ptr(&memory, BASE + SIZE, SIZE));
	ck_assert_uint_eq(memory.count, 2);
	/* one access never spans two regions: they are separate mappings */
	ck_assert_ptr_null(guest_memory_ptr(&memory, BASE + SIZE - 4, 8));
}
END_TEST

START_TEST(test_add_limit)
{
	unsigned int i;

	for (i = 1; i < GUEST_MEMORY_MAX_REGIONS; i++)
		ck_assert_int_eq(guest_memory_add(&memory, BASE + i * SIZE,
		    GUEST_MEMORY_ALIGN), 0);
	ck_assert_int_eq(guest_memory_add(&memory, 0, GUEST_MEMORY_ALIGN), -ENOSPC);
}
END_TEST

START_TEST(test_room)
{
	ck_assert_uint_eq(guest_memory_room(&memory, BASE), SIZE);
	ck_assert_uint_eq(guest_memory_room(&memory, BASE + SIZE - 1), 1);
	ck_assert_uint_eq(guest_memory_room(&memory, BASE + SIZE), 0);
	ck_assert_uint_eq(guest_memory_room(&memory, BASE - 1), 0);
}
END_TEST

/* A tied file: three pages and a bit, at BASE + 64 KiB. */
static struct guest_memory_ties ties;
static char tie_path[] = "/tmp/vmmd-test-tie-XXXXXX";
static int tie_fd = -1;
static uint64_t tie_page, tie_size;

static unsigned char
tie_pattern(uint64_t i)
{
	return (unsigned char)(i * 13 + i / 509 + 1);
}

static void
tie_setup(void)
{
	uint64_t i;
	FILE *file;

	setup();
	memset(&ties, 0, sizeof(ties));
	memory.ties = &ties;
	tie_page = (uint64_t)sysconf(_SC_PAGESIZE);
	tie_size = 3 * tie_page + 100;
	strcpy(tie_path, "/tmp/vmmd-test-tie-XXXXXX");
	tie_fd = mkstemp(tie_path);
	ck_assert_int_ge(tie_fd, 0);
	file = fdopen(dup(tie_fd), "w");
	ck_assert_ptr_nonnull(file);
	for (i = 0; i < tie_size; i++)
		fputc(tie_pattern(i), file);
	fclose(file);
}

static void
tie_teardown(void)
{
	teardown();
	close(tie_fd);
	unlink(tie_path);
}

static int
tie_map(uint64_t guest_phys)
{
	struct stat st;

	ck_assert_int_eq(fstat(tie_fd, &st), 0);
	return guest_memory_map_file(&memory, guest_phys, tie_fd, &st);
}

/* Other bytes over the whole file, then nothing left of it. */
static void
tie_ruin_file(void)
{
	char junk[4096];

	memset(junk, 0xa5, sizeof(junk));
	ck_assert_int_eq(pwrite(tie_fd, junk, sizeof(junk), 0), sizeof(junk));
	ck_assert_int_eq(ftruncate(tie_fd, 0), 0);
}

/* The guest's writes made before and after the copy both survive the swap,
 * and then nothing done to the file reaches guest memory (a mapping's
 * pages would be gone: SIGBUS on the next read). Twice: with the pagemap,
 * and without it, comparing pages. */
START_TEST(test_tie_swap)
{
	int pagemap_fd = _i == 0 ? open(GUEST_MEMORY_PAGEMAP_PATH, O_RDONLY) : -1;
	unsigned char *host;
	uint64_t carried = 0, i;

	ck_assert_int_eq(tie_map(BASE + 65536), 0);
	ck_assert_uint_eq(guest_memory_tied(&memory), 1);
	host = guest_memory_ptr(&memory, BASE + 65536, 4 * tie_page);
	ck_assert_uint_eq(host[tie_page + 5], tie_pattern(tie_page + 5));
	host[tie_page + 5] = 0x11;		/* before the copy */
	ck_assert_int_eq(guest_memory_copy_ties(&memory, NULL), 0);
	host[2 * tie_page] = 0x22;		/* after it */
	ck_assert_int_eq(guest_memory_swap_ties(&memory, pagemap_fd, &carried), 0);
	ck_assert_uint_eq(carried, 2);
	ck_assert_uint_eq(guest_memory_tied(&memory), 0);
	tie_ruin_file();
	for (i = 0; i < tie_size; i++)
		if (host[i] != (i == tie_page + 5 ? 0x11 : i == 2 * tie_page ?
		    0x22 : tie_pattern(i)))
			ck_abort_msg("byte %" PRIu64 " differs", i);
	for (; i < 4 * tie_page; i++)
		ck_assert_uint_eq(host[i], 0);	/* fresh RAM past the file */
	if (pagemap_fd >= 0)
		close(pagemap_fd);
}
END_TEST

/* A file that changed between its mapping and its copy, or between the
 * copy and the swap, is refused: the guest may have seen either content. */
START_TEST(test_tie_changed)
{
	struct timespec times[2] = { { 1, 0 }, { 1, 0 } };
	uint64_t carried;

	ck_assert_int_eq(tie_map(BASE), 0);
	ck_assert_int_eq(futimens(tie_fd, times), 0);	/* an edit in place */
	ck_assert_int_eq(guest_memory_copy_ties(&memory, NULL), -ESTALE);
	guest_memory_release(&memory);
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
	ck_assert_int_eq(tie_map(BASE), 0);
	ck_assert_int_eq(guest_memory_copy_ties(&memory, NULL), 0);
	ck_assert_int_eq(ftruncate(tie_fd, (off_t)tie_page), 0);
	ck_assert_int_eq(guest_memory_swap_ties(&memory, -1, &carried), -ESTALE);
	ck_assert_uint_eq(guest_memory_tied(&memory), 1);
}
END_TEST

START_TEST(test_tie_cancelled)
{
	atomic_bool cancel = true;

	ck_assert_int_eq(tie_map(BASE), 0);
	ck_assert_int_eq(guest_memory_copy_ties(&memory, &cancel), -ECANCELED);
	ck_assert_uint_eq(guest_memory_tied(&memory), 1);
}
END_TEST

/* Where a file cannot be mapped, -EAGAIN: the caller reads it. */
START_TEST(test_tie_refused)
{
	unsigned int i;

	ck_assert_int_eq(tie_map(BASE + 100), -EAGAIN);	/* not on a page */
	ck_assert_int_eq(tie_map(BASE + SIZE - tie_page), -EAGAIN);	/* past RAM */
	memory.ties = NULL;
	ck_assert_int_eq(tie_map(BASE), -EAGAIN);	/* no record kept */
	memory.ties = &ties;
	memory.huge_pages = true;
	ck_assert_int_eq(tie_map(BASE), -EAGAIN);
	memory.huge_pages = false;
	for (i = 0; i < GUEST_MEMORY_MAX_TIES; i++)
		ck_assert_int_eq(tie_map(BASE + i * 4 * tie_page), 0);
	ck_assert_int_eq(tie_map(BASE + i * 4 * tie_page), -EAGAIN);
	ck_assert_uint_eq(guest_memory_tied(&memory), GUEST_MEMORY_MAX_TIES);
	guest_memory_release(&memory);		/* closes each tie's file */
	ck_assert_uint_eq(guest_memory_tied(&memory), 0);
}
END_TEST

static Suite *
guest_memory_suite(void)
{
	Suite *suite = suite_create("guest_memory");
	TCase *tcase = tcase_create("regions");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_ptr_inside);
	tcase_add_test(tcase, test_ptr_outside);
	tcase_add_test(tcase, test_add_rules);
	tcase_add_test(tcase, test_add_limit);
	tcase_add_test(tcase, test_room);
	suite_add_tcase(suite, tcase);
	tcase = tcase_create("ties");
	tcase_add_checked_fixture(tcase, tie_setup, tie_teardown);
	tcase_add_loop_test(tcase, test_tie_swap, 0, 2);
	tcase_add_test(tcase, test_tie_changed);
	tcase_add_test(tcase, test_tie_cancelled);
	tcase_add_test(tcase, test_tie_refused);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(guest_memory_suite)
