# What a guest's access to no device gets, per --unmapped-mmio
# (docs/forward-map.md): tests/payloads/unmapped_access.S stores to
# 0x0f000000, then loads 0x0f000100 twice into x4 (all ones before); its
# vectors count synchronous exceptions in x7, with ESR_EL1 in x5 and
# FAR_EL1 in x6. Every policy counts each access, per address.
guest="$VMMD_PAYLOADS/unmapped_access.bin"

# ignore, the default (as QEMU and kvmtool): reads are zero, the guest
# goes on and powers off.
run_status status vmmd run --payload "$guest" --json
assert_eq "$status" 0 "exit status under the default policy"
assert_eq "$(json_field "$OUT" unmapped_mmio_policy)" ignore "the default policy"
assert_eq "$(json_field "$OUT" x4)" 0x0 "an ignored load reads zero"
assert_eq "$(json_field "$OUT" x7)" 0x0 "no exception in the guest"
assert_eq "$(map_unmapped "$OUT" mmio)" 3 "unmapped MMIO accesses"
assert_contains "$OUT" '"unmapped_addresses":[{"address":"0xf000000","accesses":1},{"address":"0xf000100","accesses":2}]' "counted per address"

# abort: each access takes a synchronous external abort in the guest.
run_status status vmmd run --payload "$guest" --unmapped-mmio abort --json
assert_eq "$status" 0 "exit status of a guest that handled its aborts"
assert_eq "$(json_field "$OUT" x7)" 0x3 "exceptions taken"
x5=$(json_field "$OUT" x5)
assert_eq "$(( (x5 >> 26) & 0x3f ))" 37 "ESR_EL1.EC: a data abort from the same EL"
assert_eq "$(( x5 & 0x3f ))" 16 "ESR_EL1.DFSC: a synchronous external abort"
assert_eq "$(json_field "$OUT" x6)" 0xf000100 "FAR_EL1: the address accessed"
assert_eq "$(json_field "$OUT" x4)" 0xffffffffffffffff "an aborted load writes nothing"
assert_contains "$OUT" '"unmapped_addresses":[{"address":"0xf000000","accesses":1},{"address":"0xf000100","accesses":2}]' "counted per address"

# stop: the VM stops at the first access, a guest error that names it.
run_status status vmmd run --payload "$guest" --unmapped-mmio stop --json
assert_eq "$status" 6 "exit status under the stop policy"
assert_contains "$OUT" "write of 4 bytes at unmapped address 0xf000000" "detail"
assert_contains "$OUT" '"unmapped_addresses":[{"address":"0xf000000","accesses":1}]' "counted per address"

run_status status vmmd run --payload "$guest" --unmapped-mmio fault
assert_eq "$status" 2 "an unknown policy"
assert_contains "$ERR" "--unmapped-mmio: 'fault' is not ignore, stop or abort" "an unknown policy, said"
