# A CPU template that gives the vCPUs a PMUv3: vmmd sets the PMU's PPI and
# initialises it once the vGIC is up, and describes it in the device tree;
# the Linux guest finds an armv8 PMU. Without the template it finds none.
cat > /tmp/pmu.json <<'JSON'
{ "name": "with-pmu", "features": { "pmu": true } }
JSON
guest="--kernel $VMMD_GUEST/Image --initrd $VMMD_GUEST/initrd.cpio.gz --vcpus 2 --memory 192M"
run_status status vmmd run $guest --cpu-template /tmp/pmu.json \
	--cmdline "console=ttyS0 quiet vmmd.action=poweroff" --console-log /tmp/pmu.log --json
assert_eq "$status" 0 "a guest with a PMU powers off"
assert_contains "$(grep '@@guest-init' /tmp/pmu.log)" "pmu=1" "the guest found an armv8 PMU"

run_status status vmmd run $guest \
	--cmdline "console=ttyS0 quiet vmmd.action=poweroff" --console-log /tmp/nopmu.log --json
assert_eq "$status" 0 "a guest without a PMU powers off"
assert_contains "$(grep '@@guest-init' /tmp/nopmu.log)" "pmu=0" "no PMU without the template"
