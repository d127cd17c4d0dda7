/* The trap forward map: broken maps are refused naming the entry at fault,
 * what KVM was given must equal the map, and lookups find the entry that
 * holds a key in every position of the sorted array. */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#include "../../core/arch.h"
#include "../../core/forward_map.h"
#include "suites.h"

static int
fake_mmio(void *device, struct mmio_access *access)
{
	(void)device;
	(void)access;
	return 0;
}

static void
fake_hypercall(void *context, uint64_t function_id, const uint64_t *args,
    uint64_t *result)
{
	(void)context;
	(void)function_id;
	(void)args;
	result[0] = 0;
}

static struct forward_entry
device(const char *name, uint64_t base, uint64_t size)
{
	return (struct forward_entry){
		.name = name, .kind = FORWARD_MMIO, .base = base, .size = size,
		.action = FORWARD_DEVICE, .mmio = fake_mmio,
	};
}

static struct forward_entry
hypercall(const char *name, uint64_t base, uint64_t size,
    enum forward_action action)
{
	return (struct forward_entry){
		.name = name, .kind = FORWARD_HYPERCALL, .base = base,
		.size = size, .action = action,
		.hypercall = action == FORWARD_VMMD ? fake_hypercall : NULL,
	};
}

/* A good map: two devices, three hypercall ranges, a system event. */
static void
good_map(struct forward_map *map)
{
	struct forward_entry entry;

	forward_map_init(map);
	entry = device("uart", 0x9000000, 0x1000);
	ck_assert_int_eq(forward_map_add(map, &entry), 0);
	entry = hypercall("vendor", 0xc6000000, 0x10000, FORWARD_VMMD);
	ck_assert_int_eq(forward_map_add(map, &entry), 0);
	entry = device("rtc", 0x9010000, 0x1000);
	ck_assert_int_eq(forward_map_add(map, &entry), 0);
	entry = hypercall("psci", 0x84000000, 0x20, FORWARD_KVM);
	ck_assert_int_eq(forward_map_add(map, &entry), 0);
	entry = hypercall("trng", 0x84000050, 0x10, FORWARD_DENY);
	ck_assert_int_eq(forward_map_add(map, &entry), 0);
	entry = (struct forward_entry){
		.name = "shutdown", .kind = FORWARD_SYSTEM_EVENT,
		.base = KVM_SYSTEM_EVENT_SHUTDOWN, .size = 1,
		.action = FORWARD_STOP, .outcome = VM_OUTCOME_POWEROFF,
	};
	ck_assert_int_eq(forward_map_add(map, &entry), 0);
}

static int
find(const struct forward_map *map, const char *name)
{
	unsigned int i;

	for (i = 0; i < map->count; i++)
		if (strcmp(map->entries[i].name, name) == 0)
			return (int)i;
	ck_abort_msg("no entry %s", name);
	return -1;
}

static void
assert_refused(struct forward_map *map, const char *expected)
{
	char error[320] = "";

	ck_assert_int_eq(forward_map_validate(map, error, sizeof(error)), -EINVAL);
	ck_assert_msg(strstr(error, expected) != NULL,
	    "error '%s' does not say '%s'", error, expected);
	ck_assert(!map->validated);
}

START_TEST(test_good_map_is_sorted_and_valid)
{
	struct forward_map map;
	char error[320];
	unsigned int i;

	good_map(&map);
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
	ck_assert(map.validated);
	for (i = 1; i < map.count; i++)
		ck_assert(map.entries[i - 1].kind < map.entries[i].kind ||
		    map.entries[i - 1].base < map.entries[i].base);
	ck_assert_uint_eq(map.kind_count[FORWARD_MMIO], 2);
	ck_assert_uint_eq(map.kind_count[FORWARD_HYPERCALL], 3);
	ck_assert_uint_eq(map.kind_count[FORWARD_SYSTEM_EVENT], 1);
	ck_assert_uint_eq(map.kind_count[FORWARD_EXIT], 0);
}
END_TEST

