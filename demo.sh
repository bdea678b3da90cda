#!/bin/bash
# The one-command demo: on a fresh Debian 12 machine, as root. Installs what it needs, builds,
# boots the blog's two EC2 instances in a simulated VPC (network namespaces on this machine;
# its own network, /etc and iptables are never touched), runs ipv6-agent on both, prints both
# status reports and a container-to-container ping, and cleans up, also on failure or Ctrl-C.
#
#   ./demo.sh                     namespace instances, the agent run by hand (about a minute)
#   ./demo.sh --stack sid         booted Debian sid machines (systemd, cloud-init, Docker 28): the
#                                 user data installs the release, the service converges on its own
#                                 (bookworm|trixie|sid; the first run builds the rootfs, minutes)
set -euo pipefail
cd "$(dirname "$0")"
stack=
case "${1:-}" in
  --stack) stack=${2:?--stack needs bookworm, trixie or sid} ;;
  "") ;;
  *) echo "usage: demo.sh [--stack bookworm|trixie|sid]" >&2; exit 64 ;;
esac
start=$(date +%s)
step() { echo "==> [$(( $(date +%s) - start ))s] $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "demo.sh needs root: it creates network namespaces and runs dockerd and systemd-networkd in them. Run: sudo ./demo.sh" >&2
  exit 1
fi

step "checking packages"
need=()
for p in docker.io netplan.io busybox-static iproute2 iputils-ping util-linux iptables ${stack:+systemd-container debootstrap dpkg-dev}; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The machine's own dockerd is not needed (each instance runs its own); it may stay as it is.
if ! command -v dotnet >/dev/null; then
  echo "dotnet is missing: install the .NET 10 SDK (https://dot.net/install, e.g. ./dotnet-install.sh --channel 10.0) and put it on PATH" >&2
  exit 1
fi

out=$(mktemp -d /tmp/ipv6-agent-demo.XXXXXX)
testbed=$out/testbed/Ipv6Agent.Testbed.dll
cleanup() {
  # The testbed removes its namespaces and daemons itself; this catches a run that was killed.
  [ -f "$testbed" ] && dotnet "$testbed" sweep >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

step "dotnet restore and build (agent + testbed)"
dotnet build tests/Ipv6Agent.Testbed/Ipv6Agent.Testbed.csproj -c Release -o "$out/testbed" --nologo -v q >/dev/null
if [ -n "$stack" ]; then
  step "release tarball (packaging/build-release.sh --arch amd64) and the $stack rootfs, in parallel"
  "$out/testbed/scripts/booted-rootfs.sh" --suite "$stack" >/dev/null &
  rootfs_pid=$!
  packaging/build-release.sh --arch amd64 --out "$out/release" >/dev/null
  wait "$rootfs_pid"
  step "simulated VPC: the blog's two instances booted as Debian $stack"
  dotnet "$testbed" demo --stack "$stack" --release "$(ls "$out"/release/ipv6-agent_*.tar.gz)"
  step "done in $(( $(date +%s) - start ))s; ip netns list is: [$(ip netns list | grep -c '^tb-' || true) testbed namespaces left]"
  exit 0
fi
dotnet publish src/Ipv6Agent/Ipv6Agent.csproj -c Release -o "$out/agent" --nologo -v q >/dev/null

step "simulated VPC: the blog's two instances"
dotnet "$testbed" demo "$out/agent/ipv6-agent"
step "done in $(( $(date +%s) - start ))s; ip netns list is: [$(ip netns list | grep -c '^tb-' || true) testbed namespaces left]"
