# A guest that floods its console (tests/payloads/console_flood.S: one
# virtio-console chain of 8 x 16 MiB segments over the same memory, again
# and again, and UART lines between them) in the daemon. The console log
# stays within its cap (1 MiB by default) and counts what it dropped; pause,
# resume, info and stop answer within a bound while the flood goes on.
# Before: the log grew without end (128 MiB a chain, a write() per byte),
# and a stop's SysRq waited for the UART lock with the control lock held,
# so info and pause hung behind it. The payload drives virtio-mmio
# registers: its spec asks for that transport.
RUN_TIMEOUT=120
CAP=1048576
BOUND_MS=15000
start_daemon vmmd-flood

cat > /tmp/flood.json <<SPEC
{"name": "flood", "vcpus": 1, "memory_mib": 128,
 "kernel": "$VMMD_PAYLOADS/console_flood.bin", "transport": "mmio",
 "devices": [{"type": "console"}]}
SPEC
run_status status vmmctl create /tmp/flood.json
assert_eq "$status" 0 "create flood"
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start flood
assert_eq "$status" 0 "start flood"

now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# timed NAME command...: runs it, fails past BOUND_MS; its output in $OUT.
timed() {
	_what=$1
	shift
	_start=$(now_ms)
	run_status status "$@"
	_took=$(( $(now_ms) - _start ))
	echo "console_flood: $_what answered in $_took ms (status $status)"
	assert_eq "$status" 0 "$_what"
	[ "$_took" -le "$BOUND_MS" ] || fail "$_what took $_took ms (bound $BOUND_MS)"
}

# The log reaches its cap and is cut: info says so (the bytes it dropped).
dropped=0
for i in $(seq 1 60); do
	timed info vmmctl --json info flood
	dropped=$(json_field "$OUT" console_log_dropped)
	[ "${dropped:-0}" -gt 0 ] && break
	sleep 1
done
[ "${dropped:-0}" -gt 0 ] || fail "no console output dropped from the log: '$dropped'"
log=$(json_field "$OUT" console_log)
[ -f "$log" ] || fail "no console log named in info: '$log'"
size=$(stat -c %s "$log")
echo "console_flood: log $size bytes, $dropped dropped"
[ "$size" -le "$CAP" ] || fail "the console log holds $size bytes, past its cap of $CAP"
grep -q 'fffff' "$log" || fail "the flood's text is not in the log"

timed pause vmmctl pause flood
timed "info while paused" vmmctl --json info flood
assert_eq "$(json_field "$OUT" state)" paused "flood's state after the pause"
timed resume vmmctl resume flood
# A graceful stop: its SysRq is never answered, so it ends forced after
# its share of stop_timeout_s (10 s); info meanwhile answers at once.
vmmctl --json --wait-for VM_STOPPED --timeout 60 stop flood > /tmp/flood.stop 2>&1 &
stopper=$!
sleep 1
timed "info during the stop" vmmctl --json info flood
wait $stopper || fail "the stop: $(cat /tmp/flood.stop)"
run_status status vmmctl --json info flood
assert_eq "$(json_field "$OUT" state)" stopped "flood's state"
assert_contains "$OUT" '"graceful":false' "flood's stop (it never answers SysRq)"
size=$(stat -c %s "$log")
[ "$size" -le "$CAP" ] || fail "the console log holds $size bytes at the end, past its cap of $CAP"
echo "console_flood: ok"
