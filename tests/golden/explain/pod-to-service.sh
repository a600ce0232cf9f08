#!/bin/sh
# lab pod-to-service (Pod to Service (kube-proxy's ClusterIP, for real)): pod network host-gw, kube-proxy iptables
# The commands that build it by hand, in the order `netlab up` builds it; run as root where
# the lab is not up: the lab's checks pass on it, but its `env:` checks, which ask `netlab exec`
# and so need the state `netlab up` keeps. To take it down again (the workloads first, then the
# namespaces and files):
#   kill $(cat /run/netlab-explain/pod-to-service/*.pid)
#   for ns in $(ip netns list | grep -o '^nl-pod-to-service\.[^ ]*'); do ip netns del "$ns"; done
#   rm -rf /etc/netns/nl-pod-to-service.* /run/netlab-explain/pod-to-service
#   rmdir --ignore-fail-on-non-empty /etc/netns /run/netlab-explain
set -e

# --- 1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's as one netlink batch)
ip netns add nl-pod-to-service.underlay
ip netns add nl-pod-to-service.gateway
ip netns add nl-pod-to-service.node-1
ip netns add nl-pod-to-service.node-2
ip netns add nl-pod-to-service.client
ip netns add nl-pod-to-service.web-0
ip netns add nl-pod-to-service.web-1
ip netns add nl-pod-to-service.coredns-0
ip netns add nl-pod-to-service.coredns-1
ip -n nl-pod-to-service.underlay link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.underlay link add br0 index 2 address 02:0d:63:f2:69:b8 mtu 1500 up type bridge
ip -n nl-pod-to-service.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:26:03:78:e2:8e mtu 1500 netns nl-pod-to-service.gateway
ip -n nl-pod-to-service.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:c9:8a:b5:25:91 mtu 1500 netns nl-pod-to-service.node-1
ip -n nl-pod-to-service.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:ad:29:58:33:cd mtu 1500 netns nl-pod-to-service.node-2
ip netns exec nl-pod-to-service.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-pod-to-service.gateway link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.gateway link set eth0 up
ip -n nl-pod-to-service.gateway addr add 192.168.56.1/24 dev eth0
ip netns exec nl-pod-to-service.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-pod-to-service.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-pod-to-service.node-1 link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.node-1 link add cni0 index 3 address 02:f7:97:d0:8e:ff mtu 1500 up type bridge
ip -n nl-pod-to-service.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-pod-to-service.node-1 link set eth0 up
ip -n nl-pod-to-service.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-pod-to-service.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-pod-to-service.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-pod-to-service.node-1 link add veth6844d090 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:96:55:80:b9:4e mtu 1500 netns nl-pod-to-service.client
ip -n nl-pod-to-service.node-1 link set veth6844d090 type bridge_slave hairpin on
ip -n nl-pod-to-service.node-1 link add veth53842afe index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:2c:ed:7b:39:39 mtu 1500 netns nl-pod-to-service.web-0
ip -n nl-pod-to-service.node-1 link set veth53842afe type bridge_slave hairpin on
ip -n nl-pod-to-service.node-1 link add vethf6a97584 index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:79:af:ea:fa:bd mtu 1500 netns nl-pod-to-service.coredns-0
ip -n nl-pod-to-service.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-pod-to-service.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-pod-to-service.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-pod-to-service.node-2 link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.node-2 link add cni0 index 3 address 02:8c:ba:56:97:0c mtu 1500 up type bridge
ip -n nl-pod-to-service.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-pod-to-service.node-2 link set eth0 up
ip -n nl-pod-to-service.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-pod-to-service.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-pod-to-service.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-pod-to-service.node-2 link add veth96603d4d index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:02:53:e5:2e:c7 mtu 1500 netns nl-pod-to-service.web-1
ip -n nl-pod-to-service.node-2 link set veth96603d4d type bridge_slave hairpin on
ip -n nl-pod-to-service.node-2 link add veth72b86496 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:e0:17:cd:6f:86 mtu 1500 netns nl-pod-to-service.coredns-1
ip -n nl-pod-to-service.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-pod-to-service.client sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-service.client link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.client link set eth0 up
ip -n nl-pod-to-service.client addr add 10.244.1.2/24 dev eth0
ip -n nl-pod-to-service.client route add default via 10.244.1.1 dev eth0
ip netns exec nl-pod-to-service.web-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-service.web-0 link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.web-0 link set eth0 up
ip -n nl-pod-to-service.web-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-pod-to-service.web-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-pod-to-service.web-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-service.web-1 link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.web-1 link set eth0 up
ip -n nl-pod-to-service.web-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-pod-to-service.web-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-pod-to-service.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-service.coredns-0 link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.coredns-0 link set eth0 up
ip -n nl-pod-to-service.coredns-0 addr add 10.244.1.4/24 dev eth0
ip -n nl-pod-to-service.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-pod-to-service.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-service.coredns-1 link set lo up alias netlab:pod-to-service
ip -n nl-pod-to-service.coredns-1 link set eth0 up
ip -n nl-pod-to-service.coredns-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-pod-to-service.coredns-1 route add default via 10.244.2.1 dev eth0

