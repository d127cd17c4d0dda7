# The example launcher (examples/launch-vms, as make install installs it)
# against the socket-activated daemon: two guests that power off, started
# from their spec files, awaited through events and reported; and a spec
# that does not exist, reported as a failure.
RUN_TIMEOUT=400
launcher=/usr/share/doc/vmmd/examples/launch-vms
for vm in p q; do
	cat > /vmmd/guest/$vm.json <<SPEC
{"name": "$vm", "vcpus": 1, "memory_mib": 128,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=poweroff"}
SPEC
done
run_status status $launcher --timeout 300 --until-stopped /vmmd/guest/p.json /vmmd/guest/q.json
assert_eq "$status" 0 "launch-vms with two guests"
report=$OUT
assert_eq "$(systemctl is-active vmmd.service)" active "the service, started by the launcher"
for vm in p q; do
	line=$(echo "$report" | grep "^$vm ")
	assert_contains "$line" " stopped " "$vm's report"
	for event in VM_CREATED VM_STARTING VM_RUNNING VM_STOPPED; do
		assert_contains "$line" "$event" "$vm's events"
	done
	run_status status vmmctl --json info $vm
	assert_contains "$OUT" '"last_run":{"outcome":"poweroff"' "$vm's last run"
done

run_status status $launcher /vmmd/guest/none.json
assert_eq "$status" 1 "launch-vms with a spec that does not exist"
assert_contains "$ERR" "cannot create a VM from /vmmd/guest/none.json" "the launcher's error"
echo "systemd_launch_vms: ok"
