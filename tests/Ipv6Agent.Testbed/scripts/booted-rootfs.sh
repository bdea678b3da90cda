#!/bin/bash
# Prints the path of a Debian rootfs that a booted testbed instance runs (systemd-nspawn --boot),
# building it when the cache does not have it yet. The tree is read-only input: every machine
# boots a copy-on-write overlay of it, so the cache stays as debootstrap left it.
#
#   booted-rootfs.sh --suite bookworm|trixie|sid [--cache DIR]
#
# This script says what each stack holds; packaging/test/rootfs.sh (copied next to it as
# debian-rootfs.sh) builds and caches it: key = suite + mirror + package list, one lock per suite,
# so the three build in parallel.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=/var/cache/ipv6-agent-testbed
suite=
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) suite=${2:?--suite needs a name}; shift 2 ;;
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "booted-rootfs.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done

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

# In the repository the builder is packaging/test/rootfs.sh; in the testbed's output it is copied here.
builder=$here/debian-rootfs.sh
[ -x "$builder" ] || builder=$here/../../../packaging/test/rootfs.sh
exec "$builder" --suite "$suite" --include "$include" --cache "$cache"
