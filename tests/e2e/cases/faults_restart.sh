# The daemon killed with SIGKILL while a Linux guest runs: the VM process
# sees its control socket close and stops its VM; a daemon started again
# on the same state directory lists that VM as stopped, outcome
# daemon-restarted, and the defined one as it was; both start again and
# are deleted with their records (they were given by path: vmmctl --paths).
# A VM built from files its client passed (fd:NAME) is listed again but
# cannot start: the daemon that held its files is gone, and it says so.
RUN_TIMEOUT=120
. /vmmd/cases/faults_lib.sh
trap 'echo "--- the daemon log:"; cat /tmp/vmmd.log; end_daemon' EXIT
# The guest's files by path: beneath an image directory of this daemon's.
echo "{\"images\": {\"directories\": [\"$VMMD_GUEST\"]}}" > /tmp/images.json
faults_daemon --config /tmp/images.json
linux_spec a
linux_spec b
linux_spec c
run_status status vmmctl --paths create /tmp/a.json
assert_eq "$status" 0 "create a"
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start a
assert_eq "$status" 0 "start a"
run_status status vmmctl --paths create /tmp/b.json
assert_eq "$status" 0 "create b"
run_status status vmmctl create /tmp/c.json
assert_eq "$status" 0 "create c, its files passed"
ls /tmp/vmmd/a.vm /tmp/vmmd/b.vm || fail "the records of a and b"
pid=$(json_field "$(vmmctl --json info a)" pid)
[ -n "$pid" ] && [ "$pid" -gt 0 ] || fail "a's pid: '$pid'"

kill -KILL "$DAEMON"
# Its process ends its VM when the socket closes (it may stay a zombie of
# /init for a moment, which counts as ended).
i=0
while [ -d /proc/$pid ] && [ "$(sed 's/.*) //' /proc/$pid/stat | cut -d' ' -f1)" != Z ] &&
    [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ $i -lt 100 ] || fail "a's process outlived the daemon by 10 s"
echo "a's process ended $((i * 100)) ms (at most) after the daemon's SIGKILL"

faults_daemon --config /tmp/images.json
run_status status vmmctl --json info a
assert_eq "$(json_field "$OUT" state)" stopped "a after the restart"
assert_contains "$OUT" '"outcome":"daemon-restarted"' "a's last run"
assert_contains "$OUT" 'the daemon was restarted' "a's last run"
assert_eq "$(state_of b)" defined "b after the restart"
grep -q "VM a was running under a daemon that died" /tmp/vmmd.log ||
	fail "the log says what happened to a"

run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start a
assert_eq "$status" 0 "a starts again"
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start b
assert_eq "$status" 0 "b starts"
assert_eq "$(state_of c)" defined "c after the restart"
run_status status vmmctl start c
assert_eq "$status" 1 "c cannot start: its passed files went with the daemon"
assert_contains "$ERR" "no longer holds" "why c cannot start"
run_status status vmmctl delete c
assert_eq "$status" 0 "delete c"
for vm in a b; do
	run_status status vmmctl kill $vm
	assert_eq "$status" 0 "kill $vm"
	wait_state $vm stopped
	run_status status vmmctl delete $vm
	assert_eq "$status" 0 "delete $vm"
	[ -e /tmp/vmmd/$vm.vm ] && fail "$vm's record outlived its delete"
done
stop_daemon
ls -a /tmp/vmmd
echo "faults_restart: ok"
