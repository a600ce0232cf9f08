#!/bin/sh
# lab ingress-http (Ingress controller (L7) behind a LoadBalancer: nginx routes by host and path): pod network host-gw, kube-proxy iptables
# The commands that build it by hand, in the order `netlab up` builds it; run as root where
# the lab is not up: the lab's checks pass on it, but its `env:` checks, which ask `netlab exec`
# and so need the state `netlab up` keeps. To take it down again (the workloads first, then the
# namespaces and files):
#   kill $(cat /run/netlab-explain/ingress-http/*.pid)
#   for ns in $(ip netns list | grep -o '^nl-ingress-http\.[^ ]*'); do ip netns del "$ns"; done
#   rm -rf /etc/netns/nl-ingress-http.* /run/netlab-explain/ingress-http
#   rmdir --ignore-fail-on-non-empty /etc/netns /run/netlab-explain
set -e

# --- 1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's as one netlink batch)
ip netns add nl-ingress-http.underlay
ip netns add nl-ingress-http.gateway
ip netns add nl-ingress-http.cloud-lb
ip netns add nl-ingress-http.internet
ip netns add nl-ingress-http.node-1
ip netns add nl-ingress-http.node-2
ip netns add nl-ingress-http.ingress-nginx-controller-0
ip netns add nl-ingress-http.app-a-0
ip netns add nl-ingress-http.app-a-1
ip netns add nl-ingress-http.app-b-0
ip netns add nl-ingress-http.app-b-1
ip netns add nl-ingress-http.default-backend-0
ip netns add nl-ingress-http.coredns-0
ip netns add nl-ingress-http.coredns-1
ip -n nl-ingress-http.underlay link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.underlay link add br0 index 2 address 02:25:fa:aa:16:58 mtu 1500 up type bridge
ip -n nl-ingress-http.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:e0:8e:ea:35:50 mtu 1500 netns nl-ingress-http.gateway
ip -n nl-ingress-http.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:4c:44:c0:de:23 mtu 1500 netns nl-ingress-http.node-1
ip -n nl-ingress-http.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:10:bb:01:0e:14 mtu 1500 netns nl-ingress-http.node-2
ip -n nl-ingress-http.underlay link add cloud-lb index 3 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:70:5d:97:d9:f2 mtu 1500 netns nl-ingress-http.cloud-lb
ip netns exec nl-ingress-http.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-ingress-http.gateway link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.gateway link set eth0 up
ip -n nl-ingress-http.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-ingress-http.gateway link add pub0 index 3 address 02:21:ac:87:c7:0b mtu 1500 up type bridge
ip -n nl-ingress-http.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-ingress-http.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-ingress-http.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:65:72:ee:a8:11 mtu 1500 netns nl-ingress-http.internet
ip -n nl-ingress-http.gateway route add 198.51.100.200/32 via 192.168.56.2 dev eth0
ip netns exec nl-ingress-http.cloud-lb sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-http.cloud-lb sysctl -qw net/ipv4/fib_multipath_hash_policy=1
ip -n nl-ingress-http.cloud-lb link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.cloud-lb link set eth0 up
ip -n nl-ingress-http.cloud-lb addr add 192.168.56.2/24 dev eth0
ip -n nl-ingress-http.internet link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.internet link set eth0 up
ip -n nl-ingress-http.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-ingress-http.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-ingress-http.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-http.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-http.node-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.node-1 link add cni0 index 3 address 02:20:75:63:f7:f2 mtu 1500 up type bridge
ip -n nl-ingress-http.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-ingress-http.node-1 link set eth0 up
ip -n nl-ingress-http.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-ingress-http.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-http.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-ingress-http.node-1 link add veth96ec5773 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:21:42:76:06:de mtu 1500 netns nl-ingress-http.ingress-nginx-controller-0
ip -n nl-ingress-http.node-1 link set veth96ec5773 type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add veth316bf609 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:c9:cf:f5:0b:4e mtu 1500 netns nl-ingress-http.app-a-0
ip -n nl-ingress-http.node-1 link set veth316bf609 type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add veth9395091b index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:76:42:4a:c0:af mtu 1500 netns nl-ingress-http.app-b-0
ip -n nl-ingress-http.node-1 link set veth9395091b type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add veth6ba6fb67 index 103 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:a9:13:3d:42:9c mtu 1500 netns nl-ingress-http.default-backend-0
ip -n nl-ingress-http.node-1 link set veth6ba6fb67 type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add vethf6a97584 index 104 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:0e:31:20:99:53 mtu 1500 netns nl-ingress-http.coredns-0
ip -n nl-ingress-http.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-ingress-http.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-http.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-http.node-2 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.node-2 link add cni0 index 3 address 02:c0:57:88:3d:2f mtu 1500 up type bridge
ip -n nl-ingress-http.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-ingress-http.node-2 link set eth0 up
ip -n nl-ingress-http.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-ingress-http.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-http.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-ingress-http.node-2 link add vethd378771b index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:e4:04:da:fd:0d mtu 1500 netns nl-ingress-http.app-a-1
ip -n nl-ingress-http.node-2 link set vethd378771b type bridge_slave hairpin on
ip -n nl-ingress-http.node-2 link add veth0eb57776 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:97:5d:ae:de:8c mtu 1500 netns nl-ingress-http.app-b-1
ip -n nl-ingress-http.node-2 link set veth0eb57776 type bridge_slave hairpin on
ip -n nl-ingress-http.node-2 link add veth72b86496 index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:49:e5:b7:ed:62 mtu 1500 netns nl-ingress-http.coredns-1
ip -n nl-ingress-http.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-ingress-http.ingress-nginx-controller-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.ingress-nginx-controller-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.ingress-nginx-controller-0 link set eth0 up
ip -n nl-ingress-http.ingress-nginx-controller-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-ingress-http.ingress-nginx-controller-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.app-a-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-a-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-a-0 link set eth0 up
ip -n nl-ingress-http.app-a-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-ingress-http.app-a-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.app-a-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-a-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-a-1 link set eth0 up
ip -n nl-ingress-http.app-a-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-ingress-http.app-a-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-ingress-http.app-b-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-b-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-b-0 link set eth0 up
ip -n nl-ingress-http.app-b-0 addr add 10.244.1.4/24 dev eth0
ip -n nl-ingress-http.app-b-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.app-b-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-b-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-b-1 link set eth0 up
ip -n nl-ingress-http.app-b-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-ingress-http.app-b-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-ingress-http.default-backend-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.default-backend-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.default-backend-0 link set eth0 up
ip -n nl-ingress-http.default-backend-0 addr add 10.244.1.5/24 dev eth0
ip -n nl-ingress-http.default-backend-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.coredns-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.coredns-0 link set eth0 up
ip -n nl-ingress-http.coredns-0 addr add 10.244.1.6/24 dev eth0
ip -n nl-ingress-http.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.coredns-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.coredns-1 link set eth0 up
ip -n nl-ingress-http.coredns-1 addr add 10.244.2.4/24 dev eth0
ip -n nl-ingress-http.coredns-1 route add default via 10.244.2.1 dev eth0

