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
# /run only where netplan writes; apt's keys read-only, its sources replaceable by a rename.
check "rename in /etc/apt" sh -c 'echo x > /etc/apt/pk-sandbox.tmp && mv /etc/apt/pk-sandbox.tmp /etc/apt/pk-sandbox && rm /etc/apt/pk-sandbox'
check "write /etc/apt/apt.conf.d" sh -c 'echo x > /etc/apt/apt.conf.d/pk-sandbox && rm /etc/apt/apt.conf.d/pk-sandbox'
refused "write /etc/apt/trusted.gpg.d" touch /etc/apt/trusted.gpg.d/pk-sandbox.gpg
refused "write /run" touch /run/pk-sandbox
refused "write /run/systemd" touch /run/systemd/pk-sandbox
refused "write /run/lock" touch /run/lock/pk-sandbox
for dir in /run/systemd/network /run/systemd/system /run/udev/rules.d /run/netplan; do
  check "write $dir" sh -c "echo x > $dir/pk-sandbox && rm $dir/pk-sandbox"
done
# The gateway check: an ICMPv6 echo over a raw AF_INET6 socket (CAP_NET_RAW), answered by ::1.
check "icmpv6 echo" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(5)
s.sendto(bytes([128, 0, 0, 0, 0x5a, 0x5a, 0, 1]) + b"pk-sandbox", ("::1", 0))
while True:
    data, source = s.recvfrom(1500)
    if data[0] == 129 and data[4:] == bytes([0x5a, 0x5a, 0, 1]) + b"pk-sandbox":
        break
'
check "sysctl /proc/sys/net/ipv6" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/lo/disable_ipv6'

# What the agent's commands do: netplan apply with networkd, then restart a service via systemd.
# An EC2-like interface too, matched by MAC and named (a .link file and a udev rule under /run).
# Only the files are checked: netplan matches on PermanentMACAddress=, which a veth does not have.
ip link add pkeni0 address 02:00:00:5a:00:01 type veth peer name pkeni0peer && ip link set pkeni0peer up
cat > /etc/netplan/60-pk-sandbox.yaml <<'YAML'
network:
  version: 2
  ethernets:
    pkeni:
      match:
        macaddress: "02:00:00:5a:00:01"
      set-name: pkeni0
      dhcp4: false
      dhcp6: false
      accept-ra: false
      addresses: ["2001:db8:5b::1/64"]
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
check "netplan wrote a udev rule and a .link" sh -c 'ls /run/udev/rules.d/99-netplan-pkeni.rules /run/systemd/network/10-netplan-pkeni.link'
check "systemctl restart" systemctl restart systemd-networkd
