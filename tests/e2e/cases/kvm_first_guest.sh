# The first real guest: vmmd opens /dev/kvm, checks KVM_GET_API_VERSION,
# creates a VM and a vCPU, runs a few instructions that compute 6 * 7 into x5
# and call PSCI SYSTEM_OFF, and reports the exit it saw.
run_status status vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin" --json
assert_eq "$status" 0 "exit status of a guest that powered off"
assert_eq "$(json_field "$OUT" api_version)" 12 "KVM_GET_API_VERSION"
assert_eq "$(json_field "$OUT" exit_reason)" system-event "KVM exit reason"
assert_eq "$(json_field "$OUT" system_event)" shutdown "system event type"
assert_eq "$(json_field "$OUT" outcome)" poweroff "outcome"
assert_eq "$(json_field "$OUT" exits)" 1 "exits taken"
assert_eq "$(json_field "$OUT" x5)" 0x2a "x5, computed by the guest"
