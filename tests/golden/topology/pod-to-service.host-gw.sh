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
