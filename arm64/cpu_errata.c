/* The errata table and the CPU part names: data, checked once at start-up
 * by cpu_errata_table_check, looked up by MIDR. */
#include "cpu_errata.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARM_LTD		0x41
#define RP(v, p)	((unsigned int)((v) << 4 | (p)))
#define ALL_VERSIONS	RP(0, 0), RP(0xf, 0xf)

#define PART_CORTEX_A53		0xd03
#define PART_CORTEX_A55		0xd05
#define PART_CORTEX_A57		0xd07
#define PART_CORTEX_A72		0xd08
#define PART_CORTEX_A76		0xd0b
#define PART_NEOVERSE_N1	0xd0c
#define PART_CORTEX_A77		0xd0d

/* The first two are the ones kvm_arm_init() itself warns about; the others
 * are worked around by the kernel on every guest entry or trap, and are
 * listed so that a report explains the cost and the AArch32 caveat. */
static const struct cpu_erratum cpu_errata[] = {
	{ "ARM erratum 832075", "ARM64_WORKAROUND_DEVICE_LOAD_ACQUIRE",
	    ARM_LTD, PART_CORTEX_A57, RP(0, 0), RP(1, 2), true,
	    "device load-acquires can deadlock: guests without the workaround "
	    "can deadlock the host; run only trusted guests" },
	{ "ARM erratum 1508412", "ARM64_WORKAROUND_1508412",
	    ARM_LTD, PART_CORTEX_A77, RP(0, 0), RP(1, 0), true,
	    "a load to device or non-cacheable memory with a page walk can "
	    "deadlock: guests without the workaround can deadlock the host; run "
	    "only trusted guests" },
	{ "ARM erratum 1165522", "ARM64_WORKAROUND_SPECULATIVE_AT",
	    ARM_LTD, PART_CORTEX_A76, RP(0, 0), RP(2, 0), false,
	    "speculative AT can corrupt the TLB while switching to a guest: the "
	    "kernel works around it on every world switch" },
	{ "ARM erratum 1319367", "ARM64_WORKAROUND_SPECULATIVE_AT",
	    ARM_LTD, PART_CORTEX_A57, ALL_VERSIONS, false,
	    "speculative AT during a world switch: worked around by the kernel" },
	{ "ARM erratum 1319367", "ARM64_WORKAROUND_SPECULATIVE_AT",
	    ARM_LTD, PART_CORTEX_A72, ALL_VERSIONS, false,
	    "speculative AT during a world switch: worked around by the kernel" },
	{ "ARM erratum 1530923", "ARM64_WORKAROUND_SPECULATIVE_AT",
	    ARM_LTD, PART_CORTEX_A55, RP(0, 0), RP(2, 0), false,
	    "speculative AT during a world switch: worked around by the kernel" },
	{ "ARM erratum 1418040", "ARM64_WORKAROUND_1418040",
	    ARM_LTD, PART_CORTEX_A76, RP(0, 0), RP(3, 1), false,
	    "AArch32 reads of the virtual counter can be wrong: the kernel traps "
	    "them for 32-bit guests" },
	{ "ARM erratum 1418040", "ARM64_WORKAROUND_1418040",
	    ARM_LTD, PART_NEOVERSE_N1, RP(0, 0), RP(3, 1), false,
	    "AArch32 reads of the virtual counter can be wrong: the kernel traps "
	    "them for 32-bit guests" },
};

struct cpu_part {
	unsigned int implementer;
	unsigned int part;
	const char *name;
};

