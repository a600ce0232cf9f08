ip netns add nl-pod-to-pod.underlay
ip netns add nl-pod-to-pod.gateway
ip netns add nl-pod-to-pod.node-1
ip netns add nl-pod-to-pod.pod-a
ip netns add nl-pod-to-pod.pod-b
ip -n nl-pod-to-pod.underlay link set lo up alias netlab:pod-to-pod
ip -n nl-pod-to-pod.underlay link add br0 index 2 address 02:48:a4:8f:8b:6e mtu 1500 up type bridge
ip -n nl-pod-to-pod.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:e4:08:52:e8:10 mtu 1500 netns nl-pod-to-pod.gateway
ip -n nl-pod-to-pod.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:8b:91:ad:31:b9 mtu 1500 netns nl-pod-to-pod.node-1
ip netns exec nl-pod-to-pod.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-pod-to-pod.gateway link set lo up alias netlab:pod-to-pod
ip -n nl-pod-to-pod.gateway link set eth0 up
ip -n nl-pod-to-pod.gateway addr add 192.168.56.1/24 dev eth0
ip netns exec nl-pod-to-pod.node-1 sysctl -qw net/ipv4/ip_forward=1
ip -n nl-pod-to-pod.node-1 link set lo up alias netlab:pod-to-pod
ip -n nl-pod-to-pod.node-1 link add cni0 index 3 address 02:3b:11:0c:26:6f mtu 1500 up type bridge
ip -n nl-pod-to-pod.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-pod-to-pod.node-1 link set eth0 up
ip -n nl-pod-to-pod.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-pod-to-pod.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-pod-to-pod.node-1 link add veth71866a09 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:77:b8:c8:58:9f mtu 1500 netns nl-pod-to-pod.pod-a
ip -n nl-pod-to-pod.node-1 link set veth71866a09 type bridge_slave hairpin on
ip -n nl-pod-to-pod.node-1 link add veth06316318 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:e6:cc:c4:84:ae mtu 1500 netns nl-pod-to-pod.pod-b
ip -n nl-pod-to-pod.node-1 link set veth06316318 type bridge_slave hairpin on
ip netns exec nl-pod-to-pod.pod-a sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-pod.pod-a link set lo up alias netlab:pod-to-pod
ip -n nl-pod-to-pod.pod-a link set eth0 up
ip -n nl-pod-to-pod.pod-a addr add 10.244.1.2/24 dev eth0
ip -n nl-pod-to-pod.pod-a route add default via 10.244.1.1 dev eth0
ip netns exec nl-pod-to-pod.pod-b sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-pod-to-pod.pod-b link set lo up alias netlab:pod-to-pod
ip -n nl-pod-to-pod.pod-b link set eth0 up
ip -n nl-pod-to-pod.pod-b addr add 10.244.1.3/24 dev eth0
ip -n nl-pod-to-pod.pod-b route add default via 10.244.1.1 dev eth0
