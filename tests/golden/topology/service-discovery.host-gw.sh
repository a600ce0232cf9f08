ip netns add nl-service-discovery.underlay
ip netns add nl-service-discovery.gateway
ip netns add nl-service-discovery.internet
ip netns add nl-service-discovery.public-dns
ip netns add nl-service-discovery.node-1
ip netns add nl-service-discovery.node-2
ip netns add nl-service-discovery.early
ip netns add nl-service-discovery.web-0
ip netns add nl-service-discovery.web-1
ip netns add nl-service-discovery.late
ip netns add nl-service-discovery.private
ip netns add nl-service-discovery.api-0
ip netns add nl-service-discovery.db-0
ip netns add nl-service-discovery.db-1
ip netns add nl-service-discovery.shopper
ip netns add nl-service-discovery.coredns-0
ip netns add nl-service-discovery.coredns-1
ip -n nl-service-discovery.underlay link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.underlay link add br0 index 2 address 02:22:8b:c8:e0:30 mtu 1500 up type bridge
ip -n nl-service-discovery.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:c0:1b:e4:0a:70 mtu 1500 netns nl-service-discovery.gateway
ip -n nl-service-discovery.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:dd:39:35:38:6a mtu 1500 netns nl-service-discovery.node-1
ip -n nl-service-discovery.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:3c:67:4c:18:02 mtu 1500 netns nl-service-discovery.node-2
ip netns exec nl-service-discovery.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-service-discovery.gateway link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.gateway link set eth0 up
ip -n nl-service-discovery.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-service-discovery.gateway link add pub0 index 3 address 02:ae:a4:a9:9a:85 mtu 1500 up type bridge
ip -n nl-service-discovery.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-service-discovery.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-service-discovery.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:78:92:bb:ec:9e mtu 1500 netns nl-service-discovery.internet
ip -n nl-service-discovery.gateway link add public-dns index 11 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:0b:82:b0:28:f0 mtu 1500 netns nl-service-discovery.public-dns
ip -n nl-service-discovery.internet link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.internet link set eth0 up
ip -n nl-service-discovery.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-service-discovery.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-service-discovery.public-dns sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.public-dns link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.public-dns link set eth0 up
ip -n nl-service-discovery.public-dns addr add 203.0.113.53/24 dev eth0
ip -n nl-service-discovery.public-dns route add default via 203.0.113.1 dev eth0
ip netns exec nl-service-discovery.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-service-discovery.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-service-discovery.node-1 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.node-1 link add cni0 index 3 address 02:72:61:9e:c5:0e mtu 1500 up type bridge
ip -n nl-service-discovery.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-service-discovery.node-1 link set eth0 up
ip -n nl-service-discovery.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-service-discovery.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-service-discovery.node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth0
ip -n nl-service-discovery.node-1 link add vethf2582c1f index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:67:00:c0:3d:ae mtu 1500 netns nl-service-discovery.early
ip -n nl-service-discovery.node-1 link set vethf2582c1f type bridge_slave hairpin on
ip -n nl-service-discovery.node-1 link add veth53842afe index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:68:2e:a5:da:c6 mtu 1500 netns nl-service-discovery.web-0
ip -n nl-service-discovery.node-1 link set veth53842afe type bridge_slave hairpin on
ip -n nl-service-discovery.node-1 link add veth3db029cc index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:c5:38:c3:3c:dd mtu 1500 netns nl-service-discovery.late
ip -n nl-service-discovery.node-1 link set veth3db029cc type bridge_slave hairpin on
ip -n nl-service-discovery.node-1 link add veth637c3994 index 103 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:18:ef:d1:23:c6 mtu 1500 netns nl-service-discovery.private
ip -n nl-service-discovery.node-1 link set veth637c3994 type bridge_slave hairpin on
ip -n nl-service-discovery.node-1 link add veth706fdd25 index 104 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:d0:bf:b3:3f:6e mtu 1500 netns nl-service-discovery.api-0
ip -n nl-service-discovery.node-1 link set veth706fdd25 type bridge_slave hairpin on
ip -n nl-service-discovery.node-1 link add veth8b774c0b index 105 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:cf:27:d2:26:80 mtu 1500 netns nl-service-discovery.db-0
ip -n nl-service-discovery.node-1 link set veth8b774c0b type bridge_slave hairpin on
ip -n nl-service-discovery.node-1 link add vethea0bc916 index 106 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:8c:75:01:1f:73 mtu 1500 netns nl-service-discovery.shopper
ip -n nl-service-discovery.node-1 link set vethea0bc916 type bridge_slave hairpin on
ip -n nl-service-discovery.node-1 link add vethf6a97584 index 107 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:4b:ae:4f:ba:43 mtu 1500 netns nl-service-discovery.coredns-0
ip -n nl-service-discovery.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-service-discovery.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-service-discovery.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-service-discovery.node-2 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.node-2 link add cni0 index 3 address 02:8d:c8:ae:1b:5e mtu 1500 up type bridge
ip -n nl-service-discovery.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-service-discovery.node-2 link set eth0 up
ip -n nl-service-discovery.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-service-discovery.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-service-discovery.node-2 route add 10.244.1.0/24 via 192.168.56.11 dev eth0
ip -n nl-service-discovery.node-2 link add veth96603d4d index 100 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:76:a4:10:85:64 mtu 1500 netns nl-service-discovery.web-1
ip -n nl-service-discovery.node-2 link set veth96603d4d type bridge_slave hairpin on
ip -n nl-service-discovery.node-2 link add veth584d7518 index 101 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:4a:59:72:a6:62 mtu 1500 netns nl-service-discovery.db-1
ip -n nl-service-discovery.node-2 link set veth584d7518 type bridge_slave hairpin on
ip -n nl-service-discovery.node-2 link add veth72b86496 index 102 mtu 1500 master cni0 up type veth peer name eth0 index 2 address 02:8b:fe:39:46:72 mtu 1500 netns nl-service-discovery.coredns-1
ip -n nl-service-discovery.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-service-discovery.early sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.early link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.early link set eth0 up
ip -n nl-service-discovery.early addr add 10.244.1.2/24 dev eth0
ip -n nl-service-discovery.early route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.web-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.web-0 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.web-0 link set eth0 up
ip -n nl-service-discovery.web-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-service-discovery.web-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.web-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.web-1 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.web-1 link set eth0 up
ip -n nl-service-discovery.web-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-service-discovery.web-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-service-discovery.late sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.late link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.late link set eth0 up
ip -n nl-service-discovery.late addr add 10.244.1.4/24 dev eth0
ip -n nl-service-discovery.late route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.private sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.private link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.private link set eth0 up
ip -n nl-service-discovery.private addr add 10.244.1.5/24 dev eth0
ip -n nl-service-discovery.private route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.api-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.api-0 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.api-0 link set eth0 up
ip -n nl-service-discovery.api-0 addr add 10.244.1.6/24 dev eth0
ip -n nl-service-discovery.api-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.db-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.db-0 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.db-0 link set eth0 up
ip -n nl-service-discovery.db-0 addr add 10.244.1.7/24 dev eth0
ip -n nl-service-discovery.db-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.db-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.db-1 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.db-1 link set eth0 up
ip -n nl-service-discovery.db-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-service-discovery.db-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-service-discovery.shopper sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.shopper link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.shopper link set eth0 up
ip -n nl-service-discovery.shopper addr add 10.244.1.8/24 dev eth0
ip -n nl-service-discovery.shopper route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.coredns-0 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.coredns-0 link set eth0 up
ip -n nl-service-discovery.coredns-0 addr add 10.244.1.9/24 dev eth0
ip -n nl-service-discovery.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-service-discovery.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-service-discovery.coredns-1 link set lo up alias netlab:service-discovery
ip -n nl-service-discovery.coredns-1 link set eth0 up
ip -n nl-service-discovery.coredns-1 addr add 10.244.2.4/24 dev eth0
ip -n nl-service-discovery.coredns-1 route add default via 10.244.2.1 dev eth0
