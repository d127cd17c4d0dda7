// The MMIO benchmark's guest (bench/bench_mmio.c): x0 stores to the
// scratch device at 0x0a000000, then PSCI SYSTEM_OFF: x0 + 1 exits.
	.text
	.globl	_start
_start:
	movz	x1, #0x0a00, lsl #16
	mov	x3, x0
	cbz	x3, 2f
1:	str	w3, [x1]
	subs	x3, x3, #1
	b.ne	1b
2:	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.
