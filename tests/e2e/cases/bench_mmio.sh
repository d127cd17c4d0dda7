# The MMIO dispatch benchmark (bench/bench_mmio.c), for `make bench`: it
# prints figures; it fails only when the benchmark could not run.
bench_host
bench-mmio --payload "$VMMD_PAYLOADS/bench_mmio_loop.bin" --exits 3000 --runs 9 ||
	fail "bench-mmio did not run"
