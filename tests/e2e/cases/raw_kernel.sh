# A raw kernel: a bare-metal binary without the arm64 Image header, given
# to --kernel as QEMU's -kernel takes kvm-unit-tests' test.flat. vmmd loads
# it at RAM base + 0x80000 and enters it there with x0 = the device tree,
# which sits in the top 2 MiB of guest RAM (tests/payloads/raw_kernel.S).
run_status status vmmd run --kernel "$VMMD_PAYLOADS/raw_kernel.bin" \
	--memory 64M --json
assert_eq "$status" 0 "exit status of a raw kernel that powered off"
assert_eq "$(json_field "$OUT" kernel_format)" raw "the kind of kernel loaded"
assert_contains "$ERR" "a raw binary of 28 bytes, entered at 0x80080000" "the kind, said"
assert_eq "$(json_field "$OUT" x6)" 0x80080000 "where the raw kernel ran"
assert_eq "$(json_field "$OUT" x4)" 0x83e00000 "x0 at entry: the device tree"
assert_eq "$(json_field "$OUT" x5)" 0xedfe0dd0 "the device tree's magic, read by the guest"

# An empty file is no kernel; the Image path stays as it was.
: > /tmp/empty-kernel
run_status status vmmd run --kernel /tmp/empty-kernel
assert_eq "$status" 1 "an empty kernel"
assert_contains "$ERR" "kernel /tmp/empty-kernel is empty" "an empty kernel, said"
