# The trust boundary of the control socket (issue 14, docs/security.md), as
# a member of the socket's group who is not root: alice (uid 1000, group
# vmmd) gets no file she could not open herself. By path, each attack is
# refused at vm-create with the rule that answers it and nothing is opened
# (the FIFO would hang the daemon, the loop device would be held); a
# read-only fd offered as a writable disk is refused; the daemon serves on.
# Then the same VM, built from files vmmctl opened with alice's rights and
# passed, boots, and its disk holds what the guest wrote.
RUN_TIMEOUT=240
grep -q '^vmmd:' /etc/group || echo 'vmmd:x:990:' >> /etc/group
grep -q '^alice:' /etc/passwd ||
	echo 'alice:x:1000:990:alice:/tmp:/bin/sh' >> /etc/passwd
grep -q '^bob:' /etc/passwd || echo 'bob:x:1001:990:bob:/tmp:/bin/sh' >> /etc/passwd
printf 'root:$6$vmmd-e2e$not-a-real-hash:19000:0:99999:7:::\n' > /etc/shadow
chmod 0600 /etc/shadow
# as_user USER COMMAND ARGS...: run as USER, the environment kept; busybox
# su would take the command's options for its own, so they go quoted in -c.
as_user() {
	_user=$1
	shift
	_command=
	for _arg in "$@"; do
		_command="$_command '$(printf '%s' "$_arg" | sed "s/'/'\\\\''/g")'"
	done
	su -p -s /bin/sh -c "exec $_command" "$_user"
}
as_alice() {
	as_user alice "$@"
}
images=/var/lib/vmmd/images
mkdir -p $images /tmp/vmmd-trust /tmp/alice
chgrp vmmd /tmp/vmmd-trust && chmod 0750 /tmp/vmmd-trust
chown alice /tmp/alice
cp "$VMMD_GUEST/Image" "$VMMD_GUEST/initrd.cpio.gz" $images/
mkfifo $images/fifo
ln -s /etc/shadow $images/shadow-link
insmod /vmmd/host-modules/loop.ko 2>/dev/null
dd if=/dev/zero of=/tmp/host-disk.img bs=1M count=4 2>/dev/null
loop=$(losetup -f) && losetup "$loop" /tmp/host-disk.img ||
	fail "no loop device for the host's block device"
cat > /tmp/trust.json <<CONFIG
{"group": "vmmd", "images": {"directories": ["$images"]}}
CONFIG
start_daemon vmmd-trust --config /tmp/trust.json
S=$VMMD_SOCKET
fds_before=$(ls /proc/$DAEMON/fd | wc -l)
run_status status as_alice vmmctl version
assert_eq "$status" 0 "alice, a member of group vmmd, is served"

# spec NAME KERNEL [MEMBERS]: a spec file of alice's, its kernel by path.
spec() {
	cat > /tmp/alice/$1.json <<SPEC
{"name": "$1", "vcpus": 1, "memory_mib": 128, "kernel": "$2",
 "cmdline": "console=ttyS0"${3:+, $3}}
SPEC
}
# refused NAME WHY KERNEL [MEMBERS]: alice's vm-create of that spec, its
# files by path, fails with WHY, and no VM NAME exists.
refused() {
	spec "$1" "$3" "$4"
	run_status status as_alice vmmctl --paths create /tmp/alice/$1.json
	assert_eq "$status" 1 "vm-create $1 refused"
	assert_contains "$ERR" "$2" "why $1 was refused"
	run_status status as_alice vmmctl info "$1"
	assert_eq "$status" 1 "no VM $1 after its refusal"
}
refused shadow "initrd /etc/shadow: not beneath an image directory" \
	$images/Image '"initrd": "/etc/shadow"'
refused sda "writable disk $loop: not beneath an image directory" \
	$images/Image "\"devices\": [{\"type\": \"disk\", \"path\": \"$loop\"}]"
mknod $images/vdb b 7 "${loop#/dev/loop}"
refused vdb "writable disk $images/vdb: a block device, and images.block_devices is false" \
	$images/Image "\"devices\": [{\"type\": \"disk\", \"path\": \"$images/vdb\"}]"
refused fifo "kernel $images/fifo: a FIFO, not a regular file" $images/fifo
refused link "initrd $images/shadow-link: it leads out of its image directory" \
	$images/Image "\"initrd\": \"$images/shadow-link\""