START_TEST(test_lookup)
{
	struct forward_map map;
	char error[320];

	good_map(&map);
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, 0x9000000),
	    find(&map, "uart"));
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, 0x9000fff),
	    find(&map, "uart"));
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, 0x9001000),
	    -ENOENT);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, 0x8ffffff),
	    -ENOENT);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, 0x9010800),
	    find(&map, "rtc"));
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, UINT64_MAX),
	    -ENOENT);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, 0), -ENOENT);
	/* the same key in another kind is another entry, or none */
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_HYPERCALL, 0x9000000),
	    -ENOENT);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_HYPERCALL, 0x84000000),
	    find(&map, "psci"));
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_HYPERCALL, 0x84000020),
	    -ENOENT);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_HYPERCALL, 0x8400005f),
	    find(&map, "trng"));
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_HYPERCALL, 0xc600ff01),
	    find(&map, "vendor"));
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_SYSTEM_EVENT,
	    KVM_SYSTEM_EVENT_SHUTDOWN), find(&map, "shutdown"));
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_SYSTEM_EVENT,
	    KVM_SYSTEM_EVENT_RESET), -ENOENT);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_EXIT, KVM_EXIT_INTR),
	    -ENOENT);
	ck_assert_int_eq(forward_map_lookup(&map, FORWARD_KIND_COUNT, 0), -ENOENT);
}
END_TEST

/* Every key of a full map, against a linear scan of the same entries. */
START_TEST(test_lookup_full_map)
{
	struct forward_entry entry;
	struct forward_map map;
	char error[320];
	uint64_t key, base;
	unsigned int i;
	int expected;

	forward_map_init(&map);
	for (i = 0; i < FORWARD_MAP_MAX; i++) {	/* added backwards, with gaps */
		base = (FORWARD_MAP_MAX - i) * 0x100;
		entry = device("dev", base, 0x10 * (i % 5 + 1));
		ck_assert_int_eq(forward_map_add(&map, &entry), 0);
	}
	ck_assert_int_eq(forward_map_add(&map, &entry), -ENOSPC);
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
	for (key = 0; key < (FORWARD_MAP_MAX + 2) * 0x100; key += 8) {
		expected = -ENOENT;
		for (i = 0; i < map.count; i++)
			if (key >= map.entries[i].base &&
			    key < map.entries[i].base + map.entries[i].size)
				expected = (int)i;
		ck_assert_int_eq(forward_map_lookup(&map, FORWARD_MMIO, key),
		    expected);
	}
}
END_TEST

START_TEST(test_overlap_refused)
{
	struct forward_entry entry = device("scratch", 0x9000800, 0x1000);
	struct forward_map map;

	good_map(&map);
	ck_assert_int_eq(forward_map_add(&map, &entry), 0);
	assert_refused(&map, "entry 1 'scratch' (mmio 0x9000800-0x90017ff, "
	    "device): overlaps entry 0 'uart' (mmio 0x9000000-0x9000fff, device)");
}
END_TEST

START_TEST(test_duplicate_refused)
{
	struct forward_entry entry = hypercall("psci-again", 0x84000000, 1,
	    FORWARD_DENY);
	struct forward_map map;

	good_map(&map);
	ck_assert_int_eq(forward_map_add(&map, &entry), 0);
	assert_refused(&map, "overlaps entry");
	assert_refused(&map, "'psci");
}
END_TEST

START_TEST(test_missing_handler_refused)
{
	struct forward_map map;

	good_map(&map);
	map.entries[find(&map, "rtc")].mmio = NULL;
	assert_refused(&map, "'rtc' (mmio 0x9010000-0x9010fff, device): "
	    "no MMIO handler");
	good_map(&map);
	map.entries[find(&map, "vendor")].hypercall = NULL;
	assert_refused(&map, "'vendor' (hypercall 0xc6000000-0xc600ffff, vmmd): "
	    "no hypercall handler");
	good_map(&map);
	map.entries[find(&map, "shutdown")].outcome = VM_OUTCOME_NONE;
	assert_refused(&map, "'shutdown' (system-event 1, stop): stops the VM "
	    "with no outcome");
}
END_TEST

