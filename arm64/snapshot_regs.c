/* Which one-reg ids a snapshot may hold (docs/snapshot.md). */
#include <errno.h>
#include <stdio.h>

#include "kvm_arm64_uapi.h"
#include "snapshot_regs.h"
#include "sysreg.h"

/* struct kvm_regs in 32-bit words: user_pt_regs (x0..x30, sp, pc, pstate),
 * sp_el1, elr_el1, spsr[5], padding to 16 bytes, then the FP/SIMD state
 * (v0..v31, fpsr, fpcr). */
#define CORE_WORDS_GP		82u	/* x0 .. spsr[4]; then padding */
#define CORE_WORD_V0		84u
#define CORE_WORD_FPSR		(CORE_WORD_V0 + 32 * 4)
#define CORE_WORD_FPCR		(CORE_WORD_FPSR + 1)

static int
refuse_id(uint64_t id, const char *what, char *why, size_t why_size)
{
	snprintf(why, why_size, "register id %#llx: %s",
	    (unsigned long long)id, what);
	return -ENOENT;
}

static int
check_core(uint64_t id, char *why, size_t why_size)
{
	uint64_t word = id & 0xffff, size = id & KVM_REG_SIZE_MASK;
	bool ok;

	if (word < CORE_WORDS_GP)
		ok = size == KVM_REG_SIZE_U64 && word % 2 == 0;
	else if (word < CORE_WORD_V0)
		ok = false;
	else if (word < CORE_WORD_FPSR)
		ok = size == KVM_REG_SIZE_U128 && (word - CORE_WORD_V0) % 4 == 0;
	else
		ok = size == KVM_REG_SIZE_U32 &&
		    (word == CORE_WORD_FPSR || word == CORE_WORD_FPCR);
	return ok ? 0 : refuse_id(id, "not a core register of struct "
	    "kvm_regs", why, why_size);
}

static int
check_sysreg(uint64_t id, char *why, size_t why_size)
{
	char encoding[32], what[96];

	if ((id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U64 &&
	    sysreg_find_by_id(sysreg_table, sysreg_table_size, id))
		return 0;
	sysreg_encoding_format(sysreg_encoding_of_id(id), encoding,
	    sizeof(encoding));
	snprintf(what, sizeof(what), "system register %s is not in vmmd's "
	    "sysreg table", encoding);
	return refuse_id(id, what, why, why_size);
}

int
arm64_snapshot_id_check(uint64_t id, char *why, size_t why_size)
{
	if ((id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64)
		return refuse_id(id, "not an arm64 register", why, why_size);
	switch (id & KVM_REG_ARM_COPROC_MASK) {
	case KVM_REG_ARM_CORE:
		return check_core(id, why, why_size);
	case KVM_REG_ARM64_SYSREG:
		return check_sysreg(id, why, why_size);
	case KVM_REG_ARM_FW:
	case KVM_REG_ARM_FW_FEAT_BMAP:
		return (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U64 ? 0 :
		    refuse_id(id, "a firmware register not 64 bits", why, why_size);
	case KVM_REG_ARM_DEMUX:
		return (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32 ? 0 :
		    refuse_id(id, "a CCSIDR register not 32 bits", why, why_size);
	case KVM_REG_ARM64_SVE:
		return 0;
	default:
		return refuse_id(id, "a register group vmmd does not know",
		    why, why_size);
	}
}
