# vmmd under a real systemd (PID 1 of a Debian host): installed from its
# Debian package (systemd-host/run-cases), its socket started by the
# package, the first client starting the service
# (Type=notify, socket activation), a Linux guest run through vmmctl, a
# reload that leaves the guest running, a clean stop, and the journal.
RUN_TIMEOUT=240
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm), not systemd"

# What the package (make install DESTDIR=... PREFIX=/usr; the manual pages
# compressed by dh_compress) put into this root.
for f in /usr/sbin/vmmd /usr/bin/vmmctl /usr/lib/systemd/system/vmmd.service \
    /usr/lib/systemd/system/vmmd.socket /usr/lib/sysusers.d/vmmd.conf \
    /usr/lib/tmpfiles.d/vmmd.conf /etc/vmmd/vmmd.json /usr/share/man/man8/vmmd.8.gz \
    /usr/share/man/man1/vmmctl.1.gz /usr/share/man/man5/vmmd.conf.5.gz \
    /usr/share/bash-completion/completions/vmmctl \
    /usr/share/doc/vmmd/examples/launch-vms; do
	[ -e "$f" ] || fail "the package did not install $f"
done

# What the package's maintainer scripts did: the user and group
# (systemd-sysusers), the directories (systemd-tmpfiles), the socket
# enabled and started.
getent group vmmd >/dev/null || fail "no vmmd group after the package's installation"
getent passwd vmmd >/dev/null || fail "no vmmd user after the package's installation"
assert_eq "$(systemctl is-active vmmd.socket)" active "the socket unit"
assert_eq "$(systemctl is-active vmmd.service)" inactive "the service before any client"
assert_eq "$(stat -c '%A %G' /run/vmmd/vmmd.sock)" "srw-rw---- vmmd" "the socket's mode and group"

# The first client starts the service, which serves the passed socket and
# says READY=1 (systemctl start would not return otherwise).
run_status status vmmctl version
assert_eq "$status" 0 "the first client's request"
assert_eq "$(systemctl is-active vmmd.service)" active "the service after the first client"
main_pid=$(systemctl show -P MainPID vmmd.service)
[ "$main_pid" -gt 0 ] || fail "no main PID"
assert_eq "$(stat -c %U /proc/$main_pid)" vmmd "the daemon's user"
assert_eq "$(cat /proc/$main_pid/oom_score_adj)" -500 "the daemon's OOM score (OOMScoreAdjust)"
assert_eq "$(systemctl show -P StatusText vmmd.service)" "0 of 0 VMs running" "STATUS="

