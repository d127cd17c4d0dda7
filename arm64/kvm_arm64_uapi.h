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
#define KVM_REG_ARM64_SYSREG_OP0_MASK	0x000000000000c000
#define KVM_REG_ARM64_SYSREG_OP0_SHIFT	14
#define KVM_REG_ARM64_SYSREG_OP1_MASK	0x0000000000003800
#define KVM_REG_ARM64_SYSREG_OP1_SHIFT	11
#define KVM_REG_ARM64_SYSREG_CRN_MASK	0x0000000000000780
#define KVM_REG_ARM64_SYSREG_CRN_SHIFT	7
#define KVM_REG_ARM64_SYSREG_CRM_MASK	0x0000000000000078
#define KVM_REG_ARM64_SYSREG_CRM_SHIFT	3
#define KVM_REG_ARM64_SYSREG_OP2_MASK	0x0000000000000007
#define KVM_REG_ARM64_SYSREG_OP2_SHIFT	0
#define ARM64_SYS_REG_SHIFT_MASK(x, n) \
	(((x) << KVM_REG_ARM64_SYSREG_ ## n ## _SHIFT) & \
	KVM_REG_ARM64_SYSREG_ ## n ## _MASK)
#define __ARM64_SYS_REG(op0, op1, crn, crm, op2) \
	(KVM_REG_ARM64 | KVM_REG_ARM64_SYSREG | \
	ARM64_SYS_REG_SHIFT_MASK(op0, OP0) | \
	ARM64_SYS_REG_SHIFT_MASK(op1, OP1) | \
	ARM64_SYS_REG_SHIFT_MASK(crn, CRN) | \
	ARM64_SYS_REG_SHIFT_MASK(crm, CRM) | \
	ARM64_SYS_REG_SHIFT_MASK(op2, OP2))
#define ARM64_SYS_REG(...) (__ARM64_SYS_REG(__VA_ARGS__) | KVM_REG_SIZE_U64)

#define PSR_MODE_EL1h	0x00000005
#define PSR_F_BIT	0x00000040
#define PSR_I_BIT	0x00000080
#define PSR_A_BIT	0x00000100
#define PSR_D_BIT	0x00000200

/* vGIC (used by arm64/vgic.c) */
#define KVM_VGIC_V3_ADDR_TYPE_DIST	2
#define KVM_VGIC_V3_ADDR_TYPE_REDIST	3
#define KVM_VGIC_ITS_ADDR_TYPE		4
#define KVM_DEV_ARM_VGIC_GRP_ADDR	0
#define KVM_DEV_ARM_VGIC_GRP_NR_IRQS	3
#define KVM_DEV_ARM_VGIC_GRP_CTRL	4
#define KVM_DEV_ARM_VGIC_CTRL_INIT	0
#define KVM_ARM_IRQ_TYPE_SHIFT		24
#define KVM_ARM_IRQ_TYPE_SPI		1

/* PMUv3 (used by arm64/arch_arm64.c) */
#define KVM_ARM_VCPU_PMU_V3_CTRL	0
#define KVM_ARM_VCPU_PMU_V3_IRQ		0
#define KVM_ARM_VCPU_PMU_V3_INIT	1
#endif /* !__aarch64__ */

/* Newer than Linux 6.1. */
#ifndef KVM_ARM_VCPU_HAS_EL2
#define KVM_ARM_VCPU_HAS_EL2		7
#endif

/* ---- The SMCCC filter and hypercall exits (Linux 6.4), for the trap
 * forward map (arm64/forward_map_arm64.c). Set on the VM fd with
 * KVM_SET_DEVICE_ATTR before any vCPU has run; KVM_HAS_DEVICE_ATTR says
 * whether the host has it. ---- */
#ifndef KVM_ARM_VM_SMCCC_CTRL
#define KVM_ARM_VM_SMCCC_CTRL		0	/* device attribute group */
#define KVM_ARM_VM_SMCCC_FILTER		0	/* attribute */

enum kvm_smccc_filter_action {
	KVM_SMCCC_FILTER_HANDLE = 0,
	KVM_SMCCC_FILTER_DENY,
	KVM_SMCCC_FILTER_FWD_TO_USER,
};

struct kvm_smccc_filter {
	__u32 base;
	__u32 nr_functions;
	__u8 action;
	__u8 pad[15];
};

/* KVM_EXIT_HYPERCALL's flags on arm64 (run->hypercall.flags, which the
 * 6.1 headers still call longmode and pad). */
#define KVM_HYPERCALL_EXIT_SMC		(1U << 0)
#define KVM_HYPERCALL_EXIT_16BIT	(1U << 1)
#endif /* !KVM_ARM_VM_SMCCC_CTRL */

static inline uint64_t
arm64_hypercall_flags(const struct kvm_run *run)
{
	uint64_t flags;

	__builtin_memcpy(&flags, &run->hypercall.longmode, sizeof(flags));
	return flags;
}
/* ---- end of the SMCCC filter section ---- */

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

/* ---- System registers, ID-register masks (arm64/sysreg*, cpu_model) ----
 * The one-reg id of a system register packs its encoding; KVM lists the
 * other register groups by their coproc field. The writable-mask ioctl and
 * its capability are newer than Linux 6.1. */
#ifndef KVM_REG_ARM_COPROC_MASK
#define KVM_REG_ARM_COPROC_MASK		0x000000000FFF0000ull
#endif
#ifndef KVM_REG_ARM_DEMUX
#define KVM_REG_ARM_DEMUX		(0x0011 << KVM_REG_ARM_COPROC_SHIFT)
#endif
#ifndef KVM_REG_ARM_FW
#define KVM_REG_ARM_FW			(0x0014 << KVM_REG_ARM_COPROC_SHIFT)
#endif
#ifndef KVM_REG_ARM64_SVE
#define KVM_REG_ARM64_SVE		(0x0015 << KVM_REG_ARM_COPROC_SHIFT)
#endif
#ifndef KVM_REG_ARM_FW_FEAT_BMAP
#define KVM_REG_ARM_FW_FEAT_BMAP	(0x0016 << KVM_REG_ARM_COPROC_SHIFT)
#endif
#ifndef KVM_REG_ARM64_SYSREG_OP0_SHIFT
#define KVM_REG_ARM64_SYSREG_OP0_MASK	0x000000000000c000ull
#define KVM_REG_ARM64_SYSREG_OP0_SHIFT	14
#define KVM_REG_ARM64_SYSREG_OP1_MASK	0x0000000000003800ull
#define KVM_REG_ARM64_SYSREG_OP1_SHIFT	11
#define KVM_REG_ARM64_SYSREG_CRN_MASK	0x0000000000000780ull
#define KVM_REG_ARM64_SYSREG_CRN_SHIFT	7
#define KVM_REG_ARM64_SYSREG_CRM_MASK	0x0000000000000078ull
#define KVM_REG_ARM64_SYSREG_CRM_SHIFT	3
#define KVM_REG_ARM64_SYSREG_OP2_MASK	0x0000000000000007ull
#define KVM_REG_ARM64_SYSREG_OP2_SHIFT	0
#endif
/* The 16 bits of a sysreg id that hold its encoding, and the fixed rest. */
#define ARM64_SYSREG_ID_ENCODING_MASK	0x000000000000ffffull
#define ARM64_SYSREG_ID_BASE \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG)

/* A constant expression, for tables. */
#define ARM64_SYSREG_ID(op0, op1, crn, crm, op2) \
	(ARM64_SYSREG_ID_BASE | \
	((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) | \
	((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) | \
	((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) | \
	((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) | \
	((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))

/* KVM's ABI names the virtual timer's count and compare registers with
 * each other's encodings (arch/arm64/include/uapi/asm/kvm.h): the id of
 * CNTVCT_EL0 is the encoding of CNTV_CVAL_EL0 and the other way round. */
#define ARM64_KVM_TIMER_CNT_ID		ARM64_SYSREG_ID(3, 3, 14, 3, 2)
#define ARM64_KVM_TIMER_CVAL_ID		ARM64_SYSREG_ID(3, 3, 14, 0, 2)

#ifndef KVM_ARM_GET_REG_WRITABLE_MASKS
/* The feature-ID range: Op0 3, Op1 {0, 1, 3}, CRn 0, CRm 0..7, any Op2,
 * indexed as ARM64_FEATURE_ID_INDEX does. */
#define KVM_ARM_FEATURE_ID_RANGE	0
#define KVM_ARM_FEATURE_ID_RANGE_SIZE	(3 * 8 * 8)
struct reg_mask_range {
	__u64 addr;		/* pointer to an array of mask values */
	__u32 range;		/* requested range */
	__u32 reserved[13];
};
#define KVM_ARM_GET_REG_WRITABLE_MASKS	_IOR(KVMIO, 0xb6, struct reg_mask_range)
#endif
#ifndef KVM_ARM_VCPU_FINALIZE
#define KVM_ARM_VCPU_FINALIZE		_IOW(KVMIO, 0xc2, int)
#endif

/* KVM_SET_VCPU_EVENTS as arm64 defines it (x86's struct has the same name
 * and size but other members): an external data abort for the MMIO exit
 * just taken, where KVM_CAP_ARM_INJECT_EXT_DABT says it can. */
struct arm64_vcpu_events {
	struct {
		__u8 serror_pending;
		__u8 serror_has_esr;
		__u8 ext_dabt_pending;
		__u8 pad[5];
		__u64 serror_esr;
	} exception;
	__u32 reserved[12];
};
#define ARM64_KVM_SET_VCPU_EVENTS	_IOW(KVMIO, 0xa0, struct arm64_vcpu_events)
#ifndef KVM_CAP_ARM_INJECT_EXT_DABT
#define KVM_CAP_ARM_INJECT_EXT_DABT	178
#endif

/* KVM_ARM_SET_COUNTER_OFFSET (Linux 6.4, KVM_CAP_COUNTER_OFFSET), by value:
 * the cross headers are older. A snapshot's restore sets the guest's
 * counter with it (arm64/snapshot_vm.c). */
struct arm64_counter_offset {
	__u64 counter_offset;
	__u64 reserved;
};
#define ARM64_KVM_SET_COUNTER_OFFSET \
	_IOW(KVMIO, 0xb5, struct arm64_counter_offset)

#endif
