# The console benchmark, for `make bench`: boots of Debian's arm64 kernel
# with a busybox initrd, with the kernel's console on (vmmd's default
# command line) and with `quiet`, alternating in this one host. Per boot:
# time from VM creation to the guest's init marker, and the UART's exits
# against the bytes the console wrote. Prints medians and the ratio of the
# console-on boot to the quiet one (target <= 1.10, issue 20); fails only
# when a boot did not reach init.
runs=3
bench_host
: > /tmp/console-on.tsv
: > /tmp/console-quiet.tsv
for i in $(seq $runs); do
	for mode in on quiet; do
		cmdline="console=ttyS0 vmmd.action=poweroff"
		[ $mode = on ] || cmdline="console=ttyS0 quiet vmmd.action=poweroff"
		rm -f /tmp/bench-console.log
		out=$(vmmd run --kernel "$VMMD_GUEST/Image" --initrd "$VMMD_GUEST/initrd.cpio.gz" \
			--vcpus 2 --memory 256M --cmdline "$cmdline" \
			--boot-marker @@guest-init --console-log /tmp/bench-console.log --json) ||
			fail "boot $i ($mode) did not power off"
		marker=$(json_field "$out" marker_us)
		[ "$marker" -gt 0 ] || fail "boot $i ($mode) never reached the init marker"
		hits=$(map_hits "$out" uart)
		bytes=$(wc -c < /tmp/bench-console.log)
		printf '%s\t%s\t%s\t%s\n' "$marker" "$(json_field "$out" exits)" \
			"$hits" "$bytes" >> /tmp/console-$mode.tsv
		printf 'boot %d, console %s: init marker %d ms, %d exits, %d of them the UART'"'"'s for %d console bytes\n' \
			"$i" $mode $((marker / 1000)) "$(json_field "$out" exits)" "$hits" "$bytes"
	done
done
on=$(cut -f1 /tmp/console-on.tsv | median)
quiet=$(cut -f1 /tmp/console-quiet.tsv | median)
per_byte=$(awk -F '\t' '{ print ($4 > 0) ? $3 / $4 : 0 }' /tmp/console-on.tsv | median)
echo "bench-console: $runs boots each, 2 vCPUs, 256 MiB, console on and quiet"
awk -v on="$on" -v quiet="$quiet" 'BEGIN {
	printf "bench-console: init marker console on median %.0f ms, quiet median %.0f ms, ratio %.3f (target <= 1.10)\n",
		on / 1000, quiet / 1000, on / quiet
}'
echo "bench-console: exits during boot console on median $(cut -f2 /tmp/console-on.tsv | median), quiet median $(cut -f2 /tmp/console-quiet.tsv | median)"
awk -v b="$(cut -f4 /tmp/console-on.tsv | median)" -v p="$per_byte" 'BEGIN {
	printf "bench-console: console exits per byte median %.4f (of %d console bytes)\n", p, b
}'