# --- 2. each namespace's /etc files, which ip netns exec mounts over /etc (a pod's resolv.conf and hosts, as the kubelet writes them)
mkdir -p /etc/netns/nl-pod-to-service.underlay
cat > /etc/netns/nl-pod-to-service.underlay/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-pod-to-service.gateway
cat > /etc/netns/nl-pod-to-service.gateway/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-pod-to-service.node-1
cat > /etc/netns/nl-pod-to-service.node-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-pod-to-service.node-2
cat > /etc/netns/nl-pod-to-service.node-2/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
mkdir -p /etc/netns/nl-pod-to-service.client
cat > /etc/netns/nl-pod-to-service.client/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-pod-to-service.client/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.2	client
EOF
mkdir -p /etc/netns/nl-pod-to-service.web-0
cat > /etc/netns/nl-pod-to-service.web-0/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-pod-to-service.web-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.3	web-0
EOF
mkdir -p /etc/netns/nl-pod-to-service.web-1
cat > /etc/netns/nl-pod-to-service.web-1/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
EOF
cat > /etc/netns/nl-pod-to-service.web-1/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.2	web-1
EOF
mkdir -p /etc/netns/nl-pod-to-service.coredns-0
cat > /etc/netns/nl-pod-to-service.coredns-0/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-pod-to-service.coredns-0/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.4	coredns-0
EOF
mkdir -p /etc/netns/nl-pod-to-service.coredns-1
cat > /etc/netns/nl-pod-to-service.coredns-1/resolv.conf <<'EOF'
# no nameserver in this lab: nothing outside answers
EOF
cat > /etc/netns/nl-pod-to-service.coredns-1/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.3	coredns-1
EOF

