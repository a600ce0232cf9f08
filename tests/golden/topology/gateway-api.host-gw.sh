ip netns add nl-gateway-api.underlay
ip netns add nl-gateway-api.gateway
ip netns add nl-gateway-api.cloud-lb
ip netns add nl-gateway-api.internet
ip netns add nl-gateway-api.node-1
ip netns add nl-gateway-api.node-2
ip netns add nl-gateway-api.coffee-v1-0
ip netns add nl-gateway-api.coffee-v2-0
ip netns add nl-gateway-api.tea-0
ip netns add nl-gateway-api.headers-0
ip netns add nl-gateway-api.menu-0
ip netns add nl-gateway-api.cafe-nginx-0
ip netns add nl-gateway-api.coredns-0
ip netns add nl-gateway-api.coredns-1
ip -n nl-gateway-api.underlay link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.underlay link add br0 index 2 address 02:a3:5b:4d:60:70 mtu 1500 up type bridge
ip -n nl-gateway-api.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:f5:9e:62:ee:b6 mtu 1500 netns nl-gateway-api.gateway
ip -n nl-gateway-api.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:2c:87:9c:b1:5d mtu 1500 netns nl-gateway-api.node-1
ip -n nl-gateway-api.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:ce:cb:62:1d:2f mtu 1500 netns nl-gateway-api.node-2
ip -n nl-gateway-api.underlay link add cloud-lb index 3 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:39:64:bf:42:04 mtu 1500 netns nl-gateway-api.cloud-lb
ip netns exec nl-gateway-api.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-gateway-api.gateway link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.gateway link set eth0 up
ip -n nl-gateway-api.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-gateway-api.gateway link add pub0 index 3 address 02:63:f0:0d:28:7d mtu 1500 up type bridge
ip -n nl-gateway-api.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-gateway-api.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-gateway-api.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:30:6d:8a:e2:c8 mtu 1500 netns nl-gateway-api.internet
ip -n nl-gateway-api.gateway route add 198.51.100.200/32 via 192.168.56.2 dev eth0
ip netns exec nl-gateway-api.cloud-lb sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-gateway-api.cloud-lb sysctl -qw net/ipv4/fib_multipath_hash_policy=1
ip -n nl-gateway-api.cloud-lb link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.cloud-lb link set eth0 up
ip -n nl-gateway-api.cloud-lb addr add 192.168.56.2/24 dev eth0
ip -n nl-gateway-api.internet link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.internet link set eth0 up
ip -n nl-gateway-api.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-gateway-api.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-gateway-api.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-gateway-api.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-gateway-api.node-1 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.node-1 link add cni0 index 3 address 02:70:70:41:a0:38 mtu 1500 up type bridge
ip -n nl-gateway-api.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-gateway-api.node-1 link set eth0 up
ip -n nl-gateway-api.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-gateway-api.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-gateway-api.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-gateway-api.node-1 link add vethb043599e index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:13:e7:79:4e:38 mtu 1500 netns nl-gateway-api.coffee-v1-0
ip -n nl-gateway-api.node-1 link set vethb043599e type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth213b718a index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:e1:4d:d9:20:66 mtu 1500 netns nl-gateway-api.coffee-v2-0
ip -n nl-gateway-api.node-1 link set veth213b718a type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth959bb7f5 index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:a1:65:3a:a3:ed mtu 1500 netns nl-gateway-api.tea-0
ip -n nl-gateway-api.node-1 link set veth959bb7f5 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add vethe2a74b46 index 103 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:b1:f8:9d:05:8b mtu 1500 netns nl-gateway-api.headers-0
ip -n nl-gateway-api.node-1 link set vethe2a74b46 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth015c4579 index 104 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:6d:44:17:65:ce mtu 1500 netns nl-gateway-api.menu-0
ip -n nl-gateway-api.node-1 link set veth015c4579 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add veth95878035 index 105 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:b0:5d:49:04:37 mtu 1500 netns nl-gateway-api.cafe-nginx-0
ip -n nl-gateway-api.node-1 link set veth95878035 type bridge_slave hairpin on
ip -n nl-gateway-api.node-1 link add vethf6a97584 index 106 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:58:88:e8:8a:12 mtu 1500 netns nl-gateway-api.coredns-0
ip -n nl-gateway-api.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-gateway-api.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-gateway-api.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-gateway-api.node-2 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.node-2 link add cni0 index 3 address 02:80:83:5c:50:26 mtu 1500 up type bridge
ip -n nl-gateway-api.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-gateway-api.node-2 link set eth0 up
ip -n nl-gateway-api.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-gateway-api.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-gateway-api.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-gateway-api.node-2 link add veth72b86496 index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:49:a7:a5:f2:84 mtu 1500 netns nl-gateway-api.coredns-1
ip -n nl-gateway-api.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-gateway-api.coffee-v1-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coffee-v1-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coffee-v1-0 link set eth0 up
ip -n nl-gateway-api.coffee-v1-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-gateway-api.coffee-v1-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.coffee-v2-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coffee-v2-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coffee-v2-0 link set eth0 up
ip -n nl-gateway-api.coffee-v2-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-gateway-api.coffee-v2-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.tea-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.tea-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.tea-0 link set eth0 up
ip -n nl-gateway-api.tea-0 addr add 10.244.1.4/24 dev eth0
ip -n nl-gateway-api.tea-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.headers-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.headers-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.headers-0 link set eth0 up
ip -n nl-gateway-api.headers-0 addr add 10.244.1.5/24 dev eth0
ip -n nl-gateway-api.headers-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.menu-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.menu-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.menu-0 link set eth0 up
ip -n nl-gateway-api.menu-0 addr add 10.244.1.6/24 dev eth0
ip -n nl-gateway-api.menu-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.cafe-nginx-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.cafe-nginx-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.cafe-nginx-0 link set eth0 up
ip -n nl-gateway-api.cafe-nginx-0 addr add 10.244.1.7/24 dev eth0
ip -n nl-gateway-api.cafe-nginx-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coredns-0 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coredns-0 link set eth0 up
ip -n nl-gateway-api.coredns-0 addr add 10.244.1.8/24 dev eth0
ip -n nl-gateway-api.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-gateway-api.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-gateway-api.coredns-1 link set lo up alias netlab:gateway-api
ip -n nl-gateway-api.coredns-1 link set eth0 up
ip -n nl-gateway-api.coredns-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-gateway-api.coredns-1 route add default via 10.244.2.1 dev eth0
