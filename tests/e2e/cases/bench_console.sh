# The console benchmark, for `make bench`: boots of Debian's arm64 kernel
# with a busybox initrd, with the kernel's console on (vmmd's default
# command line) and with `quiet`, alternating in this one host. Per boot:
# time from VM creation to the guest's init marker, and the UART's exits
# against the bytes the console wrote. Prints medians and the ratio of the
# console-on boot to the quiet one (target <= 1.10, issue 20); fails only
# when a boot did not reach init.
# When kvmtool's lkvm is in the host (tests/e2e/fetch-kvmtool), each round
# also boots the same kernel and initrd, console on, with `lkvm run` and
# with `vmmd run`, in turn (the order swapped every round), both timed the
# same way by bench-marker: from the launch of the program to the init
# marker in its output; the guest then powers off through PSCI, which ends
# either. Prints their medians and kvmtool/vmmd (target >= 2.00, issue 20).
runs=3
cmdline_on="console=ttyS0 vmmd.action=poweroff"
kvmtool=$(command -v lkvm)
bench_host
: > /tmp/console-on.tsv
: > /tmp/console-quiet.tsv
: > /tmp/console-kvmtool.tsv
: > /tmp/console-vmmd.tsv

# stream_boot VMM ROUND: one console-on boot by kvmtool or vmmd, the console
# on the program's stdout, timed by bench-marker (its timeout: the case's).
stream_boot() {
	_vmm=$1 _round=$2
	if [ "$_vmm" = kvmtool ]; then
		# kvmtool's serial console is its 8250, ttyS0, on stdout; with
		# --nodefaults it adds nothing to the command line (no
		# console=ttyS0 twice, no root=/dev/vda) and no 9p root, and
		# `--network mode=none` leaves out its default user-mode NIC:
		# no virtio device, as in vmmd's boot. HOME: kvmtool keeps its
		# control socket in $HOME/.lkvm.
		set -- env HOME=/tmp lkvm run --kernel "$VMMD_GUEST/Image" \
			--initrd "$VMMD_GUEST/initrd.cpio.gz" --cpus 2 --mem 256M \
			--console serial --nodefaults --network mode=none \
			--params "$cmdline_on"
	else
		set -- vmmd run --kernel "$VMMD_GUEST/Image" \
			--initrd "$VMMD_GUEST/initrd.cpio.gz" --vcpus 2 --memory 256M \
			--cmdline "$cmdline_on" --boot-marker @@guest-init --json
	fi
	_log=/tmp/bench-console-$_vmm.log
	_out=$(bench-marker "${RUN_TIMEOUT:-300}" @@guest-init "$_log" "$@" \
		2> /tmp/bench-console-$_vmm.err) ||
		fail "boot $_round ($_vmm, console on) did not reach init and power off: $_out;" \
			"$(cat /tmp/bench-console-$_vmm.err); last output: $(tail -n 5 "$_log")"
	_marker=$(json_field "$_out" marker_us)
	echo "$_marker" >> /tmp/console-$_vmm.tsv
	_own=""
	if [ "$_vmm" = vmmd ]; then	# vmmd's own count, from VM creation
		_own=$(json_field "$(grep -o '{"outcome".*' "$_log" | tail -n 1)" marker_us)
		[ -z "$_own" ] || _own=" (vmmd's own count from VM creation: $((_own / 1000)) ms)"
	fi
	# What the guest saw, from its init line: the same 2 CPUs under both.
	_cpus=$(grep -o '@@guest-init .*' "$_log" | head -n 1 | sed -n 's/.* \(cpus=[0-9]*\).*/\1/p')
	printf 'boot %d, %s console on: init marker %d ms after launch%s, %d bytes of output, guest %s\n' \
		"$_round" "$_vmm" $((_marker / 1000)) "$_own" "$(json_field "$_out" output_bytes)" \
		"${_cpus:-cpus unknown}"
}

for i in $(seq $runs); do
	for mode in on quiet; do
		cmdline=$cmdline_on
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
	[ -n "$kvmtool" ] || continue
	if [ $((i % 2)) = 1 ]; then order="kvmtool vmmd"; else order="vmmd kvmtool"; fi
	for vmm in $order; do
		stream_boot $vmm "$i"
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
if [ -z "$kvmtool" ]; then
	echo "bench-console: kvmtool not in this host (tests/e2e/fetch-kvmtool)"
else
	echo "bench-console: kvmtool vs vmmd: $runs boots each, console on, from launch to the init marker in their output; $(lkvm version)"
	awk -v k="$(median < /tmp/console-kvmtool.tsv)" -v v="$(median < /tmp/console-vmmd.tsv)" 'BEGIN {
		printf "bench-console: kvmtool console on median %.0f ms, vmmd console on median %.0f ms, kvmtool/vmmd ratio %.2f (target >= 2.00)\n",
			k / 1000, v / 1000, k / v
	}'
fi