START_TEST(test_unsorted_refused)
{
	struct forward_entry swap;
	struct forward_map map;
	int uart, rtc;

	good_map(&map);
	uart = find(&map, "uart");
	rtc = find(&map, "rtc");
	swap = map.entries[uart];
	map.entries[uart] = map.entries[rtc];
	map.entries[rtc] = swap;
	assert_refused(&map, "entry 1 'uart' (mmio 0x9000000-0x9000fff, "
	    "device): out of order: it sorts before entry 0");
}
END_TEST

START_TEST(test_empty_and_wrapping_ranges_refused)
{
	struct forward_map map;
	int rtc;

	good_map(&map);
	map.entries[find(&map, "trng")].size = 0;
	assert_refused(&map, "'trng' (hypercall");
	assert_refused(&map, "): empty range");
	good_map(&map);
	rtc = find(&map, "rtc");
	map.entries[rtc].base = UINT64_MAX - 0x10;
	assert_refused(&map, "'rtc'");
	assert_refused(&map, "range wraps around the end of the key space");
}
END_TEST

START_TEST(test_wrong_kind_or_action_refused)
{
	struct forward_entry entry;
	struct forward_map map;

	good_map(&map);
	map.entries[find(&map, "uart")].action = FORWARD_VMMD;
	assert_refused(&map, "'uart' (mmio 0x9000000-0x9000fff, vmmd): action "
	    "vmmd is not one for mmio exits");
	good_map(&map);
	map.entries[find(&map, "psci")].name = NULL;
	assert_refused(&map, "has no name");
	good_map(&map);
	entry = (struct forward_entry){
		.name = "all-exits", .kind = FORWARD_EXIT, .base = 0,
		.size = 100, .action = FORWARD_RESUME,
	};
	ck_assert_int_eq(forward_map_add(&map, &entry), 0);
	assert_refused(&map, "'all-exits' (exit 0-99, resume): covers "
	    "hypercall exits, which have a kind of their own");
}
END_TEST

static void
install_all(struct forward_map *map)
{
	unsigned int i;

	map->kvm_filter = true;
	map->installed_count = 0;
	for (i = 0; i < map->count; i++) {
		if (map->entries[i].kind != FORWARD_HYPERCALL)
			continue;
		map->installed[map->installed_count++] = (struct forward_installed){
			.kind = FORWARD_HYPERCALL, .base = map->entries[i].base,
			.size = map->entries[i].size,
			.action = map->entries[i].action,
		};
	}
}

static void
assert_mismatch(const struct forward_map *map, const char *expected)
{
	char error[320] = "";

	ck_assert_int_eq(forward_map_check_installed(map, error, sizeof(error)),
	    -EINVAL);
	ck_assert_msg(strstr(error, expected) != NULL,
	    "error '%s' does not say '%s'", error, expected);
}

START_TEST(test_installed_equals_map)
{
	struct forward_map map;
	char error[320];

	good_map(&map);
	install_all(&map);
	ck_assert_int_eq(forward_map_check_installed(&map, error, sizeof(error)),
	    -EINVAL);	/* not validated yet */
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
	ck_assert_int_eq(forward_map_check_installed(&map, error, sizeof(error)),
	    0);
	/* without a filter KVM must have been given nothing */
	map.kvm_filter = false;
	map.installed_count = 0;
	ck_assert_int_eq(forward_map_check_installed(&map, error, sizeof(error)),
	    0);
}
END_TEST

START_TEST(test_installed_mismatch_refused)
{
	struct forward_map map;
	char error[320];

	good_map(&map);
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);

	install_all(&map);	/* KVM did not take one range */
	map.installed[1] = map.installed[--map.installed_count];
	assert_mismatch(&map, "'trng' (hypercall 0x84000050-0x8400005f, deny): "
	    "KVM was not given it");

	install_all(&map);	/* another action */
	map.installed[2].action = FORWARD_KVM;
	assert_mismatch(&map, "'vendor' (hypercall 0xc6000000-0xc600ffff, "
	    "vmmd): KVM was given 65536 keys with action kvm instead");

	install_all(&map);	/* another size */
	map.installed[0].size = 0x10;
	assert_mismatch(&map, "'psci' (hypercall 0x84000000-0x8400001f, kvm): "
	    "KVM was given 16 keys");

	install_all(&map);	/* a range the map does not have */
	map.installed[map.installed_count++] = (struct forward_installed){
		.kind = FORWARD_HYPERCALL, .base = 0xc2000000, .size = 4,
		.action = FORWARD_DENY,
	};
	assert_mismatch(&map, "KVM was given hypercall 0xc2000000-0xc2000003 "
	    "(deny), which the map does not have");

	install_all(&map);	/* one range twice */
	map.installed[map.installed_count++] = map.installed[0];
	assert_mismatch(&map, "KVM was given hypercall 0x84000000-0x8400001f "
	    "(kvm) more than once");

	install_all(&map);	/* given although the filter is off */
	map.kvm_filter = false;
	assert_mismatch(&map, "KVM was given 3 hypercall ranges without a filter");
}
END_TEST

