# A VM under the shipped, socket-activated vmmd.service gets its network
# (docs/systemd.md, "Networks"): the service has a network namespace of its
# own (PrivateNetwork=yes) and no capability, so it could neither reach
# nor attach a tap of the host's; the tap is one its client opened and
# passed (vmmctl does, as the user who runs it), and an fd keeps its tap in
# the host's namespace, where the operator put it on a bridge. Here the
# client is alice, a member of group vmmd who is not root and owns the tap;
# the guest (10.0.2.15) and the host's bridge (10.0.2.1) exchange pings.
RUN_TIMEOUT=300
bin=/vmmd/bin
for module in tun llc stp bridge; do
	insmod /vmmd/host-modules/$module.ko 2>/dev/null
done
[ -c /dev/net/tun ] || fail "no /dev/net/tun"
id alice > /dev/null 2>&1 || useradd --no-create-home --groups vmmd alice ||
	fail "cannot add the user alice"

# The operator's part: a bridge with the host's address, and on it a
# persistent tap that alice owns.
$bin/busybox brctl addbr vmbr0 || fail "no bridge"
$bin/busybox ip addr add 10.0.2.1/24 dev vmbr0
$bin/busybox ip link set vmbr0 up
$bin/tap-make vmtap0 "$(id -u alice)" || fail "no tap vmtap0"
$bin/busybox brctl addif vmbr0 vmtap0
$bin/busybox ip link set vmtap0 up

mkdir -p /tmp/alice && chown alice /tmp/alice
cat > /tmp/alice/net.json <<SPEC
{"name": "net", "vcpus": 1, "memory_mib": 192,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=virtio_mmio,failover,net_failover,virtio_net vmmd.action=virtio-net",
 "devices": [{"type": "net", "tap": "vmtap0", "mac": "52:54:00:12:34:56"}]}
SPEC
run_status status runuser -u alice -- vmmctl run /tmp/alice/net.json
assert_eq "$status" 0 "alice's VM with a network, under vmmd.service"
line=$(echo "$OUT" | grep '@@net')
assert_contains "$line" "mac=52:54:00:12:34:56" "the guest's NIC"
assert_contains "$line" "5 packets transmitted, 5 packets received" "the guest's pings of the host's bridge"

# It ran under the service as shipped: socket-activated, its own network
# namespace, the vmmd user.
assert_eq "$(systemctl is-active vmmd.service)" active "the service"
main_pid=$(systemctl show -P MainPID vmmd.service)
assert_eq "$(stat -c %U /proc/$main_pid)" vmmd "the daemon's user"
[ "$(readlink /proc/$main_pid/ns/net)" != "$(readlink /proc/1/ns/net)" ] ||
	fail "the daemon shares the host's network namespace (PrivateNetwork=yes?)"
assert_eq "$(systemctl show -P PrivateNetwork vmmd.service)" yes "PrivateNetwork"
run_status status runuser -u alice -- vmmctl --json info net
assert_contains "$OUT" '"tap":"fd:device0"' "the tap was passed, not named"
run_status status runuser -u alice -- vmmctl delete net
assert_eq "$status" 0 "delete net"
