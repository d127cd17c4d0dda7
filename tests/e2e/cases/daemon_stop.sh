# vm-stop asks the guest first: a Linux guest with data written to its disk
# but not yet synced (it sits in the guest's page cache) is stopped with
# vmmctl stop; the guest takes SysRq s, u, o from its serial console, syncs,
# powers off, and the image holds the data (graceful: true). The same with
# --force loses it (graceful: false), and a guest whose kernel.sysrq refuses
# sync is stopped without waiting out stop_timeout_s.
RUN_TIMEOUT=240
start_daemon vmmd-stop

# start_writer VM TOKEN [SETUP]: a guest with a disk of its own; its shell
# runs SETUP, makes an ext2 filesystem on the disk and writes TOKEN in a
# file there, where it stays in the guest's page cache.
start_writer() {
	dd if=/dev/zero of=/tmp/$1.img bs=1M count=4 2>/dev/null
	cat > /tmp/$1.json <<SPEC
{"name": "$1", "vcpus": 1, "memory_mib": 160,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=virtio_mmio,virtio_blk vmmd.action=shell",
 "devices": [{"type": "disk", "path": "/tmp/$1.img"}]}
SPEC
	run_status status vmmctl create /tmp/$1.json
	assert_eq "$status" 0 "create $1"
	run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start $1
	assert_eq "$status" 0 "start $1"
	run_status status vmmctl --until '# ' --timeout 120 console $1
	assert_eq "$status" 0 "$1's shell"
	# An ext2 file's data stays in the guest's page cache: the flusher
	# threads are told not to run (their 30 s expiry is not relied on).
	vmmctl send $1 "echo 0 > /proc/sys/vm/dirty_writeback_centisecs; ${3:-true}; mke2fs -q /dev/vda && mkdir -p /mnt && mount /dev/vda /mnt && echo $2 > /mnt/token && echo written-\$((6*7))" ||
		fail "console input to $1"
	run_status status vmmctl --until 'written-42' --timeout 60 console $1
	assert_eq "$status" 0 "$1 wrote its token"
	# The guest's page cache has it; the image does not (yet).
	grep -q "$2" /tmp/$1.img && fail "$2 reached the image before the stop"
	return 0
}

# stop_and_report VM [--force]: the VM_STOPPED event's data.
stop_and_report() {
	run_status status vmmctl --json $2 --wait-for VM_STOPPED --timeout 60 stop $1
	assert_eq "$status" 0 "stop $1 $2"
	run_status status vmmctl --json info $1
	assert_eq "$(json_field "$OUT" state)" stopped "$1's state"
}

start_writer graceful vmmd-token-graceful
# info of a running VM: its devices and their counters, live.
run_status status vmmctl --json info graceful
assert_contains "$OUT" '"devices":[{"name":"block0"' "graceful's disk in its counters"
chains=$(echo "$OUT" | sed -n 's/.*{"name":"block0",[^}]*"chains":\([0-9]*\).*/\1/p')
[ "${chains:-0}" -gt 0 ] || fail "graceful's disk served no request chains: '$chains'"
stop_and_report graceful
assert_contains "$OUT" '"outcome":"poweroff"' "the guest powered off"
assert_contains "$OUT" '"graceful":true' "graceful's stop"
grep -q vmmd-token-graceful /tmp/graceful.img ||
	fail "the token is not in the image after a graceful stop"
log=$(json_field "$OUT" console_log)
grep -q 'sysrq: Emergency Sync' "$log" || fail "no SysRq sync in $log"
grep -q 'sysrq: Power Off' "$log" || fail "no SysRq power-off in $log"

start_writer forced vmmd-token-forced
stop_and_report forced --force
assert_contains "$OUT" '"outcome":"stopped"' "forced's end"
assert_contains "$OUT" '"graceful":false' "forced's stop"
assert_contains "$OUT" 'stopped on request (forced)' "forced's detail"
grep -q vmmd-token-forced /tmp/forced.img &&
	fail "the token reached the image although the guest was not asked"

# kernel.sysrq=2 allows only the log level: s is refused, said on the
# console, and the VM is stopped at once.
start_writer refuser vmmd-token-refuser 'echo 2 > /proc/sys/kernel/sysrq'
stop_and_report refuser
assert_contains "$OUT" '"graceful":false' "refuser's stop"
assert_contains "$OUT" 'the guest refuses SysRq s (sync)' "refuser's detail"
echo "daemon_stop: ok"
