// A hostile driver of vmmd's virtio-pci (--rng --transport pci: slot 0
// behind the ECAM at 0x0b000000, its BAR where vmmd placed it,
// 0x8000000000). It never assigns the BAR itself; it breaks a ring, moves
// the BAR over RAM and back, selects a queue past the end, and ends with a
// write of the wrong width, which vmmd refuses (the VM stops as a guest
// error). The results, for the host, in x4..x7:
//   x4 the vendor and device IDs                          (0x10441af4)
//   x5 the status after rings outside guest memory        (0x4b: NEEDS_RESET)
//   x6 a byte at the BAR's address while it is over RAM,
//      then the byte of RAM under it, << 8                (0xff: no device)
//   x7 the status with the BAR back, queue_size << 8 and
//      queue_msix_vector << 16 past the last queue        (0xffff004b)
	.text
	.globl	_start
_start:
	movz	x21, #0x0b00, lsl #16		// the ECAM: bus 0, slot 0
	movz	x19, #0x80, lsl #32		// BAR 0
	ldr	w4, [x21]			// vendor, device
	mov	w9, #6				// memory decode, bus master
	strh	w9, [x21, #4]

	mov	w9, #3				// ACKNOWLEDGE | DRIVER
	strb	w9, [x19, #0x14]
	mov	w9, #1
	str	w9, [x19, #0x08]		// driver_feature_select = 1
	str	w9, [x19, #0x0c]		// VERSION_1
	mov	w9, #0xb			// + FEATURES_OK
	strb	w9, [x19, #0x14]
	strh	wzr, [x19, #0x16]		// queue_select = 0
	movz	x9, #0x0f00, lsl #16		// rings outside guest memory
	str	x9, [x19, #0x20]		// queue_desc, one 8-byte access
	str	x9, [x19, #0x28]
	str	x9, [x19, #0x30]
	mov	w9, #1
	strh	w9, [x19, #0x1c]		// queue_enable
	ldrb	w5, [x19, #0x14]

	movz	w9, #0x8020, lsl #16		// the BAR over RAM, 2 MiB in
	str	w9, [x21, #0x10]
	str	wzr, [x21, #0x14]
	ldrb	w10, [x19, #0x14]		// where it was: nothing decodes
	movz	x11, #0x8020, lsl #16
	ldrb	w11, [x11, #0x14]		// RAM, not the device
	orr	w6, w10, w11, lsl #8

	mov	w9, #0x80			// back where it was
	str	w9, [x21, #0x14]
	str	wzr, [x21, #0x10]
	ldrb	w7, [x19, #0x14]
	mov	w9, #0xffff
	strh	w9, [x19, #0x16]		// queue_select past the last queue
	ldrh	w10, [x19, #0x18]		// queue_size
	orr	w7, w7, w10, lsl #8
	ldrh	w10, [x19, #0x1a]		// queue_msix_vector
	orr	w7, w7, w10, lsl #16
	mov	w9, #1
	strh	w9, [x19, #0x1c]		// queue_enable: no queue to enable

	str	w9, [x19, #0x14]		// 4 bytes to the status byte: refused
	b	.
