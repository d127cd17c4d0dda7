# `vmmctl metrics` of a daemon with a running Linux guest (an entropy
# device, its driver loaded) and a defined VM: scraped while the guest is
# paused, so that its counters hold still, and checked against the same
# VM's `vmmctl info` counters, entry by entry and device by device. The
# text and the info go back as artifacts; the host side runs promtool on
# them (daemon_metrics.host).
RUN_TIMEOUT=180
start_daemon vmmd-metrics

cat > /tmp/m.json <<SPEC
{"name": "m", "vcpus": 1, "memory_mib": 128,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=virtio_mmio,virtio-rng vmmd.action=shell",
 "devices": [{"type": "rng"}]}
SPEC
echo "{\"name\": \"idle\", \"vcpus\": 1, \"memory_mib\": 64, \"kernel\": \"$VMMD_GUEST/Image\"}" > /tmp/idle.json
run_status status vmmctl create /tmp/idle.json
assert_eq "$status" 0 "create idle"
run_status status vmmctl create /tmp/m.json
assert_eq "$status" 0 "create m"
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start m
assert_eq "$status" 0 "start m"
run_status status vmmctl --until 'cpus=1 action=shell' --timeout 120 console m
assert_eq "$status" 0 "m's guest reaches its init"
# The guest reads its entropy device, so that it has chains to count.
run_status status vmmctl --until '# ' --timeout 60 console m
vmmctl send m 'head -c 64 /dev/hwrng | wc -c; echo rng-read' || fail "console input to m"
run_status status vmmctl --until 'rng-read' --timeout 30 console m
assert_eq "$status" 0 "m's shell read /dev/hwrng"
run_status status vmmctl pause m
assert_eq "$status" 0 "pause m"

vmmctl metrics > "$VMMD_ARTIFACTS/metrics.prom" || fail "vmmctl metrics"
vmmctl --json info m > "$VMMD_ARTIFACTS/info.json" || fail "vmmctl info m"
METRICS=$(cat "$VMMD_ARTIFACTS/metrics.prom")
INFO=$(cat "$VMMD_ARTIFACTS/info.json")
echo "metrics: $(grep -c -v '^#' "$VMMD_ARTIFACTS/metrics.prom") samples in $(grep -c '^# TYPE' "$VMMD_ARTIFACTS/metrics.prom") families"

# has SAMPLE: the exact line is in the text.
has() {
	grep -qxF "$1" "$VMMD_ARTIFACTS/metrics.prom" || fail "no '$1' in the metrics"
}
has 'vmmd_vms 2'
has 'vmmd_clients 1'
has 'vmmd_vm_state{vm="m",state="paused"} 1'
has 'vmmd_vm_state{vm="m",state="running"} 0'
has 'vmmd_vm_state{vm="idle",state="defined"} 1'
has 'vmmd_vm_memory_bytes{vm="m"} 134217728'
has 'vmmd_vm_vcpus{vm="m"} 1'
rss=$(sed -n 's/^vmmd_vm_process_resident_memory_bytes{vm="m"} //p' "$VMMD_ARTIFACTS/metrics.prom")
[ -n "$rss" ] && [ "$rss" -gt 1048576 ] || fail "m's process resident memory: '$rss'"
echo "m's process: $((rss / 1024)) KiB resident"
has "vmmd_vm_console_log_dropped_bytes_total{vm=\"m\"} $(json_field "$INFO" console_log_dropped)"

# Every forward-map entry of the info: its hits, by name, kind and base;
# the exits of each kind: its entries' hits and the unmapped ones.
entries=$(echo "$INFO" | grep -o '{"name":"[^"]*","kind":"[^"]*","base":"[^"]*","size":"[^"]*","action":"[^"]*","hits":[0-9]*}')
[ -n "$entries" ] || fail "no forward map entries in m's info: $INFO"
n=0
while read -r entry; do
	name=$(json_field "$entry" name) kind=$(json_field "$entry" kind)
	has "vmmd_vm_forward_map_hits_total{vm=\"m\",entry=\"$name\",kind=\"$kind\",base=\"$(json_field "$entry" base)\"} $(json_field "$entry" hits)"
	n=$((n + 1))
done <<ENTRIES
$entries
ENTRIES
echo "forward map: $n entries equal to m's info"
for kind in mmio hypercall system-event exit; do
	sum=$(echo "$entries" | grep "\"kind\":\"$kind\"" | sed 's/.*"hits":\([0-9]*\)}/\1/' |
		awk -v u="$(map_unmapped "$INFO" "$kind")" '{ s += $1 } END { print s + u }')
	has "vmmd_vm_exits_total{vm=\"m\",kind=\"$kind\"} $sum"
done
has "vmmd_vm_forward_map_unmapped_total{vm=\"m\",kind=\"mmio\"} $(map_unmapped "$INFO" mmio)"

# The entropy device: every transport count equal to the info's.
device=$(echo "$INFO" | grep -o '{"name":"[^"]*","kind":"rng"[^}]*}')
[ -n "$device" ] || fail "no rng device in m's counters: $INFO"
dev=$(json_field "$device" name)
for count in notifies mmio_notifies interrupts chains resets needs_reset_events; do
	has "vmmd_vm_virtio_${count}_total{vm=\"m\",device=\"$dev\",kind=\"rng\"} $(json_field "$device" $count)"
done
has "vmmd_vm_virtio_needs_reset{vm=\"m\",device=\"$dev\",kind=\"rng\"} 0"
[ "$(json_field "$device" chains)" -gt 0 ] || fail "the guest's reads made no chains: $device"
echo "rng $dev: $(json_field "$device" chains) chains, equal to m's info"

run_status status vmmctl resume m
assert_eq "$status" 0 "resume m"
echo "metrics: equal to vm-info's counters"
