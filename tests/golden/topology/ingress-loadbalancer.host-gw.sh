ip netns add nl-ingress-loadbalancer.underlay
ip netns add nl-ingress-loadbalancer.gateway
ip netns add nl-ingress-loadbalancer.cloud-lb
ip netns add nl-ingress-loadbalancer.internet
ip netns add nl-ingress-loadbalancer.node-1
ip netns add nl-ingress-loadbalancer.node-2
ip netns add nl-ingress-loadbalancer.node-3
ip netns add nl-ingress-loadbalancer.web-0
ip netns add nl-ingress-loadbalancer.web-1
ip netns add nl-ingress-loadbalancer.coredns-0
ip netns add nl-ingress-loadbalancer.coredns-1
ip -n nl-ingress-loadbalancer.underlay link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.underlay link add br0 index 2 address 02:99:ce:6c:bb:f9 mtu 1500 up type bridge
ip -n nl-ingress-loadbalancer.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:f3:6a:ce:b5:38 mtu 1500 netns nl-ingress-loadbalancer.gateway
ip -n nl-ingress-loadbalancer.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:90:1d:5b:76:8e mtu 1500 netns nl-ingress-loadbalancer.node-1
ip -n nl-ingress-loadbalancer.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:68:5a:8b:d4:66 mtu 1500 netns nl-ingress-loadbalancer.node-2
ip -n nl-ingress-loadbalancer.underlay link add node-3 index 13 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:c7:71:35:af:61 mtu 1500 netns nl-ingress-loadbalancer.node-3
ip -n nl-ingress-loadbalancer.underlay link add cloud-lb index 3 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:7a:65:47:6a:5a mtu 1500 netns nl-ingress-loadbalancer.cloud-lb
ip netns exec nl-ingress-loadbalancer.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-ingress-loadbalancer.gateway link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.gateway link set eth0 up
ip -n nl-ingress-loadbalancer.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-ingress-loadbalancer.gateway link add pub0 index 3 address 02:4b:64:df:9b:74 mtu 1500 up type bridge
ip -n nl-ingress-loadbalancer.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-ingress-loadbalancer.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-ingress-loadbalancer.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:0a:61:29:19:ee mtu 1500 netns nl-ingress-loadbalancer.internet
ip -n nl-ingress-loadbalancer.gateway route add 198.51.100.200/32 via 192.168.56.2 dev eth0
ip -n nl-ingress-loadbalancer.gateway route add 198.51.100.201/32 via 192.168.56.2 dev eth0
ip netns exec nl-ingress-loadbalancer.cloud-lb sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-loadbalancer.cloud-lb sysctl -qw net/ipv4/fib_multipath_hash_policy=1
ip -n nl-ingress-loadbalancer.cloud-lb link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.cloud-lb link set eth0 up
ip -n nl-ingress-loadbalancer.cloud-lb addr add 192.168.56.2/24 dev eth0
ip -n nl-ingress-loadbalancer.internet link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.internet link set eth0 up
ip -n nl-ingress-loadbalancer.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-ingress-loadbalancer.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-ingress-loadbalancer.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-loadbalancer.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-loadbalancer.node-1 link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.node-1 link add cni0 index 3 address 02:a9:c6:62:4b:10 mtu 1500 up type bridge
ip -n nl-ingress-loadbalancer.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-ingress-loadbalancer.node-1 link set eth0 up
ip -n nl-ingress-loadbalancer.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-ingress-loadbalancer.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-loadbalancer.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-ingress-loadbalancer.node-1 route add 10.244.3.0/24 via 192.168.56.13 dev eth0
ip -n nl-ingress-loadbalancer.node-1 link add veth53842afe index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:a2:5c:22:bd:b9 mtu 1500 netns nl-ingress-loadbalancer.web-0
ip -n nl-ingress-loadbalancer.node-1 link set veth53842afe type bridge_slave hairpin on
ip -n nl-ingress-loadbalancer.node-1 link add vethf6a97584 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:65:d1:2d:ab:9a mtu 1500 netns nl-ingress-loadbalancer.coredns-0
ip -n nl-ingress-loadbalancer.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-ingress-loadbalancer.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-loadbalancer.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-loadbalancer.node-2 link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.node-2 link add cni0 index 3 address 02:e7:aa:bd:d0:1c mtu 1500 up type bridge
ip -n nl-ingress-loadbalancer.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-ingress-loadbalancer.node-2 link set eth0 up
ip -n nl-ingress-loadbalancer.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-ingress-loadbalancer.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-loadbalancer.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-ingress-loadbalancer.node-2 route add 10.244.3.0/24 via 192.168.56.13 dev eth0
ip -n nl-ingress-loadbalancer.node-2 link add veth96603d4d index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:f9:44:e7:8a:c9 mtu 1500 netns nl-ingress-loadbalancer.web-1
ip -n nl-ingress-loadbalancer.node-2 link set veth96603d4d type bridge_slave hairpin on
ip -n nl-ingress-loadbalancer.node-2 link add veth72b86496 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:a4:63:9f:79:17 mtu 1500 netns nl-ingress-loadbalancer.coredns-1
ip -n nl-ingress-loadbalancer.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-ingress-loadbalancer.node-3 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-loadbalancer.node-3 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-loadbalancer.node-3 link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.node-3 link add cni0 index 3 address 02:ba:c7:60:a7:28 mtu 1500 up type bridge
ip -n nl-ingress-loadbalancer.node-3 addr add 10.244.3.1/24 dev cni0
ip -n nl-ingress-loadbalancer.node-3 link set eth0 up
ip -n nl-ingress-loadbalancer.node-3 addr add 192.168.56.13/24 dev eth0
ip -n nl-ingress-loadbalancer.node-3 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-loadbalancer.node-3 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-ingress-loadbalancer.node-3 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip netns exec nl-ingress-loadbalancer.web-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-loadbalancer.web-0 link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.web-0 link set eth0 up
ip -n nl-ingress-loadbalancer.web-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-ingress-loadbalancer.web-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-loadbalancer.web-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-loadbalancer.web-1 link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.web-1 link set eth0 up
ip -n nl-ingress-loadbalancer.web-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-ingress-loadbalancer.web-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-ingress-loadbalancer.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-loadbalancer.coredns-0 link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.coredns-0 link set eth0 up
ip -n nl-ingress-loadbalancer.coredns-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-ingress-loadbalancer.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-loadbalancer.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-loadbalancer.coredns-1 link set lo up alias netlab:ingress-loadbalancer
ip -n nl-ingress-loadbalancer.coredns-1 link set eth0 up
ip -n nl-ingress-loadbalancer.coredns-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-ingress-loadbalancer.coredns-1 route add default via 10.244.2.1 dev eth0
