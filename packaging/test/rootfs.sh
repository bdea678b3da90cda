#!/bin/bash
# Prints the path of a cached Debian rootfs that systemd-nspawn can boot, building it when the
# cache does not have it yet. The tree is read-only input: callers copy it (packaging tests) or
# boot an overlay of it (the testbed's booted instances, tests/Ipv6Agent.Testbed/scripts/booted-rootfs.sh,
# which passes its own suite and package list). The one rootfs builder of the project.
#
#   packaging/test/rootfs.sh [--cache DIR] [--suite SUITE] [--include PKG,PKG,...]
#
# The cache key is suite + mirror + package list, so changing the list builds a fresh rootfs
# instead of silently reusing an old one. Several suites may build at once (one lock per suite).
set -euo pipefail

cache=/var/cache/ipv6-agent-tests
suite=bookworm
# The packaging tests' tree: systemd as PID 1 and dbus (systemctl), what the .deb depends on
# (iproute2, nftables), what install.sh fetches a URL with (curl, ca-certificates), and
# netplan.io (with udev) to run `netplan apply` inside the unit's sandbox for real.
include=systemd,systemd-sysv,dbus,udev,iproute2,curl,ca-certificates,netplan.io,python3,nftables
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    --suite) suite=${2:?--suite needs a name}; shift 2 ;;
    --include) include=${2:?--include needs a package list}; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "rootfs.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
case "$suite" in
  *[!a-z0-9-]*|"") echo "rootfs.sh: --suite takes a Debian suite name (got '$suite')" >&2; exit 64 ;;
esac

mirror=http://deb.debian.org/debian
key=$(printf '%s %s %s' "$suite" "$mirror" "$include" | sha256sum | cut -c1-12)
rootfs=$cache/$suite-$key

mkdir -p "$cache"
exec 9>"$cache/.lock-$suite"
flock -w 1200 9 || { echo "rootfs.sh: another build holds $cache/.lock-$suite for 20 min" >&2; exit 1; }

if [ -f "$rootfs/.complete" ]; then
  echo "$rootfs"
  exit 0
fi

work=$(mktemp -d "$cache/.build-$suite-XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
echo "rootfs.sh: debootstrap $suite into $work (1-5 minutes)" >&2
start=$(date +%s)
# sid's Release file may be past its Valid-Until on a machine whose clock runs ahead of the
# archive's snapshot; debootstrap does not check it, apt inside the tree does.
debootstrap --variant=minbase --include="$include" "$suite" "$work/rootfs" "$mirror" >"$work/log" 2>&1 || {
  tail -n 30 "$work/log" >&2
  echo "rootfs.sh: debootstrap $suite failed; log above" >&2
  exit 1
}
rm -rf --one-file-system "$rootfs"
mv "$work/rootfs" "$rootfs"
echo "$(( $(date +%s) - start ))" >"$rootfs/.build-seconds"
touch "$rootfs/.complete"
# Trees of an older package list are 300-500 MB each and no test uses them any more.
for old in "$cache/$suite"-*; do
  [ "$old" = "$rootfs" ] || rm -rf --one-file-system "$old"
done
echo "rootfs.sh: $suite built in $(cat "$rootfs/.build-seconds") s" >&2
echo "$rootfs"
