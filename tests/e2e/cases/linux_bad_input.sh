# Bad Linux boots get one clear line and no VM.
kernel="$VMMD_GUEST/Image"
initrd="$VMMD_GUEST/initrd.cpio.gz"

run_status status vmmd run --kernel /nonexistent/Image
assert_eq "$status" 1 "missing kernel"
assert_contains "$ERR" "cannot read kernel /nonexistent/Image: No such file or directory" "missing kernel"

head -c 1000000 "$kernel" > /tmp/truncated-Image
run_status status vmmd run --kernel /tmp/truncated-Image
assert_eq "$status" 1 "truncated kernel"
assert_contains "$ERR" "kernel /tmp/truncated-Image is truncated: 1000000 bytes" "truncated kernel"

# An x86 bzImage: the real-mode header's "HdrS" at 0x202, no arm64 magic.
dd if=/dev/zero of=/tmp/bzImage bs=1024 count=64 2>/dev/null
printf 'HdrS' | dd of=/tmp/bzImage bs=1 seek=514 conv=notrunc 2>/dev/null
run_status status vmmd run --kernel /tmp/bzImage
assert_eq "$status" 1 "x86 bzImage"
assert_contains "$ERR" "kernel /tmp/bzImage is an x86 bzImage, not an arm64 Image" "bzImage"

run_status status vmmd run --kernel "$kernel" --memory 16M
assert_eq "$status" 1 "kernel larger than memory"
assert_contains "$ERR" "MiB of guest memory with its device tree, and the VM has 16 MiB" "memory below the kernel's needs"

dd if=/dev/urandom of=/tmp/big-initrd bs=1024 count=8192 2>/dev/null
run_status status vmmd run --kernel "$kernel" --initrd /tmp/big-initrd --memory 40M
assert_eq "$status" 1 "initrd that cannot fit beside the kernel"
assert_contains "$ERR" "would overlap the kernel" "initrd overlap"

run_status status vmmd run --kernel "$kernel" --initrd /nonexistent.gz
assert_eq "$status" 1 "missing initrd"
assert_contains "$ERR" "cannot read initrd /nonexistent.gz: No such file or directory" "missing initrd"

run_status status vmmd run --kernel "$kernel" --memory 5000T
assert_eq "$status" 1 "memory beyond the IPA limit"
assert_contains "$ERR" "bit guest physical address space" "IPA limit"

run_status status vmmd run --kernel "$kernel" --vcpus 65
assert_eq "$status" 2 "more vCPUs than vmmd allows"
assert_contains "$ERR" "--vcpus: '65' is not a number from 1 to 64" "vCPU limit"
