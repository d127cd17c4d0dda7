# Nothing lost on the console's fast path (docs/design.md): a Linux guest
# writes a known 64 KiB burst to its serial console (tests/e2e/guest-init,
# vmmd.action=burst) and powers off; the burst is read byte-exact from
# console-attach (vmmctl run) and from the VM's console log, while the
# UART took far fewer exits than the slow path's two per byte (its THR
# writes coalesced, its LSR read from memory; the tty's writes still read
# IIR once per FIFO's worth).
RUN_TIMEOUT=240
start_daemon vmmd-burst

# The burst as the guest makes it: 1024 lines of 64 bytes.
i=0
while [ $i -lt 1024 ]; do
	printf 'burst line %04d %047d\n' $i $i
	i=$((i + 1))
done > /tmp/burst.expected
assert_eq "$(wc -c < /tmp/burst.expected)" 65536 "the expected burst's size"

# between FILE: the bytes between the @@burst-begin and @@burst-end lines.
between() {
	sed -n '/^@@burst-begin$/,/^@@burst-end$/p' "$1" | sed '1d;$d'
}

# same WHERE FILE: FILE holds the expected burst, or the case fails showing
# the lines where it first differs.
same() {
	_line=$(cmp /tmp/burst.expected "$2" 2>&1 | sed -n 's/.* line \([0-9]*\).*/\1/p')
	cmp -s /tmp/burst.expected "$2" && return 0
	echo "$1: $(wc -c < "$2") bytes; from line ${_line:-1}:"
	sed -n "${_line:-1},$((${_line:-1} + 3))p" "$2" | cat -v
	fail "$1: the burst differs"
}

# nowatchdog: an emulated host can keep a vCPU from running long enough
# for the lockup detector to print into the burst (at a level that
# dmesg -n 1 lets through); that is the kernel's output, not a loss.
cat > /tmp/burst.json <<SPEC
{"name": "burst", "vcpus": 2, "memory_mib": 160,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 nowatchdog vmmd.action=burst"}
SPEC
vmmctl run /tmp/burst.json > /tmp/burst.attach 2> /tmp/burst.err
assert_eq "$?" 0 "vmmctl run of the burst guest: $(cat /tmp/burst.err)"
run_status status vmmctl --json info burst
assert_eq "$status" 0 "info burst"
log=$(json_field "$OUT" console_log)
between "$log" > /tmp/burst.logged
between /tmp/burst.attach > /tmp/burst.attached
same "the console log" /tmp/burst.logged
same "console-attach" /tmp/burst.attached

hits=$(map_hits "$OUT" uart)
bytes=$(wc -c < "$log")
echo "console: $bytes bytes, $hits UART exits"
[ -n "$hits" ] && [ $((hits * 4)) -lt "$bytes" ] ||
	fail "the UART took $hits exits for $bytes bytes: not the fast path"
run_status status vmmctl delete burst
assert_eq "$status" 0 "delete burst"
