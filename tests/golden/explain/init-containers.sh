#!/bin/sh
# lab init-lab (init-lab): pod network host-gw, kube-proxy iptables
# The commands that build it by hand, in the order `netlab up` builds it; run as root where
# the lab is not up: the lab's checks pass on it, but its `env:` checks, which ask `netlab exec`
# and so need the state `netlab up` keeps. To take it down again (the workloads first, then the
# namespaces and files):
#   kill $(cat /run/netlab-explain/init-lab/*.pid)
#   for ns in $(ip netns list | grep -o '^nl-init-lab\.[^ ]*'); do ip netns del "$ns"; done
#   rm -rf /etc/netns/nl-init-lab.* /run/netlab-explain/init-lab
#   rmdir --ignore-fail-on-non-empty /etc/netns /run/netlab-explain
set -e

# --- 1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's as one netlink batch)
ip netns add nl-init-lab.underlay
ip netns add nl-init-lab.gateway
ip netns add nl-init-lab.node-1
ip netns add nl-init-lab.app
ip netns add nl-init-lab.plain
ip -n nl-init-lab.underlay link set lo up alias netlab:init-lab
ip -n nl-init-lab.underlay link add br0 index 2 address 02:63:ec:dd:1f:42 mtu 1500 up type bridge
ip -n nl-init-lab.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:82:9c:77:91:62 mtu 1500 netns nl-init-lab.gateway
ip -n nl-init-lab.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:7b:ab:75:98:e9 mtu 1500 netns nl-init-lab.node-1
ip netns exec nl-init-lab.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-init-lab.gateway link set lo up alias netlab:init-lab
ip -n nl-init-lab.gateway link set eth0 up
ip -n nl-init-lab.gateway addr add 192.168.56.1/24 dev eth0
ip netns exec nl-init-lab.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-init-lab.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-init-lab.node-1 link set lo up alias netlab:init-lab
ip -n nl-init-lab.node-1 link add cni0 index 3 address 02:79:ef:4f:fc:79 mtu 1500 up type bridge
ip -n nl-init-lab.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-init-lab.node-1 link set eth0 up
ip -n nl-init-lab.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-init-lab.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-init-lab.node-1 link add vetha1989cdf index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:de:38:d4:7a:30 mtu 1500 netns nl-init-lab.app
ip -n nl-init-lab.node-1 link set vetha1989cdf type bridge_slave hairpin on
ip -n nl-init-lab.node-1 link add vethc03283cc index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:f0:b2:62:ab:69 mtu 1500 netns nl-init-lab.plain
ip -n nl-init-lab.node-1 link set vethc03283cc type bridge_slave hairpin on
ip netns exec nl-init-lab.app sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-init-lab.app link set lo up alias netlab:init-lab
ip -n nl-init-lab.app link set eth0 up
ip -n nl-init-lab.app addr add 10.244.1.2/24 dev eth0
ip -n nl-init-lab.app route add default via 10.244.1.1 dev eth0
ip netns exec nl-init-lab.plain sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-init-lab.plain link set lo up alias netlab:init-lab
ip -n nl-init-lab.plain link set eth0 up
ip -n nl-init-lab.plain addr add 10.244.1.3/24 dev eth0
ip -n nl-init-lab.plain route add default via 10.244.1.1 dev eth0

# --- 2. each namespace's /etc files, which ip netns exec mounts over /etc (a pod's resolv.conf and hosts, as the kubelet writes them)
mkdir -p /etc/netns/nl-init-lab.underlay
cat > /etc/netns/nl-init-lab.underlay/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-init-lab.gateway
cat > /etc/netns/nl-init-lab.gateway/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-init-lab.node-1
cat > /etc/netns/nl-init-lab.node-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-init-lab.app
cat > /etc/netns/nl-init-lab.app/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-init-lab.app/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.2	app
EOF
mkdir -p /etc/netns/nl-init-lab.plain
cat > /etc/netns/nl-init-lab.plain/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-init-lab.plain/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.3	plain
EOF

