# The main job, for now: boot a real Linux guest through vmmd and show its
# console. (The daemon and its socket will launch it later.)
echo "--- emulated arm64 host: Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
dmesg | grep 'kvm \[' | sed 's/^\[[ 0-9.]*\] /--- host kernel: /'
vmmd --probe | sed 's/^/--- probe: /' | head -n 3
echo "--- vmmd $(vmmd --version | cut -d' ' -f2): booting Debian's arm64 kernel with a busybox initrd on 2 vCPUs"
vmmd run --kernel "$VMMD_GUEST/Image" --initrd "$VMMD_GUEST/initrd.cpio.gz" \
	--vcpus 2 --memory 256M --cmdline "console=ttyS0 vmmd.action=poweroff" \
	--boot-marker @@guest-init </dev/null || fail "vmmd run failed"
