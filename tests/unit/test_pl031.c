/* The PL031 RTC: its ID registers and read-only registers, the counter
 * from the wall clock ticking with the clock it is given, the load
 * register, the match interrupt gated by its mask and cleared by ICR, the
 * counter's wrap, and the access widths it refuses. */
#include <errno.h>
#include <string.h>

#include "../../core/pl031.h"
#include "suites.h"

#define SECOND	1000000000ull

static uint64_t fake_now;
static int irq_changes;
static bool irq_level;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

static void
fake_irq(void *context, bool level)
{
	(void)context;
	irq_changes++;
	irq_level = level;
}

static struct pl031 rtc;

static void
setup_rtc(uint64_t wall_seconds)
{
	fake_now = 5 * SECOND + 123;
	irq_changes = 0;
	irq_level = false;
	pl031_init(&rtc, &(struct pl031_sink){ fake_irq, NULL }, fake_clock,
	    wall_seconds);
}

static uint32_t
rd(uint64_t offset, uint32_t length)
{
	uint8_t data[8] = { 0 };
	struct mmio_access access = { offset, data, length, false };
	uint32_t value = 0;

	ck_assert_int_eq(pl031_mmio(&rtc, &access), 0);
	memcpy(&value, data, length < 4 ? length : 4);
	return value;
}

static void
wr(uint64_t offset, uint32_t value, uint32_t length)
{
	uint8_t data[8] = { 0 };
	struct mmio_access access = { offset, data, length, true };

	memcpy(data, &value, 4);
	ck_assert_int_eq(pl031_mmio(&rtc, &access), 0);
}

START_TEST(test_ids)
{
	static const uint32_t ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0,
	    0x05, 0xb1 };
	unsigned int i;

	setup_rtc(1000);
	for (i = 0; i < 8; i++) {
		ck_assert_uint_eq(rd(0xfe0 + 4 * i, 4), ids[i]);
		ck_assert_uint_eq(rd(0xfe0 + 4 * i, 1), ids[i]);
	}
	ck_assert_uint_eq(rd(0x0c, 4), 1);	/* CR: always started */
	ck_assert_uint_eq(rd(0x100, 4), 0);	/* reserved */
	pl031_destroy(&rtc);
}
END_TEST

/* What kvm-unit-tests' pl031 check_ro does: writes of each width change
 * none of RIS, MIS and the IDs. */
START_TEST(test_read_only)
{
	static const uint64_t offsets[] = { 0x14, 0x18, 0xfe0, 0xfec, 0xff0,
	    0xffc };
	uint32_t before;
	unsigned int i;

	setup_rtc(1000);
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		before = rd(offsets[i], 4);
		wr(offsets[i], 0xdeadbeef, 1);
		wr(offsets[i], 0xdeadbeef, 2);
		wr(offsets[i], 0xdeadbeef, 4);
		ck_assert_uint_eq(rd(offsets[i], 4), before);
	}
	before = rd(0x00, 4);
	wr(0x00, 7, 4);				/* DR is read only */
	ck_assert_uint_eq(rd(0x00, 4), before);
	pl031_destroy(&rtc);
}
END_TEST

START_TEST(test_counter_ticks_and_loads)
{
	setup_rtc(1700000000);
	ck_assert_uint_eq(rd(0x00, 4), 1700000000);
	fake_now += SECOND - 1;			/* not yet a whole second */
	ck_assert_uint_eq(rd(0x00, 4), 1700000000);
	fake_now += 1;
	ck_assert_uint_eq(rd(0x00, 4), 1700000001);
	fake_now += 2 * SECOND;
	ck_assert_uint_eq(rd(0x00, 4), 1700000003);
	ck_assert_uint_eq(rd(0x00, 2), 1700000003 & 0xffff);
	ck_assert_uint_eq(rd(0x02, 2), 1700000003 >> 16);

	wr(0x08, 42, 4);			/* LR sets the counter */
	ck_assert_uint_eq(rd(0x08, 4), 42);
	ck_assert_uint_eq(rd(0x00, 4), 42);
	fake_now += 3 * SECOND;
	ck_assert_uint_eq(rd(0x00, 4), 45);
	pl031_destroy(&rtc);
}
END_TEST

