"""The plan: the whole desired state of a lab, every name and address decided (pure data).

Naming scheme (the one thing every other layer relies on):
- namespaces: `nl-<lab>.<name>` for each node, pod and outside host, plus `nl-<lab>.underlay`;
  the `nl-` prefix and the lab's name let `down` and `clean` find everything, and nothing else.
  The dot cannot appear in lab or object names, so two labs never produce the same name;
- inside a node: eth0 (underlay), cni0 (bridge), flannel.1 (vxlan), and per pod `veth<8 hex>`
  (a hash of the pod's namespace/name, as CNI plugins name host-side veths);
- inside a pod: lo and eth0, nothing more.
Links live inside lab namespaces only, so their names never meet the host's.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from netlab.errors import PlanError
from netlab.model import clusterdns
from netlab.model.lab import Container, DnsConfig, Lab
from netlab.model.outside import INTERNET, INTERNET_ROUTER

NETNS_PREFIX = "nl-"
# The outside world of the edge labs (docs/lab-format.md, Defaults): documentation ranges only.
PUBLIC_SIDE = IPv4Network("198.51.100.0/24")  # the gateway's public side, the nodes' public IPs
GATEWAY_PUBLIC = IPv4Interface("198.51.100.1/24")
GATEWAY_INTERNET = IPv4Interface(f"{INTERNET_ROUTER}/{INTERNET.prefixlen}")  # the internet hosts' router
FIRST_PUBLIC_NODE = 10  # node N's public IP is 198.51.100.10+N
FIRST_INTERNET_HOST = 10  # internet hosts from 203.0.113.10
CLOUD_LB = "cloud-lb"  # the cloud's load balancer (labs with LoadBalancer Services), underlay .2
CLOUD_LB_OFFSET = 2


def netns_name(lab: str, name: str) -> str:
    return f"{NETNS_PREFIX}{lab}.{name}"


@dataclass(frozen=True)
class Endpoint:
    ip: IPv4Address
    port: int
    pod: str  # "": an address of no pod of the lab (a hand-made endpoint: an outside host, say)
    node: str  # where kube-proxy counts it local; "": nowhere (a hand-made endpoint without nodeName)
    hostname: str | None = None  # its name under the Service in cluster DNS (else its dashed IP)
    ready: bool = True  # False: serving but terminating, used only while none is ready (not in DNS)

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class ServicePortPlan:
    """One port of a Service with its endpoints: what kube-proxy programs for it."""

    namespace: str
    service: str
    name: str | None
    port: int
    protocol: str
    endpoints: tuple[Endpoint, ...]
    target: int | str | None = None  # targetPort as written: a number or a container port's name
    node_port: int | None = None  # on every node's IP (NodePort Services)

    @property
    def port_name(self) -> str:
        """kube-proxy's ServicePortName: `ns/svc:port`, or `ns/svc` for an unnamed port."""
        return f"{self.namespace}/{self.service}" + (f":{self.name}" if self.name else "")


@dataclass(frozen=True)
class ServicePlan:
    name: str
    namespace: str
    type: str
    cluster_ip: IPv4Address | None
    ports: tuple[ServicePortPlan, ...]
    session_affinity: bool
    affinity_timeout: int
    external_local: bool = False  # externalTrafficPolicy: Local (only local endpoints, client IP kept)
    load_balancer_ip: IPv4Address | None = None  # type LoadBalancer: its external IP (status.loadBalancer)
    health_check_node_port: int | None = None  # LoadBalancer, policy Local: kube-proxy's health check
    external_name: str | None = None  # ExternalName: no rules anywhere, a CNAME in cluster DNS

    @property
    def headless(self) -> bool:
        return self.cluster_ip is None

    @property
    def ports_text(self) -> str:
        """Its ports as kubectl shows them: `80/TCP`, or `80:30080/TCP` with a node port."""
        return ", ".join(
            f"{p.port}" + (f":{p.node_port}" if p.node_port else "") + f"/{p.protocol}" for p in self.ports
        )

    @property
    def external(self) -> bool:
        """Reachable from outside through every node (it has NodePorts)."""
        return any(p.node_port for p in self.ports)

    def local_endpoints(self, node: str) -> int:
        """How many of its endpoints run on `node`: what kube-proxy's health check port answers there
        (the cloud's load balancer and MetalLB pick nodes by it, for externalTrafficPolicy Local)."""
        return len({ep.ip for port in self.ports for ep in port.endpoints if ep.node == node})


