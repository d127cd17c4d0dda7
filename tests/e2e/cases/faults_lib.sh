# Helpers of the faults_* cases (sourced by them after lib.sh): a daemon
# started detached on $STATE, states polled with a bound, the daemon's fds.
S=/tmp/vmmd/vmmd.sock
export VMMD_SOCKET=$S
STATE=${STATE:-/tmp/vmmd}

faults_daemon() {
	vmmd daemon --socket $S --state-dir "$STATE" --detach \
		--pid-file /tmp/vmmd.pid "$@" 2>> /tmp/vmmd.log
	assert_eq "$?" 0 "the daemon starts"
	DAEMON=$(cat /tmp/vmmd.pid)
}

# For a case's EXIT trap: a case that fails leaves no daemon to the next.
end_daemon() {
	[ -n "${DAEMON:-}" ] && kill -0 "$DAEMON" 2>/dev/null || return 0
	kill -TERM "$DAEMON"
	i=0
	while kill -0 "$DAEMON" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$DAEMON" 2>/dev/null
	return 0
}

stop_daemon() {
	kill -TERM "$DAEMON"
	i=0
	while kill -0 "$DAEMON" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$DAEMON" 2>/dev/null && fail "the daemon did not exit after SIGTERM"
	[ -e $S ] && fail "the socket outlived the daemon"
	return 0
}

# linux_spec NAME [CMDLINE]: a spec file /tmp/NAME.json for the Linux guest.
linux_spec() {
	cat > /tmp/$1.json <<SPEC
{"name": "$1", "vcpus": 1, "memory_mib": 128,
 "kernel": "$VMMD_GUEST/Image", "initrd": "$VMMD_GUEST/initrd.cpio.gz",
 "cmdline": "${2:-console=ttyS0 quiet vmmd.action=shell}"}
SPEC
}

# state_of VM: its state, from vm-info.
state_of() {
	json_field "$(vmmctl --json info "$1" 2>/dev/null)" state
}

# wait_state VM STATE [OTHER]: polls (30 s at most) until VM is in STATE
# (or OTHER); "gone" when it must not exist.
wait_state() {
	_i=0
	while [ $_i -lt 150 ]; do
		_s=$(state_of "$1")
		[ -z "$_s" ] && _s=gone
		[ "$_s" = "$2" ] || [ "$_s" = "${3:-$2}" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	fail "VM $1 is $_s, not $2${3:+ or $3}"
}

daemon_fds() {
	ls /proc/$DAEMON/fd | wc -l
}

# The VM processes the daemon has (its children), and zombies among them.
daemon_children() {
	cat /proc/[0-9]*/stat 2>/dev/null | sed 's/.*) //' |
		awk -v p="$DAEMON" '$2 == p { n++ } END { print n + 0 }'
}
