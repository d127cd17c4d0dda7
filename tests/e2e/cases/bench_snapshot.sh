# The snapshot benchmark, for `make bench` (issue 18). One 2-vCPU, 256 MiB
# Linux guest with a shell, through the daemon:
# - cold boot: from vm-start to the guest's shell answering on its console;
# - snapshot: how long the guest was held, the state file's size and how
#   much of guest memory was data, against guest memory;
# - restore: from vm-restore to the restored shell answering on its console,
#   against the cold boot (target: within 5 % of it);
# - clones: host memory taken by 16 clones of the snapshot held at once,
#   each answering, against one restored VM (target: within 2x the memory
#   of one): the memory file's resident data plus the VM processes'
#   anonymous memory.
# Runs $runs times each and prints medians. Figures, not verdicts: it fails
# only when something did not run.
RUN_TIMEOUT=300
runs=3 clones=16
bench_host
cat > /tmp/bench-snap.conf <<CONF
{"stop_timeout_s": 1,
 "limits": {"vms": 64, "vcpus_total": 256, "memory_mib_total": 65536}}
CONF
start_daemon bench-snap --config /tmp/bench-snap.conf

spec() {	# spec NAME
	cat > /tmp/$1.json <<SPEC
{"name": "$1", "vcpus": 2, "memory_mib": 256,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=shell"}
SPEC
}
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# answers VM N: waits until VM's shell answers "echo $((N*7))a"; its time.
answers() {
	until vmmctl send "$1" "echo \$(($2*7))a" 2>/dev/null &&
	    vmmctl --until "$(($2 * 7))a" --timeout 2 console "$1" > /dev/null 2>&1; do
		vmmctl --json info "$1" | grep -q '"state":"\(starting\|running\)"' ||
			fail "$1 ended before it answered"
	done
}

: > /tmp/cold.ms; : > /tmp/restore.ms; : > /tmp/held.us
for i in $(seq $runs); do
	spec s$i
	vmmctl create /tmp/s$i.json > /dev/null || fail "create s$i"
	t0=$(now_ms)
	vmmctl start s$i > /dev/null || fail "start s$i"
	answers s$i $i
	echo $(( $(now_ms) - t0 )) >> /tmp/cold.ms
	out=$(vmmctl --json snapshot s$i /tmp/bsnap$i) || fail "snapshot s$i"
	echo "$out"
	json_field "$out" paused_us >> /tmp/held.us
	state_bytes=$(json_field "$out" state_bytes)
	written=$(json_field "$out" memory_written)
	vmmctl kill s$i > /dev/null; vmmctl --timeout 30 wait s$i stopped > /dev/null
	vmmctl delete s$i > /dev/null
	spec r$i
	t0=$(now_ms)
	vmmctl restore /tmp/r$i.json /tmp/bsnap$i r$i > /dev/null || fail "restore r$i"
	answers r$i $((i + 10))
	echo $(( $(now_ms) - t0 )) >> /tmp/restore.ms
	echo "run $i: cold boot $(tail -n 1 /tmp/cold.ms) ms, restore $(tail -n 1 /tmp/restore.ms) ms"
done
cold=$(median < /tmp/cold.ms)
restore=$(median < /tmp/restore.ms)
echo "bench-snapshot: $runs runs, 2 vCPUs, 256 MiB guest with a shell"
awk -v c="$cold" -v r="$restore" 'BEGIN {
	printf "bench-snapshot: cold boot to a console answer median %.0f ms, restore to a console answer median %.0f ms, ratio %.3f (target <= 0.05)\n", c, r, r / c }'
awk -v h="$(median < /tmp/held.us)" -v s="$state_bytes" -v w="$written" 'BEGIN {
	printf "bench-snapshot: snapshot held the guest median %.0f ms; state file %d KiB; memory file %.1f MiB of data of 256 MiB (%.1f %%)\n",
	    h / 1000, s / 1024, w / 1048576, 100 * w / 268435456 }'

# Clones: the memory one restored VM takes, then 16 clones at once. The
# host's /tmp is in memory (tmpfs), so the memory file's data is resident
# before any restore and every VM maps those pages: each measure is the
# file's resident size, once, plus each VM process's anonymous memory
# (smaps_rollup: the guest pages it wrote, its own heap and stacks). KVM's
# kernel allocations are in neither.
# anon_kib VM...: the VMs' processes' anonymous memory, summed.
anon_kib() {
	for _vm in "$@"; do
		_pid=$(json_field "$(vmmctl --json info "$_vm")" pid)
		sed -n 's/^Anonymous: *\([0-9]*\) kB/\1/p' /proc/$_pid/smaps_rollup
	done | awk '{ s += $1 } END { print s + 0 }'
}
last=r$runs
vmmctl kill $last > /dev/null; vmmctl --timeout 30 wait $last stopped > /dev/null
file_kib=$(du -k /tmp/bsnap$runs/memory | cut -f1)
spec one
vmmctl restore /tmp/one.json /tmp/bsnap$runs one > /dev/null || fail "restore one"
answers one 20
one_kib=$(anon_kib one)
vmmctl kill one > /dev/null; vmmctl --timeout 30 wait one stopped > /dev/null
spec c
vmmctl --json clone /tmp/c.json /tmp/bsnap$runs $clones > /dev/null || fail "clone $clones"
names=""
for i in $(seq $clones); do
	answers c-$i $((i + 30))
	names="$names c-$i"
done
all_kib=$(anon_kib $names)
[ "$one_kib" -gt 0 ] && [ "$all_kib" -gt "$one_kib" ] ||
	fail "no anonymous memory read for the VMs ($one_kib, $all_kib KiB)"
awk -v one="$one_kib" -v all="$all_kib" -v n="$clones" -v f="$file_kib" 'BEGIN {
	printf "bench-snapshot: host memory for 1 restored VM %.1f MiB, for %d clones held at once %.1f MiB, ratio %.2f (target <= 2.00); the memory file %.1f MiB in each, the VM processes anonymous %.1f and %.1f MiB\n",
	    (f + one) / 1024, n, (f + all) / 1024, (f + all) / (f + one), f / 1024, one / 1024, all / 1024 }'