@dataclass(frozen=True)
class NodePlan:
    name: str
    index: int  # 1-based: node N has underlay .10+N and pod CIDR number N
    netns: str
    ip: IPv4Interface  # eth0 on the underlay
    mac: str  # eth0's MAC
    pod_cidr: IPv4Network
    bridge_ip: IPv4Interface  # cni0, the pods' default gateway
    bridge_mac: str
    vtep_mac: str  # flannel.1's MAC (vxlan mode)
    underlay_port: str  # the node's veth end on the underlay bridge
    labels: dict[str, str]
    public_ip: IPv4Address | None = None  # what the gateway NATs eth0's address to (labs with an outside)

    @property
    def vtep_ip(self) -> IPv4Address:
        """flannel.1's address: the pod CIDR's network address, as flannel assigns it."""
        return self.pod_cidr.network_address


@dataclass(frozen=True)
class PodPlan:
    name: str
    namespace: str  # the Kubernetes namespace (default unless metadata.namespace)
    node: str
    netns: str
    ip: IPv4Interface
    gateway: IPv4Address
    host_veth: str  # the veth end in the node namespace, on cni0
    host_ifindex: int
    mac: str
    labels: dict[str, str]
    containers: tuple[Container, ...]
    owner: str = ""  # the Deployment or StatefulSet that made it, if any
    sees_services: frozenset[str] = frozenset()  # `ns/name` of the Services the lab file creates before it
    enable_service_links: bool = True
    dns_policy: str = "ClusterFirst"
    dns_config: DnsConfig | None = None
    host_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # spec.hostAliases: extra /etc/hosts lines
    service_account: str = "default"  # spec.serviceAccountName
    hostname: str = ""  # spec.hostname as given ("": the pod's name is its hostname)
    subdomain: str = ""  # spec.subdomain
    host_domain: str = ""  # with a subdomain, the kubelet's host domain: <subdomain>.<ns>.svc.<cluster domain>
    init_containers: tuple[Container, ...] = ()  # spec.initContainers, in order (sidecars among them)
    restart_policy: str = "Always"  # spec.restartPolicy

    @property
    def uts_hostname(self) -> str:
        """The hostname its containers see (the kubelet's GeneratePodHostNameAndDomain)."""
        return self.hostname or self.name

    @property
    def fqdn(self) -> str:
        """What `hostname -f` says in the pod: its hostname in its host domain, if it has one."""
        return f"{self.uts_hostname}.{self.host_domain}" if self.host_domain else self.uts_hostname

    def endpoint_hostname(self, service: str, namespace: str) -> str:
        """The hostname the EndpointSlice controller gives the pod's endpoint of that Service
        (ShouldSetHostname): its spec.hostname, if it has one and its subdomain names the Service of
        its namespace; else none (a subdomain alone, or another Service, names no endpoint)."""
        return self.hostname if self.hostname and (self.subdomain, self.namespace) == (service, namespace) else ""

    def echo_ports(self) -> list[tuple[int, str]]:
        """(port, protocol) the echo server listens on in this pod (its sidecars' too, once it runs)."""
        return [port for c in self.running_containers() if c.runs_echo for port in c.listens_on()]

    def running_containers(self) -> tuple[Container, ...]:
        """The containers that run once the pod is initialized: its containers, then its sidecars."""
        return (*self.containers, *(c for c in self.init_containers if c.sidecar))


@dataclass(frozen=True)
class HostPlan:
    """A namespace outside the cluster: the gateway on the underlay, or a host on the internet
    side of the gateway (plugged into its pub0 bridge), with echo ports of its own."""

    name: str
    netns: str
    ip: IPv4Interface
    underlay_port: str  # its eth0's peer: on the underlay bridge, or (internet) on the gateway's pub0
    mac: str
    internet: bool = False
    ports: tuple[int, ...] = ()
    bridge_mac: str = ""  # the gateway's pub0, in a lab with an outside world
    dns_records: tuple[tuple[str, IPv4Address], ...] = ()  # the internet's resolver: its A records

    def echo_ports(self) -> list[tuple[int, str]]:
        """(port, protocol) its echo server listens on, as `PodPlan.echo_ports` says them."""
        return [(port, "TCP") for port in self.ports]


def hostname_of(member: NodePlan | PodPlan | HostPlan) -> str:
    """The hostname a member's processes see: a pod's own (spec.hostname, else its name), else the name."""
    return member.uts_hostname if isinstance(member, PodPlan) else member.name


