# virtio-rng with Debian's guest kernel: the hwrng core picks the device,
# the guest reads entropy from /dev/hwrng, and vmmd counts what it gave.
# Over PCI the guest is told pci=nomsi: its interrupt is INTx (a level
# line vmmd raises again at the guest's EOI while it is pending), where the
# other cases' guests take MSI-X.
nomsi=
[ "$VMMD_TRANSPORT" = pci ] && nomsi=pci=nomsi
run_status status vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --memory 256M \
	--cmdline "console=ttyS0 $nomsi vmmd.modules=virtio_mmio,virtio-rng vmmd.action=virtio-rng" \
	--rng --console-log /tmp/console-rng.log --json
grep -E '@@|virtio' /tmp/console-rng.log | tail -n 10
assert_eq "$status" 0 "exit status of the guest that powered off"
line=$(grep '@@rng' /tmp/console-rng.log)
assert_contains "$line" "current=virtio_rng" "the guest's hwrng"
[ -z "$nomsi" ] || assert_contains "$line" "intx=1" "the guest's INTx line"
bytes=$(echo "$line" | sed -n 's/.*bytes=\([0-9a-f]*\).*/\1/p')
assert_eq "${#bytes}" 256 "hex digits of the 128 bytes read"
[ "$(echo "$bytes" | tr -d 0)" != "" ] || fail "the entropy is all zeros"
given=$(echo "$OUT" | sed -n 's/.*"name":"rng0".*"counters":{"bytes":\([0-9]*\)}.*/\1/p')
echo "vmmd gave $given bytes"
[ "${given:-0}" -ge 128 ] || fail "bytes vmmd gave the guest: ${given:-none}"
