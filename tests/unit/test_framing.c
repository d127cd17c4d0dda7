/* The control protocol's line framing: lines under the limit, trimming,
 * a message over the limit reported once whether its newline came with it
 * or arrives later. */
#include <string.h>

#include "../../api/framing.h"
#include "suites.h"

#define LIMIT	16

static bool discarding;

static void
setup(void)
{
	discarding = false;
}

static void
assert_frame(struct api_frame frame, enum api_frame_action action,
    size_t length, size_t consume)
{
	ck_assert_int_eq(frame.action, action);
	ck_assert_uint_eq(frame.length, length);
	ck_assert_uint_eq(frame.consume, consume);
}

START_TEST(test_line)
{
	assert_frame(api_frame_next(&discarding, 10, -1, LIMIT),
	    API_FRAME_WAIT, 0, 0);
	assert_frame(api_frame_next(&discarding, 30, 9, LIMIT),
	    API_FRAME_LINE, 9, 10);
	/* exactly at the limit is still a message */
	assert_frame(api_frame_next(&discarding, LIMIT + 1, LIMIT, LIMIT),
	    API_FRAME_LINE, LIMIT, LIMIT + 1);
	assert_frame(api_frame_next(&discarding, LIMIT, -1, LIMIT),
	    API_FRAME_WAIT, 0, 0);
	ck_assert(!discarding);
}
END_TEST

START_TEST(test_too_large_whole)
{
	assert_frame(api_frame_next(&discarding, 40, LIMIT + 1, LIMIT),
	    API_FRAME_TOO_LARGE, LIMIT + 1, LIMIT + 2);
	ck_assert(!discarding);
	assert_frame(api_frame_next(&discarding, 5, 3, LIMIT),
	    API_FRAME_LINE, 3, 4);
}
END_TEST

/* Reported when the buffer passes the limit, then skipped up to the
 * newline however many arrivals it takes, and never reported again. */
START_TEST(test_too_large_in_pieces)
{
	assert_frame(api_frame_next(&discarding, LIMIT + 1, -1, LIMIT),
	    API_FRAME_TOO_LARGE, LIMIT + 1, LIMIT + 1);
	ck_assert(discarding);
	assert_frame(api_frame_next(&discarding, LIMIT * 3, -1, LIMIT),
	    API_FRAME_SKIP, 0, LIMIT * 3);
	assert_frame(api_frame_next(&discarding, 3, -1, LIMIT),
	    API_FRAME_WAIT, 0, 0);
	ck_assert(discarding);
	assert_frame(api_frame_next(&discarding, 10, 4, LIMIT),
	    API_FRAME_SKIP, 0, 5);
	ck_assert(!discarding);
	assert_frame(api_frame_next(&discarding, 5, 4, LIMIT),
	    API_FRAME_LINE, 4, 5);
}
END_TEST

START_TEST(test_trim)
{
	ck_assert_uint_eq(api_line_trim("{}\r", 3), 2);
	ck_assert_uint_eq(api_line_trim("{} \r \r", 6), 2);
	ck_assert_uint_eq(api_line_trim(" \r ", 3), 0);
	ck_assert_uint_eq(api_line_trim("", 0), 0);
	ck_assert_uint_eq(api_line_trim(" {}", 3), 3);
}
END_TEST

static Suite *
framing_suite(void)
{
	Suite *suite = suite_create("framing");
	TCase *tcase = tcase_create("lines");

	tcase_add_checked_fixture(tcase, setup, NULL);
	tcase_add_test(tcase, test_line);
	tcase_add_test(tcase, test_too_large_whole);
	tcase_add_test(tcase, test_too_large_in_pieces);
	tcase_add_test(tcase, test_trim);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(framing_suite)