# --- 2. each namespace's /etc files, which ip netns exec mounts over /etc (a pod's resolv.conf and hosts, as the kubelet writes them)
mkdir -p /etc/netns/nl-ingress-http.underlay
cat > /etc/netns/nl-ingress-http.underlay/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-ingress-http.gateway
cat > /etc/netns/nl-ingress-http.gateway/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-ingress-http.cloud-lb
cat > /etc/netns/nl-ingress-http.cloud-lb/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-ingress-http.internet
cat > /etc/netns/nl-ingress-http.internet/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-ingress-http.node-1
cat > /etc/netns/nl-ingress-http.node-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-ingress-http.node-2
cat > /etc/netns/nl-ingress-http.node-2/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-ingress-http.ingress-nginx-controller-0
cat > /etc/netns/nl-ingress-http.ingress-nginx-controller-0/resolv.conf <<'EOF'
search ingress-nginx.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-ingress-http.ingress-nginx-controller-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.2	ingress-nginx-controller-0
EOF
mkdir -p /etc/netns/nl-ingress-http.app-a-0
cat > /etc/netns/nl-ingress-http.app-a-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-ingress-http.app-a-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.3	app-a-0
EOF
mkdir -p /etc/netns/nl-ingress-http.app-a-1
cat > /etc/netns/nl-ingress-http.app-a-1/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-ingress-http.app-a-1/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.2	app-a-1
EOF
mkdir -p /etc/netns/nl-ingress-http.app-b-0
cat > /etc/netns/nl-ingress-http.app-b-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-ingress-http.app-b-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.4	app-b-0
EOF
mkdir -p /etc/netns/nl-ingress-http.app-b-1
cat > /etc/netns/nl-ingress-http.app-b-1/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-ingress-http.app-b-1/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.3	app-b-1
EOF
mkdir -p /etc/netns/nl-ingress-http.default-backend-0
cat > /etc/netns/nl-ingress-http.default-backend-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-ingress-http.default-backend-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.5	default-backend-0
EOF
mkdir -p /etc/netns/nl-ingress-http.coredns-0
cat > /etc/netns/nl-ingress-http.coredns-0/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-ingress-http.coredns-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.6	coredns-0
EOF
mkdir -p /etc/netns/nl-ingress-http.coredns-1
cat > /etc/netns/nl-ingress-http.coredns-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-ingress-http.coredns-1/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.4	coredns-1
EOF

