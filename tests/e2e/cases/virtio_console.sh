# virtio-console with Debian's guest kernel (its driver is built in): the
# guest writes a line to hvc0 and vmmd puts it on its console; the host
# writes a line to vmmd's console input and the guest reads it from hvc0.
mkfifo /tmp/hvc.in
vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" --initrd "$VMMD_GUEST/initrd.cpio.gz" \
	--memory 256M --cmdline "console=ttyS0 vmmd.modules=virtio_mmio vmmd.action=virtio-console" \
	--virtio-console --json < /tmp/hvc.in > /tmp/hvc.out 2> /tmp/hvc.err &
vmm=$!
exec 3> /tmp/hvc.in
until grep -q '^@@hvc-ready' /tmp/hvc.out; do	# bounded by the case timeout
	kill -0 $vmm 2>/dev/null || break
	sleep 0.1
done
sent="from-host-$$"
echo "$sent" >&3
wait $vmm
status=$?
exec 3>&-
OUT=$(tail -n 1 /tmp/hvc.out)
cat /tmp/hvc.err
grep -E '@@|hvc' /tmp/hvc.out | tail -n 6
assert_eq "$status" 0 "exit status of the guest that powered off"
grep -q "@@console-sent hvc0=/dev/hvc0" /tmp/hvc.out || fail "no hvc0 in the guest"
grep -q "^@@hvc hello over virtio-console from 6" /tmp/hvc.out ||
	fail "the line written to hvc0 is not on the console"
grep -q "^@@hvc-got=$sent" /tmp/hvc.out ||
	fail "the guest did not read the host's line from hvc0"
bytes=$(echo "$OUT" | sed -n 's/.*"bytes_out":\([0-9]*\).*/\1/p')
[ "${bytes:-0}" -ge 40 ] || fail "bytes vmmd took from hvc0: ${bytes:-none}"
bytes=$(echo "$OUT" | sed -n 's/.*"bytes_in":\([0-9]*\).*/\1/p')
assert_eq "$bytes" $((${#sent} + 1)) "bytes vmmd gave hvc0 (the line and its newline)"
