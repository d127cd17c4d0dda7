# vmmd's Debian package, as systemd-host/run-cases installed it at boot
# (dpkg -i, maintainer scripts and all): registered with its conffile, the
# vmmd user and group created (systemd-sysusers), its directories made
# (systemd-tmpfiles), the socket enabled and listening, the service neither
# enabled nor started: its socket's first client starts it.
RUN_TIMEOUT=60
echo "--- dpkg -i, as run-cases ran it:"
cat /tmp/e2e/dpkg-install.log
assert_eq "$(cat /tmp/e2e/dpkg-install.rc)" 0 "dpkg -i vmmd's package"
assert_eq "$(dpkg-query -W -f='${Status}' vmmd)" "install ok installed" "the package's status"
assert_contains "$(dpkg-query -W -f='${Conffiles}' vmmd)" " /etc/vmmd/vmmd.json " \
	"the configuration, a conffile"

getent group vmmd >/dev/null || fail "no vmmd group after the installation"
assert_eq "$(getent passwd vmmd | cut -d: -f6,7)" "/var/lib/vmmd:/usr/sbin/nologin" \
	"the vmmd user's home and shell"
for d in /run/vmmd /var/lib/vmmd /var/lib/vmmd/images; do
	assert_eq "$(stat -c '%U %G %a' $d)" "vmmd vmmd 750" "$d"
done

assert_eq "$(systemctl is-enabled vmmd.socket)" enabled "the socket unit, enabled"
assert_eq "$(systemctl is-active vmmd.socket)" active "the socket unit, started"
assert_eq "$(systemctl is-enabled vmmd.service)" disabled "the service, not enabled"
assert_eq "$(systemctl is-active vmmd.service)" inactive "the service, not started"
echo "systemd_package: ok"
