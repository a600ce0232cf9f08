#!/bin/sh
# lab netpol (netpol): pod network host-gw, kube-proxy iptables
# The commands that build it by hand, in the order `netlab up` builds it; run as root where
# the lab is not up: the lab's checks pass on it, but its `env:` checks, which ask `netlab exec`
# and so need the state `netlab up` keeps. To take it down again (the workloads first, then the
# namespaces and files):
#   kill $(cat /run/netlab-explain/netpol/*.pid)
#   for ns in $(ip netns list | grep -o '^nl-netpol\.[^ ]*'); do ip netns del "$ns"; done
#   rm -rf /etc/netns/nl-netpol.* /run/netlab-explain/netpol
#   rmdir --ignore-fail-on-non-empty /etc/netns /run/netlab-explain
set -e

# --- 1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's as one netlink batch)
ip netns add nl-netpol.underlay
ip netns add nl-netpol.gateway
ip netns add nl-netpol.node-1
ip netns add nl-netpol.node-2
ip netns add nl-netpol.db
ip netns add nl-netpol.frontend
ip netns add nl-netpol.client
ip netns add nl-netpol.outsider
ip -n nl-netpol.underlay link set lo up alias netlab:netpol
ip -n nl-netpol.underlay link add br0 index 2 address 02:53:28:e8:60:e8 mtu 1500 up type bridge
ip -n nl-netpol.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:77:b6:d2:b0:fa mtu 1500 netns nl-netpol.gateway
ip -n nl-netpol.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:da:a4:4b:ff:89 mtu 1500 netns nl-netpol.node-1
ip -n nl-netpol.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:0e:a6:40:22:0d mtu 1500 netns nl-netpol.node-2
ip netns exec nl-netpol.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-netpol.gateway link set lo up alias netlab:netpol
ip -n nl-netpol.gateway link set eth0 up
ip -n nl-netpol.gateway addr add 192.168.56.1/24 dev eth0
ip netns exec nl-netpol.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-netpol.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-netpol.node-1 link set lo up alias netlab:netpol
ip -n nl-netpol.node-1 link add cni0 index 3 address 02:94:1d:f7:a8:25 mtu 1500 up type bridge
ip -n nl-netpol.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-netpol.node-1 link set eth0 up
ip -n nl-netpol.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-netpol.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-netpol.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-netpol.node-1 link add vethe8853f44 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:83:f4:f4:c7:67 mtu 1500 netns nl-netpol.db
ip -n nl-netpol.node-1 link set vethe8853f44 type bridge_slave hairpin on
ip -n nl-netpol.node-1 link add veth6844d090 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:c5:09:bf:c8:b3 mtu 1500 netns nl-netpol.client
ip -n nl-netpol.node-1 link set veth6844d090 type bridge_slave hairpin on
ip netns exec nl-netpol.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-netpol.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-netpol.node-2 link set lo up alias netlab:netpol
ip -n nl-netpol.node-2 link add cni0 index 3 address 02:aa:eb:21:5b:b9 mtu 1500 up type bridge
ip -n nl-netpol.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-netpol.node-2 link set eth0 up
ip -n nl-netpol.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-netpol.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-netpol.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-netpol.node-2 link add vethb1bb45d1 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:2d:85:96:93:0a mtu 1500 netns nl-netpol.frontend
ip -n nl-netpol.node-2 link set vethb1bb45d1 type bridge_slave hairpin on
ip -n nl-netpol.node-2 link add veth93d69de8 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:79:a3:1f:78:92 mtu 1500 netns nl-netpol.outsider
ip -n nl-netpol.node-2 link set veth93d69de8 type bridge_slave hairpin on
ip netns exec nl-netpol.db sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-netpol.db link set lo up alias netlab:netpol
ip -n nl-netpol.db link set eth0 up
ip -n nl-netpol.db addr add 10.244.1.2/24 dev eth0
ip -n nl-netpol.db route add default via 10.244.1.1 dev eth0
ip netns exec nl-netpol.frontend sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-netpol.frontend link set lo up alias netlab:netpol
ip -n nl-netpol.frontend link set eth0 up
ip -n nl-netpol.frontend addr add 10.244.2.2/24 dev eth0
ip -n nl-netpol.frontend route add default via 10.244.2.1 dev eth0
ip netns exec nl-netpol.client sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-netpol.client link set lo up alias netlab:netpol
ip -n nl-netpol.client link set eth0 up
ip -n nl-netpol.client addr add 10.244.1.3/24 dev eth0
ip -n nl-netpol.client route add default via 10.244.1.1 dev eth0
ip netns exec nl-netpol.outsider sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-netpol.outsider link set lo up alias netlab:netpol
ip -n nl-netpol.outsider link set eth0 up
ip -n nl-netpol.outsider addr add 10.244.2.3/24 dev eth0
ip -n nl-netpol.outsider route add default via 10.244.2.1 dev eth0

