# A running guest outlives its daemon under systemd: `systemctl restart
# vmmd`, a package upgrade (dpkg -i of a higher version: its postinst
# restarts the service) and a SIGKILL of the daemon alone (Restart=
# on-failure starts the next) each give a new daemon that adopts the VM
# process from the unit's fd store. Each time the guest's process is the
# same, its shell answers through the new daemon's console, the guest's own
# uptime went on (no reboot), the VM's uptime in vmmctl list went on, and
# the journal says it was adopted.
RUN_TIMEOUT=240
cat > /vmmd/guest/r.json <<SPEC
{"name": "r", "vcpus": 1, "memory_mib": 160,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "console=ttyS0 vmmd.action=shell"}
SPEC
run_status status vmmctl create /vmmd/guest/r.json
assert_eq "$status" 0 "create r"
run_status status vmmctl --wait-for VM_RUNNING --timeout 120 start r
assert_eq "$status" 0 "start r"
run_status status vmmctl --until '# ' --timeout 180 console r
assert_eq "$status" 0 "r's shell"
vm_pid=$(json_field "$(vmmctl --json info r)" pid)
[ -n "$vm_pid" ] && [ "$vm_pid" -gt 0 ] || fail "r's pid: '$vm_pid'"
assert_eq "$(systemctl show -P NFileDescriptorStore vmmd.service)" 3 \
	"r's channel in the fd store"

# guest_uptime N: the guest's own uptime in whole seconds, read through the
# console (marker N keeps each answer apart from the echoed command line).
guest_uptime() {
	vmmctl send r "echo u\$((0+$1))=\$(cut -d. -f1 /proc/uptime)=e\$((0+$1))" ||
		fail "console input to r ($1)"
	run_status status vmmctl --until "=e$1" --timeout 60 console r
	assert_eq "$status" 0 "r's shell answers ($1)"
	UPTIME=$(echo "$OUT" | sed -n "s/.*u$1=\([0-9]*\)=e$1.*/\1/p" | tail -n 1)
	[ -n "$UPTIME" ] || fail "no uptime in r's answer ($1)"
}

# vm_uptime: r's uptime_s as vm-list gives it.
vm_uptime() {
	VM_UPTIME=$(vmmctl --json list | sed -n 's/.*"name":"r"[^}]*"uptime_s":\([0-9]*\).*/\1/p')
	[ -n "$VM_UPTIME" ] || fail "no uptime_s for r in vm-list: $(vmmctl --json list)"
}

# adopted_after HOW OLD_MAIN_PID: the daemon is a new one, and r is the
# same guest, running on.
adopted_after() {
	i=0
	while { [ "$(systemctl is-active vmmd.service)" != active ] ||
	    [ "$(systemctl show -P MainPID vmmd.service)" = "$2" ]; } && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	new_main=$(systemctl show -P MainPID vmmd.service)
	[ "$new_main" != "$2" ] && [ "$new_main" != 0 ] ||
		fail "$1: no new daemon (MainPID $new_main)"
	run_status status vmmctl --json info r
	assert_eq "$status" 0 "vmmctl info r after $1"
	assert_eq "$(json_field "$OUT" state)" running "r's state after $1"
	assert_eq "$(json_field "$OUT" pid)" "$vm_pid" "r's process after $1"
	journalctl --no-pager -u vmmd.service _PID="$new_main" -o cat > /tmp/e2e/adopt.txt
	grep -q "VM r: its process $vm_pid is adopted, running" /tmp/e2e/adopt.txt ||
		fail "$1: the new daemon's journal does not say it adopted r: $(cat /tmp/e2e/adopt.txt)"
	before=$UPTIME
	vm_before=$VM_UPTIME
	guest_uptime "$3"
	[ "$UPTIME" -ge "$before" ] || fail "$1: r's guest uptime went back (a reboot): $before s, then $UPTIME s"
	vm_uptime
	[ "$VM_UPTIME" -ge "$vm_before" ] || fail "$1: r's uptime_s went back: $vm_before, then $VM_UPTIME"
	echo "$1: daemon $2 -> $new_main, r's process $vm_pid, guest uptime $before s -> $UPTIME s, uptime_s $vm_before -> $VM_UPTIME"
}

guest_uptime 1
vm_uptime
# vmmctl list, for people: an UPTIME column, r's a duration while it runs
run_status status vmmctl list
assert_contains "$(echo "$OUT" | head -n 1)" UPTIME "vmmctl list's header"
echo "$OUT" | grep -Eq '^r +running .* [0-9]+(s|m|h[0-9]{2}m|d[0-9]{2}h)$' ||
	fail "r's line in vmmctl list has no uptime: $OUT"
main_pid=$(systemctl show -P MainPID vmmd.service)

run_status status systemctl restart vmmd.service
assert_eq "$status" 0 "systemctl restart vmmd"
adopted_after "systemctl restart" "$main_pid" 2
main_pid=$new_main

old_version=$(dpkg-query -W -f='${Version}' vmmd)
# (with run-cases' path-includes: the root excludes documentation)
run_status status dpkg --path-include='/usr/share/man/man[158]/vmm*' \
	--path-include='/usr/share/doc/vmmd/*' -i /vmmd/debs-upgrade/*.deb
assert_eq "$status" 0 "dpkg -i the upgrade"
[ "$(dpkg-query -W -f='${Version}' vmmd)" != "$old_version" ] ||
	fail "the package's version is still $old_version"
adopted_after "the package upgrade to $(dpkg-query -W -f='${Version}' vmmd)" "$main_pid" 4
main_pid=$new_main

run_status status systemctl kill --kill-who=main --signal=KILL vmmd.service
assert_eq "$status" 0 "SIGKILL to the daemon alone"
adopted_after "the daemon's SIGKILL" "$main_pid" 6
vmmctl list

# The adopted VM is served as any other: counters, and a graceful stop.
run_status status vmmctl --json info r
assert_contains "$OUT" '"counters":{' "r's counters from its adopted process"
run_status status vmmctl --json --wait-for VM_STOPPED --timeout 60 stop r
assert_eq "$status" 0 "stop r"
run_status status vmmctl --json info r
assert_contains "$OUT" '"graceful":true' "r's stop"
kill -0 "$vm_pid" 2>/dev/null && fail "r's process outlived its stop"
# the daemon asks the store to forget r's channel once its process ends
i=0
while [ "$(systemctl show -P NFileDescriptorStore vmmd.service)" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
assert_eq "$(systemctl show -P NFileDescriptorStore vmmd.service)" 0 \
	"the fd store once r stopped"
run_status status vmmctl delete r
assert_eq "$status" 0 "delete r"
echo "systemd_restart: ok"
