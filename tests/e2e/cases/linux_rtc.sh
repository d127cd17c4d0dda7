# The guest's wall clock: Debian's kernel finds the PL031 in vmmd's device
# tree, sets its time from it at boot (hctosys), and the guest's `date` is
# the host's, between the host's clock before and after the run.
before=$(date +%s)
run_status status vmmd run --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --memory 256M \
	--cmdline "console=ttyS0 vmmd.action=rtc" \
	--console-log /tmp/console-rtc.log --json
after=$(date +%s)
grep -E 'rtc|pl031' /tmp/console-rtc.log | head -n 5
assert_eq "$status" 0 "exit status of a Linux guest that powered off"
line=$(grep '@@guest-rtc' /tmp/console-rtc.log)
assert_contains "$line" "pl031" "the RTC the guest found"
guest=$(echo "$line" | sed -n 's/.*date=\([0-9]*\).*/\1/p')
rtc=$(echo "$line" | sed -n 's/.* rtc=\([0-9]*\).*/\1/p')
[ -n "$guest" ] && [ -n "$rtc" ] || fail "no date in '$line'"
[ "$guest" -ge "$before" ] && [ "$guest" -le "$after" ] ||
	fail "the guest's date $guest is not within the host's $before..$after"
[ "$rtc" -ge "$before" ] && [ "$rtc" -le "$after" ] ||
	fail "the guest's RTC $rtc is not within the host's $before..$after"
hits=$(map_hits "$OUT" rtc)
[ "${hits:-0}" -gt 0 ] || fail "the RTC's forward map entry served nothing: '$hits'"
