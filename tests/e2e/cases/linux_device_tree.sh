# The device tree vmmd gives a 2-vCPU Linux guest with an initrd, dumped
# with --dump-dtb from a real boot (real MPIDRs, real initrd placement);
# linux_device_tree.host runs dtc on it. The guest's own view must agree.
run_status status vmmd run --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --vcpus 2 --memory 192M \
	--cmdline "console=ttyS0 vmmd.action=poweroff" \
	--dump-dtb "$VMMD_ARTIFACTS/guest.dtb" --console-log /tmp/dt.log --json
assert_eq "$status" 0 "the guest booted with the dumped device tree"
[ -s "$VMMD_ARTIFACTS/guest.dtb" ] || fail "--dump-dtb wrote nothing"
assert_eq "$(head -c 4 "$VMMD_ARTIFACTS/guest.dtb" | hexdump -e '4/1 "%02x"')" d00dfeed "FDT magic"
