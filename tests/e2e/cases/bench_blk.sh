# Block read benchmark (make bench): the same 64 MiB image read by the
# emulated host itself and by a Linux guest through virtio-blk, in the same
# run: sequential 8 MiB reads and 4 KiB random reads from 4 processes,
# the median of 5 runs each;
# then the guest's share of the host's throughput and the queue
# notifications (guest exits to KVM) per request. Figures, not verdicts:
# it fails only when something did not run.
bench_host
dd if=/dev/urandom of=/tmp/bench.img bs=1M count=64 2>/dev/null
host_seq=$(bench-blkread /tmp/bench.img 64 0 1) || fail "host sequential reads"
host_rand=$(bench-blkread /tmp/bench.img 0 4000 4) || fail "host random reads"
run_status status vmmd run --kernel "$VMMD_GUEST/Image" \
	--initrd "$VMMD_GUEST/initrd.cpio.gz" --memory 256M \
	--cmdline "console=ttyS0 vmmd.modules=virtio_mmio,virtio_blk vmmd.action=virtio-bench" \
	--disk /tmp/bench.img,ro --disk /tmp/bench.img,ro \
	--console-log /tmp/console-bench.log --json > /dev/null
assert_eq "$status" 0 "exit status of the benchmark guest"
guest_seq=$(sed -n 's/^@@bench-seq //p' /tmp/console-bench.log)
guest_rand=$(sed -n 's/^@@bench-rand //p' /tmp/console-bench.log)
echo "host  seq:  $host_seq"
echo "host  rand: $host_rand"
echo "guest seq:  $guest_seq"
echo "guest rand: $guest_rand"
field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
device() { echo "$OUT" | sed -n "s/.*{\"name\":\"$1\",[^}]*\"notifies\":\([0-9]*\),[^}]*\"counters\":{\"reads\":\([0-9]*\),.*/\1 \2/p"; }
[ -n "$(field "$guest_seq" seq_mib_s)" ] || fail "the guest's sequential figure"
[ -n "$(field "$guest_rand" rand_iops)" ] || fail "the guest's random figure"
set -- $(device block0)
seq_notifies=$1 seq_requests=$2
set -- $(device block1)
rand_notifies=$1 rand_requests=$2
awk -v hs="$(field "$host_seq" seq_mib_s)" -v gs="$(field "$guest_seq" seq_mib_s)" \
	-v hr="$(field "$host_rand" rand_iops)" -v gr="$(field "$guest_rand" rand_iops)" \
	-v runs="$(field "$guest_seq" runs)" -v direct="$(field "$guest_seq" direct)" \
	-v sn="$seq_notifies" -v sr="$seq_requests" -v rn="$rand_notifies" \
	-v rr="$rand_requests" -v exits="$(json_field "$OUT" exits)" 'BEGIN {
	printf "bench-blk: 64 MiB image, %s, medians of %d runs each\n",
		direct ? "O_DIRECT" : "through the page cache", runs
	printf "bench-blk: sequential host %.1f MiB/s guest %.1f MiB/s: guest/host %.2f, host/guest %.2f (target <= 2)\n",
		hs, gs, gs / hs, hs / gs
	printf "bench-blk: 4K random  host %.0f IOPS guest %.0f IOPS: guest/host %.2f, host/guest %.2f\n",
		hr, gr, gr / hr, hr / gr
	printf "bench-blk: notifications per request sequential %.3f (%d/%d) random %.3f (%d/%d)\n",
		sn / sr, sn, sr, rn / rr, rn, rr
	printf "bench-blk: exits to vmmd per request (all devices, UART included) %.3f (%d/%d)\n",
		exits / (sr + rr), exits, sr + rr
}'