@dataclass(frozen=True)
class LabPlan:
    lab: Lab
    network: str
    proxy_mode: str
    underlay_netns: str
    underlay_bridge_mac: str
    nodes: tuple[NodePlan, ...]
    pods: tuple[PodPlan, ...]
    hosts: tuple[HostPlan, ...]
    services: tuple[ServicePlan, ...] = ()

    @property
    def name(self) -> str:
        return self.lab.name

    @property
    def gateway(self) -> HostPlan:
        return self.hosts[0]

    @property
    def cloud_lb(self) -> HostPlan | None:
        """The cloud's load balancer in front of the nodes, if a Service is of type LoadBalancer."""
        return next((h for h in self.hosts if h.name == CLOUD_LB), None)

    @property
    def load_balancer_ips(self) -> list[IPv4Address]:
        return [s.load_balancer_ip for s in self.services if s.load_balancer_ip]

    @property
    def resolver(self) -> HostPlan | None:
        """The internet's resolver (an outside host with `dns:`): the nodes' and CoreDNS's upstream."""
        return next((h for h in self.internet_hosts if h.dns_records), None)

    @property
    def cluster_dns(self) -> IPv4Address | None:
        """The kube-dns Service's address, if the lab has cluster DNS."""
        svc = self.service(clusterdns.SERVICE, clusterdns.NAMESPACE) if self.lab.cluster.dns else None
        return svc.cluster_ip if svc else None

    def uses_cluster_dns(self, pod: PodPlan) -> bool:
        """Whether the pod's resolv.conf names cluster DNS (its dnsPolicy, and the lab has it)."""
        return self.cluster_dns is not None and pod.dns_policy in ("ClusterFirst", "ClusterFirstWithHostNet")

    @property
    def internet_hosts(self) -> tuple[HostPlan, ...]:
        """The hosts beyond the gateway; none: the lab has no outside world (no egress NAT)."""
        return tuple(h for h in self.hosts if h.internet)

    @property
    def mtu(self) -> int:
        """Pod-network MTU: flannel's vxlan takes 50 bytes for its headers."""
        return 1450 if self.network == "vxlan" else 1500

    def all_netns(self) -> list[str]:
        """Every namespace of the lab, in the order they are built."""
        return (
            [self.underlay_netns]
            + [h.netns for h in self.hosts]
            + [n.netns for n in self.nodes]
            + [p.netns for p in self.pods]
        )

    @property
    def members(self) -> tuple[NodePlan | PodPlan | HostPlan, ...]:
        """Every node, pod and outside host: what has a name, a namespace and an address."""
        return (*self.nodes, *self.pods, *self.hosts)

    def member(self, name: str) -> NodePlan | PodPlan | HostPlan | None:
        """The node, pod or outside host of that name."""
        for item in self.members:
            if item.name == name:
                return item
        return None

    def netns_of(self, name: str) -> str | None:
        if name == "underlay":
            return self.underlay_netns
        item = self.member(name)
        return item.netns if item else None

    def service(self, name: str, namespace: str = "default") -> ServicePlan | None:
        return next((s for s in self.services if (s.name, s.namespace) == (name, namespace)), None)

    def known_service(self, name: str, namespace: str = "default") -> ServicePlan:
        """The Service a reference the loader checked names (a task's target, say).

        Raises:
            PlanError: the lab has no such Service.
        """
        svc = self.service(name, namespace)
        if svc is None:
            raise PlanError(f"the lab has no Service {namespace}/{name}")
        return svc

    def address_of(self, name: str) -> IPv4Address | None:
        """The address a name stands for in checks: a Service's ClusterIP (`NAME` in default,
        `NAME.NAMESPACE`: as cluster DNS answers a pod), else a pod's, node's or host's own address."""
        service, _, namespace = name.partition(".")
        svc = self.service(service, namespace or "default")
        if svc and svc.cluster_ip:
            return svc.cluster_ip
        item = self.member(name)
        return item.ip.ip if item else None

    def name_of(self, address: str) -> str | None:
        """Which pod, node, host or Service owns an address (to tell who answered or who was seen)."""
        for svc in self.services:
            if str(svc.cluster_ip) == address:
                return f"Service {svc.name}"
        for item in self.members:
            if str(item.ip.ip) == address:
                return item.name
        for node in self.nodes:
            if self.internet_hosts and str(node.public_ip) == address:
                return f"{node.name}'s public IP"
            if str(node.bridge_ip.ip) == address:
                return f"{node.name}'s cni0"
        return None
