"""v1 Service manifests: ports (targetPort by number or by container-port name, nodePort), selector,
clusterIP (given, allocated later by the plan, or None for headless), session affinity, type
(ClusterIP, NodePort, LoadBalancer), externalTrafficPolicy, loadBalancerIP, healthCheckNodePort."""

from __future__ import annotations

import re
from ipaddress import IPv4Address
from typing import Any

from netlab.model import fields
from netlab.model.lab import (
    AFFINITY_TIMEOUT_DEFAULT,
    AFFINITY_TIMEOUT_MAX,
    EXTERNAL_POLICIES,
    NODE_PORT_RANGE,
    SERVICE_TYPES,
    Service,
    ServicePort,
)
from netlab.model.schema import FieldReader, duplicates

# A Service port's name is a DNS label (the API server's ValidateDNS1123Label); a targetPort that
# names a container port is an IANA service name, at most 15 characters, as container port names are.
PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
PORT_NAME_MAX = 63
TARGET_PORT_NAME_MAX = 15
IP_FAMILY_POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")
IP_FAMILIES = ("IPv4", "IPv6")
DNS_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$")  # RFC 1123
DNS_NAME_MAX = 253


def read_service(r: FieldReader, spec_raw: Any, name: str, namespace: str, label: str) -> Service:
    """The Service from its `spec`; problems go to the reader with `label` (e.g. "Service web").

    Each piece reads one field or rule; the order they run in is the order a spec's problems
    are reported in."""
    place = f"{label}: spec"
    spec = r.mapping(spec_raw, place, fields.SERVICE_SPEC)
    kind = r.choice(spec.get("type", "ClusterIP"), f"{place}.type", SERVICE_TYPES)
    ports = _ports(r, spec, kind, place)
    external_name = _external_name(r, spec, kind, place)
    _unique_ports(r, ports, f"{place}.ports")
    cluster_ip = _ip_families(r, spec, _cluster_ip(r, spec.get("clusterIP"), f"{place}.clusterIP"), place)
    affinity, timeout = _session_affinity(r, spec, place)
    policy = r.choice(spec.get("externalTrafficPolicy", "Cluster"), f"{place}.externalTrafficPolicy", EXTERNAL_POLICIES)
    _type_rules(r, spec, kind, ports, cluster_ip, place)
    load_balancer_ip = _load_balancer_ip(r, spec, kind, place)
    health_check_node_port = _health_check_node_port(r, spec, kind, policy, place)
    return Service(
        name=name,
        namespace=namespace,
        ports=ports,
        selector=r.labels(spec.get("selector"), f"{place}.selector"),
        type=kind,
        cluster_ip=cluster_ip,
        session_affinity=affinity == "ClientIP",
        affinity_timeout=timeout,
        external_policy=policy,
        load_balancer_ip=load_balancer_ip,
        health_check_node_port=health_check_node_port,
        external_name=external_name,
    )


def _ports(r: FieldReader, spec: dict, kind: str, place: str) -> tuple[ServicePort, ...]:
    """`ports`, which every type but ExternalName (a DNS alias, with nothing to forward) needs."""
    raw_ports = r.sequence(spec.get("ports"), f"{place}.ports")
    ports = tuple(_port(r, raw, f"{place}.ports[{i}]") for i, raw in enumerate(raw_ports))
    if not ports and kind != "ExternalName":
        r.problem(f"{place}.ports", "is required" if spec.get("ports") is None else "needs at least one port")
    return ports


def _external_name(r: FieldReader, spec: dict, kind: str, place: str) -> str | None:
    """The DNS name an ExternalName Service aliases (its CNAME); no other type may have one."""
    external_name = spec.get("externalName")
    if kind == "ExternalName" and not external_name:
        r.problem(f"{place}.externalName", "is required when type is ExternalName")
    if external_name is not None and kind == "ExternalName":
        external_name = r.string(external_name, f"{place}.externalName", DNS_NAME, DNS_NAME_MAX)
    elif external_name is not None:
        r.problem(f"{place}.externalName", "may only be set when type is ExternalName")
    return str(external_name) if kind == "ExternalName" and external_name else None


def _cluster_ip(r: FieldReader, value: Any, where: str) -> str | None:
    """A cluster IP as given: an address, "None" (headless), or None when the plan allocates one."""
    if value not in (None, "", "None"):
        try:
            IPv4Address(str(value))
        except ValueError:
            r.problem(where, f"{value!r} is neither an IPv4 address nor None (headless)")
    return str(value) if value else None


def _ip_families(r: FieldReader, spec: dict, cluster_ip: str | None, place: str) -> str | None:
    """ipFamilyPolicy, ipFamilies and clusterIPs, as the API server of a single-stack IPv4 cluster
    takes them (a lab's cluster is one): SingleStack, PreferDualStack (which gets IPv4 alone there)
    and IPv4 are accepted, as `kubectl get -o yaml` writes them back; RequireDualStack and IPv6
    are refused, as there. clusterIPs holds one address, clusterIP's (it stands in for a missing
    clusterIP). Returns the Service's clusterIP."""
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and r.choice(policy, f"{place}.ipFamilyPolicy", IP_FAMILY_POLICIES) == "RequireDualStack":
        r.problem(f"{place}.ipFamilyPolicy", "RequireDualStack needs a dual-stack cluster: this lab's is IPv4 only")
    for family in r.strings(spec.get("ipFamilies"), f"{place}.ipFamilies"):
        if r.choice(family, f"{place}.ipFamilies", IP_FAMILIES) == "IPv6":
            r.problem(f"{place}.ipFamilies", "IPv6 needs a cluster with IPv6: this lab's is IPv4 only")
    addresses = r.strings(spec.get("clusterIPs"), f"{place}.clusterIPs")
    if len(addresses) > 1:
        r.problem(f"{place}.clusterIPs", "holds one address in a single-stack IPv4 cluster, as this lab's is")
    if not addresses:
        return cluster_ip
    if cluster_ip is not None:
        if addresses[0] != cluster_ip:
            r.problem(f"{place}.clusterIPs", f"must start with clusterIP ({cluster_ip}), as the API server asks")
        return cluster_ip
    return _cluster_ip(r, addresses[0], f"{place}.clusterIPs")


