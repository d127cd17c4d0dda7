# How a Linux guest ends is its own outcome: a reboot builds the VM again
# in place and boots the guest a second time (--max-boots 2 ends it at the
# second reset, status 4); a kernel panic is reported as a panic (7).
guest="--kernel $VMMD_GUEST/Image --initrd $VMMD_GUEST/initrd.cpio.gz"

run_status status vmmd run $guest --memory 256M --max-boots 2 \
	--cmdline "console=ttyS0 vmmd.action=reboot" \
	--console-log /tmp/reboot.log --json
assert_eq "$status" 4 "exit status after the guest's second reboot"
assert_eq "$(json_field "$OUT" outcome)" reboot "outcome"
assert_eq "$(json_field "$OUT" boots)" 2 "boots"
assert_eq "$(grep -c '@@guest-init' /tmp/reboot.log)" 2 "the guest reached init in each boot"

run_status status vmmd run $guest --memory 256M \
	--cmdline "console=ttyS0 vmmd.action=panic" \
	--console-log /tmp/panic.log --json
grep -m1 'Kernel panic' /tmp/panic.log
assert_eq "$status" 7 "exit status of a guest kernel panic"
assert_eq "$(json_field "$OUT" outcome)" panic "outcome"
assert_contains "$OUT" "Kernel panic - not syncing: sysrq triggered crash" "detail"
