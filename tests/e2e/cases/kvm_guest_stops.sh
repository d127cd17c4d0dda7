# Each way a bare-metal guest can end is its own outcome and exit status:
# a PSCI SYSTEM_RESET reboots the VM in place, and with --max-boots 2 the
# second reset ends it as a reboot (4); under --unmapped-mmio stop, a store
# to an address where no device is mapped is a guest error (6) that names
# the access.
run_status status vmmd run --payload "$VMMD_PAYLOADS/psci_system_reset.bin" --max-boots 2 --json
assert_eq "$status" 4 "exit status of a guest that asked to reset"
assert_eq "$(json_field "$OUT" system_event)" reset "system event type"
assert_eq "$(json_field "$OUT" outcome)" reboot "outcome"
assert_eq "$(json_field "$OUT" boots)" 2 "boots before --max-boots ended it"

run_status status vmmd run --payload "$VMMD_PAYLOADS/mmio_unmapped_store.bin" \
	--unmapped-mmio stop --json
assert_eq "$status" 6 "exit status of a guest that wrote to no device"
assert_eq "$(json_field "$OUT" exit_reason)" mmio "KVM exit reason"
assert_eq "$(json_field "$OUT" outcome)" guest-error "outcome"
assert_contains "$OUT" "write of 4 bytes at unmapped address 0xf000000" "detail"
assert_eq "$(map_unmapped "$OUT" mmio)" 1 "the forward map counted the unmapped access"
