# The VM process's sandbox (docs/security.md), with the daemon as root:
# a VM process runs as nobody with no capability, no_new_privs and its
# seccomp filter (/proc/PID/status); a Linux guest uses every virtio device
# (disks, entropy, a tap, vsock, console) and reboots under the filter, so
# nothing of the steady state is refused; then the test hook makes one VM
# process stat two host paths (one there, one not: both refused alike) and
# call socket(): it alone dies by SIGSYS (VM_CRASHED, signal 31),
# the VM beside it runs on (info, pause, resume, stop) and the daemon serves.
RUN_TIMEOUT=400
S=/tmp/vmmd-sbx/vmmd.sock
export VMMD_SOCKET=$S
echo '{"test_hooks": true}' > /tmp/sbx-config.json
vmmd daemon --config /tmp/sbx-config.json --socket $S --state-dir /tmp/vmmd-sbx \
	--detach --pid-file /tmp/vmmd-sbx.pid 2> /tmp/vmmd-sbx.log ||
	fail "the daemon did not start: $(cat /tmp/vmmd-sbx.log)"
trap 'kill -TERM "$(cat /tmp/vmmd-sbx.pid)"; echo "--- the daemon log:"; cat /tmp/vmmd-sbx.log; echo "--- seccomp in the kernel log:"; dmesg | grep -i "type=1326\|seccomp" | tail -n 20' EXIT

insmod /vmmd/host-modules/tun.ko 2>/dev/null
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
for module in vhost_iotlb vhost vsock vmw_vsock_virtio_transport_common vhost_vsock; do
	insmod /vmmd/host-modules/$module.ko 2>/dev/null
done
[ -c /dev/vhost-vsock ] || fail "no /dev/vhost-vsock"
vsock_listener /tmp/sbx-vsock.out
listener=$LISTENER

dd if=/dev/urandom of=/tmp/sbx-source.img bs=64k count=16 2>/dev/null
dd if=/dev/zero of=/tmp/sbx-target.img bs=1M count=4 2>/dev/null
want=$(sha256sum /tmp/sbx-source.img | cut -d' ' -f1)
modules=virtio_mmio,virtio_blk,virtio-rng,failover,net_failover,virtio_net,vsock,vmw_vsock_virtio_transport_common,vmw_vsock_virtio_transport
cat > /tmp/sbx-dev.json <<SPEC
{"name": "dev", "vcpus": 2, "memory_mib": 256,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=$modules vmmd.action=virtio-sandbox",
 "devices": [
  {"type": "disk", "path": "/tmp/sbx-target.img", "serial": "vmmd-rw-0"},
  {"type": "disk", "path": "/tmp/sbx-source.img", "read_only": true},
  {"type": "rng"},
  {"type": "net", "tap": "sbxtap0", "mac": "52:54:00:aa:bb:cd"},
  {"type": "vsock", "cid": 43},
  {"type": "console"}]}
SPEC
vmmctl run /tmp/sbx-dev.json > /tmp/sbx-dev.out 2> /tmp/sbx-dev.err &
run=$!
host_tap_up sbxtap0 $run /tmp/sbx-dev.err	# the VM process opens it at start

