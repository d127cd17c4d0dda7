# The main job, for now: run the first guest through vmmd and show its report.
echo "--- vmmd $(vmmd --version | cut -d' ' -f2) on $(uname -m), Linux $(uname -r)"
vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin" || fail "vmmd run failed"