refused dotdot "initrd $images/../../../../etc/shadow: it leads out of its image directory" \
	$images/Image "\"initrd\": \"$images/../../../../etc/shadow\""

# What alice cannot open herself, vmmctl cannot pass: the daemon never
# sees it.
spec pass-shadow $images/Image '"initrd": "/etc/shadow"'
run_status status as_alice vmmctl create /tmp/alice/pass-shadow.json
assert_eq "$status" 1 "alice cannot pass /etc/shadow"
assert_contains "$ERR" "Permission denied" "why vmmctl could not pass it"

# A read-only fd offered as a writable disk, by a raw client.
dd if=/dev/zero of=/tmp/alice/ro.img bs=1M count=4 2>/dev/null
chown alice /tmp/alice/ro.img
run_status status as_alice qmp-send "$S" --fd ro=/tmp/alice/ro.img:ro \
	'{"execute":"vm-create","arguments":{"spec":{"name":"ro","vcpus":1,"memory_mib":64,"kernel":"'$images'/Image","devices":[{"type":"disk","path":"fd:ro"}]}}}'
assert_eq "$status" 1 "a read-only fd as a writable disk"
assert_contains "$OUT" "writable disk fd:ro: the fd is open read-only" "why it was refused"
# The same fd as a read-only disk is what it is.
run_status status as_alice qmp-send "$S" --fd ro=/tmp/alice/ro.img:ro \
	'{"execute":"vm-create","arguments":{"spec":{"name":"ro","vcpus":1,"memory_mib":64,"kernel":"'$images'/Image","devices":[{"type":"disk","path":"fd:ro","read_only":true}]}}}' \
	'{"execute":"vm-delete","arguments":{"vm":"ro"}}'
assert_eq "$status" 0 "a read-only fd as a read-only disk, and its VM deleted"

# Nothing of those was kept open (the last client's connection closes as
# the daemon reads its end: waited for, 5 s at most), and the daemon
# serves on.
i=0
while [ "$(ls /proc/$DAEMON/fd | wc -l)" != "$fds_before" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
assert_eq "$(ls /proc/$DAEMON/fd | wc -l)" "$fds_before" "the daemon's fds after the refusals"
ls -l /proc/$DAEMON/fd | grep -q "$loop\|shadow\|fifo" && fail "the daemon holds a refused file"
run_status status as_alice vmmctl list
assert_eq "$status" 0 "the daemon serves on"

# The VM of alice's own files, passed: her disk image holds what the
# guest wrote there.
dd if=/dev/urandom of=/tmp/alice/source.img bs=64k count=16 2>/dev/null
dd if=/dev/zero of=/tmp/alice/target.img bs=1M count=4 2>/dev/null
chown alice /tmp/alice/source.img /tmp/alice/target.img
want=$(sha256sum /tmp/alice/source.img | cut -d' ' -f1)
cat > /tmp/alice/own.json <<SPEC
{"name": "own", "vcpus": 1, "memory_mib": 192,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.modules=virtio_mmio,virtio_blk vmmd.action=virtio-blk",
 "devices": [
  {"type": "disk", "path": "/tmp/alice/target.img", "serial": "vmmd-rw-0"},
  {"type": "disk", "path": "/tmp/alice/source.img", "read_only": true}]}
SPEC
run_status status as_alice vmmctl run /tmp/alice/own.json
assert_eq "$status" 0 "alice's VM of passed files runs"
assert_contains "$(echo "$OUT" | grep '@@blk')" "rw_sum=$want" "the copy as the guest read it back"
got=$(dd if=/tmp/alice/target.img bs=64k count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "alice's image after the VM is gone"
run_status status as_alice vmmctl --json info own
assert_contains "$OUT" '"path":"fd:device0"' "the disk was passed, not named"

# A VM is its creator's: bob, another member of the group, neither sees
# nor touches alice's; root sees it, owned by uid 1000.
run_status status as_user bob vmmctl --json list
assert_eq "$OUT" "[]" "bob's list"
run_status status as_user bob vmmctl delete own
assert_eq "$status" 1 "bob cannot delete alice's VM"
assert_contains "$ERR" "VM own is another user's" "why bob cannot"
run_status status vmmctl --json info own
assert_contains "$OUT" '"owner":1000' "root sees alice's VM and its owner"
run_status status as_alice vmmctl delete own
assert_eq "$status" 0 "alice deletes her VM"
losetup -d "$loop"
