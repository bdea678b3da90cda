#!/usr/bin/env bash
# Start-up latency of the published agent, as a person or a script meets it: `version`, `status`, `status --json`
# and `apply --dry-run --json` on the blog host (converged, so the dry run finds nothing to change) against a fake
# IMDS on 127.0.0.1. Publishes the agent the way packaging does, then measures each command with hyperfine.
#
#   tests/Ipv6Agent.Benchmarks/cli-latency.sh [WORK_DIR]
#
# Environment: RUNS (default 30), WARMUP (default 3), PUBLISH_ARGS (default: self-contained single file, as packaged),
# AGENT (an already published ipv6-agent to measure instead of publishing one).
# Needs dotnet and hyperfine; prints a table and leaves hyperfine's JSON and Markdown in WORK_DIR.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d -t ipv6-agent-latency-XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
runs="${RUNS:-30}"
warmup="${WARMUP:-3}"
command -v hyperfine >/dev/null || { echo "cli-latency.sh: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "cli-latency.sh: no .NET runtime identifier for $(uname -m)" >&2; exit 1 ;;
esac

if [[ -n "${AGENT:-}" ]]; then
  agent="$AGENT"
else
  read -r -a publish_args <<< "${PUBLISH_ARGS:---self-contained -p:PublishSingleFile=true}"
  echo "publishing the agent for $rid (${publish_args[*]}) ..." >&2
  dotnet publish "$repo/src/Ipv6Agent/Ipv6Agent.csproj" -c Release -r "$rid" "${publish_args[@]}" -o "$work/agent" --nologo -v q >&2
  agent="$work/agent/ipv6-agent"
fi

echo "building the blog host (fake IMDS + converged root) ..." >&2
dotnet build "$repo/tests/Ipv6Agent.Benchmarks/Ipv6Agent.Benchmarks.csproj" -c Release --nologo -v q >&2
host_dll="$repo/tests/Ipv6Agent.Benchmarks/bin/Release/net10.0/Ipv6Agent.Benchmarks.dll"

host_pid=""
cleanup() {
  if [[ -n "$host_pid" ]]; then
    kill "$host_pid" 2>/dev/null || true
    wait "$host_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

rm -rf "$work/host"
mkdir -p "$work/host"
dotnet "$host_dll" blog-host "$work/host" > "$work/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 600); do
  grep -q '^ready$' "$work/host.log" 2>/dev/null && break
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log" >&2; echo "cli-latency.sh: the blog host did not start" >&2; exit 1; }
  sleep 0.1
done
grep -q '^ready$' "$work/host.log" || { echo "cli-latency.sh: the blog host did not get ready in 60 s" >&2; exit 1; }
config="$(sed -n 's/^config //p' "$work/host.log")"
root="$work/host/root"
# status gets a config with only the root, as on a host where every other key is left at its default: a URL in the
# config (imds.endpoint, or DOCKER_HOST) costs status ~7 ms more, the first System.Uri a process builds.
status_config="$work/host/status-config.yaml"
echo "root: $root" > "$status_config"

# The report a converged pass leaves behind, for status to read.
mkdir -p "$root/run/ipv6-agent"
cat > "$root/run/ipv6-agent/status.json" <<EOF
{
  "schema": 1,
  "time": "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)",
  "result": "ok",
  "dryRun": false,
  "error": null,
  "instance": { "id": "i-0123456789abcdef0", "region": "us-east-1", "mac": "12:fb:b4:8b:15:f8", "interface": "ens5", "eni": "eni-0a1b2c3d4e5f67890" },
  "plan": { "source": "block", "hostAddresses": [ "2001:db8:47b:ca03::1:1/64" ], "gateway": "fe80::1066:30ff:feb8:c008",
            "dockerCidr": "2001:db8:47b:ca03::8/126", "dockerGateway": "2001:db8:47b:ca03::9" },
  "changes": [ { "path": "/etc/netplan/60-ipv6-agent.yaml", "action": "unchanged" }, { "path": "/etc/docker/daemon.json", "action": "unchanged" } ],
  "actions": [],
  "checks": [ { "name": "docker-bridge", "ok": true, "detail": "docker0 has 2001:db8:47b:ca03::9/126" },
              { "name": "container-address", "ok": true, "detail": "2001:db8:47b:ca03::a" },
              { "name": "ping 2001:db8:47b:ca03::e", "ok": true, "detail": "3/3, 0.2 ms" } ]
}
EOF

# No Docker engine here: the dry run must not wait for one. Only the dry run gets DOCKER_HOST (through env(1), ~1 ms):
# status validates it like any configuration, and a host rarely sets it.
unset DOCKER_HOST
no_docker="DOCKER_HOST=unix://$work/no-docker.sock"

# Every command must succeed before its time means anything; the dry run must find the host converged.
for args in "version" "--config $status_config status" "--config $status_config status --json" "--config $config status" "--config $config apply --dry-run --json"; do
  # shellcheck disable=SC2086
  if ! env "$no_docker" "$agent" $args > "$work/check.out" 2> "$work/check.err"; then
    echo "cli-latency.sh: '$agent $args' failed:" >&2
    cat "$work/check.err" >&2
    exit 1
  fi
done
if grep -Eq '"action": "(create|update|delete)"' "$work/check.out"; then
  echo "cli-latency.sh: warning: the dry run is not converged, it would change files:" >&2
  grep -E '"path"|"action"' "$work/check.out" >&2
fi

hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
  --export-json "$work/latency.json" --export-markdown "$work/latency.md" \
  -n "version" "$agent version" \
  -n "status" "$agent --config $status_config status" \
  -n "status --json" "$agent --config $status_config status --json" \
  -n "status (imds.endpoint set)" "$agent --config $config status" \
  -n "apply --dry-run --json" "env $no_docker $agent --config $config apply --dry-run --json" >&2

echo
echo "ipv6-agent start-up latency ($(nproc) cores, $runs runs, $(uname -m); $agent)"
if command -v python3 >/dev/null; then
  python3 - "$work/latency.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
print(f"| {'command':26} | {'median':>9} | {'mean ± σ':>16} | {'min':>8} | {'user+sys':>8} |")
print(f"|{'-' * 28}|{'-' * 10}:|{'-' * 17}:|{'-' * 9}:|{'-' * 9}:|")
for r in results:
    t = r["times"]
    print(f"| {r['command']:26} | {statistics.median(t) * 1000:6.1f} ms | {r['mean'] * 1000:6.1f} ± {r['stddev'] * 1000:4.1f} ms "
          f"| {min(t) * 1000:5.1f} ms | {(r['user'] + r['system']) * 1000:5.1f} ms |")
PY
else
  cat "$work/latency.md"
fi
echo "(raw: $work/latency.json, $work/latency.md)"
