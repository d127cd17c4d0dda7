# A stock distribution guest: Debian bookworm arm64 as make-debian-guest
# builds it (mmdebstrap from Debian's packages, its own
# linux-image-cloud-arm64 and initramfs, systemd), on the disk that qemu
# gives this host (/dev/vda, the image, its writes thrown away), booted by
# the daemon from that disk with its own kernel and initrd. It reaches
# multi-user.target: root, logged in on the serial console, gets an answer
# from `systemctl is-system-running`; the PL031 gave it the time; its
# network on a tap reaches the host.
RUN_TIMEOUT=1500
insmod /vmmd/host-modules/virtio_blk.ko 2>/dev/null
insmod /vmmd/host-modules/tun.ko 2>/dev/null
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda: the host has no guest disk (tests/e2e/run gives it to distro hosts)"
# The guest's own kernel and initrd, from its /boot.
mkdir -p /mnt/debian
mount -o ro /dev/vda /mnt/debian || fail "cannot mount the guest's disk"
cp /mnt/debian/boot/vmlinuz-* /tmp/debian-vmlinuz
cp /mnt/debian/boot/initrd.img-* /tmp/debian-initrd
ls /mnt/debian/boot
umount /mnt/debian

echo '{"images": {"directories": ["/tmp"], "block_devices": true}}' > /tmp/distro.json
start_daemon vmmd-distro --config /tmp/distro.json
cat > /tmp/debian.json <<SPEC
{"name": "debian", "vcpus": 2, "memory_mib": 768,
 "kernel": "/tmp/debian-vmlinuz", "initrd": "/tmp/debian-initrd",
 "cmdline": "console=ttyS0 root=/dev/vda rw",
 "devices": [{"type": "disk", "path": "/dev/vda"},
  {"type": "net", "tap": "distrotap0", "mac": "52:54:00:de:b1:a0"}]}
SPEC
run_status status vmmctl create /tmp/debian.json
assert_eq "$status" 0 "create the Debian guest"
start=$(date +%s)
run_status status vmmctl --wait-for VM_RUNNING --timeout 120 start debian
assert_eq "$status" 0 "start the Debian guest"
ip addr add 10.0.2.1/24 dev distrotap0 || fail "no tap distrotap0"
ip link set distrotap0 up
run_status status vmmctl --until 'root@vmmd-debian' --timeout 1200 console debian
assert_eq "$status" 0 "the Debian guest's serial login (root)"
echo "the Debian guest logged root in on its console $(( $(date +%s) - start )) s after vm-start"

# guest_answer N COMMAND: COMMAND's output in the guest, in $ANSWER (the
# marker N keeps it apart from the echoed command line).
guest_answer() {
	vmmctl send debian "echo a\$((0+$1))=\$($2)=z\$((0+$1))" || fail "console input ($1)"
	run_status status vmmctl --until "=z$1" --timeout 600 console debian
	assert_eq "$status" 0 "the guest answers ($1)"
	ANSWER=$(echo "$OUT" | sed -n "s/.*a$1=\(.*\)=z$1.*/\1/p" | tail -n 1)
}

guest_answer 1 'systemctl is-system-running --wait'
echo "systemctl is-system-running: $ANSWER"
if [ "$ANSWER" != running ]; then
	guest_answer 2 'systemctl --failed --no-legend --plain | tr "\n" " "'
	fail "the Debian guest is '$ANSWER', not running; failed units: $ANSWER"
fi
guest_answer 3 'systemctl is-active multi-user.target'
assert_eq "$ANSWER" active "multi-user.target in the guest"
guest_answer 4 'date +%Y-%m-%d'
assert_eq "$ANSWER" "$(date +%Y-%m-%d)" "the guest's date (the PL031's)"
guest_answer 5 'ping -c 3 -W 5 10.0.2.1 | grep -c "bytes from"'
assert_eq "$ANSWER" 3 "the guest's pings to the host over its tap"
guest_answer 6 'uname -r'
echo "the guest's kernel: $ANSWER"
run_status status vmmctl --json --wait-for VM_STOPPED --timeout 300 stop debian
assert_eq "$status" 0 "stop the Debian guest"
run_status status vmmctl --json info debian
assert_contains "$OUT" '"graceful":true' "the Debian guest powered off when asked"
echo "distro_debian: ok"