# --- 3. kube-proxy's rules on every node (iptables mode)
ip netns exec nl-ingress-http.node-1 iptables-restore --noflush <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-NODEPORTS -m comment --comment "ingress-nginx/ingress-nginx-controller:http health check node port" -m tcp -p tcp --dport 32384 -j ACCEPT
-A KUBE-NODEPORTS -m comment --comment "ingress-nginx/ingress-nginx-controller:https health check node port" -m tcp -p tcp --dport 32384 -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-REQQOHQJYLUPTHTG - [0:0]
:KUBE-SEP-IFXQAOR4KQ6IHY32 - [0:0]
:KUBE-SEP-ZAQMFXFAGT5BYBAQ - [0:0]
:KUBE-SVC-6SQHGKRBX4I5LZDE - [0:0]
:KUBE-SEP-MTX2YI2M6S54RG54 - [0:0]
:KUBE-SEP-7PGDJC44NT7HIP3B - [0:0]
:KUBE-SVC-R2TEKBRVD65NHTLR - [0:0]
:KUBE-SEP-VQTBAQWDQHGLFSMQ - [0:0]
:KUBE-SVC-CG5I4G2RS3ZVWGLK - [0:0]
:KUBE-SEP-A7RJQSSWP7DSCH4K - [0:0]
:KUBE-EXT-CG5I4G2RS3ZVWGLK - [0:0]
:KUBE-SVL-CG5I4G2RS3ZVWGLK - [0:0]
:KUBE-SVC-EDNDUDH2C75GIR6O - [0:0]
:KUBE-SEP-Z7ORYOV47LENXY3D - [0:0]
:KUBE-EXT-EDNDUDH2C75GIR6O - [0:0]
:KUBE-SVL-EDNDUDH2C75GIR6O - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-5SZA7C4MJLLQPPFI - [0:0]
:KUBE-SEP-RJHMR3QLYGJVBWVL - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SEP-O52EFJOPCR6IIZUO - [0:0]
:KUBE-SEP-BGFZBX5GRCLSKMIC - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SEP-RSYCZ7NJRLBIM4VM - [0:0]
:KUBE-SEP-ZH42AN6Z2PIZT2OV - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/app-a:http cluster IP" -m tcp -p tcp -d 10.105.72.167 --dport 80 -j KUBE-SVC-REQQOHQJYLUPTHTG
-A KUBE-SVC-REQQOHQJYLUPTHTG -m comment --comment "default/app-a:http cluster IP" -m tcp -p tcp -d 10.105.72.167 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-REQQOHQJYLUPTHTG -m comment --comment "default/app-a:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-IFXQAOR4KQ6IHY32
-A KUBE-SVC-REQQOHQJYLUPTHTG -m comment --comment "default/app-a:http -> 10.244.2.2:8080" -j KUBE-SEP-ZAQMFXFAGT5BYBAQ
-A KUBE-SEP-IFXQAOR4KQ6IHY32 -m comment --comment default/app-a:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-IFXQAOR4KQ6IHY32 -m comment --comment default/app-a:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-ZAQMFXFAGT5BYBAQ -m comment --comment default/app-a:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZAQMFXFAGT5BYBAQ -m comment --comment default/app-a:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/app-b:http cluster IP" -m tcp -p tcp -d 10.107.184.93 --dport 80 -j KUBE-SVC-6SQHGKRBX4I5LZDE
-A KUBE-SVC-6SQHGKRBX4I5LZDE -m comment --comment "default/app-b:http cluster IP" -m tcp -p tcp -d 10.107.184.93 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-6SQHGKRBX4I5LZDE -m comment --comment "default/app-b:http -> 10.244.1.4:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-MTX2YI2M6S54RG54
-A KUBE-SVC-6SQHGKRBX4I5LZDE -m comment --comment "default/app-b:http -> 10.244.2.3:8080" -j KUBE-SEP-7PGDJC44NT7HIP3B
-A KUBE-SEP-MTX2YI2M6S54RG54 -m comment --comment default/app-b:http -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-MTX2YI2M6S54RG54 -m comment --comment default/app-b:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:8080
-A KUBE-SEP-7PGDJC44NT7HIP3B -m comment --comment default/app-b:http -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-7PGDJC44NT7HIP3B -m comment --comment default/app-b:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.3:8080
-A KUBE-SERVICES -m comment --comment "default/default-backend:http cluster IP" -m tcp -p tcp -d 10.109.112.224 --dport 80 -j KUBE-SVC-R2TEKBRVD65NHTLR
-A KUBE-SVC-R2TEKBRVD65NHTLR -m comment --comment "default/default-backend:http cluster IP" -m tcp -p tcp -d 10.109.112.224 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-R2TEKBRVD65NHTLR -m comment --comment "default/default-backend:http -> 10.244.1.5:8080" -j KUBE-SEP-VQTBAQWDQHGLFSMQ
-A KUBE-SEP-VQTBAQWDQHGLFSMQ -m comment --comment default/default-backend:http -s 10.244.1.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-VQTBAQWDQHGLFSMQ -m comment --comment default/default-backend:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:http cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 80 -j KUBE-SVC-CG5I4G2RS3ZVWGLK
-A KUBE-SVC-CG5I4G2RS3ZVWGLK -m comment --comment "ingress-nginx/ingress-nginx-controller:http cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CG5I4G2RS3ZVWGLK -m comment --comment "ingress-nginx/ingress-nginx-controller:http -> 10.244.1.2:80" -j KUBE-SEP-A7RJQSSWP7DSCH4K
-A KUBE-SEP-A7RJQSSWP7DSCH4K -m comment --comment ingress-nginx/ingress-nginx-controller:http -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-A7RJQSSWP7DSCH4K -m comment --comment ingress-nginx/ingress-nginx-controller:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:http loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 80 -j KUBE-EXT-CG5I4G2RS3ZVWGLK
-A KUBE-NODEPORTS -m comment --comment ingress-nginx/ingress-nginx-controller:http -m tcp -p tcp --dport 30948 -j KUBE-EXT-CG5I4G2RS3ZVWGLK
-A KUBE-EXT-CG5I4G2RS3ZVWGLK -m comment --comment "pod traffic for ingress-nginx/ingress-nginx-controller:http external destinations" -s 10.244.0.0/16 -j KUBE-SVC-CG5I4G2RS3ZVWGLK
-A KUBE-EXT-CG5I4G2RS3ZVWGLK -m comment --comment "masquerade LOCAL traffic for ingress-nginx/ingress-nginx-controller:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-CG5I4G2RS3ZVWGLK -m comment --comment "route LOCAL traffic for ingress-nginx/ingress-nginx-controller:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-CG5I4G2RS3ZVWGLK
-A KUBE-EXT-CG5I4G2RS3ZVWGLK -j KUBE-SVL-CG5I4G2RS3ZVWGLK
-A KUBE-SVL-CG5I4G2RS3ZVWGLK -m comment --comment "ingress-nginx/ingress-nginx-controller:http -> 10.244.1.2:80" -j KUBE-SEP-A7RJQSSWP7DSCH4K
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:https cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 443 -j KUBE-SVC-EDNDUDH2C75GIR6O
-A KUBE-SVC-EDNDUDH2C75GIR6O -m comment --comment "ingress-nginx/ingress-nginx-controller:https cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 443 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-EDNDUDH2C75GIR6O -m comment --comment "ingress-nginx/ingress-nginx-controller:https -> 10.244.1.2:443" -j KUBE-SEP-Z7ORYOV47LENXY3D
-A KUBE-SEP-Z7ORYOV47LENXY3D -m comment --comment ingress-nginx/ingress-nginx-controller:https -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-Z7ORYOV47LENXY3D -m comment --comment ingress-nginx/ingress-nginx-controller:https -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:443
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:https loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 443 -j KUBE-EXT-EDNDUDH2C75GIR6O
-A KUBE-NODEPORTS -m comment --comment ingress-nginx/ingress-nginx-controller:https -m tcp -p tcp --dport 30709 -j KUBE-EXT-EDNDUDH2C75GIR6O
-A KUBE-EXT-EDNDUDH2C75GIR6O -m comment --comment "pod traffic for ingress-nginx/ingress-nginx-controller:https external destinations" -s 10.244.0.0/16 -j KUBE-SVC-EDNDUDH2C75GIR6O
-A KUBE-EXT-EDNDUDH2C75GIR6O -m comment --comment "masquerade LOCAL traffic for ingress-nginx/ingress-nginx-controller:https external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-EDNDUDH2C75GIR6O -m comment --comment "route LOCAL traffic for ingress-nginx/ingress-nginx-controller:https external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-EDNDUDH2C75GIR6O
-A KUBE-EXT-EDNDUDH2C75GIR6O -j KUBE-SVL-EDNDUDH2C75GIR6O
-A KUBE-SVL-EDNDUDH2C75GIR6O -m comment --comment "ingress-nginx/ingress-nginx-controller:https -> 10.244.1.2:443" -j KUBE-SEP-Z7ORYOV47LENXY3D
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.6:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-5SZA7C4MJLLQPPFI
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.4:53" -j KUBE-SEP-RJHMR3QLYGJVBWVL
-A KUBE-SEP-5SZA7C4MJLLQPPFI -m comment --comment kube-system/kube-dns:dns -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-5SZA7C4MJLLQPPFI -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.1.6:53
-A KUBE-SEP-RJHMR3QLYGJVBWVL -m comment --comment kube-system/kube-dns:dns -s 10.244.2.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-RJHMR3QLYGJVBWVL -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.2.4:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.1.6:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-O52EFJOPCR6IIZUO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.4:53" -j KUBE-SEP-BGFZBX5GRCLSKMIC
-A KUBE-SEP-O52EFJOPCR6IIZUO -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-O52EFJOPCR6IIZUO -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.1.6:53
-A KUBE-SEP-BGFZBX5GRCLSKMIC -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.2.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-BGFZBX5GRCLSKMIC -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.2.4:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.1.6:9153" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-RSYCZ7NJRLBIM4VM
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.4:9153" -j KUBE-SEP-ZH42AN6Z2PIZT2OV
-A KUBE-SEP-RSYCZ7NJRLBIM4VM -m comment --comment kube-system/kube-dns:metrics -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-RSYCZ7NJRLBIM4VM -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.6:9153
-A KUBE-SEP-ZH42AN6Z2PIZT2OV -m comment --comment kube-system/kube-dns:metrics -s 10.244.2.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZH42AN6Z2PIZT2OV -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.4:9153
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-ingress-http.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-ingress-http.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-ingress-http.node-1 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-ingress-http.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-1 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-ingress-http.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-ingress-http.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-ingress-http.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-ingress-http.node-1 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-1 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-1 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-ingress-http.node-1 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-ingress-http.node-1 iptables -t filter -I OUTPUT -j KUBE-FIREWALL
ip netns exec nl-ingress-http.node-2 iptables-restore --noflush <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-NODEPORTS -m comment --comment "ingress-nginx/ingress-nginx-controller:http health check node port" -m tcp -p tcp --dport 32384 -j ACCEPT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:http has no local endpoints" -m tcp -p tcp -d 198.51.100.200 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30948 -j DROP
-A KUBE-NODEPORTS -m comment --comment "ingress-nginx/ingress-nginx-controller:https health check node port" -m tcp -p tcp --dport 32384 -j ACCEPT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:https has no local endpoints" -m tcp -p tcp -d 198.51.100.200 --dport 443 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:https has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30709 -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-REQQOHQJYLUPTHTG - [0:0]
:KUBE-SEP-IFXQAOR4KQ6IHY32 - [0:0]
:KUBE-SEP-ZAQMFXFAGT5BYBAQ - [0:0]
:KUBE-SVC-6SQHGKRBX4I5LZDE - [0:0]
:KUBE-SEP-MTX2YI2M6S54RG54 - [0:0]
:KUBE-SEP-7PGDJC44NT7HIP3B - [0:0]
:KUBE-SVC-R2TEKBRVD65NHTLR - [0:0]
:KUBE-SEP-VQTBAQWDQHGLFSMQ - [0:0]
:KUBE-SVC-CG5I4G2RS3ZVWGLK - [0:0]
:KUBE-SEP-A7RJQSSWP7DSCH4K - [0:0]
:KUBE-EXT-CG5I4G2RS3ZVWGLK - [0:0]
:KUBE-SVL-CG5I4G2RS3ZVWGLK - [0:0]
:KUBE-SVC-EDNDUDH2C75GIR6O - [0:0]
:KUBE-SEP-Z7ORYOV47LENXY3D - [0:0]
:KUBE-EXT-EDNDUDH2C75GIR6O - [0:0]
:KUBE-SVL-EDNDUDH2C75GIR6O - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-5SZA7C4MJLLQPPFI - [0:0]
:KUBE-SEP-RJHMR3QLYGJVBWVL - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SEP-O52EFJOPCR6IIZUO - [0:0]
:KUBE-SEP-BGFZBX5GRCLSKMIC - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SEP-RSYCZ7NJRLBIM4VM - [0:0]
:KUBE-SEP-ZH42AN6Z2PIZT2OV - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/app-a:http cluster IP" -m tcp -p tcp -d 10.105.72.167 --dport 80 -j KUBE-SVC-REQQOHQJYLUPTHTG
-A KUBE-SVC-REQQOHQJYLUPTHTG -m comment --comment "default/app-a:http cluster IP" -m tcp -p tcp -d 10.105.72.167 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-REQQOHQJYLUPTHTG -m comment --comment "default/app-a:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-IFXQAOR4KQ6IHY32
-A KUBE-SVC-REQQOHQJYLUPTHTG -m comment --comment "default/app-a:http -> 10.244.2.2:8080" -j KUBE-SEP-ZAQMFXFAGT5BYBAQ
-A KUBE-SEP-IFXQAOR4KQ6IHY32 -m comment --comment default/app-a:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-IFXQAOR4KQ6IHY32 -m comment --comment default/app-a:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-ZAQMFXFAGT5BYBAQ -m comment --comment default/app-a:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZAQMFXFAGT5BYBAQ -m comment --comment default/app-a:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/app-b:http cluster IP" -m tcp -p tcp -d 10.107.184.93 --dport 80 -j KUBE-SVC-6SQHGKRBX4I5LZDE
-A KUBE-SVC-6SQHGKRBX4I5LZDE -m comment --comment "default/app-b:http cluster IP" -m tcp -p tcp -d 10.107.184.93 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-6SQHGKRBX4I5LZDE -m comment --comment "default/app-b:http -> 10.244.1.4:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-MTX2YI2M6S54RG54
-A KUBE-SVC-6SQHGKRBX4I5LZDE -m comment --comment "default/app-b:http -> 10.244.2.3:8080" -j KUBE-SEP-7PGDJC44NT7HIP3B
-A KUBE-SEP-MTX2YI2M6S54RG54 -m comment --comment default/app-b:http -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-MTX2YI2M6S54RG54 -m comment --comment default/app-b:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:8080
-A KUBE-SEP-7PGDJC44NT7HIP3B -m comment --comment default/app-b:http -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-7PGDJC44NT7HIP3B -m comment --comment default/app-b:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.3:8080
-A KUBE-SERVICES -m comment --comment "default/default-backend:http cluster IP" -m tcp -p tcp -d 10.109.112.224 --dport 80 -j KUBE-SVC-R2TEKBRVD65NHTLR
-A KUBE-SVC-R2TEKBRVD65NHTLR -m comment --comment "default/default-backend:http cluster IP" -m tcp -p tcp -d 10.109.112.224 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-R2TEKBRVD65NHTLR -m comment --comment "default/default-backend:http -> 10.244.1.5:8080" -j KUBE-SEP-VQTBAQWDQHGLFSMQ
-A KUBE-SEP-VQTBAQWDQHGLFSMQ -m comment --comment default/default-backend:http -s 10.244.1.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-VQTBAQWDQHGLFSMQ -m comment --comment default/default-backend:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:http cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 80 -j KUBE-SVC-CG5I4G2RS3ZVWGLK
-A KUBE-SVC-CG5I4G2RS3ZVWGLK -m comment --comment "ingress-nginx/ingress-nginx-controller:http cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CG5I4G2RS3ZVWGLK -m comment --comment "ingress-nginx/ingress-nginx-controller:http -> 10.244.1.2:80" -j KUBE-SEP-A7RJQSSWP7DSCH4K
-A KUBE-SEP-A7RJQSSWP7DSCH4K -m comment --comment ingress-nginx/ingress-nginx-controller:http -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-A7RJQSSWP7DSCH4K -m comment --comment ingress-nginx/ingress-nginx-controller:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:http loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 80 -j KUBE-EXT-CG5I4G2RS3ZVWGLK
-A KUBE-NODEPORTS -m comment --comment ingress-nginx/ingress-nginx-controller:http -m tcp -p tcp --dport 30948 -j KUBE-EXT-CG5I4G2RS3ZVWGLK
-A KUBE-EXT-CG5I4G2RS3ZVWGLK -m comment --comment "pod traffic for ingress-nginx/ingress-nginx-controller:http external destinations" -s 10.244.0.0/16 -j KUBE-SVC-CG5I4G2RS3ZVWGLK
-A KUBE-EXT-CG5I4G2RS3ZVWGLK -m comment --comment "masquerade LOCAL traffic for ingress-nginx/ingress-nginx-controller:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-CG5I4G2RS3ZVWGLK -m comment --comment "route LOCAL traffic for ingress-nginx/ingress-nginx-controller:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-CG5I4G2RS3ZVWGLK
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:https cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 443 -j KUBE-SVC-EDNDUDH2C75GIR6O
-A KUBE-SVC-EDNDUDH2C75GIR6O -m comment --comment "ingress-nginx/ingress-nginx-controller:https cluster IP" -m tcp -p tcp -d 10.108.60.172 --dport 443 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-EDNDUDH2C75GIR6O -m comment --comment "ingress-nginx/ingress-nginx-controller:https -> 10.244.1.2:443" -j KUBE-SEP-Z7ORYOV47LENXY3D
-A KUBE-SEP-Z7ORYOV47LENXY3D -m comment --comment ingress-nginx/ingress-nginx-controller:https -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-Z7ORYOV47LENXY3D -m comment --comment ingress-nginx/ingress-nginx-controller:https -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:443
-A KUBE-SERVICES -m comment --comment "ingress-nginx/ingress-nginx-controller:https loadbalancer IP" -m tcp -p tcp -d 198.51.100.200 --dport 443 -j KUBE-EXT-EDNDUDH2C75GIR6O
-A KUBE-NODEPORTS -m comment --comment ingress-nginx/ingress-nginx-controller:https -m tcp -p tcp --dport 30709 -j KUBE-EXT-EDNDUDH2C75GIR6O
-A KUBE-EXT-EDNDUDH2C75GIR6O -m comment --comment "pod traffic for ingress-nginx/ingress-nginx-controller:https external destinations" -s 10.244.0.0/16 -j KUBE-SVC-EDNDUDH2C75GIR6O
-A KUBE-EXT-EDNDUDH2C75GIR6O -m comment --comment "masquerade LOCAL traffic for ingress-nginx/ingress-nginx-controller:https external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-EDNDUDH2C75GIR6O -m comment --comment "route LOCAL traffic for ingress-nginx/ingress-nginx-controller:https external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-EDNDUDH2C75GIR6O
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.6:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-5SZA7C4MJLLQPPFI
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.4:53" -j KUBE-SEP-RJHMR3QLYGJVBWVL
-A KUBE-SEP-5SZA7C4MJLLQPPFI -m comment --comment kube-system/kube-dns:dns -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-5SZA7C4MJLLQPPFI -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.1.6:53
-A KUBE-SEP-RJHMR3QLYGJVBWVL -m comment --comment kube-system/kube-dns:dns -s 10.244.2.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-RJHMR3QLYGJVBWVL -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.2.4:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.1.6:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-O52EFJOPCR6IIZUO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.4:53" -j KUBE-SEP-BGFZBX5GRCLSKMIC
-A KUBE-SEP-O52EFJOPCR6IIZUO -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-O52EFJOPCR6IIZUO -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.1.6:53
-A KUBE-SEP-BGFZBX5GRCLSKMIC -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.2.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-BGFZBX5GRCLSKMIC -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.2.4:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.1.6:9153" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-RSYCZ7NJRLBIM4VM
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.4:9153" -j KUBE-SEP-ZH42AN6Z2PIZT2OV
-A KUBE-SEP-RSYCZ7NJRLBIM4VM -m comment --comment kube-system/kube-dns:metrics -s 10.244.1.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-RSYCZ7NJRLBIM4VM -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.6:9153
-A KUBE-SEP-ZH42AN6Z2PIZT2OV -m comment --comment kube-system/kube-dns:metrics -s 10.244.2.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZH42AN6Z2PIZT2OV -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.4:9153
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-ingress-http.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-ingress-http.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-ingress-http.node-2 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-ingress-http.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-2 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-ingress-http.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-ingress-http.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-ingress-http.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-ingress-http.node-2 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-2 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-ingress-http.node-2 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-ingress-http.node-2 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-ingress-http.node-2 iptables -t filter -I OUTPUT -j KUBE-FIREWALL