# --- 3. kube-proxy's rules on every node (iptables mode)
ip netns exec nl-pod-to-service.node-1 iptables-restore --noflush <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-SERVICES -m comment --comment "default/nobody-home:http has no endpoints" -m tcp -p tcp -d 10.105.179.236 --dport 80 -j REJECT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-CYJYTGKBZL4UWJ7T - [0:0]
:KUBE-SEP-XLYOSH4T6MNDWUDU - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SEP-2AZ33KU3V5PGPQZH - [0:0]
:KUBE-SEP-4EX2N4PG4ASNZOBF - [0:0]
:KUBE-SVC-23RO2I6K52YNQIND - [0:0]
:KUBE-SEP-RPDPZ4WYA3FTUPW6 - [0:0]
:KUBE-SEP-ATEOQTJOATCGLLLV - [0:0]
:KUBE-SVC-WTWIZEG53IZOK7F7 - [0:0]
:KUBE-SEP-WX36GCX6HR2E4NRS - [0:0]
:KUBE-SEP-KRFMOFJEDGLCANYQ - [0:0]
:KUBE-SVC-ECL5JCJ5G54Z6IJU - [0:0]
:KUBE-SEP-B4LZOKGBCKSYH36S - [0:0]
:KUBE-SEP-5SGWJNYQGWQWB72C - [0:0]
:KUBE-SVC-FWJJG4WXAVAU5LWS - [0:0]
:KUBE-SEP-EZHH3QUSRXOHTNUD - [0:0]
:KUBE-SEP-ZZ6KOZA2A46LHVT2 - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-222YD7DQOUNKFRLL - [0:0]
:KUBE-SEP-ZHICQ2ODADGCY7DS - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SEP-5BME6LXGYWTVD5D3 - [0:0]
:KUBE-SEP-DLP2S2N3HX5UKLVP - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SEP-NG3JZDJDUTWZSDOR - [0:0]
:KUBE-SEP-TFTZVOJFQDTMM5AB - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/client-self:http cluster IP" -m tcp -p tcp -d 10.99.151.226 --dport 80 -j KUBE-SVC-CYJYTGKBZL4UWJ7T
-A KUBE-SVC-CYJYTGKBZL4UWJ7T -m comment --comment "default/client-self:http cluster IP" -m tcp -p tcp -d 10.99.151.226 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CYJYTGKBZL4UWJ7T -m comment --comment "default/client-self:http -> 10.244.1.2:8080" -j KUBE-SEP-XLYOSH4T6MNDWUDU
-A KUBE-SEP-XLYOSH4T6MNDWUDU -m comment --comment default/client-self:http -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-XLYOSH4T6MNDWUDU -m comment --comment default/client-self:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080
-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.108.209.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.108.209.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-2AZ33KU3V5PGPQZH
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.2:8080" -j KUBE-SEP-4EX2N4PG4ASNZOBF
-A KUBE-SEP-2AZ33KU3V5PGPQZH -m comment --comment default/web:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-2AZ33KU3V5PGPQZH -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-4EX2N4PG4ASNZOBF -m comment --comment default/web:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-4EX2N4PG4ASNZOBF -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/web-multi:http cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 80 -j KUBE-SVC-23RO2I6K52YNQIND
-A KUBE-SVC-23RO2I6K52YNQIND -m comment --comment "default/web-multi:http cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-23RO2I6K52YNQIND -m comment --comment "default/web-multi:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-RPDPZ4WYA3FTUPW6
-A KUBE-SVC-23RO2I6K52YNQIND -m comment --comment "default/web-multi:http -> 10.244.2.2:8080" -j KUBE-SEP-ATEOQTJOATCGLLLV
-A KUBE-SEP-RPDPZ4WYA3FTUPW6 -m comment --comment default/web-multi:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-RPDPZ4WYA3FTUPW6 -m comment --comment default/web-multi:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-ATEOQTJOATCGLLLV -m comment --comment default/web-multi:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ATEOQTJOATCGLLLV -m comment --comment default/web-multi:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/web-multi:metrics cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 9100 -j KUBE-SVC-WTWIZEG53IZOK7F7
-A KUBE-SVC-WTWIZEG53IZOK7F7 -m comment --comment "default/web-multi:metrics cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 9100 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-WTWIZEG53IZOK7F7 -m comment --comment "default/web-multi:metrics -> 10.244.1.3:9090" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-WX36GCX6HR2E4NRS
-A KUBE-SVC-WTWIZEG53IZOK7F7 -m comment --comment "default/web-multi:metrics -> 10.244.2.2:9090" -j KUBE-SEP-KRFMOFJEDGLCANYQ
-A KUBE-SEP-WX36GCX6HR2E4NRS -m comment --comment default/web-multi:metrics -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-WX36GCX6HR2E4NRS -m comment --comment default/web-multi:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:9090
-A KUBE-SEP-KRFMOFJEDGLCANYQ -m comment --comment default/web-multi:metrics -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-KRFMOFJEDGLCANYQ -m comment --comment default/web-multi:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:9090
-A KUBE-SERVICES -m comment --comment "default/web-sticky:http cluster IP" -m tcp -p tcp -d 10.109.183.198 --dport 80 -j KUBE-SVC-ECL5JCJ5G54Z6IJU
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http cluster IP" -m tcp -p tcp -d 10.109.183.198 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.1.3:8080" -m recent --name KUBE-SEP-B4LZOKGBCKSYH36S --rcheck --seconds 600 --reap -j KUBE-SEP-B4LZOKGBCKSYH36S
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.2.2:8080" -m recent --name KUBE-SEP-5SGWJNYQGWQWB72C --rcheck --seconds 600 --reap -j KUBE-SEP-5SGWJNYQGWQWB72C
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-B4LZOKGBCKSYH36S
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.2.2:8080" -j KUBE-SEP-5SGWJNYQGWQWB72C
-A KUBE-SEP-B4LZOKGBCKSYH36S -m comment --comment default/web-sticky:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-B4LZOKGBCKSYH36S -m comment --comment default/web-sticky:http -m recent --name KUBE-SEP-B4LZOKGBCKSYH36S --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-5SGWJNYQGWQWB72C -m comment --comment default/web-sticky:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-5SGWJNYQGWQWB72C -m comment --comment default/web-sticky:http -m recent --name KUBE-SEP-5SGWJNYQGWQWB72C --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/web-udp:dns cluster IP" -m udp -p udp -d 10.108.179.110 --dport 53 -j KUBE-SVC-FWJJG4WXAVAU5LWS
-A KUBE-SVC-FWJJG4WXAVAU5LWS -m comment --comment "default/web-udp:dns cluster IP" -m udp -p udp -d 10.108.179.110 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-FWJJG4WXAVAU5LWS -m comment --comment "default/web-udp:dns -> 10.244.1.3:5353" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-EZHH3QUSRXOHTNUD
-A KUBE-SVC-FWJJG4WXAVAU5LWS -m comment --comment "default/web-udp:dns -> 10.244.2.2:5353" -j KUBE-SEP-ZZ6KOZA2A46LHVT2
-A KUBE-SEP-EZHH3QUSRXOHTNUD -m comment --comment default/web-udp:dns -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-EZHH3QUSRXOHTNUD -m comment --comment default/web-udp:dns -m udp -p udp -j DNAT --to-destination 10.244.1.3:5353
-A KUBE-SEP-ZZ6KOZA2A46LHVT2 -m comment --comment default/web-udp:dns -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZZ6KOZA2A46LHVT2 -m comment --comment default/web-udp:dns -m udp -p udp -j DNAT --to-destination 10.244.2.2:5353
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.4:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-222YD7DQOUNKFRLL
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.3:53" -j KUBE-SEP-ZHICQ2ODADGCY7DS
-A KUBE-SEP-222YD7DQOUNKFRLL -m comment --comment kube-system/kube-dns:dns -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-222YD7DQOUNKFRLL -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.1.4:53
-A KUBE-SEP-ZHICQ2ODADGCY7DS -m comment --comment kube-system/kube-dns:dns -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZHICQ2ODADGCY7DS -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.2.3:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.1.4:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-5BME6LXGYWTVD5D3
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.3:53" -j KUBE-SEP-DLP2S2N3HX5UKLVP
-A KUBE-SEP-5BME6LXGYWTVD5D3 -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-5BME6LXGYWTVD5D3 -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:53
-A KUBE-SEP-DLP2S2N3HX5UKLVP -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-DLP2S2N3HX5UKLVP -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.2.3:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.1.4:9153" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-NG3JZDJDUTWZSDOR
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.3:9153" -j KUBE-SEP-TFTZVOJFQDTMM5AB
-A KUBE-SEP-NG3JZDJDUTWZSDOR -m comment --comment kube-system/kube-dns:metrics -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-NG3JZDJDUTWZSDOR -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:9153
-A KUBE-SEP-TFTZVOJFQDTMM5AB -m comment --comment kube-system/kube-dns:metrics -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-TFTZVOJFQDTMM5AB -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.3:9153
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-pod-to-service.node-1 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-1 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-1 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-pod-to-service.node-1 iptables -t filter -I OUTPUT -j KUBE-FIREWALL
ip netns exec nl-pod-to-service.node-2 iptables-restore --noflush <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-SERVICES -m comment --comment "default/nobody-home:http has no endpoints" -m tcp -p tcp -d 10.105.179.236 --dport 80 -j REJECT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-CYJYTGKBZL4UWJ7T - [0:0]
:KUBE-SEP-XLYOSH4T6MNDWUDU - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SEP-2AZ33KU3V5PGPQZH - [0:0]
:KUBE-SEP-4EX2N4PG4ASNZOBF - [0:0]
:KUBE-SVC-23RO2I6K52YNQIND - [0:0]
:KUBE-SEP-RPDPZ4WYA3FTUPW6 - [0:0]
:KUBE-SEP-ATEOQTJOATCGLLLV - [0:0]
:KUBE-SVC-WTWIZEG53IZOK7F7 - [0:0]
:KUBE-SEP-WX36GCX6HR2E4NRS - [0:0]
:KUBE-SEP-KRFMOFJEDGLCANYQ - [0:0]
:KUBE-SVC-ECL5JCJ5G54Z6IJU - [0:0]
:KUBE-SEP-B4LZOKGBCKSYH36S - [0:0]
:KUBE-SEP-5SGWJNYQGWQWB72C - [0:0]
:KUBE-SVC-FWJJG4WXAVAU5LWS - [0:0]
:KUBE-SEP-EZHH3QUSRXOHTNUD - [0:0]
:KUBE-SEP-ZZ6KOZA2A46LHVT2 - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-222YD7DQOUNKFRLL - [0:0]
:KUBE-SEP-ZHICQ2ODADGCY7DS - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SEP-5BME6LXGYWTVD5D3 - [0:0]
:KUBE-SEP-DLP2S2N3HX5UKLVP - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SEP-NG3JZDJDUTWZSDOR - [0:0]
:KUBE-SEP-TFTZVOJFQDTMM5AB - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment "default/client-self:http cluster IP" -m tcp -p tcp -d 10.99.151.226 --dport 80 -j KUBE-SVC-CYJYTGKBZL4UWJ7T
-A KUBE-SVC-CYJYTGKBZL4UWJ7T -m comment --comment "default/client-self:http cluster IP" -m tcp -p tcp -d 10.99.151.226 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CYJYTGKBZL4UWJ7T -m comment --comment "default/client-self:http -> 10.244.1.2:8080" -j KUBE-SEP-XLYOSH4T6MNDWUDU
-A KUBE-SEP-XLYOSH4T6MNDWUDU -m comment --comment default/client-self:http -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-XLYOSH4T6MNDWUDU -m comment --comment default/client-self:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080
-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.108.209.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.108.209.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-2AZ33KU3V5PGPQZH
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.2:8080" -j KUBE-SEP-4EX2N4PG4ASNZOBF
-A KUBE-SEP-2AZ33KU3V5PGPQZH -m comment --comment default/web:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-2AZ33KU3V5PGPQZH -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-4EX2N4PG4ASNZOBF -m comment --comment default/web:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-4EX2N4PG4ASNZOBF -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/web-multi:http cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 80 -j KUBE-SVC-23RO2I6K52YNQIND
-A KUBE-SVC-23RO2I6K52YNQIND -m comment --comment "default/web-multi:http cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-23RO2I6K52YNQIND -m comment --comment "default/web-multi:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-RPDPZ4WYA3FTUPW6
-A KUBE-SVC-23RO2I6K52YNQIND -m comment --comment "default/web-multi:http -> 10.244.2.2:8080" -j KUBE-SEP-ATEOQTJOATCGLLLV
-A KUBE-SEP-RPDPZ4WYA3FTUPW6 -m comment --comment default/web-multi:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-RPDPZ4WYA3FTUPW6 -m comment --comment default/web-multi:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-ATEOQTJOATCGLLLV -m comment --comment default/web-multi:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ATEOQTJOATCGLLLV -m comment --comment default/web-multi:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/web-multi:metrics cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 9100 -j KUBE-SVC-WTWIZEG53IZOK7F7
-A KUBE-SVC-WTWIZEG53IZOK7F7 -m comment --comment "default/web-multi:metrics cluster IP" -m tcp -p tcp -d 10.110.158.206 --dport 9100 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-WTWIZEG53IZOK7F7 -m comment --comment "default/web-multi:metrics -> 10.244.1.3:9090" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-WX36GCX6HR2E4NRS
-A KUBE-SVC-WTWIZEG53IZOK7F7 -m comment --comment "default/web-multi:metrics -> 10.244.2.2:9090" -j KUBE-SEP-KRFMOFJEDGLCANYQ
-A KUBE-SEP-WX36GCX6HR2E4NRS -m comment --comment default/web-multi:metrics -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-WX36GCX6HR2E4NRS -m comment --comment default/web-multi:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:9090
-A KUBE-SEP-KRFMOFJEDGLCANYQ -m comment --comment default/web-multi:metrics -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-KRFMOFJEDGLCANYQ -m comment --comment default/web-multi:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:9090
-A KUBE-SERVICES -m comment --comment "default/web-sticky:http cluster IP" -m tcp -p tcp -d 10.109.183.198 --dport 80 -j KUBE-SVC-ECL5JCJ5G54Z6IJU
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http cluster IP" -m tcp -p tcp -d 10.109.183.198 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.1.3:8080" -m recent --name KUBE-SEP-B4LZOKGBCKSYH36S --rcheck --seconds 600 --reap -j KUBE-SEP-B4LZOKGBCKSYH36S
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.2.2:8080" -m recent --name KUBE-SEP-5SGWJNYQGWQWB72C --rcheck --seconds 600 --reap -j KUBE-SEP-5SGWJNYQGWQWB72C
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-B4LZOKGBCKSYH36S
-A KUBE-SVC-ECL5JCJ5G54Z6IJU -m comment --comment "default/web-sticky:http -> 10.244.2.2:8080" -j KUBE-SEP-5SGWJNYQGWQWB72C
-A KUBE-SEP-B4LZOKGBCKSYH36S -m comment --comment default/web-sticky:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-B4LZOKGBCKSYH36S -m comment --comment default/web-sticky:http -m recent --name KUBE-SEP-B4LZOKGBCKSYH36S --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-5SGWJNYQGWQWB72C -m comment --comment default/web-sticky:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-5SGWJNYQGWQWB72C -m comment --comment default/web-sticky:http -m recent --name KUBE-SEP-5SGWJNYQGWQWB72C --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "default/web-udp:dns cluster IP" -m udp -p udp -d 10.108.179.110 --dport 53 -j KUBE-SVC-FWJJG4WXAVAU5LWS
-A KUBE-SVC-FWJJG4WXAVAU5LWS -m comment --comment "default/web-udp:dns cluster IP" -m udp -p udp -d 10.108.179.110 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-FWJJG4WXAVAU5LWS -m comment --comment "default/web-udp:dns -> 10.244.1.3:5353" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-EZHH3QUSRXOHTNUD
-A KUBE-SVC-FWJJG4WXAVAU5LWS -m comment --comment "default/web-udp:dns -> 10.244.2.2:5353" -j KUBE-SEP-ZZ6KOZA2A46LHVT2
-A KUBE-SEP-EZHH3QUSRXOHTNUD -m comment --comment default/web-udp:dns -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-EZHH3QUSRXOHTNUD -m comment --comment default/web-udp:dns -m udp -p udp -j DNAT --to-destination 10.244.1.3:5353
-A KUBE-SEP-ZZ6KOZA2A46LHVT2 -m comment --comment default/web-udp:dns -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZZ6KOZA2A46LHVT2 -m comment --comment default/web-udp:dns -m udp -p udp -j DNAT --to-destination 10.244.2.2:5353
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.4:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-222YD7DQOUNKFRLL
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.3:53" -j KUBE-SEP-ZHICQ2ODADGCY7DS
-A KUBE-SEP-222YD7DQOUNKFRLL -m comment --comment kube-system/kube-dns:dns -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-222YD7DQOUNKFRLL -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.1.4:53
-A KUBE-SEP-ZHICQ2ODADGCY7DS -m comment --comment kube-system/kube-dns:dns -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZHICQ2ODADGCY7DS -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.2.3:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.1.4:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-5BME6LXGYWTVD5D3
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.3:53" -j KUBE-SEP-DLP2S2N3HX5UKLVP
-A KUBE-SEP-5BME6LXGYWTVD5D3 -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-5BME6LXGYWTVD5D3 -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:53
-A KUBE-SEP-DLP2S2N3HX5UKLVP -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-DLP2S2N3HX5UKLVP -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.2.3:53
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 9153 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.1.4:9153" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-NG3JZDJDUTWZSDOR
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.3:9153" -j KUBE-SEP-TFTZVOJFQDTMM5AB
-A KUBE-SEP-NG3JZDJDUTWZSDOR -m comment --comment kube-system/kube-dns:metrics -s 10.244.1.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-NG3JZDJDUTWZSDOR -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.1.4:9153
-A KUBE-SEP-TFTZVOJFQDTMM5AB -m comment --comment kube-system/kube-dns:metrics -s 10.244.2.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-TFTZVOJFQDTMM5AB -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.2.3:9153
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
ip netns exec nl-pod-to-service.node-2 iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-2 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec nl-pod-to-service.node-2 iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I INPUT -j KUBE-FIREWALL
ip netns exec nl-pod-to-service.node-2 iptables -t filter -I OUTPUT -j KUBE-FIREWALL

