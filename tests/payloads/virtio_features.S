// A driver that takes features its device never offered, against vmmd's
// virtio-vsock (--vsock, the first virtio-mmio device at 0x0a000000):
// VERSION_1 with VIRTIO_F_ACCESS_PLATFORM (33) and VHOST_F_LOG_ALL (26),
// which vhost-vsock itself accepts. The device refuses FEATURES_OK; the
// driver sets up the rx and tx queues and writes DRIVER_OK anyway, which
// is a driver error: the device needs a reset and is never started, so
// vhost never sees those bits. Then a reset and a driver that takes only
// VERSION_1, which the device starts. The results land in x4 for the host
// (KVM's PSCI clobbers x0..x3), a byte each, first in the lowest:
//   the status after FEATURES_OK was asked for          (0x03)
//   the status after DRIVER_OK                           (0x47: NEEDS_RESET)
//   the status after a good negotiation and DRIVER_OK    (0x0f)
// then PSCI SYSTEM_OFF.
	.include "tests/payloads/virtio_driver.inc"
	virtio_start				// queue 0: desc, +4K avail, +6K used
	add	x21, x20, #0x10, lsl #12	// queue 1, the same 64 KiB on

	// VHOST_F_LOG_ALL (26); VERSION_1, ACCESS_PLATFORM (32, 33)
	virtio_features 0x04000000, 3
	ldr	w22, [x19, #0x70]
	bl	queues
	mov	w9, #0xf			// + DRIVER_OK
	str	w9, [x19, #0x70]
	ldr	w23, [x19, #0x70]

	virtio_features 0, 1			// a driver that asks right: VERSION_1
	bl	queues
	mov	w9, #0xf
	str	w9, [x19, #0x70]
	ldr	w24, [x19, #0x70]

	orr	x4, x22, x23, lsl #8
	orr	x4, x4, x24, lsl #16
	movz	x0, #0x0008			// PSCI_0_2_FN_SYSTEM_OFF
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.

// Queues 0 (rx) at x20 and 1 (tx) at x21, 8 entries each, empty; ready.
queues:
	mov	x26, x30
	str	wzr, [x19, #0x30]		// QueueSel = 0
	mov	x11, x20
	bl	queue
	mov	w9, #1
	str	w9, [x19, #0x30]		// QueueSel = 1
	mov	x11, x21
	bl	queue
	mov	x30, x26
	ret

// The selected queue at x11 (virtio_queue), both rings zeroed; ready.
queue:
	virtio_queue x11, x11
	str	xzr, [x11, #0x1000]		// avail: flags, idx
	str	xzr, [x11, #0x1800]		// used: flags, idx
	dsb	sy
	mov	w9, #1
	str	w9, [x19, #0x44]		// QueueReady
	ret