# --- 4. the way out: ip-masq-agent on every node, the gateway's 1:1 NAT
ip netns exec nl-ingress-http.node-1 iptables-restore --noflush <<'EOF'
*nat
:IP-MASQ-AGENT - [0:0]
-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT
-A IP-MASQ-AGENT -d 169.254.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -d 10.244.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE
COMMIT
EOF
ip netns exec nl-ingress-http.node-2 iptables-restore --noflush <<'EOF'
*nat
:IP-MASQ-AGENT - [0:0]
-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT
-A IP-MASQ-AGENT -d 169.254.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -d 10.244.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN
-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE
COMMIT
EOF
ip netns exec nl-ingress-http.gateway iptables-restore <<'EOF'
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
RUN=/run/netlab-explain/ingress-http
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

; default/app-a: ClusterIP 10.105.72.167, 2 endpoint(s)
app-a.default.svc IN A 10.105.72.167
_http._tcp.app-a.default.svc IN SRV 0 100 80 app-a.default.svc.cluster.local.
app-a.default.svc IN SRV 0 100 80 app-a.default.svc.cluster.local.
10-244-1-3.app-a.default.svc IN A 10.244.1.3
10-244-2-2.app-a.default.svc IN A 10.244.2.2

; default/app-b: ClusterIP 10.107.184.93, 2 endpoint(s)
app-b.default.svc IN A 10.107.184.93
_http._tcp.app-b.default.svc IN SRV 0 100 80 app-b.default.svc.cluster.local.
app-b.default.svc IN SRV 0 100 80 app-b.default.svc.cluster.local.
10-244-1-4.app-b.default.svc IN A 10.244.1.4
10-244-2-3.app-b.default.svc IN A 10.244.2.3

; default/default-backend: ClusterIP 10.109.112.224, 1 endpoint(s)
default-backend.default.svc IN A 10.109.112.224
_http._tcp.default-backend.default.svc IN SRV 0 100 80 default-backend.default.svc.cluster.local.
default-backend.default.svc IN SRV 0 100 80 default-backend.default.svc.cluster.local.
10-244-1-5.default-backend.default.svc IN A 10.244.1.5

; ingress-nginx/ingress-nginx-controller: ClusterIP 10.108.60.172, 1 endpoint(s)
ingress-nginx-controller.ingress-nginx.svc IN A 10.108.60.172
_http._tcp.ingress-nginx-controller.ingress-nginx.svc IN SRV 0 100 80 ingress-nginx-controller.ingress-nginx.svc.cluster.local.
_https._tcp.ingress-nginx-controller.ingress-nginx.svc IN SRV 0 100 443 ingress-nginx-controller.ingress-nginx.svc.cluster.local.
ingress-nginx-controller.ingress-nginx.svc IN SRV 0 50 80 ingress-nginx-controller.ingress-nginx.svc.cluster.local.
ingress-nginx-controller.ingress-nginx.svc IN SRV 0 50 443 ingress-nginx-controller.ingress-nginx.svc.cluster.local.
10-244-1-2.ingress-nginx-controller.ingress-nginx.svc IN A 10.244.1.2