# --- 5. the workloads, started as netlab starts them
# Each workload runs as a container would: in its namespace, with the pod's name as hostname (a UTS
# namespace of its own), only the variables given as its environment, unprivileged, in a session
# of its own; its output goes to $RUN/NAME.log, its pid to $RUN/NAME.pid. setpriv makes a command
# nobody; the echo server binds its ports first (an internet host's port 80 is privileged), then
# becomes nobody itself. netlab's own servers are modules of netlab: $PYTHON must import netlab
# (`netlab explain` names the interpreter it runs with).
PYTHON=python3
RUN=/run/netlab-explain/pod-to-service
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

; default/client-self: ClusterIP 10.99.151.226, 1 endpoint(s)
client-self.default.svc IN A 10.99.151.226
_http._tcp.client-self.default.svc IN SRV 0 100 80 client-self.default.svc.cluster.local.
client-self.default.svc IN SRV 0 100 80 client-self.default.svc.cluster.local.
10-244-1-2.client-self.default.svc IN A 10.244.1.2

; default/nobody-home: ClusterIP 10.105.179.236, 0 endpoint(s)
nobody-home.default.svc IN A 10.105.179.236
_http._tcp.nobody-home.default.svc IN SRV 0 100 80 nobody-home.default.svc.cluster.local.
nobody-home.default.svc IN SRV 0 100 80 nobody-home.default.svc.cluster.local.

