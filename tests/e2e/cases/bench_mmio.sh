# The MMIO dispatch benchmark (bench/bench_mmio.c), for `make bench`: it
# prints figures; it fails only when the benchmark could not run.
echo "--- emulated arm64 host: Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
bench-mmio --payload "$VMMD_PAYLOADS/bench_mmio_loop.bin" --exits 3000 --runs 9 ||
	fail "bench-mmio did not run"
