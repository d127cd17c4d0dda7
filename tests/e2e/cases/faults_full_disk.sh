# A full disk under the state directory and the console log (a 256 KiB
# tmpfs, filled): a Linux guest that writes a lot to its console runs on
# and its output still reaches the clients; the bytes its log could not
# take are counted (vm-info) and said once; the daemon serves; a record it
# cannot write is said once in its log, not at every state change; a new
# VM is refused with the reason and leaves no half-written record.
RUN_TIMEOUT=180
STATE=/tmp/full
. /vmmd/cases/faults_lib.sh
trap 'echo "--- the daemon log:"; cat /tmp/vmmd.log; end_daemon; umount /tmp/full' EXIT
mkdir -p /tmp/full /tmp/vmmd
mount -t tmpfs -o size=256k tmpfs /tmp/full || fail "mount a small tmpfs"
faults_daemon
linux_spec loud "console=ttyS0 vmmd.action=shell"
linux_spec other
run_status status vmmctl create /tmp/loud.json
assert_eq "$status" 0 "create loud"
touch /tmp/full/loud.console.log	# its log, from an earlier run
dd if=/dev/zero of=/tmp/full/filler bs=4k 2>/dev/null
[ "$(df /tmp/full | awk 'NR == 2 { print $4 }')" = 0 ] || fail "the tmpfs is not full"

run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start loud
assert_eq "$status" 0 "loud starts on a full disk"
run_status status vmmctl --until 'cpus=1 action=shell' --timeout 120 console loud
assert_eq "$status" 0 "loud's boot reaches the clients"
run_status status vmmctl --until '# ' --timeout 60 console loud
# The shell answers first (input typed while it starts may be lost), then
# writes ~13 KB more; short lines: the guest's tty takes ~64 bytes at once.
for try in 1 2 3; do
	vmmctl send loud 'echo ready-$((2*3))' || fail "console input to loud"
	vmmctl --until 'ready-6' --timeout 20 console loud > /dev/null && break
done
vmmctl send loud 'yes abcdefghijklmnopqrstuvwxyz|head -n500;echo wrote-$((6*7))' ||
	fail "console input to loud"
vmmctl --until 'wrote-42' --timeout 150 console loud > /tmp/loud.out 2>&1
status=$?
echo "the console seen by a client: $(wc -c < /tmp/loud.out) bytes, ending with:"
tail -c 300 /tmp/loud.out
assert_eq "$status" 0 "loud wrote ~13 KB more to its console on a full disk"
assert_eq "$(state_of loud)" running "loud's state"
echo "loud's console log holds $(wc -c < /tmp/full/loud.console.log) bytes"
run_status status vmmctl --json info loud
dropped=$(json_field "$OUT" console_log_dropped)
echo "loud's console log could not take $dropped bytes"
[ "${dropped:-0}" -gt 10000 ] || fail "the bytes the log dropped are not counted: '$dropped'"
said=$(grep -c "the console log cannot be written" /tmp/vmmd.log)
assert_eq "$said" 1 "the console log's failure, in the log"

run_status status vmmctl create /tmp/other.json
assert_eq "$status" 1 "create other on a full disk"
assert_contains "$ERR" "cannot write VM other's record in /tmp/full: No space left on device" "why"
run_status status vmmctl list
assert_contains "$OUT" loud "the list"
case "$OUT" in *other*) fail "other is listed" ;; esac
ls -a /tmp/full
ls -a /tmp/full | grep -q 'tmp$' && fail "a temporary record was left"
[ -e /tmp/full/other.vm ] && fail "other has a record"
said=$(grep -c "VM loud: cannot write its record" /tmp/vmmd.log)
assert_eq "$said" 1 "the failed record writes of loud, in the log"

# Space again: the next state change writes loud's record, and says so.
rm /tmp/full/filler
run_status status vmmctl pause loud
assert_eq "$status" 0 "pause loud"
grep -q "VM loud: its record in /tmp/full is written again" /tmp/vmmd.log ||
	fail "the log says the record is written again"
grep -q '"state":"paused"' /tmp/full/loud.vm || fail "loud's record says paused"
run_status status vmmctl kill loud
wait_state loud stopped
vmmctl delete loud || fail "delete loud"
stop_daemon
echo "faults_full_disk: ok"
