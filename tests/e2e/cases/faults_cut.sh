# Clients that go away in the middle of the commands that drive real VMs
# (vm-start, pause, resume, stop, kill, console-*), with VMs running,
# paused and stopped: after the greeting with the request whole (it is
# carried out), before reading anything (carried out or not), or cut in the
# middle (nothing happens). The daemon serves on, each VM's state is the
# one the command gives (or the one it had), and at the end the daemon has
# the fds and the children it had.
RUN_TIMEOUT=120
. /vmmd/cases/faults_lib.sh
trap 'echo "--- the daemon log:"; tail -n 60 /tmp/vmmd.log; end_daemon' EXIT
faults_daemon
fds_before=$(daemon_fds)
for vm in r p s; do
	linux_spec $vm
	vmmctl create /tmp/$vm.json > /dev/null || fail "create $vm"
done

# ready: r running, p paused, s stopped (whatever they are now).
ready() {
	for vm in r p s; do
		case "$vm:$(state_of $vm)" in
		?:running|?:paused|s:stopped) ;;
		*) vmmctl --wait-for VM_RUNNING --timeout 60 start $vm > /dev/null ||
			fail "start $vm" ;;
		esac
	done
	[ "$(state_of s)" = stopped ] || { vmmctl kill s > /dev/null; wait_state s stopped; }
	[ "$(state_of r)" = paused ] && vmmctl resume r > /dev/null
	[ "$(state_of p)" = running ] && vmmctl pause p > /dev/null
	wait_state r running
	wait_state p paused
}

# cut WAY COMMAND VM STATE_AFTER DATA STATE_BEFORE
cut() {
	_args="{\"vm\":\"$3\"}"
	[ -n "${5:-}" ] && _args="{\"vm\":\"$3\",\"data\":\"$5\"}"
	vmmd-churn $S cut "$1" "$2" "$_args" || fail "vmmd-churn cut $1 $2 $3"
	case "$1" in
	whole) wait_state "$3" "$4" ;;
	unread) wait_state "$3" "$4" "$6" ;;
	half) wait_state "$3" "$6" ;;
	esac
	vmmctl list > /dev/null || fail "the daemon serves after $2 $3 cut ($1)"
}

# command, VM, its state after the command, before it, console data
cases=0
for way in whole unread half; do
	while read -r t_command t_vm t_after t_before t_data; do	# ready sets vm
		ready
		cut $way $t_command $t_vm $t_after "$t_data" $t_before
		cases=$((cases + 1))
	done <<TABLE
vm-pause r paused running
vm-resume p running paused
vm-start s running stopped
vm-stop r stopped running
vm-kill p stopped paused
console-attach r running running
console-write p paused paused ls
console-detach r running running
TABLE
done
assert_eq "$cases" 24 "cut requests seen through"
echo "$cases cut requests, each seen through"

for vm in r p s; do
	case "$(state_of $vm)" in running|paused) vmmctl kill $vm; wait_state $vm stopped ;; esac
	vmmctl delete $vm || fail "delete $vm"
done
fds_after=$(daemon_fds)
echo "the daemon's fds: $fds_before before, $fds_after after; children: $(daemon_children)"
assert_eq "$fds_after" "$fds_before" "the daemon's fds after the cut clients"
assert_eq "$(daemon_children)" 0 "the daemon's children at the end"
stop_daemon
echo "faults_cut: ok"
