# virtio-vsock through the host's vhost-vsock with Debian's guest kernel: a
# host program listens on port 5000, the guest (CID 42) connects to the
# host (CID 2), sends a line and gets it echoed back. Without vhost-vsock
# vmmd refuses with a clear error.
run_status status vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --vsock 42
assert_eq "$status" 1 "exit status without /dev/vhost-vsock"
assert_contains "$ERR" "cannot give the guest vsock CID 42" "the error"
assert_contains "$ERR" "load the vhost_vsock module" "the hint"
for module in vhost_iotlb vhost vsock vmw_vsock_virtio_transport_common vhost_vsock; do
	insmod /vmmd/host-modules/$module.ko || fail "cannot load $module"
done
vsock_listener /tmp/vsock-host.out
listener=$LISTENER
run_status status vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --memory 256M \
	--cmdline "console=ttyS0 vmmd.modules=virtio_mmio,vsock,vmw_vsock_virtio_transport_common,vmw_vsock_virtio_transport vmmd.action=virtio-vsock" \
	--vsock 42 --console-log /tmp/console-vsock.log --json
grep -E '@@|vsock' /tmp/console-vsock.log | tail -n 10
wait $listener
host=$(cat /tmp/vsock-host.out)
echo "host: $host"
assert_eq "$status" 0 "exit status of the guest that powered off"
line=$(grep '@@vsock' /tmp/console-vsock.log)
assert_contains "$host" "got=hello-from-guest-" "what the host program received"
assert_contains "$host" "from_cid=42" "the guest's CID as the host sees it"
message=$(echo "$host" | sed -n 's/.*got=\([^ ]*\).*/\1/p')
assert_contains "$line" "reply=echo:$message" "what the guest program received"
assert_contains "$OUT" '"cid":42' "the CID in vmmd's report"
