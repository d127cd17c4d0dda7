# virtio-console with Debian's guest kernel (its driver is built in): the
# guest writes a line to hvc0 and vmmd puts it in the console log.
run_status status vmmd run --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --memory 256M \
	--cmdline "console=ttyS0 vmmd.modules=virtio_mmio vmmd.action=virtio-console" \
	--virtio-console --console-log /tmp/console-hvc.log --json
grep -E '@@|hvc' /tmp/console-hvc.log | tail -n 5
assert_eq "$status" 0 "exit status of the guest that powered off"
grep -q "@@console-sent hvc0=/dev/hvc0" /tmp/console-hvc.log || fail "no hvc0 in the guest"
grep -q "^@@hvc hello over virtio-console from 6" /tmp/console-hvc.log ||
	fail "the line written to hvc0 is not in the console log"
bytes=$(echo "$OUT" | sed -n 's/.*"bytes_out":\([0-9]*\).*/\1/p')
[ "${bytes:-0}" -ge 40 ] || fail "bytes vmmd took from hvc0: ${bytes:-none}"
