/* The arm64 KVM user API as vmmd uses it, in one place.
 * On aarch64 it comes from the kernel headers; names newer than the cross
 * headers (Linux 6.1) are defined here. On other hosts the arm64 part of the
 * ABI is defined here too, by value, so that tables, encodings and exit
 * decoding build and are unit-tested natively. These values are kernel ABI
 * and never change. */
#ifndef VMMD_KVM_ARM64_UAPI_H
#define VMMD_KVM_ARM64_UAPI_H

#include <linux/kvm.h>
#include <stdint.h>

#if !defined(__aarch64__)
struct kvm_vcpu_init {
	__u32 target;
	__u32 features[7];
};

#define KVM_ARM_VCPU_POWER_OFF		0
#define KVM_ARM_VCPU_EL1_32BIT		1
#define KVM_ARM_VCPU_PSCI_0_2		2
#define KVM_ARM_VCPU_PMU_V3		3
#define KVM_ARM_VCPU_SVE		4
#define KVM_ARM_VCPU_PTRAUTH_ADDRESS	5
#define KVM_ARM_VCPU_PTRAUTH_GENERIC	6

#define KVM_REG_ARM_COPROC_SHIFT	16
#define KVM_REG_ARM_CORE		(0x0010 << KVM_REG_ARM_COPROC_SHIFT)
#define KVM_REG_ARM64_SYSREG		(0x0013 << KVM_REG_ARM_COPROC_SHIFT)

#define PSR_MODE_EL1h	0x00000005
#define PSR_F_BIT	0x00000040
#define PSR_I_BIT	0x00000080
#define PSR_A_BIT	0x00000100
#define PSR_D_BIT	0x00000200
#endif /* !__aarch64__ */

/* Newer than Linux 6.1. */
#ifndef KVM_ARM_VCPU_HAS_EL2
#define KVM_ARM_VCPU_HAS_EL2		7
#endif

/* The host probe (arm64/kvm_caps.c): capabilities and VM attributes newer
 * than Linux 6.1. */
#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET			227
#endif
#ifndef KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE
#define KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE	228
#endif
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
#define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES	230
#endif
#ifndef KVM_ARM_VM_SMCCC_CTRL
#define KVM_ARM_VM_SMCCC_CTRL			0	/* VM device-attr group */
#define KVM_ARM_VM_SMCCC_FILTER			0	/* its filter attribute */
#endif

/* Core registers are addressed by their 32-bit word offset inside the arm64
 * struct kvm_regs, whose first member is struct user_pt_regs
 * { __u64 regs[31]; __u64 sp; __u64 pc; __u64 pstate; }. */
#define ARM64_CORE_REG_X(n)	((uint64_t)(n) * 2)
#define ARM64_CORE_REG_SP	ARM64_CORE_REG_X(31)
#define ARM64_CORE_REG_PC	ARM64_CORE_REG_X(32)
#define ARM64_CORE_REG_PSTATE	ARM64_CORE_REG_X(33)

static inline uint64_t
arm64_core_reg_id(uint64_t word_offset)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | word_offset;
}

/* EL1 with its own stack pointer, all exceptions masked: how Linux's arm64
 * boot protocol wants the CPU, and the state KVM resets a vCPU to. */
#define ARM64_PSTATE_BOOT \
	(PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT)

#endif
