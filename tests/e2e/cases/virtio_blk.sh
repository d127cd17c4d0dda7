# virtio-blk with Debian's guest kernel: the guest copies a read-only disk
# onto a read-write one and flushes; once the VM is gone the image holds
# the copy (checksums), a range the guest discarded is a hole of zeros, the
# read-only disk refused the guest's write, the serial reached the guest,
# and vmmd's report counts the requests.
dd if=/dev/urandom of=/tmp/source.img bs=64k count=16 2>/dev/null
dd if=/dev/zero of=/tmp/target.img bs=1M count=4 2>/dev/null
want=$(sha256sum /tmp/source.img | cut -d' ' -f1)
source_before=$want
run_status status vmmd run --transport "$VMMD_TRANSPORT" --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --memory 256M \
	--cmdline "console=ttyS0 vmmd.modules=virtio_mmio,virtio_blk vmmd.action=virtio-blk" \
	--disk /tmp/target.img,serial=vmmd-rw-0 --disk /tmp/source.img,ro \
	--console-log /tmp/console-blk.log --json
grep -E '@@|virtio|vd[ab]' /tmp/console-blk.log | tail -n 20
assert_eq "$status" 0 "exit status of the guest that powered off"
line=$(grep '@@blk' /tmp/console-blk.log)
assert_contains "$line" "ro_sum=$want" "the read-only disk as the guest read it"
assert_contains "$line" "rw_sum=$want" "the copy as the guest read it back"
assert_contains "$line" "copy_rc=0" "the guest's copy"
assert_contains "$line" "ro_flag=1 rw_flag=0" "read-only flags in the guest"
assert_contains "$line" "serial=vmmd-rw-0" "the serial in the guest"
assert_contains "$line" "ro_write=refused" "a write to the read-only disk"
assert_contains "$line" "discard_rc=0" "the guest's discard"
# After the VM: the image holds what the guest wrote, the source is intact.
got=$(dd if=/tmp/target.img bs=64k count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the target image's first MiB after the VM is gone"
assert_eq "$(sha256sum /tmp/source.img | cut -d' ' -f1)" "$source_before" \
	"the read-only image after the VM is gone"
rest=$(dd if=/tmp/target.img bs=1M skip=1 2>/dev/null | tr -d '\0' | wc -c)
assert_eq "$rest" 0 "bytes past the copy (zero: discarded, no stray writes)"
discards=$(echo "$OUT" | sed -n 's/.*"name":"block0",[^}]*"discards":\([0-9]*\).*/\1/p')
[ "${discards:-0}" -ge 1 ] || fail "discards reaching vmmd: ${discards:-none}"
# block1's registers: its own virtio-mmio window, or the PCI host's 64-bit
# window where its BAR is; over PCI with the VM's ITS, MSI-X vectors.
if [ "$VMMD_TRANSPORT" = pci ]; then
	[ "$(map_hits "$OUT" pci-mmio64)" -gt 0 ] || fail "forward map hits of the PCI window"
	[ "$(map_hits "$OUT" pci-ecam)" -gt 0 ] || fail "forward map hits of the ECAM"
	echo "$line" | grep -q 'msi_vectors=[1-9]' || fail "no MSI-X vector for virtio in the guest"
	assert_msi_irqfd "$ERR"
else
	[ "$(map_hits "$OUT" block1)" -gt 0 ] || fail "forward map hits of block1"
fi
# vmmd's report: both disks, KVM took the notifications, flushes reached it.
block0=$(echo "$OUT" | sed -n 's/.*\({"name":"block0",[^}]*"counters":{[^}]*}}\).*/\1/p')
echo "block0: $block0"
assert_contains "$block0" '"ioeventfd":true' "notifications through KVM_IOEVENTFD"
assert_contains "$block0" '"needs_reset":false' "block0 stays healthy"
flushes=$(echo "$block0" | sed -n 's/.*"flushes":\([0-9]*\).*/\1/p')
written=$(echo "$block0" | sed -n 's/.*"bytes_written":\([0-9]*\).*/\1/p')
[ "${flushes:-0}" -ge 1 ] || fail "flushes reaching vmmd: ${flushes:-none}"
[ "${written:-0}" -ge 1048576 ] || fail "bytes written: ${written:-none}"
