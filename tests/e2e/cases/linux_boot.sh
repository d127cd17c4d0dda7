# A real Linux guest: Debian's arm64 kernel and a busybox initrd, booted by
# vmmd with 1 and with 2 vCPUs; the guest's /init reports what it sees and
# powers off, which ends the VM with status 0.
for vcpus in 1 2; do
	run_status status vmmd run --kernel "$VMMD_GUEST/Image" \
		--initrd "$VMMD_GUEST/initrd.cpio.gz" --vcpus $vcpus --memory 256M \
		--cmdline "console=ttyS0 vmmd.action=poweroff" \
		--console-log /tmp/console-$vcpus.log --json
	tail -n 5 /tmp/console-$vcpus.log
	assert_eq "$status" 0 "exit status of a Linux guest that powered off ($vcpus vCPUs)"
	assert_eq "$(json_field "$OUT" outcome)" poweroff "outcome"
	marker=$(grep '@@guest-init' /tmp/console-$vcpus.log)
	assert_contains "$marker" "cpus=$vcpus" "CPUs the guest sees"
done
assert_contains "$marker" "online=0-1" "CPUs online in the 2-vCPU guest"
