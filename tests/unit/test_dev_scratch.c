/* The scratch device reads back what was written, at every width, and
 * refuses accesses it does not implement. */
#include <errno.h>
#include <string.h>

#include "../../core/dev_scratch.h"
#include "suites.h"

static int
scratch_access(struct dev_scratch *scratch, uint64_t offset, void *data,
    uint32_t length, bool is_write)
{
	struct mmio_access a = {
		.offset = offset, .data = data, .length = length,
		.is_write = is_write,
	};

	return dev_scratch_mmio(scratch, &a);
}

START_TEST(test_reads_back)
{
	static struct dev_scratch scratch;
	uint64_t value = 0x1122334455667788ull, out = 0;
	uint8_t byte = 0;

	memset(&scratch, 0, sizeof(scratch));
	ck_assert_int_eq(scratch_access(&scratch, 0xff8, &value, 8, true), 0);
	ck_assert_int_eq(scratch_access(&scratch, 0xff8, &out, 8, false), 0);
	ck_assert_uint_eq(out, value);
	out = 0;
	ck_assert_int_eq(scratch_access(&scratch, 0xffc, &out, 4, false), 0);
	ck_assert_uint_eq(out, value >> 32);	/* little-endian guest view */
	ck_assert_int_eq(scratch_access(&scratch, 0xff9, &byte, 1, false), 0);
	ck_assert_uint_eq(byte, 0x77);
	out = 0;
	ck_assert_int_eq(scratch_access(&scratch, 0x10, &out, 2, false), 0);
	ck_assert_uint_eq(out, 0);
}
END_TEST

START_TEST(test_refusals)
{
	static struct dev_scratch scratch;
	uint64_t value = 0;

	ck_assert_int_eq(scratch_access(&scratch, 0, &value, 3, true), -EINVAL);
	ck_assert_int_eq(scratch_access(&scratch, 0, &value, 16, true), -EINVAL);
	ck_assert_int_eq(scratch_access(&scratch, 4, &value, 8, false), -EINVAL);
	ck_assert_int_eq(scratch_access(&scratch, DEV_SCRATCH_SIZE, &value, 8, false),
	    -ERANGE);
	ck_assert_int_eq(scratch_access(&scratch, UINT64_MAX - 7, &value, 8, false),
	    -ERANGE);
}
END_TEST

START_TEST(test_attach)
{
	static struct dev_scratch scratch;
	struct forward_map map;
	char error[256];
	int i;

	forward_map_init(&map);
	ck_assert_int_eq(dev_scratch_attach(&map, &scratch, "scratch",
	    0xa000000), 0);
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
	i = forward_map_lookup(&map, FORWARD_MMIO, 0xa000fff);
	ck_assert_int_eq(i, 0);
	ck_assert_ptr_eq(map.entries[i].context, &scratch);
	ck_assert_int_lt(forward_map_lookup(&map, FORWARD_MMIO, 0xa001000), 0);
}
END_TEST

static Suite *
dev_scratch_suite(void)
{
	Suite *suite = suite_create("dev_scratch");
	TCase *tcase = tcase_create("mmio");

	tcase_add_test(tcase, test_reads_back);
	tcase_add_test(tcase, test_refusals);
	tcase_add_test(tcase, test_attach);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(dev_scratch_suite)
