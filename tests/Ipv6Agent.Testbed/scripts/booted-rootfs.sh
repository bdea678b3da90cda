#!/bin/bash
# Prints the path of a Debian rootfs that a booted testbed instance runs (systemd-nspawn --boot),
# building it when the cache does not have it yet. The tree is read-only input: every machine
# boots a copy-on-write overlay of it, so the cache stays as debootstrap left it.
#
#   booted-rootfs.sh --suite bookworm|trixie|sid [--cache DIR]
#
# Cache key = suite + mirror + package list: changing the list builds a fresh tree instead of
# silently reusing an old one. Several suites may build at once (one lock per suite).
set -euo pipefail

cache=/var/cache/ipv6-agent-testbed
suite=
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) suite=${2:?--suite needs a name}; shift 2 ;;
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "booted-rootfs.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done

mirror=http://deb.debian.org/debian
# systemd as PID 1 (dbus for systemctl, udev for netplan 1.2's netplan-configure.service),
# netplan.io + networkd, Docker, cloud-init (the Ec2 datasource), what the shipped user data
# and install.sh use (curl, ca-certificates, tar), nftables for the firewall unit,
# ping/busybox for the probe image and the tests' checks.
include=systemd,systemd-sysv,dbus,udev,netplan.io,docker.io,cloud-init,iproute2,ca-certificates,curl,nftables,iptables,iputils-ping,busybox-static,python3,procps
case "$suite" in
  # debootstrap does not resolve virtual packages: bookworm's python3-cryptography (cloud-init)
  # needs python3-cffi-backend-api-*, which only python3-cffi-backend provides.
  bookworm) include=$include,python3-cffi-backend ;;
  trixie|sid) include=$include,docker-cli ;;   # Docker 26's and 28's CLI is its own package
  *) echo "booted-rootfs.sh: --suite bookworm|trixie|sid (got '$suite')" >&2; exit 64 ;;
esac

key=$(printf '%s %s %s' "$suite" "$mirror" "$include" | sha256sum | cut -c1-12)
rootfs=$cache/$suite-$key

mkdir -p "$cache"
exec 9>"$cache/.lock-$suite"
flock -w 1200 9 || { echo "booted-rootfs.sh: another build holds $cache/.lock-$suite for 20 min" >&2; exit 1; }

if [ -f "$rootfs/.complete" ]; then
  echo "$rootfs"
  exit 0
fi

work=$(mktemp -d "$cache/.build-$suite-XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
echo "booted-rootfs.sh: debootstrap $suite into $work (2-5 minutes)" >&2
start=$(date +%s)
# sid's Release file may be past its Valid-Until on a machine whose clock runs ahead of the
# archive's snapshot; debootstrap does not check it, apt inside the tree does (see the README).
debootstrap --variant=minbase --include="$include" "$suite" "$work/rootfs" "$mirror" >"$work/log" 2>&1 || {
  tail -n 30 "$work/log" >&2
  echo "booted-rootfs.sh: debootstrap $suite failed; log above" >&2
  exit 1
}
rm -rf --one-file-system "$rootfs"
mv "$work/rootfs" "$rootfs"
echo "$(( $(date +%s) - start ))" >"$rootfs/.build-seconds"
touch "$rootfs/.complete"
# Trees of an older package list are 500 MB each and no test uses them any more.
for old in "$cache/$suite"-*; do
  [ "$old" = "$rootfs" ] || rm -rf --one-file-system "$old"
done
echo "booted-rootfs.sh: $suite built in $(cat "$rootfs/.build-seconds") s" >&2
echo "$rootfs"
