// The first guest: a loop that computes 6 * 7 into x5, then PSCI SYSTEM_OFF
// through HVC. x5 = 42 in vmmd's report proves the guest's code ran (KVM's
// PSCI handler overwrites x0..x3 with its return values).
	.text
	.globl	_start
_start:
	mov	x5, #0
	mov	x6, #6
1:	add	x5, x5, #7
	subs	x6, x6, #1
	b.ne	1b
	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16		//   = 0x84000008
	hvc	#0
	b	.				// not reached
