# A hostile bare-metal driver (tests/payloads/virtio_hostile.S) against
# virtio-rng: rings and buffers outside guest memory, a descriptor loop, an
# absurd length, a bad indirect table, a notify storm. Each broken ring
# marks the device NEEDS_RESET (and says why); a reset brings it back;
# vmmd serves the guest to its poweroff and stays whole. A Linux guest with
# a disk runs next to it, unharmed.
dd if=/dev/zero of=/tmp/side.img bs=1M count=1 2>/dev/null
vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" --initrd "$VMMD_GUEST/initrd.cpio.gz" \
	--memory 256M --cmdline "console=ttyS0 vmmd.modules=virtio_mmio,virtio-rng vmmd.action=virtio-rng" \
	--rng --console-log /tmp/console-side.log --json > /tmp/side.out 2>&1 &
side=$!
run_status status vmmd run --transport mmio --payload "$VMMD_PAYLOADS/virtio_hostile.bin" \
	--rng --json
assert_eq "$status" 0 "exit status of the hostile guest that powered off"
assert_eq "$(json_field "$OUT" x4)" 0x4f4f4f4f4f "status after each broken ring"
assert_eq "$(json_field "$OUT" x5)" 0x10 "bytes served after a reset"
assert_eq "$(json_field "$OUT" x6)" 0xf0001 "status and used idx after a notify storm"
assert_eq "$(json_field "$OUT" needs_reset_events)" 5 "NEEDS_RESET events reported"
assert_contains "$ERR" "rng0 needs a reset: the guest gave queue 0 a descriptor loop" "the loop, logged"
assert_contains "$ERR" "a buffer outside guest memory" "the stray buffer, logged"
assert_contains "$ERR" "a bad, nested or chained indirect table" "the indirect table, logged"
notifies=$(json_field "$OUT" notifies)
[ "${notifies:-0}" -ge 200000 ] || fail "notifications counted: ${notifies:-none}"
# The same against virtio-pci (tests/payloads/virtio_pci_hostile.S): a
# broken ring, the BAR moved over RAM and back, a queue selected past the
# last, then a write of the wrong width, refused: a guest error, named.
run_status status vmmd run --transport pci \
	--payload "$VMMD_PAYLOADS/virtio_pci_hostile.bin" --rng --json
assert_eq "$status" 6 "exit status of the hostile PCI driver (a guest error)"
assert_contains "$OUT" "write of 4 bytes at 0x8000000014 refused by 'pci-mmio64'" "the refused width, named"
assert_eq "$(json_field "$OUT" x4)" 0x10441af4 "vendor and device IDs"
assert_eq "$(json_field "$OUT" x5)" 0x4b "status after rings outside guest memory"
assert_eq "$(json_field "$OUT" x6)" 0xff "the BAR's old address while the BAR is over RAM"
assert_eq "$(json_field "$OUT" x7)" 0xffff004b "status with the BAR back; size and vector past the last queue"
assert_eq "$(json_field "$OUT" needs_reset_events)" 1 "NEEDS_RESET events reported"
assert_contains "$ERR" "rng0 needs a reset: the guest gave queue 0 a ring outside guest memory" "the broken ring, logged"

wait $side
side_status=$?
cat /tmp/side.out | cut -c1-200
assert_eq "$side_status" 0 "the Linux guest next to it"
grep -q "current=virtio_rng" /tmp/console-side.log || fail "the side guest's entropy"
