#!/bin/bash
# install.sh: install, upgrade or remove ipv6-agent on a Debian or Ubuntu host.
#
# Usage:
#   install.sh [options] SOURCE      install or upgrade from SOURCE, then wait for the first pass
#   install.sh --uninstall [--purge] stop and remove the agent
#
# SOURCE is one of:
#   ./ipv6-agent_1.2.3_amd64.deb     a local .deb
#   ./ipv6-agent_1.2.3.tar.gz        a local tarball holding the .deb for this architecture
#   https://.../ipv6-agent_...       a URL of either; --sha256 is then required
#
# Options:
#   --sha256 HEX   expected SHA-256 of SOURCE (required for a URL, checked for a file too)
#   --no-start     install and enable, but do not start now (image builds, chroots)
#   --wait SEC     how long to wait for the service's first pass (default 900)
#   --uninstall    stop, disable and remove the package; the host's network stays as it is
#   --purge        with --uninstall: also remove /etc/ipv6-agent and the agent's state
#   -h, --help     this text
#
# Idempotent: installing the version that is already installed only makes sure the service is
# enabled and running. Safe from cloud-init runcmd: no prompts, waits for the dpkg lock, logs
# every step to stderr (the console) and to the journal as ipv6-agent-install.
#
# Exit codes: 0 done; 1 failed (the message says why); 64 usage error.
set -euo pipefail

readonly tag=ipv6-agent-install
readonly unit=ipv6-agent.service
readonly lock_timeout=600

log() {
  echo "$tag: $*" >&2
  command -v logger >/dev/null 2>&1 && logger -t "$tag" -- "$*" 2>/dev/null || true
}
die() { log "error: $*"; exit 1; }
usage_error() { log "usage error: $*. See: install.sh --help"; exit 64; }

source_arg=
sha256=
no_start=0
wait_sec=900
uninstall=0
purge=0

while [ $# -gt 0 ]; do
  case "$1" in
    --sha256) [ $# -ge 2 ] || usage_error "--sha256 needs a value"; sha256=${2,,}; shift 2 ;;
    --no-start) no_start=1; shift ;;
    --wait) [ $# -ge 2 ] || usage_error "--wait needs seconds"; wait_sec=$2; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage_error "unknown option '$1'" ;;
    *) [ -z "$source_arg" ] || usage_error "one SOURCE only, got '$source_arg' and '$1'"; source_arg=$1; shift ;;
  esac
done

[[ $wait_sec =~ ^[0-9]+$ ]] || usage_error "--wait needs whole seconds, got '$wait_sec'"
[ -z "$sha256" ] || [[ $sha256 =~ ^[0-9a-f]{64}$ ]] || usage_error "--sha256 needs 64 hex digits, got '$sha256'"
if [ "$uninstall" = 1 ]; then
  [ -z "$source_arg" ] || usage_error "--uninstall takes no SOURCE"
else
  [ "$purge" = 0 ] || usage_error "--purge goes with --uninstall"
  [ -n "$source_arg" ] || usage_error "no SOURCE: give a .deb, a tarball or a URL"
  case "$source_arg" in
    http://*|https://*) [ -n "$sha256" ] || usage_error "a URL needs --sha256 HEX: nothing downloaded is installed unchecked" ;;
  esac
fi

[ "$(id -u)" = 0 ] || die "must run as root (try: sudo $0 $*)"
command -v dpkg >/dev/null 2>&1 || die "dpkg not found: ipv6-agent installs on Debian or Ubuntu only"
command -v systemctl >/dev/null 2>&1 || die "systemctl not found: ipv6-agent is a systemd service and needs systemd"
systemd_running=0
[ -d /run/systemd/system ] && systemd_running=1

export DEBIAN_FRONTEND=noninteractive

# Runs dpkg through apt-get when there is one (it waits for the lock itself), else dpkg alone
# with our own wait: cloud-init's runcmd often meets apt-daily or unattended-upgrades at boot.
dpkg_run() {
  local what=$1; shift
  if command -v apt-get >/dev/null 2>&1; then
    local extra=()
    [ "$what" = install ] && extra=(--allow-downgrades --no-install-recommends)
    apt-get -q -y -o DPkg::Lock::Timeout=$lock_timeout -o Dpkg::Use-Pty=0 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      "$what" "${extra[@]}" "$@" >&2
  else
    local waited=0
    until dpkg_try "$what" "$@"; do
      [ $? -eq 75 ] || return 1
      [ $waited -lt $lock_timeout ] || { log "the dpkg lock is still held after ${lock_timeout}s"; return 1; }
      [ $((waited % 30)) -eq 0 ] && log "waiting for the dpkg lock (another package manager runs)"
      sleep 2; waited=$((waited + 2))
    done
  fi
}

# dpkg alone; exit 75 when another process holds its lock.
dpkg_try() {
  local what=$1; shift
  local out rc=0 args=(--force-confdef --force-confold)
  case "$what" in
    install) args+=(-i) ;;
    remove) args+=(-r) ;;
    purge) args+=(-P) ;;
  esac
  out=$(dpkg "${args[@]}" "$@" 2>&1) || rc=$?
  printf '%s\n' "$out" >&2
  if [ $rc -ne 0 ] && grep -q 'lock' <<<"$out"; then return 75; fi
  return $rc
}

installed_version() {
  dpkg-query -W -f='${Status} ${Version}' ipv6-agent 2>/dev/null | awk '$3 == "installed" {print $4}'
}

