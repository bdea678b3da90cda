#!/bin/bash
# Builds a release: the .deb for amd64 and arm64, and one tarball holding both with install.sh,
# which is what cloud-init user data and install.sh download.
#
#   packaging/build-release.sh [--out DIR]     (default: artifacts/release)
#
# Prints the SHA-256 of every file it made (also written to DIR/SHA256SUMS).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$repo/artifacts/release
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-release.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

mkdir -p "$out"
stage=$(mktemp -d "${TMPDIR:-/tmp}/ipv6-agent-release.XXXXXX")
trap 'rm -rf "$stage"' EXIT
amd64=$("$here/build-deb.sh" --arch amd64 --out "$out")
arm64=$("$here/build-deb.sh" --arch arm64 --out "$out")
version=$(dpkg-deb -f "$amd64" Version)

cp "$amd64" "$arm64" "$stage/"
install -m 0755 "$repo/install.sh" "$stage/install.sh"
tarball=$out/ipv6-agent_${version}.tar.gz
tar -czf "$tarball" -C "$stage" --owner=0 --group=0 install.sh "$(basename "$amd64")" "$(basename "$arm64")"
install -m 0755 "$repo/install.sh" "$out/install.sh"

(cd "$out" && sha256sum "$(basename "$tarball")" "$(basename "$amd64")" "$(basename "$arm64")" install.sh | tee SHA256SUMS)