# --- 3. kube-proxy's rules on every node (iptables mode)
ip netns exec nl-init-lab.node-1 iptables-restore --noflush <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-CSDRHODO5P6PB3HI - [0:0]
:KUBE-SEP-OK5XECAGLEB4R2N3 - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/proxied cluster IP" -m tcp -p tcp -d 10.100.2.78 --dport 80 -j KUBE-SVC-CSDRHODO5P6PB3HI
-A KUBE-SVC-CSDRHODO5P6PB3HI -m comment --comment "default/proxied cluster IP" -m tcp -p tcp -d 10.100.2.78 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CSDRHODO5P6PB3HI -m comment --comment "default/proxied -> 10.244.1.2:9000" -j KUBE-SEP-OK5XECAGLEB4R2N3
-A KUBE-SEP-OK5XECAGLEB4R2N3 -m comment --comment default/proxied -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-OK5XECAGLEB4R2N3 -m comment --comment default/proxied -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:9000
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-init-lab.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-init-lab.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-init-lab.node-1 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-init-lab.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-init-lab.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-init-lab.node-1 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-init-lab.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-init-lab.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-init-lab.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-init-lab.node-1 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-init-lab.node-1 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-init-lab.node-1 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-init-lab.node-1 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-init-lab.node-1 iptables -t filter -I OUTPUT -j KUBE-FIREWALL

# --- 5. the workloads, started as netlab starts them
# Each workload runs as a container would: in its namespace, with the pod's name as hostname (a UTS
# namespace of its own), only the variables given as its environment, unprivileged, in a session
# of its own; its output goes to $RUN/NAME.log, its pid to $RUN/NAME.pid. setpriv makes a command
# nobody; the echo server binds its ports first (an internet host's port 80 is privileged), then
# becomes nobody itself. netlab's own servers are modules of netlab: $PYTHON must import netlab
# (`netlab explain` names the interpreter it runs with).
PYTHON=python3
RUN=/run/netlab-explain/init-lab
umask 022  # nobody reads the zone files
mkdir -p "$RUN"
start() {  # start NAME NETNS HOSTNAME [VAR=value]... COMMAND [ARG]...
  name=$1 netns=$2 host=$3
  shift 3
  setsid ip netns exec "$netns" unshare --uts \
    sh -c 'cd / && hostname "$0" && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ HOSTNAME="$0" "$@"' \
    "$host" "$@" </dev/null >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
ready() {  # ready NAME...: wait until each of netlab's servers says it serves (10 s at most each)
  for name in "$@"; do
    within "$name" grep -qsx ready "$RUN/$name.log"
  done
}
listens() {  # listens NAME NETNS PORT: wait until a TCP port listens there (nginx says nothing)
  within "$1" sh -c 'ip netns exec "$0" ss -Hltn "sport = :$1" | grep -q .' "$2" "$3"
}
within() {  # within NAME COMMAND...: retry the command for 10 s at most, then say why NAME failed
  name=$1
  shift
  i=0
  until "$@"; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then echo "$name did not start: $(tail -n 1 "$RUN/$name.log")" >&2; exit 1; fi
    sleep 0.1
  done
}
start plain_web nl-init-lab.plain plain "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080
init() {  # init NAME NETNS HOSTNAME [VAR=value]... COMMAND [ARG]...: an init container, run to completion,
  # and again while it fails (after 10 s each time; the kubelet's back-off starts there and doubles to 5 min)
  until start "$@" && wait "$!"; do sleep 10; done
}
# pod app: its init containers in order, each until it exits 0 (a sidecar, restartPolicy: Always,
# started in its turn and left running), then its containers: nothing listens in it before
(
  init app_setup nl-init-lab.app app PROXIED_SERVICE_HOST=10.100.2.78 PROXIED_SERVICE_PORT=80 PROXIED_PORT=tcp://10.100.2.78:80 PROXIED_PORT_80_TCP=tcp://10.100.2.78:80 PROXIED_PORT_80_TCP_PROTO=tcp PROXIED_PORT_80_TCP_PORT=80 PROXIED_PORT_80_TCP_ADDR=10.100.2.78 setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'echo set up'
  start app_proxy nl-init-lab.app app "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 9000
  ready app_proxy
  init app_wait nl-init-lab.app app PROXIED_SERVICE_HOST=10.100.2.78 PROXIED_SERVICE_PORT=80 PROXIED_PORT=tcp://10.100.2.78:80 PROXIED_PORT_80_TCP=tcp://10.100.2.78:80 PROXIED_PORT_80_TCP_PROTO=tcp PROXIED_PORT_80_TCP_PORT=80 PROXIED_PORT_80_TCP_ADDR=10.100.2.78 setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'until curl -s localhost:9000; do sleep 1; done'
  start app_web nl-init-lab.app app "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080
  start app_tool nl-init-lab.app app PROXIED_SERVICE_HOST=10.100.2.78 PROXIED_SERVICE_PORT=80 PROXIED_PORT=tcp://10.100.2.78:80 PROXIED_PORT_80_TCP=tcp://10.100.2.78:80 PROXIED_PORT_80_TCP_PROTO=tcp PROXIED_PORT_80_TCP_PORT=80 PROXIED_PORT_80_TCP_ADDR=10.100.2.78 setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 600
) &
echo $! >"$RUN/app.pid"
ready plain_web
