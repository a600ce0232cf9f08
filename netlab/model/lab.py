"""The lab model: what a lab file says, validated and defaulted, before any address is chosen.

Plain frozen dataclasses, no behaviour that touches the machine. `netlab.model.load` builds them
from YAML; `netlab.plan` turns them into names, addresses and placement.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from netlab.model.agnhost import Netexec, entrypoint_args, netexec
from netlab.model.gatewaytypes import GatewayObjects
from netlab.model.policytypes import NAMESPACE_NAME_LABEL, Namespace, NetworkPolicy

NETWORK_MODES = ("host-gw", "vxlan")
OUTSIDE_NAMES = ("underlay", "gateway", "cloud-lb")  # namespaces of netlab's own besides nodes and pods
ECHO_DEFAULT_PORT = 8080  # agnhost netexec's default --http-port, for echo containers that declare none
PROXY_MODES = ("iptables", "nftables", "ipvs")
LOAD_BALANCERS = ("cloud", "metallb-l2")
INTERNET_ECHO_PORT = 80  # an internet host's echo server: a web server, on the web's port
# The binaries netlab stands in for (model/clusterdns.py, model/ingress.py): their paths in the images
COREDNS_BINARY = "/coredns"
CONTROLLER_BINARY = "/nginx-ingress-controller"  # registry.k8s.io/ingress-nginx/controller
LANGUAGES = ("en", "zh-TW")  # a guide's languages: the lab file's own (English), then its translations


@dataclass(frozen=True)
class NodeSpec:
    """A cluster node; `kubernetes.io/hostname` is always among its labels."""

    name: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Cluster:
    """The cluster section of a lab file, with the defaults of docs/lab-format.md."""

    nodes: tuple[NodeSpec, ...]
    network: str = "host-gw"
    proxy_mode: str = "iptables"
    pod_cidr: IPv4Network = IPv4Network("10.244.0.0/16")
    service_cidr: IPv4Network = IPv4Network("10.96.0.0/12")
    underlay: IPv4Network = IPv4Network("192.168.56.0/24")
    node_cidr_mask: int = 24
    cluster_domain: str = "cluster.local"
    load_balancer: str = "cloud"  # who gives LoadBalancer IPs a way in: a cloud LB, or MetalLB in L2 mode
    dns: bool = True  # cluster DNS (CoreDNS behind the kube-dns Service), as every cluster has it


@dataclass(frozen=True)
class OutsideHost:
    """A host on the internet side of the gateway (203.0.113.0/24): an echo server on `ports`,
    and a place to run probes from. Naming one gives the lab its outside world (the article's section 5)."""

    name: str
    address: IPv4Address | None = None  # None: the next free one from 203.0.113.10
    ports: tuple[int, ...] = (INTERNET_ECHO_PORT,)
    dns: tuple[tuple[str, str], ...] = ()  # the internet's resolver: name -> address or outside host name


@dataclass(frozen=True)
class ContainerPort:
    port: int
    protocol: str = "TCP"
    name: str | None = None


def _stood_in(word: str) -> bool:
    """Whether `word` names the ingress controller or CoreDNS, which netlab runs in its own way."""
    return word in (CONTROLLER_BINARY, CONTROLLER_BINARY[1:], COREDNS_BINARY, COREDNS_BINARY[1:])


@dataclass(frozen=True)
class KeyRef:
    """An env var taken from one key of a ConfigMap or Secret of the pod's namespace."""

    var: str
    kind: str  # ConfigMap | Secret
    source: str
    key: str
    optional: bool = False


@dataclass(frozen=True)
class SourceRef:
    """envFrom: every key of a ConfigMap or Secret, each as a variable (with `prefix` before it)."""

    kind: str  # ConfigMap | Secret
    source: str
    prefix: str = ""
    optional: bool = False


@dataclass(frozen=True)
class ConfigData:
    """A v1 ConfigMap or Secret: data that containers' environments take (it changes no network)."""

    kind: str  # ConfigMap | Secret
    name: str
    namespace: str
    data: dict[str, str]
    type: str = ""  # a Secret's type (kubernetes.io/tls: netlab.model.tls)


@dataclass(frozen=True)
class Container:
    """A container: the echo server on its ports (also given `args` alone: the image's entrypoint), or its
    own `command` + `args`."""

    name: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    ports: tuple[ContainerPort, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    field_env: tuple[tuple[str, str], ...] = ()  # env valueFrom.fieldRef: (name, fieldPath), the downward API
    key_env: tuple[KeyRef, ...] = ()  # env valueFrom.configMapKeyRef / secretKeyRef
    env_from: tuple[SourceRef, ...] = ()  # envFrom: every key of a ConfigMap or Secret
    sidecar: bool = False  # an init container with restartPolicy Always: it starts in its turn and keeps running

    @property
    def to_entrypoint(self) -> bool:
        """`args` without `command` that name no program netlab stands in for (netexec, the ingress
        controller, CoreDNS): arguments to the image's entrypoint, which is the echo server."""
        return not self.command and bool(self.args) and netexec(self.args)[0] is None and not _stood_in(self.args[0])

    def netexec_flags(self) -> tuple[Netexec | None, list[str]]:
        """agnhost's netexec, if the container runs it (`args: [netexec, ...]`, or netexec's flags
        given to the echo server as entrypoint), and what is wrong with its flags."""
        if self.to_entrypoint:
            understood = entrypoint_args(self.args)[0]
            return netexec(("netexec", *understood)) if understood else (None, [])
        return netexec(self.command + self.args)

    @property
    def netexec(self) -> Netexec | None:
        return self.netexec_flags()[0]

    @property
    def ignored_args(self) -> tuple[str, ...]:
        """The words of `args` the echo server, as the image's entrypoint, does not understand."""
        return entrypoint_args(self.args)[1] if self.to_entrypoint else ()

    @property
    def stood_in(self) -> bool:
        """It runs a program netlab stands in for with a server of its own: the ingress controller, CoreDNS."""
        argv = self.command + self.args
        return bool(argv) and _stood_in(argv[0])

    @property
    def runs_echo(self) -> bool:
        """A container without a command runs the built-in echo server (like agnhost netexec), and
        so does one that runs agnhost's netexec itself."""
        return (not self.command and not self.args) or self.to_entrypoint or self.netexec is not None

    def listens_on(self) -> list[tuple[int, str]]:
        """(port, protocol) it binds in the pod: its declared ports; an echo container without
        any listens on 8080; agnhost's netexec on its flags' ports (a command container's own
        binds are its business)."""
        if (flags := self.netexec) is not None:
            return flags.listens_on()
        if self.runs_echo and not self.ports:
            return [(ECHO_DEFAULT_PORT, "TCP")]
        return [(p.port, p.protocol) for p in self.ports]


@dataclass(frozen=True)
class DnsConfig:
    """A pod's spec.dnsConfig: merged into the resolv.conf its dnsPolicy gives (as the kubelet does)."""

    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[tuple[str, str | None], ...] = ()  # (name, value): `ndots:2` is ("ndots", "2")


DNS_POLICIES = ("ClusterFirst", "Default", "None", "ClusterFirstWithHostNet")
RESTART_POLICIES = ("Always", "OnFailure", "Never")  # a pod's spec.restartPolicy


@dataclass(frozen=True)
class PodTemplate:
    labels: dict[str, str]
    containers: tuple[Container, ...]
    node_name: str | None = None
    node_selector: dict[str, str] = field(default_factory=dict)
    enable_service_links: bool = True  # the kubelet's Service environment variables
    dns_policy: str = "ClusterFirst"
    dns_config: DnsConfig | None = None
    host_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # spec.hostAliases: (ip, hostnames), in order
    service_account: str = "default"  # spec.serviceAccountName (what the downward API gives)
    hostname: str = ""  # spec.hostname: the pod's hostname instead of its name (a DNS label)
    subdomain: str = ""  # spec.subdomain: its FQDN is <hostname>.<subdomain>.<ns>.svc.<domain>
    init_containers: tuple[Container, ...] = ()  # spec.initContainers, in order (sidecars among them)
    restart_policy: str = "Always"  # spec.restartPolicy: whether a failed init container is run again


@dataclass(frozen=True)
class Pod:
    """A v1 Pod manifest."""

    name: str
    namespace: str
    template: PodTemplate
    position: int = field(default=0, compare=False)  # its place among the lab file's objects

    def members(self) -> list[tuple[str, PodTemplate]]:
        """The pods it makes, each with its own template: itself."""
        return [(self.name, self.template)]


@dataclass(frozen=True)
class Replicated:
    """What a Deployment and a StatefulSet share: replicas of one pod template, a selector that matches it."""

    name: str
    namespace: str
    replicas: int
    selector: dict[str, str]
    template: PodTemplate
    position: int = field(default=0, compare=False)  # its place among the lab file's objects


@dataclass(frozen=True)
class Deployment(Replicated):
    """An apps/v1 Deployment; its replicas become pods `<name>-0`, `<name>-1`, ..."""

    def members(self) -> list[tuple[str, PodTemplate]]:
        """The pods it makes, each with its own template: `<name>-<i>`, all from one template."""
        return [(f"{self.name}-{i}", self.template) for i in range(self.replicas)]


# The labels the StatefulSet controller gives each of its pods (apps/v1 StatefulSetPodNameLabel, PodIndexLabel)
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")


@dataclass(frozen=True)
class StatefulSet(Replicated):
    """An apps/v1 StatefulSet: pods `<name>-<ordinal>` from ordinals.start, each with a stable identity."""

    service_name: str = ""  # spec.serviceName: the governing (headless) Service, every pod's subdomain
    pod_management: str = "OrderedReady"  # spec.podManagementPolicy
    start: int = 0  # spec.ordinals.start: the first ordinal

    def members(self) -> list[tuple[str, PodTemplate]]:
        """Its pods in ordinal order, each with the identity the StatefulSet controller gives it."""
        return [self._member(ordinal) for ordinal in range(self.start, self.start + self.replicas)]

    def _member(self, ordinal: int) -> tuple[str, PodTemplate]:
        """Pod `ordinal` as the controller makes it (initIdentity): its name as hostname, serviceName
        as subdomain (over the template's), the pod-name and pod-index labels over the template's."""
        name = f"{self.name}-{ordinal}"
        labels = {**self.template.labels, POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)}
        return name, replace(self.template, labels=labels, hostname=name, subdomain=self.service_name)


KubeObject = Pod | Deployment | StatefulSet

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
EXTERNAL_POLICIES = ("Cluster", "Local")  # externalTrafficPolicy
NODE_PORT_RANGE = (30000, 32767)  # the API server's default --service-node-port-range
AFFINITY_TIMEOUT_DEFAULT = 10800  # seconds; Kubernetes' default for sessionAffinity: ClientIP
AFFINITY_TIMEOUT_MAX = 86400


@dataclass(frozen=True)
class ServicePort:
    """One port of a Service; `target_port` is a number or the name of a container port."""

    port: int
    protocol: str = "TCP"
    name: str | None = None
    target_port: int | str | None = None  # None: the same as `port`
    node_port: int | None = None  # None: allocated (NodePort Services), or none (ClusterIP)


@dataclass(frozen=True)
class Service:
    """A v1 Service. `cluster_ip` is None (allocate one), an address, or "None" (headless)."""

    name: str
    namespace: str
    ports: tuple[ServicePort, ...]
    selector: dict[str, str]
    type: str = "ClusterIP"
    cluster_ip: str | None = None
    session_affinity: bool = False
    affinity_timeout: int = AFFINITY_TIMEOUT_DEFAULT
    external_policy: str = "Cluster"  # externalTrafficPolicy (NodePort Services)
    load_balancer_ip: str | None = None  # spec.loadBalancerIP: the address asked of the cloud
    health_check_node_port: int | None = None  # LoadBalancer with policy Local: given, or allocated
    external_name: str | None = None  # ExternalName: the DNS name cluster DNS answers with (a CNAME)
    position: int = field(default=0, compare=False)  # its place among the lab file's objects (-1: the cluster's)

    @property
    def headless(self) -> bool:
        """No ClusterIP: `clusterIP: None`, or an ExternalName (only cluster DNS knows it)."""
        return self.cluster_ip == "None" or self.type == "ExternalName"

    @property
    def external(self) -> bool:
        """Reachable from outside the cluster through every node (NodePort and up)."""
        return self.type != "ClusterIP"


@dataclass(frozen=True)
class Capture:
    """Capture packets in a namespace while the check's traffic runs (tcpdump, bounded)."""

    at: str
    filter: str
    interface: str | None = None


@dataclass(frozen=True)
class Check:
    """One check of `netlab verify`: traffic (or a look at the kernel) from one place.

    `kind` is ping, http, udp, bind, bridge, dns or env; `target` is what it aims at (a name or
    address, a URL, NAME:PORT, a port, a bridge, a name to look up, a variable); `expect` holds the
    validated expectations of that kind.
    """

    name: str
    source: str
    kind: str
    target: str
    expect: dict[str, object]
    count: int = 1
    send: str = "hostname"  # the datagram a udp check sends (agnhost's UDP commands)
    capture: Capture | None = None
    when: dict[str, str] = field(default_factory=dict)
    pending: str = ""  # why it cannot run yet (a feature to come): reported as pending, not passed
    headers: tuple[tuple[str, str], ...] = ()  # request headers an http check sends (Host: a.example)
    record_type: str = "A"  # what a dns check asks for
    resolver: str = "dig"  # who asks it in the pod: dig (answers and status) or getent (glibc, as programs do)

    def applies_to(self, network: str, proxy_mode: str) -> bool:
        """Whether the check runs in this network/proxy mode (`when:` narrows it)."""
        wanted = {"network": network, "proxyMode": proxy_mode}
        return all(wanted.get(k) == v for k, v in self.when.items())


TASK_KINDS = ("veth", "routes", "service", "policy")


@dataclass(frozen=True)
class Task:
    """A piece of the lab that a guide step builds, and that learner mode leaves to the learner:
    `veth POD` (the pod's veth pair on cni0, its address and default route: the CNI plugin's ADD),
    `routes NODE` (the node's routes to the other nodes' pod subnets: flannel's), `service NAME`
    (kube-proxy's rules for the Service, NAME or NAME.NAMESPACE, on every node), `policy NAME`
    (kube-router's enforcement of the NetworkPolicy, NAME or NAME.NAMESPACE)."""

    kind: str
    target: str

    def __str__(self) -> str:
        return f"{self.kind} {self.target}"


@dataclass(frozen=True)
class GuideStep:
    """A step of the lab's workshop guide: what to do and look at, and which checks it unlocks."""

    title: str
    text: str
    article: str = ""
    run: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> {"title", "text"}
    builds: tuple[Task, ...] = ()  # what `up --until-step` builds only from this step on


# -- networking.k8s.io/v1 Ingress (read and checked by model/ingress.py) ------------------------
@dataclass(frozen=True)
class IngressBackend:
    """A Service port an Ingress sends to: `port` is the Service port's number or its name."""

    service: str
    port: int | str


@dataclass(frozen=True)
class IngressPath:
    path: str
    path_type: str  # Exact | Prefix | ImplementationSpecific
    backend: IngressBackend


@dataclass(frozen=True)
class IngressRule:
    host: str  # "" matches every host
    paths: tuple[IngressPath, ...]


@dataclass(frozen=True)
class IngressTLS:
    """spec.tls[]: the hosts whose HTTPS is served with the Secret's certificate ("" no Secret)."""

    hosts: tuple[str, ...]
    secret: str = ""


@dataclass(frozen=True)
class Ingress:
    name: str
    namespace: str
    rules: tuple[IngressRule, ...]
    default_backend: IngressBackend | None = None
    ingress_class: str | None = None  # spec.ingressClassName (the default class's, given none: model.ingressclass)
    tls: tuple[IngressTLS, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


# -- discovery.k8s.io/v1 EndpointSlice, v1 Endpoints (read by model/endpointslices.py) ----------
@dataclass(frozen=True)
class SliceEndpoint:
    """One endpoint of an EndpointSlice: its first address (the one consumers use) and conditions."""

    address: str
    ready: bool = True  # conditions.ready; unset means ready, as kube-proxy reads it
    serving: bool = True
    terminating: bool = False
    hostname: str | None = None  # its DNS name under the Service (CoreDNS), else the dashed IP
    node_name: str | None = None  # where kube-proxy counts it as local (externalTrafficPolicy Local)


@dataclass(frozen=True)
class SlicePort:
    """A port of an EndpointSlice: kube-proxy matches it to the Service port of the same name and protocol."""

    name: str = ""  # "": the Service's unnamed port
    port: int | None = None  # None: "all ports", which kube-proxy ignores
    protocol: str = "TCP"


@dataclass(frozen=True)
class EndpointSlice:
    """A discovery.k8s.io/v1 EndpointSlice; also one subset of a v1 Endpoints (`kind` Endpoints),
    which the EndpointSlice mirroring controller turns into one."""

    name: str
    namespace: str
    service: str  # the label kubernetes.io/service-name ("": none, no Service takes it)
    address_type: str = "IPv4"
    endpoints: tuple[SliceEndpoint, ...] = ()
    ports: tuple[SlicePort, ...] = ()
    kind: str = "EndpointSlice"
    proxied: bool = True  # False: labelled service.kubernetes.io/service-proxy-name, another proxy's
    mirror: bool = True  # an Endpoints without endpointslice.kubernetes.io/skip-mirror: "true"


@dataclass(frozen=True)
class IngressClass:
    """A networking.k8s.io/v1 IngressClass (cluster-scoped): which controller serves the class."""

    name: str
    controller: str
    default: bool = False  # the annotation ingressclass.kubernetes.io/is-default-class: "true"


@dataclass(frozen=True)
class Lab:
    """A whole lab file: cluster, Kubernetes objects, checks and guide."""

    name: str
    title: str
    source: Path
    cluster: Cluster
    objects: tuple[KubeObject, ...]
    services: tuple[Service, ...] = ()
    seed: str = ""
    checks: tuple[Check, ...] = ()
    guide: tuple[GuideStep, ...] = ()
    ignored_fields: tuple[str, ...] = ()
    outside: tuple[OutsideHost, ...] = ()
    ingresses: tuple[Ingress, ...] = ()  # networking.k8s.io/v1 Ingress objects (netlab.model.ingress)
    config: tuple[ConfigData, ...] = ()  # v1 ConfigMaps and Secrets (netlab.model.configdata)
    endpoint_slices: tuple[EndpointSlice, ...] = ()  # EndpointSlices and Endpoints' subsets (model.endpointslices)
    ingress_classes: tuple[IngressClass, ...] = ()  # networking.k8s.io/v1 IngressClass (netlab.model.ingressclass)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> {"title"}
    gateway_api: GatewayObjects = field(default_factory=GatewayObjects)  # the Gateway API (model/gateway.py)
    network_policies: tuple[NetworkPolicy, ...] = ()  # networking.k8s.io/v1 NetworkPolicy (model.networkpolicy)
    namespaces: tuple[Namespace, ...] = ()  # v1 Namespaces the lab declares, for their labels

    def namespace_labels(self, name: str) -> dict[str, str]:
        """A namespace's labels, as a namespaceSelector sees them: those its Namespace object gives
        (if the lab declares one), and always kubernetes.io/metadata.name, as the API server sets it."""
        declared = next((ns.labels for ns in self.namespaces if ns.name == name), {})
        return {**declared, NAMESPACE_NAME_LABEL: name}

    def config_data(self, kind: str, namespace: str, name: str) -> dict[str, str] | None:
        """The data of the lab's ConfigMap or Secret of that name, None if it has none."""
        return next((c.data for c in self.config if (c.kind, c.namespace, c.name) == (kind, namespace, name)), None)


def pod_names(objects: tuple[KubeObject, ...]) -> list[str]:
    """The pod names the objects expand to, in creation order."""
    return [name for obj in objects for name, _ in obj.members()]
