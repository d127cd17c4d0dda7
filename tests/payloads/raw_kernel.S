// A bare-metal guest booted as a raw kernel (vmmd run --kernel, no Image
// header), the way QEMU's -kernel boots kvm-unit-tests: it keeps what the
// boot protocol gave it (x0, the device tree's address) in x4, the device
// tree's first word in x5 (the FDT magic 0xd00dfeed, big-endian) and its
// own address in x6, then powers off with PSCI SYSTEM_OFF.
	.text
	.globl	_start
_start:
entry:					// local: adr resolves it without a link
	mov	x4, x0
	ldr	w5, [x0]
	adr	x6, entry
	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.
