#!/usr/bin/env bash
# Every test of ipv6-agent, as CI runs them: unit, CLI, end-to-end on the simulated VPC, packaging boot test.
# Sets up what it needs on a fresh Debian 12 machine (apt packages, NuGet restore). Needs root: the end-to-end
# tests build network namespaces and run dockerd and systemd-networkd inside them (never in this machine's own).
# The last line is "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[run-all] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  say "must run as root (the end-to-end tests create network namespaces and run dockerd inside them): sudo $0"
  exit 2
fi
command -v dotnet >/dev/null || { say "the .NET 10 SDK is not on PATH (https://learn.microsoft.com/dotnet/core/install/linux-debian)"; exit 2; }

# clang, lld, llvm: NativeAOT links the agent with the C toolchain, against a Debian 11 sysroot for each architecture
# (packaging/sysroot.sh; the arm64 binary is cross-compiled here, and its sysroot is also qemu's arm64 root).
packages=(docker.io netplan.io busybox-static iproute2 iputils-ping util-linux iptables systemd-container debootstrap dpkg-dev hyperfine nftables qemu-user-static
  clang lld llvm)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Booted instances (tests/Ipv6Agent.Testbed/README.md): the three stacks' rootfs trees are cached in
# /var/cache/ipv6-agent-testbed; on a fresh machine they debootstrap in parallel while the solution builds.
rootfs_log=$(mktemp /tmp/ipv6-agent-rootfs.XXXXXX.log)
rootfs_pids=()
# All three by default; IPV6_AGENT_BOOTED_STACKS=trixie,sid (for example) builds and runs fewer (BootedStackTests.SelectedStacks).
booted_stacks=${IPV6_AGENT_BOOTED_STACKS:-bookworm,trixie,sid}
for suite in ${booted_stacks//,/ }; do
  tests/Ipv6Agent.Testbed/scripts/booted-rootfs.sh --suite "$suite" >>"$rootfs_log" 2>&1 &
  rootfs_pids+=($!)
done

say "restoring and building"
dotnet restore Ipv6Agent.sln --nologo -v q
dotnet build Ipv6Agent.sln --no-restore --nologo -v q -c Release

# The shipped build, compiled once per architecture: packaging/build-deb.sh makes both .debs (NativeAOT, linked against
# a Debian 11 sysroot with lld; arm64 cross-compiled), and every test runs what is inside them: the CLI and end-to-end
# tests the amd64 binary (IPV6_AGENT), the arm64 test that binary under qemu-user (IPV6_AGENT_ARM64, with the arm64
# sysroot as qemu's root: it holds the dynamic loader and libc), the packaging tests the .debs themselves
# (IPV6_AGENT_DEBS), and the booted instances the release tarball made from the amd64 one (IPV6_AGENT_RELEASE).
agent_dir=$(mktemp -d /tmp/ipv6-agent-publish.XXXXXX)
trap 'rm -rf "$agent_dir"' EXIT
say "building the .debs (NativeAOT, amd64 and arm64)"
debs_dir=$agent_dir/debs
for arch in amd64 arm64; do
  deb=$(packaging/build-deb.sh --arch "$arch" --out "$debs_dir" | tail -n 1)
  dpkg-deb -x "$deb" "$agent_dir/$arch"
done
export IPV6_AGENT="$agent_dir/amd64/usr/bin/ipv6-agent" IPV6_AGENT_ARM64="$agent_dir/arm64/usr/bin/ipv6-agent"
export IPV6_AGENT_ARM64_SYSROOT=$(packaging/sysroot.sh --arch arm64) IPV6_AGENT_DEBS=$debs_dir
packaging/build-release.sh --arch amd64 --binary "$IPV6_AGENT" --out "$agent_dir/release" >/dev/null
export IPV6_AGENT_RELEASE=$(ls "$agent_dir"/release/ipv6-agent_*.tar.gz)
for pid in "${rootfs_pids[@]}"; do
  wait "$pid" || { say "a booted rootfs did not build:"; cat "$rootfs_log" >&2; }
done
grep -h 'built in' "$rootfs_log" | sed 's/^/[run-all] /' >&2 || true
rm -f "$rootfs_log"

log=$(mktemp /tmp/ipv6-agent-tests.XXXXXX.log)
say "running the tests (one module at a time: the end-to-end ones want the machine's two cores)"
set +e
dotnet test --solution Ipv6Agent.sln --no-build -c Release --max-parallel-test-modules 1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

total=$(grep -E '^\s*total:' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s*failed:' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
passed=$(grep -E '^\s*succeeded:' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -E '^\s*skipped:' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a crash or build error is a failure even with no count
printf '%s passed, %s failed, %s skipped\n' "$passed" "$failed" "$skipped"
[ "$status" -eq 0 ] && [ "$total" -gt 0 ]
