# The Linux boot benchmark, for `make bench`: several boots of Debian's
# arm64 kernel with a busybox initrd, one after the other in this one host.
# Per boot: time from VM creation to the guest's init marker, the part spent
# in vmmd before the first KVM_RUN, exits during the boot, and the VM
# process's RSS beyond guest memory. Prints medians; fails only when a boot
# did not reach init.
runs=5
bench_host
: > /tmp/boot.tsv
for i in $(seq $runs); do
	out=$(vmmd run --kernel "$VMMD_GUEST/Image" --initrd "$VMMD_GUEST/initrd.cpio.gz" \
		--vcpus 2 --memory 256M --cmdline "console=ttyS0 quiet vmmd.action=poweroff" \
		--boot-marker @@guest-init --console-log /tmp/bench-boot.log --json) ||
		fail "boot $i did not power off"
	marker=$(json_field "$out" marker_us)
	[ "$marker" -gt 0 ] || fail "boot $i never reached the init marker"
	rss=$(json_field "$out" rss_kib)
	guest=$(json_field "$out" guest_rss_kib)
	printf '%s\t%s\t%s\t%s\n' "$marker" "$(json_field "$out" setup_us)" \
		"$(json_field "$out" exits)" "$((rss - guest))" >> /tmp/boot.tsv
	printf 'boot %d: init marker %d ms, setup %d ms, %d exits, RSS beyond guest memory %d KiB\n' \
		"$i" $((marker / 1000)) $(( $(json_field "$out" setup_us) / 1000 )) \
		"$(json_field "$out" exits)" $((rss - guest))
done
marker=$(cut -f1 /tmp/boot.tsv | median)
setup=$(cut -f2 /tmp/boot.tsv | median)
echo "bench-boot: $runs boots, 2 vCPUs, 256 MiB, quiet kernel"
awk -v marker="$marker" -v setup="$setup" 'BEGIN {
	printf "bench-boot: VM creation to init marker  median %.0f ms\n", marker / 1000
	printf "bench-boot: vmmd before first KVM_RUN   median %.1f ms (%.2f%% of the boot, target <= 2%%)\n",
		setup / 1000, 100 * setup / marker
}'
echo "bench-boot: exits during boot          median $(cut -f3 /tmp/boot.tsv | median)"
echo "bench-boot: RSS beyond guest memory    median $(cut -f4 /tmp/boot.tsv | median) KiB (target <= 2048)"
