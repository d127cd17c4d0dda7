// A guest that accesses 0x0f000000, where no device is mapped, three times:
// a 4-byte store there, then two 8-byte loads of 0x0f000100 into x4 (set to
// all ones before). Its exception vectors count synchronous exceptions in
// x7, keep ESR_EL1 in x5 and FAR_EL1 in x6, and step over the instruction
// that faulted. Then PSCI SYSTEM_OFF. What vmmd's --unmapped-mmio policy
// gives it shows in x4..x7: ignore (x4 = 0, no exception), abort (x4 still
// all ones, 3 external data aborts, the last at 0x0f000100), or stop (the
// VM stops at the store).
	.text
	.globl	_start
_start:
	adr	x9, vectors
	msr	vbar_el1, x9
	isb
	mov	x5, #0
	mov	x6, #0
	mov	x7, #0
	movn	x4, #0
	movz	x1, #0x0f00, lsl #16
	mov	w2, #0x5a
	str	w2, [x1]
	ldr	x4, [x1, #0x100]
	ldr	x4, [x1, #0x100]
	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.

// The handler for a synchronous exception, at both current-EL offsets
// (SP_EL0 at 0x000, SP_ELx at 0x200: KVM starts the vCPU in EL1h).
	.macro	sync_handler
	mrs	x5, esr_el1
	mrs	x6, far_el1
	add	x7, x7, #1
	mrs	x9, elr_el1
	add	x9, x9, #4
	msr	elr_el1, x9
	eret
	.endm

	.balign	2048
vectors:
	sync_handler
	.balign	0x200
	sync_handler
	.balign	2048
