/* The trap forward map: building it in order, validating it once (the way
 * the kernel checks its sysreg tables, naming the offending entry), checking
 * it against what KVM was given, and the O(log n) lookup of the hot path. */
#include "forward_map.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
	[FORWARD_MMIO] = "mmio",
	[FORWARD_HYPERCALL] = "hypercall",
	[FORWARD_SYSTEM_EVENT] = "system-event",
	[FORWARD_EXIT] = "exit",
};

static const char *const action_names[] = {
	[FORWARD_DEVICE] = "device",
	[FORWARD_KVM] = "kvm",
	[FORWARD_VMMD] = "vmmd",
	[FORWARD_DENY] = "deny",
	[FORWARD_RESUME] = "resume",
	[FORWARD_STOP] = "stop",
};

static const char *const unmapped_names[] = {
	[FORWARD_UNMAPPED_IGNORE] = "ignore",
	[FORWARD_UNMAPPED_STOP] = "stop",
	[FORWARD_UNMAPPED_ABORT] = "abort",
};

/* Which actions make sense for which kind: a bit per action. */
#define BIT(action)	(1u << (action))
static const unsigned int actions_of_kind[] = {
	[FORWARD_MMIO] = BIT(FORWARD_DEVICE) | BIT(FORWARD_STOP),
	[FORWARD_HYPERCALL] = BIT(FORWARD_KVM) | BIT(FORWARD_VMMD) |
	    BIT(FORWARD_DENY),
	[FORWARD_SYSTEM_EVENT] = BIT(FORWARD_STOP) | BIT(FORWARD_RESUME),
	[FORWARD_EXIT] = BIT(FORWARD_STOP) | BIT(FORWARD_RESUME),
};

const char *
forward_kind_name(enum forward_kind kind)
{
	return (unsigned int)kind < FORWARD_KIND_COUNT ? kind_names[kind] :
	    "unknown";
}

const char *
forward_action_name(enum forward_action action)
{
	return (unsigned int)action < FORWARD_ACTION_COUNT ?
	    action_names[action] : "unknown";
}

const char *
forward_unmapped_name(enum forward_unmapped policy)
{
	return (unsigned int)policy < FORWARD_UNMAPPED_COUNT ?
	    unmapped_names[policy] : "unknown";
}

int
forward_unmapped_parse(const char *name, enum forward_unmapped *policy)
{
	unsigned int i;

	for (i = 0; i < FORWARD_UNMAPPED_COUNT; i++)
		if (strcmp(name, unmapped_names[i]) == 0) {
			*policy = (enum forward_unmapped)i;
			return 0;
		}
	return -EINVAL;
}

void
forward_map_init(struct forward_map *map)
{
	memset(map, 0, sizeof(*map));
}

static int
entry_before(const struct forward_entry *a, const struct forward_entry *b)
{
	return a->kind < b->kind || (a->kind == b->kind && a->base < b->base);
}

/* Keeps the array sorted by (kind, base) as it grows: builders add entries
 * in any order, validation then checks what the lookup relies on. */
int
forward_map_add(struct forward_map *map, const struct forward_entry *entry)
{
	unsigned int i;

	if (map->count == FORWARD_MAP_MAX)
		return -ENOSPC;
	for (i = map->count; i > 0 && entry_before(entry, &map->entries[i - 1]);
	    i--)
		map->entries[i] = map->entries[i - 1];
	map->entries[i] = *entry;
	map->count++;
	map->validated = false;
	return 0;
}

static int
describe_range(char *text, size_t text_size, enum forward_kind kind,
    uint64_t base, uint64_t size)
{
	if (kind == FORWARD_SYSTEM_EVENT || kind == FORWARD_EXIT) {
		if (size == 1)
			return snprintf(text, text_size, "%s %" PRIu64,
			    forward_kind_name(kind), base);
		return snprintf(text, text_size, "%s %" PRIu64 "-%" PRIu64,
		    forward_kind_name(kind), base, base + size - 1);
	}
	return snprintf(text, text_size, "%s 0x%" PRIx64 "-0x%" PRIx64,
	    forward_kind_name(kind), base, base + size - 1);
}

/* "entry 3 'scratch' (mmio 0xa000000-0xa000fff, device)" */
int
forward_entry_describe(const struct forward_map *map, unsigned int index,
    char *text, size_t text_size)
{
	const struct forward_entry *entry = &map->entries[index];
	char range[64];

	describe_range(range, sizeof(range), entry->kind, entry->base,
	    entry->size);
	return snprintf(text, text_size, "entry %u '%s' (%s, %s)", index,
	    entry->name != NULL ? entry->name : "", range,
	    forward_action_name(entry->action));
}

