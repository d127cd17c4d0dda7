# MMIO through the trap forward map: the guest writes three registers of
# the scratch device and reads them back (tests/payloads/forward_map_mmio.S);
# the per-entry counters count each access on the entry that served it.
run_status status vmmd run --payload "$VMMD_PAYLOADS/forward_map_mmio.bin" \
	--scratch-device 0xa000000 --json
assert_eq "$status" 0 "exit status of a guest that powered off"
assert_eq "$(json_field "$OUT" x4)" 0xdef09abc56781234 "8-byte register read back"
assert_eq "$(json_field "$OUT" x5)" 0x2a "4-byte register read back"
assert_eq "$(json_field "$OUT" x6)" 0x7 "1-byte register read back"
assert_eq "$(map_hits "$OUT" scratch)" 6 "hits on the scratch device's entry"
assert_eq "$(map_hits "$OUT" shutdown)" 1 "hits on the shutdown entry"
assert_eq "$(map_hits "$OUT" ram)" 0 "hits on guest RAM's entry"
assert_eq "$(map_unmapped "$OUT" mmio)" 0 "unmapped MMIO exits"
assert_eq "$(json_field "$OUT" exits)" 7 "exits taken"

# Without the device the first access is unmapped: under the stop policy
# the VM stops there.
run_status status vmmd run --payload "$VMMD_PAYLOADS/forward_map_mmio.bin" \
	--unmapped-mmio stop --json
assert_eq "$status" 6 "exit status of an access to no device"
assert_contains "$OUT" "write of 8 bytes at unmapped address 0xa000000" "detail"
assert_eq "$(map_unmapped "$OUT" mmio)" 1 "unmapped MMIO exits"

# A device placed over guest RAM is refused before the VM runs, naming both.
run_status status vmmd run --payload "$VMMD_PAYLOADS/forward_map_mmio.bin" \
	--scratch-device 0x80001000
assert_eq "$status" 1 "exit status of a map with an overlap"
assert_contains "$ERR" "'scratch' (mmio 0x80001000-0x80001fff, device): overlaps entry" "overlap named"
assert_contains "$ERR" "'ram' (mmio 0x80000000-" "overlapped entry named"
