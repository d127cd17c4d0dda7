// Reads two ID registers as the guest sees them, ID_AA64ISAR0_EL1 into x5
// and ID_AA64PFR0_EL1 into x6, then PSCI SYSTEM_OFF. vmmd's report shows
// x5 and x6, so a test can compare them with the host's CPU model and with
// what a CPU template lowered.
	.text
	.globl	_start
_start:
	mrs	x5, ID_AA64ISAR0_EL1
	mrs	x6, ID_AA64PFR0_EL1
	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16		//   = 0x84000008
	hvc	#0
	b	.				// not reached
