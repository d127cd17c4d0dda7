# The main job, for now: run the first guest through vmmd and show its report.
echo "--- emulated arm64 host: Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
dmesg | grep 'kvm \[' | sed 's/^\[[ 0-9.]*\] /--- kernel: /'
echo "--- vmmd $(vmmd --version | cut -d' ' -f2): running tests/payloads/psci_system_off.S"
vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin" || fail "vmmd run failed"