# --- 2. each namespace's /etc files, which ip netns exec mounts over /etc (a pod's resolv.conf and hosts, as the kubelet writes them)
mkdir -p /etc/netns/nl-netpol.underlay
cat > /etc/netns/nl-netpol.underlay/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-netpol.gateway
cat > /etc/netns/nl-netpol.gateway/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-netpol.node-1
cat > /etc/netns/nl-netpol.node-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-netpol.node-2
cat > /etc/netns/nl-netpol.node-2/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-netpol.db
cat > /etc/netns/nl-netpol.db/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-netpol.db/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.2	db
EOF
mkdir -p /etc/netns/nl-netpol.frontend
cat > /etc/netns/nl-netpol.frontend/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-netpol.frontend/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.2	frontend
EOF
mkdir -p /etc/netns/nl-netpol.client
cat > /etc/netns/nl-netpol.client/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-netpol.client/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.3	client
EOF
mkdir -p /etc/netns/nl-netpol.outsider
cat > /etc/netns/nl-netpol.outsider/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-netpol.outsider/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.3	outsider
EOF

# --- 3. kube-proxy's rules on every node (iptables mode)
ip netns exec nl-netpol.node-1 iptables-restore --noflush <<'EOF'
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
:KUBE-SVC-2KHWPRMFJERXUJE3 - [0:0]
:KUBE-SEP-WTU2WQ6RSPO7AFAZ - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/db cluster IP" -m tcp -p tcp -d 10.99.81.139 --dport 6379 -j KUBE-SVC-2KHWPRMFJERXUJE3
-A KUBE-SVC-2KHWPRMFJERXUJE3 -m comment --comment "default/db cluster IP" -m tcp -p tcp -d 10.99.81.139 --dport 6379 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-2KHWPRMFJERXUJE3 -m comment --comment "default/db -> 10.244.1.2:6379" -j KUBE-SEP-WTU2WQ6RSPO7AFAZ
-A KUBE-SEP-WTU2WQ6RSPO7AFAZ -m comment --comment default/db -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-WTU2WQ6RSPO7AFAZ -m comment --comment default/db -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:6379
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-netpol.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-netpol.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-netpol.node-1 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-netpol.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-1 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-netpol.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-netpol.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-netpol.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-netpol.node-1 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-1 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-1 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-netpol.node-1 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-netpol.node-1 iptables -t filter -I OUTPUT -j KUBE-FIREWALL
ip netns exec nl-netpol.node-2 iptables-restore --noflush <<'EOF'
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
:KUBE-SVC-2KHWPRMFJERXUJE3 - [0:0]
:KUBE-SEP-WTU2WQ6RSPO7AFAZ - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/db cluster IP" -m tcp -p tcp -d 10.99.81.139 --dport 6379 -j KUBE-SVC-2KHWPRMFJERXUJE3
-A KUBE-SVC-2KHWPRMFJERXUJE3 -m comment --comment "default/db cluster IP" -m tcp -p tcp -d 10.99.81.139 --dport 6379 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-2KHWPRMFJERXUJE3 -m comment --comment "default/db -> 10.244.1.2:6379" -j KUBE-SEP-WTU2WQ6RSPO7AFAZ
-A KUBE-SEP-WTU2WQ6RSPO7AFAZ -m comment --comment default/db -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-WTU2WQ6RSPO7AFAZ -m comment --comment default/db -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:6379
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-netpol.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-netpol.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-netpol.node-2 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-netpol.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-2 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-netpol.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-netpol.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-netpol.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-netpol.node-2 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-2 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-netpol.node-2 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-netpol.node-2 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-netpol.node-2 iptables -t filter -I OUTPUT -j KUBE-FIREWALL

