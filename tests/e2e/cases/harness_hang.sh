# Never finishes: tests/e2e/selftest uses it to prove that a hung case is
# stopped by the harness's timeout and named in its report.
echo "hanging on purpose"
sleep 100000
