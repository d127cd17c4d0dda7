/* The RSS split: touching guest RAM grows the guest part, not the rest. */
#include <string.h>

#include "../../core/rss.h"
#include "suites.h"

START_TEST(test_guest_part)
{
	struct guest_memory memory = { 0 };
	uint64_t total, guest, total_after, guest_after;
	char *ram;

	ck_assert_int_eq(guest_memory_add(&memory, 0x80000000ull, 8ull << 20), 0);
	ck_assert_int_eq(rss_measure(&memory, &total, &guest), 0);
	ck_assert_uint_eq(guest, 0);
	ck_assert_uint_gt(total, 0);
	ram = guest_memory_ptr(&memory, 0x80000000ull, 8ull << 20);
	memset(ram, 1, 4ull << 20);
	ck_assert_int_eq(rss_measure(&memory, &total_after, &guest_after), 0);
	ck_assert_uint_ge(guest_after, 4ull << 20);
	ck_assert_uint_le(guest_after, 8ull << 20);
	/* what is not guest RAM moved by far less than what the guest touched */
	ck_assert_int_lt((int64_t)(total_after - guest_after) -
	    (int64_t)(total - guest), 1 << 20);
	guest_memory_release(&memory);
}
END_TEST

static Suite *
rss_suite(void)
{
	Suite *suite = suite_create("rss");
	TCase *tcase = tcase_create("smaps");

	tcase_add_test(tcase, test_guest_part);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(rss_suite)
