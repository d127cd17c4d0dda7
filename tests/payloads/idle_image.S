// The cheapest guest a VM spec can name as its "kernel": an arm64 Linux
// Image header (Documentation/arch/arm64/booting.rst: what
// arm64/linux_image.c checks) in front of a WFI loop. With no interrupt
// ever raised the vCPU sleeps in KVM for good: no exits to vmmd, no console.
// bench_density starts dozens of them through the daemon.
	.text
	.globl	_start
_start:
	b	idle			// code0: the entry point is offset 0
	.long	0			// code1
	.quad	0			// text_offset: at the 2 MiB aligned RAM base
	.quad	end - _start		// image_size: non-zero, a "new" Image
	.quad	0			// flags: little-endian, page size unspecified
	.quad	0			// res2
	.quad	0			// res3
	.quad	0			// res4
	.ascii	"ARM\x64"		// magic, at offset 0x38
	.long	0			// res5 (no PE/COFF header: no EFI stub)
idle:
	wfi
	b	idle
end:
