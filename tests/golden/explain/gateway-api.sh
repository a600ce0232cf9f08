#!/bin/sh
# lab gateway-api (Gateway API (L7) behind a LoadBalancer: NGINX Gateway Fabric routes by host, path, header and weight): pod network host-gw, kube-proxy iptables
# The commands that build it by hand, in the order `netlab up` builds it; run as root where
# the lab is not up: the lab's checks pass on it, but its `env:` checks, which ask `netlab exec`
# and so need the state `netlab up` keeps. To take it down again (the workloads first, then the
# namespaces and files):
#   kill $(cat /run/netlab-explain/gateway-api/*.pid)
#   for ns in $(ip netns list | grep -o '^nl-gateway-api\.[^ ]*'); do ip netns del "$ns"; done
#   rm -rf /etc/netns/nl-gateway-api.* /run/netlab-explain/gateway-api
#   rmdir --ignore-fail-on-non-empty /etc/netns /run/netlab-explain
set -e

# --- 1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's as one netlink batch)
ip netns add nl-gateway-api.underlay
ip netns add nl-gateway-api.gateway
ip netns add nl-gateway-api.cloud-lb
ip netns add nl-gateway-api.internet
ip netns add nl-gateway-api.node-1
ip netns add nl-gateway-api.node-2
ip netns add nl-gateway-api.coffee-v1-0
ip netns add nl-gateway-api.coffee-v2-0
ip netns add nl-gateway-api.tea-0
ip netns add nl-gateway-api.headers-0
ip netns add nl-gateway-api.menu-0
ip netns add nl-gateway-api.cafe-nginx-0
ip netns add nl-gateway-api.coredns-0
ip netns add nl-gateway-api.coredns-1
ip -n nl-gateway-api.underlay link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.underlay link add br0 index 2 address 02:a3:5b:4d:60:70 mtu 1500 up type bridge
ip -n nl-gateway-api.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:f5:9e:62:ee:b6 mtu 1500 netns nl-gateway-api.gateway
ip -n nl-gateway-api.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:2c:87:9c:b1:5d mtu 1500 netns nl-gateway-api.node-1
ip -n nl-gateway-api.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:ce:cb:62:1d:2f mtu 1500 netns nl-gateway-api.node-2
ip -n nl-gateway-api.underlay link add cloud-lb index 3 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:39:64:bf:42:04 mtu 1500 netns nl-gateway-api.cloud-lb
ip netns exec nl-gateway-api.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-gateway-api.gateway link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.gateway link set eth0 up
ip -n nl-gateway-api.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-gateway-api.gateway link add pub0 index 3 address 02:63:f0:0d:28:7d mtu 1500 up type bridge
ip -n nl-gateway-api.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-gateway-api.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-gateway-api.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:30:6d:8a:e2:c8 mtu 1500 netns nl-gateway-api.internet
ip -n nl-gateway-api.gateway route add 198.51.100.200/32 via 192.168.56.2 dev eth0
ip netns exec nl-gateway-api.cloud-lb sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-gateway-api.cloud-lb sysctl -qw net/ipv4/fib_multipath_hash_policy=1
ip -n nl-gateway-api.cloud-lb link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.cloud-lb link set eth0 up
ip -n nl-gateway-api.cloud-lb addr add 192.168.56.2/24 dev eth0
ip -n nl-gateway-api.internet link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.internet link set eth0 up
ip -n nl-gateway-api.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-gateway-api.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-gateway-api.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-gateway-api.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-gateway-api.node-1 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.node-1 link add cni0 index 3 address 02:70:70:41:a0:38 mtu 1500 up type bridge
ip -n nl-gateway-api.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-gateway-api.node-1 link set eth0 up
ip -n nl-gateway-api.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-gateway-api.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-gateway-api.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-gateway-api.node-1 link add vethb043599e index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:13:e7:79:4e:38 mtu 1500 netns nl-gateway-api.coffee-v1-0
ip -n nl-gateway-api.node-1 link set vethb043599e type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth213b718a index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:e1:4d:d9:20:66 mtu 1500 netns nl-gateway-api.coffee-v2-0
ip -n nl-gateway-api.node-1 link set veth213b718a type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth959bb7f5 index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:a1:65:3a:a3:ed mtu 1500 netns nl-gateway-api.tea-0
ip -n nl-gateway-api.node-1 link set veth959bb7f5 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add vethe2a74b46 index 103 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:b1:f8:9d:05:8b mtu 1500 netns nl-gateway-api.headers-0
ip -n nl-gateway-api.node-1 link set vethe2a74b46 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth015c4579 index 104 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:6d:44:17:65:ce mtu 1500 netns nl-gateway-api.menu-0
ip -n nl-gateway-api.node-1 link set veth015c4579 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth95878035 index 105 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:b0:5d:49:04:37 mtu 1500 netns nl-gateway-api.cafe-nginx-0
ip -n nl-gateway-api.node-1 link set veth95878035 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add vethf6a97584 index 106 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:58:88:e8:8a:12 mtu 1500 netns nl-gateway-api.coredns-0
ip -n nl-gateway-api.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-gateway-api.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-gateway-api.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-gateway-api.node-2 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.node-2 link add cni0 index 3 address 02:80:83:5c:50:26 mtu 1500 up type bridge
ip -n nl-gateway-api.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-gateway-api.node-2 link set eth0 up
ip -n nl-gateway-api.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-gateway-api.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-gateway-api.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-gateway-api.node-2 link add veth72b86496 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:49:a7:a5:f2:84 mtu 1500 netns nl-gateway-api.coredns-1
ip -n nl-gateway-api.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-gateway-api.coffee-v1-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coffee-v1-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coffee-v1-0 link set eth0 up
ip -n nl-gateway-api.coffee-v1-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-gateway-api.coffee-v1-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.coffee-v2-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coffee-v2-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coffee-v2-0 link set eth0 up
ip -n nl-gateway-api.coffee-v2-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-gateway-api.coffee-v2-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.tea-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.tea-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.tea-0 link set eth0 up
ip -n nl-gateway-api.tea-0 addr add 10.244.1.4/24 dev eth0
ip -n nl-gateway-api.tea-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.headers-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.headers-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.headers-0 link set eth0 up
ip -n nl-gateway-api.headers-0 addr add 10.244.1.5/24 dev eth0
ip -n nl-gateway-api.headers-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.menu-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.menu-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.menu-0 link set eth0 up
ip -n nl-gateway-api.menu-0 addr add 10.244.1.6/24 dev eth0
ip -n nl-gateway-api.menu-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.cafe-nginx-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.cafe-nginx-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.cafe-nginx-0 link set eth0 up
ip -n nl-gateway-api.cafe-nginx-0 addr add 10.244.1.7/24 dev eth0
ip -n nl-gateway-api.cafe-nginx-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coredns-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coredns-0 link set eth0 up
ip -n nl-gateway-api.coredns-0 addr add 10.244.1.8/24 dev eth0
ip -n nl-gateway-api.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coredns-1 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coredns-1 link set eth0 up
ip -n nl-gateway-api.coredns-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-gateway-api.coredns-1 route add default via 10.244.2.1 dev eth0

