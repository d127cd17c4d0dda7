/* The trap forward map: per VM, which part of vmmd (or KVM) serves each
 * guest exit, keyed by exit kind and key range. Built before the first
 * KVM_RUN, validated once, then only read: the vCPU loop looks exits up in
 * O(log n) and counts hits per entry in per-vCPU counters. */
#ifndef VMMD_FORWARD_MAP_H
#define VMMD_FORWARD_MAP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmio.h"
#include "vm_exit.h"

#define FORWARD_MAP_MAX		64
/* What the map's entries mean, as a snapshot records it (docs/snapshot.md):
 * raised when an entry's meaning changes. */
#define FORWARD_MAP_VERSION	1
#define FORWARD_HYPERCALL_ARGS	4	/* x1..x4 on arm64 */
#define FORWARD_HYPERCALL_RESULTS 4	/* x0..x3 on arm64 */

enum forward_kind {
	FORWARD_MMIO,		/* key: guest physical address */
	FORWARD_HYPERCALL,	/* key: hypercall (SMCCC) function ID */
	FORWARD_SYSTEM_EVENT,	/* key: KVM_SYSTEM_EVENT_* type */
	FORWARD_EXIT,		/* key: any other KVM_EXIT_* reason */
	FORWARD_KIND_COUNT,
};

enum forward_action {
	FORWARD_DEVICE,		/* MMIO: the entry's mmio_handler serves it */
	FORWARD_KVM,		/* hypercall: KVM serves it in the kernel */
	FORWARD_VMMD,		/* hypercall: KVM forwards it, the entry's handler answers */
	FORWARD_DENY,		/* hypercall: KVM answers NOT_SUPPORTED */
	FORWARD_RESUME,		/* run the vCPU again */
	FORWARD_STOP,		/* stop the VM with the entry's outcome */
	FORWARD_ACTION_COUNT,
};

/* What an MMIO access that no entry covers gets: a per-map policy. */
enum forward_unmapped {
	FORWARD_UNMAPPED_IGNORE,	/* reads as zero, writes ignored (QEMU, kvmtool) */
	FORWARD_UNMAPPED_STOP,		/* the VM stops as a guest error */
	FORWARD_UNMAPPED_ABORT,		/* the guest takes a synchronous external abort */
	FORWARD_UNMAPPED_COUNT,
};

/* Unmapped MMIO addresses counted one by one, the first this many seen;
 * the accesses to others count only in unmapped[FORWARD_MMIO]. */
#define FORWARD_UNMAPPED_ADDRESSES	8

struct forward_address_count {
	uint64_t address;
	uint64_t accesses;		/* 0: the slot is free */
};

/* A call forwarded to vmmd: fills result (x0..x3 on arm64) from the
 * function ID and args. Pure: no ioctls, no allocation, no logging. */
typedef void (*hypercall_handler)(void *context, uint64_t function_id,
    const uint64_t args[FORWARD_HYPERCALL_ARGS],
    uint64_t result[FORWARD_HYPERCALL_RESULTS]);

struct forward_entry {
	const char *name;
	enum forward_kind kind;
	uint64_t base;
	uint64_t size;			/* keys [base, base + size) */
	enum forward_action action;
	enum vm_outcome outcome;	/* FORWARD_STOP */
	mmio_handler mmio;		/* FORWARD_DEVICE */
	hypercall_handler hypercall;	/* FORWARD_VMMD */
	void *context;			/* the handler's first argument */
};

/* What the architecture told KVM about one entry (arm64: one SMCCC filter
 * range), recorded as KVM accepted it, so that the map can be checked
 * against it before the first KVM_RUN. */
struct forward_installed {
	enum forward_kind kind;
	uint64_t base;
	uint64_t size;
	enum forward_action action;
};

struct forward_map {
	struct forward_entry entries[FORWARD_MAP_MAX];	/* sorted by kind, base */
	unsigned int count;
	uint64_t bases[FORWARD_MAP_MAX];	/* entries[i].base, set by validation */
	unsigned int kind_first[FORWARD_KIND_COUNT];	/* set by validation */
	unsigned int kind_count[FORWARD_KIND_COUNT];
	enum forward_unmapped unmapped_mmio;	/* set before the first KVM_RUN */
	bool kvm_filter;	/* KVM was given the hypercall entries */
	struct forward_installed installed[FORWARD_MAP_MAX];
	unsigned int installed_count;
	bool validated;
};

/* Hits per entry, one set per vCPU: only that vCPU's thread writes it. */
struct forward_counters {
	uint64_t hits[FORWARD_MAP_MAX];
	uint64_t unmapped[FORWARD_KIND_COUNT];
	struct forward_address_count unmapped_mmio[FORWARD_UNMAPPED_ADDRESSES];
};

void forward_map_init(struct forward_map *map);
int forward_map_add(struct forward_map *map, const struct forward_entry *entry);
int forward_map_validate(struct forward_map *map, char *error,
    size_t error_size);
int forward_map_check_installed(const struct forward_map *map, char *error,
    size_t error_size);
void forward_counters_sum(struct forward_counters *total,
    const struct forward_counters *vcpu);
/* Counts one access to address in its slot, or in a free one; none when
 * every slot holds another address. No allocation: the vCPU loop calls it. */
void forward_count_unmapped(struct forward_counters *counters, uint64_t address,
    uint64_t accesses);

/* The index of the entry of this kind whose range holds key, or -ENOENT.
 * A binary search over the bases of the validated, sorted array (dense, so
 * the search touches one or two cache lines); inline because the vCPU loop
 * calls it on every exit. No allocation, no locks, no logging. */
static inline int
forward_map_lookup(const struct forward_map *map, enum forward_kind kind,
    uint64_t key)
{
	unsigned int first, low, high, mid;

	if ((unsigned int)kind >= FORWARD_KIND_COUNT)
		return -ENOENT;
	first = map->kind_first[kind];
	low = first;
	high = first + map->kind_count[kind];
	while (low < high) {	/* the first entry whose base is above key */
		mid = low + (high - low) / 2;
		if (map->bases[mid] <= key)
			low = mid + 1;
		else
			high = mid;
	}
	if (low == first || key - map->bases[low - 1] >=
	    map->entries[low - 1].size)
		return -ENOENT;
	return (int)(low - 1);
}

const char *forward_kind_name(enum forward_kind kind);
const char *forward_action_name(enum forward_action action);
const char *forward_unmapped_name(enum forward_unmapped policy);
/* "ignore", "stop" or "abort" into *policy, or -EINVAL. */
int forward_unmapped_parse(const char *name, enum forward_unmapped *policy);
int forward_entry_describe(const struct forward_map *map, unsigned int index,
    char *text, size_t text_size);

#endif
