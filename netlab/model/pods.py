"""Pods and Deployments: the pod template (containers, ports, env, DNS settings) and where pods may run (pure).

Validation is the API server's where netlab follows it: names are DNS labels, a pod's name fits the
kernel's hostname (it is the pod's hostname), container ports are unique within a pod (its containers
share one network namespace), and spec.dnsConfig keeps the API server's limits.
"""

from __future__ import annotations

import re
from dataclasses import replace
from ipaddress import IPv4Address
from typing import Any

from netlab.model import fields
from netlab.model.env import read_env, read_env_from
from netlab.model.lab import (
    DNS_POLICIES,
    RESTART_POLICIES,
    Cluster,
    Container,
    ContainerPort,
    Deployment,
    DnsConfig,
    KubeObject,
    PodTemplate,
)
from netlab.model.schema import FieldReader, duplicates

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
HOSTNAME_MAX = 63  # a pod's name is its hostname: the kernel's UTS name holds 64 bytes with NUL
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")  # RFC 1123
DNS_SUBDOMAIN_MAX = 253


def read_deployment(r: FieldReader, raw: Any, name: str, namespace: str, label: str, index: int) -> Deployment:
    """An apps/v1 Deployment's spec: what every workload with replicas has (read_replicated)."""
    spec = r.mapping(raw, f"{label}: spec", fields.DEPLOYMENT_SPEC, required=("selector", "template"))
    replicas, selector, template = read_replicated(r, spec, name, label)
    return Deployment(name, namespace, replicas, selector, template, position=index)


def read_replicated(
    r: FieldReader, spec: dict, name: str, label: str, first: int = 0
) -> tuple[int, dict[str, str], PodTemplate]:
    """What a Deployment's and a StatefulSet's spec share: replicas, a selector its template's labels
    must match, the pod template; the pods' names (`<name>-<first>` on) must fit the kernel's hostname."""
    replicas = r.integer(spec.get("replicas", 1), f"{label}: spec.replicas", 0, 1000)
    sel = r.mapping(spec.get("selector"), f"{label}: spec.selector", fields.LABEL_SELECTOR, required=("matchLabels",))
    selector = r.labels(sel.get("matchLabels"), f"{label}: spec.selector.matchLabels")
    tpl = r.mapping(spec.get("template"), f"{label}: spec.template", fields.POD_TEMPLATE, required=("spec",))
    tmeta = r.mapping(tpl.get("metadata"), f"{label}: spec.template.metadata", fields.METADATA)
    labels = r.labels(tmeta.get("labels"), f"{label}: spec.template.metadata.labels")
    if selector and any(labels.get(k) != v for k, v in selector.items()):
        r.problem(f"{label}: spec.selector", "does not match spec.template.metadata.labels")
    template = read_pod_spec(r, tpl.get("spec"), labels, f"{label}: spec.template.spec")
    if replicas and len(name) <= HOSTNAME_MAX < len(f"{name}-{first + replicas - 1}"):
        r.problem(f"{label}: metadata.name", f"pod names {name}-N would not fit the kernel's hostname")
    return replicas, selector, template


