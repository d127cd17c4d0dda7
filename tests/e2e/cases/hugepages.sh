# Guest RAM in hugetlbfs pages: refused with a clear line while none are
# reserved, used (the pool shrinks while the guest runs) once they are.
payload="$VMMD_PAYLOADS/psci_system_off.bin"
echo 0 > /proc/sys/vm/nr_hugepages
run_status status vmmd run --payload "$payload" --memory 32M --hugepages
assert_eq "$status" 1 "huge pages asked for, none reserved"
assert_contains "$ERR" "in huge pages (are enough reserved in /proc/sys/vm/nr_hugepages?)" "message"

echo 16 > /proc/sys/vm/nr_hugepages
[ "$(sed -n 's/^HugePages_Total: *//p' /proc/meminfo)" = 16 ] || fail "the host did not reserve 16 huge pages"
run_status status vmmd run --payload "$payload" --memory 32M --hugepages --json
assert_eq "$status" 0 "a guest in huge pages powers off"
assert_eq "$(json_field "$OUT" x5)" 0x2a "x5, computed by the guest"
# The guest touched its first page: the process held one huge page then.
guest_kib=$(json_field "$OUT" guest_rss_kib)
[ "$guest_kib" -ge 2048 ] || fail "guest RAM resident $guest_kib KiB: not a huge page"
echo 0 > /proc/sys/vm/nr_hugepages
