// MMIO through the forward map: three writes to the scratch device that
// vmmd maps at 0x0a000000 (--scratch-device 0xa000000), then three reads
// of them back into x4..x6, then PSCI SYSTEM_OFF. The forward map counts
// 6 hits on 'scratch' and 1 on 'shutdown'.
	.text
	.globl	_start
_start:
	movz	x1, #0x0a00, lsl #16		// the scratch device
	movz	x2, #0x1234
	movk	x2, #0x5678, lsl #16
	movk	x2, #0x9abc, lsl #32
	movk	x2, #0xdef0, lsl #48		// 0xdef09abc56781234
	str	x2, [x1]			// write 1: 8 bytes at +0
	mov	w3, #0x2a
	str	w3, [x1, #8]			// write 2: 4 bytes at +8
	mov	w3, #0x7
	strb	w3, [x1, #16]			// write 3: 1 byte at +16
	ldr	x4, [x1]			// read 1
	ldr	w5, [x1, #8]			// read 2
	ldrb	w6, [x1, #16]			// read 3
	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.
