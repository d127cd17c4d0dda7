// SMCCC calls through the forward map, results in x4..x7 (KVM's PSCI
// handler overwrites x0..x3 at the final SYSTEM_OFF):
//   x4  PSCI_VERSION (0x84000000), served by KVM
//   x5  vmmd VERSION (0xc6000000), forwarded to vmmd
//   x6  vmmd ADD (0xc6000001) of 40 and 2, or 0xbad when ADD failed or the
//       unimplemented 0xc6000002 did not answer NOT_SUPPORTED
//   x7  TRNG_VERSION (0x84000050), denied: NOT_SUPPORTED (-1)
// Three calls reach vmmd ('vmmd-service' counts 3), the others stay in KVM.
	.text
	.globl	_start
_start:
	movz	x0, #0x8400, lsl #16		// PSCI_VERSION
	hvc	#0
	mov	x4, x0
	movz	x0, #0xc600, lsl #16		// vmmd VERSION
	hvc	#0
	mov	x5, x0
	movz	x0, #0xc600, lsl #16		// vmmd ADD
	movk	x0, #0x0001
	mov	x1, #40
	mov	x2, #2
	hvc	#0
	cbnz	x0, bad
	mov	x6, x1
	movz	x0, #0xc600, lsl #16		// not implemented by vmmd
	movk	x0, #0x0002
	hvc	#0
	cmn	x0, #1
	b.ne	bad
	b	trng
bad:	mov	x6, #0xbad
trng:	movz	x0, #0x8400, lsl #16		// TRNG_VERSION
	movk	x0, #0x0050
	hvc	#0
	mov	x7, x0
	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.
