ip netns add nl-network-policy.underlay
ip netns add nl-network-policy.gateway
ip netns add nl-network-policy.cloud-lb
ip netns add nl-network-policy.internet
ip netns add nl-network-policy.node-1
ip netns add nl-network-policy.node-2
ip netns add nl-network-policy.web-0
ip netns add nl-network-policy.web-1
ip netns add nl-network-policy.db-0
ip netns add nl-network-policy.prometheus
ip netns add nl-network-policy.visitor
ip netns add nl-network-policy.reporter
ip netns add nl-network-policy.cache
ip netns add nl-network-policy.coredns-0
ip netns add nl-network-policy.coredns-1
ip -n nl-network-policy.underlay link set lo up alias netlab:network-policy
ip -n nl-network-policy.underlay link add br0 index 2 address 02:3d:a6:f1:01:94 mtu 1500 up type bridge
ip -n nl-network-policy.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:bb:6e:4c:d9:5b mtu 1500 netns nl-network-policy.gateway
ip -n nl-network-policy.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:c9:d9:71:d7:c9 mtu 1500 netns nl-network-policy.node-1
ip -n nl-network-policy.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:d0:b9:31:a8:e9 mtu 1500 netns nl-network-policy.node-2
ip -n nl-network-policy.underlay link add cloud-lb index 3 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:30:7e:16:6e:2f mtu 1500 netns nl-network-policy.cloud-lb
ip netns exec nl-network-policy.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-network-policy.gateway link set lo up alias netlab:network-policy
ip -n nl-network-policy.gateway link set eth0 up
ip -n nl-network-policy.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-network-policy.gateway link add pub0 index 3 address 02:30:8c:88:92:5e mtu 1500 up type bridge
ip -n nl-network-policy.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-network-policy.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-network-policy.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:9c:5b:ba:32:9c mtu 1500 netns nl-network-policy.internet
ip -n nl-network-policy.gateway route add 198.51.100.200/32 via 192.168.56.2 dev eth0
ip netns exec nl-network-policy.cloud-lb sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-network-policy.cloud-lb sysctl -qw net/ipv4/fib_multipath_hash_policy=1
ip -n nl-network-policy.cloud-lb link set lo up alias netlab:network-policy
ip -n nl-network-policy.cloud-lb link set eth0 up
ip -n nl-network-policy.cloud-lb addr add 192.168.56.2/24 dev eth0
ip -n nl-network-policy.internet link set lo up alias netlab:network-policy
ip -n nl-network-policy.internet link set eth0 up
ip -n nl-network-policy.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-network-policy.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-network-policy.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-network-policy.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-network-policy.node-1 link set lo up alias netlab:network-policy
ip -n nl-network-policy.node-1 link add cni0 index 3 address 02:7b:5f:11:02:77 mtu 1500 up type bridge
ip -n nl-network-policy.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-network-policy.node-1 link set eth0 up
ip -n nl-network-policy.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-network-policy.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-network-policy.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-network-policy.node-1 link add vethad0f4c26 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:65:4c:83:aa:2b mtu 1500 netns nl-network-policy.web-0
ip -n nl-network-policy.node-1 link set vethad0f4c26 type bridge_slave hairpin on
ip -n nl-network-policy.node-1 link add veth8b774c0b index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:b3:8e:0c:30:08 mtu 1500 netns nl-network-policy.db-0
ip -n nl-network-policy.node-1 link set veth8b774c0b type bridge_slave hairpin on
ip -n nl-network-policy.node-1 link add veth4f933734 index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:88:9d:15:37:bc mtu 1500 netns nl-network-policy.cache
ip -n nl-network-policy.node-1 link set veth4f933734 type bridge_slave hairpin on
ip -n nl-network-policy.node-1 link add vethf6a97584 index 103 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:74:18:1f:aa:23 mtu 1500 netns nl-network-policy.coredns-0
ip -n nl-network-policy.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-network-policy.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-network-policy.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-network-policy.node-2 link set lo up alias netlab:network-policy
ip -n nl-network-policy.node-2 link add cni0 index 3 address 02:a7:b8:1f:41:2e mtu 1500 up type bridge
ip -n nl-network-policy.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-network-policy.node-2 link set eth0 up
ip -n nl-network-policy.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-network-policy.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-network-policy.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-network-policy.node-2 link add veth0bc001f3 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:69:fa:47:14:2b mtu 1500 netns nl-network-policy.web-1
ip -n nl-network-policy.node-2 link set veth0bc001f3 type bridge_slave hairpin on
ip -n nl-network-policy.node-2 link add vethad8b4b3b index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:48:36:f7:ca:24 mtu 1500 netns nl-network-policy.prometheus
ip -n nl-network-policy.node-2 link set vethad8b4b3b type bridge_slave hairpin on
ip -n nl-network-policy.node-2 link add veth357b5a62 index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:a9:0b:6c:ef:31 mtu 1500 netns nl-network-policy.visitor
ip -n nl-network-policy.node-2 link set veth357b5a62 type bridge_slave hairpin on
ip -n nl-network-policy.node-2 link add vethbfb60213 index 103 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:3a:26:e9:5d:a1 mtu 1500 netns nl-network-policy.reporter
ip -n nl-network-policy.node-2 link set vethbfb60213 type bridge_slave hairpin on
ip -n nl-network-policy.node-2 link add veth72b86496 index 104 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:10:03:67:9d:2d mtu 1500 netns nl-network-policy.coredns-1
ip -n nl-network-policy.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-network-policy.web-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.web-0 link set lo up alias netlab:network-policy
ip -n nl-network-policy.web-0 link set eth0 up
ip -n nl-network-policy.web-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-network-policy.web-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-network-policy.web-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.web-1 link set lo up alias netlab:network-policy
ip -n nl-network-policy.web-1 link set eth0 up
ip -n nl-network-policy.web-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-network-policy.web-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-network-policy.db-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.db-0 link set lo up alias netlab:network-policy
ip -n nl-network-policy.db-0 link set eth0 up
ip -n nl-network-policy.db-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-network-policy.db-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-network-policy.prometheus sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.prometheus link set lo up alias netlab:network-policy
ip -n nl-network-policy.prometheus link set eth0 up
ip -n nl-network-policy.prometheus addr add 10.244.2.3/24 dev eth0
ip -n nl-network-policy.prometheus route add default via 10.244.2.1 dev eth0
ip netns exec nl-network-policy.visitor sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.visitor link set lo up alias netlab:network-policy
ip -n nl-network-policy.visitor link set eth0 up
ip -n nl-network-policy.visitor addr add 10.244.2.4/24 dev eth0
ip -n nl-network-policy.visitor route add default via 10.244.2.1 dev eth0
ip netns exec nl-network-policy.reporter sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.reporter link set lo up alias netlab:network-policy
ip -n nl-network-policy.reporter link set eth0 up
ip -n nl-network-policy.reporter addr add 10.244.2.5/24 dev eth0
ip -n nl-network-policy.reporter route add default via 10.244.2.1 dev eth0
ip netns exec nl-network-policy.cache sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.cache link set lo up alias netlab:network-policy
ip -n nl-network-policy.cache link set eth0 up
ip -n nl-network-policy.cache addr add 10.244.1.4/24 dev eth0
ip -n nl-network-policy.cache route add default via 10.244.1.1 dev eth0
ip netns exec nl-network-policy.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.coredns-0 link set lo up alias netlab:network-policy
ip -n nl-network-policy.coredns-0 link set eth0 up
ip -n nl-network-policy.coredns-0 addr add 10.244.1.5/24 dev eth0
ip -n nl-network-policy.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-network-policy.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-network-policy.coredns-1 link set lo up alias netlab:network-policy
ip -n nl-network-policy.coredns-1 link set eth0 up
ip -n nl-network-policy.coredns-1 addr add 10.244.2.6/24 dev eth0
ip -n nl-network-policy.coredns-1 route add default via 10.244.2.1 dev eth0
