// A guest that asks for a reset with PSCI SYSTEM_RESET (0x84000009).
	.text
	.globl	_start
_start:
	movz	x0, #0x0009
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.
