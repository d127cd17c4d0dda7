# virtio-net on a tap with Debian's guest kernel: vmmd creates tap vmmdtap0,
# the host gives it 10.0.2.1 once it exists, the guest (10.0.2.15) pings
# it; both sides count the packets. Then again on a tap vmmd is handed.
insmod /vmmd/host-modules/tun.ko 2>/dev/null
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" --initrd "$VMMD_GUEST/initrd.cpio.gz" \
	--memory 256M --cmdline "console=ttyS0 vmmd.modules=virtio_mmio,failover,net_failover,virtio_net vmmd.action=virtio-net" \
	--net tap=vmmdtap0,mac=52:54:00:aa:bb:cc --console-log /tmp/console-net.log \
	--json > /tmp/net.out 2> /tmp/net.err &
vmm=$!
host_tap_up vmmdtap0 $vmm /tmp/net.err	# vmmd creates it as the VM starts
wait $vmm
status=$?
OUT=$(cat /tmp/net.out)
cat /tmp/net.err
grep -E '@@|virtio|eth0' /tmp/console-net.log | tail -n 10
assert_eq "$status" 0 "exit status of the guest that powered off"
line=$(grep '@@net' /tmp/console-net.log)
assert_contains "$line" "mac=52:54:00:aa:bb:cc" "the MAC address the guest sees"
assert_contains "$line" "5 packets transmitted, 5 packets received" "the guest's pings"
if [ "$VMMD_TRANSPORT" = pci ]; then assert_msi_irqfd "$(cat /tmp/net.err)"; fi
# The guest took the tap's offloads: CSUM, GUEST_CSUM (bits 0, 1), GUEST_TSO4
# and 6 (7, 8), HOST_TSO4 and 6 (11, 12), in the driver's bit string.
features=$(echo "$line" | sed -n 's/.*features=\([01]*\).*/\1/p')
echo "guest features: $features"
assert_eq "$(echo "$features" | cut -c1-2,8-9,12-13)" 111111 "offloads the guest negotiated"
rx=$(echo "$OUT" | sed -n 's/.*"rx_packets":\([0-9]*\).*/\1/p')
tx=$(echo "$OUT" | sed -n 's/.*"tx_packets":\([0-9]*\).*/\1/p')
echo "vmmd: rx_packets=$rx tx_packets=$tx"
[ "${rx:-0}" -ge 5 ] && [ "${tx:-0}" -ge 5 ] || fail "packets counted by vmmd"

# The same with a tap vmmd is handed (--net fd=3), opened by a parent.
tap-exec vmmdtap1 3 vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --memory 256M \
	--cmdline "console=ttyS0 vmmd.modules=virtio_mmio,failover,net_failover,virtio_net vmmd.action=virtio-net" \
	--net fd=3 --console-log /tmp/console-net1.log --json > /tmp/net1.out 2> /tmp/net1.err &
vmm=$!
host_tap_up vmmdtap1 $vmm /tmp/net1.err
wait $vmm
status=$?
cat /tmp/net1.err
assert_eq "$status" 0 "exit status of the guest on a handed tap"
line=$(grep '@@net' /tmp/console-net1.log)
assert_contains "$line" "mac=52:54:00:12:34:56" "the default MAC"
assert_contains "$line" "5 packets transmitted, 5 packets received" "pings over a handed tap"
assert_contains "$(cat /tmp/net1.out)" '"tap":"vmmdtap1"' "the tap's name in vmmd's report"