# --- 2. each namespace's /etc files, which ip netns exec mounts over /etc (a pod's resolv.conf and hosts, as the kubelet writes them)
mkdir -p /etc/netns/nl-gateway-api.underlay
cat > /etc/netns/nl-gateway-api.underlay/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-gateway-api.gateway
cat > /etc/netns/nl-gateway-api.gateway/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-gateway-api.cloud-lb
cat > /etc/netns/nl-gateway-api.cloud-lb/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-gateway-api.internet
cat > /etc/netns/nl-gateway-api.internet/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-gateway-api.node-1
cat > /etc/netns/nl-gateway-api.node-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-gateway-api.node-2
cat > /etc/netns/nl-gateway-api.node-2/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-gateway-api.coffee-v1-0
cat > /etc/netns/nl-gateway-api.coffee-v1-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-gateway-api.coffee-v1-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.2	coffee-v1-0
EOF
mkdir -p /etc/netns/nl-gateway-api.coffee-v2-0
cat > /etc/netns/nl-gateway-api.coffee-v2-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-gateway-api.coffee-v2-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.3	coffee-v2-0
EOF
mkdir -p /etc/netns/nl-gateway-api.tea-0
cat > /etc/netns/nl-gateway-api.tea-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-gateway-api.tea-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.4	tea-0
EOF
mkdir -p /etc/netns/nl-gateway-api.headers-0
cat > /etc/netns/nl-gateway-api.headers-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-gateway-api.headers-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.5	headers-0
EOF
mkdir -p /etc/netns/nl-gateway-api.menu-0
cat > /etc/netns/nl-gateway-api.menu-0/resolv.conf <<'EOF'
search team-b.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-gateway-api.menu-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.6	menu-0
EOF
mkdir -p /etc/netns/nl-gateway-api.cafe-nginx-0
cat > /etc/netns/nl-gateway-api.cafe-nginx-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-gateway-api.cafe-nginx-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.7	cafe-nginx-0
EOF
mkdir -p /etc/netns/nl-gateway-api.coredns-0
cat > /etc/netns/nl-gateway-api.coredns-0/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-gateway-api.coredns-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.8	coredns-0
EOF
mkdir -p /etc/netns/nl-gateway-api.coredns-1
cat > /etc/netns/nl-gateway-api.coredns-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-gateway-api.coredns-1/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.2	coredns-1
EOF

# --- 3. kube-proxy's rules on every node (iptables mode)
ip netns exec nl-gateway-api.node-1 iptables-restore --noflush <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-NODEPORTS -m comment --comment "default/cafe-nginx:port-80 health check node port" -m tcp -p tcp --dport 32086 -j ACCEPT
-A KUBE-NODEPORTS -m comment --comment "default/cafe-nginx:port-443 health check node port" -m tcp -p tcp --dport 32086 -j ACCEPT
-A KUBE-NODEPORTS -m comment --comment "default/cafe-nginx:port-8080 health check node port" -m tcp -p tcp --dport 32086 -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-K6GJXWX7Q3WIPZPA - [0:0]
:KUBE-SEP-CTAYOSTVCTMQWGKG - [0:0]
:KUBE-EXT-K6GJXWX7Q3WIPZPA - [0:0]
:KUBE-SVL-K6GJXWX7Q3WIPZPA - [0:0]
:KUBE-SVC-K5T3CZYWF2PU3T7A - [0:0]
:KUBE-SEP-VTUU7BDFGZXJ7SVU - [0:0]
:KUBE-EXT-K5T3CZYWF2PU3T7A - [0:0]
:KUBE-SVL-K5T3CZYWF2PU3T7A - [0:0]
:KUBE-SVC-26LIWZJU3JSDQQ4Z - [0:0]
:KUBE-SEP-2JMZBFOLEMPJUHX5 - [0:0]
:KUBE-EXT-26LIWZJU3JSDQQ4Z - [0:0]
:KUBE-SVL-26LIWZJU3JSDQQ4Z - [0:0]
:KUBE-SVC-ASFMDEV5DNHCGUWN - [0:0]
:KUBE-SEP-KC5MPSZXCT6V5FLJ - [0:0]
:KUBE-SVC-EDCBH6CP2E3BLC54 - [0:0]
:KUBE-SEP-QDSUNABGMUTWLK52 - [0:0]
:KUBE-SVC-L3PITWIOWMF65S64 - [0:0]
:KUBE-SEP-FEYIJ5JWZB65CQM7 - [0:0]
:KUBE-SVC-QBY6SWL4ZOFPDFMH - [0:0]
:KUBE-SEP-AEK4M3DVAL4KF4MT - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-MXQMVNGFUQPLZSHS - [0:0]
:KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SEP-KZMEYJZBDY4HFAEO - [0:0]
:KUBE-SEP-H7FN6LU3RSH6CC2T - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SEP-VCDXOJ2ELZCXMJQF - [0:0]
:KUBE-SEP-CLAGU7VMF4VCXE4X - [0:0]
:KUBE-SVC-LNIVS3UUMD4RUC2A - [0:0]
:KUBE-SEP-QPV56XFZCWIABFT3 - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-80 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 80 -j KUBE-SVC-K6GJXWX7Q3WIPZPA
-A KUBE-SVC-K6GJXWX7Q3WIPZPA -m comment --comment "default/cafe-nginx:port-80 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-K6GJXWX7Q3WIPZPA -m comment --comment "default/cafe-nginx:port-80 -> 10.244.1.7:80" -j KUBE-SEP-CTAYOSTVCTMQWGKG
-A KUBE-SEP-CTAYOSTVCTMQWGKG -m comment --comment default/cafe-nginx:port-80 -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-CTAYOSTVCTMQWGKG -m comment --comment default/cafe-nginx:port-80 -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:80
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-80 loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 80 -j KUBE-EXT-K6GJXWX7Q3WIPZPA
-A KUBE-NODEPORTS -m comment --comment default/cafe-nginx:port-80 -m tcp -p tcp --dport 31175 -j KUBE-EXT-K6GJXWX7Q3WIPZPA
-A KUBE-EXT-K6GJXWX7Q3WIPZPA -m comment --comment "pod traffic for default/cafe-nginx:port-80 external destinations" -s 10.244.0.0/16 -j KUBE-SVC-K6GJXWX7Q3WIPZPA
-A KUBE-EXT-K6GJXWX7Q3WIPZPA -m comment --comment "masquerade LOCAL traffic for default/cafe-nginx:port-80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-K6GJXWX7Q3WIPZPA -m comment --comment "route LOCAL traffic for default/cafe-nginx:port-80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-K6GJXWX7Q3WIPZPA
-A KUBE-EXT-K6GJXWX7Q3WIPZPA -j KUBE-SVL-K6GJXWX7Q3WIPZPA
-A KUBE-SVL-K6GJXWX7Q3WIPZPA -m comment --comment "default/cafe-nginx:port-80 -> 10.244.1.7:80" -j KUBE-SEP-CTAYOSTVCTMQWGKG
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-443 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 443 -j KUBE-SVC-K5T3CZYWF2PU3T7A
-A KUBE-SVC-K5T3CZYWF2PU3T7A -m comment --comment "default/cafe-nginx:port-443 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 443 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-K5T3CZYWF2PU3T7A -m comment --comment "default/cafe-nginx:port-443 -> 10.244.1.7:443" -j KUBE-SEP-VTUU7BDFGZXJ7SVU
-A KUBE-SEP-VTUU7BDFGZXJ7SVU -m comment --comment default/cafe-nginx:port-443 -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-VTUU7BDFGZXJ7SVU -m comment --comment default/cafe-nginx:port-443 -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:443
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-443 loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 443 -j KUBE-EXT-K5T3CZYWF2PU3T7A
-A KUBE-NODEPORTS -m comment --comment default/cafe-nginx:port-443 -m tcp -p tcp --dport 32475 -j KUBE-EXT-K5T3CZYWF2PU3T7A
-A KUBE-EXT-K5T3CZYWF2PU3T7A -m comment --comment "pod traffic for default/cafe-nginx:port-443 external destinations" -s 10.244.0.0/16 -j KUBE-SVC-K5T3CZYWF2PU3T7A
-A KUBE-EXT-K5T3CZYWF2PU3T7A -m comment --comment "masquerade LOCAL traffic for default/cafe-nginx:port-443 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-K5T3CZYWF2PU3T7A -m comment --comment "route LOCAL traffic for default/cafe-nginx:port-443 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-K5T3CZYWF2PU3T7A
-A KUBE-EXT-K5T3CZYWF2PU3T7A -j KUBE-SVL-K5T3CZYWF2PU3T7A
-A KUBE-SVL-K5T3CZYWF2PU3T7A -m comment --comment "default/cafe-nginx:port-443 -> 10.244.1.7:443" -j KUBE-SEP-VTUU7BDFGZXJ7SVU
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-8080 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 8080 -j KUBE-SVC-26LIWZJU3JSDQQ4Z
-A KUBE-SVC-26LIWZJU3JSDQQ4Z -m comment --comment "default/cafe-nginx:port-8080 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 8080 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-26LIWZJU3JSDQQ4Z -m comment --comment "default/cafe-nginx:port-8080 -> 10.244.1.7:8080" -j KUBE-SEP-2JMZBFOLEMPJUHX5
-A KUBE-SEP-2JMZBFOLEMPJUHX5 -m comment --comment default/cafe-nginx:port-8080 -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-2JMZBFOLEMPJUHX5 -m comment --comment default/cafe-nginx:port-8080 -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:8080
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-8080 loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 8080 -j KUBE-EXT-26LIWZJU3JSDQQ4Z
-A KUBE-NODEPORTS -m comment --comment default/cafe-nginx:port-8080 -m tcp -p tcp --dport 30808 -j KUBE-EXT-26LIWZJU3JSDQQ4Z
-A KUBE-EXT-26LIWZJU3JSDQQ4Z -m comment --comment "pod traffic for default/cafe-nginx:port-8080 external destinations" -s 10.244.0.0/16 -j KUBE-SVC-26LIWZJU3JSDQQ4Z
-A KUBE-EXT-26LIWZJU3JSDQQ4Z -m comment --comment "masquerade LOCAL traffic for default/cafe-nginx:port-8080 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-26LIWZJU3JSDQQ4Z -m comment --comment "route LOCAL traffic for default/cafe-nginx:port-8080 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-26LIWZJU3JSDQQ4Z
-A KUBE-EXT-26LIWZJU3JSDQQ4Z -j KUBE-SVL-26LIWZJU3JSDQQ4Z
-A KUBE-SVL-26LIWZJU3JSDQQ4Z -m comment --comment "default/cafe-nginx:port-8080 -> 10.244.1.7:8080" -j KUBE-SEP-2JMZBFOLEMPJUHX5
-A KUBE-SERVICES -m comment --comment "default/coffee-v1 cluster IP" -m tcp -p tcp -d 10.107.130.99 --dport 80 -j KUBE-SVC-ASFMDEV5DNHCGUWN
-A KUBE-SVC-ASFMDEV5DNHCGUWN -m comment --comment "default/coffee-v1 cluster IP" -m tcp -p tcp -d 10.107.130.99 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ASFMDEV5DNHCGUWN -m comment --comment "default/coffee-v1 -> 10.244.1.2:8080" -j KUBE-SEP-KC5MPSZXCT6V5FLJ
-A KUBE-SEP-KC5MPSZXCT6V5FLJ -m comment --comment default/coffee-v1 -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-KC5MPSZXCT6V5FLJ -m comment --comment default/coffee-v1 -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080
-A KUBE-SERVICES -m comment --comment "default/coffee-v2 cluster IP" -m tcp -p tcp -d 10.101.53.31 --dport 80 -j KUBE-SVC-EDCBH6CP2E3BLC54
-A KUBE-SVC-EDCBH6CP2E3BLC54 -m comment --comment "default/coffee-v2 cluster IP" -m tcp -p tcp -d 10.101.53.31 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-EDCBH6CP2E3BLC54 -m comment --comment "default/coffee-v2 -> 10.244.1.3:8080" -j KUBE-SEP-QDSUNABGMUTWLK52
-A KUBE-SEP-QDSUNABGMUTWLK52 -m comment --comment default/coffee-v2 -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-QDSUNABGMUTWLK52 -m comment --comment default/coffee-v2 -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SERVICES -m comment --comment "default/headers cluster IP" -m tcp -p tcp -d 10.108.94.54 --dport 80 -j KUBE-SVC-L3PITWIOWMF65S64
-A KUBE-SVC-L3PITWIOWMF65S64 -m comment --comment "default/headers cluster IP" -m tcp -p tcp -d 10.108.94.54 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-L3PITWIOWMF65S64 -m comment --comment "default/headers -> 10.244.1.5:8080" -j KUBE-SEP-FEYIJ5JWZB65CQM7
-A KUBE-SEP-FEYIJ5JWZB65CQM7 -m comment --comment default/headers -s 10.244.1.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-FEYIJ5JWZB65CQM7 -m comment --comment default/headers -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SERVICES -m comment --comment "default/tea cluster IP" -m tcp -p tcp -d 10.98.1.201 --dport 80 -j KUBE-SVC-QBY6SWL4ZOFPDFMH
-A KUBE-SVC-QBY6SWL4ZOFPDFMH -m comment --comment "default/tea cluster IP" -m tcp -p tcp -d 10.98.1.201 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-QBY6SWL4ZOFPDFMH -m comment --comment "default/tea -> 10.244.1.4:8080" -j KUBE-SEP-AEK4M3DVAL4KF4MT
-A KUBE-SEP-AEK4M3DVAL4KF4MT -m comment --comment default/tea -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-AEK4M3DVAL4KF4MT -m comment --comment default/tea -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:8080
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.8:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-MXQMVNGFUQPLZSHS
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.2:53" -j KUBE-SEP-TCIZBYBD3WWXNWF5
-A KUBE-SEP-MXQMVNGFUQPLZSHS -m comment --comment kube-system/kube-dns:dns -s 10.244.1.8 -j KUBE-MARK-MASQ
-A KUBE-SEP-MXQMVNGFUQPLZSHS -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.1.8:53
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -m comment --comment kube-system/kube-dns:dns -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.1.8:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-KZMEYJZBDY4HFAEO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.2:53" -j KUBE-SEP-H7FN6LU3RSH6CC2T
-A KUBE-SEP-KZMEYJZBDY4HFAEO -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.1.8 -j KUBE-MARK-MASQ
-A KUBE-SEP-KZMEYJZBDY4HFAEO -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.1.8:53
-A KUBE-SEP-H7FN6LU3RSH6CC2T -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-H7FN6LU3RSH6CC2T -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.1.8:9153" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-VCDXOJ2ELZCXMJQF
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.2:9153" -j KUBE-SEP-CLAGU7VMF4VCXE4X
-A KUBE-SEP-VCDXOJ2ELZCXMJQF -m comment --comment kube-system/kube-dns:metrics -s 10.244.1.8 -j KUBE-MARK-MASQ
-A KUBE-SEP-VCDXOJ2ELZCXMJQF -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.8:9153
-A KUBE-SEP-CLAGU7VMF4VCXE4X -m comment --comment kube-system/kube-dns:metrics -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-CLAGU7VMF4VCXE4X -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:9153
-A KUBE-SERVICES -m comment --comment "team-b/menu cluster IP" -m tcp -p tcp -d 10.105.65.227 --dport 80 -j KUBE-SVC-LNIVS3UUMD4RUC2A
-A KUBE-SVC-LNIVS3UUMD4RUC2A -m comment --comment "team-b/menu cluster IP" -m tcp -p tcp -d 10.105.65.227 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-LNIVS3UUMD4RUC2A -m comment --comment "team-b/menu -> 10.244.1.6:8080" -j KUBE-SEP-QPV56XFZCWIABFT3
-A KUBE-SEP-QPV56XFZCWIABFT3 -m comment --comment team-b/menu -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-QPV56XFZCWIABFT3 -m comment --comment team-b/menu -m tcp -p tcp -j DNAT --to-destination 10.244.1.6:8080
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-gateway-api.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-gateway-api.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-gateway-api.node-1 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-gateway-api.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-1 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-gateway-api.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-gateway-api.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-gateway-api.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-gateway-api.node-1 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-1 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-1 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-gateway-api.node-1 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-gateway-api.node-1 iptables -t filter -I OUTPUT -j KUBE-FIREWALL
ip netns exec nl-gateway-api.node-2 iptables-restore --noflush <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-NODEPORTS -m comment --comment "default/cafe-nginx:port-80 health check node port" -m tcp -p tcp --dport 32086 -j ACCEPT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/cafe-nginx:port-80 has no local endpoints" -m tcp -p tcp -d 198.51.100.200 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/cafe-nginx:port-80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 31175 -j DROP
-A KUBE-NODEPORTS -m comment --comment "default/cafe-nginx:port-443 health check node port" -m tcp -p tcp --dport 32086 -j ACCEPT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/cafe-nginx:port-443 has no local endpoints" -m tcp -p tcp -d 198.51.100.200 --dport 443 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/cafe-nginx:port-443 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 32475 -j DROP
-A KUBE-NODEPORTS -m comment --comment "default/cafe-nginx:port-8080 health check node port" -m tcp -p tcp --dport 32086 -j ACCEPT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/cafe-nginx:port-8080 has no local endpoints" -m tcp -p tcp -d 198.51.100.200 --dport 8080 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/cafe-nginx:port-8080 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30808 -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-K6GJXWX7Q3WIPZPA - [0:0]
:KUBE-SEP-CTAYOSTVCTMQWGKG - [0:0]
:KUBE-EXT-K6GJXWX7Q3WIPZPA - [0:0]
:KUBE-SVL-K6GJXWX7Q3WIPZPA - [0:0]
:KUBE-SVC-K5T3CZYWF2PU3T7A - [0:0]
:KUBE-SEP-VTUU7BDFGZXJ7SVU - [0:0]
:KUBE-EXT-K5T3CZYWF2PU3T7A - [0:0]
:KUBE-SVL-K5T3CZYWF2PU3T7A - [0:0]
:KUBE-SVC-26LIWZJU3JSDQQ4Z - [0:0]
:KUBE-SEP-2JMZBFOLEMPJUHX5 - [0:0]
:KUBE-EXT-26LIWZJU3JSDQQ4Z - [0:0]
:KUBE-SVL-26LIWZJU3JSDQQ4Z - [0:0]
:KUBE-SVC-ASFMDEV5DNHCGUWN - [0:0]
:KUBE-SEP-KC5MPSZXCT6V5FLJ - [0:0]
:KUBE-SVC-EDCBH6CP2E3BLC54 - [0:0]
:KUBE-SEP-QDSUNABGMUTWLK52 - [0:0]
:KUBE-SVC-L3PITWIOWMF65S64 - [0:0]
:KUBE-SEP-FEYIJ5JWZB65CQM7 - [0:0]
:KUBE-SVC-QBY6SWL4ZOFPDFMH - [0:0]
:KUBE-SEP-AEK4M3DVAL4KF4MT - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-MXQMVNGFUQPLZSHS - [0:0]
:KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SEP-KZMEYJZBDY4HFAEO - [0:0]
:KUBE-SEP-H7FN6LU3RSH6CC2T - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SEP-VCDXOJ2ELZCXMJQF - [0:0]
:KUBE-SEP-CLAGU7VMF4VCXE4X - [0:0]
:KUBE-SVC-LNIVS3UUMD4RUC2A - [0:0]
:KUBE-SEP-QPV56XFZCWIABFT3 - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-80 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 80 -j KUBE-SVC-K6GJXWX7Q3WIPZPA
-A KUBE-SVC-K6GJXWX7Q3WIPZPA -m comment --comment "default/cafe-nginx:port-80 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-K6GJXWX7Q3WIPZPA -m comment --comment "default/cafe-nginx:port-80 -> 10.244.1.7:80" -j KUBE-SEP-CTAYOSTVCTMQWGKG
-A KUBE-SEP-CTAYOSTVCTMQWGKG -m comment --comment default/cafe-nginx:port-80 -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-CTAYOSTVCTMQWGKG -m comment --comment default/cafe-nginx:port-80 -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:80
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-80 loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 80 -j KUBE-EXT-K6GJXWX7Q3WIPZPA
-A KUBE-NODEPORTS -m comment --comment default/cafe-nginx:port-80 -m tcp -p tcp --dport 31175 -j KUBE-EXT-K6GJXWX7Q3WIPZPA
-A KUBE-EXT-K6GJXWX7Q3WIPZPA -m comment --comment "pod traffic for default/cafe-nginx:port-80 external destinations" -s 10.244.0.0/16 -j KUBE-SVC-K6GJXWX7Q3WIPZPA
-A KUBE-EXT-K6GJXWX7Q3WIPZPA -m comment --comment "masquerade LOCAL traffic for default/cafe-nginx:port-80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-K6GJXWX7Q3WIPZPA -m comment --comment "route LOCAL traffic for default/cafe-nginx:port-80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-K6GJXWX7Q3WIPZPA
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-443 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 443 -j KUBE-SVC-K5T3CZYWF2PU3T7A
-A KUBE-SVC-K5T3CZYWF2PU3T7A -m comment --comment "default/cafe-nginx:port-443 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 443 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-K5T3CZYWF2PU3T7A -m comment --comment "default/cafe-nginx:port-443 -> 10.244.1.7:443" -j KUBE-SEP-VTUU7BDFGZXJ7SVU
-A KUBE-SEP-VTUU7BDFGZXJ7SVU -m comment --comment default/cafe-nginx:port-443 -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-VTUU7BDFGZXJ7SVU -m comment --comment default/cafe-nginx:port-443 -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:443
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-443 loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 443 -j KUBE-EXT-K5T3CZYWF2PU3T7A
-A KUBE-NODEPORTS -m comment --comment default/cafe-nginx:port-443 -m tcp -p tcp --dport 32475 -j KUBE-EXT-K5T3CZYWF2PU3T7A
-A KUBE-EXT-K5T3CZYWF2PU3T7A -m comment --comment "pod traffic for default/cafe-nginx:port-443 external destinations" -s 10.244.0.0/16 -j KUBE-SVC-K5T3CZYWF2PU3T7A
-A KUBE-EXT-K5T3CZYWF2PU3T7A -m comment --comment "masquerade LOCAL traffic for default/cafe-nginx:port-443 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-K5T3CZYWF2PU3T7A -m comment --comment "route LOCAL traffic for default/cafe-nginx:port-443 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-K5T3CZYWF2PU3T7A
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-8080 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 8080 -j KUBE-SVC-26LIWZJU3JSDQQ4Z
-A KUBE-SVC-26LIWZJU3JSDQQ4Z -m comment --comment "default/cafe-nginx:port-8080 cluster IP" -m tcp -p tcp -d 10.99.213.84 --dport 8080 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-26LIWZJU3JSDQQ4Z -m comment --comment "default/cafe-nginx:port-8080 -> 10.244.1.7:8080" -j KUBE-SEP-2JMZBFOLEMPJUHX5
-A KUBE-SEP-2JMZBFOLEMPJUHX5 -m comment --comment default/cafe-nginx:port-8080 -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-2JMZBFOLEMPJUHX5 -m comment --comment default/cafe-nginx:port-8080 -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:8080
-A KUBE-SERVICES -m comment --comment "default/cafe-nginx:port-8080 loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 8080 -j KUBE-EXT-26LIWZJU3JSDQQ4Z
-A KUBE-NODEPORTS -m comment --comment default/cafe-nginx:port-8080 -m tcp -p tcp --dport 30808 -j KUBE-EXT-26LIWZJU3JSDQQ4Z
-A KUBE-EXT-26LIWZJU3JSDQQ4Z -m comment --comment "pod traffic for default/cafe-nginx:port-8080 external destinations" -s 10.244.0.0/16 -j KUBE-SVC-26LIWZJU3JSDQQ4Z
-A KUBE-EXT-26LIWZJU3JSDQQ4Z -m comment --comment "masquerade LOCAL traffic for default/cafe-nginx:port-8080 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-26LIWZJU3JSDQQ4Z -m comment --comment "route LOCAL traffic for default/cafe-nginx:port-8080 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-26LIWZJU3JSDQQ4Z
-A KUBE-SERVICES -m comment --comment "default/coffee-v1 cluster IP" -m tcp -p tcp -d 10.107.130.99 --dport 80 -j KUBE-SVC-ASFMDEV5DNHCGUWN
-A KUBE-SVC-ASFMDEV5DNHCGUWN -m comment --comment "default/coffee-v1 cluster IP" -m tcp -p tcp -d 10.107.130.99 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ASFMDEV5DNHCGUWN -m comment --comment "default/coffee-v1 -> 10.244.1.2:8080" -j KUBE-SEP-KC5MPSZXCT6V5FLJ
-A KUBE-SEP-KC5MPSZXCT6V5FLJ -m comment --comment default/coffee-v1 -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-KC5MPSZXCT6V5FLJ -m comment --comment default/coffee-v1 -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080
-A KUBE-SERVICES -m comment --comment "default/coffee-v2 cluster IP" -m tcp -p tcp -d 10.101.53.31 --dport 80 -j KUBE-SVC-EDCBH6CP2E3BLC54
-A KUBE-SVC-EDCBH6CP2E3BLC54 -m comment --comment "default/coffee-v2 cluster IP" -m tcp -p tcp -d 10.101.53.31 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-EDCBH6CP2E3BLC54 -m comment --comment "default/coffee-v2 -> 10.244.1.3:8080" -j KUBE-SEP-QDSUNABGMUTWLK52
-A KUBE-SEP-QDSUNABGMUTWLK52 -m comment --comment default/coffee-v2 -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-QDSUNABGMUTWLK52 -m comment --comment default/coffee-v2 -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SERVICES -m comment --comment "default/headers cluster IP" -m tcp -p tcp -d 10.108.94.54 --dport 80 -j KUBE-SVC-L3PITWIOWMF65S64
-A KUBE-SVC-L3PITWIOWMF65S64 -m comment --comment "default/headers cluster IP" -m tcp -p tcp -d 10.108.94.54 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-L3PITWIOWMF65S64 -m comment --comment "default/headers -> 10.244.1.5:8080" -j KUBE-SEP-FEYIJ5JWZB65CQM7
-A KUBE-SEP-FEYIJ5JWZB65CQM7 -m comment --comment default/headers -s 10.244.1.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-FEYIJ5JWZB65CQM7 -m comment --comment default/headers -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SERVICES -m comment --comment "default/tea cluster IP" -m tcp -p tcp -d 10.98.1.201 --dport 80 -j KUBE-SVC-QBY6SWL4ZOFPDFMH
-A KUBE-SVC-QBY6SWL4ZOFPDFMH -m comment --comment "default/tea cluster IP" -m tcp -p tcp -d 10.98.1.201 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-QBY6SWL4ZOFPDFMH -m comment --comment "default/tea -> 10.244.1.4:8080" -j KUBE-SEP-AEK4M3DVAL4KF4MT
-A KUBE-SEP-AEK4M3DVAL4KF4MT -m comment --comment default/tea -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-AEK4M3DVAL4KF4MT -m comment --comment default/tea -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:8080
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.8:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-MXQMVNGFUQPLZSHS
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.2:53" -j KUBE-SEP-TCIZBYBD3WWXNWF5
-A KUBE-SEP-MXQMVNGFUQPLZSHS -m comment --comment kube-system/kube-dns:dns -s 10.244.1.8 -j KUBE-MARK-MASQ
-A KUBE-SEP-MXQMVNGFUQPLZSHS -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.1.8:53
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -m comment --comment kube-system/kube-dns:dns -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.1.8:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-KZMEYJZBDY4HFAEO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.2:53" -j KUBE-SEP-H7FN6LU3RSH6CC2T
-A KUBE-SEP-KZMEYJZBDY4HFAEO -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.1.8 -j KUBE-MARK-MASQ
-A KUBE-SEP-KZMEYJZBDY4HFAEO -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.1.8:53
-A KUBE-SEP-H7FN6LU3RSH6CC2T -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-H7FN6LU3RSH6CC2T -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.1.8:9153" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-VCDXOJ2ELZCXMJQF
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.2:9153" -j KUBE-SEP-CLAGU7VMF4VCXE4X
-A KUBE-SEP-VCDXOJ2ELZCXMJQF -m comment --comment kube-system/kube-dns:metrics -s 10.244.1.8 -j KUBE-MARK-MASQ
-A KUBE-SEP-VCDXOJ2ELZCXMJQF -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.8:9153
-A KUBE-SEP-CLAGU7VMF4VCXE4X -m comment --comment kube-system/kube-dns:metrics -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-CLAGU7VMF4VCXE4X -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:9153
-A KUBE-SERVICES -m comment --comment "team-b/menu cluster IP" -m tcp -p tcp -d 10.105.65.227 --dport 80 -j KUBE-SVC-LNIVS3UUMD4RUC2A
-A KUBE-SVC-LNIVS3UUMD4RUC2A -m comment --comment "team-b/menu cluster IP" -m tcp -p tcp -d 10.105.65.227 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-LNIVS3UUMD4RUC2A -m comment --comment "team-b/menu -> 10.244.1.6:8080" -j KUBE-SEP-QPV56XFZCWIABFT3
-A KUBE-SEP-QPV56XFZCWIABFT3 -m comment --comment team-b/menu -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-QPV56XFZCWIABFT3 -m comment --comment team-b/menu -m tcp -p tcp -j DNAT --to-destination 10.244.1.6:8080
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-gateway-api.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-gateway-api.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-gateway-api.node-2 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-gateway-api.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-2 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-gateway-api.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-gateway-api.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-gateway-api.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-gateway-api.node-2 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-2 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-gateway-api.node-2 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-gateway-api.node-2 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-gateway-api.node-2 iptables -t filter -I OUTPUT -j KUBE-FIREWALL

# --- 4. the way out: ip-masq-agent on every node, the gateway's 1:1 NAT
ip netns exec nl-gateway-api.node-1 iptables-restore --noflush <<'EOF'
*nat
:IP-MASQ-AGENT - [0:0]
-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT
-A IP-MASQ-AGENT -d 169.254.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -d 10.244.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE
COMMIT
EOF
ip netns exec nl-gateway-api.node-2 iptables-restore --noflush <<'EOF'
*nat
:IP-MASQ-AGENT - [0:0]
-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT
-A IP-MASQ-AGENT -d 169.254.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -d 10.244.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE
COMMIT
EOF
ip netns exec nl-gateway-api.gateway iptables-restore <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -s 198.51.100.200/32 -i eth0 -o pub0 -m comment --comment "load balancer 198.51.100.200: nodes answer its clients directly" -j ACCEPT
-A FORWARD ! -s 192.168.56.0/24 -i eth0 -o pub0 -m comment --comment "internet gateway: only VPC addresses have a public IP, anything else is dropped" -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 198.51.100.11/32 -i pub0 -m comment --comment "node-1: public 198.51.100.11 -> private 192.168.56.11 (1:1 NAT)" -j DNAT --to-destination 192.168.56.11
-A PREROUTING -d 198.51.100.12/32 -i pub0 -m comment --comment "node-2: public 198.51.100.12 -> private 192.168.56.12 (1:1 NAT)" -j DNAT --to-destination 192.168.56.12
-A POSTROUTING -s 192.168.56.11/32 -o pub0 -m comment --comment "node-1: private 192.168.56.11 -> public 198.51.100.11 (1:1 NAT)" -j SNAT --to-source 198.51.100.11
-A POSTROUTING -s 192.168.56.12/32 -o pub0 -m comment --comment "node-2: private 192.168.56.12 -> public 198.51.100.12 (1:1 NAT)" -j SNAT --to-source 198.51.100.12
COMMIT
EOF

# --- 5. the workloads, started as netlab starts them
# Each workload runs as a container would: in its namespace, with the pod's name as hostname (a UTS
# namespace of its own), only the variables given as its environment, unprivileged, in a session
# of its own; its output goes to $RUN/NAME.log, its pid to $RUN/NAME.pid. setpriv makes a command
# nobody; the echo server binds its ports first (an internet host's port 80 is privileged), then
# becomes nobody itself. netlab's own servers are modules of netlab: $PYTHON must import netlab
# (`netlab explain` names the interpreter it runs with).
PYTHON=python3
RUN=/run/netlab-explain/gateway-api
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
cat > "$RUN/cluster.zone" <<'EOF'
$ORIGIN cluster.local.
$TTL 5
@ 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5
dns-version 28800 IN TXT "1.1.0"

; default/cafe-nginx: ClusterIP 10.99.213.84, 1 endpoint(s)
cafe-nginx.default.svc IN A 10.99.213.84
_port-80._tcp.cafe-nginx.default.svc IN SRV 0 100 80 cafe-nginx.default.svc.cluster.local.
_port-443._tcp.cafe-nginx.default.svc IN SRV 0 100 443 cafe-nginx.default.svc.cluster.local.
_port-8080._tcp.cafe-nginx.default.svc IN SRV 0 100 8080 cafe-nginx.default.svc.cluster.local.
cafe-nginx.default.svc IN SRV 0 33 80 cafe-nginx.default.svc.cluster.local.
cafe-nginx.default.svc IN SRV 0 33 443 cafe-nginx.default.svc.cluster.local.
cafe-nginx.default.svc IN SRV 0 33 8080 cafe-nginx.default.svc.cluster.local.
10-244-1-7.cafe-nginx.default.svc IN A 10.244.1.7

