# vmmd's sysreg table against what KVM_GET_REG_LIST gives on a scratch vCPU
# with every feature the host offers: no system register KVM lists may be
# unknown to the table, none the table requires may be missing.
run_status status vmmd --cpu-model --json
assert_eq "$status" 0 "exit status of --cpu-model"
report=$OUT
listed=$(json_field "$report" listed)
known=$(json_field "$report" known)
sysregs=$(echo "$report" | sed -n 's/.*"groups":{[^}]*"sysreg":\([0-9]*\).*/\1/p')
echo "KVM_GET_REG_LIST: $listed registers, $sysregs system registers, $known known"
[ "${listed:-0}" -gt 0 ] || fail "KVM listed no registers"
assert_eq "$known" "$sysregs" "system registers the table knows"
assert_eq "$(json_field "$report" unknown_count)" 0 "registers KVM lists that the table does not know"
assert_eq "$(json_field "$report" missing_count)" 0 "registers the table requires that KVM lacks"
assert_contains "$report" '"unknown":[]' "no unknown encodings"
assert_contains "$report" '"missing":[]' "no missing registers"
writable=$(json_field "$report" writable_registers)
echo "ID registers with writable fields: $writable"
# The text form says the same in one line.
run_status status vmmd --cpu-model
assert_eq "$status" 0 "exit status of --cpu-model (text)"
assert_contains "$OUT" "$known known to vmmd, 0 unknown, 0 required but missing" "text summary"
