ip netns add nl-service-types.underlay
ip netns add nl-service-types.gateway
ip netns add nl-service-types.cloud-lb
ip netns add nl-service-types.internet
ip netns add nl-service-types.public-dns
ip netns add nl-service-types.node-1
ip netns add nl-service-types.node-2
ip netns add nl-service-types.web-0
ip netns add nl-service-types.client
ip netns add nl-service-types.coredns-0
ip netns add nl-service-types.coredns-1
ip -n nl-service-types.underlay link set lo up alias netlab:service-types
ip -n nl-service-types.underlay link add br0 index 2 address 02:b2:30:5b:06:a8 mtu 1500 up type bridge
ip -n nl-service-types.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:c8:95:a1:13:01 mtu 1500 netns nl-service-types.gateway
ip -n nl-service-types.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:05:5c:30:4e:85 mtu 1500 netns nl-service-types.node-1
ip -n nl-service-types.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:bd:cf:26:a0:20 mtu 1500 netns nl-service-types.node-2
ip -n nl-service-types.underlay link add cloud-lb index 3 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:54:2f:02:79:bc mtu 1500 netns nl-service-types.cloud-lb
ip netns exec nl-service-types.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-service-types.gateway link set lo up alias netlab:service-types
ip -n nl-service-types.gateway link set eth0 up
ip -n nl-service-types.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-service-types.gateway link add pub0 index 3 address 02:98:d1:fd:fe:9b mtu 1500 up type bridge
ip -n nl-service-types.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-service-types.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-service-types.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:fb:2e:5a:00:18 mtu 1500 netns nl-service-types.internet
ip -n nl-service-types.gateway link add public-dns index 11 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:43:e2:72:66:4c mtu 1500 netns nl-service-types.public-dns
ip -n nl-service-types.gateway route add 198.51.100.200/32 via 192.168.56.2 dev eth0
ip netns exec nl-service-types.cloud-lb sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-service-types.cloud-lb sysctl -qw net/ipv4/fib_multipath_hash_policy=1
ip -n nl-service-types.cloud-lb link set lo up alias netlab:service-types
ip -n nl-service-types.cloud-lb link set eth0 up
ip -n nl-service-types.cloud-lb addr add 192.168.56.2/24 dev eth0
ip -n nl-service-types.internet link set lo up alias netlab:service-types
ip -n nl-service-types.internet link set eth0 up
ip -n nl-service-types.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-service-types.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-service-types.public-dns sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-types.public-dns link set lo up alias netlab:service-types
ip -n nl-service-types.public-dns link set eth0 up
ip -n nl-service-types.public-dns addr add 203.0.113.53/24 dev eth0
ip -n nl-service-types.public-dns route add default via 203.0.113.1 dev eth0
ip netns exec nl-service-types.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-service-types.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-service-types.node-1 link set lo up alias netlab:service-types
ip -n nl-service-types.node-1 link add cni0 index 3 address 02:ef:4a:fc:11:33 mtu 1500 up type bridge
ip -n nl-service-types.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-service-types.node-1 link set eth0 up
ip -n nl-service-types.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-service-types.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-service-types.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-service-types.node-1 link add veth53842afe index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:66:18:be:08:8f mtu 1500 netns nl-service-types.web-0
ip -n nl-service-types.node-1 link set veth53842afe type bridge_slave hairpin on
ip -n nl-service-types.node-1 link add vethf6a97584 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:bb:81:5b:43:57 mtu 1500 netns nl-service-types.coredns-0
ip -n nl-service-types.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-service-types.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-service-types.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-service-types.node-2 link set lo up alias netlab:service-types
ip -n nl-service-types.node-2 link add cni0 index 3 address 02:65:e8:66:c7:03 mtu 1500 up type bridge
ip -n nl-service-types.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-service-types.node-2 link set eth0 up
ip -n nl-service-types.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-service-types.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-service-types.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-service-types.node-2 link add veth6844d090 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:3c:d1:39:92:99 mtu 1500 netns nl-service-types.client
ip -n nl-service-types.node-2 link set veth6844d090 type bridge_slave hairpin on
ip -n nl-service-types.node-2 link add veth72b86496 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:80:5a:3f:14:75 mtu 1500 netns nl-service-types.coredns-1
ip -n nl-service-types.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-service-types.web-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-types.web-0 link set lo up alias netlab:service-types
ip -n nl-service-types.web-0 link set eth0 up
ip -n nl-service-types.web-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-service-types.web-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-types.client sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-types.client link set lo up alias netlab:service-types
ip -n nl-service-types.client link set eth0 up
ip -n nl-service-types.client addr add 10.244.2.2/24 dev eth0
ip -n nl-service-types.client route add default via 10.244.2.1 dev eth0
ip netns exec nl-service-types.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-types.coredns-0 link set lo up alias netlab:service-types
ip -n nl-service-types.coredns-0 link set eth0 up
ip -n nl-service-types.coredns-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-service-types.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-types.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-types.coredns-1 link set lo up alias netlab:service-types
ip -n nl-service-types.coredns-1 link set eth0 up
ip -n nl-service-types.coredns-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-service-types.coredns-1 route add default via 10.244.2.1 dev eth0
