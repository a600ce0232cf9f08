ip netns add nl-container-to-container.underlay
ip netns add nl-container-to-container.gateway
ip netns add nl-container-to-container.node-1
ip netns add nl-container-to-container.app
ip netns add nl-container-to-container.other
ip -n nl-container-to-container.underlay link set lo up alias netlab:container-to-container
ip -n nl-container-to-container.underlay link add br0 index 2 address 02:45:30:a6:55:f3 mtu 1500 up type bridge
ip -n nl-container-to-container.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:1f:c0:11:f1:c3 mtu 1500 netns nl-container-to-container.gateway
ip -n nl-container-to-container.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:1b:da:7d:f9:80 mtu 1500 netns nl-container-to-container.node-1
ip netns exec nl-container-to-container.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-container-to-container.gateway link set lo up alias netlab:container-to-container
ip -n nl-container-to-container.gateway link set eth0 up
ip -n nl-container-to-container.gateway addr add 192.168.56.1/24 dev eth0
ip netns exec nl-container-to-container.node-1 sysctl -qw net/ipv4/ip_forward=1
ip -n nl-container-to-container.node-1 link set lo up alias netlab:container-to-container
ip -n nl-container-to-container.node-1 link add cni0 index 3 address 02:a9:d3:25:c3:dc mtu 1500 up type bridge
ip -n nl-container-to-container.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-container-to-container.node-1 link set eth0 up
ip -n nl-container-to-container.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-container-to-container.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-container-to-container.node-1 link add vetha1989cdf index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:38:c3:a6:06:11 mtu 1500 netns nl-container-to-container.app
ip -n nl-container-to-container.node-1 link set vetha1989cdf type bridge_slave hairpin on
ip -n nl-container-to-container.node-1 link add vethaea32742 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:9c:20:1f:c5:00 mtu 1500 netns nl-container-to-container.other
ip -n nl-container-to-container.node-1 link set vethaea32742 type bridge_slave hairpin on
ip netns exec nl-container-to-container.app sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-container-to-container.app link set lo up alias netlab:container-to-container
ip -n nl-container-to-container.app link set eth0 up
ip -n nl-container-to-container.app addr add 10.244.1.2/24 dev eth0
ip -n nl-container-to-container.app route add default via 10.244.1.1 dev eth0
ip netns exec nl-container-to-container.other sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-container-to-container.other link set lo up alias netlab:container-to-container
ip -n nl-container-to-container.other link set eth0 up
ip -n nl-container-to-container.other addr add 10.244.1.3/24 dev eth0
ip -n nl-container-to-container.other route add default via 10.244.1.1 dev eth0
