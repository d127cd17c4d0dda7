// A driver that gives virtio-net's receive queue one chain of 32 bytes
// (the 12-byte header and 20 bytes of frame: no frame is that short), on
// vmmd's --net (the first virtio-mmio device at 0x0a000000), then waits
// up to 15 s (the generic timer) for the device to use it while the host
// sends frames into the tap. A longer frame is dropped and counted; it is
// never handed over cut. The results land in x4..x5 for the host (KVM's
// PSCI clobbers x0..x3):
//   x4 the used ring's idx at the end      (0: nothing handed over)
//   x5 the used length of entry 0          (0)
// then PSCI SYSTEM_OFF.
	.include "tests/payloads/virtio_driver.inc"
	virtio_start				// queue 0: desc, +4K avail, +6K used
	add	x21, x20, #0x3000		// the receive buffer

	virtio_features 0, 1			// VERSION_1 only
	str	x21, [x20]			// descriptor 0: 32 writable bytes
	mov	w9, #32
	str	w9, [x20, #8]
	mov	w9, #2				// WRITE
	strh	w9, [x20, #12]
	strh	wzr, [x20, #14]
	mov	x9, #0x10000			// avail: flags 0, idx 1, ring[0] 0
	str	x9, [x20, #0x1000]
	str	xzr, [x20, #0x1800]		// used: flags, idx, ring[0]
	str	xzr, [x20, #0x1808]

	str	wzr, [x19, #0x30]		// QueueSel = 0
	virtio_queue x20, x20
	dsb	sy
	mov	w9, #1
	str	w9, [x19, #0x44]		// QueueReady
	mov	w9, #0xf			// + DRIVER_OK
	str	w9, [x19, #0x70]
	str	wzr, [x19, #0x50]		// QueueNotify = 0

	mrs	x12, cntfrq_el0			// the deadline: 15 s on
	mov	x9, #15
	mul	x12, x12, x9
	isb
	mrs	x13, cntvct_el0
	add	x12, x12, x13
1:	ldrh	w9, [x20, #0x1802]		// used.idx
	cbnz	w9, 2f
	isb
	mrs	x13, cntvct_el0
	cmp	x13, x12
	b.lo	1b
2:	ldrh	w4, [x20, #0x1802]
	ldr	w5, [x20, #0x1808]		// used.ring[0].len

	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.