/* The map a VM really gets on arm64 (vm_exit's and arm64's entries) is
 * valid, covers PSCI and vmmd's service, and leaves MMIO to devices. */
START_TEST(test_real_map_is_valid)
{
	struct forward_map map;
	char error[320] = "";

	forward_map_init(&map);
	ck_assert_int_eq(vm_exit_forward_entries(&map), 0);
	ck_assert_int_eq(arch_forward_map_add(&map, error, sizeof(error)), 0);
	ck_assert_msg(forward_map_validate(&map, error, sizeof(error)) == 0,
	    "%s", error);
	ck_assert_int_ge(forward_map_lookup(&map, FORWARD_HYPERCALL, 0x84000008), 0);
	ck_assert_int_ge(forward_map_lookup(&map, FORWARD_HYPERCALL, 0xc6000001), 0);
	ck_assert_int_ge(forward_map_lookup(&map, FORWARD_EXIT, KVM_EXIT_INTR), 0);
	ck_assert_int_ge(forward_map_lookup(&map, FORWARD_SYSTEM_EVENT,
	    KVM_SYSTEM_EVENT_CRASH), 0);
	ck_assert_uint_eq(map.kind_count[FORWARD_MMIO], 0);
}
END_TEST

START_TEST(test_counters_sum)
{
	struct forward_counters total, vcpu;

	memset(&total, 0, sizeof(total));
	memset(&vcpu, 0, sizeof(vcpu));

	vcpu.hits[3] = 5;
	vcpu.unmapped[FORWARD_MMIO] = 2;
	forward_counters_sum(&total, &vcpu);
	forward_counters_sum(&total, &vcpu);
	ck_assert_uint_eq(total.hits[3], 10);
	ck_assert_uint_eq(total.hits[2], 0);
	ck_assert_uint_eq(total.unmapped[FORWARD_MMIO], 4);
}
END_TEST

START_TEST(test_unmapped_policy_names)
{
	enum forward_unmapped policy = FORWARD_UNMAPPED_STOP;
	unsigned int i;

	for (i = 0; i < FORWARD_UNMAPPED_COUNT; i++) {
		ck_assert_int_eq(forward_unmapped_parse(forward_unmapped_name(i),
		    &policy), 0);
		ck_assert_uint_eq(policy, i);
	}
	ck_assert_str_eq(forward_unmapped_name(FORWARD_UNMAPPED_IGNORE), "ignore");
	ck_assert_str_eq(forward_unmapped_name(FORWARD_UNMAPPED_ABORT), "abort");
	ck_assert_int_eq(forward_unmapped_parse("Ignore", &policy), -EINVAL);
	ck_assert_int_eq(forward_unmapped_parse("", &policy), -EINVAL);
	ck_assert_str_eq(forward_unmapped_name(FORWARD_UNMAPPED_COUNT), "unknown");
}
END_TEST

START_TEST(test_unknown_unmapped_policy_refused)
{
	struct forward_map map;
	char error[320] = "";

	good_map(&map);
	ck_assert_uint_eq(map.unmapped_mmio, FORWARD_UNMAPPED_IGNORE);
	map.unmapped_mmio = FORWARD_UNMAPPED_COUNT;
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(error, "policy 3 for unmapped MMIO"));
	map.unmapped_mmio = FORWARD_UNMAPPED_ABORT;
	ck_assert_int_eq(forward_map_validate(&map, error, sizeof(error)), 0);
}
END_TEST

