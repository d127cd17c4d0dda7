# Snapshot, restore and clone through the daemon (issue 18, docs/snapshot.md).
# A Linux guest with state (a counter running in its shell, a file in its
# tmpfs) is snapshotted, its VM deleted, and a new VM restored from the
# files: the counter goes on, the file is there, the shell answers, and the
# guest's uptime did not go back. Then bad snapshots are refused with a
# line each and the daemon serves on, a lowered ID field refuses the
# restore, and 8 clones of the snapshot run at once and each answers.
RUN_TIMEOUT=240
start_daemon snap
SNAP=/tmp/snap1

spec() {	# spec NAME [EXTRA-MEMBERS]: the guest of every VM here
	cat > /tmp/$1.json <<SPEC
{"name": "$1", "vcpus": 2, "memory_mib": 256,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=shell", "transport": "$VMMD_TRANSPORT"$2}
SPEC
}

# ask VM COMMAND MARK: types COMMAND in VM's shell and waits for MARK, which
# only the command's output has (not its echo: hence the "" in the marks).
ask() {
	vmmctl send "$1" "$2" || fail "console input to $1"
	run_status status vmmctl --until "$3" --timeout 60 console "$1"
	assert_eq "$status" 0 "$1 answered '$2' with '$3'"
}

# field OUT NAME: what the guest printed as "NAME=value" (the last one).
field() {
	echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p" | tail -n 1
}

spec s
vmmctl create /tmp/s.json > /dev/null || fail "create s"
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start s
assert_eq "$status" 0 "start s"
run_status status vmmctl --until 'action=shell' --timeout 120 console s
assert_eq "$status" 0 "s reached its shell"
run_status status vmmctl --until '# ' --timeout 60 console s
# State: a file in tmpfs, a counter in the background, the uptime so far.
ask s 'mkdir -p /run/snap && echo kept-$((40+2)) > /run/snap/file && echo fi""le=written' 'file=written'
ask s '(i=0; while :; do i=$((i+1)); echo $i > /run/snap/count; sleep 1; done) & echo coun""ter=started' 'counter=started'
ask s 'sleep 3; echo befo""re=$(cat /run/snap/count) up=$(cut -d" " -f1 /proc/uptime) B$((100+1))' 'B101'
before_count=$(field "$OUT" before)
before_up=$(field "$OUT" up)
[ "${before_count:-0}" -ge 2 ] || fail "s's counter did not count: '$before_count'"

run_status status vmmctl --json snapshot s $SNAP
[ "$status" = 0 ] || vmmctl --json info s
assert_eq "$status" 0 "snapshot s"
assert_contains "$OUT" '"memory_bytes":268435456' "the snapshot's memory size"
written=$(json_field "$OUT" memory_written)
[ -s $SNAP/state ] || fail "no state file"
assert_eq "$(stat -c %s $SNAP/memory)" 268435456 "the memory file's size"
blocks_kib=$(du -k $SNAP/memory | cut -f1)
echo "memory file: $written bytes of data, $blocks_kib KiB on disk of 262144"
[ "$blocks_kib" -lt 262144 ] || fail "the memory file is not sparse ($blocks_kib KiB)"
# the VM ran on after its snapshot
ask s 'echo af""ter=$(cat /run/snap/count)' 'after='

# The same snapshot without the daemon: vmmd run --restore, its console on
# stdin and stdout; a VM given other vCPUs than the snapshot's is refused.
run_status status sh -c "echo 'echo ru\"\"n=\$((9*9)) \$(cat /run/snap/file); poweroff -f' |
	vmmd run --restore $SNAP --vcpus 2 --memory 256M --transport $VMMD_TRANSPORT"
assert_eq "$status" 0 "vmmd run --restore: the guest answered and powered off"
assert_contains "$OUT" "run=81 kept-42" "vmmd run --restore's guest"
run_status status vmmd run --restore $SNAP --vcpus 1 --memory 256M --transport $VMMD_TRANSPORT
[ "$status" != 0 ] || fail "a restore with 1 vCPU of a 2-vCPU snapshot ran"
assert_contains "$ERR" "cannot restore: the snapshot has 2 vCPUs, the VM is given 1" \
	"vmmd run --restore with other vCPUs"

run_status status vmmctl stop --force s
vmmctl --timeout 60 wait s stopped > /dev/null || fail "s did not stop"
run_status status vmmctl delete s
assert_eq "$status" 0 "delete s"

# Restored: a new VM, in its own process, from the two files.
run_status status vmmctl --json restore /tmp/s.json $SNAP r
assert_eq "$status" 0 "restore r from s's snapshot"
vmmctl --timeout 60 wait r running > /dev/null || fail "r did not run"
ask r 'echo restored=$(cat /run/snap/file)' 'restored=kept-42'
ask r 'echo n""ow=$(cat /run/snap/count) up=$(cut -d" " -f1 /proc/uptime) N$((100+2))' 'N102'
now_count=$(field "$OUT" now)
now_up=$(field "$OUT" up)
ask r 'sleep 3; echo lat""er=$(cat /run/snap/count) L$((100+3))' 'L103'
later_count=$(field "$OUT" later)
echo "counter: $before_count before the snapshot, $now_count restored, $later_count 3 s on; uptime $before_up then $now_up"
[ "$now_count" -ge "$before_count" ] || fail "the counter went back: $before_count -> $now_count"
[ "$later_count" -gt "$now_count" ] || fail "the restored counter does not count: $now_count -> $later_count"
awk -v a="$before_up" -v b="$now_up" 'BEGIN { exit !(b >= a) }' ||
	fail "the guest's uptime went back: $before_up -> $now_up"

# Bad snapshots: each refused with one line, nothing runs, the daemon serves.
bad() {	# bad NAME DIR WHAT
	spec $1
	run_status status vmmctl restore /tmp/$1.json $2 $1
	if [ "$status" = 0 ]; then
		vmmctl --timeout 60 wait $1 stopped > /dev/null ||
			fail "$1 from a bad snapshot ($3) did not end"
	fi
	run_status status vmmctl --json info $1
	assert_contains "$OUT" 'setup-failed' "$1 from a bad snapshot ($3)"
	grep "cannot restore" /tmp/snap.log | tail -n 1 | grep -q "$3" ||
		fail "no 'cannot restore: ... $3' line in the daemon's log"
	vmmctl delete $1 > /dev/null || fail "delete $1"
}
mkdir -p /tmp/bad-trunc /tmp/bad-crc /tmp/bad-mem /tmp/bad-arch
head -c 1000 $SNAP/state > /tmp/bad-trunc/state
ln $SNAP/memory /tmp/bad-trunc/memory
cp $SNAP/state /tmp/bad-crc/state
byte=$(dd if=$SNAP/state bs=1 skip=200 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %o $((255 - byte)))" |	# that byte, every bit flipped
	dd of=/tmp/bad-crc/state bs=1 seek=200 conv=notrunc 2>/dev/null
cmp -s $SNAP/state /tmp/bad-crc/state && fail "the corrupted copy is the same"
ln $SNAP/memory /tmp/bad-crc/memory
cp $SNAP/state /tmp/bad-mem/state
truncate -s 1M /tmp/bad-mem/memory
cp $SNAP/state /tmp/bad-arch/state
printf 'x86_64\0\0' | dd of=/tmp/bad-arch/state bs=1 seek=16 conv=notrunc 2>/dev/null
ln $SNAP/memory /tmp/bad-arch/memory
bad b1 /tmp/bad-trunc truncated
bad b2 /tmp/bad-crc checksum
bad b3 /tmp/bad-mem "memory file is"
bad b4 /tmp/bad-arch architecture
run_status status vmmctl restore /tmp/s.json /tmp/no-such-snapshot b5
assert_eq "$status" 1 "a missing snapshot"
assert_contains "$ERR" "cannot open" "a missing snapshot"
ask r 'echo still=$((5*5))' 'still=25'

# A CPU template that lowers a writable ID_AA64ISAR0_EL1 field the snapshot's
# guest saw: the restore is refused before the VM runs, naming the register.
report=$(vmmd --cpu-model --json)
isar0=$(echo "$report" | sed -n 's/.*"ID_AA64ISAR0_EL1":{[^}]*"value":"\([^"]*\)".*/\1/p')
mask=$(echo "$report" | sed -n 's/.*"ID_AA64ISAR0_EL1":{[^}]*"writable":"\([^"]*\)".*/\1/p')
shift=0 lower=""
while [ $shift -lt 64 ] && [ -z "$lower" ]; do
	[ $(( (mask >> shift) & 15 )) = 15 ] && [ $(( (isar0 >> shift) & 15 )) -gt 0 ] &&
		[ $(( (isar0 >> shift) & 15 )) -lt 15 ] && lower=$shift
	shift=$((shift + 4))
done
[ -n "$lower" ] || fail "no writable non-zero field in ID_AA64ISAR0_EL1 ($isar0, $mask)"
echo "{\"name\":\"lower\",\"fields\":[{\"register\":\"ID_AA64ISAR0_EL1\",\"shift\":$lower,\"value\":0}]}" > /tmp/lower.json
spec t ', "cpu_template": "/tmp/lower.json"'
run_status status vmmctl restore /tmp/t.json $SNAP t
vmmctl --timeout 60 wait t stopped > /dev/null || fail "t did not end"
run_status status vmmctl --json info t
assert_contains "$OUT" 'setup-failed' "a restore on a lowered ID field"
grep "cannot restore on this host" /tmp/snap.log | grep -q ID_AA64ISAR0_EL1 ||
	fail "the refusal does not name ID_AA64ISAR0_EL1"
vmmctl delete t > /dev/null || fail "delete t"

# 8 clones of the one snapshot at once, each its own VM that answers.
spec c
run_status status vmmctl --json clone /tmp/c.json $SNAP 8
assert_eq "$status" 0 "8 clones of the snapshot"
for i in 1 2 3 4 5 6 7 8; do
	vmmctl --timeout 120 wait c-$i running > /dev/null || fail "clone c-$i did not run"
done
for i in 1 2 3 4 5 6 7 8; do
	ask c-$i "echo clone$i=\$((${i}*11)) has \$(cat /run/snap/file)" "clone$i=$((i * 11)) has kept-42"
done
for i in 1 2 3 4 5 6 7 8; do
	vmmctl stop --force c-$i > /dev/null
done
vmmctl stop --force r > /dev/null
