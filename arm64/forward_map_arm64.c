/* arm64's entries of the trap forward map: SMCCC function-ID ranges and
 * who serves them, and their installation as KVM's SMCCC filter, checked
 * back against KVM before the first KVM_RUN (docs/forward-map.md). */
#include "../core/arch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "kvm_arm64_uapi.h"
#include "smccc.h"

struct smccc_range {
	const char *name;
	uint32_t base;
	uint32_t count;
	enum forward_action action;
	bool kvm_reserved;	/* KVM holds it itself once any filter is set */
};

#define OWNER_RANGE(is64, owner) \
	SMCCC_ID(is64, owner, 0), SMCCC_FUNCTIONS_PER_OWNER

/* Function IDs no range covers are KVM's: it answers NOT_SUPPORTED for
 * those it does not implement. */
static const struct smccc_range smccc_ranges[] = {
	{ "smccc-arch-32", OWNER_RANGE(0, SMCCC_OWNER_ARCH), FORWARD_KVM, true },
	{ "psci-32", SMCCC_ID(0, SMCCC_OWNER_STANDARD, 0), 0x20, FORWARD_KVM,
	    false },
	{ "trng-32", SMCCC_ID(0, SMCCC_OWNER_STANDARD, SMCCC_TRNG_FIRST),
	    SMCCC_TRNG_COUNT, FORWARD_DENY, false },
	{ "kvm-vendor-32", OWNER_RANGE(0, SMCCC_OWNER_VENDOR_HYP), FORWARD_KVM,
	    false },
	{ "smccc-arch-64", OWNER_RANGE(1, SMCCC_OWNER_ARCH), FORWARD_KVM, true },
	{ "psci-64", SMCCC_ID(1, SMCCC_OWNER_STANDARD, 0), 0x20, FORWARD_KVM,
	    false },
	{ "trng-64", SMCCC_ID(1, SMCCC_OWNER_STANDARD, SMCCC_TRNG_FIRST),
	    SMCCC_TRNG_COUNT, FORWARD_DENY, false },
	{ "std-hyp-64", OWNER_RANGE(1, SMCCC_OWNER_STANDARD_HYP), FORWARD_KVM,
	    false },
	{ "vmmd-service", OWNER_RANGE(1, SMCCC_OWNER_VENDOR_HYP), FORWARD_VMMD,
	    false },
};

#define SMCCC_RANGE_COUNT	(sizeof(smccc_ranges) / sizeof(smccc_ranges[0]))

/* What forward_map_validate cannot know: KVM's filter keys are 32-bit,
 * and the ranges KVM reserves can only be left to KVM. */
static int
smccc_range_check(const struct smccc_range *range, char *error,
    size_t error_size)
{
	if ((uint64_t)range->base + range->count > (1ull << 32)) {
		snprintf(error, error_size, "SMCCC range '%s' (0x%x, %u "
		    "functions) goes beyond 32-bit function IDs", range->name,
		    range->base, range->count);
		return -EINVAL;
	}
	if (range->kvm_reserved && range->action != FORWARD_KVM) {
		snprintf(error, error_size, "SMCCC range '%s' is reserved by "
		    "KVM: only action kvm can be given to it", range->name);
		return -EINVAL;
	}
	return 0;
}

int
arch_forward_map_add(struct forward_map *map, char *error, size_t error_size)
{
	const struct smccc_range *range;
	struct forward_entry entry;
	unsigned int i;
	int rc;

	for (i = 0; i < SMCCC_RANGE_COUNT; i++) {
		range = &smccc_ranges[i];
		rc = smccc_range_check(range, error, error_size);
		if (rc < 0)
			return rc;
		entry = (struct forward_entry){
			.name = range->name, .kind = FORWARD_HYPERCALL,
			.base = range->base, .size = range->count,
			.action = range->action,
		};
		if (range->action == FORWARD_VMMD)
			entry.hypercall = smccc_vmmd_service;
		rc = forward_map_add(map, &entry);
		if (rc < 0) {
			snprintf(error, error_size, "cannot add SMCCC range "
			    "'%s' to the forward map: it is full", range->name);
			return rc;
		}
	}
	return 0;
}

static bool
is_kvm_reserved(uint64_t base)
{
	unsigned int i;

	for (i = 0; i < SMCCC_RANGE_COUNT; i++)
		if (smccc_ranges[i].kvm_reserved && smccc_ranges[i].base == base)
			return true;
	return false;
}

/* KVM has no way to read the filter back; a range it holds refuses any
 * new filter inside it with -EEXIST, so both ends of each range are
 * probed. A probe that KVM accepts means it did not hold that key. */
static bool
kvm_holds(int vm_fd, const struct forward_entry *entry)
{
	uint32_t first = (uint32_t)entry->base;
	uint32_t last = (uint32_t)(entry->base + entry->size - 1);

	return smccc_filter_set(vm_fd, first, 1, KVM_SMCCC_FILTER_HANDLE) ==
	    -EEXIST && smccc_filter_set(vm_fd, last, 1,
	    KVM_SMCCC_FILTER_HANDLE) == -EEXIST;
}

static int
install_entries(int vm_fd, const struct forward_map *map)
{
	const struct forward_entry *entry;
	unsigned int i;
	int action, rc;

	for (i = 0; i < map->count; i++) {
		entry = &map->entries[i];
		if (entry->kind != FORWARD_HYPERCALL || is_kvm_reserved(entry->base))
			continue;
		action = smccc_filter_action(entry->action);
		if (action < 0 || entry->base + entry->size > (1ull << 32))
			return -EINVAL;
		rc = smccc_filter_set(vm_fd, (uint32_t)entry->base,
		    (uint32_t)entry->size, (uint8_t)action);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Gives KVM every hypercall entry of the map as its SMCCC filter, then
 * records each entry that KVM is seen to hold. Where KVM has no filter,
 * gives nothing and says so in map->kvm_filter. */
int
arch_forward_map_install(int vm_fd, struct forward_map *map)
{
	const struct forward_entry *entry;
	struct forward_installed *given;
	unsigned int i;
	int rc;

	map->installed_count = 0;
	map->kvm_filter = false;
	rc = smccc_filter_supported(vm_fd);
	if (rc <= 0)
		return rc;
	map->kvm_filter = true;
	rc = install_entries(vm_fd, map);
	if (rc < 0)
		return rc;
	for (i = 0; i < map->count; i++) {
		entry = &map->entries[i];
		if (entry->kind != FORWARD_HYPERCALL || !kvm_holds(vm_fd, entry))
			continue;
		given = &map->installed[map->installed_count++];
		*given = (struct forward_installed){
			.kind = entry->kind, .base = entry->base,
			.size = entry->size, .action = entry->action,
		};
	}
	return 0;
}
