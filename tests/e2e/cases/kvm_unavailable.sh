# On a host without EL2 the kernel has no KVM, and vmmd says so with its
# own exit status instead of pretending.
dmesg | grep -q "HYP mode not available" ||
	fail "this host was meant to boot without EL2, but the kernel did not say 'HYP mode not available'"
run_status status vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin"
assert_eq "$status" 3 "exit status without KVM"
assert_contains "$ERR" "KVM is not available: cannot open /dev/kvm" "message without KVM"
