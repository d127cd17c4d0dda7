# A CPU template lowers a writable ID_AA64ISAR0_EL1 field; a guest reads the
# register with mrs. Without the template it sees the host's value (from
# vmmd's own CPU-model report), with it the lowered field. Templates that
# raise a field or touch a non-writable one are refused before the VM runs.
payload=$VMMD_PAYLOADS/read_id_reg.bin
reg_field() {	# reg_field REPORT REGISTER KEY
	echo "$1" | sed -n "s/.*\"$2\":{[^}]*\"$3\":\"\([^\"]*\)\".*/\1/p"
}
run_status status vmmd --cpu-model --json
assert_eq "$status" 0 "exit status of --cpu-model"
report=$OUT
echo "$report" > /tmp/host-a.json
host=$(reg_field "$report" ID_AA64ISAR0_EL1 value)
mask=$(reg_field "$report" ID_AA64ISAR0_EL1 writable)
[ -n "$host" ] && [ -n "$mask" ] || fail "no ID_AA64ISAR0_EL1 in the report"
echo "host ID_AA64ISAR0_EL1 $host, writable $mask"

# A writable field the host has above 0, a non-writable one.
lower="" fixed=""
shift=0
while [ $shift -lt 64 ]; do
	v=$(( (host >> shift) & 15 ))
	m=$(( (mask >> shift) & 15 ))
	[ -z "$lower" ] && [ $m = 15 ] && [ $v -gt 0 ] && [ $v -lt 15 ] && lower=$shift
	[ -z "$fixed" ] && [ $m = 0 ] && fixed=$shift
	shift=$(( shift + 4 ))
done
[ -n "$lower" ] || fail "no writable non-zero field in ID_AA64ISAR0_EL1 ($host, $mask)"
[ -n "$fixed" ] || fail "no non-writable field in ID_AA64ISAR0_EL1 ($mask)"
lowered_value=$(( (host >> lower) & 15 ))
echo "lowering bits [$((lower + 3)):$lower] from $lowered_value to 0; bits [$((fixed + 3)):$fixed] are not writable"

template() {	# template FILE SHIFT VALUE
	echo "{\"name\":\"$1\",\"fields\":[{\"register\":\"ID_AA64ISAR0_EL1\",\"shift\":$2,\"value\":$3}]}" > "/tmp/$1.json"
}

run_status status vmmd run --payload "$payload" --json
assert_eq "$status" 0 "exit status without a template"
assert_eq "$(( $(json_field "$OUT" x5) ))" "$(( host ))" "the guest's ID_AA64ISAR0_EL1 without a template"

template lower "$lower" 0
run_status status vmmd run --payload "$payload" --json --cpu-template /tmp/lower.json
assert_eq "$status" 0 "exit status with the lowering template"
seen=$(json_field "$OUT" x5)
assert_eq "$(( (seen >> lower) & 15 ))" 0 "the lowered field as the guest saw it"
assert_eq "$(( seen | (lowered_value << lower) ))" "$(( host ))" "the other fields as the guest saw them"

template raise "$lower" $(( lowered_value + 1 ))
run_status status vmmd run --payload "$payload" --json --cpu-template /tmp/raise.json
assert_eq "$status" 1 "exit status with a raising template"
assert_eq "$OUT" "" "no guest report for a refused template"
assert_contains "$ERR" "would raise the host's" "the reason for refusing a raised field"

template fixed "$fixed" 0
run_status status vmmd run --payload "$payload" --json --cpu-template /tmp/fixed.json
assert_eq "$status" 1 "exit status with a non-writable field"
assert_contains "$ERR" "is not writable on this host" "the reason for refusing a non-writable field"

echo '{"name":"typo","fields":[{"register":"ID_AA64ISAR0_EL1","shfit":4,"value":0}]}' > /tmp/typo.json
run_status status vmmd run --payload "$payload" --cpu-template /tmp/typo.json
assert_eq "$status" 1 "exit status with a malformed template"
assert_contains "$ERR" "fields[0]" "the malformed entry named"

# Two hosts: this one, and one whose ISAR0 has the lowered field at 0. The
# lowering template runs on both; the raising one on neither.
lowered_hex=$(printf '0x%x' $(( host & ~(15 << lower) )))
sed "s/\"ID_AA64ISAR0_EL1\":{\"value\":\"$host\"/\"ID_AA64ISAR0_EL1\":{\"value\":\"$lowered_hex\"/" /tmp/host-a.json > /tmp/host-b.json
run_status status vmmd --cpu-model-compare /tmp/host-a.json /tmp/host-b.json --cpu-template /tmp/lower.json --json
assert_eq "$status" 0 "the lowering template runs on both hosts"
assert_contains "$OUT" "\"register\":\"ID_AA64ISAR0_EL1\",\"field\":\"[$((lower + 3)):$lower]\"" "the differing field named"
assert_contains "$OUT" '"runs_on_a":true,"runs_on_b":true' "the verdict"
run_status status vmmd --cpu-model-compare /tmp/host-a.json /tmp/host-b.json --cpu-template /tmp/raise.json
assert_eq "$status" 1 "the raising template runs on neither"
assert_contains "$OUT" "cannot run on A" "the verdict in text"
