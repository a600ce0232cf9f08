ip netns add nl-egress.underlay
ip netns add nl-egress.gateway
ip netns add nl-egress.internet
ip netns add nl-egress.node-1
ip netns add nl-egress.node-2
ip netns add nl-egress.client-1
ip netns add nl-egress.client-2
ip netns add nl-egress.coredns-0
ip netns add nl-egress.coredns-1
ip -n nl-egress.underlay link set lo up alias netlab:egress
ip -n nl-egress.underlay link add br0 index 2 address 02:60:7d:c9:5c:64 mtu 1500 up type bridge
ip -n nl-egress.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:59:d6:52:c1:c0 mtu 1500 netns nl-egress.gateway
ip -n nl-egress.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:c2:64:09:a6:92 mtu 1500 netns nl-egress.node-1
ip -n nl-egress.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:27:6a:d2:10:62 mtu 1500 netns nl-egress.node-2
ip netns exec nl-egress.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-egress.gateway link set lo up alias netlab:egress
ip -n nl-egress.gateway link set eth0 up
ip -n nl-egress.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-egress.gateway link add pub0 index 3 address 02:4f:fe:47:ba:e6 mtu 1500 up type bridge
ip -n nl-egress.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-egress.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-egress.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:7b:39:cd:1d:4d mtu 1500 netns nl-egress.internet
ip -n nl-egress.internet link set lo up alias netlab:egress
ip -n nl-egress.internet link set eth0 up
ip -n nl-egress.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-egress.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-egress.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-egress.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-egress.node-1 link set lo up alias netlab:egress
ip -n nl-egress.node-1 link add cni0 index 3 address 02:4d:81:c1:8d:24 mtu 1500 up type bridge
ip -n nl-egress.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-egress.node-1 link set eth0 up
ip -n nl-egress.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-egress.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-egress.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-egress.node-1 link add veth6f9fcf65 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:54:93:d7:2f:42 mtu 1500 netns nl-egress.client-1
ip -n nl-egress.node-1 link set veth6f9fcf65 type bridge_slave hairpin on
ip -n nl-egress.node-1 link add vethf6a97584 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:32:5c:5e:e7:72 mtu 1500 netns nl-egress.coredns-0
ip -n nl-egress.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-egress.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-egress.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-egress.node-2 link set lo up alias netlab:egress
ip -n nl-egress.node-2 link add cni0 index 3 address 02:6a:2a:40:ab:31 mtu 1500 up type bridge
ip -n nl-egress.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-egress.node-2 link set eth0 up
ip -n nl-egress.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-egress.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-egress.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-egress.node-2 link add veth1c994fca index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:4e:8b:e7:e5:05 mtu 1500 netns nl-egress.client-2
ip -n nl-egress.node-2 link set veth1c994fca type bridge_slave hairpin on
ip -n nl-egress.node-2 link add veth72b86496 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:43:a5:1f:e1:87 mtu 1500 netns nl-egress.coredns-1
ip -n nl-egress.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-egress.client-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-egress.client-1 link set lo up alias netlab:egress
ip -n nl-egress.client-1 link set eth0 up
ip -n nl-egress.client-1 addr add 10.244.1.2/24 dev eth0
ip -n nl-egress.client-1 route add default via 10.244.1.1 dev eth0
ip netns exec nl-egress.client-2 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-egress.client-2 link set lo up alias netlab:egress
ip -n nl-egress.client-2 link set eth0 up
ip -n nl-egress.client-2 addr add 10.244.2.2/24 dev eth0
ip -n nl-egress.client-2 route add default via 10.244.2.1 dev eth0
ip netns exec nl-egress.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-egress.coredns-0 link set lo up alias netlab:egress
ip -n nl-egress.coredns-0 link set eth0 up
ip -n nl-egress.coredns-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-egress.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-egress.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-egress.coredns-1 link set lo up alias netlab:egress
ip -n nl-egress.coredns-1 link set eth0 up
ip -n nl-egress.coredns-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-egress.coredns-1 route add default via 10.244.2.1 dev eth0