; default/coffee-v1: ClusterIP 10.107.130.99, 1 endpoint(s)
coffee-v1.default.svc IN A 10.107.130.99
coffee-v1.default.svc IN SRV 0 100 80 coffee-v1.default.svc.cluster.local.
10-244-1-2.coffee-v1.default.svc IN A 10.244.1.2

; default/coffee-v2: ClusterIP 10.101.53.31, 1 endpoint(s)
coffee-v2.default.svc IN A 10.101.53.31
coffee-v2.default.svc IN SRV 0 100 80 coffee-v2.default.svc.cluster.local.
10-244-1-3.coffee-v2.default.svc IN A 10.244.1.3

; default/headers: ClusterIP 10.108.94.54, 1 endpoint(s)
headers.default.svc IN A 10.108.94.54
headers.default.svc IN SRV 0 100 80 headers.default.svc.cluster.local.
10-244-1-5.headers.default.svc IN A 10.244.1.5

; default/tea: ClusterIP 10.98.1.201, 1 endpoint(s)
tea.default.svc IN A 10.98.1.201
tea.default.svc IN SRV 0 100 80 tea.default.svc.cluster.local.
10-244-1-4.tea.default.svc IN A 10.244.1.4

; kube-system/kube-dns: ClusterIP 10.96.0.10, 2 endpoint(s)
kube-dns.kube-system.svc IN A 10.96.0.10
_dns._udp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.
_dns-tcp._tcp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.
_metrics._tcp.kube-dns.kube-system.svc IN SRV 0 100 9153 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc IN SRV 0 50 53 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc IN SRV 0 50 9153 kube-dns.kube-system.svc.cluster.local.
10-244-1-8.kube-dns.kube-system.svc IN A 10.244.1.8
10-244-2-2.kube-dns.kube-system.svc IN A 10.244.2.2

; team-b/menu: ClusterIP 10.105.65.227, 1 endpoint(s)
menu.team-b.svc IN A 10.105.65.227
menu.team-b.svc IN SRV 0 100 80 menu.team-b.svc.cluster.local.
10-244-1-6.menu.team-b.svc IN A 10.244.1.6