if [ "$uninstall" = 1 ]; then
  state=$(dpkg-query -W -f='${Status}' ipv6-agent 2>/dev/null | awk '{print $3}' || true)
  if [ "$state" = config-files ] && [ "$purge" = 1 ]; then
    log "ipv6-agent was removed before; purging its configuration"
    dpkg_run purge ipv6-agent || die "purging the package failed (output above)"
    exit 0
  fi
  if [ -z "$state" ] || [ "$state" = not-installed ] || [ "$state" = config-files ]; then
    log "ipv6-agent is not installed; nothing to do"
    exit 0
  fi
  if [ "$purge" = 1 ]; then
    log "purging ipv6-agent (its configuration and state go too)"
    dpkg_run purge ipv6-agent || die "removing the package failed (output above)"
  else
    log "removing ipv6-agent (/etc/ipv6-agent stays; --purge removes it)"
    dpkg_run remove ipv6-agent || die "removing the package failed (output above)"
  fi
  log "removed. The host's network is left as the agent made it: /etc/netplan/60-ipv6-agent.yaml and /etc/docker/daemon.json stay"
  exit 0
fi

if [ "$systemd_running" = 0 ] && [ "$no_start" = 0 ]; then
  die "systemd is not running as init here (a container or chroot?); the service could not start. Use --no-start to install for a later boot"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ipv6-agent-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

check_sha256() {
  local file=$1 actual
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  [ "$actual" = "$sha256" ] || die "SHA-256 mismatch for $source_arg: expected $sha256, got $actual. Refusing to install it"
  log "SHA-256 verified"
}

case "$source_arg" in
  http://*|https://*)
    file=$work/download
    log "downloading $source_arg"
    if command -v curl >/dev/null 2>&1; then
      curl --fail --silent --show-error --location --retry 5 --retry-delay 3 --retry-connrefused \
        --connect-timeout 20 -o "$file" "$source_arg" || die "download of $source_arg failed"
    elif command -v wget >/dev/null 2>&1; then
      wget -q --tries=5 --waitretry=3 --timeout=20 -O "$file" "$source_arg" || die "download of $source_arg failed"
    else
      die "neither curl nor wget is installed to download $source_arg"
    fi
    check_sha256 "$file"
    ;;
  *)
    [ -f "$source_arg" ] || die "no such file: $source_arg"
    file=$(readlink -f "$source_arg")
    [ -z "$sha256" ] || check_sha256 "$file"
    ;;
esac

host_arch=$(dpkg --print-architecture)

if dpkg-deb --info "$file" >/dev/null 2>&1; then
  deb=$work/ipv6-agent.deb
  cp "$file" "$deb"
elif tar -tzf "$file" >/dev/null 2>&1; then
  mkdir "$work/tar"
  tar -xzf "$file" -C "$work/tar"
  mapfile -t found < <(find "$work/tar" -name "ipv6-agent_*_${host_arch}.deb")
  if [ ${#found[@]} -ne 1 ]; then
    others=$(find "$work/tar" -name '*.deb' -printf '%f ' )
    die "the tarball must hold exactly one ipv6-agent_*_${host_arch}.deb for this $host_arch host; it holds: ${others:-no .deb}"
  fi
  deb=${found[0]}
else
  die "$source_arg is neither a .deb nor a .tar.gz"
fi

package=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
deb_arch=$(dpkg-deb -f "$deb" Architecture)
[ "$package" = ipv6-agent ] || die "$source_arg is the package '$package', not ipv6-agent"
[ "$deb_arch" = "$host_arch" ] || die "wrong architecture: this .deb is for $deb_arch but this host is $host_arch; use ipv6-agent_${version}_${host_arch}.deb"

current=$(installed_version || true)
if [ "$current" = "$version" ]; then
  log "ipv6-agent $version is already installed"
  systemctl enable "$unit" >/dev/null 2>&1 || die "could not enable $unit: $(systemctl is-enabled $unit 2>&1)"
  if [ "$no_start" = 0 ] && ! systemctl is-active --quiet "$unit"; then
    log "starting $unit"
    systemctl --no-block start "$unit"
  fi
else
  if [ -n "$current" ]; then log "upgrading ipv6-agent $current to $version"; else log "installing ipv6-agent $version"; fi
  [ "$no_start" = 1 ] && export IPV6_AGENT_NO_START=1
  dpkg_run install "$deb" || die "installing the package failed (output above)"
fi

if [ "$no_start" = 1 ]; then
  log "installed and enabled; it starts at the next boot (--no-start)"
  exit 0
fi

# Type=notify: the unit is "activating" until the agent's first pass is over.
log "waiting for the first pass (up to ${wait_sec}s)"
deadline=$((SECONDS + wait_sec))
while :; do
  state=$(systemctl is-active "$unit" 2>/dev/null || true)
  case "$state" in
    active) break ;;
    failed|inactive)
      die "$unit is $state: see journalctl -u ipv6-agent -b" ;;
  esac
  # Before READY=1 a restart means the process died: a crash loop will not become ready.
  restarts=$(systemctl show -p NRestarts --value "$unit" 2>/dev/null || echo 0)
  [ "${restarts:-0}" -lt 3 ] || die "$unit exited $restarts times before it became ready: see journalctl -u ipv6-agent -b"
  [ $SECONDS -lt $deadline ] || die "$unit is still $state after ${wait_sec}s: see journalctl -u ipv6-agent -b"
  sleep 1
done

rc=0
status=$(/usr/bin/ipv6-agent status 2>&1) || rc=$?
printf '%s\n' "$status" | while IFS= read -r line; do log "  $line"; done
case $rc in
  0) log "ipv6-agent $version is running; the host is converged" ;;
  1) log "ipv6-agent $version is running; converged, but a check failed (see above and journalctl -u ipv6-agent)" ;;
  *) log "ipv6-agent $version is running, but its last pass did not converge (exit $rc): see above and journalctl -u ipv6-agent" ;;
esac
exit 0
