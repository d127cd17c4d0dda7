// A hostile virtio driver against vmmd's virtio-rng (--rng, the first
// virtio-mmio device at 0x0a000000). Each scenario resets the device, sets
// up queue 0 (8 entries at RAM + 1 MiB), breaks a rule, notifies and waits
// for the device's answer; the results land in x4..x6 for the host (KVM's
// PSCI clobbers x0..x3):
//   x4 the status after each of five broken rings, a byte each, first in
//      the lowest: rings outside guest memory, a buffer outside guest
//      memory, a descriptor loop, a 4 GiB - 1 length, an indirect table
//      of 15 bytes (0x4f4f4f4f4f: NEEDS_RESET each time)
//   x5 used length of a good request after all that    (16)
//   x6 status << 16 | used idx, after a storm of 200000 notifications
//      and then a good request                         (0xf0001)
// then PSCI SYSTEM_OFF.
	.include "tests/payloads/virtio_driver.inc"
	virtio_start				// queue area: desc, +4K avail, +6K used
	add	x21, x20, #0x3000		// a good buffer

	movz	x11, #0x0f00, lsl #16		// 1: rings outside guest memory
	bl	setup
	ldr	w1, [x19, #0x70]

	mov	x11, x20			// 2: a buffer outside guest memory
	bl	setup
	movz	x9, #0x0f00, lsl #16
	mov	w10, #16
	mov	w14, #2				// WRITE
	mov	w15, #0
	mov	x16, #0
	bl	desc
	bl	submit
	mov	w2, w10

	mov	x11, x20			// 3: a loop 0 -> 1 -> 0
	bl	setup
	mov	x9, x21
	mov	w10, #16
	mov	w14, #3				// NEXT | WRITE
	mov	w15, #1
	mov	x16, #0
	bl	desc
	mov	w15, #0
	mov	x16, #1
	bl	desc
	bl	submit
	mov	w3, w10

	mov	x11, x20			// 4: an absurd length
	bl	setup
	mov	x9, x21
	mov	w10, #-1
	mov	w14, #2
	mov	w15, #0
	mov	x16, #0
	bl	desc
	bl	submit
	mov	w23, w10

	mov	x11, x20			// 5: an indirect table of 15 bytes
	bl	setup
	mov	x9, x21
	mov	w10, #15
	mov	w14, #4				// INDIRECT
	mov	w15, #0
	mov	x16, #0
	bl	desc
	bl	submit
	mov	w24, w10

	mov	x11, x20			// 6: a good request after the reset
	bl	setup
	bl	good
	bl	submit
	ldr	w22, [x20, #0x1808]		// used.ring[0].len

	mov	x11, x20			// 7: a notify storm, then a good request
	bl	setup
	movz	x12, #0x3, lsl #16
	movk	x12, #0x0d40			// 200000
1:	str	wzr, [x19, #0x50]
	subs	x12, x12, #1
	b.ne	1b
	bl	good
	bl	submit
	ldrh	w9, [x20, #0x1802]
	orr	w6, w9, w10, lsl #16
	mov	w5, w22
	orr	x4, x1, x2, lsl #8
	orr	x4, x4, x3, lsl #16
	orr	x4, x4, x23, lsl #24
	orr	x4, x4, x24, lsl #32

	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.

// Reset, negotiate VERSION_1 and INDIRECT_DESC, queue 0 of 8 entries with
// its descriptor table at x11, avail at x20 + 4K, used at x20 + 6K; ready;
// DRIVER_OK.
setup:
	virtio_features 0x10000000, 1		// INDIRECT_DESC (28), VERSION_1 (32)
	str	wzr, [x19, #0x30]		// QueueSel = 0
	virtio_queue x11, x20
	str	xzr, [x20, #0x1000]		// avail: flags, idx, ring[0..1]
	str	xzr, [x20, #0x1800]		// used: flags, idx, ring[0].id
	str	xzr, [x20, #0x1808]
	dsb	sy
	mov	w9, #1
	str	w9, [x19, #0x44]		// QueueReady
	mov	w9, #0xf			// + DRIVER_OK
	str	w9, [x19, #0x70]
	ret

// Descriptor x16: addr x9, len w10, flags w14, next w15.
desc:
	add	x17, x20, x16, lsl #4
	str	x9, [x17]
	str	w10, [x17, #8]
	strh	w14, [x17, #12]
	strh	w15, [x17, #14]
	ret

// Descriptor 0: 16 writable bytes of the good buffer.
good:
	mov	x9, x21
	mov	w10, #16
	mov	w14, #2
	mov	w15, #0
	mov	x16, #0
	b	desc

// Make descriptor 0 available, notify, wait until the device uses it or
// sets NEEDS_RESET (bounded); the status is returned in w10.
submit:
	strh	wzr, [x20, #0x1004]		// avail.ring[0] = 0
	dsb	sy
	mov	w9, #1
	strh	w9, [x20, #0x1002]		// avail.idx = 1
	dsb	sy
	str	wzr, [x19, #0x50]		// QueueNotify = 0
	movz	x12, #0x1, lsl #16		// 65536 rounds
2:	ldrh	w9, [x20, #0x1802]		// used.idx
	cbnz	w9, 4f
	ldr	w9, [x19, #0x70]
	tbnz	w9, #6, 4f			// NEEDS_RESET
	mov	x13, #1000
3:	subs	x13, x13, #1
	b.ne	3b
	subs	x12, x12, #1
	b.ne	2b
4:	ldr	w10, [x19, #0x70]
	ret
