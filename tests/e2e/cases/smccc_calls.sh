# SMCCC calls through the trap forward map, given to KVM as its SMCCC
# filter (tests/payloads/smccc_calls.S): KVM serves PSCI_VERSION, vmmd
# serves its vendor-hypervisor range, TRNG is denied.
run_status status vmmd run --payload "$VMMD_PAYLOADS/smccc_calls.bin" --json
assert_eq "$status" 0 "exit status of a guest that powered off"
assert_contains "$OUT" '"kvm_filter":true' "KVM took the SMCCC filter"
case "$(json_field "$OUT" x4)" in
0x1000[0-9a-f]) ;;	# PSCI 1.x: KVM's answer, major 1 in bits 31:16
*) fail "x4: PSCI_VERSION from KVM should be 1.x, got $(json_field "$OUT" x4)" ;;
esac
assert_eq "$(json_field "$OUT" x5)" 0x10000 "vmmd service VERSION (1.0)"
assert_eq "$(json_field "$OUT" x6)" 0x2a "vmmd service ADD of 40 and 2"
assert_eq "$(json_field "$OUT" x7)" 0xffffffffffffffff "denied TRNG_VERSION: NOT_SUPPORTED"
assert_eq "$(map_hits "$OUT" vmmd-service)" 3 "calls that reached vmmd"
assert_eq "$(map_hits "$OUT" psci-32)" 0 "PSCI calls stay in KVM"
assert_eq "$(map_hits "$OUT" trng-32)" 0 "denied calls stay in KVM"
assert_eq "$(map_hits "$OUT" shutdown)" 1 "hits on the shutdown entry"
assert_eq "$(json_field "$OUT" exits)" 4 "exits taken"

# The documented fallback, as on a kernel without the filter: KVM serves
# every call, so vmmd's range answers NOT_SUPPORTED and TRNG is not denied.
run_status status vmmd run --payload "$VMMD_PAYLOADS/smccc_calls.bin" \
	--no-smccc-filter --json
assert_eq "$status" 0 "exit status without the filter"
assert_contains "$OUT" '"kvm_filter":false' "no filter given"
assert_contains "$ERR" "serves every hypercall itself" "fallback said once"
assert_eq "$(json_field "$OUT" x5)" 0xffffffffffffffff "vmmd VERSION without the filter"
assert_eq "$(json_field "$OUT" x6)" 0xbad "vmmd ADD without the filter"
case "$(json_field "$OUT" x7)" in
0xffffffffffffffff) fail "x7: TRNG_VERSION was denied without the filter" ;;
esac
assert_eq "$(map_hits "$OUT" vmmd-service)" 0 "calls that reached vmmd"
assert_eq "$(json_field "$OUT" exits)" 1 "exits taken"
