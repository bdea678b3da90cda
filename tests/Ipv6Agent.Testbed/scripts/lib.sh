# Shared by the instance scripts. Every script takes the instance folder as $1 and reads
# instance.env there (written by the testbed): NS (its network namespace), ROOT (the agent's
# root: etc/, run/, var/), IFACE (ens5), DOCKER_SOCK, DOCKERD_ARGS, SCRIPTS (this folder).
set -eu
INST=$1
. "$INST/instance.env"
PIDS=$INST/pids
LOGS=$INST/log
mkdir -p "$PIDS" "$LOGS"

# Runs a command in the instance's network namespace but the machine's own mount namespace
# (ip netns exec would remount /sys and hide the cgroup mounts dockerd needs). HOST_MNT is the
# mount namespace of the testbed process, which outlives every daemon it starts.
in_ns() { nsenter --mount="$HOST_MNT" --net="/run/netns/$NS" "$@"; }

# Stops the process recorded in $PIDS/$1.pid and waits until it is gone (a stopped service).
stop_pid() {
  f=$PIDS/$1.pid
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    i=0
    while kill -0 "$p" 2>/dev/null; do
      i=$((i+1))
      if [ $i -gt 200 ]; then kill -KILL "$p" 2>/dev/null || true; fi
      sleep 0.1
    done
  fi
  rm -f "$f"
}