cat > /vmmd/guest/a.json <<SPEC
{"name": "a", "vcpus": 2, "memory_mib": 160,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=shell"}
SPEC
run_status status vmmctl create /vmmd/guest/a.json
assert_eq "$status" 0 "create a"
run_status status vmmctl --json --wait-for VM_RUNNING --timeout 120 start a
assert_eq "$status" 0 "start a and see it running"
run_status status vmmctl --until 'cpus=2 action=shell' --timeout 180 console a
assert_eq "$status" 0 "a's console shows the guest's init"
run_status status vmmctl --until '# ' --timeout 60 console a
assert_eq "$(systemctl show -P StatusText vmmd.service)" "1 of 1 VMs running" "STATUS= with a"
run_status status vmmctl --json info a
vm_pid=$(json_field "$OUT" pid)
[ -n "$vm_pid" ] && [ "$vm_pid" -gt 0 ] || fail "a's pid: '$vm_pid'"
assert_eq "$(systemctl show -P NFileDescriptorStore vmmd.service)" 3 \
	"a's channel in the fd store (control socket, console pipes)"

# Reload: SIGHUP, the configuration read again; the daemon and a go on.
sed -i 's/"stop_timeout_s": 10/"stop_timeout_s": 20/' /etc/vmmd/vmmd.json
run_status status systemctl reload vmmd
assert_eq "$status" 0 "systemctl reload vmmd"
assert_eq "$(systemctl is-active vmmd.service)" active "the service after reload"
assert_eq "$(systemctl show -P MainPID vmmd.service)" "$main_pid" "the daemon after reload"
run_status status vmmctl --json info a
assert_eq "$(json_field "$OUT" state)" running "a's state after reload"
assert_eq "$(json_field "$OUT" pid)" "$vm_pid" "a's process after reload"
vmmctl send a 'echo $((6*7))x' || fail "console input to a"
run_status status vmmctl --until '42x' --timeout 60 console a
assert_eq "$status" 0 "a's shell answers after the reload"

# Stop: the daemon exits at once and leaves a running; the stop releases
# the unit's fd store, so a's process sees its channel end and stops its
# guest, which powers off when asked (within stop_timeout_s, 20 s now).
run_status status systemctl stop vmmd.service
assert_eq "$status" 0 "systemctl stop vmmd"
assert_eq "$(systemctl is-active vmmd.service)" inactive "the service after stop"
assert_eq "$(systemctl show -P Result vmmd.service)" success "the service's result"
assert_eq "$(systemctl show -P ExecMainStatus vmmd.service)" 0 "the daemon's exit status"
assert_eq "$(systemctl show -P NFileDescriptorStore vmmd.service)" 0 \
	"the fd store after the stop"
i=0
while kill -0 "$vm_pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ $i -lt 300 ] || fail "a's process outlived the stopped service by 30 s"
echo "a's process ended $((i * 100)) ms (at most) after the service stopped"
grep -q "Power down" /run/vmmd/a.console.log ||
	fail "a's guest did not power off (its console log: $(tail -c 300 /run/vmmd/a.console.log))"
assert_eq "$(systemctl is-active vmmd.socket)" active "the socket unit after the stop"

# The daemon's own lines, in the journal.
journalctl --no-pager -u vmmd.service -o cat > /tmp/e2e/journal.txt
cat /tmp/e2e/journal.txt
for line in "serving the socket passed by the service manager: /run/vmmd/vmmd.sock" \
    "VM a: starting -> running" "reloaded /etc/vmmd/vmmd.json: 1 VMs untouched" \
    "signal 15: exiting, 1 VMs left running to the service manager"; do
	grep -qF "$line" /tmp/e2e/journal.txt || fail "the journal lacks: $line"
done
# A VM's changes of state carry its name as a field of their own.
journalctl --no-pager -u vmmd.service VMMD_VM=a -o cat > /tmp/e2e/journal-a.txt
for state in starting running; do
	grep -q " -> $state\$" /tmp/e2e/journal-a.txt || fail "no entry VMMD_VM=a for $state"
done
assert_eq "$(journalctl --no-pager -u vmmd.service VMMD_VM=a VMMD_STATE=running -o cat | tail -n 1)" \
	"VM a: starting -> running" "the entry VMMD_VM=a VMMD_STATE=running"

# The exposure of the hardened unit, as systemd itself rates it.
# (from the running manager over D-Bus; offline from the unit file if not).
if systemd-analyze security vmmd.service > /tmp/e2e/security.txt 2>&1; then
	echo "systemd-analyze security: from the service manager"
else
	cat /tmp/e2e/security.txt
	systemd-analyze security --offline=true \
		/usr/lib/systemd/system/vmmd.service > /tmp/e2e/security.txt 2>&1
	echo "systemd-analyze security: offline, from the unit file"
fi
grep -v '^✓' /tmp/e2e/security.txt
exposure=$(sed -n 's/.*Overall exposure level for vmmd.service: \([0-9.]*\).*/\1/p' \
	/tmp/e2e/security.txt)
[ -n "$exposure" ] || fail "no exposure from systemd-analyze security"
echo "systemd-analyze security vmmd.service: exposure $exposure"
[ "$(echo "$exposure" | tr -d .)" -le 15 ] || fail "exposure $exposure is above 1.5"
echo "systemd_service: ok"
