/* Guest memory: placement rules and the bounds checks every guest address
 * goes through. */
#include <errno.h>
#include <string.h>

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
	return suite;
}

UNIT_SUITE(guest_memory_suite)
