#!/bin/bash
# Builds a release: the .deb for amd64 and arm64, and one tarball holding both with install.sh,
# which is what cloud-init user data and install.sh download.
#
#   packaging/build-release.sh [--out DIR] [--arch amd64|arm64 [--binary FILE]]   (default: artifacts/release, both)
#
# --arch builds one architecture only (the testbed's booted instances need amd64 only); --binary packages that
# architecture's already published ipv6-agent (build-deb.sh --binary) instead of compiling it again.
# Prints the SHA-256 of every file it made (also written to DIR/SHA256SUMS).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$repo/artifacts/release
arches=(amd64 arm64)
binary=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --arch) case "${2:-}" in amd64|arm64) arches=("$2") ;; *) echo "build-release.sh: --arch amd64|arm64" >&2; exit 64 ;; esac; shift 2 ;;
    --binary) binary=(--binary "${2:?--binary needs a file}"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-release.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

if [ ${#binary[@]} -gt 0 ] && [ ${#arches[@]} -ne 1 ]; then echo "build-release.sh: --binary needs --arch (one architecture)" >&2; exit 64; fi
mkdir -p "$out"
stage=$(mktemp -d "${TMPDIR:-/tmp}/ipv6-agent-release.XXXXXX")
trap 'rm -rf "$stage"' EXIT
debs=()
for arch in "${arches[@]}"; do
  debs+=("$("$here/build-deb.sh" --arch "$arch" --out "$out" "${binary[@]}")")
done
version=$(dpkg-deb -f "${debs[0]}" Version)

cp "${debs[@]}" "$stage/"
install -m 0755 "$repo/install.sh" "$stage/install.sh"
tarball=$out/ipv6-agent_${version}.tar.gz
names=()
for deb in "${debs[@]}"; do names+=("$(basename "$deb")"); done
tar -czf "$tarball" -C "$stage" --owner=0 --group=0 install.sh "${names[@]}"
install -m 0755 "$repo/install.sh" "$out/install.sh"

(cd "$out" && sha256sum "$(basename "$tarball")" "${names[@]}" install.sh | tee SHA256SUMS)
