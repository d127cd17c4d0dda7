# Where KVM cannot serve, the daemon refuses to start with one line and
# status 3, and leaves no socket; with --no-kvm it serves the protocol and
# refuses every vm-start with NoKVM.
S=/tmp/vmmd-nokvm/vmmd.sock
export VMMD_SOCKET=$S
run_status status vmmd daemon --socket $S --state-dir /tmp/vmmd-nokvm
assert_eq "$status" 3 "the daemon's exit status without KVM"
assert_contains "$ERR" "KVM is not available" "why it refused"
assert_eq "$(echo "$ERR" | wc -l)" 1 "lines it said"
[ -e $S ] && fail "a socket was left behind"

vmmd daemon --no-kvm --socket $S --state-dir /tmp/vmmd-nokvm --detach \
	--pid-file /tmp/vmmd-nokvm.pid 2> /tmp/vmmd-nokvm.log
assert_eq "$?" 0 "the daemon starts with --no-kvm"
run_status status vmmctl version
assert_eq "$status" 0 "vmmctl version"
cat > /tmp/nokvm.json <<SPEC
{"name": "x", "vcpus": 1, "memory_mib": 64, "kernel": "$VMMD_GUEST/Image"}
SPEC
run_status status vmmctl create /tmp/nokvm.json
assert_eq "$status" 0 "create"
run_status status vmmctl start x
assert_eq "$status" 1 "start without KVM"
assert_contains "$ERR" "NoKVM" "start without KVM"
pid=$(cat /tmp/vmmd-nokvm.pid)
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && fail "the daemon did not exit on SIGTERM"
run_status status vmmctl version
assert_eq "$status" 3 "vmmctl with no daemon"
