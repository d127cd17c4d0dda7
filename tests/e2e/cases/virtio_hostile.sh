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
wait $side
side_status=$?
cat /tmp/side.out | cut -c1-200
assert_eq "$side_status" 0 "the Linux guest next to it"
grep -q "current=virtio_rng" /tmp/console-side.log || fail "the side guest's entropy"
