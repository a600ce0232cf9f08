"""The cluster DNS add-on, as kubeadm installs it: Deployment `coredns` and Service `kube-dns`.

Both live in kube-system. The Service has the cluster's DNS address (the service CIDR's tenth
address, 10.96.0.10) and kubeadm's three ports; the Deployment's pods carry `k8s-app: kube-dns`
and run CoreDNS (`/coredns -conf /etc/coredns/Corefile`), which netlab runs as its own DNS server
(netlab.workloads.dns) answering from records netlab renders (netlab.render.dns).

The Service comes before every object of the lab file (a cluster has DNS before anyone deploys to
it); the Deployment after them, so adding DNS to a lab moves none of its pods' addresses.
"""

from __future__ import annotations

from ipaddress import IPv4Network

from netlab.model.lab import (
    COREDNS_BINARY,
    Cluster,
    Container,
    ContainerPort,
    Deployment,
    KubeObject,
    PodTemplate,
    Service,
    ServicePort,
)
from netlab.model.lab import pod_names as lab_pod_names
from netlab.model.schema import FieldReader

NAMESPACE = "kube-system"
DEPLOYMENT = "coredns"
SERVICE = "kube-dns"
REPLICAS = 2
LABELS = {"k8s-app": "kube-dns"}
DNS_OFFSET = 10  # kubeadm: the tenth address of the service CIDR
COREFILE = "/etc/coredns/Corefile"
METRICS_PORT = 9153


def cluster_dns_address(service_cidr: IPv4Network) -> str:
    return str(service_cidr.network_address + DNS_OFFSET)


def kube_dns_service(service_cidr: IPv4Network) -> Service:
    return Service(
        name=SERVICE,
        namespace=NAMESPACE,
        ports=(
            ServicePort(53, "UDP", "dns"),
            ServicePort(53, "TCP", "dns-tcp"),
            ServicePort(METRICS_PORT, "TCP", "metrics"),
        ),
        selector=dict(LABELS),
        cluster_ip=cluster_dns_address(service_cidr),
        position=-1,
    )


def coredns_deployment(position: int) -> Deployment:
    container = Container(
        name="coredns",
        command=(COREDNS_BINARY,),
        args=("-conf", COREFILE),
        ports=(
            ContainerPort(53, "UDP", "dns"),
            ContainerPort(53, "TCP", "dns-tcp"),
            ContainerPort(METRICS_PORT, "TCP", "metrics"),
        ),
    )
    template = PodTemplate(labels=dict(LABELS), containers=(container,), dns_policy="Default")
    return Deployment(DEPLOYMENT, NAMESPACE, REPLICAS, dict(LABELS), template, position=position)


def is_coredns(container: Container) -> bool:
    """Whether the container runs CoreDNS (`/coredns ...`): netlab's DNS server takes its place."""
    argv = container.command + container.args
    return bool(argv) and argv[0] in (COREDNS_BINARY, COREDNS_BINARY.lstrip("/"))


def pod_names() -> list[str]:
    return [f"{DEPLOYMENT}-{i}" for i in range(REPLICAS)]


def add_cluster_dns(
    r: FieldReader, cluster: Cluster, objects: tuple[KubeObject, ...], services: tuple[Service, ...], count: int
) -> tuple[tuple[KubeObject, ...], tuple[Service, ...]]:
    """The lab's objects with the cluster DNS add-on (netlab.model.clusterdns) added, unless
    the lab's own objects take its names (then say so: `cluster.dns: false` brings your own)."""
    taken = [f"Service {s.namespace}/{s.name}" for s in services if (s.namespace, s.name) == (NAMESPACE, SERVICE)]
    taken += [f"pod {name}" for name in lab_pod_names(objects) if name in pod_names()]
    address = cluster_dns_address(cluster.service_cidr)
    taken += [f"Service {s.namespace}/{s.name}'s clusterIP" for s in services if s.cluster_ip == address]
    for name in taken:
        r.problem(
            "cluster.dns",
            f"{name} is cluster DNS's (kube-system/coredns, kube-dns at {address}); "
            f"set cluster.dns: false to run a lab without it",
        )
    return (
        (*objects, coredns_deployment(count)),
        (kube_dns_service(cluster.service_cidr), *services),
    )