; reverse lookups of ClusterIPs and endpoints
84.213.99.10.in-addr.arpa. IN PTR cafe-nginx.default.svc.cluster.local.
7.1.244.10.in-addr.arpa. IN PTR 10-244-1-7.cafe-nginx.default.svc.cluster.local.
99.130.107.10.in-addr.arpa. IN PTR coffee-v1.default.svc.cluster.local.
2.1.244.10.in-addr.arpa. IN PTR 10-244-1-2.coffee-v1.default.svc.cluster.local.
31.53.101.10.in-addr.arpa. IN PTR coffee-v2.default.svc.cluster.local.
3.1.244.10.in-addr.arpa. IN PTR 10-244-1-3.coffee-v2.default.svc.cluster.local.
54.94.108.10.in-addr.arpa. IN PTR headers.default.svc.cluster.local.
5.1.244.10.in-addr.arpa. IN PTR 10-244-1-5.headers.default.svc.cluster.local.
201.1.98.10.in-addr.arpa. IN PTR tea.default.svc.cluster.local.
4.1.244.10.in-addr.arpa. IN PTR 10-244-1-4.tea.default.svc.cluster.local.
10.0.96.10.in-addr.arpa. IN PTR kube-dns.kube-system.svc.cluster.local.
8.1.244.10.in-addr.arpa. IN PTR 10-244-1-8.kube-dns.kube-system.svc.cluster.local.
2.2.244.10.in-addr.arpa. IN PTR 10-244-2-2.kube-dns.kube-system.svc.cluster.local.
227.65.105.10.in-addr.arpa. IN PTR menu.team-b.svc.cluster.local.
6.1.244.10.in-addr.arpa. IN PTR 10-244-1-6.menu.team-b.svc.cluster.local.
EOF
start coffee-v1-0_coffee nl-gateway-api.coffee-v1-0 coffee-v1-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
start coffee-v2-0_coffee nl-gateway-api.coffee-v2-0 coffee-v2-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
start tea-0_tea nl-gateway-api.tea-0 tea-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
start headers-0_echo nl-gateway-api.headers-0 headers-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081
start menu-0_menu nl-gateway-api.menu-0 menu-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
# the status NGINX Gateway Fabric writes (netlab status shows it):
#   gatewayclass nginx: Accepted=True (Accepted) SupportedVersion=True (SupportedVersion)
#   gateway default/cafe: Accepted=True (Accepted) Programmed=True (Programmed), address 198.51.100.200
#     listener http: 4 route(s), Accepted=True (Accepted) Programmed=True (Programmed) ResolvedRefs=True (ResolvedRefs) Conflicted=False (NoConflicts)
#     listener https: 1 route(s), Accepted=True (Accepted) Programmed=True (Programmed) ResolvedRefs=True (ResolvedRefs) Conflicted=False (NoConflicts)
#     listener team-b: 1 route(s), Accepted=True (Accepted) Programmed=True (Programmed) ResolvedRefs=True (ResolvedRefs) Conflicted=False (NoConflicts)
#   httproute default/coffee -> default/cafe/http: Accepted=True (Accepted) ResolvedRefs=True (ResolvedRefs)
#   httproute default/tea -> default/cafe/http: Accepted=True (Accepted) ResolvedRefs=True (ResolvedRefs)
#   httproute default/tea -> default/cafe/https: Accepted=True (Accepted) ResolvedRefs=True (ResolvedRefs)
#   httproute default/old-cafe -> default/cafe/http: Accepted=True (Accepted) ResolvedRefs=True (ResolvedRefs)
#   httproute default/latte -> default/cafe/http: Accepted=True (Accepted) ResolvedRefs=False (BackendNotFound)
#     spec.rules[0].backendRefs[0].name: Not found: "latte"
#   httproute team-b/menu -> default/cafe/http: Accepted=False (NotAllowedByListeners) ResolvedRefs=True (ResolvedRefs)
#     The Route is not allowed by any listener
#   httproute team-b/menu -> default/cafe/team-b: Accepted=True (Accepted) ResolvedRefs=True (ResolvedRefs)
# cafe-nginx-0/nginx: Gateway default/cafe's data plane runs nginx from the nginx.conf NGINX Gateway Fabric renders (netlab's, below); netlab
# renders it again and reloads nginx on every change, this script once
mkdir -p /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run
touch "$RUN/cafe-nginx-0_nginx.log"
chown nobody:nogroup /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run "$RUN/cafe-nginx-0_nginx.log"
chmod 700 /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run
certs=/run/netlab-explain/gateway-api/ingress/cafe-nginx-0/certs
mkdir -p $certs
chown root:nogroup $certs
chmod 750 $certs
cat > $certs/default-cafe-tls.pem <<'EOF'
-----BEGIN CERTIFICATE-----
MIIBqzCCAVCgAwIBAgIUHob+m3Zed6aAbwRUIpR6tl3w9J0wCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQY2FmZS5leGFtcGxlLmNvbTAgFw0yNjEyMDMxODQ4NTRaGA8y
MTI2MTEwOTE4NDg1NFowGzEZMBcGA1UEAwwQY2FmZS5leGFtcGxlLmNvbTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABMu+lrtLr5IGXsZZ/ciZ4O3pwgWW/6iTLqbb
1UbZS49xpFU53B/1k5YlzMLtw6HoxthnlGz1o9k/NKsjzmxCajijcDBuMB0GA1Ud
DgQWBBTTXIVq3MehyudaZYnnmh2Y2CgGcDAfBgNVHSMEGDAWgBTTXIVq3Mehyuda
ZYnnmh2Y2CgGcDAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQUMBKCEGNhZmUuZXhh
bXBsZS5jb20wCgYIKoZIzj0EAwIDSQAwRgIhAKryo9MVSeyABy+EGGNEeIaSBEb2
AdgprVgPbCsfRJzjAiEA8U2uGsGOJ5zjYJH9eqS6JYVrAsP0CmjCGoiLL6WLSWA=
-----END CERTIFICATE-----
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgInHfPPecOdDTIGy1
ZabPEAt2CF29vgq1T4X7PsJGBf6hRANCAATLvpa7S6+SBl7GWf3ImeDt6cIFlv+o
ky6m29VG2UuPcaRVOdwf9ZOWJczC7cOh6MbYZ5Rs9aPZPzSrI85sQmo4
-----END PRIVATE KEY-----
EOF
chown root:nogroup $certs/*.pem
chmod 640 $certs/*.pem
cat > /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/nginx.conf <<'EOF'
# nginx.conf of cafe-nginx-0, the data plane of Gateway default/cafe (lab gateway-api): NGINX Gateway Fabric's
# nginx Deployment cafe-nginx, configured as NGF 2.6 configures it, by netlab
# (netlab/render/gateway.py) from the HTTPRoutes attached to its listeners; rewritten and
# reloaded when routes or endpoints change.
# listener http: HTTP port 80, host *.example.com
# listener https: HTTPS port 443, host cafe.example.com
# listener team-b: HTTP port 8080, host *

pid /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/nginx.pid;
daemon off;
worker_processes 1;
worker_shutdown_timeout 10s;  # a reload lets old workers finish their requests, this long at most
error_log stderr notice;

events {
    worker_connections 1024;
}

http {
    log_format main '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
    access_log /run/netlab-explain/gateway-api/cafe-nginx-0_nginx.log main;
    client_body_temp_path /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/client-body-temp;
    proxy_temp_path /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/proxy-temp;
    fastcgi_temp_path /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/fastcgi-temp;
    uwsgi_temp_path /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/uwsgi-temp;
    scgi_temp_path /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/scgi-temp;
    default_type text/html;
    server_tokens off;
    server_names_hash_bucket_size 256;
    variables_hash_bucket_size 512;
    # NGF's base settings: the Host to pass on, the Connection of a WebSocket upgrade
    map $http_host $gw_api_compliant_host {
        '' $host;
        default $http_host;
    }
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' close;
    }
    map $http_x_via $x_via_header_var {
        default '';
        ~.+ "${http_x_via},";
    }

    # default/coffee rule 1 match 0: header version: v2
    map $http_version $gw_default_coffee_r1_m0 {
        "~^v2$" 1;
        default 0;
    }

    # default/coffee rule 1 match 1: query TEST=v2
    map $arg_TEST $gw_default_coffee_r1_m1 {
        "~^v2$" 1;
        default 0;
    }

    # default/coffee rule 0: backendRefs by weight
    split_clients $request_id $group_default__coffee_rule0 {
        80.00% default_coffee-v1_80;
        20.00% default_coffee-v2_80;
    }

    upstream default_coffee-v1_80 {  # Service default/coffee-v1 port 80: its endpoints
        random two least_conn;
        server 10.244.1.2:8080;  # coffee-v1-0
    }

    upstream default_coffee-v2_80 {  # Service default/coffee-v2 port 80: its endpoints
        random two least_conn;
        server 10.244.1.3:8080;  # coffee-v2-0
    }

    upstream default_headers_80 {  # Service default/headers port 80: its endpoints
        random two least_conn;
        server 10.244.1.5:8080;  # headers-0
    }

    upstream default_tea_80 {  # Service default/tea port 80: its endpoints
        random two least_conn;
        server 10.244.1.4:8080;  # tea-0
    }

    upstream invalid-backend-ref {  # unresolved backendRefs: 500
        server unix:/run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/nginx-500-server.sock;
    }

    upstream team-b_menu_80 {  # Service team-b/menu port 80: its endpoints
        random two least_conn;
        server 10.244.1.6:8080;  # menu-0
    }

    server {  # listener port 80: no route for the request's Host
        listen 80 default_server;
        default_type text/html;
        return 404;
    }

    server {
        listen 80;
        server_name cafe.example.com;

        location = /coffee {
            if ($gw_default_coffee_r1_m0) { rewrite ^ /_ngf-internal-default_coffee-rule1 last; }
            if ($gw_default_coffee_r1_m1) { rewrite ^ /_ngf-internal-default_coffee-rule1 last; }
            rewrite ^ /_ngf-internal-default_coffee-rule0 last;
        }

        location /coffee/ {
            if ($gw_default_coffee_r1_m0) { rewrite ^ /_ngf-internal-default_coffee-rule1 last; }
            if ($gw_default_coffee_r1_m1) { rewrite ^ /_ngf-internal-default_coffee-rule1 last; }
            rewrite ^ /_ngf-internal-default_coffee-rule0 last;
        }

        location = /header {
            proxy_set_header X-Via "${x_via_header_var}gateway";
            proxy_set_header X-Gateway "cafe";
            proxy_set_header X-Secret "";
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://default_headers_80;
        }

        location /header/ {
            proxy_set_header X-Via "${x_via_header_var}gateway";
            proxy_set_header X-Gateway "cafe";
            proxy_set_header X-Secret "";
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://default_headers_80;
        }

        location = /tea {
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://default_tea_80;
        }

        location / {
            return 404;  # no route for this path
        }

        location /_ngf-internal-default_coffee-rule1 {  # default/coffee rule 1
            internal;
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://default_coffee-v2_80$request_uri;
        }

        location /_ngf-internal-default_coffee-rule0 {  # default/coffee rule 0
            internal;
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://$group_default__coffee_rule0$request_uri;
        }
    }

    server {
        listen 80;
        server_name latte.example.com;

        location / {
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://invalid-backend-ref;
        }
    }

    server {
        listen 80;
        server_name old.example.com;

        location / {
            return 301 "$scheme://cafe.example.com:80$request_uri";
        }
    }

    server {  # listener port 443 (HTTPS): no server for the name asked (SNI)
        listen 443 ssl default_server;
        ssl_reject_handshake on;
    }

    server {
        listen 443 ssl;
        server_name cafe.example.com;
        ssl_certificate /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/certs/default-cafe-tls.pem;  # Secret default/cafe-tls
        ssl_certificate_key /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/certs/default-cafe-tls.pem;

        location = /header {
            proxy_set_header X-Via "${x_via_header_var}gateway";
            proxy_set_header X-Gateway "cafe";
            proxy_set_header X-Secret "";
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://default_headers_80;
        }

        location /header/ {
            proxy_set_header X-Via "${x_via_header_var}gateway";
            proxy_set_header X-Gateway "cafe";
            proxy_set_header X-Secret "";
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://default_headers_80;
        }

        location = /tea {
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://default_tea_80;
        }

        location / {
            return 404;  # no route for this path
        }
    }

    server {  # listener port 8080: no route for the request's Host
        listen 8080 default_server;
        default_type text/html;
        return 404;
    }

    server {
        listen 8080;
        server_name ~^;

        location / {
            proxy_set_header Host "$gw_api_compliant_host";
            proxy_set_header X-Forwarded-For "$proxy_add_x_forwarded_for";
            proxy_set_header X-Real-IP "$remote_addr";
            proxy_set_header X-Forwarded-Proto "$scheme";
            proxy_set_header X-Forwarded-Host "$host";
            proxy_set_header X-Forwarded-Port "$server_port";
            proxy_set_header Upgrade "$http_upgrade";
            proxy_set_header Connection "$connection_upgrade";
            proxy_http_version 1.1;
            proxy_pass http://team-b_menu_80;
        }
    }

    server {
        listen unix:/run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/nginx-503-server.sock;
        access_log off;
        return 503;
    }
    server {
        listen unix:/run/netlab-explain/gateway-api/ingress/cafe-nginx-0/run/nginx-500-server.sock;
        access_log off;
        return 500;
    }
}
EOF
start cafe-nginx-0_nginx nl-gateway-api.cafe-nginx-0 cafe-nginx-0 setpriv --reuid=nobody --regid=nogroup --clear-groups nginx -e stderr -c /run/netlab-explain/gateway-api/ingress/cafe-nginx-0/nginx.conf
start coredns-0_coredns nl-gateway-api.coredns-0 coredns-0 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PYTHON" -m netlab.workloads.dns --listen 0.0.0.0:53 --zone "$RUN/cluster.zone" --domain cluster.local --pods insecure --metrics 0.0.0.0:9153
start coredns-1_coredns nl-gateway-api.coredns-1 coredns-1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PYTHON" -m netlab.workloads.dns --listen 0.0.0.0:53 --zone "$RUN/cluster.zone" --domain cluster.local --pods insecure --metrics 0.0.0.0:9153
start internet_echo nl-gateway-api.internet internet "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 80
start node-1_health nl-gateway-api.node-1 node-1 "$PYTHON" -m netlab.workloads.echo --user nobody --health-check 32086 default/cafe-nginx 1
start node-2_health nl-gateway-api.node-2 node-2 "$PYTHON" -m netlab.workloads.echo --user nobody --health-check 32086 default/cafe-nginx 0
ready coffee-v1-0_coffee coffee-v2-0_coffee tea-0_tea headers-0_echo menu-0_menu coredns-0_coredns coredns-1_coredns internet_echo node-1_health node-2_health
listens cafe-nginx-0_nginx nl-gateway-api.cafe-nginx-0 80

# --- 6. the way in for LoadBalancer IPs, as netlab's control loops set it
ip -n nl-gateway-api.cloud-lb route replace 198.51.100.200/32 nexthop via 192.168.56.11
