# Drivers that break the rules, and device sets the VM process must tell
# apart (issue 15, items 1, 3 and 8):
# - a bare-metal driver (tests/payloads/virtio_features.S) takes features
#   vsock never offered (ACCESS_PLATFORM, LOG_ALL) and writes DRIVER_OK
#   without FEATURES_OK: the device needs a reset, vhost never starts with
#   those bits; a driver that asks right gets a working device;
# - a bare-metal driver (tests/payloads/virtio_net_short.S) gives virtio-net
#   a 32-byte receive chain while the host sends longer frames into the
#   tap: they are dropped and counted, never handed over cut;
# - one image as a read-only and a read-write disk of one VM of the daemon
#   (kept files are per path and access), and a second vsock device refused.
RUN_TIMEOUT=240
for module in vhost_iotlb vhost vsock vmw_vsock_virtio_transport_common vhost_vsock tun; do
	insmod /vmmd/host-modules/$module.ko 2>/dev/null
done
[ -c /dev/vhost-vsock ] || fail "no /dev/vhost-vsock"
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }

run_status status vmmd run --transport mmio --payload "$VMMD_PAYLOADS/virtio_features.bin" \
	--vsock 43 --json
assert_eq "$status" 0 "exit status of the driver that powered off"
assert_eq "$(json_field "$OUT" x4)" 0xf4703 "status: FEATURES_OK refused, DRIVER_OK a driver error, then a good start"
assert_contains "$ERR" "vsock0 needs a reset: the driver set DRIVER_OK without FEATURES_OK" "the driver error, logged"
assert_eq "$(json_field "$OUT" needs_reset_events)" 1 "NEEDS_RESET events reported"

vmmd run --transport mmio --payload "$VMMD_PAYLOADS/virtio_net_short.bin" \
	--net tap=vmmdtap5 --json > /tmp/short.out 2> /tmp/short.err &
vmm=$!
host_tap_up vmmdtap5 $vmm /tmp/short.err
# no guest answers 10.0.2.15: the host asks for it (42-byte ARP frames)
ping -c 6 -W 1 10.0.2.15 > /dev/null 2>&1 &
wait $vmm
status=$?
OUT=$(cat /tmp/short.out)
cat /tmp/short.err
echo "$OUT" | cut -c1-400
assert_eq "$status" 0 "exit status of the driver with a short chain"
assert_eq "$(json_field "$OUT" x4)" 0x0 "used entries: no frame fits 20 bytes"
assert_eq "$(json_field "$OUT" x5)" 0x0 "used length"
dropped=$(json_field "$OUT" rx_dropped)
[ "${dropped:-0}" -ge 1 ] || fail "frames longer than the chain, counted: ${dropped:-none}"
assert_eq "$(json_field "$OUT" rx_packets)" 0 "frames handed to the guest"

run_status status vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin" \
	--vsock 44 --vsock 45
assert_eq "$status" 2 "exit status with two vsock devices"
assert_contains "$ERR" "--vsock: a VM has one vsock device (44 given already)" "the refusal"

start_daemon vmmd-pair
dd if=/dev/zero of=/tmp/pair.img bs=1M count=1 2>/dev/null
cat > /tmp/pair.json <<SPEC
{"name": "pair", "vcpus": 1, "memory_mib": 192,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=virtio_mmio,virtio_blk vmmd.action=virtio-blkpair",
 "devices": [
  {"type": "disk", "path": "/tmp/pair.img", "read_only": true},
  {"type": "disk", "path": "/tmp/pair.img"}]}
SPEC
run_status status vmmctl run /tmp/pair.json
assert_eq "$status" 0 "vmmctl run of one image as a read-only and a read-write disk"
line=$(echo "$OUT" | grep '@@blkpair')
assert_contains "$line" "vda_ro=1 vdb_ro=0 write_rc=0" "the disks as the guest sees them"
assert_eq "$(head -c 12 /tmp/pair.img)" vmmd-blkpair "the write through the read-write disk"