static int
refuse(const struct forward_map *map, unsigned int index, char *error,
    size_t error_size, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
refuse(const struct forward_map *map, unsigned int index, char *error,
    size_t error_size, const char *fmt, ...)
{
	char entry[128], reason[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	forward_entry_describe(map, index, entry, sizeof(entry));
	snprintf(error, error_size, "forward map %s: %s", entry, reason);
	return -EINVAL;
}

/* MMIO, hypercall and system-event exits have kinds of their own; an exit
 * entry for one of them would never be looked up. */
static bool
exit_has_own_kind(uint64_t reason)
{
	return reason == KVM_EXIT_MMIO || reason == KVM_EXIT_HYPERCALL ||
	    reason == KVM_EXIT_SYSTEM_EVENT;
}

static int
check_entry(const struct forward_map *map, unsigned int i, char *error,
    size_t error_size)
{
	const struct forward_entry *e = &map->entries[i];

	if (e->name == NULL || e->name[0] == '\0')
		return refuse(map, i, error, error_size, "has no name");
	if ((unsigned int)e->kind >= FORWARD_KIND_COUNT)
		return refuse(map, i, error, error_size, "unknown kind %d",
		    (int)e->kind);
	if ((unsigned int)e->action >= FORWARD_ACTION_COUNT ||
	    !(actions_of_kind[e->kind] & BIT(e->action)))
		return refuse(map, i, error, error_size,
		    "action %s is not one for %s exits",
		    forward_action_name(e->action), forward_kind_name(e->kind));
	if (e->size == 0)
		return refuse(map, i, error, error_size, "empty range");
	if (e->base + e->size < e->base)
		return refuse(map, i, error, error_size,
		    "range wraps around the end of the key space");
	if (e->action == FORWARD_DEVICE && e->mmio == NULL)
		return refuse(map, i, error, error_size, "no MMIO handler");
	if (e->action == FORWARD_VMMD && e->hypercall == NULL)
		return refuse(map, i, error, error_size, "no hypercall handler");
	if (e->action == FORWARD_STOP && (e->outcome == VM_OUTCOME_NONE ||
	    (unsigned int)e->outcome > VM_OUTCOME_GUEST_ERROR))
		return refuse(map, i, error, error_size,
		    "stops the VM with no outcome");
	return 0;
}

static int
check_exit_keys(const struct forward_map *map, unsigned int i, char *error,
    size_t error_size)
{
	const struct forward_entry *e = &map->entries[i];
	uint64_t reason;

	if (e->kind != FORWARD_EXIT)
		return 0;
	for (reason = e->base; reason - e->base < e->size &&
	    reason <= KVM_EXIT_SYSTEM_EVENT; reason++)
		if (exit_has_own_kind(reason))
			return refuse(map, i, error, error_size,
			    "covers %s exits, which have a kind of their own",
			    vm_exit_reason_name((uint32_t)reason));
	return 0;
}

static int
check_order(const struct forward_map *map, unsigned int i, char *error,
    size_t error_size)
{
	const struct forward_entry *prev = &map->entries[i - 1];
	const struct forward_entry *e = &map->entries[i];
	char other[128];

	if (e->kind == prev->kind && e->base == prev->base)
		goto overlap;
	if (entry_before(e, prev))
		return refuse(map, i, error, error_size,
		    "out of order: it sorts before entry %u", i - 1);
	if (e->kind != prev->kind || prev->base + prev->size <= e->base)
		return 0;
overlap:
	forward_entry_describe(map, i - 1, other, sizeof(other));
	return refuse(map, i, error, error_size, "overlaps %s", other);
}

/* Returns 0 and makes the map usable for lookups, or -EINVAL with error
 * naming the first offending entry. */
int
forward_map_validate(struct forward_map *map, char *error, size_t error_size)
{
	unsigned int i, kind;
	int rc;

	map->validated = false;
	if ((unsigned int)map->unmapped_mmio >= FORWARD_UNMAPPED_COUNT) {
		snprintf(error, error_size, "forward map: unknown policy %d for "
		    "unmapped MMIO", (int)map->unmapped_mmio);
		return -EINVAL;
	}
	if (map->count > FORWARD_MAP_MAX) {
		snprintf(error, error_size, "forward map has %u entries, more "
		    "than %d", map->count, FORWARD_MAP_MAX);
		return -EINVAL;
	}
	for (i = 0; i < map->count; i++) {
		rc = check_entry(map, i, error, error_size);
		if (rc == 0)
			rc = check_exit_keys(map, i, error, error_size);
		if (rc == 0 && i > 0)
			rc = check_order(map, i, error, error_size);
		if (rc < 0)
			return rc;
	}
	memset(map->kind_first, 0, sizeof(map->kind_first));
	memset(map->kind_count, 0, sizeof(map->kind_count));
	for (i = map->count; i > 0; i--) {
		map->bases[i - 1] = map->entries[i - 1].base;
		kind = map->entries[i - 1].kind;
		map->kind_first[kind] = i - 1;
		map->kind_count[kind]++;
	}
	map->validated = true;
	return 0;
}

static int
find_installed(const struct forward_map *map, const struct forward_entry *e)
{
	unsigned int j;

	for (j = 0; j < map->installed_count; j++)
		if (map->installed[j].kind == e->kind &&
		    map->installed[j].base == e->base)
			return (int)j;
	return -ENOENT;
}

static int
check_extra_installed(const struct forward_map *map, const bool *matched,
    char *error, size_t error_size)
{
	const struct forward_installed *given;
	char range[64];
	unsigned int j;
	int index;

	for (j = 0; j < map->installed_count; j++) {
		if (matched[j])
			continue;
		given = &map->installed[j];
		describe_range(range, sizeof(range), given->kind, given->base,
		    given->size);
		index = forward_map_lookup(map, given->kind, given->base);
		snprintf(error, error_size, "forward map: KVM was given %s "
		    "(%s)%s", range, forward_action_name(given->action),
		    index >= 0 && map->entries[index].base == given->base ?
		    " more than once" : ", which the map does not have");
		return -EINVAL;
	}
	return 0;
}

/* What KVM was given must equal the map: each hypercall entry exactly once,
 * with its range and action, and nothing else. Without a KVM filter nothing
 * may have been given (KVM then serves every call itself). */
int
forward_map_check_installed(const struct forward_map *map, char *error,
    size_t error_size)
{
	bool matched[FORWARD_MAP_MAX] = { false };
	const struct forward_installed *given;
	const struct forward_entry *e;
	unsigned int i;
	int j;

	if (!map->validated) {
		snprintf(error, error_size, "forward map: not validated");
		return -EINVAL;
	}
	if (map->installed_count > FORWARD_MAP_MAX) {
		snprintf(error, error_size, "forward map: %u ranges given to "
		    "KVM, more than %d", map->installed_count, FORWARD_MAP_MAX);
		return -EINVAL;
	}
	if (!map->kvm_filter && map->installed_count > 0) {
		snprintf(error, error_size, "forward map: KVM was given %u "
		    "hypercall ranges without a filter", map->installed_count);
		return -EINVAL;
	}
	for (i = 0; map->kvm_filter && i < map->count; i++) {
		e = &map->entries[i];
		if (e->kind != FORWARD_HYPERCALL)
			continue;
		j = find_installed(map, e);
		if (j < 0)
			return refuse(map, i, error, error_size,
			    "KVM was not given it");
		given = &map->installed[j];
		if (given->size != e->size || given->action != e->action)
			return refuse(map, i, error, error_size, "KVM was given "
			    "%" PRIu64 " keys with action %s instead",
			    given->size, forward_action_name(given->action));
		matched[j] = true;
	}
	return check_extra_installed(map, matched, error, error_size);
}

void
forward_counters_sum(struct forward_counters *total,
    const struct forward_counters *vcpu)
{
	unsigned int i;

	for (i = 0; i < FORWARD_MAP_MAX; i++)
		total->hits[i] += vcpu->hits[i];
	for (i = 0; i < FORWARD_KIND_COUNT; i++)
		total->unmapped[i] += vcpu->unmapped[i];
	for (i = 0; i < FORWARD_UNMAPPED_ADDRESSES; i++)
		if (vcpu->unmapped_mmio[i].accesses != 0)
			forward_count_unmapped(total,
			    vcpu->unmapped_mmio[i].address,
			    vcpu->unmapped_mmio[i].accesses);
}

void
forward_count_unmapped(struct forward_counters *counters, uint64_t address,
    uint64_t accesses)
{
	struct forward_address_count *slot;
	unsigned int i;

	for (i = 0; i < FORWARD_UNMAPPED_ADDRESSES; i++) {
		slot = &counters->unmapped_mmio[i];
		if (slot->accesses == 0)
			slot->address = address;
		if (slot->address == address) {
			slot->accesses += accesses;
			return;
		}
	}
}