; kube-system/kube-dns: ClusterIP 10.96.0.10, 2 endpoint(s)
kube-dns.kube-system.svc IN A 10.96.0.10
_dns._udp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.
_dns-tcp._tcp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.
_metrics._tcp.kube-dns.kube-system.svc IN SRV 0 100 9153 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc IN SRV 0 50 53 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc IN SRV 0 50 9153 kube-dns.kube-system.svc.cluster.local.
10-244-1-6.kube-dns.kube-system.svc IN A 10.244.1.6
10-244-2-4.kube-dns.kube-system.svc IN A 10.244.2.4

; reverse lookups of ClusterIPs and endpoints
167.72.105.10.in-addr.arpa. IN PTR app-a.default.svc.cluster.local.
3.1.244.10.in-addr.arpa. IN PTR 10-244-1-3.app-a.default.svc.cluster.local.
2.2.244.10.in-addr.arpa. IN PTR 10-244-2-2.app-a.default.svc.cluster.local.
93.184.107.10.in-addr.arpa. IN PTR app-b.default.svc.cluster.local.
4.1.244.10.in-addr.arpa. IN PTR 10-244-1-4.app-b.default.svc.cluster.local.
3.2.244.10.in-addr.arpa. IN PTR 10-244-2-3.app-b.default.svc.cluster.local.
224.112.109.10.in-addr.arpa. IN PTR default-backend.default.svc.cluster.local.
5.1.244.10.in-addr.arpa. IN PTR 10-244-1-5.default-backend.default.svc.cluster.local.
172.60.108.10.in-addr.arpa. IN PTR ingress-nginx-controller.ingress-nginx.svc.cluster.local.
2.1.244.10.in-addr.arpa. IN PTR 10-244-1-2.ingress-nginx-controller.ingress-nginx.svc.cluster.local.
10.0.96.10.in-addr.arpa. IN PTR kube-dns.kube-system.svc.cluster.local.
6.1.244.10.in-addr.arpa. IN PTR 10-244-1-6.kube-dns.kube-system.svc.cluster.local.
4.2.244.10.in-addr.arpa. IN PTR 10-244-2-4.kube-dns.kube-system.svc.cluster.local.
EOF
# ingress-nginx-controller-0/controller: ingress-nginx's controller runs nginx from the nginx.conf it renders (netlab's, below); netlab
# renders it again and reloads nginx on every change, this script once
mkdir -p /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run
touch "$RUN/ingress-nginx-controller-0_controller.log"
chown nobody:nogroup /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run "$RUN/ingress-nginx-controller-0_controller.log"
chmod 700 /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run
certs=/run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/certs
mkdir -p $certs
chown root:nogroup $certs
chmod 750 $certs
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj '/O=Acme Co/CN=Kubernetes Ingress Controller Fake Certificate' -addext subjectAltName=DNS:ingress.local -addext keyUsage=digitalSignature,keyEncipherment -addext extendedKeyUsage=serverAuth -keyout $certs/fake.key -out $certs/fake.crt 2>/dev/null
cat $certs/fake.crt $certs/fake.key > $certs/default-fake-certificate.pem && rm $certs/fake.crt $certs/fake.key
cat > $certs/default-testsecret-tls.pem <<'EOF'
-----BEGIN CERTIFICATE-----
MIIBuTCCAV+gAwIBAgIUTo36rYYmZdM3gQLOQ3O773MrvEUwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVaHR0cHMtZXhhbXBsZS5mb28uY29tMCAXDTI2MTIwMzE4MTUx
N1oYDzIxMjYxMTA5MTgxNTE3WjAgMR4wHAYDVQQDDBVodHRwcy1leGFtcGxlLmZv
by5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQoj9f3inCy+OO8sjvdMxep
A2gOTgGDmuVG9sd6Aink0n15Yf6W8xkePbiHvyMpz5n/s2+JGnWY1hzuocvJiJaD
o3UwczAdBgNVHQ4EFgQU4fFQVeqNcefEVfnHpbpTIZrf5TcwHwYDVR0jBBgwFoAU
4fFQVeqNcefEVfnHpbpTIZrf5TcwDwYDVR0TAQH/BAUwAwEB/zAgBgNVHREEGTAX
ghVodHRwcy1leGFtcGxlLmZvby5jb20wCgYIKoZIzj0EAwIDSAAwRQIhANyWANyx
FoP+lotwaa8wYBx8FYGmB9+L7aGRq0HnN4qAAiAjC34zcx1Nf6LOoaALbIyxFnFl
iixkBtlaViTs2gmcuw==
-----END CERTIFICATE-----
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1GeyL/B88ETvg9v1
vydPHleBf7HGIrF+qdpS7dqAQXGhRANCAAQoj9f3inCy+OO8sjvdMxepA2gOTgGD
muVG9sd6Aink0n15Yf6W8xkePbiHvyMpz5n/s2+JGnWY1hzuocvJiJaD
-----END PRIVATE KEY-----
EOF
chown root:nogroup $certs/*.pem
chmod 640 $certs/*.pem
cat > /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/nginx.conf <<'EOF'
# nginx.conf of the ingress controller pod ingress-nginx-controller-0 (lab ingress-http), written by netlab from the
# lab's Ingress objects as ingress-nginx writes it (netlab/render/ingress.py). netlab rewrites it
# and reloads nginx when Ingresses, endpoints or their Secrets change.
# class nginx: serves default/apps, default/default-backend, default/tls-example-ingress

pid /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run/nginx.pid;
daemon off;
worker_processes 1;
worker_shutdown_timeout 10s;  # a reload lets old workers finish their requests, this long at most
error_log stderr notice;

events {
    worker_connections 1024;
}

http {
    log_format upstreaminfo '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id';
    access_log /run/netlab-explain/ingress-http/ingress-nginx-controller-0_controller.log upstreaminfo;
    client_body_temp_path /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run/client-body;
    proxy_temp_path /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run/proxy-temp;
    fastcgi_temp_path /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run/fastcgi-temp;
    uwsgi_temp_path /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run/uwsgi-temp;
    scgi_temp_path /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/run/scgi-temp;
    default_type text/html;
    server_tokens off;
    keepalive_timeout 75s;
    uninitialized_variable_warn off;
    server_names_hash_bucket_size 64;

    map $http_host $best_http_host {
        default $http_host;
        ''      $host;
    }
    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }
    map $http_x_request_id $req_id {
        default $http_x_request_id;
        ''      $request_id;
    }

    # ingress-nginx's proxy settings (it repeats them in every location; here they are inherited).
    # use-forwarded-headers is false: a client's X-Forwarded-For is not trusted, the backend gets
    # the address nginx saw (the client's own header goes on as X-Original-Forwarded-For).
    proxy_set_header Host                     $best_http_host;
    proxy_set_header Upgrade                  $http_upgrade;
    proxy_set_header Connection               $connection_upgrade;
    proxy_set_header X-Request-ID             $req_id;
    proxy_set_header X-Real-IP                $remote_addr;
    proxy_set_header X-Forwarded-For          $remote_addr;
    proxy_set_header X-Forwarded-Host         $best_http_host;
    proxy_set_header X-Forwarded-Port         $server_port;
    proxy_set_header X-Forwarded-Proto        $scheme;
    proxy_set_header X-Forwarded-Scheme       $scheme;
    proxy_set_header X-Scheme                 $scheme;
    proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;
    proxy_set_header X-Original-Forwarded-Host $http_x_forwarded_host;
    proxy_set_header Proxy                    "";
    proxy_http_version 1.1;
    proxy_connect_timeout 5s;
    proxy_send_timeout 60s;
    proxy_read_timeout 60s;
    proxy_buffering off;
    proxy_request_buffering on;
    proxy_redirect off;
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 3;
    client_max_body_size 1m;

    # TLS, as ingress-nginx's defaults (ssl-protocols, ssl-session-cache, ssl-session-tickets off).
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 10m;
    ssl_session_tickets off;
    ssl_buffer_size 4k;
    # the default certificate: the controller's fake one; a host with a Secret of its own has its own
    ssl_certificate     /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/certs/default-fake-certificate.pem;
    ssl_certificate_key /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/certs/default-fake-certificate.pem;
    # ssl-redirect's target (ingress-nginx's Lua drops one trailing '/'), and HSTS on HTTPS only
    map $request_uri $redirect_uri {
        ~^(?<kept>.*)/$ $kept;
        default        $request_uri;
    }
    map $scheme $hsts {
        https   "max-age=31536000; includeSubDomains";
        default "";
    }

    # Service default/app-a port 80: its endpoints, the pods themselves
    upstream default-app-a-80 {
        server 10.244.1.3:8080 max_fails=0 fail_timeout=0;  # app-a-0
        server 10.244.2.2:8080 max_fails=0 fail_timeout=0;  # app-a-1
    }

    # Service default/app-b port 80: its endpoints, the pods themselves
    upstream default-app-b-80 {
        server 10.244.1.4:8080 max_fails=0 fail_timeout=0;  # app-b-0
        server 10.244.2.3:8080 max_fails=0 fail_timeout=0;  # app-b-1
    }

    # Service default/app-b port http: its endpoints, the pods themselves
    upstream default-app-b-http {
        server 10.244.1.4:8080 max_fails=0 fail_timeout=0;  # app-b-0
        server 10.244.2.3:8080 max_fails=0 fail_timeout=0;  # app-b-1
    }

    # Service default/default-backend port 80: its endpoints, the pods themselves
    upstream default-default-backend-80 {
        server 10.244.1.5:8080 max_fails=0 fail_timeout=0;  # default-backend-0
    }

    # the default server: requests whose Host no rule names
    server {
        server_name _;
        listen 80 default_server backlog=4096;
        listen 443 default_server backlog=4096 ssl;

        location / {  # Ingress default/default-backend: spec.defaultBackend
            set $namespace           "default";
            set $ingress_name        "default-backend";
            set $service_name        "default-backend";
            set $service_port        "80";
            set $location_path       "/";
            set $proxy_upstream_name "default-default-backend-80";
            proxy_pass http://default-default-backend-80;
        }
    }

    server {
        server_name a.example;
        listen 80;
        listen 443 ssl;

        location /api/ {  # Ingress default/apps: Prefix /api
            set $namespace           "default";
            set $ingress_name        "apps";
            set $service_name        "app-b";
            set $service_port        "80";
            set $location_path       "/api";
            set $proxy_upstream_name "default-app-b-80";
            proxy_pass http://default-app-b-80;
        }

        location = /api {  # Ingress default/apps: Prefix /api
            set $namespace           "default";
            set $ingress_name        "apps";
            set $service_name        "app-b";
            set $service_port        "80";
            set $location_path       "/api";
            set $proxy_upstream_name "default-app-b-80";
            proxy_pass http://default-app-b-80;
        }

        location / {  # Ingress default/apps: Prefix /
            set $namespace           "default";
            set $ingress_name        "apps";
            set $service_name        "app-a";
            set $service_port        "80";
            set $location_path       "/";
            set $proxy_upstream_name "default-app-a-80";
            proxy_pass http://default-app-a-80;
        }
    }

    server {
        server_name b.example;
        listen 80;
        listen 443 ssl;

        location = /exact {  # Ingress default/apps: Exact /exact
            set $namespace           "default";
            set $ingress_name        "apps";
            set $service_name        "app-a";
            set $service_port        "80";
            set $location_path       "/exact";
            set $proxy_upstream_name "default-app-a-80";
            proxy_pass http://default-app-a-80;
        }

        location / {  # Ingress default/apps: Prefix /
            set $namespace           "default";
            set $ingress_name        "apps";
            set $service_name        "app-b";
            set $service_port        "http";
            set $location_path       "/";
            set $proxy_upstream_name "default-app-b-http";
            proxy_pass http://default-app-b-http;
        }
    }

    server {
        server_name https-example.foo.com;
        listen 80;
        listen 443 ssl;
        # TLS: Secret default/testsecret-tls (CN=https-example.foo.com), PEM sha1 ee130e4c92b6164a67e0162c0a72602bf1e9ccd1
        ssl_certificate     /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/certs/default-testsecret-tls.pem;
        ssl_certificate_key /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/certs/default-testsecret-tls.pem;
        if ($scheme = http) {  # ssl-redirect
            return 308 https://$host$redirect_uri;
        }
        add_header Strict-Transport-Security $hsts always;

        location / {  # Ingress default/tls-example-ingress: Prefix /
            set $namespace           "default";
            set $ingress_name        "tls-example-ingress";
            set $service_name        "app-a";
            set $service_port        "80";
            set $location_path       "/";
            set $proxy_upstream_name "default-app-a-80";
            proxy_pass http://default-app-a-80;
        }
    }
}
EOF
start ingress-nginx-controller-0_controller nl-ingress-http.ingress-nginx-controller-0 ingress-nginx-controller-0 setpriv --reuid=nobody --regid=nogroup --clear-groups nginx -e stderr -c /run/netlab-explain/ingress-http/ingress/ingress-nginx-controller-0/nginx.conf
start app-a-0_app nl-ingress-http.app-a-0 app-a-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
start app-a-1_app nl-ingress-http.app-a-1 app-a-1 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
start app-b-0_app nl-ingress-http.app-b-0 app-b-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
start app-b-1_app nl-ingress-http.app-b-1 app-b-1 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081 --http-override /hostname
start default-backend-0_echo nl-ingress-http.default-backend-0 default-backend-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --udp-port 8081
start coredns-0_coredns nl-ingress-http.coredns-0 coredns-0 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PYTHON" -m netlab.workloads.dns --listen 0.0.0.0:53 --zone "$RUN/cluster.zone" --domain cluster.local --pods insecure --metrics 0.0.0.0:9153
start coredns-1_coredns nl-ingress-http.coredns-1 coredns-1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PYTHON" -m netlab.workloads.dns --listen 0.0.0.0:53 --zone "$RUN/cluster.zone" --domain cluster.local --pods insecure --metrics 0.0.0.0:9153
start internet_echo nl-ingress-http.internet internet "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 80
start node-1_health nl-ingress-http.node-1 node-1 "$PYTHON" -m netlab.workloads.echo --user nobody --health-check 32384 ingress-nginx/ingress-nginx-controller 1
start node-2_health nl-ingress-http.node-2 node-2 "$PYTHON" -m netlab.workloads.echo --user nobody --health-check 32384 ingress-nginx/ingress-nginx-controller 0
ready app-a-0_app app-a-1_app app-b-0_app app-b-1_app default-backend-0_echo coredns-0_coredns coredns-1_coredns internet_echo node-1_health node-2_health
listens ingress-nginx-controller-0_controller nl-ingress-http.ingress-nginx-controller-0 80

# --- 6. the way in for LoadBalancer IPs, as netlab's control loops set it
ip -n nl-ingress-http.cloud-lb route replace 198.51.100.200/32 nexthop via 192.168.56.11
