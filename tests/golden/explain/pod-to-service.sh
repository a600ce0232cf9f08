#!/bin/sh
# lab pod-to-service (Pod to Service (kube-proxy's ClusterIP, for real)): pod network host-gw, kube-proxy iptables
# The commands that build it by hand, in the order `netlab up` builds it; run as root where
# the lab is not up. To take it down again:
#   for ns in $(ip netns list | grep -o '^nl-pod-to-service\.[^ ]*'); do ip netns del "$ns"; done
#   rm -rf /etc/netns/nl-pod-to-service.*
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

# --- 5. the workloads (netlab runs these itself; by hand, start your own servers)
# client/shell: netlab's echo server (like agnhost netexec) on 8080/TCP
# web-0/web: netlab's echo server (like agnhost netexec) on 8080/TCP, 9090/TCP, 5353/UDP
# web-1/web: netlab's echo server (like agnhost netexec) on 8080/TCP, 9090/TCP, 5353/UDP
# coredns-0/coredns: CoreDNS: netlab's DNS server on 53/UDP+TCP, from /run/netlab/pod-to-service/dns/cluster.zone
# coredns-1/coredns: CoreDNS: netlab's DNS server on 53/UDP+TCP, from /run/netlab/pod-to-service/dns/cluster.zone