static const struct cpu_part cpu_parts[] = {
	{ 0x00, 0x051, "QEMU -cpu max" },
	{ ARM_LTD, PART_CORTEX_A53, "Cortex-A53" },
	{ ARM_LTD, PART_CORTEX_A55, "Cortex-A55" },
	{ ARM_LTD, PART_CORTEX_A57, "Cortex-A57" },
	{ ARM_LTD, PART_CORTEX_A72, "Cortex-A72" },
	{ ARM_LTD, 0xd09, "Cortex-A73" },
	{ ARM_LTD, 0xd0a, "Cortex-A75" },
	{ ARM_LTD, PART_CORTEX_A76, "Cortex-A76" },
	{ ARM_LTD, PART_NEOVERSE_N1, "Neoverse-N1" },
	{ ARM_LTD, PART_CORTEX_A77, "Cortex-A77" },
	{ ARM_LTD, 0xd40, "Neoverse-V1" },
	{ ARM_LTD, 0xd41, "Cortex-A78" },
	{ ARM_LTD, 0xd46, "Cortex-A510" },
	{ ARM_LTD, 0xd47, "Cortex-A710" },
	{ ARM_LTD, 0xd49, "Neoverse-N2" },
	{ ARM_LTD, 0xd4f, "Neoverse-V2" },
	{ 0x61, 0x022, "Apple M1 Icestorm" },
	{ 0x61, 0x023, "Apple M1 Firestorm" },
	{ 0xc0, 0xac3, "Ampere-1" },
};

const struct cpu_erratum *
cpu_errata_table(size_t *count)
{
	*count = sizeof(cpu_errata) / sizeof(cpu_errata[0]);
	return cpu_errata;
}

/* Every entry names itself and its workaround, says what it means, and has
 * a range that is not empty and fits in a MIDR's variant and revision. */
int
cpu_errata_table_check(const struct cpu_erratum *table, size_t count,
    char *error, size_t error_size)
{
	const struct cpu_erratum *e;
	size_t i;

	for (i = 0; i < count; i++) {
		e = &table[i];
		if (e->name == NULL || e->workaround == NULL || e->effect == NULL) {
			snprintf(error, error_size, "errata entry %zu: a name, a "
			    "workaround and an effect are required", i);
			return -EINVAL;
		}
		if (e->implementer > 0xff || e->part > 0xfff || e->first > 0xff ||
		    e->last > 0xff || e->first > e->last) {
			snprintf(error, error_size, "errata entry %zu (%s): bad "
			    "MIDR range implementer 0x%x part 0x%x r%up%u-r%up%u", i,
			    e->name, e->implementer, e->part, e->first >> 4,
			    e->first & 0xf, e->last >> 4, e->last & 0xf);
			return -EINVAL;
		}
	}
	return 0;
}

bool
cpu_erratum_matches(const struct cpu_erratum *erratum, uint64_t midr)
{
	unsigned int rp = MIDR_VARIANT(midr) << 4 | MIDR_REVISION(midr);

	return MIDR_IMPLEMENTER(midr) == erratum->implementer &&
	    MIDR_PART(midr) == erratum->part &&
	    rp >= erratum->first && rp <= erratum->last;
}

static struct cpu_errata_hit *
hit_for(struct cpu_errata_hit *hits, unsigned int *count, unsigned int max,
    const struct cpu_erratum *erratum)
{
	unsigned int i;

	for (i = 0; i < *count; i++)
		if (hits[i].erratum == erratum)
			return &hits[i];
	if (*count == max)
		return NULL;
	hits[*count] = (struct cpu_errata_hit){ .erratum = erratum };
	return &hits[(*count)++];
}

/* One hit per erratum, with the set of CPUs it affects. */
unsigned int
cpu_errata_match(const uint64_t *midrs, const unsigned int *cpus,
    unsigned int count, struct cpu_errata_hit *hits, unsigned int max_hits)
{
	struct cpu_errata_hit *hit;
	unsigned int c, found = 0;
	size_t e;

	for (e = 0; e < sizeof(cpu_errata) / sizeof(cpu_errata[0]); e++) {
		for (c = 0; c < count; c++) {
			if (!cpu_erratum_matches(&cpu_errata[e], midrs[c]))
				continue;
			hit = hit_for(hits, &found, max_hits, &cpu_errata[e]);
			if (hit != NULL && cpus[c] < 64)
				hit->cpus |= 1ull << cpus[c];
		}
	}
	return found;
}

const char *
cpu_part_name(uint64_t midr)
{
	size_t i;

	for (i = 0; i < sizeof(cpu_parts) / sizeof(cpu_parts[0]); i++)
		if (cpu_parts[i].implementer == MIDR_IMPLEMENTER(midr) &&
		    cpu_parts[i].part == MIDR_PART(midr))
			return cpu_parts[i].name;
	return NULL;
}
