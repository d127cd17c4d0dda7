# The daemon with two real Linux guests, driven by vmmctl over the socket:
# consoles read and written, one guest paused (proven by its silence) and
# resumed, a VM process killed with SIGKILL while the other guest runs on,
# both stopped, every event seen, and SIGTERM stopping the daemon cleanly.
RUN_TIMEOUT=180
S=/tmp/vmmd/vmmd.sock
export VMMD_SOCKET=$S

# Detached: it returns once the socket listens. Its log goes to a file.
vmmd daemon --socket $S --state-dir /tmp/vmmd --detach \
	--pid-file /tmp/vmmd.pid 2> /tmp/vmmd.log
assert_eq "$?" 0 "the daemon starts"
trap 'echo "--- the daemon log:"; cat /tmp/vmmd.log' EXIT
DAEMON=$(cat /tmp/vmmd.pid)

# Every event from here on, in the background (it ends with the daemon).
# The ready file is a FIFO: vmmctl opens it once it has negotiated, so
# reading it waits exactly for that.
mkfifo /tmp/events.ready
vmmctl --json --ready-file /tmp/events.ready events > /tmp/events.log &
EVENTS=$!
timeout 30 cat /tmp/events.ready || fail "the events client did not connect"

for vm in a b; do
	cat > /tmp/$vm.json <<SPEC
{"name": "$vm", "vcpus": 2, "memory_mib": 160,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=shell"}
SPEC
	run_status status vmmctl create /tmp/$vm.json
	assert_eq "$status" 0 "create $vm"
	run_status status vmmctl --json --wait-for VM_RUNNING --timeout 60 start $vm
	assert_eq "$status" 0 "start $vm and see it running"
	echo "create-to-running $vm: $(json_field "$OUT" start_us) us (spawn to vCPUs running)"
done

for vm in a b; do
	# The kernel's command line says action=shell too: wait for init's.
	run_status status vmmctl --until 'cpus=2 action=shell' --timeout 120 console $vm
	assert_eq "$status" 0 "$vm's console shows the guest's init"
	assert_contains "$OUT" "@@guest-init online=0-1" "$vm's console"
done
# Wait for the shell's prompt before typing.
run_status status vmmctl --until '# ' --timeout 60 console a
vmmctl send a 'echo $((6*7))x' || fail "console input to a"
run_status status vmmctl --until '42x' --timeout 30 console a
assert_eq "$status" 0 "a's shell answered over the socket"
# Bytes outside ASCII come through exactly (vmmctl attaches in base64).
vmmctl send a 'printf "utf8:\303\251\342\202\254.\n"' || fail "console input to a"
run_status status vmmctl --until "$(printf 'utf8:\303\251\342\202\254.')" --timeout 30 console a
assert_eq "$status" 0 "a's UTF-8 output, byte for byte"

# Paused, a says nothing; resumed, it answers what it was sent meanwhile.
run_status status vmmctl pause a
assert_eq "$status" 0 "pause a"
run_status status vmmctl --json info a
assert_eq "$(json_field "$OUT" state)" paused "a's state"
vmmctl send a 'echo $((7*8))y' || fail "console input to a paused a"
run_status status vmmctl --until '56y' --timeout 3 console a
assert_eq "$status" 4 "a paused answers nothing (vmmctl times out)"
run_status status vmmctl resume a
assert_eq "$status" 0 "resume a"
run_status status vmmctl --until '56y' --timeout 30 console a
assert_eq "$status" 0 "a resumed answers"
run_status status vmmctl --json info a
assert_eq "$(json_field "$OUT" state)" running "a's state"
assert_contains "$OUT" '"counters":{"forward_map"' "a's exit counters"
assert_contains "$OUT" '"name":"uart"' "a's uart entry in its counters"

# Wrong states are errors, and the VM is untouched.
run_status status vmmctl resume a
assert_eq "$status" 1 "resume a running VM"
assert_contains "$ERR" "WrongState" "resume a running VM"
run_status status vmmctl delete a
assert_eq "$status" 1 "delete a running VM"

# SIGKILL to a's process: an event and a state; the daemon and b carry on.
run_status status vmmctl --json info a
pid=$(json_field "$OUT" pid)
[ -n "$pid" ] && [ "$pid" -gt 0 ] || fail "a's pid: '$pid'"
assert_eq "$(cat /proc/$pid/oom_score_adj)" 500 "a's process goes before the daemon when memory runs out"
kill -KILL "$pid"
run_status status vmmctl --timeout 30 wait a crashed
assert_eq "$status" 0 "a is reported crashed"
vmmctl send b 'echo $((9*9))z' || fail "console input to b"
run_status status vmmctl --until '81z' --timeout 30 console b
assert_eq "$status" 0 "b answers after a was killed"
run_status status vmmctl list
assert_contains "$OUT" "crashed" "the list after the kill"

run_status status vmmctl --wait-for VM_STOPPED --timeout 60 stop b
assert_eq "$status" 0 "stop b"
run_status status vmmctl --json info b
assert_eq "$(json_field "$OUT" state)" stopped "b's state"
assert_contains "$OUT" '"outcome":"poweroff"' "b's last run: it shut down when asked"
assert_contains "$OUT" '"graceful":true' "b's stop"
run_status status vmmctl delete b
assert_eq "$status" 0 "delete b"

# vmmctl run: create, start and attach; it ends when the guest powers off.
cat > /tmp/c.json <<SPEC
{"name": "c", "vcpus": 1, "memory_mib": 128,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=poweroff"}
SPEC
run_status status vmmctl run /tmp/c.json
assert_eq "$status" 0 "vmmctl run of a guest that powers off"
assert_contains "$OUT" "@@guest-init online=0 cpus=1 action=poweroff" "c's console"
assert_contains "$ERR" "VM c: poweroff" "how c ended"
run_status status vmmctl --json info c
assert_contains "$OUT" '"last_run":{"outcome":"poweroff"' "c's last run"

# A kernel by a path the daemon may not open (outside images.directories,
# here the default /var/lib/vmmd/images): refused at vm-create, no VM made.
cat > /tmp/d.json <<SPEC
{"name": "d", "vcpus": 1, "memory_mib": 64, "kernel": "/nonexistent/Image"}
SPEC
run_status status vmmctl --paths create /tmp/d.json
assert_eq "$status" 1 "create d, whose kernel is outside the image directories"
assert_contains "$ERR" "kernel /nonexistent/Image: not beneath an image directory" "why d was refused"

# A spec the VM process cannot build (the kernel needs more than 16 MiB):
# the VM stops with setup-failed.
cat > /tmp/d.json <<SPEC
{"name": "d", "vcpus": 1, "memory_mib": 16, "kernel": "$VMMD_GUEST/Image"}
SPEC
run_status status vmmctl create /tmp/d.json
assert_eq "$status" 0 "create d"
run_status status vmmctl --wait-for VM_RUNNING --timeout 30 start d
assert_eq "$status" 1 "start d, which cannot run"
assert_contains "$ERR" "VM d ended (VM_STOPPED: setup-failed)" "why d did not run"
run_status status vmmctl delete d
assert_eq "$status" 0 "delete d"

# a again, from crashed; then SIGTERM: the daemon stops it and exits.
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start a
assert_eq "$status" 0 "start a again"
run_status status vmmctl --json info a
pid=$(json_field "$OUT" pid)
kill -TERM "$DAEMON"
i=0
while kill -0 "$DAEMON" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$DAEMON" 2>/dev/null && fail "the daemon did not exit after SIGTERM"
kill -0 "$pid" 2>/dev/null && fail "a's process outlived the daemon"
wait $EVENTS
[ -e $S ] && fail "the socket outlived the daemon"

cat /tmp/events.log | cut -c1-160
for event in 'VM_CREATED","data":{"vm":"a"' 'VM_CREATED","data":{"vm":"b"' \
    'VM_STARTING","data":{"vm":"a"' 'VM_RUNNING","data":{"vm":"a"' \
    'VM_RUNNING","data":{"vm":"b"' 'VM_PAUSED","data":{"vm":"a"' \
    'VM_RESUMED","data":{"vm":"a"' 'VM_CRASHED","data":{"vm":"a"' \
    'VM_STOPPING","data":{"vm":"b"' 'VM_STOPPED","data":{"vm":"b"' \
    'VM_DELETED","data":{"vm":"b"' 'VM_STOPPED","data":{"vm":"a"' \
    'VM_STOPPED","data":{"vm":"c","state":"stopped","previous":"running","outcome":"poweroff"'; do
	grep -q "\"event\":\"$event" /tmp/events.log || fail "no event $event"
done
grep '"VM_CRASHED"' /tmp/events.log | grep -q '"signal":9' ||
	fail "the crash event names SIGKILL"
echo "daemon_linux: ok"