# --- 3b. the NetworkPolicies as kube-router enforces them on every node, after kube-proxy's rules
# node-1: the sets of each policy's pods and of each rule's peers, named ports and ipBlocks
ip netns exec nl-netpol.node-1 ipset restore <<'EOF'
create TMP-EFFU3D772LI2BGLH hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-EFFU3D772LI2BGLH
add TMP-EFFU3D772LI2BGLH 10.244.0.0/16 timeout 0
create KUBE-DST-4ZPQ33D243ZMB5JM hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-EFFU3D772LI2BGLH KUBE-DST-4ZPQ33D243ZMB5JM
flush TMP-EFFU3D772LI2BGLH
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.1.2 timeout 0
create KUBE-DST-BDCVV4CFXD57FKFT hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-DST-BDCVV4CFXD57FKFT
flush TMP-75BV6334CK76PQUC
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.1.2 timeout 0
create KUBE-DST-JIV4OAALNMTBQGXQ hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-DST-JIV4OAALNMTBQGXQ
flush TMP-75BV6334CK76PQUC
create TMP-EFFU3D772LI2BGLH hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-EFFU3D772LI2BGLH
add TMP-EFFU3D772LI2BGLH 192.168.0.0/16 timeout 0
add TMP-EFFU3D772LI2BGLH 192.168.1.0/24 timeout 0 nomatch
create KUBE-SRC-4VEGAKHP3CDAFGTO hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-EFFU3D772LI2BGLH KUBE-SRC-4VEGAKHP3CDAFGTO
flush TMP-EFFU3D772LI2BGLH
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.1.2 timeout 0
create KUBE-SRC-BDCVV4CFXD57FKFT hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-SRC-BDCVV4CFXD57FKFT
flush TMP-75BV6334CK76PQUC
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.2.2 timeout 0
add TMP-75BV6334CK76PQUC 10.244.2.3 timeout 0
create KUBE-SRC-ZJ2OLSEFOE2X3Z3J hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-SRC-ZJ2OLSEFOE2X3Z3J
flush TMP-75BV6334CK76PQUC
destroy TMP-75BV6334CK76PQUC
destroy TMP-EFFU3D772LI2BGLH
EOF
# node-1: kube-router's chains (KUBE-ROUTER-INPUT/FORWARD/OUTPUT, jumped to first; KUBE-NWPLCY-DEFAULT for a
# direction no policy judges), whose hashed names stand for:
#   KUBE-NWPLCY-BDCVV4CFXD57FKFT: policy default/test-network-policy
#   KUBE-POD-FW-PFRZ3ILXL3VWR4AJ: pod default/db's firewall
#   KUBE-POD-FW-XGTLPU6HAXUCCWBC: pod default/client's firewall
ip netns exec nl-netpol.node-1 iptables-restore --noflush <<'EOF'
*filter
:KUBE-ROUTER-INPUT - [0:0]
:KUBE-ROUTER-FORWARD - [0:0]
:KUBE-ROUTER-OUTPUT - [0:0]
:KUBE-NWPLCY-DEFAULT - [0:0]
:KUBE-NWPLCY-BDCVV4CFXD57FKFT - [0:0]
:KUBE-POD-FW-PFRZ3ILXL3VWR4AJ - [0:0]
:KUBE-POD-FW-XGTLPU6HAXUCCWBC - [0:0]
-A KUBE-ROUTER-INPUT -m comment --comment "allow traffic to primary/secondary cluster IP range - BVHX2PIHDXXEO43X" -d 10.96.0.0/12 -j RETURN
-A KUBE-ROUTER-INPUT -p tcp -m comment --comment "allow LOCAL TCP traffic to node ports - LR7XO7NXDBGQJD2M" -m addrtype --dst-type LOCAL -m multiport --dports 30000:32767 -j RETURN
-A KUBE-ROUTER-INPUT -p udp -m comment --comment "allow LOCAL UDP traffic to node ports - 76UCBPIZNGJNWNUZ" -m addrtype --dst-type LOCAL -m multiport --dports 30000:32767 -j RETURN
-A KUBE-NWPLCY-DEFAULT -p icmp -m comment --comment "allow icmp echo requests" -m icmp --icmp-type 8 -j ACCEPT
-A KUBE-NWPLCY-DEFAULT -p icmp -m comment --comment "allow icmp destination unreachable messages" -m icmp --icmp-type 3 -j ACCEPT
-A KUBE-NWPLCY-DEFAULT -p icmp -m comment --comment "allow icmp time exceeded messages" -m icmp --icmp-type 11 -j ACCEPT
-A KUBE-NWPLCY-DEFAULT -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-ZJ2OLSEFOE2X3Z3J src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-ZJ2OLSEFOE2X3Z3J src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to RETURN traffic matching a network policy" -m mark --mark 0x10000/0x10000 -j RETURN
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from specified ipBlocks to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-4VEGAKHP3CDAFGTO src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from specified ipBlocks to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-4VEGAKHP3CDAFGTO src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to RETURN traffic matching a network policy" -m mark --mark 0x10000/0x10000 -j RETURN
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to specified ipBlocks selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-BDCVV4CFXD57FKFT src -m set --match-set KUBE-DST-4ZPQ33D243ZMB5JM dst -p tcp --dport 5978:8080 -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to specified ipBlocks selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-BDCVV4CFXD57FKFT src -m set --match-set KUBE-DST-4ZPQ33D243ZMB5JM dst -p tcp --dport 5978:8080 -m comment --comment "rule to RETURN traffic matching a network policy" -m mark --mark 0x10000/0x10000 -j RETURN
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -m comment --comment "rule for stateful firewall for pod" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -m comment --comment "rule to drop invalid state for pod" -m conntrack --ctstate INVALID -j DROP
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -d 10.244.1.2 -m comment --comment "rule to permit the traffic traffic to pods when source is the pod's local node" -m addrtype --src-type LOCAL -j ACCEPT
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -m comment --comment "run through nw policy test-network-policy" -j KUBE-NWPLCY-BDCVV4CFXD57FKFT
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -m comment --comment "rule to log dropped traffic POD name:db namespace: default" -m mark ! --mark 0x10000/0x10000 -j NFLOG --nflog-group 100 -m limit --limit 10/minute --limit-burst 10
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -m comment --comment "rule to REJECT traffic destined for POD name:db namespace: default" -m mark ! --mark 0x10000/0x10000 -j REJECT
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -j MARK --set-mark 0/0x10000
-A KUBE-POD-FW-PFRZ3ILXL3VWR4AJ -m comment --comment "set mark to ACCEPT traffic that comply to network policies" -j MARK --set-mark 0x20000/0x20000
-A KUBE-ROUTER-FORWARD -d 10.244.1.2 -m comment --comment "rule to jump traffic destined to POD name:db namespace: default to chain KUBE-POD-FW-PFRZ3ILXL3VWR4AJ" -j KUBE-POD-FW-PFRZ3ILXL3VWR4AJ
-A KUBE-ROUTER-FORWARD -d 10.244.1.2 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic destined to POD name:db namespace: default to chain KUBE-POD-FW-PFRZ3ILXL3VWR4AJ" -j KUBE-POD-FW-PFRZ3ILXL3VWR4AJ
-A KUBE-ROUTER-FORWARD -s 10.244.1.2 -m comment --comment "rule to jump traffic from POD name:db namespace: default to chain KUBE-POD-FW-PFRZ3ILXL3VWR4AJ" -j KUBE-POD-FW-PFRZ3ILXL3VWR4AJ
-A KUBE-ROUTER-FORWARD -s 10.244.1.2 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic from POD name:db namespace: default to chain KUBE-POD-FW-PFRZ3ILXL3VWR4AJ" -j KUBE-POD-FW-PFRZ3ILXL3VWR4AJ
-A KUBE-ROUTER-INPUT -s 10.244.1.2 -m comment --comment "rule to jump traffic from POD name:db namespace: default to chain KUBE-POD-FW-PFRZ3ILXL3VWR4AJ" -j KUBE-POD-FW-PFRZ3ILXL3VWR4AJ
-A KUBE-ROUTER-OUTPUT -d 10.244.1.2 -m comment --comment "rule to jump traffic destined to POD name:db namespace: default to chain KUBE-POD-FW-PFRZ3ILXL3VWR4AJ" -j KUBE-POD-FW-PFRZ3ILXL3VWR4AJ
-A KUBE-ROUTER-OUTPUT -s 10.244.1.2 -m comment --comment "rule to jump traffic from POD name:db namespace: default to chain KUBE-POD-FW-PFRZ3ILXL3VWR4AJ" -j KUBE-POD-FW-PFRZ3ILXL3VWR4AJ
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -m comment --comment "rule for stateful firewall for pod" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -m comment --comment "rule to drop invalid state for pod" -m conntrack --ctstate INVALID -j DROP
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -d 10.244.1.3 -m comment --comment "rule to permit the traffic traffic to pods when source is the pod's local node" -m addrtype --src-type LOCAL -j ACCEPT
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -s 10.244.1.3 -m comment --comment "run through default egress network policy chain" -j KUBE-NWPLCY-DEFAULT
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -d 10.244.1.3 -m comment --comment "run through default ingress network policy chain" -j KUBE-NWPLCY-DEFAULT
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -m comment --comment "rule to log dropped traffic POD name:client namespace: default" -m mark ! --mark 0x10000/0x10000 -j NFLOG --nflog-group 100 -m limit --limit 10/minute --limit-burst 10
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -m comment --comment "rule to REJECT traffic destined for POD name:client namespace: default" -m mark ! --mark 0x10000/0x10000 -j REJECT
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -j MARK --set-mark 0/0x10000
-A KUBE-POD-FW-XGTLPU6HAXUCCWBC -m comment --comment "set mark to ACCEPT traffic that comply to network policies" -j MARK --set-mark 0x20000/0x20000
-A KUBE-ROUTER-FORWARD -d 10.244.1.3 -m comment --comment "rule to jump traffic destined to POD name:client namespace: default to chain KUBE-POD-FW-XGTLPU6HAXUCCWBC" -j KUBE-POD-FW-XGTLPU6HAXUCCWBC
-A KUBE-ROUTER-FORWARD -d 10.244.1.3 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic destined to POD name:client namespace: default to chain KUBE-POD-FW-XGTLPU6HAXUCCWBC" -j KUBE-POD-FW-XGTLPU6HAXUCCWBC
-A KUBE-ROUTER-FORWARD -s 10.244.1.3 -m comment --comment "rule to jump traffic from POD name:client namespace: default to chain KUBE-POD-FW-XGTLPU6HAXUCCWBC" -j KUBE-POD-FW-XGTLPU6HAXUCCWBC
-A KUBE-ROUTER-FORWARD -s 10.244.1.3 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic from POD name:client namespace: default to chain KUBE-POD-FW-XGTLPU6HAXUCCWBC" -j KUBE-POD-FW-XGTLPU6HAXUCCWBC
-A KUBE-ROUTER-INPUT -s 10.244.1.3 -m comment --comment "rule to jump traffic from POD name:client namespace: default to chain KUBE-POD-FW-XGTLPU6HAXUCCWBC" -j KUBE-POD-FW-XGTLPU6HAXUCCWBC
-A KUBE-ROUTER-OUTPUT -d 10.244.1.3 -m comment --comment "rule to jump traffic destined to POD name:client namespace: default to chain KUBE-POD-FW-XGTLPU6HAXUCCWBC" -j KUBE-POD-FW-XGTLPU6HAXUCCWBC
-A KUBE-ROUTER-OUTPUT -s 10.244.1.3 -m comment --comment "rule to jump traffic from POD name:client namespace: default to chain KUBE-POD-FW-XGTLPU6HAXUCCWBC" -j KUBE-POD-FW-XGTLPU6HAXUCCWBC
-I INPUT 1 -m comment --comment "kube-router netpol - 4IA2OSFRMVNDXBVV" -j KUBE-ROUTER-INPUT
-I FORWARD 1 -m comment --comment "kube-router netpol - TEMCG2JMHZYE7H7T" -j KUBE-ROUTER-FORWARD
-I OUTPUT 1 -m comment --comment "kube-router netpol - VEAAIY32XVBHCSCY" -j KUBE-ROUTER-OUTPUT
-A INPUT -m comment --comment "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT
-A FORWARD -m comment --comment "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT
-A OUTPUT -m comment --comment "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT
COMMIT
EOF
# node-2: the sets of each policy's pods and of each rule's peers, named ports and ipBlocks
ip netns exec nl-netpol.node-2 ipset restore <<'EOF'
create TMP-EFFU3D772LI2BGLH hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-EFFU3D772LI2BGLH
add TMP-EFFU3D772LI2BGLH 10.244.0.0/16 timeout 0
create KUBE-DST-4ZPQ33D243ZMB5JM hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-EFFU3D772LI2BGLH KUBE-DST-4ZPQ33D243ZMB5JM
flush TMP-EFFU3D772LI2BGLH
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.1.2 timeout 0
create KUBE-DST-BDCVV4CFXD57FKFT hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-DST-BDCVV4CFXD57FKFT
flush TMP-75BV6334CK76PQUC
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.1.2 timeout 0
create KUBE-DST-JIV4OAALNMTBQGXQ hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-DST-JIV4OAALNMTBQGXQ
flush TMP-75BV6334CK76PQUC
create TMP-EFFU3D772LI2BGLH hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-EFFU3D772LI2BGLH
add TMP-EFFU3D772LI2BGLH 192.168.0.0/16 timeout 0
add TMP-EFFU3D772LI2BGLH 192.168.1.0/24 timeout 0 nomatch
create KUBE-SRC-4VEGAKHP3CDAFGTO hash:net family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-EFFU3D772LI2BGLH KUBE-SRC-4VEGAKHP3CDAFGTO
flush TMP-EFFU3D772LI2BGLH
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.1.2 timeout 0
create KUBE-SRC-BDCVV4CFXD57FKFT hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-SRC-BDCVV4CFXD57FKFT
flush TMP-75BV6334CK76PQUC
create TMP-75BV6334CK76PQUC hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
flush TMP-75BV6334CK76PQUC
add TMP-75BV6334CK76PQUC 10.244.2.2 timeout 0
add TMP-75BV6334CK76PQUC 10.244.2.3 timeout 0
create KUBE-SRC-ZJ2OLSEFOE2X3Z3J hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 -exist
swap TMP-75BV6334CK76PQUC KUBE-SRC-ZJ2OLSEFOE2X3Z3J
flush TMP-75BV6334CK76PQUC
destroy TMP-75BV6334CK76PQUC
destroy TMP-EFFU3D772LI2BGLH
EOF
# node-2: kube-router's chains (KUBE-ROUTER-INPUT/FORWARD/OUTPUT, jumped to first; KUBE-NWPLCY-DEFAULT for a
# direction no policy judges), whose hashed names stand for:
#   KUBE-NWPLCY-BDCVV4CFXD57FKFT: policy default/test-network-policy
#   KUBE-POD-FW-5Z2OJTKQVRAZ4Y64: pod default/frontend's firewall
#   KUBE-POD-FW-SG5LOSUSFYDQ3M2Z: pod myproject/outsider's firewall
ip netns exec nl-netpol.node-2 iptables-restore --noflush <<'EOF'
*filter
:KUBE-ROUTER-INPUT - [0:0]
:KUBE-ROUTER-FORWARD - [0:0]
:KUBE-ROUTER-OUTPUT - [0:0]
:KUBE-NWPLCY-DEFAULT - [0:0]
:KUBE-NWPLCY-BDCVV4CFXD57FKFT - [0:0]
:KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 - [0:0]
:KUBE-POD-FW-SG5LOSUSFYDQ3M2Z - [0:0]
-A KUBE-ROUTER-INPUT -m comment --comment "allow traffic to primary/secondary cluster IP range - BVHX2PIHDXXEO43X" -d 10.96.0.0/12 -j RETURN
-A KUBE-ROUTER-INPUT -p tcp -m comment --comment "allow LOCAL TCP traffic to node ports - LR7XO7NXDBGQJD2M" -m addrtype --dst-type LOCAL -m multiport --dports 30000:32767 -j RETURN
-A KUBE-ROUTER-INPUT -p udp -m comment --comment "allow LOCAL UDP traffic to node ports - 76UCBPIZNGJNWNUZ" -m addrtype --dst-type LOCAL -m multiport --dports 30000:32767 -j RETURN
-A KUBE-NWPLCY-DEFAULT -p icmp -m comment --comment "allow icmp echo requests" -m icmp --icmp-type 8 -j ACCEPT
-A KUBE-NWPLCY-DEFAULT -p icmp -m comment --comment "allow icmp destination unreachable messages" -m icmp --icmp-type 3 -j ACCEPT
-A KUBE-NWPLCY-DEFAULT -p icmp -m comment --comment "allow icmp time exceeded messages" -m icmp --icmp-type 11 -j ACCEPT
-A KUBE-NWPLCY-DEFAULT -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-ZJ2OLSEFOE2X3Z3J src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-ZJ2OLSEFOE2X3Z3J src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to RETURN traffic matching a network policy" -m mark --mark 0x10000/0x10000 -j RETURN
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from specified ipBlocks to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-4VEGAKHP3CDAFGTO src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from specified ipBlocks to dest pods selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-4VEGAKHP3CDAFGTO src -m set --match-set KUBE-DST-JIV4OAALNMTBQGXQ dst -p tcp --dport 6379 -m comment --comment "rule to RETURN traffic matching a network policy" -m mark --mark 0x10000/0x10000 -j RETURN
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to specified ipBlocks selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-BDCVV4CFXD57FKFT src -m set --match-set KUBE-DST-4ZPQ33D243ZMB5JM dst -p tcp --dport 5978:8080 -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000
-A KUBE-NWPLCY-BDCVV4CFXD57FKFT -m comment --comment "rule to ACCEPT traffic from source pods to specified ipBlocks selected by policy name test-network-policy namespace default" -m set --match-set KUBE-SRC-BDCVV4CFXD57FKFT src -m set --match-set KUBE-DST-4ZPQ33D243ZMB5JM dst -p tcp --dport 5978:8080 -m comment --comment "rule to RETURN traffic matching a network policy" -m mark --mark 0x10000/0x10000 -j RETURN
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -m comment --comment "rule for stateful firewall for pod" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -m comment --comment "rule to drop invalid state for pod" -m conntrack --ctstate INVALID -j DROP
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -d 10.244.2.2 -m comment --comment "rule to permit the traffic traffic to pods when source is the pod's local node" -m addrtype --src-type LOCAL -j ACCEPT
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -s 10.244.2.2 -m comment --comment "run through default egress network policy chain" -j KUBE-NWPLCY-DEFAULT
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -d 10.244.2.2 -m comment --comment "run through default ingress network policy chain" -j KUBE-NWPLCY-DEFAULT
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -m comment --comment "rule to log dropped traffic POD name:frontend namespace: default" -m mark ! --mark 0x10000/0x10000 -j NFLOG --nflog-group 100 -m limit --limit 10/minute --limit-burst 10
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -m comment --comment "rule to REJECT traffic destined for POD name:frontend namespace: default" -m mark ! --mark 0x10000/0x10000 -j REJECT
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -j MARK --set-mark 0/0x10000
-A KUBE-POD-FW-5Z2OJTKQVRAZ4Y64 -m comment --comment "set mark to ACCEPT traffic that comply to network policies" -j MARK --set-mark 0x20000/0x20000
-A KUBE-ROUTER-FORWARD -d 10.244.2.2 -m comment --comment "rule to jump traffic destined to POD name:frontend namespace: default to chain KUBE-POD-FW-5Z2OJTKQVRAZ4Y64" -j KUBE-POD-FW-5Z2OJTKQVRAZ4Y64
-A KUBE-ROUTER-FORWARD -d 10.244.2.2 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic destined to POD name:frontend namespace: default to chain KUBE-POD-FW-5Z2OJTKQVRAZ4Y64" -j KUBE-POD-FW-5Z2OJTKQVRAZ4Y64
-A KUBE-ROUTER-FORWARD -s 10.244.2.2 -m comment --comment "rule to jump traffic from POD name:frontend namespace: default to chain KUBE-POD-FW-5Z2OJTKQVRAZ4Y64" -j KUBE-POD-FW-5Z2OJTKQVRAZ4Y64
-A KUBE-ROUTER-FORWARD -s 10.244.2.2 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic from POD name:frontend namespace: default to chain KUBE-POD-FW-5Z2OJTKQVRAZ4Y64" -j KUBE-POD-FW-5Z2OJTKQVRAZ4Y64
-A KUBE-ROUTER-INPUT -s 10.244.2.2 -m comment --comment "rule to jump traffic from POD name:frontend namespace: default to chain KUBE-POD-FW-5Z2OJTKQVRAZ4Y64" -j KUBE-POD-FW-5Z2OJTKQVRAZ4Y64
-A KUBE-ROUTER-OUTPUT -d 10.244.2.2 -m comment --comment "rule to jump traffic destined to POD name:frontend namespace: default to chain KUBE-POD-FW-5Z2OJTKQVRAZ4Y64" -j KUBE-POD-FW-5Z2OJTKQVRAZ4Y64
-A KUBE-ROUTER-OUTPUT -s 10.244.2.2 -m comment --comment "rule to jump traffic from POD name:frontend namespace: default to chain KUBE-POD-FW-5Z2OJTKQVRAZ4Y64" -j KUBE-POD-FW-5Z2OJTKQVRAZ4Y64
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -m comment --comment "rule for stateful firewall for pod" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -m comment --comment "rule to drop invalid state for pod" -m conntrack --ctstate INVALID -j DROP
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -d 10.244.2.3 -m comment --comment "rule to permit the traffic traffic to pods when source is the pod's local node" -m addrtype --src-type LOCAL -j ACCEPT
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -s 10.244.2.3 -m comment --comment "run through default egress network policy chain" -j KUBE-NWPLCY-DEFAULT
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -d 10.244.2.3 -m comment --comment "run through default ingress network policy chain" -j KUBE-NWPLCY-DEFAULT
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -m comment --comment "rule to log dropped traffic POD name:outsider namespace: myproject" -m mark ! --mark 0x10000/0x10000 -j NFLOG --nflog-group 100 -m limit --limit 10/minute --limit-burst 10
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -m comment --comment "rule to REJECT traffic destined for POD name:outsider namespace: myproject" -m mark ! --mark 0x10000/0x10000 -j REJECT
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -j MARK --set-mark 0/0x10000
-A KUBE-POD-FW-SG5LOSUSFYDQ3M2Z -m comment --comment "set mark to ACCEPT traffic that comply to network policies" -j MARK --set-mark 0x20000/0x20000
-A KUBE-ROUTER-FORWARD -d 10.244.2.3 -m comment --comment "rule to jump traffic destined to POD name:outsider namespace: myproject to chain KUBE-POD-FW-SG5LOSUSFYDQ3M2Z" -j KUBE-POD-FW-SG5LOSUSFYDQ3M2Z
-A KUBE-ROUTER-FORWARD -d 10.244.2.3 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic destined to POD name:outsider namespace: myproject to chain KUBE-POD-FW-SG5LOSUSFYDQ3M2Z" -j KUBE-POD-FW-SG5LOSUSFYDQ3M2Z
-A KUBE-ROUTER-FORWARD -s 10.244.2.3 -m comment --comment "rule to jump traffic from POD name:outsider namespace: myproject to chain KUBE-POD-FW-SG5LOSUSFYDQ3M2Z" -j KUBE-POD-FW-SG5LOSUSFYDQ3M2Z
-A KUBE-ROUTER-FORWARD -s 10.244.2.3 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic from POD name:outsider namespace: myproject to chain KUBE-POD-FW-SG5LOSUSFYDQ3M2Z" -j KUBE-POD-FW-SG5LOSUSFYDQ3M2Z
-A KUBE-ROUTER-INPUT -s 10.244.2.3 -m comment --comment "rule to jump traffic from POD name:outsider namespace: myproject to chain KUBE-POD-FW-SG5LOSUSFYDQ3M2Z" -j KUBE-POD-FW-SG5LOSUSFYDQ3M2Z
-A KUBE-ROUTER-OUTPUT -d 10.244.2.3 -m comment --comment "rule to jump traffic destined to POD name:outsider namespace: myproject to chain KUBE-POD-FW-SG5LOSUSFYDQ3M2Z" -j KUBE-POD-FW-SG5LOSUSFYDQ3M2Z
-A KUBE-ROUTER-OUTPUT -s 10.244.2.3 -m comment --comment "rule to jump traffic from POD name:outsider namespace: myproject to chain KUBE-POD-FW-SG5LOSUSFYDQ3M2Z" -j KUBE-POD-FW-SG5LOSUSFYDQ3M2Z
-I INPUT 1 -m comment --comment "kube-router netpol - 4IA2OSFRMVNDXBVV" -j KUBE-ROUTER-INPUT
-I FORWARD 1 -m comment --comment "kube-router netpol - TEMCG2JMHZYE7H7T" -j KUBE-ROUTER-FORWARD
-I OUTPUT 1 -m comment --comment "kube-router netpol - VEAAIY32XVBHCSCY" -j KUBE-ROUTER-OUTPUT
-A INPUT -m comment --comment "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT
-A FORWARD -m comment --comment "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT
-A OUTPUT -m comment --comment "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT
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
RUN=/run/netlab-explain/netpol
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
start db_redis nl-netpol.db db "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 6379 --http-port 8080
start frontend_web nl-netpol.frontend frontend "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080
start client_web nl-netpol.client client "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080
start outsider_web nl-netpol.outsider outsider "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080
ready db_redis frontend_web client_web outsider_web
