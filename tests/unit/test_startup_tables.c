/* The start-up checks: vmmd's tables pass; a failing check stops the list
 * with one line naming the table and why. */
#include <stdio.h>
#include <string.h>

#include "../../vmmd/startup_tables.h"
#include "suites.h"

static char error[512];

static int
passes(char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	return 0;
}

static int
fails(char *why, size_t why_size)
{
	snprintf(why, why_size, "entry 3 is out of order");
	return -1;
}

static int
fails_silently(char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	return -22;
}

static int calls;

static int
counted(char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	calls++;
	return 0;
}

START_TEST(test_vmmd_tables_pass)
{
	error[0] = '\0';
	ck_assert_int_eq(startup_tables_validate(error, sizeof(error)), 0);
	ck_assert_str_eq(error, "");
}
END_TEST

START_TEST(test_a_broken_table)
{
	const struct table_check checks[] = {
		{ "first", passes }, { "second", fails }, { "third", counted },
	};
	const struct table_check silent[] = { { "quiet", fails_silently } };

	calls = 0;
	ck_assert_int_eq(table_checks_run(checks, 3, error, sizeof(error)), -1);
	ck_assert_str_eq(error, "second: entry 3 is out of order");
	ck_assert_int_eq(calls, 0);	/* the first failure stops the rest */
	ck_assert_int_eq(table_checks_run(silent, 1, error, sizeof(error)), -1);
	ck_assert_str_eq(error, "quiet: invalid (no reason given)");
}
END_TEST

static Suite *
startup_tables_suite(void)
{
	Suite *suite = suite_create("startup_tables");
	TCase *tc = tcase_create("checks");

	tcase_add_test(tc, test_vmmd_tables_pass);
	tcase_add_test(tc, test_a_broken_table);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(startup_tables_suite)
