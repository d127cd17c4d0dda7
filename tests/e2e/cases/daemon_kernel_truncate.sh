# A guest's kernel and initrd are its own once loaded (docs/design.md,
# "Files are copied into guest RAM"): a Linux guest boots under the daemon
# from copies of the kernel and initrd, then both files are truncated and
# written over with other bytes while it runs. The guest still answers on
# its console, its VM process is alive and running (it used to die of
# SIGBUS, the kernel's pages gone with the file), and it shuts down when
# asked. KT_VMMD names another vmmd to run it against (an old build).
RUN_TIMEOUT=300
S=/tmp/vmmd-kt/vmmd.sock
export VMMD_SOCKET=$S
${KT_VMMD:-vmmd} daemon --socket $S --state-dir /tmp/vmmd-kt --detach \
	--pid-file /tmp/vmmd-kt.pid 2> /tmp/vmmd-kt.log
assert_eq "$?" 0 "the daemon starts"
trap 'kill -TERM "$(cat /tmp/vmmd-kt.pid)"; echo "--- the daemon log:"; cat /tmp/vmmd-kt.log' EXIT

cp "$VMMD_GUEST/Image" /tmp/kt-Image
cp "$VMMD_GUEST/initrd.cpio.gz" /tmp/kt-initrd.cpio.gz
cat > /tmp/kt.json <<SPEC
{"name": "kt", "vcpus": 2, "memory_mib": 128,
 "kernel": "/tmp/kt-Image", "initrd": "/tmp/kt-initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=shell"}
SPEC
run_status status vmmctl create /tmp/kt.json
assert_eq "$status" 0 "create kt"
run_status status vmmctl --wait-for VM_RUNNING --timeout 60 start kt
assert_eq "$status" 0 "start kt"
run_status status vmmctl --until '# ' --timeout 240 console kt
assert_eq "$status" 0 "kt's shell"
pid=$(json_field "$(vmmctl --json info kt)" pid)

# Under the running guest: both files cut to nothing, then other bytes.
for file in /tmp/kt-Image /tmp/kt-initrd.cpio.gz; do
	size=$(wc -c < $file)
	: > $file
	assert_eq "$(wc -c < $file)" 0 "$file truncated"
	dd if=/dev/urandom of=$file bs=4096 count=$((size / 4096 + 1)) 2>/dev/null
done

# The guest runs kernel code it may not have run yet (a new process, a
# sync, file systems) and answers.
vmmctl send kt 'ls /proc/sys/kernel > /dev/null; sync; echo $((6*7))x' ||
	fail "console input to kt"
run_status status vmmctl --until '42x' --timeout 120 console kt
assert_eq "$status" 0 "kt answers after its kernel and initrd files changed"
run_status status vmmctl --json info kt
assert_eq "$(json_field "$OUT" state)" running "kt's state"
[ -d /proc/$pid ] || fail "kt's VM process $pid is gone"
run_status status vmmctl --wait-for VM_STOPPED --timeout 60 stop kt
assert_eq "$status" 0 "stop kt"
run_status status vmmctl --json info kt
assert_eq "$(json_field "$OUT" outcome)" poweroff "kt shut down when asked, not crashed"