def read_pod_spec(r: FieldReader, raw: Any, labels: dict[str, str], place: str) -> PodTemplate:
    """A pod template's spec: its containers, where it may run (nodeName, nodeSelector), its Service
    links and DNS settings."""
    spec = r.mapping(raw, place, fields.POD_SPEC, required=("containers",))
    containers = []
    taken: dict[tuple[int, str], str] = {}
    for i, item in enumerate(r.sequence(spec.get("containers"), f"{place}.containers")):
        cplace = f"{place}.containers[{i}]"
        container = _read_container(r, item, cplace)
        _claim_ports(r, container, cplace, taken)
        containers.append(container)
    init_containers = read_init_containers(r, spec.get("initContainers"), f"{place}.initContainers", taken)
    names = [c.name for c in (*containers, *init_containers)]
    for dup in duplicates(names):
        r.problem(f"{place}.containers", f"two containers are named {dup} (init containers count too)")
    if init_containers and any(c.stood_in for c in containers):
        r.problem(f"{place}.initContainers", "init containers beside an ingress controller or CoreDNS: not simulated")
    if spec.get("containers") is not None and not containers:
        r.problem(f"{place}.containers", "needs at least one container")
    node_name = spec.get("nodeName")
    policy = r.choice(spec.get("dnsPolicy", "ClusterFirst"), f"{place}.dnsPolicy", DNS_POLICIES)
    dns_config = read_dns_config(r, spec.get("dnsConfig"), f"{place}.dnsConfig")
    if policy == "None" and dns_config is None:
        r.problem(f"{place}.dnsConfig", "is required when dnsPolicy is None")
    return PodTemplate(
        labels=labels,
        containers=tuple(containers),
        node_name=r.string(node_name, f"{place}.nodeName") if node_name is not None else None,
        node_selector=r.labels(spec.get("nodeSelector"), f"{place}.nodeSelector"),
        enable_service_links=r.boolean(spec.get("enableServiceLinks"), f"{place}.enableServiceLinks", True),
        dns_policy=policy,
        dns_config=dns_config,
        host_aliases=read_host_aliases(r, spec.get("hostAliases"), f"{place}.hostAliases"),
        service_account=r.string(
            spec.get("serviceAccountName", "default"), f"{place}.serviceAccountName", DNS_SUBDOMAIN
        ),
        hostname=label_or_none(r, spec.get("hostname"), f"{place}.hostname"),
        subdomain=label_or_none(r, spec.get("subdomain"), f"{place}.subdomain"),
        init_containers=init_containers,
        restart_policy=r.choice(spec.get("restartPolicy", "Always"), f"{place}.restartPolicy", RESTART_POLICIES),
    )


def label_or_none(r: FieldReader, value: Any, place: str) -> str:
    """An optional DNS label (spec.hostname, spec.subdomain, a StatefulSet's serviceName): "" if not given."""
    return "" if value in (None, "") else r.string(value, place, DNS_LABEL, HOSTNAME_MAX)


def _claim_ports(r: FieldReader, container: Container, place: str, taken: dict[tuple[int, str], str]) -> None:
    """Take the ports the container listens on in the pod; one another container holds is a problem."""
    for port, protocol in container.listens_on():
        if (port, protocol) in taken:
            r.problem(
                place,
                f"{protocol} port {port} is already taken by container "
                f"{taken[port, protocol]}: containers of a pod share one network namespace",
            )
        taken[port, protocol] = container.name


def read_init_containers(
    r: FieldReader, raw: Any, place: str, taken: dict[tuple[int, str], str]
) -> tuple[Container, ...]:
    """spec.initContainers, as the API server validates them: restartPolicy only `Always` (a
    sidecar, whose ports count among the pod's: it keeps running beside the containers); probes
    and lifecycle only on a sidecar. A plain init container runs to completion before the next
    starts, so its ports hold nothing afterwards and clash with no one; it needs a command of its
    own (netlab's image, the echo server, never exits)."""
    found = []
    for i, item in enumerate(r.sequence(raw, place)):
        cplace = f"{place}[{i}]"
        container = _read_container(r, item, cplace, fields.INIT_CONTAINER)
        c = item if isinstance(item, dict) else {}
        policy = c.get("restartPolicy")
        if policy is not None and policy != "Always":
            r.problem(f"{cplace}.restartPolicy", f"{policy!r}: an init container takes only Always (a sidecar)")
        container = replace(container, sidecar=policy == "Always")
        for name in fields.SIDECAR_ONLY:
            if name in c and not container.sidecar:
                r.problem(f"{cplace}.{name}", "may not be set on an init container without restartPolicy: Always")
        if container.stood_in:
            r.problem(cplace, "an ingress controller or CoreDNS as an init container is not simulated")
        elif container.sidecar:
            _claim_ports(r, container, cplace, taken)
        elif container.runs_echo:
            r.problem(
                f"{cplace}.command",
                "runs to completion: an init container needs a command (netlab's image, the echo server, never exits)",
            )
        found.append(container)
    return tuple(found)