def _session_affinity(r: FieldReader, spec: dict, place: str) -> tuple[str, int]:
    """`sessionAffinity` (ClientIP keeps a client on one endpoint) and for how many seconds
    (sessionAffinityConfig.clientIP.timeoutSeconds, Kubernetes' default 10800)."""
    affinity = r.choice(spec.get("sessionAffinity", "None"), f"{place}.sessionAffinity", ("None", "ClientIP"))
    where = f"{place}.sessionAffinityConfig"
    config = r.mapping(spec.get("sessionAffinityConfig"), where, fields.SESSION_AFFINITY_CONFIG)
    client_ip = r.mapping(config.get("clientIP"), f"{where}.clientIP", fields.CLIENT_IP_CONFIG)
    timeout = r.integer(
        client_ip.get("timeoutSeconds", AFFINITY_TIMEOUT_DEFAULT),
        f"{where}.clientIP.timeoutSeconds",
        1,
        AFFINITY_TIMEOUT_MAX,
    )
    return affinity, timeout


def _type_rules(
    r: FieldReader, spec: dict, kind: str, ports: tuple[ServicePort, ...], cluster_ip: str | None, place: str
) -> None:
    """As the API server validates: a ClusterIP Service is reached inside the cluster only (no
    externalTrafficPolicy, no nodePort), and only a ClusterIP Service may be headless."""
    if kind == "ClusterIP":
        if "externalTrafficPolicy" in spec:
            r.problem(f"{place}.externalTrafficPolicy", "may only be set when type is NodePort or LoadBalancer")
        for i, port in enumerate(ports):
            if port.node_port is not None:
                r.problem(f"{place}.ports[{i}].nodePort", "may not be used when type is ClusterIP")
    if kind != "ClusterIP" and cluster_ip == "None":
        r.problem(f"{place}.clusterIP", f"a {kind} Service cannot be headless")


def _load_balancer_ip(r: FieldReader, spec: dict, kind: str, place: str) -> str | None:
    """The address a LoadBalancer Service asks its load balancer for (`loadBalancerIP`)."""
    lb_ip = spec.get("loadBalancerIP")
    if lb_ip is None:
        return None
    if kind != "LoadBalancer":
        r.problem(f"{place}.loadBalancerIP", "may only be set when type is LoadBalancer")
    try:
        IPv4Address(str(lb_ip))
    except ValueError:
        r.problem(f"{place}.loadBalancerIP", f"{lb_ip!r} is not an IPv4 address")
    return str(lb_ip)


def _health_check_node_port(r: FieldReader, spec: dict, kind: str, policy: str, place: str) -> int | None:
    """The node port a cloud load balancer probes to learn which nodes have local endpoints: only a
    LoadBalancer Service with externalTrafficPolicy Local has one."""
    if spec.get("healthCheckNodePort") is None:
        return None
    health = r.integer(spec["healthCheckNodePort"], f"{place}.healthCheckNodePort", *NODE_PORT_RANGE)
    if kind != "LoadBalancer" or policy != "Local":
        r.problem(
            f"{place}.healthCheckNodePort",
            "may only be set when type is LoadBalancer and externalTrafficPolicy is Local",
        )
    return health


def _port(r: FieldReader, raw: Any, place: str) -> ServicePort:
    p = r.mapping(raw, place, fields.SERVICE_PORT, required=("port",))
    target = p.get("targetPort")
    if isinstance(target, str):
        target = r.string(target, f"{place}.targetPort", max_len=TARGET_PORT_NAME_MAX)
    elif target is not None:
        target = r.integer(target, f"{place}.targetPort", 1, 65535)
    return ServicePort(
        port=r.integer(p.get("port"), f"{place}.port", 1, 65535),
        protocol=r.choice(p.get("protocol", "TCP"), f"{place}.protocol", ("TCP", "UDP")),
        name=r.string(p["name"], f"{place}.name", PORT_NAME, PORT_NAME_MAX) if "name" in p else None,
        target_port=target,
        node_port=r.integer(p["nodePort"], f"{place}.nodePort", *NODE_PORT_RANGE) if "nodePort" in p else None,
    )


def _unique_ports(r: FieldReader, ports: tuple[ServicePort, ...], place: str) -> None:
    """As Kubernetes validates: several ports need names, unique ones; port+protocol is unique."""
    if len(ports) > 1 and any(p.name is None for p in ports):
        r.problem(place, "a Service with several ports must name each of them")
    names = [p.name for p in ports if p.name]
    for dup in duplicates(names):
        r.problem(place, f"two ports are named {dup}")
    keys = [(p.port, p.protocol) for p in ports]
    for port, protocol in duplicates(keys):
        r.problem(place, f"{protocol} port {port} is listed twice")
    node_ports = [(p.node_port, p.protocol) for p in ports if p.node_port is not None]
    for port, protocol in duplicates(node_ports):
        r.problem(place, f"{protocol} nodePort {port} is listed twice")
