ip netns add nl-ingress-http.underlay
ip netns add nl-ingress-http.gateway
ip netns add nl-ingress-http.cloud-lb
ip netns add nl-ingress-http.internet
ip netns add nl-ingress-http.node-1
ip netns add nl-ingress-http.node-2
ip netns add nl-ingress-http.ingress-nginx-controller-0
ip netns add nl-ingress-http.app-a-0
ip netns add nl-ingress-http.app-a-1
ip netns add nl-ingress-http.app-b-0
ip netns add nl-ingress-http.app-b-1
ip netns add nl-ingress-http.default-backend-0
ip netns add nl-ingress-http.coredns-0
ip netns add nl-ingress-http.coredns-1
ip -n nl-ingress-http.underlay link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.underlay link add br0 index 2 address 02:25:fa:aa:16:58 mtu 1500 up type bridge
ip -n nl-ingress-http.underlay link add gateway index 10 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:e0:8e:ea:35:50 mtu 1500 netns nl-ingress-http.gateway
ip -n nl-ingress-http.underlay link add node-1 index 11 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:4c:44:c0:de:23 mtu 1500 netns nl-ingress-http.node-1
ip -n nl-ingress-http.underlay link add node-2 index 12 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:10:bb:01:0e:14 mtu 1500 netns nl-ingress-http.node-2
ip -n nl-ingress-http.underlay link add cloud-lb index 3 mtu 1500 master br0 up type veth peer name eth0 index 2 address 02:70:5d:97:d9:f2 mtu 1500 netns nl-ingress-http.cloud-lb
ip netns exec nl-ingress-http.gateway sysctl -qw net/ipv4/ip_forward=1
ip -n nl-ingress-http.gateway link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.gateway link set eth0 up
ip -n nl-ingress-http.gateway addr add 192.168.56.1/24 dev eth0
ip -n nl-ingress-http.gateway link add pub0 index 3 address 02:21:ac:87:c7:0b mtu 1500 up type bridge
ip -n nl-ingress-http.gateway addr add 198.51.100.1/24 dev pub0
ip -n nl-ingress-http.gateway addr add 203.0.113.1/24 dev pub0
ip -n nl-ingress-http.gateway link add internet index 10 mtu 1500 master pub0 up type veth peer name eth0 index 2 address 02:65:72:ee:a8:11 mtu 1500 netns nl-ingress-http.internet
ip -n nl-ingress-http.gateway route add 198.51.100.200/32 via 192.168.56.2 dev eth0
ip netns exec nl-ingress-http.cloud-lb sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-http.cloud-lb sysctl -qw net/ipv4/fib_multipath_hash_policy=1
ip -n nl-ingress-http.cloud-lb link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.cloud-lb link set eth0 up
ip -n nl-ingress-http.cloud-lb addr add 192.168.56.2/24 dev eth0
ip -n nl-ingress-http.internet link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.internet link set eth0 up
ip -n nl-ingress-http.internet addr add 203.0.113.10/24 dev eth0
ip -n nl-ingress-http.internet route add default via 203.0.113.1 dev eth0
ip netns exec nl-ingress-http.node-1 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-http.node-1 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-http.node-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.node-1 link add cni0 index 3 address 02:20:75:63:f7:f2 mtu 1450 up type bridge
ip -n nl-ingress-http.node-1 addr add 10.244.1.1/24 dev cni0
ip -n nl-ingress-http.node-1 link set eth0 up
ip -n nl-ingress-http.node-1 addr add 192.168.56.11/24 dev eth0
ip -n nl-ingress-http.node-1 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-http.node-1 link add flannel.1 index 4 address 02:65:90:13:9e:4c mtu 1450 up type vxlan id 1 local 192.168.56.11 dev eth0 dstport 8472 nolearning
ip -n nl-ingress-http.node-1 addr add 10.244.1.0/32 dev flannel.1
ip -n nl-ingress-http.node-1 neigh add 10.244.2.0 lladdr 02:15:8e:cb:ed:4e dev flannel.1 nud permanent
ip netns exec nl-ingress-http.node-1 bridge fdb add 02:15:8e:cb:ed:4e dev flannel.1 dst 192.168.56.12 self permanent
ip -n nl-ingress-http.node-1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n nl-ingress-http.node-1 link add veth96ec5773 index 100 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:21:42:76:06:de mtu 1450 netns nl-ingress-http.ingress-nginx-controller-0
ip -n nl-ingress-http.node-1 link set veth96ec5773 type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add veth316bf609 index 101 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:c9:cf:f5:0b:4e mtu 1450 netns nl-ingress-http.app-a-0
ip -n nl-ingress-http.node-1 link set veth316bf609 type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add veth9395091b index 102 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:76:42:4a:c0:af mtu 1450 netns nl-ingress-http.app-b-0
ip -n nl-ingress-http.node-1 link set veth9395091b type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add veth6ba6fb67 index 103 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:a9:13:3d:42:9c mtu 1450 netns nl-ingress-http.default-backend-0
ip -n nl-ingress-http.node-1 link set veth6ba6fb67 type bridge_slave hairpin on
ip -n nl-ingress-http.node-1 link add vethf6a97584 index 104 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:0e:31:20:99:53 mtu 1450 netns nl-ingress-http.coredns-0
ip -n nl-ingress-http.node-1 link set vethf6a97584 type bridge_slave hairpin on
ip netns exec nl-ingress-http.node-2 sysctl -qw net/ipv4/ip_forward=1
ip netns exec nl-ingress-http.node-2 sysctl -qw net/bridge/bridge-nf-call-iptables=1
ip -n nl-ingress-http.node-2 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.node-2 link add cni0 index 3 address 02:c0:57:88:3d:2f mtu 1450 up type bridge
ip -n nl-ingress-http.node-2 addr add 10.244.2.1/24 dev cni0
ip -n nl-ingress-http.node-2 link set eth0 up
ip -n nl-ingress-http.node-2 addr add 192.168.56.12/24 dev eth0
ip -n nl-ingress-http.node-2 route add default via 192.168.56.1 dev eth0
ip -n nl-ingress-http.node-2 link add flannel.1 index 4 address 02:15:8e:cb:ed:4e mtu 1450 up type vxlan id 1 local 192.168.56.12 dev eth0 dstport 8472 nolearning
ip -n nl-ingress-http.node-2 addr add 10.244.2.0/32 dev flannel.1
ip -n nl-ingress-http.node-2 neigh add 10.244.1.0 lladdr 02:65:90:13:9e:4c dev flannel.1 nud permanent
ip netns exec nl-ingress-http.node-2 bridge fdb add 02:65:90:13:9e:4c dev flannel.1 dst 192.168.56.11 self permanent
ip -n nl-ingress-http.node-2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n nl-ingress-http.node-2 link add vethd378771b index 100 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:e4:04:da:fd:0d mtu 1450 netns nl-ingress-http.app-a-1
ip -n nl-ingress-http.node-2 link set vethd378771b type bridge_slave hairpin on
ip -n nl-ingress-http.node-2 link add veth0eb57776 index 101 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:97:5d:ae:de:8c mtu 1450 netns nl-ingress-http.app-b-1
ip -n nl-ingress-http.node-2 link set veth0eb57776 type bridge_slave hairpin on
ip -n nl-ingress-http.node-2 link add veth72b86496 index 102 mtu 1450 master cni0 up type veth peer name eth0 index 2 address 02:49:e5:b7:ed:62 mtu 1450 netns nl-ingress-http.coredns-1
ip -n nl-ingress-http.node-2 link set veth72b86496 type bridge_slave hairpin on
ip netns exec nl-ingress-http.ingress-nginx-controller-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.ingress-nginx-controller-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.ingress-nginx-controller-0 link set eth0 up
ip -n nl-ingress-http.ingress-nginx-controller-0 addr add 10.244.1.2/24 dev eth0
ip -n nl-ingress-http.ingress-nginx-controller-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.app-a-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-a-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-a-0 link set eth0 up
ip -n nl-ingress-http.app-a-0 addr add 10.244.1.3/24 dev eth0
ip -n nl-ingress-http.app-a-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.app-a-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-a-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-a-1 link set eth0 up
ip -n nl-ingress-http.app-a-1 addr add 10.244.2.2/24 dev eth0
ip -n nl-ingress-http.app-a-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-ingress-http.app-b-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-b-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-b-0 link set eth0 up
ip -n nl-ingress-http.app-b-0 addr add 10.244.1.4/24 dev eth0
ip -n nl-ingress-http.app-b-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.app-b-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.app-b-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.app-b-1 link set eth0 up
ip -n nl-ingress-http.app-b-1 addr add 10.244.2.3/24 dev eth0
ip -n nl-ingress-http.app-b-1 route add default via 10.244.2.1 dev eth0
ip netns exec nl-ingress-http.default-backend-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.default-backend-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.default-backend-0 link set eth0 up
ip -n nl-ingress-http.default-backend-0 addr add 10.244.1.5/24 dev eth0
ip -n nl-ingress-http.default-backend-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.coredns-0 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.coredns-0 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.coredns-0 link set eth0 up
ip -n nl-ingress-http.coredns-0 addr add 10.244.1.6/24 dev eth0
ip -n nl-ingress-http.coredns-0 route add default via 10.244.1.1 dev eth0
ip netns exec nl-ingress-http.coredns-1 sysctl -qw net/ipv4/ip_unprivileged_port_start=0
ip -n nl-ingress-http.coredns-1 link set lo up alias netlab:ingress-http
ip -n nl-ingress-http.coredns-1 link set eth0 up
ip -n nl-ingress-http.coredns-1 addr add 10.244.2.4/24 dev eth0
ip -n nl-ingress-http.coredns-1 route add default via 10.244.2.1 dev eth0
