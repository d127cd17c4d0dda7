// A guest that stores 0x5a to 0x0f000000, where no device is mapped: with no
// device there, vmmd must stop it as a guest error and name the access.
	.text
	.globl	_start
_start:
	movz	x1, #0x0f00, lsl #16
	mov	w2, #0x5a
	str	w2, [x1]
	b	.
