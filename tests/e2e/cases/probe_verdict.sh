# The probe against the kernel's own word: the verdict, mode and EL2 layout
# that `vmmd --probe --json` gives must be what the kernel log says
# kvm_arm_init() did on this host, whichever kvm-arm.mode it booted with;
# and where KVM cannot serve, `vmmd run` refuses with one line, saying what
# the kernel said, and exit status 3.
echo "--- boot to this case: $(cut -d' ' -f1 /proc/uptime) s of host uptime"
cmdline=$(cat /proc/cmdline)
log=$(dmesg)

# How kvm_arm_init() ended, in the kernel's words (arch/arm64/kvm/arm.c).
outcome=$(echo "$log" | grep -oE 'kvm \[[0-9]+\]: (Protected [hn]VHE mode initialized successfully|Hyp [hn]VHE mode initialized successfully|VHE mode initialized successfully|KVM disabled from command line|HYP mode not available)' | tail -n 1)
[ -n "$outcome" ] || fail "the kernel log has no line saying how KVM's init ended"
echo "--- the kernel says: $outcome"
said=${outcome#*]: }
reason=ok
case "$said" in
"Protected hVHE"*) mode=protected el2=hvhe ;;
"Protected nVHE"*) mode=protected el2=nvhe ;;
"Hyp hVHE"*) mode=nvhe el2=hvhe ;;
"Hyp nVHE"*) mode=nvhe el2=nvhe ;;
"VHE mode"*) mode=vhe el2=vhe ;;
"KVM disabled"*) mode=none el2=unknown reason=kvm-disabled ;;
"HYP mode not"*) mode=none el2=unknown reason=no-hyp-mode ;;
esac
echo "$log" | grep -q 'detected: Nested Virtualization Support' && mode=nested
fallback=false
case "$cmdline" in
*kvm-arm.mode=nested*)
	if [ "$mode" != nested ]; then
		fallback=true
		echo "$log" | grep -q 'unavailable: Nested Virtualization Support' ||
			fail "kvm-arm.mode=nested fell back without the kernel saying why"
	fi ;;
esac
verdict=ready expected_status=0
[ "$reason" = ok ] || { verdict=unavailable; expected_status=3; }

run_status status vmmd --probe --json
assert_eq "$status" "$expected_status" "exit status of vmmd --probe"
assert_eq "$(json_field "$OUT" verdict)" "$verdict" "verdict"
assert_eq "$(json_field "$OUT" reason)" "$reason" "reason"
assert_eq "$(json_field "$OUT" mode)" "$mode" "mode"
assert_eq "$(json_field "$OUT" el2)" "$el2" "EL2 layout"
assert_eq "$(json_field "$OUT" mode_certainty)" certain "mode certainty (root reads the log)"
assert_eq "$(json_field "$OUT" reason_certainty)" certain "reason certainty"
assert_eq "$(json_field "$OUT" nested_fallback)" "$fallback" "nested fallback"
assert_contains "$OUT" "\"says\":\"$outcome\"" "the kernel's line, quoted as evidence"

echo "--- vmmd --probe (the human report)"
t0=$(cut -d' ' -f1 /proc/uptime)
vmmd --probe
t1=$(cut -d' ' -f1 /proc/uptime)
echo "--- end of report; the probe took $(awk "BEGIN { print $t1 - $t0 }") s of host time"

if [ "$verdict" = ready ]; then
	run_status status vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin"
	assert_eq "$status" 0 "a guest runs where the probe says KVM can serve"
	exit 0
fi
run_status status vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin"
assert_eq "$status" 3 "vmmd run where KVM cannot serve"
assert_eq "$(echo "$ERR" | wc -l)" 1 "vmmd run says why on one line"
assert_contains "$ERR" "KVM is not available: cannot open /dev/kvm" "refusal"
assert_contains "$ERR" "$said" "the refusal says what the kernel said"
