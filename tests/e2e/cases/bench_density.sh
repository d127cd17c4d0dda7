# The density benchmark, for `make bench`: idle guests started through the
# daemon with vmmctl. Each is tests/payloads/idle_image.S (an arm64 Image
# header and a WFI loop: no exits, no console), 1 vCPU and 16 MiB, the
# smallest spec vmmd takes. The daemon's limits are raised (a config file)
# so that what stops the count is the host, or the bound below.
# - VMs launched per second: a batch of $batch VMs, each created and started
#   at once (one vmmctl create + start per VM, all in the background), from
#   the batch's first VM_CREATED to its last VM_RUNNING by the daemon's own
#   event timestamps; the median of $batches batches.
# - The most VMs held at once: VMs started one after the other until a start
#   fails or $bound run, $fills times; the median of the number still
#   running at the end of each fill, what stopped it, and the host memory
#   each VM took (MemAvailable before and after).
# Figures, not verdicts: it fails only when something did not run.
RUN_TIMEOUT=120
batch=8 batches=3 bound=64 fills=3
KERNEL=$VMMD_PAYLOADS/idle_image.bin

bench_host

# Limits far above the bound: the daemon is not what stops the count.
cat > /tmp/density.conf <<CONF
{"stop_timeout_s": 1,
 "limits": {"clients": 4096, "vms": 4096, "vcpus_total": 4096,
            "memory_mib_total": 1048576}}
CONF
ulimit -n 65536 || fail "cannot raise the open file limit"
start_daemon vmmd-density --config /tmp/density.conf

mkfifo /tmp/density-events.ready
vmmctl --json --ready-file /tmp/density-events.ready events > /tmp/density-events.log &
timeout 30 cat /tmp/density-events.ready > /dev/null || fail "the events client did not connect"

# launch VM: creates and starts it, until VM_RUNNING; stderr says why not.
launch() {
	printf '{"name": "%s", "vcpus": 1, "memory_mib": 16, "kernel": "%s"}\n' \
		"$1" "$KERNEL" > /tmp/$1.json
	vmmctl create /tmp/$1.json > /dev/null &&
		vmmctl --wait-for VM_RUNNING --timeout 60 start $1 > /dev/null
}

# wait_pids PID...: waits for them all; fails if one failed.
wait_pids() {
	_rc=0
	for _pid in "$@"; do
		wait $_pid || _rc=1
	done
	return $_rc
}

# remove PREFIX: every VM whose name starts with PREFIX, killed (all at
# once) if it runs, then deleted.
remove() {
	pids=""
	for vm in $(vmmctl list | awk -v p="$1" 'index($1, p) == 1 && $2 == "running" { print $1 }'); do
		vmmctl --wait-for VM_STOPPED --timeout 60 kill $vm > /dev/null &
		pids="$pids $!"
	done
	wait_pids $pids || fail "a VM would not be killed"
	for vm in $(vmmctl list | awk -v p="$1" 'index($1, p) == 1 { print $1 }'); do
		vmmctl delete $vm > /dev/null || fail "delete $vm"
	done
}

# event_us EVENT VM: the daemon's timestamps of EVENT for VMs whose names
# start with VM, in µs.
event_us() {
	grep "\"event\":\"$1\"" /tmp/density-events.log | grep "\"vm\":\"$2" |
		sed -n 's/.*"seconds":\([0-9]*\),"microseconds":\([0-9]*\).*/\1 \2/p' |
		awk '{ printf "%.0f\n", $1 * 1000000 + $2 }'
}

# wait_event EVENT VM: until the events client has written it (bounded).
wait_event() {
	_i=0
	while [ -z "$(event_us $1 "$2\"")" ]; do
		[ $_i -lt 100 ] || fail "no $1 event for $2"
		sleep 0.1
		_i=$((_i + 1))
	done
}

: > /tmp/density-rates
for b in $(seq $batches); do
	pids=""
	for i in $(seq $batch); do
		launch l$b-$i 2> /tmp/l$b-$i.err &
		pids="$pids $!"
	done
	wait_pids $pids || fail "batch $b: a launch failed: $(cat /tmp/l$b-*.err)"
	for i in $(seq $batch); do
		wait_event VM_RUNNING l$b-$i
	done
	# From the first VM_CREATED to the last VM_RUNNING of the batch.
	{ event_us VM_CREATED l$b- | sed 's/^/c /'; event_us VM_RUNNING l$b- | sed 's/^/r /'; } |
		awk -v n=$batch -v b=$b '
		$1 == "c" && (first == "" || $2 < first) { first = $2 }
		$1 == "r" && (last == "" || $2 > last) { last = $2 }
		END {
			us = last - first
			printf "batch %d: %d VMs, first created to last running %.0f ms: %.2f VMs/s\n",
				b, n, us / 1000, n / (us / 1e6)
			printf "%.3f\n", n / (us / 1e6) >> "/tmp/density-rates"
		}'
	remove l$b-
done

# fill F: starts VMs hF-1, hF-2, ... until one fails or $bound run, then
# appends "held KiB-per-VM MiB-left what-stopped-it" to /tmp/density-fills.
fill() {
	before=$(meminfo_kib MemAvailable)
	n=0 why="the bound of $bound (no start failed)"
	while [ $n -lt $bound ]; do
		if ! launch h$1-$((n + 1)) 2> /tmp/density-fill.err; then
			why="a failed start: $(head -n 1 /tmp/density-fill.err)"
			break
		fi
		n=$((n + 1))
	done
	after=$(meminfo_kib MemAvailable)
	# Held means still running now, not only started once.
	held=$(vmmctl list | awk -v p="h$1-" 'index($1, p) == 1 && $2 == "running"' | wc -l)
	per_vm=0
	[ "$held" -eq 0 ] || per_vm=$(( (before - after) / held ))
	echo "fill $1: $held VMs running at once, $per_vm KiB of host memory each" \
		"($((after / 1024)) MiB still available); stopped by $why"
	echo "$held $per_vm $((after / 1024)) $why" >> /tmp/density-fills
	remove h$1-
}

: > /tmp/density-fills
for f in $(seq $fills); do
	fill $f
done

median_fill=$(sort -n /tmp/density-fills | sed -n "$(( (fills + 1) / 2 ))p")
set -- $median_fill
echo "bench-density: $batches batches of $batch, $fills fills up to $bound; 1 vCPU, 16 MiB idle guests (WFI)"
echo "bench-density: launched per second  median $(median < /tmp/density-rates) VMs/s"
echo "bench-density: held at once         median $1 VMs, $2 KiB of host memory each," \
	"$3 MiB still available; stopped by ${median_fill#* * * }"
