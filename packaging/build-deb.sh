#!/bin/bash
# Builds the ipv6-agent .deb: the native (NativeAOT) binary, the systemd unit, the default
# configuration (a conffile) and the maintainer scripts. The binary is linked against a Debian 11
# sysroot (packaging/sysroot.sh, glibc 2.31) so that it runs on Ubuntu 20.04 too; either architecture
# is built on either machine (arm64 is cross-compiled on x64) with clang, lld and llvm (Debian packages).
#
#   packaging/build-deb.sh [--arch amd64|arm64] [--out DIR] [--binary FILE]
#
#   --arch    Debian architecture to build for (default: this machine's).
#   --out     where the .deb goes (default: artifacts/deb under the repository).
#   --binary  package this already published ipv6-agent instead of publishing one.
#
# The version comes from `git describe --tags --always --dirty`: a tag v1.2.3 gives 1.2.3,
# commits after it 1.2.3+4.gabc1234, no tag at all 0.0.0+gabc1234; a dirty tree adds .dirty.
# `ipv6-agent version` prints the numeric version then the whole description: 0.0.0+abc1234.
# Prints the path of the .deb on stdout; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
arch=$(dpkg --print-architecture)
out=$repo/artifacts/deb
binary=

die() { echo "build-deb.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --binary) binary=${2:?--binary needs a file}; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-deb.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

case "$arch" in
  amd64) rid=linux-x64 ;;
  arm64) rid=linux-arm64 ;;
  *) die "architecture '$arch' is not built; use amd64 or arm64" ;;
esac

describe=$(git -C "$repo" describe --tags --always --dirty 2>/dev/null || echo unknown)
# 1.2.3 (numeric, for the assembly) and the Debian version.
if [[ $describe =~ ^v?([0-9]+\.[0-9]+\.[0-9]+)(-([0-9]+)-g([0-9a-f]+))?(-dirty)?$ ]]; then
  numeric=${BASH_REMATCH[1]}
  debver=$numeric
  [ -n "${BASH_REMATCH[3]}" ] && debver+="+${BASH_REMATCH[3]}.g${BASH_REMATCH[4]}"
  [ -n "${BASH_REMATCH[5]}" ] && debver+=".dirty"
elif [[ $describe =~ ^([0-9a-f]+)(-dirty)?$ ]]; then
  numeric=0.0.0
  debver="0.0.0+g${BASH_REMATCH[1]}"
  [ -n "${BASH_REMATCH[2]}" ] && debver+=".dirty"
else
  numeric=0.0.0
  debver=0.0.0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ipv6-agent-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -z "$binary" ]; then
  # NativeAOT links with the C toolchain: say which packages are missing before a long compile fails at its end.
  missing=()
  for tool in clang:clang ld.lld:lld llvm-objcopy:llvm; do command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}"); done
  [ ${#missing[@]} -eq 0 ] || die "the native build needs: apt-get install ${missing[*]}"
  sysroot=$("$here/sysroot.sh" --arch "$arch") || die "no $arch sysroot (packaging/sysroot.sh, output above)"
  echo "build-deb.sh: publishing $rid $describe (NativeAOT)" >&2
  # lld links either architecture (the machine's ld.bfd only its own).
  dotnet publish "$repo/src/Ipv6Agent/Ipv6Agent.csproj" -c Release -r "$rid" \
    -p:SysRoot="$sysroot" -p:LinkerFlavor=lld -p:GenerateDocumentationFile=false \
    -p:Version="$numeric" -p:InformationalVersion="$numeric+$describe" \
    -p:IncludeSourceRevisionInInformationalVersion=false \
    -o "$work/publish" >&2 || die "dotnet publish for $rid failed (output above)"
  binary=$work/publish/ipv6-agent
fi
[ -x "$binary" ] || die "no executable at $binary"

root=$work/root
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/ipv6-agent" \
  "$root/usr/share/doc/ipv6-agent"
install -m 0755 "$binary" "$root/usr/bin/ipv6-agent"
install -m 0644 "$here/systemd/ipv6-agent.service" "$root/lib/systemd/system/ipv6-agent.service"
install -m 0644 "$here/systemd/ipv6-agent-firewall.service" "$root/lib/systemd/system/ipv6-agent-firewall.service"
install -m 0644 "$here/config.yaml" "$root/etc/ipv6-agent/config.yaml"
install -m 0644 "$here/README.md" "$root/usr/share/doc/ipv6-agent/README.md"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$here/debian/postrm" "$root/DEBIAN/"
echo /etc/ipv6-agent/config.yaml >"$root/DEBIAN/conffiles"

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: ipv6-agent
Version: $debver
Architecture: $arch
Maintainer: ipv6-agent maintainers <ipv6-agent@localhost>
Section: net
Priority: optional
Installed-Size: $installed_size
Depends: libc6, iproute2, nftables
Recommends: docker.io | docker-ce, netplan.io
Description: public IPv6 addresses for Docker containers on EC2
 An on-instance agent for EC2 Linux hosts: it reads the instance metadata
 service, gives the ENI's IPv6 addresses to the host through netplan and a
 block (or the delegated prefix) to Docker through daemon.json, restarts
 Docker only when needed, verifies from a probe container, and reports
 through \`ipv6-agent status\`. Built from $describe.
CONTROL

mkdir -p "$out"
deb=$out/ipv6-agent_${debver}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
