ip netns add nl-ingress-metallb.underlay
ip netns add nl-ingress-metallb.gateway
ip netns add nl-ingress-metallb.internet
ip netns add nl-ingress-metallb.node-1
ip netns add nl-ingress-metallb.node-2
ip netns add nl-ingress-metallb.node-3
ip netns add nl-ingress-metallb.web-0
ip netns add nl-ingress-metallb.web-1
ip netns add nl-ingress-metallb.coredns-0
ip netns add nl-ingress-metallb.coredns-1
ip -n nl-ingress-metallb.underlay link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.underlay link add br0 index 2 address 02:d9:10:bf:fd:3b mtu 1500 up type bridge
ip -n nl-ingress-metallb.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:97:2d:0c:12:81 mtu 1500 netns nl-ingress-metallb.gateway
ip -n nl-ingress-metallb.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:6e:f8:2f:d2:83 mtu 1500 netns nl-ingress-metallb.node-1
ip -n nl-ingress-metallb.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:4c:a0:79:10:db mtu 1500 netns nl-ingress-metallb.node-2
ip -n nl-ingress-metallb.underlay link add node-3 index 13 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:d1:a0:e9:23:53 mtu 1500 netns nl-ingress-metallb.node-3
ip netns exec nl-ingress-metallb.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-ingress-metallb.gateway link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.gateway link set eth0 up
ip -n nl-ingress-metallb.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-ingress-metallb.gateway link add pub0 index 3 address 02:40:aa:e1:b1:70 mtu 1500 up type bridge
ip -n nl-ingress-metallb.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-ingress-metallb.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-ingress-metallb.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:15:18:42:f9:95 mtu 1500 netns nl-ingress-metallb.internet
ip -n nl-ingress-metallb.gateway route add 198.51.100.200/32 dev eth0
ip -n nl-ingress-metallb.gateway route add 198.51.100.201/32 dev eth0
ip -n nl-ingress-metallb.internet link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.internet link set eth0 up
ip -n nl-ingress-metallb.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-ingress-metallb.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-ingress-metallb.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-metallb.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-metallb.node-1 link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.node-1 link add cni0 index 3 address 02:5d:f6:7e:f7:27 mtu 1500 up type bridge
ip -n nl-ingress-metallb.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-ingress-metallb.node-1 link set eth0 up
ip -n nl-ingress-metallb.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-ingress-metallb.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-metallb.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-ingress-metallb.node-1 route add 10.244.3.0/24 via 192.168.56.13 dev eth0
ip -n nl-ingress-metallb.node-1 link add veth53842afe index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:32:a4:36:43:bd mtu 1500 netns nl-ingress-metallb.web-0
ip -n nl-ingress-metallb.node-1 link set veth53842afe type bridge_slave hairpin on
ip -n nl-ingress-metallb.node-1 link add vethf6a97584 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:29:e0:71:5d:bb mtu 1500 netns nl-ingress-metallb.coredns-0
ip -n nl-ingress-metallb.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-ingress-metallb.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-metallb.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-metallb.node-2 link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.node-2 link add cni0 index 3 address 02:cd:0c:be:30:62 mtu 1500 up type bridge
ip -n nl-ingress-metallb.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-ingress-metallb.node-2 link set eth0 up
ip -n nl-ingress-metallb.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-ingress-metallb.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-metallb.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-ingress-metallb.node-2 route add 10.244.3.0/24 via 192.168.56.13 dev eth0
ip -n nl-ingress-metallb.node-2 link add veth96603d4d index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:68:47:c0:ed:ab mtu 1500 netns nl-ingress-metallb.web-1
ip -n nl-ingress-metallb.node-2 link set veth96603d4d type bridge_slave hairpin on
ip -n nl-ingress-metallb.node-2 link add veth72b86496 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:49:21:8b:5e:07 mtu 1500 netns nl-ingress-metallb.coredns-1
ip -n nl-ingress-metallb.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-ingress-metallb.node-3 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-metallb.node-3 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-metallb.node-3 link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.node-3 link add cni0 index 3 address 02:fa:27:6d:d7:2b mtu 1500 up type bridge
ip -n nl-ingress-metallb.node-3 addr add 10.244.3.1/24 dev cni0
ip -n nl-ingress-metallb.node-3 link set eth0 up
ip -n nl-ingress-metallb.node-3 addr add 192.168.56.13/24 dev eth0
ip -n nl-ingress-metallb.node-3 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-metallb.node-3 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-ingress-metallb.node-3 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip netns exec nl-ingress-metallb.web-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-metallb.web-0 link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.web-0 link set eth0 up
ip -n nl-ingress-metallb.web-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-ingress-metallb.web-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-metallb.web-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-metallb.web-1 link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.web-1 link set eth0 up
ip -n nl-ingress-metallb.web-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-ingress-metallb.web-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-ingress-metallb.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-metallb.coredns-0 link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.coredns-0 link set eth0 up
ip -n nl-ingress-metallb.coredns-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-ingress-metallb.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-metallb.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-metallb.coredns-1 link set lo up alias netlab:ingress-metallb
ip -n nl-ingress-metallb.coredns-1 link set eth0 up
ip -n nl-ingress-metallb.coredns-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-ingress-metallb.coredns-1 route add default via 10.244.2.1 dev eth0
