# Virtio devices given in a VM spec reach the guest through the daemon:
# a read-write disk with a serial, a read-only disk and an entropy device;
# the guest copies one disk onto the other, and once the VM is gone the
# image holds the copy. `vmmctl info` shows the devices in the config.
RUN_TIMEOUT=240
start_daemon vmmd-dev

dd if=/dev/urandom of=/tmp/dev-source.img bs=64k count=16 2>/dev/null
dd if=/dev/zero of=/tmp/dev-target.img bs=1M count=4 2>/dev/null
want=$(sha256sum /tmp/dev-source.img | cut -d' ' -f1)
cat > /tmp/dev.json <<SPEC
{"name": "dev", "vcpus": 1, "memory_mib": 192,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=virtio_mmio,virtio_blk vmmd.action=virtio-blk",
 "devices": [
  {"type": "disk", "path": "/tmp/dev-target.img", "serial": "vmmd-rw-0"},
  {"type": "disk", "path": "/tmp/dev-source.img", "read_only": true},
  {"type": "rng"}]}
SPEC
run_status status vmmctl run /tmp/dev.json
assert_eq "$status" 0 "vmmctl run of a guest with devices"
line=$(echo "$OUT" | grep '@@blk')
assert_contains "$line" "ro_sum=$want" "the read-only disk as the guest read it"
assert_contains "$line" "rw_sum=$want" "the copy as the guest read it back"
assert_contains "$line" "serial=vmmd-rw-0" "the serial in the guest"
assert_contains "$line" "ro_write=refused" "a write to the read-only disk"
got=$(dd if=/tmp/dev-target.img bs=64k count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the image after the VM is gone"
run_status status vmmctl --json info dev
assert_contains "$OUT" '"devices":[{"type":"disk","path":"fd:device0","serial":"vmmd-rw-0"},{"type":"disk","path":"fd:device1","read_only":true},{"type":"rng"}]' "the devices in info (files vmmctl passed)"

# A disk by a path outside the image directories (vmmd.json's
# images.directories; this daemon has the default, /var/lib/vmmd/images):
# refused at vm-create with the rule, no VM made.
cat > /tmp/bad-dev.json <<SPEC
{"name": "bad", "vcpus": 1, "memory_mib": 64, "kernel": "$VMMD_GUEST/Image",
 "devices": [{"type": "disk", "path": "/nonexistent.img"}]}
SPEC
run_status status vmmctl --paths create /tmp/bad-dev.json
assert_eq "$status" 1 "create a VM whose disk is outside the image directories"
assert_contains "$ERR" "not beneath an image directory (images.directories: /var/lib/vmmd/images)" "why"
run_status status vmmctl info bad
assert_eq "$status" 1 "no VM bad"
