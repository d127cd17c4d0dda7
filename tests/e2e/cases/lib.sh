# Assertions for e2e cases, sourced before each case (busybox sh). A case
# fails by exiting non-zero: every helper exits 1 with what it expected.

# The virtio transport the host runs its virtio cases over: vmmd's default
# (pci), or what its command line's vmmd.transport= says (tests/e2e/run
# gives a host named *-mmio vmmd.transport=mmio).
VMMD_TRANSPORT=${VMMD_TRANSPORT:-pci}

fail() {
	echo "FAILED: $*"
	exit 1
}

# run_status VAR command...: runs the command, keeps its stdout in $OUT,
# its stderr in $ERR, and its exit status in VAR. A program that has not
# ended after $RUN_TIMEOUT seconds (default 300) is killed: status 137
# (a shell function runs as it is: timeout cannot run it).
run_status() {
	_var=$1
	shift
	if type "$1" 2>/dev/null | grep -q 'function'; then
		"$@" > /tmp/case.out 2> /tmp/case.err
	else
		timeout -s KILL "${RUN_TIMEOUT:-300}" "$@" > /tmp/case.out 2> /tmp/case.err
	fi
	eval "$_var=$?"
	OUT=$(cat /tmp/case.out)
	ERR=$(cat /tmp/case.err)
	echo "\$ $* -> status $(eval echo \$$_var)"
	[ -z "$OUT" ] || echo "stdout: $OUT"
	[ -z "$ERR" ] || echo "stderr: $ERR"
}

# assert_msi_irqfd STDERR: over PCI the guest's MSI-X went through irqfds
# on MSI routes; vmmd says once when it falls back to KVM_SIGNAL_MSI.
assert_msi_irqfd() {
	case "$1" in
	*KVM_SIGNAL_MSI*) fail "MSI-X fell back to KVM_SIGNAL_MSI: $1" ;;
	esac
}

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: expected to contain '$2', got '$1'" ;;
	esac
}

# json_field JSON KEY: the value of a top-level string or number field of a
# flat compact JSON object (good enough for vmmd's own reports).
json_field() {
	echo "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# map_hits JSON NAME: the hits of the forward map entry NAME in a
# `vmmd run --json` report (entries are {"name":...,...,"hits":N}).
map_hits() {
	echo "$1" | sed -n "s/.*{\"name\":\"$2\",[^}]*\"hits\":\([0-9]*\)}.*/\1/p"
}

# map_unmapped JSON KIND: exits of KIND that no forward map entry covered.
map_unmapped() {
	echo "$1" | sed -n "s/.*\"unmapped\":{[^}]*\"$2\":\([0-9]*\).*/\1/p"
}

# start_daemon NAME [OPTIONS...]: a detached vmmd daemon with its socket and
# state in /tmp/NAME, its pid in $DAEMON, its log in /tmp/NAME.log (shown,
# and the daemon stopped, when the case ends); VMMD_SOCKET points vmmctl at it.
start_daemon() {
	_name=$1
	shift
	export VMMD_SOCKET=/tmp/$_name/vmmd.sock
	vmmd daemon --socket "$VMMD_SOCKET" --state-dir /tmp/$_name --detach \
		--pid-file /tmp/$_name.pid "$@" 2> /tmp/$_name.log ||
		fail "the daemon did not start: $(cat /tmp/$_name.log)"
	DAEMON=$(cat /tmp/$_name.pid)
	trap "kill -TERM $DAEMON 2>/dev/null; echo '--- the daemon log:'; cat /tmp/$_name.log" EXIT
}

# median: the median of the numbers on stdin, one a line.
median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# meminfo_kib FIELD: a /proc/meminfo field (MemTotal, MemAvailable...) in KiB.
meminfo_kib() {
	sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo
}

# bench_host: one line on the host a benchmark runs on, for bench/table:
# its kernel, KVM's mode as vmmd's probe finds it, the kvm-arm.mode asked
# for on its command line, its CPUs and memory.
bench_host() {
	_mode=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^kvm-arm\.mode=//p' | tail -n 1)
	echo "bench-host: kernel=$(uname -r) kvm=$(json_field "$(vmmd --probe --json)" mode)" \
		"kvm-arm.mode=${_mode:-default} cpus=$(grep -c ^processor /proc/cpuinfo)" \
		"memory_mib=$(( $(meminfo_kib MemTotal) / 1024 ))"
}

# host_tap_up TAP PID ERRFILE: waits (up to 60 s) for the tap that the vmmd
# of PID creates or opens as its VM starts, then gives the host 10.0.2.1 on it.
host_tap_up() {
	_tries=0
	until [ -e /sys/class/net/$1 ]; do
		_tries=$((_tries + 1))
		[ "$_tries" -lt 600 ] && kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	ip addr add 10.0.2.1/24 dev "$1" || fail "no tap $1: $(cat "$3")"
	ip link set "$1" up
}

# vsock_listener OUTFILE: the host's vsock echo server on port 5000, in the
# background ($LISTENER), once it listens (bounded by the case's timeout).
vsock_listener() {
	vsock-echo listen 5000 > "$1" 2>&1 &
	LISTENER=$!
	until grep -q listening "$1"; do
		kill -0 $LISTENER 2>/dev/null || fail "the host vsock listener died"
		sleep 0.1
	done
}
