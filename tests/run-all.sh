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

packages=(docker.io netplan.io busybox-static iproute2 iputils-ping util-linux iptables systemd-container debootstrap dpkg-dev hyperfine nftables qemu-user-static)
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
# IPV6_AGENT_BOOTED_STACKS=sid,trixie narrows them (BootedStackTests runs the same list).
booted_stacks=${IPV6_AGENT_BOOTED_STACKS:-bookworm,trixie,sid}
for suite in ${booted_stacks//,/ }; do
  tests/Ipv6Agent.Testbed/scripts/booted-rootfs.sh --suite "$suite" >>"$rootfs_log" 2>&1 &
  rootfs_pids+=($!)
done

say "restoring and building"
dotnet restore Ipv6Agent.sln --nologo -v q
dotnet build Ipv6Agent.sln --no-restore --nologo -v q -c Release

# One published agent for every test that runs the binary, built with the contract's command.
agent_dir=$(mktemp -d /tmp/ipv6-agent-publish.XXXXXX)
trap 'rm -rf "$agent_dir"' EXIT
dotnet publish src/Ipv6Agent/Ipv6Agent.csproj -c Release -o "$agent_dir" --nologo -v q >/dev/null
export IPV6_AGENT="$agent_dir/ipv6-agent"
# The release tarball the booted instances' user data installs (amd64 only, self-contained).
packaging/build-release.sh --arch amd64 --out "$agent_dir/release" >/dev/null
export IPV6_AGENT_RELEASE=$(ls "$agent_dir"/release/ipv6-agent_*.tar.gz)
for pid in "${rootfs_pids[@]}"; do
  wait "$pid" || { say "a booted rootfs did not build:"; cat "$rootfs_log" >&2; }
done
grep -h 'built in' "$rootfs_log" | sed 's/^/[run-all] /' >&2 || true
rm -f "$rootfs_log"

# The arm64 build, as packaging ships it (self-contained, single file), for the test that runs it under qemu-user
# (tests/Ipv6Agent.Tests/Cli/Arm64Tests.cs). qemu needs arm64's dynamic loader and libc: three Debian packages
# fetched with a private apt state (this machine's own apt configuration and architectures are left alone) and
# unpacked into a sysroot that the test hands to qemu with -L.
say "publishing the linux-arm64 build and an arm64 sysroot for qemu-user"
arm64_dir=$(mktemp -d /tmp/ipv6-agent-arm64.XXXXXX)
trap 'rm -rf "$agent_dir" "$arm64_dir"' EXIT
dotnet publish src/Ipv6Agent/Ipv6Agent.csproj -c Release -r linux-arm64 --self-contained -p:PublishSingleFile=true \
  -p:DebugType=none -p:GenerateDocumentationFile=false -o "$arm64_dir/publish" --nologo -v q >/dev/null
apt_dir=$arm64_dir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$arm64_dir/debs" "$arm64_dir/sysroot"
apt_arm64=(-q -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Dir::State::status=/dev/null
  -o APT::Architecture=arm64 -o APT::Architectures::=arm64)
apt-get "${apt_arm64[@]}" update >/dev/null
(cd "$arm64_dir/debs" && apt-get "${apt_arm64[@]}" download libc6 libgcc-s1 libstdc++6 >/dev/null 2>&1)
for deb in "$arm64_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$arm64_dir/sysroot"; done
export IPV6_AGENT_ARM64="$arm64_dir/publish/ipv6-agent" IPV6_AGENT_ARM64_SYSROOT="$arm64_dir/sysroot"

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
