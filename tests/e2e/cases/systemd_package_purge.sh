# Removing vmmd's package stops the service (and the socket); its
# configuration stays until the package is purged; purging removes the
# configuration and vmmd's state, /var/lib/vmmd and /run/vmmd. The vmmd user
# and group stay, as Debian keeps system users (debian/vmmd.postrm).
RUN_TIMEOUT=120
run_status status vmmctl version
assert_eq "$status" 0 "a client, which starts the service"
assert_eq "$(systemctl is-active vmmd.service)" active "the service before the removal"
echo image > /var/lib/vmmd/images/disk.img

run_status status dpkg -r vmmd
assert_eq "$status" 0 "dpkg -r vmmd"
assert_eq "$(systemctl is-active vmmd.service)" inactive "the service after the removal"
assert_eq "$(systemctl is-active vmmd.socket)" inactive "the socket after the removal"
[ -e /usr/sbin/vmmd ] && fail "dpkg -r left /usr/sbin/vmmd"
assert_eq "$(dpkg-query -W -f='${Status}' vmmd)" "deinstall ok config-files" \
	"the package's status after the removal"
[ -e /etc/vmmd/vmmd.json ] || fail "dpkg -r removed the configuration"
[ -e /var/lib/vmmd/images/disk.img ] || fail "dpkg -r removed vmmd's state"

run_status status dpkg -P vmmd
assert_eq "$status" 0 "dpkg -P vmmd"
for f in /etc/vmmd /var/lib/vmmd /run/vmmd; do
	[ -e "$f" ] && fail "dpkg -P left $f"
done
dpkg-query -W vmmd >/dev/null 2>&1 && fail "dpkg still knows vmmd after the purge"
getent passwd vmmd >/dev/null || fail "the purge removed the vmmd user"
echo "systemd_package_purge: ok"
