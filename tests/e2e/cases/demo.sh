# The main job: the vmmd daemon in the emulated arm64 host, and a real
# Linux guest launched through its control socket with vmmctl (create,
# start, attach to its console until it powers off).
echo "--- emulated arm64 host: Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
dmesg | grep 'kvm \[' | sed 's/^\[[ 0-9.]*\] /--- host kernel: /'
S=/tmp/vmmd/vmmd.sock
export VMMD_SOCKET=$S
vmmd daemon --socket $S --state-dir /tmp/vmmd --detach --pid-file /tmp/vmmd.pid \
	2> /tmp/vmmd.log || { cat /tmp/vmmd.log; fail "the daemon did not start"; }
echo "--- vmmd $(vmmd --version | cut -d' ' -f2) daemon listening on $S"
cat > /tmp/demo.json <<SPEC
{"name": "demo", "vcpus": 2, "memory_mib": 256,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=poweroff"}
SPEC
echo "--- vmmctl run /tmp/demo.json: $(tr -s ' \n' ' ' < /tmp/demo.json)"
vmmctl run /tmp/demo.json || { cat /tmp/vmmd.log; fail "vmmctl run failed"; }
echo "--- vmmctl list"
vmmctl list
kill -TERM "$(cat /tmp/vmmd.pid)"
