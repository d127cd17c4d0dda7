# A snapshot with devices busy (issue 18): a guest writes a known pattern to
# its virtio-blk disk and pings the host over its virtio-net tap; the VM is
# snapshotted while both go on, then stopped and deleted. Restored from the
# files, the guest's write finishes and the image holds exactly the pattern,
# and the ping gets answers again on the re-created tap.
RUN_TIMEOUT=240
start_daemon snapdev
SNAP=/tmp/snap2
BLOCKS=16384		# 64 MiB in 4 KiB blocks: still writing at the snapshot
insmod /vmmd/host-modules/tun.ko 2>/dev/null
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
dd if=/dev/zero of=/tmp/disk.img bs=1M count=80 2>/dev/null

# the pattern: block i is "block-i", padded to 4 KiB
pattern() {
	i=0
	while [ $i -lt $BLOCKS ]; do
		printf "%-4095s\n" "block-$i"
		i=$((i + 1))
	done
}
want=$(pattern | md5sum | cut -d' ' -f1)

spec() {	# spec NAME
	cat > /tmp/$1.json <<SPEC
{"name": "$1", "vcpus": 2, "memory_mib": 256,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=virtio_mmio,virtio_blk,failover,net_failover,virtio_net vmmd.action=shell",
 "transport": "$VMMD_TRANSPORT",
 "devices": [{"type": "disk", "path": "/tmp/disk.img"},
             {"type": "net", "tap": "snaptap0", "mac": "52:54:00:12:34:01"}]}
SPEC
}

ask() {	# ask VM COMMAND MARK (as snapshot_restore.sh)
	vmmctl send "$1" "$2" || fail "console input to $1"
	run_status status vmmctl --until "$3" --timeout 90 console "$1"
	assert_eq "$status" 0 "$1 answered '$2' with '$3'"
}

spec d
vmmctl create /tmp/d.json > /dev/null || fail "create d"
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start d
assert_eq "$status" 0 "start d"
# the host's side keeps its MAC across the restore, as a bridge's would: the
# guest's neighbour cache holds it (docs/snapshot.md)
HOST_MAC=02:00:00:00:00:01
host_tap_up snaptap0 $DAEMON /tmp/snapdev.log
ip link set snaptap0 address $HOST_MAC || fail "set snaptap0's MAC"
run_status status vmmctl --until '# ' --timeout 180 console d
assert_eq "$status" 0 "d reached its shell"
ask d 'mkdir -p /run && ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && echo n""et=up' 'net=up'
ask d 'ping -i 0.5 10.0.2.1 > /run/ping.log 2>&1 & echo pi""ng=started' 'ping=started'
# each value is followed by a mark, so that the console read holds all of it
ask d 'sleep 4; echo pi""ngs=$(grep -c "bytes from" /run/ping.log) P$((100+1))' 'P101'
pings_before=$(echo "$OUT" | sed -n 's/.*pings=\([0-9]*\).*/\1/p' | tail -n 1)
[ "${pings_before:-0}" -ge 2 ] || fail "the host answered no ping before the snapshot"
# the write starts last, the snapshot right behind it
ask d "(i=0; while [ \$i -lt $BLOCKS ]; do printf \"%-4095s\\n\" block-\$i; i=\$((i+1)); done | dd of=/dev/vda bs=4096 conv=fsync 2>/dev/null; echo wri\"\"ter=\$? done) & echo wri\"\"ting=started" 'writing=started'

run_status status vmmctl --json snapshot d $SNAP
assert_eq "$status" 0 "snapshot d with its disk and network busy"
# the write was under way when the snapshot was taken (it says so when done)
! grep -q 'writer=' /tmp/snapdev/d.console.log ||
	fail "the guest's write was done before the snapshot: make BLOCKS larger"
vmmctl stop --force d > /dev/null
vmmctl --timeout 60 wait d stopped > /dev/null || fail "d did not stop"
vmmctl delete d > /dev/null || fail "delete d"

spec e
run_status status vmmctl restore /tmp/e.json $SNAP e
assert_eq "$status" 0 "restore e from d's snapshot"
vmmctl --timeout 60 wait e running > /dev/null || fail "e did not run"
host_tap_up snaptap0 $DAEMON /tmp/snapdev.log
ip link set snaptap0 address $HOST_MAC || fail "set snaptap0's MAC again"
run_status status vmmctl --until 'writer=' --timeout 200 console e
assert_contains "$OUT" 'writer=0 done' "the restored guest's write finished"
ask e 'sync; echo 3 > /proc/sys/vm/drop_caches; echo su""m=$(dd if=/dev/vda bs=4096 count='"$BLOCKS"' 2>/dev/null | md5sum | cut -d" " -f1) S$((100+2))' 'S102'
got=$(echo "$OUT" | sed -n 's/.*sum=\([0-9a-f]*\).*/\1/p' | tail -n 1)
assert_eq "$got" "$want" "the disk as the restored guest reads it"
ask e 'sleep 3; echo pi""ngs=$(grep -c "bytes from" /run/ping.log) P$((100+3))' 'P103'
pings_after=$(echo "$OUT" | sed -n 's/.*pings=\([0-9]*\).*/\1/p' | tail -n 1)
echo "pings answered: $pings_before before the snapshot, $pings_after after the restore"
[ "$pings_after" -gt "$((pings_before + 1))" ] || fail "the ping got no answer after the restore (the tap's packets: $(cat /sys/class/net/snaptap0/statistics/rx_packets) from the guest, $(cat /sys/class/net/snaptap0/statistics/tx_packets) to it)"
run_status status vmmctl --timeout 120 --wait-for VM_STOPPED stop e
assert_eq "$status" 0 "e stops"
got=$(dd if=/tmp/disk.img bs=4096 count=$BLOCKS 2>/dev/null | md5sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the image once the restored VM is gone"
