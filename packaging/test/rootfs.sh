#!/bin/bash
# Prints the path of a Debian bookworm rootfs that systemd-nspawn can boot, building it
# when the cache does not have it yet. The rootfs is read-only input: tests copy it first.
#
#   packaging/test/rootfs.sh [--cache DIR]
#
# The cache key is the package list, so changing the list below builds a fresh rootfs
# instead of silently reusing an old one.
set -euo pipefail

cache=/var/cache/ipv6-agent-tests
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "rootfs.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done

suite=bookworm
mirror=http://deb.debian.org/debian
# systemd as PID 1 and dbus (systemctl), what the .deb depends on (iproute2), what install.sh
# fetches a URL with (curl, ca-certificates), and netplan.io (with udev) to run `netplan apply` inside the
# unit's sandbox for real.
include=systemd,systemd-sysv,dbus,udev,iproute2,curl,ca-certificates,netplan.io,python3,nftables

key=$(printf '%s %s %s' "$suite" "$mirror" "$include" | sha256sum | cut -c1-12)
rootfs=$cache/$suite-$key

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 900 9 || { echo "rootfs.sh: another build holds $cache/.lock for 15 min" >&2; exit 1; }

if [ -f "$rootfs/.complete" ]; then
  echo "$rootfs"
  exit 0
fi

work=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
echo "rootfs.sh: debootstrap $suite into $work (about a minute)" >&2
debootstrap --variant=minbase --include="$include" "$suite" "$work/rootfs" "$mirror" >"$work/log" 2>&1 || {
  tail -n 30 "$work/log" >&2
  echo "rootfs.sh: debootstrap failed; log above" >&2
  exit 1
}
rm -rf "$rootfs"
mv "$work/rootfs" "$rootfs"
touch "$rootfs/.complete"
# Rootfs trees of an older package list are 300 MB each and no test uses them any more.
for old in "$cache/$suite"-*; do
  [ "$old" = "$rootfs" ] || rm -rf --one-file-system "$old"
done
echo "$rootfs"