def _read_container(r: FieldReader, raw: Any, place: str, structure: fields.Fields = fields.CONTAINER) -> Container:
    """One container: its name, command and args (agnhost netexec's flags checked), ports and env."""
    c = r.mapping(raw, place, structure, required=("name",))
    name = r.string(c.get("name"), f"{place}.name", DNS_LABEL, 63)
    ports = []
    for j, p in enumerate(r.sequence(c.get("ports"), f"{place}.ports")):
        pplace = f"{place}.ports[{j}]"
        pm = r.mapping(p, pplace, fields.CONTAINER_PORT, required=("containerPort",))
        ports.append(
            ContainerPort(
                port=r.integer(pm.get("containerPort"), f"{pplace}.containerPort", 1, 65535),
                protocol=r.choice(pm.get("protocol", "TCP"), f"{pplace}.protocol", ("TCP", "UDP")),
                name=r.string(pm["name"], f"{pplace}.name", DNS_LABEL, 15) if "name" in pm else None,
            )
        )
    env = read_env(r, c.get("env"), f"{place}.env")
    container = Container(
        name=name,
        command=r.strings(c.get("command"), f"{place}.command"),
        args=r.strings(c.get("args"), f"{place}.args"),
        ports=tuple(ports),
        env=env.values,
        field_env=env.fields,
        key_env=env.keys,
        env_from=read_env_from(r, c.get("envFrom"), f"{place}.envFrom"),
    )
    for problem in container.netexec_flags()[1]:
        r.problem(f"{place}.{'command' if container.command else 'args'}", f"agnhost netexec: {problem}")
    return container


def read_host_aliases(r: FieldReader, raw: Any, place: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """spec.hostAliases: the lines the kubelet adds to the pod's /etc/hosts, each an IP address and
    its hostnames (the API server's validation: a valid IP, and DNS subdomain names)."""
    aliases = []
    for i, item in enumerate(r.sequence(raw, place)):
        a = r.mapping(item, f"{place}[{i}]", fields.HOST_ALIAS, required=("ip",))
        ip = str(a.get("ip", ""))
        try:
            IPv4Address(ip)
        except ValueError:
            if a.get("ip") is not None:
                r.problem(f"{place}[{i}].ip", f"{ip!r} is not an IPv4 address (the lab's network is IPv4 only)")
        hostnames = r.strings(a.get("hostnames"), f"{place}[{i}].hostnames")
        for name in hostnames:
            if len(name) > DNS_SUBDOMAIN_MAX or not DNS_SUBDOMAIN.match(name):
                r.problem(f"{place}[{i}].hostnames", f"{name!r} is not a DNS name (lower-case labels, dots)")
        aliases.append((ip, hostnames))
    return tuple(aliases)


def read_dns_config(r: FieldReader, raw: Any, place: str) -> DnsConfig | None:
    """spec.dnsConfig, with the API server's limits (3 nameservers, 32 search domains)."""
    if raw is None:
        return None
    c = r.mapping(raw, place, fields.DNS_CONFIG)
    nameservers = r.strings(c.get("nameservers"), f"{place}.nameservers")
    for server in nameservers:
        try:
            IPv4Address(server)
        except ValueError:
            r.problem(f"{place}.nameservers", f"{server!r} is not an IPv4 address")
    if len(nameservers) > 3:
        r.problem(f"{place}.nameservers", "at most 3 nameservers")
    searches = r.strings(c.get("searches"), f"{place}.searches")
    if len(searches) > 32:
        r.problem(f"{place}.searches", "at most 32 search domains")
    options = []
    for i, item in enumerate(r.sequence(c.get("options"), f"{place}.options")):
        o = r.mapping(item, f"{place}.options[{i}]", fields.DNS_OPTION, required=("name",))
        if o.get("name"):
            options.append((str(o["name"]), str(o["value"]) if o.get("value") is not None else None))
    return DnsConfig(nameservers, searches, tuple(options))


def check_placement(r: FieldReader, cluster: Cluster, objects: tuple[KubeObject, ...]) -> None:
    nodes = {n.name: n for n in cluster.nodes}
    for obj in objects:
        tpl = obj.template
        if tpl.node_name and tpl.node_name not in nodes:
            r.problem(f"{type(obj).__name__} {obj.name}: spec.nodeName", f"no node named {tpl.node_name!r}")
        elif tpl.node_selector and not any(
            all(n.labels.get(k) == v for k, v in tpl.node_selector.items()) for n in nodes.values()
        ):
            r.problem(f"{type(obj).__name__} {obj.name}: spec.nodeSelector", "no node has these labels")
