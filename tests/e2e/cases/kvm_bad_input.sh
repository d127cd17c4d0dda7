# Bad input gets a clear error, a distinct exit status, and no VM.
payload="$VMMD_PAYLOADS/psci_system_off.bin"

run_status status vmmd run --payload /nonexistent.bin
assert_eq "$status" 1 "missing payload"
assert_contains "$ERR" "cannot load /nonexistent.bin" "missing payload message"
assert_contains "$ERR" "No such file or directory" "missing payload reason"

run_status status vmmd run --payload /tmp
assert_eq "$status" 1 "directory as payload"
assert_contains "$ERR" "not a regular file" "directory as payload message"

dd if=/dev/zero of=/tmp/big.bin bs=1024 count=2048 2>/dev/null
run_status status vmmd run --payload /tmp/big.bin --memory 1M
assert_eq "$status" 1 "payload larger than guest memory"
assert_contains "$ERR" "does not fit in guest memory" "oversized payload message"

run_status status vmmd run --payload "$payload" --memory 1M --offset 2M
assert_eq "$status" 2 "offset beyond memory"
assert_contains "$ERR" "--offset" "offset message"

run_status status vmmd run --payload "$payload" --memory 100000
assert_eq "$status" 2 "memory not a multiple of 64 KiB"
assert_contains "$ERR" "--memory 100000 is not a multiple of 64 KiB" "memory message"

run_status status vmmd run --payload "$payload" --kvm /dev/null-kvm
assert_eq "$status" 3 "no KVM device"
assert_contains "$ERR" "KVM is not available: cannot open /dev/null-kvm" "no KVM message"
