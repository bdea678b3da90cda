#!/bin/sh
# Runs inside a unit that has ipv6-agent.service's sandbox, as the agent's child processes do.
# Prints "ok NAME" or "fail NAME: why" per check.
check() { name=$1; shift; if out=$("$@" 2>&1); then echo "ok $name"; else echo "fail $name: $out"; fi; }
refused() { name=$1; shift; if out=$("$@" 2>&1); then echo "fail $name: allowed"; else echo "ok $name"; fi; }

for dir in /etc/netplan /etc/docker /etc/apt/sources.list.d /etc/sysctl.d /var/lib/ipv6-agent /run/ipv6-agent; do
  check "write $dir" sh -c "echo x > $dir/pk-sandbox && rm $dir/pk-sandbox"
done
refused "write /usr/local" touch /usr/local/pk-sandbox
refused "write /etc" touch /etc/pk-sandbox
refused "read /root" cat /root/.bashrc
check "sysctl /proc/sys/net/ipv6" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/lo/disable_ipv6'

# What the agent's commands do: netplan apply with networkd, then restart a service via systemd.
cat > /etc/netplan/60-pk-sandbox.yaml <<'YAML'
network:
  version: 2
  bridges:
    pkbr0:
      dhcp4: false
      dhcp6: false
      accept-ra: false
      addresses: ["2001:db8:5a::1/64"]
YAML
chmod 600 /etc/netplan/60-pk-sandbox.yaml
check "netplan apply" netplan apply
i=0
until ip -6 addr show dev pkbr0 2>/dev/null | grep -q 2001:db8:5a::1 || [ $i -ge 50 ]; do sleep 0.2; i=$((i+1)); done
check "pkbr0 has 2001:db8:5a::1" sh -c 'ip -6 addr show dev pkbr0 | grep 2001:db8:5a::1'
check "systemctl restart" systemctl restart systemd-networkd
