"""Every process of a lab, as data (pure): what runs, where, with which arguments and environment.

`kernel.build` starts these and `render.explain` prints them, as both take a namespace's links from
`render.ops`: the script `explain` writes starts what `up` starts, by construction. Every workload
runs as a container would: in its member's network namespace with the member's name as hostname,
as nobody (netlab's own servers bind their ports first, then drop to nobody).

- echo: netlab's echo server on a container's (or an internet host's) echo ports. `up` serves every
  one of them from a single process, each socket bound inside its own namespace; the script starts
  one per container.
- health: kube-proxy's health check ports on a node (LoadBalancer Services with
  externalTrafficPolicy Local), served by the echo server too.
- dns: netlab's DNS server, in a coredns container's place (cluster DNS) or on the internet's
  resolver host, answering from a zone file that netlab renders.
- ingress: nginx under netlab's ingress controller, in a controller container.
- command: a container's own command.

A pod with init containers has them first, in order (`init`): its runner, netlab.workloads.pod,
starts them one after another, then its containers, echo servers included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from netlab.model.clusterdns import METRICS_PORT, is_coredns
from netlab.model.env import LABEL_PATH
from netlab.model.gateway import served_gateway
from netlab.model.ingress import is_controller
from netlab.model.lab import Container
from netlab.plan.model import HostPlan, LabPlan, NodePlan, PodPlan

Kind = Literal["echo", "health", "dns", "ingress", "command"]
DNS_SERVER, ECHO_SERVER, POD_RUNNER = "netlab.workloads.dns", "netlab.workloads.echo", "netlab.workloads.pod"
CLUSTER_ZONE, INTERNET_ZONE = "cluster.zone", "internet.zone"
Env = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HealthCheck:
    """One health check port on a node: what kube-proxy answers there for one Service."""

    port: int
    namespace: str
    service: str
    local_endpoints: int


@dataclass(frozen=True)
class Workload:
    name: str  # `<pod>_<container>`, `<host>_echo`, `<host>_dns`, `<node>_health`: also its log's name
    kind: Kind
    member: PodPlan | HostPlan | NodePlan  # where it runs: its namespace, its hostname
    container: Container | None = None  # the container it stands for, in a pod
    args: tuple[str, ...] = ()  # command: the container's command and args; dns: the server's arguments
    env: Env = ()  # the container's environment, as the kubelet gives it
    ports: tuple[tuple[int, str], ...] = ()  # echo: (port, protocol) it serves
    http_override: str | None = None  # echo: agnhost netexec's --http-override (every path answers as it)
    health_checks: tuple[HealthCheck, ...] = ()  # health
    init: bool = False  # an init container (a sidecar too): the pod's runner starts it in its turn

    @property
    def serves(self) -> bool:
        """A server of netlab's own, which says when it serves (a container's own command, and
        nginx, say nothing)."""
        return self.kind in ("echo", "health", "dns")


def container_env(plan: LabPlan, pod: PodPlan, container: Container, service_env: Mapping[str, str]) -> dict[str, str]:
    """A container's environment as the kubelet makes it: the pod's Service variables, `envFrom`'s
    keys over them, then `env` over all (values, the downward API's fields, ConfigMap and Secret
    keys). A source or key the lab lacks is left out (the loader allowed it: `optional: true`)."""

    def data(kind: str, name: str) -> dict[str, str]:
        return plan.lab.config_data(kind, pod.namespace, name) or {}

    sourced = {
        f"{source.prefix}{key}": value
        for source in container.env_from
        for key, value in data(source.kind, source.source).items()
    }
    fields = {name: downward_value(plan, pod, path) for name, path in container.field_env}
    keys = {ref.var: held[ref.key] for ref in container.key_env if ref.key in (held := data(ref.kind, ref.source))}
    return {**service_env, **sourced, **dict(container.env), **fields, **keys}


def downward_value(plan: LabPlan, pod: PodPlan, path: str) -> str:
    """A pod field as the downward API gives it to an env var (model/pods.py's FIELD_PATHS)."""
    if label := LABEL_PATH.match(path):
        return pod.labels.get(label[1], "")
    node = next(n for n in plan.nodes if n.name == pod.node)
    return {
        "metadata.name": pod.name,
        "metadata.namespace": pod.namespace,
        "spec.nodeName": pod.node,
        "spec.serviceAccountName": pod.service_account,
        "status.hostIP": str(node.ip.ip),
        "status.hostIPs": str(node.ip.ip),
        "status.podIP": str(pod.ip.ip),
        "status.podIPs": str(pod.ip.ip),
    }[path]


def container_workloads(
    plan: LabPlan, pods: Iterable[PodPlan], service_env: Mapping[str, Mapping[str, str]], zones: str
) -> list[Workload]:
    """The process of every container of these pods, a pod's init containers first, in order.
    `service_env`: each pod's Service variables (as its containers got them); `zones`: the folder
    of the zone files."""
    return [
        replace(
            _container(plan, pod, container, container_env(plan, pod, container, service_env.get(pod.name, {})), zones),
            init=init,
        )
        for pod in pods
        for init, container in (*((True, c) for c in pod.init_containers), *((False, c) for c in pod.containers))
    ]


def _container(plan: LabPlan, pod: PodPlan, container: Container, env: dict[str, str], zones: str) -> Workload:
    name, described = f"{pod.name}_{container.name}", tuple(env.items())
    if container.runs_echo:
        flags = container.netexec
        return Workload(
            name,
            "echo",
            pod,
            container,
            ports=tuple(container.listens_on()),
            http_override=flags.http_override if flags else None,
        )
    if is_coredns(container):
        return Workload(name, "dns", pod, container, cluster_dns_args(plan, zones), described)
    if is_controller(container) or served_gateway(container) is not None:  # nginx, either role
        return Workload(name, "ingress", pod, container, env=described)
    return Workload(name, "command", pod, container, tuple(container.command + container.args), described)


def host_workloads(plan: LabPlan, zones: str) -> list[Workload]:
    """The internet hosts' echo servers and the internet's resolver."""
    found = []
    for host in plan.internet_hosts:
        if host.ports:
            found.append(Workload(f"{host.name}_echo", "echo", host, ports=tuple(host.echo_ports())))
        if host.dns_records:
            found.append(Workload(f"{host.name}_dns", "dns", host, args=resolver_args(zones)))
    return found


def health_workloads(plan: LabPlan) -> list[Workload]:
    """Each node's health check ports, if it has any."""
    found = []
    for node in plan.nodes:
        checks = tuple(
            HealthCheck(svc.health_check_node_port, svc.namespace, svc.name, svc.local_endpoints(node.name))
            for svc in plan.services
            if svc.health_check_node_port
        )
        if checks:
            found.append(Workload(f"{node.name}_health", "health", node, health_checks=checks))
    return found


def workloads(plan: LabPlan, service_env: Mapping[str, Mapping[str, str]], zones: str) -> list[Workload]:
    """Every process of the lab, in the order the script starts them: the pods' containers, the
    internet hosts', the nodes' health check ports."""
    return [
        *container_workloads(plan, plan.pods, service_env, zones),
        *host_workloads(plan, zones),
        *health_workloads(plan),
    ]


def echo_workloads(plan: LabPlan) -> list[Workload]:
    """What netlab's one echo server serves: the echo containers' (but those of pods with init
    containers) and internet hosts' ports, and the nodes' health check ports."""
    return [w for w in workloads(plan, {}, "") if w.kind in ("echo", "health") and not initialized(w.member)]


def initialized(member: PodPlan | HostPlan | NodePlan) -> bool:
    """A pod with init containers: its runner (netlab.workloads.pod) starts its containers, echo
    servers too, once the init containers are done; until then nothing listens in it."""
    return isinstance(member, PodPlan) and bool(member.init_containers)


def cluster_dns_args(plan: LabPlan, zones: str) -> tuple[str, ...]:
    """netlab's DNS server in CoreDNS's place: `kubernetes CLUSTER_DOMAIN` with `pods insecure`,
    Prometheus metrics, other names forwarded to the lab's internet resolver (if it has one)."""
    upstream = ("--upstream", str(plan.resolver.ip.ip)) if plan.resolver else ()
    return (
        "--listen",
        "0.0.0.0:53",
        "--zone",
        f"{zones}/{CLUSTER_ZONE}",
        "--domain",
        plan.lab.cluster.cluster_domain,
        "--pods",
        "insecure",
        "--metrics",
        f"0.0.0.0:{METRICS_PORT}",
        *upstream,
    )


def resolver_args(zones: str) -> tuple[str, ...]:
    """netlab's DNS server as the internet's resolver: authoritative for every name."""
    return ("--listen", "0.0.0.0:53", "--zone", f"{zones}/{INTERNET_ZONE}", "--domain", ".")