/* kvm-unit-tests' check_rtc_irq: MR a second ahead, the match comes while
 * masked (RIS set, no interrupt), IMSC raises the line, ICR lowers it. */
START_TEST(test_match_interrupt)
{
	setup_rtc(1000);
	wr(0x04, 1001, 4);
	ck_assert_uint_eq(rd(0x04, 4), 1001);
	ck_assert_uint_eq(rd(0x14, 4), 0);
	fake_now += 2 * SECOND;
	ck_assert_uint_eq(rd(0x14, 4), 1);	/* RIS */
	ck_assert_uint_eq(rd(0x18, 4), 0);	/* MIS: masked */
	ck_assert_int_eq(irq_changes, 0);
	wr(0x10, 1, 4);				/* IMSC */
	ck_assert_int_eq(irq_changes, 1);
	ck_assert(irq_level);
	ck_assert_uint_eq(rd(0x18, 4), 1);
	wr(0x1c, 1, 4);				/* ICR */
	ck_assert_int_eq(irq_changes, 2);
	ck_assert(!irq_level);
	ck_assert_uint_eq(rd(0x14, 4), 0);
	fake_now += 10 * SECOND;		/* a match fires once */
	ck_assert_uint_eq(rd(0x14, 4), 0);

	wr(0x04, rd(0x00, 4), 4);		/* MR now: at once */
	ck_assert_int_eq(irq_changes, 3);
	ck_assert(irq_level);
	pl031_destroy(&rtc);
}
END_TEST

/* MR behind the counter matches only after the counter wraps at 2^32. */
START_TEST(test_match_after_wrap)
{
	setup_rtc(0xfffffff0u);
	wr(0x04, 5, 4);
	fake_now += 15 * SECOND;
	ck_assert_uint_eq(rd(0x00, 4), 0xffffffffu);
	ck_assert_uint_eq(rd(0x14, 4), 0);
	fake_now += 6 * SECOND;
	ck_assert_uint_eq(rd(0x00, 4), 5);
	ck_assert_uint_eq(rd(0x14, 4), 1);
	pl031_destroy(&rtc);
}
END_TEST

START_TEST(test_refused_accesses)
{
	uint8_t data[8] = { 0 };
	struct mmio_access wide = { 0x00, data, 8, false };
	struct mmio_access beyond = { PL031_SIZE - 2, data, 4, false };

	setup_rtc(1000);
	ck_assert_int_eq(pl031_mmio(&rtc, &wide), -EINVAL);
	ck_assert_int_eq(pl031_mmio(&rtc, &beyond), -ERANGE);
	pl031_destroy(&rtc);
}
END_TEST

START_TEST(test_attach)
{
	struct forward_map map;
	char error[200];
	int i;

	forward_map_init(&map);
	setup_rtc(1000);
	ck_assert_int_eq(pl031_attach(&map, &rtc, 0x9080000), 0);
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
	i = forward_map_lookup(&map, FORWARD_MMIO, 0x9080fff);
	ck_assert_int_ge(i, 0);
	ck_assert_str_eq(map.entries[i].name, "rtc");
	ck_assert_int_lt(forward_map_lookup(&map, FORWARD_MMIO, 0x9081000), 0);
	pl031_destroy(&rtc);
}
END_TEST

static Suite *
pl031_suite(void)
{
	Suite *suite = suite_create("pl031");
	TCase *registers = tcase_create("registers");

	tcase_add_test(registers, test_ids);
	tcase_add_test(registers, test_read_only);
	tcase_add_test(registers, test_counter_ticks_and_loads);
	tcase_add_test(registers, test_match_interrupt);
	tcase_add_test(registers, test_match_after_wrap);
	tcase_add_test(registers, test_refused_accesses);
	tcase_add_test(registers, test_attach);
	suite_add_tcase(suite, registers);
	return suite;
}

UNIT_SUITE(pl031_suite)
