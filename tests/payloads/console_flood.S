// A guest that floods its console, for the daemon (it carries an arm64
// Image header, so a VM spec can name it as its kernel). It drives the
// virtio-console (the first virtio-mmio device, at 0x0a000000) from bare
// metal: one chain of 8 segments of 16 MiB each, all over the same guest
// memory (the first 64 KiB of it lines of text), offered again as soon as
// the device has used it, forever, with a line on the UART between chains.
// Unbounded, that is 128 MiB of output per notification, a byte at a time.
// It never reads its console, never answers SysRq: only a forced stop
// ends it.
	.text
	.globl	_start
_start:
	b	start				// code0
	.long	0				// code1
	.quad	0				// text_offset
	.quad	0x100000			// image_size
	.quad	0xa				// little-endian, 4K pages, anywhere
	.quad	0, 0, 0
	.byte	'A', 'R', 'M', 0x64		// the Image magic
	.long	0
start:
	movz	x19, #0x0a00, lsl #16		// virtio-mmio: the console
	movz	x20, #0x8100, lsl #16		// queue: desc, +4K avail, +6K used
	movz	x21, #0x8200, lsl #16		// the buffer every segment points at
	movz	x22, #0x0900, lsl #16		// the UART

	mov	x9, #0				// lines of 63 'f' and a newline
	mov	w11, #'f'
	mov	w12, #'\n'
1:	and	x10, x9, #63
	cmp	x10, #63
	csel	w13, w12, w11, eq
	strb	w13, [x21, x9]
	add	x9, x9, #1
	cmp	x9, #0x10000
	b.ne	1b

	str	wzr, [x19, #0x70]		// reset
	mov	w9, #3				// ACKNOWLEDGE | DRIVER
	str	w9, [x19, #0x70]
	mov	w9, #1
	str	w9, [x19, #0x24]		// DriverFeaturesSel = 1
	str	w9, [x19, #0x20]		// VERSION_1 (bit 32)
	str	wzr, [x19, #0x24]
	str	wzr, [x19, #0x20]
	mov	w9, #0xb			// + FEATURES_OK
	str	w9, [x19, #0x70]
	mov	w9, #1
	str	w9, [x19, #0x30]		// QueueSel = 1: transmit
	mov	w9, #8
	str	w9, [x19, #0x38]		// QueueNum
	str	w20, [x19, #0x80]
	lsr	x9, x20, #32
	str	w9, [x19, #0x84]
	add	x9, x20, #0x1000
	str	w9, [x19, #0x90]
	lsr	x9, x9, #32
	str	w9, [x19, #0x94]
	add	x9, x20, #0x1000
	add	x9, x9, #0x800
	str	w9, [x19, #0xa0]
	lsr	x9, x9, #32
	str	w9, [x19, #0xa4]
	str	xzr, [x20, #0x1000]		// avail: flags, idx
	str	xzr, [x20, #0x1800]		// used: flags, idx
	dsb	sy
	mov	w9, #1
	str	w9, [x19, #0x44]		// QueueReady
	mov	w9, #0xf			// + DRIVER_OK
	str	w9, [x19, #0x70]

	mov	x16, #0				// descriptors 0..7, chained
	movz	w10, #0x0100, lsl #16		// 16 MiB each
	mov	w18, #1				// NEXT
2:	add	x17, x20, x16, lsl #4
	str	x21, [x17]
	str	w10, [x17, #8]
	cmp	x16, #7
	csel	w14, wzr, w18, eq
	strh	w14, [x17, #12]
	add	w15, w16, #1
	strh	w15, [x17, #14]
	add	x16, x16, #1
	cmp	x16, #8
	b.ne	2b

	mov	w23, #0				// avail.idx
	add	x24, x20, #0x1000		// avail.ring, at +4
	add	x24, x24, #4
3:	and	w9, w23, #7
	strh	wzr, [x24, x9, lsl #1]		// the chain at descriptor 0
	add	w23, w23, #1
	dsb	sy
	strh	w23, [x20, #0x1002]
	dsb	sy
	mov	w9, #1
	str	w9, [x19, #0x50]		// QueueNotify = 1
	and	w10, w23, #0xffff
4:	ldrh	w9, [x20, #0x1802]		// until used.idx catches up
	cmp	w9, w10
	b.ne	4b
	mov	w9, #'u'			// a line on the UART too
	strb	w9, [x22]
	mov	w9, #'a'
	strb	w9, [x22]
	mov	w9, #'r'
	strb	w9, [x22]
	mov	w9, #'t'
	strb	w9, [x22]
	mov	w9, #'\n'
	strb	w9, [x22]
	b	3b
