ip netns add nl-pod-to-pod-cross-node.underlay
ip netns add nl-pod-to-pod-cross-node.gateway
ip netns add nl-pod-to-pod-cross-node.node-1
ip netns add nl-pod-to-pod-cross-node.node-2
ip netns add nl-pod-to-pod-cross-node.pod-1
ip netns add nl-pod-to-pod-cross-node.pod-4
ip -n nl-pod-to-pod-cross-node.underlay link set lo up alias netlab:pod-to-pod-cross-node
ip -n nl-pod-to-pod-cross-node.underlay link add br0 index 2 address 02:b6:f9:43:94:73 mtu 1500 up type bridge
ip -n nl-pod-to-pod-cross-node.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:5b:d7:5a:96:c3 mtu 1500 netns nl-pod-to-pod-cross-node.gateway
ip -n nl-pod-to-pod-cross-node.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:d4:a9:cb:1c:15 mtu 1500 netns nl-pod-to-pod-cross-node.node-1
ip -n nl-pod-to-pod-cross-node.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:c3:6f:4f:22:b0 mtu 1500 netns nl-pod-to-pod-cross-node.node-2
ip netns exec nl-pod-to-pod-cross-node.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-pod-to-pod-cross-node.gateway link set lo up alias netlab:pod-to-pod-cross-node
ip -n nl-pod-to-pod-cross-node.gateway link set eth0 up
ip -n nl-pod-to-pod-cross-node.gateway addr add 192.168.56.1/24 dev eth0
ip netns exec nl-pod-to-pod-cross-node.node-1 sysctl -qw net/ipv4/ip_forward=1
ip -n nl-pod-to-pod-cross-node.node-1 link set lo up alias netlab:pod-to-pod-cross-node
ip -n nl-pod-to-pod-cross-node.node-1 link add cni0 index 3 address 02:d8:3e:0a:b9:cd mtu 1450 up type bridge
ip -n nl-pod-to-pod-cross-node.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-pod-to-pod-cross-node.node-1 link set eth0 up
ip -n nl-pod-to-pod-cross-node.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-pod-to-pod-cross-node.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-pod-to-pod-cross-node.node-1 link add flannel.1 index 4 address 02:a1:38:2e:9d:a4 mtu 1450 up type vxlan id 1 local 192.168.56.11 dev eth0 dstport 8472 nolearning
ip -n nl-pod-to-pod-cross-node.node-1 addr add 10.244.1.0/32 dev flannel.1
ip -n nl-pod-to-pod-cross-node.node-1 neigh add 10.244.2.0 lladdr 02:a3:39:3d:a6:5e dev flannel.1 nud permanent
ip netns exec nl-pod-to-pod-cross-node.node-1 bridge fdb add 02:a3:39:3d:a6:5e dev flannel.1 dst 192.168.56.12 self permanent
ip -n nl-pod-to-pod-cross-node.node-1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n nl-pod-to-pod-cross-node.node-1 link add veth4de2dee7 index 100 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:27:1d:e2:57:45 mtu 1450 netns nl-pod-to-pod-cross-node.pod-1
ip -n nl-pod-to-pod-cross-node.node-1 link set veth4de2dee7 type bridge_slave hairpin on
ip netns exec nl-pod-to-pod-cross-node.node-2 sysctl -qw net/ipv4/ip_forward=1
ip -n nl-pod-to-pod-cross-node.node-2 link set lo up alias netlab:pod-to-pod-cross-node
ip -n nl-pod-to-pod-cross-node.node-2 link add cni0 index 3 address 02:0e:c9:c0:1d:01 mtu 1450 up type bridge
ip -n nl-pod-to-pod-cross-node.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-pod-to-pod-cross-node.node-2 link set eth0 up
ip -n nl-pod-to-pod-cross-node.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-pod-to-pod-cross-node.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-pod-to-pod-cross-node.node-2 link add flannel.1 index 4 address 02:a3:39:3d:a6:5e mtu 1450 up type vxlan id 1 local 192.168.56.12 dev eth0 dstport 8472 nolearning
ip -n nl-pod-to-pod-cross-node.node-2 addr add 10.244.2.0/32 dev flannel.1
ip -n nl-pod-to-pod-cross-node.node-2 neigh add 10.244.1.0 lladdr 02:a1:38:2e:9d:a4 dev flannel.1 nud permanent
ip netns exec nl-pod-to-pod-cross-node.node-2 bridge fdb add 02:a1:38:2e:9d:a4 dev flannel.1 dst 192.168.56.11 self permanent
ip -n nl-pod-to-pod-cross-node.node-2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n nl-pod-to-pod-cross-node.node-2 link add vetha5f0f68d index 100 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:82:52:bf:c7:d6 mtu 1450 netns nl-pod-to-pod-cross-node.pod-4
ip -n nl-pod-to-pod-cross-node.node-2 link set vetha5f0f68d type bridge_slave hairpin on
ip netns exec nl-pod-to-pod-cross-node.pod-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-pod-cross-node.pod-1 link set lo up alias netlab:pod-to-pod-cross-node
ip -n nl-pod-to-pod-cross-node.pod-1 link set eth0 up
ip -n nl-pod-to-pod-cross-node.pod-1 addr add 10.244.1.2/24 dev eth0
ip -n nl-pod-to-pod-cross-node.pod-1 route add default via 10.244.1.1 dev eth0
ip netns exec nl-pod-to-pod-cross-node.pod-4 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-pod-cross-node.pod-4 link set lo up alias netlab:pod-to-pod-cross-node
ip -n nl-pod-to-pod-cross-node.pod-4 link set eth0 up
ip -n nl-pod-to-pod-cross-node.pod-4 addr add 10.244.2.2/24 dev eth0
ip -n nl-pod-to-pod-cross-node.pod-4 route add default via 10.244.2.1 dev eth0