/* Each address its own slot, in the order first seen; once every slot
 * holds another address, a new one is counted nowhere here (the kind's
 * unmapped total still counts it, in the vCPU loop). */
START_TEST(test_unmapped_counted_per_address)
{
	struct forward_counters counters;
	unsigned int i;

	memset(&counters, 0, sizeof(counters));
	forward_count_unmapped(&counters, 0xa000008, 1);
	forward_count_unmapped(&counters, 0xf000000, 1);
	forward_count_unmapped(&counters, 0xa000008, 1);
	ck_assert_uint_eq(counters.unmapped_mmio[0].address, 0xa000008);
	ck_assert_uint_eq(counters.unmapped_mmio[0].accesses, 2);
	ck_assert_uint_eq(counters.unmapped_mmio[1].address, 0xf000000);
	ck_assert_uint_eq(counters.unmapped_mmio[1].accesses, 1);
	for (i = 2; i < FORWARD_UNMAPPED_ADDRESSES; i++)
		forward_count_unmapped(&counters, 0x1000 * i, 1);
	forward_count_unmapped(&counters, 0x0, 1);	/* no slot left */
	for (i = 0; i < FORWARD_UNMAPPED_ADDRESSES; i++)
		ck_assert_uint_ne(counters.unmapped_mmio[i].address, 0x0);
	forward_count_unmapped(&counters, 0xf000000, 1);	/* still counted */
	ck_assert_uint_eq(counters.unmapped_mmio[1].accesses, 2);
}
END_TEST

/* Summing merges the vCPUs' slots by address. */
START_TEST(test_unmapped_addresses_sum)
{
	struct forward_counters total, a, b;

	memset(&total, 0, sizeof(total));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	forward_count_unmapped(&a, 0x100, 3);
	forward_count_unmapped(&a, 0x200, 1);
	forward_count_unmapped(&b, 0x200, 4);
	forward_count_unmapped(&b, 0x300, 2);
	forward_counters_sum(&total, &a);
	forward_counters_sum(&total, &b);
	ck_assert_uint_eq(total.unmapped_mmio[0].address, 0x100);
	ck_assert_uint_eq(total.unmapped_mmio[0].accesses, 3);
	ck_assert_uint_eq(total.unmapped_mmio[1].address, 0x200);
	ck_assert_uint_eq(total.unmapped_mmio[1].accesses, 5);
	ck_assert_uint_eq(total.unmapped_mmio[2].address, 0x300);
	ck_assert_uint_eq(total.unmapped_mmio[2].accesses, 2);
	ck_assert_uint_eq(total.unmapped_mmio[3].accesses, 0);
}
END_TEST

static Suite *
forward_map_suite(void)
{
	Suite *suite = suite_create("forward_map");
	TCase *valid = tcase_create("valid");
	TCase *broken = tcase_create("broken");

	tcase_add_test(valid, test_good_map_is_sorted_and_valid);
	tcase_add_test(valid, test_lookup);
	tcase_add_test(valid, test_lookup_full_map);
	tcase_add_test(valid, test_installed_equals_map);
	tcase_add_test(valid, test_real_map_is_valid);
	tcase_add_test(valid, test_counters_sum);
	tcase_add_test(valid, test_unmapped_policy_names);
	tcase_add_test(valid, test_unmapped_counted_per_address);
	tcase_add_test(valid, test_unmapped_addresses_sum);
	tcase_add_test(broken, test_unknown_unmapped_policy_refused);
	tcase_add_test(broken, test_overlap_refused);
	tcase_add_test(broken, test_duplicate_refused);
	tcase_add_test(broken, test_missing_handler_refused);
	tcase_add_test(broken, test_unsorted_refused);
	tcase_add_test(broken, test_empty_and_wrapping_ranges_refused);
	tcase_add_test(broken, test_wrong_kind_or_action_refused);
	tcase_add_test(broken, test_installed_mismatch_refused);
	suite_add_tcase(suite, valid);
	suite_add_tcase(suite, broken);
	return suite;
}

UNIT_SUITE(forward_map_suite)
