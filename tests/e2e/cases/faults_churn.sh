# A thousand lives of a VM through the daemon, in one client (vmmd_churn):
# create, start, running, then vm-kill (every tenth: SIGKILL to the VM
# process, a crash), delete. The daemon's fds, children and RSS are counted
# before, after 100 and after 1000 lives: the same fds, no child and no
# zombie left, and an RSS that does not grow with the lives (at most
# $RSS_SLACK_KIB between the 100th and the 1000th, allocator noise).
RUN_TIMEOUT=600
CYCLES=${CYCLES:-1000}
RSS_SLACK_KIB=256
. /vmmd/cases/faults_lib.sh
trap 'echo "--- the daemon log (tail):"; tail -n 30 /tmp/vmmd.log; end_daemon' EXIT
# vmmd-churn names the guest's kernel by path: beneath an image directory.
echo "{\"images\": {\"directories\": [\"$VMMD_GUEST\"]}}" > /tmp/images.json
faults_daemon --config /tmp/images.json
# What one vmmctl costs here, against the one client of the lives below.
t0=$(cut -d' ' -f1 /proc/uptime)
for i in 1 2 3 4 5 6 7 8 9 10; do vmmctl list > /dev/null || fail "vmmctl list"; done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "one vmmctl list: $(echo "$t0 $t1" | awk '{ printf "%d", ($2 - $1) * 100 }') ms"
run_status status vmmd-churn $S cycles $CYCLES 100 "$DAEMON" "$VMMD_GUEST/Image"
assert_eq "$status" 0 "$CYCLES lives of a VM"
# "cycle N fds F rss_kib R children C zombies Z seconds T"
field() { echo "$OUT" | awk -v c="$1" -v f="$2" '$2 == c { for (i = 3; i < NF; i += 2) if ($i == f) print $(i + 1) }'; }
fds0=$(field 0 fds)
for c in 100 $CYCLES; do
	assert_eq "$(field $c fds)" "$fds0" "the daemon's fds after $c lives"
	assert_eq "$(field $c children)" 0 "the daemon's children after $c lives"
	assert_eq "$(field $c zombies)" 0 "zombies after $c lives"
done
rss100=$(field 100 rss_kib)
rss_end=$(field $CYCLES rss_kib)
echo "RSS: $(field 0 rss_kib) KiB at start, $rss100 after 100, $rss_end after $CYCLES"
[ "$rss_end" -le $((rss100 + RSS_SLACK_KIB)) ] ||
	fail "the daemon's RSS grew from $rss100 to $rss_end KiB over $((CYCLES - 100)) lives"
echo "$CYCLES lives in $(field $CYCLES seconds) s"
ps | grep -v grep | grep -q 'vm-process' && fail "a VM process is left"
crashed=$(grep -c 'starting -> crashed\|running -> crashed' /tmp/vmmd.log)
echo "crashes seen: $crashed (every tenth life)"
assert_eq "$crashed" $((CYCLES / 10)) "the SIGKILLed lives, reported crashed"
stop_daemon
echo "faults_churn: ok"
