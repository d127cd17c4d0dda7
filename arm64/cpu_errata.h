/* CPU errata that matter to a VMM, keyed by MIDR ranges (a table, as the
 * kernel's arch/arm64/kernel/cpu_errata.c keeps them), and the CPU names
 * the probe prints. */
#ifndef VMMD_CPU_ERRATA_H
#define VMMD_CPU_ERRATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPU_ERRATA_MAX_HITS	8

/* MIDR_EL1: implementer [31:24], variant [23:20], architecture [19:16],
 * part number [15:4], revision [3:0]; "rVpR" names variant and revision. */
#define MIDR_IMPLEMENTER(midr)	((unsigned int)(((midr) >> 24) & 0xff))
#define MIDR_VARIANT(midr)	((unsigned int)(((midr) >> 20) & 0xf))
#define MIDR_ARCHITECTURE(midr)	((unsigned int)(((midr) >> 16) & 0xf))
#define MIDR_PART(midr)		((unsigned int)(((midr) >> 4) & 0xfff))
#define MIDR_REVISION(midr)	((unsigned int)((midr) & 0xf))

struct cpu_erratum {
	const char *name;		/* as the kernel's desc names it */
	const char *workaround;		/* the kernel's ARM64_WORKAROUND_* cap */
	unsigned int implementer;
	unsigned int part;
	unsigned int first;		/* (variant << 4 | revision), inclusive */
	unsigned int last;
	bool kvm_unsafe;		/* kvm_arm_init warns about untrusted guests */
	const char *effect;		/* what it means for a VMM */
};

struct cpu_errata_hit {
	const struct cpu_erratum *erratum;
	uint64_t cpus;			/* bit n: CPU n is affected */
};

const struct cpu_erratum *cpu_errata_table(size_t *count);
int cpu_errata_table_check(const struct cpu_erratum *table, size_t count,
    char *error, size_t error_size);
bool cpu_erratum_matches(const struct cpu_erratum *erratum, uint64_t midr);
unsigned int cpu_errata_match(const uint64_t *midrs, const unsigned int *cpus,
    unsigned int count, struct cpu_errata_hit *hits, unsigned int max_hits);
const char *cpu_part_name(uint64_t midr);

#endif
