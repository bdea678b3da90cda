#!/bin/bash
# Prints the path of a Debian 11 (bullseye, glibc 2.31) sysroot for ARCH, building it on first use. The native
# binary is linked against it, so it runs on every distribution the agent supports (Debian 12, Ubuntu 20.04 and
# later): linked against this machine's newer glibc it would need GLIBC_2.34 (Ubuntu 20.04 has 2.31).
#
#   packaging/sysroot.sh --arch amd64|arm64 [--cache DIR]
#   (default cache: /var/cache/ipv6-agent-sysroot as root, else ~/.cache/ipv6-agent-sysroot)
#
# Only libc, the kernel headers and gcc's start files and runtime library are unpacked (dpkg-deb -x), fetched with a
# private apt state: this machine's own apt configuration and architectures are left alone. The arm64 tree is
# also the root that qemu-user runs the arm64 binary in (qemu-aarch64-static -L). Another Debian mirror:
# IPV6_AGENT_DEBIAN_MIRROR=http://.../debian.
set -euo pipefail

arch=
cache=/var/cache/ipv6-agent-sysroot
[ "$(id -u)" -eq 0 ] || cache=${XDG_CACHE_HOME:-$HOME/.cache}/ipv6-agent-sysroot
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:-}; shift 2 ;;
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sysroot.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done
case "$arch" in amd64|arm64) ;; *) echo "sysroot.sh: --arch amd64|arm64" >&2; exit 64 ;; esac

suite=bullseye
packages=(libc6 libc6-dev linux-libc-dev libgcc-10-dev libgcc-s1)
root=$cache/$suite-$arch
# The package list is part of the stamp: a tree built from another list is built again.
stamp="$suite ${packages[*]}"
if [ -f "$root/.ipv6-agent-sysroot" ] && [ "$(cat "$root/.ipv6-agent-sysroot")" = "$stamp" ]; then
  echo "$root"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ipv6-agent-sysroot.XXXXXX")
trap 'rm -rf "$work"' EXIT
mirror=${IPV6_AGENT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} $suite main" >"$work/sources.list"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
chmod 0755 "$work" "$work/debs"
apt=(-q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Dir::State::status=/dev/null
  -o APT::Architecture="$arch" -o APT::Architectures::="$arch" -o APT::Sandbox::User=root)
apt-get "${apt[@]}" update >&2
(cd "$work/debs" && apt-get "${apt[@]}" download "${packages[@]}" >&2)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
# Absolute links (/lib64/ld-linux-x86-64.so.2 -> /lib/...) would point into this machine: made relative, inside the tree.
find "$work/root" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
  ln -sfr "$work/root$(readlink "$link")" "$link"
done
echo "$stamp" >"$work/root/.ipv6-agent-sysroot"

mkdir -p "$cache"
rm -rf "$root"
mv "$work/root" "$root"
echo "$root"
