/* The coalesced MMIO ring drained through the forward map: every write in
 * the order the guest made it, across the ring's end; what no device takes
 * is counted and dropped; an empty ring serves nothing. The ring is a page
 * of memory here, filled the way KVM fills it. */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/mmio_ring.h"
#include "suites.h"

#define PAGE	4096
#define DEVICE	0x9000000ull

static struct kvm_coalesced_mmio_ring *kring;
static struct forward_map map;
static struct mmio_ring ring;
static uint8_t seen[1024];
static uint64_t seen_offsets[1024];
static unsigned int seen_count;

static int
record(void *device, struct mmio_access *access)
{
	(void)device;
	if (access->offset == 0x10)
		return -EINVAL;		/* a register that refuses */
	ck_assert(access->is_write);
	seen_offsets[seen_count % 1024] = access->offset;
	seen[seen_count++ % 1024] = access->data[0];
	return 0;
}

static void
setup(void)
{
	struct forward_entry device = {
		.name = "uart", .kind = FORWARD_MMIO, .base = DEVICE,
		.size = 0x1000, .action = FORWARD_DEVICE, .mmio = record,
	};
	struct forward_entry stop = {
		.name = "ram", .kind = FORWARD_MMIO, .base = 0x80000000ull,
		.size = 0x1000, .action = FORWARD_STOP,
		.outcome = VM_OUTCOME_GUEST_ERROR,
	};
	char error[256];

	kring = aligned_alloc(PAGE, PAGE);
	ck_assert_ptr_nonnull(kring);
	memset(kring, 0, PAGE);
	forward_map_init(&map);
	ck_assert_int_eq(forward_map_add(&map, &device), 0);
	ck_assert_int_eq(forward_map_add(&map, &stop), 0);
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
	mmio_ring_init(&ring, &map);
	mmio_ring_attach(&ring, kring, PAGE);
	seen_count = 0;
}

static void
teardown(void)
{
	mmio_ring_destroy(&ring);
	free(kring);
}

/* As KVM does: the entry, then last. */
static void
queue(uint64_t address, uint32_t length, uint8_t byte)
{
	struct kvm_coalesced_mmio *entry = &kring->coalesced_mmio[kring->last];

	memset(entry, 0, sizeof(*entry));
	entry->phys_addr = address;
	entry->len = length;
	entry->data[0] = byte;
	kring->last = (kring->last + 1) % ring.entries;
}

START_TEST(test_entries_from_page)
{
	ck_assert_uint_eq(ring.entries, (PAGE - sizeof(*kring)) /
	    sizeof(struct kvm_coalesced_mmio));
	ck_assert_uint_eq(mmio_ring_drain(&ring), 0);	/* empty */
	ck_assert_uint_eq(seen_count, 0);
}
END_TEST

START_TEST(test_in_order)
{
	const char *text = "hello, console";
	size_t i;

	for (i = 0; i < strlen(text); i++)
		queue(DEVICE, 1, (uint8_t)text[i]);
	queue(DEVICE + 3, 1, 0x83);
	ck_assert_uint_eq(mmio_ring_drain(&ring), strlen(text) + 1);
	ck_assert_uint_eq(seen_count, strlen(text) + 1);
	ck_assert_mem_eq(seen, text, strlen(text));
	ck_assert_uint_eq(seen_offsets[strlen(text)], 3);
	ck_assert_uint_eq(kring->first, kring->last);
	ck_assert_uint_eq(atomic_load(&ring.served), strlen(text) + 1);
	ck_assert_uint_eq(mmio_ring_drain(&ring), 0);
}
END_TEST

/* Many rounds of the ring: its end wraps to slot 0, and nothing is lost. */
START_TEST(test_wraps)
{
	unsigned int round, i, n = 0;

	for (round = 0; round < 5; round++) {
		for (i = 0; i < ring.entries - 1; i++)
			queue(DEVICE, 1, (uint8_t)(n + i));
		ck_assert_uint_eq(mmio_ring_drain(&ring), ring.entries - 1);
		n += ring.entries - 1;
	}
	ck_assert_uint_eq(seen_count, n);
	for (i = 0; i < 1024 && i < n; i++)
		ck_assert_uint_eq(seen[i], (uint8_t)i);
}
END_TEST

/* No device there, a stop entry, a width the entry cannot hold, a port
 * write, a device that refuses: each dropped and counted, the rest
 * served in order. */
START_TEST(test_refused)
{
	queue(DEVICE, 1, 'a');
	queue(0x0f000000, 1, 'x');
	queue(0x80000000ull, 1, 'x');
	queue(DEVICE + 0xffe, 4, 'x');
	queue(DEVICE, 9, 'x');
	queue(DEVICE + 0x10, 1, 'x');
	queue(DEVICE, 1, 'x');
	kring->coalesced_mmio[kring->last - 1].pio = 1;
	queue(DEVICE, 1, 'b');
	ck_assert_uint_eq(mmio_ring_drain(&ring), 8);
	ck_assert_uint_eq(seen_count, 2);
	ck_assert_mem_eq(seen, "ab", 2);
	ck_assert_uint_eq(atomic_load(&ring.refused), 6);
	ck_assert_uint_eq(atomic_load(&ring.served), 2);
}
END_TEST

/* A ring index out of range (the page is shared with the guest's KVM, not
 * trusted blindly): draining stops there instead of reading past it. */
START_TEST(test_bad_index)
{
	kring->first = ring.entries + 3;
	kring->last = 0;
	ck_assert_uint_eq(mmio_ring_drain(&ring), 0);
	ck_assert_uint_eq(seen_count, 0);
}
END_TEST

START_TEST(test_no_ring)
{
	struct mmio_ring none;

	mmio_ring_init(&none, &map);
	mmio_ring_attach(&none, NULL, PAGE);
	ck_assert_uint_eq(mmio_ring_drain(&none), 0);
	mmio_ring_attach(&none, kring, sizeof(*kring));	/* no room for one */
	ck_assert_ptr_null(none.ring);
	mmio_ring_destroy(&none);
}
END_TEST

static Suite *
mmio_ring_suite(void)
{
	Suite *suite = suite_create("mmio_ring");
	TCase *tcase = tcase_create("drain");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_entries_from_page);
	tcase_add_test(tcase, test_in_order);
	tcase_add_test(tcase, test_wraps);
	tcase_add_test(tcase, test_refused);
	tcase_add_test(tcase, test_bad_index);
	tcase_add_test(tcase, test_no_ring);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(mmio_ring_suite)