# The running VM process: who it is and what it may do.
pid=$(json_field "$(vmmctl --json info dev)" pid)
[ -n "$pid" ] && [ "$pid" != 0 ] || fail "no pid for VM dev"
status=$(cat /proc/$pid/status)
echo "$status" | grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):'
line() { echo "$status" | grep "^$1:" | tr -s ' \t' ' '; }
assert_eq "$(line Uid)" "Uid: 65534 65534 65534 65534" "the VM process's uids (nobody)"
assert_eq "$(line Gid)" "Gid: 65534 65534 65534 65534" "the VM process's gids"
assert_eq "$(line Groups)" "Groups: " "no supplementary groups"
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	assert_eq "$(line $set)" "$set: 0000000000000000" "$set of the VM process"
done
assert_eq "$(line NoNewPrivs)" "NoNewPrivs: 1" "no_new_privs"
assert_eq "$(line Seccomp)" "Seccomp: 2" "a seccomp filter"
for task in /proc/$pid/task/*; do	# every thread, vCPUs and I/O too
	# (a thread that ended since the listing, such as the one that copies
	# the kernel beside the guest, has no status left to read)
	task_status=$(cat $task/status 2>/dev/null) || continue
	echo "$task_status" | grep -q '^Seccomp:.2' || fail "thread $task has no filter"
done
echo "threads under the filter: $(ls /proc/$pid/task | wc -l)"

wait $run
run_rc=$?
grep '@@' /tmp/vmmd-sbx/dev.console.log
assert_eq "$run_rc" 0 "vmmctl run of the guest that rebooted then powered off"
# The UART and virtio-console share the log: the hvc line can land inside
# a UART line still draining, so the checks read the log as one string
# without it.
hvc="@@hvc hello over virtio-console before the reboot"
assert_contains "$(cat /tmp/vmmd-sbx/dev.console.log)" "$hvc" "virtio-console output"
log=$(tr -d '\r\n' < /tmp/vmmd-sbx/dev.console.log | sed "s/$hvc//")
assert_contains "$log" "ro_sum=$want rw_sum=$want" "both disks as the guest read them"
assert_contains "$log" "ro_write=refused" "a write to the read-only disk"
assert_contains "$log" "discard_rc=0" "a discard"
assert_eq "$(echo "$log" | grep -o '@@rng current=virtio_rng' | wc -l)" 2 "entropy in both boots"
assert_contains "$log" "5 packets transmitted, 5 packets received" "pings over the tap"
assert_contains "$log" "@@vsock reply=echo:hello-from-guest" "vsock echo"
assert_contains "$log" "@@sandbox boot=1" "the first boot"
assert_contains "$log" "@@sandbox boot=2 marker=booted-1" "the second boot, after the reboot"
run_status status vmmctl --json info dev
assert_eq "$(json_field "$OUT" outcome)" poweroff "the VM's outcome"
assert_eq "$(json_field "$OUT" boots)" 2 "boots under the filter"
got=$(dd if=/tmp/sbx-target.img bs=64k count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the image after the VM is gone"

# Two VMs; the test hook makes b's process call socket(AF_INET). a boots
# to its shell first (two Linux boots at once are slow under emulation).
for vm in a b; do
	cat > /tmp/sbx-$vm.json <<SPEC
{"name": "$vm", "vcpus": 2, "memory_mib": 128,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=shell"}
SPEC
	run_status status vmmctl create /tmp/sbx-$vm.json
	assert_eq "$status" 0 "create $vm"
	run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start $vm
	assert_eq "$status" 0 "start $vm"
	[ $vm = b ] && break
	run_status status vmmctl --until '# ' --timeout 300 console a
	assert_eq "$status" 0 "a's shell"
done
b_pid=$(json_field "$(vmmctl --json info b)" pid)
run_status status vmmctl --json --wait-for VM_CRASHED --timeout 60 x-forbidden-syscall b
assert_eq "$status" 0 "the forbidden call in b's process"
event=$(echo "$OUT" | grep '"VM_CRASHED"')
assert_contains "$event" '"signal":31' "b's process died by SIGSYS"
assert_contains "$event" "seccomp filter" "the event names the filter"
run_status status vmmctl --json info b
assert_eq "$(json_field "$OUT" state)" crashed "b's state"
# The kernel's audit line: socket is system call 198 on arm64.
audit=$(dmesg | grep "type=1326" | grep "pid=$b_pid ")
echo "$audit"
assert_contains "$audit" "sig=31 arch=c00000b7 syscall=198 " "the refused call"
[ -d /proc/$b_pid ] && fail "b's process $b_pid is still there"
# Before socket(), the hook stat'ed a host path that exists and one that
# does not, as newfstatat(AT_FDCWD, path, AT_EMPTY_PATH): both refused
# alike (-13, EACCES), so the process learns nothing of host paths.
probe=$(grep "vm-process: stat /etc/passwd" /tmp/vmmd-sbx.log)
echo "$probe"
assert_contains "$probe" "stat /etc/passwd -13, /etc/vmmd-none -13" \
	"a host path, present or not, is unknown to the VM process"

# a runs on, with every steady-state path: info, pause, resume, console.
run_status status vmmctl --json info a
assert_eq "$(json_field "$OUT" state)" running "a runs on"
assert_contains "$OUT" '"counters"' "a's counters"
run_status status vmmctl pause a
assert_eq "$status" 0 "pause a"
run_status status vmmctl resume a
assert_eq "$status" 0 "resume a"
vmmctl send a 'echo $((6*7))x' || fail "console input to a"
run_status status vmmctl --until '42x' --timeout 120 console a
assert_eq "$status" 0 "a's shell answers"
run_status status vmmctl version
assert_eq "$status" 0 "the daemon serves"
run_status status vmmctl --wait-for VM_STOPPED --timeout 60 stop a
assert_eq "$status" 0 "stop a"
run_status status vmmctl --json info a
# Asked to stop, a's guest shuts down (SysRq through its console) under
# the filter: the stop thread and the waits are in the allowlist.
assert_eq "$(json_field "$OUT" outcome)" poweroff "a shut down when asked, not killed"
assert_contains "$OUT" '"graceful":true' "a's stop under the filter"
kill $listener 2>/dev/null || true	# it may have ended after its one echo
