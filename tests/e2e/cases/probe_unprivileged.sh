# The probe as an unprivileged user with a restricted kernel log: it must
# say that it could not read the log, still give a verdict, and be less
# sure of the mode than root is (root's answer, read from the log, is the
# reference).
# busybox su needs the user in /etc/passwd; the initramfs has no /etc.
mkdir -p /etc
grep -q '^nobody:' /etc/passwd 2>/dev/null ||
	echo 'nobody:x:65534:65534:nobody:/tmp:/bin/sh' >> /etc/passwd
grep -q '^nogroup:' /etc/group 2>/dev/null || echo 'nogroup:x:65534:' >> /etc/group
as_nobody() {
	su -s /bin/sh -c "$*" nobody
}
restore() {
	chmod 0600 /dev/kvm
	echo "$saved_restrict" > /proc/sys/kernel/dmesg_restrict
}
saved_restrict=$(cat /proc/sys/kernel/dmesg_restrict)
trap restore EXIT
echo 1 > /proc/sys/kernel/dmesg_restrict
chmod 0600 /dev/kvm

run_status status vmmd --probe --json
assert_eq "$(json_field "$OUT" mode_certainty)" certain "root's mode certainty"
root_mode=$(json_field "$OUT" mode)

as_nobody cat /dev/kmsg > /dev/null 2>&1 && fail "nobody can read the kernel log: dmesg_restrict did not take"
run_status status as_nobody vmmd --probe --json
assert_eq "$status" 3 "exit status without permission on /dev/kvm"
assert_eq "$(json_field "$OUT" verdict)" unavailable "verdict without permission"
assert_eq "$(json_field "$OUT" reason)" no-permission "reason"
kernel_log=$(echo "$OUT" | sed -n 's/.*"kernel_log":{\([^}]*\)}.*/\1/p')
assert_contains "$kernel_log" '"state":"refused"' "the kernel log source is marked refused"
assert_contains "$kernel_log" '"error":"Operation not permitted"' "and says why"
assert_eq "$(json_field "$OUT" mode)" "$root_mode" "mode, from the other sources"
certainty=$(json_field "$OUT" mode_certainty)
[ "$certainty" != certain ] || fail "the mode is 'certain' without the kernel log"
assert_contains "$OUT" "cannot read /dev/kmsg" "the evidence names the source it could not read"

run_status status as_nobody vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin"
assert_eq "$status" 3 "vmmd run without permission"
assert_eq "$(echo "$ERR" | wc -l)" 1 "one line"
assert_contains "$ERR" "no permission on /dev/kvm" "the line says it is a permission problem"

chmod 0666 /dev/kvm
run_status status as_nobody vmmd --probe --json
assert_eq "$status" 0 "exit status once nobody may open /dev/kvm"
assert_eq "$(json_field "$OUT" verdict)" ready "verdict once nobody may open /dev/kvm"
assert_eq "$(json_field "$OUT" mode)" "$root_mode" "mode"
[ "$(json_field "$OUT" mode_certainty)" != certain ] || fail "the mode is 'certain' without the kernel log"
run_status status as_nobody vmmd run --payload "$VMMD_PAYLOADS/psci_system_off.bin"
assert_eq "$status" 0 "a guest runs as nobody"