; default/web: ClusterIP 10.108.209.100, 2 endpoint(s)
web.default.svc IN A 10.108.209.100
_http._tcp.web.default.svc IN SRV 0 100 80 web.default.svc.cluster.local.
web.default.svc IN SRV 0 100 80 web.default.svc.cluster.local.
10-244-1-3.web.default.svc IN A 10.244.1.3
10-244-2-2.web.default.svc IN A 10.244.2.2

; default/web-multi: ClusterIP 10.110.158.206, 2 endpoint(s)
web-multi.default.svc IN A 10.110.158.206
_http._tcp.web-multi.default.svc IN SRV 0 100 80 web-multi.default.svc.cluster.local.
_metrics._tcp.web-multi.default.svc IN SRV 0 100 9100 web-multi.default.svc.cluster.local.
web-multi.default.svc IN SRV 0 50 80 web-multi.default.svc.cluster.local.
web-multi.default.svc IN SRV 0 50 9100 web-multi.default.svc.cluster.local.
10-244-1-3.web-multi.default.svc IN A 10.244.1.3
10-244-2-2.web-multi.default.svc IN A 10.244.2.2

; default/web-sticky: ClusterIP 10.109.183.198, 2 endpoint(s)
web-sticky.default.svc IN A 10.109.183.198
_http._tcp.web-sticky.default.svc IN SRV 0 100 80 web-sticky.default.svc.cluster.local.
web-sticky.default.svc IN SRV 0 100 80 web-sticky.default.svc.cluster.local.
10-244-1-3.web-sticky.default.svc IN A 10.244.1.3
10-244-2-2.web-sticky.default.svc IN A 10.244.2.2

; default/web-udp: ClusterIP 10.108.179.110, 2 endpoint(s)
web-udp.default.svc IN A 10.108.179.110
_dns._udp.web-udp.default.svc IN SRV 0 100 53 web-udp.default.svc.cluster.local.
web-udp.default.svc IN SRV 0 100 53 web-udp.default.svc.cluster.local.
10-244-1-3.web-udp.default.svc IN A 10.244.1.3
10-244-2-2.web-udp.default.svc IN A 10.244.2.2

; kube-system/kube-dns: ClusterIP 10.96.0.10, 2 endpoint(s)
kube-dns.kube-system.svc IN A 10.96.0.10
_dns._udp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.
_dns-tcp._tcp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.
_metrics._tcp.kube-dns.kube-system.svc IN SRV 0 100 9153 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc IN SRV 0 50 53 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc IN SRV 0 50 9153 kube-dns.kube-system.svc.cluster.local.
10-244-1-4.kube-dns.kube-system.svc IN A 10.244.1.4
10-244-2-3.kube-dns.kube-system.svc IN A 10.244.2.3

; reverse lookups of ClusterIPs and endpoints
226.151.99.10.in-addr.arpa. IN PTR client-self.default.svc.cluster.local.
2.1.244.10.in-addr.arpa. IN PTR 10-244-1-2.client-self.default.svc.cluster.local.
236.179.105.10.in-addr.arpa. IN PTR nobody-home.default.svc.cluster.local.
100.209.108.10.in-addr.arpa. IN PTR web.default.svc.cluster.local.
3.1.244.10.in-addr.arpa. IN PTR 10-244-1-3.web.default.svc.cluster.local.
2.2.244.10.in-addr.arpa. IN PTR 10-244-2-2.web.default.svc.cluster.local.
206.158.110.10.in-addr.arpa. IN PTR web-multi.default.svc.cluster.local.
3.1.244.10.in-addr.arpa. IN PTR 10-244-1-3.web-multi.default.svc.cluster.local.
2.2.244.10.in-addr.arpa. IN PTR 10-244-2-2.web-multi.default.svc.cluster.local.
198.183.109.10.in-addr.arpa. IN PTR web-sticky.default.svc.cluster.local.
3.1.244.10.in-addr.arpa. IN PTR 10-244-1-3.web-sticky.default.svc.cluster.local.
2.2.244.10.in-addr.arpa. IN PTR 10-244-2-2.web-sticky.default.svc.cluster.local.
110.179.108.10.in-addr.arpa. IN PTR web-udp.default.svc.cluster.local.
3.1.244.10.in-addr.arpa. IN PTR 10-244-1-3.web-udp.default.svc.cluster.local.
2.2.244.10.in-addr.arpa. IN PTR 10-244-2-2.web-udp.default.svc.cluster.local.
10.0.96.10.in-addr.arpa. IN PTR kube-dns.kube-system.svc.cluster.local.
4.1.244.10.in-addr.arpa. IN PTR 10-244-1-4.kube-dns.kube-system.svc.cluster.local.
3.2.244.10.in-addr.arpa. IN PTR 10-244-2-3.kube-dns.kube-system.svc.cluster.local.
EOF
start client_shell nl-pod-to-service.client client "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080
start web-0_web nl-pod-to-service.web-0 web-0 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --http-port 9090 --udp-port 5353
start web-1_web nl-pod-to-service.web-1 web-1 "$PYTHON" -m netlab.workloads.echo --user nobody --http-port 8080 --http-port 9090 --udp-port 5353
start coredns-0_coredns nl-pod-to-service.coredns-0 coredns-0 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PYTHON" -m netlab.workloads.dns --listen 0.0.0.0:53 --zone "$RUN/cluster.zone" --domain cluster.local --pods insecure --metrics 0.0.0.0:9153
start coredns-1_coredns nl-pod-to-service.coredns-1 coredns-1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PYTHON" -m netlab.workloads.dns --listen 0.0.0.0:53 --zone "$RUN/cluster.zone" --domain cluster.local --pods insecure --metrics 0.0.0.0:9153
ready client_shell web-0_web web-1_web coredns-0_coredns coredns-1_coredns
