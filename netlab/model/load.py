"""Lab file -> validated `Lab`: every problem collected, each naming file, object and field.

Nothing here touches the machine. Problems are gathered for the whole file and raised together as
one `LabValidationError`, so a learner fixes them all in one go; nothing is created before this
has passed (the CLI loads and plans before it builds).
"""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import resources
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import yaml

from netlab.errors import BadInput, LabValidationError, Problem
from netlab.model import clusterdns, fields
from netlab.model.checks import check_references, read_check, read_guide_step, read_translations
from netlab.model.ingress import check_ingresses, read_ingress
from netlab.model.lab import (
    DNS_POLICIES,
    LOAD_BALANCERS,
    NETWORK_MODES,
    OUTSIDE_NAMES,
    PROXY_MODES,
    Cluster,
    Container,
    ContainerPort,
    Deployment,
    DnsConfig,
    Ingress,
    KubeObject,
    Lab,
    NodeSpec,
    OutsideHost,
    Pod,
    PodTemplate,
    Service,
    pod_names,
)
from netlab.model.outside import read_outside
from netlab.model.schema import FieldReader, duplicates
from netlab.model.services import read_service
from netlab.model.tasks import check_tasks

# libyaml's loader when PyYAML has it: ~3x faster than the pure-Python one on big labs.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LAB_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
LAB_NAME_MAX = 32  # it becomes part of every namespace name (nl-<lab>.<object>)
DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
HOSTNAME_MAX = 63  # a pod's name is its hostname: the kernel's UTS name holds 64 bytes with NUL


def bundled_labs_dir() -> Path:
    """The labs shipped with netlab: the package netlab.labs (in a checkout, labs/ links to it)."""
    return Path(str(resources.files("netlab.labs")))


def list_labs() -> list[Lab]:
    """Every bundled lab, loaded (and so validated), sorted by name."""
    return sorted((load_lab(p) for p in bundled_labs_dir().glob("*.yaml")), key=lambda lab: lab.name)


def find_lab(name_or_path: str) -> Path:
    """A bundled lab by name, or a lab file by path.

    Raises:
        BadInput: there is no such lab or file.
    """
    if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise BadInput(f"no lab file {name_or_path}")
        return path
    path = bundled_labs_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        raise BadInput(f"no lab named {name_or_path!r} (netlab list shows the labs)")
    return path


def load_lab(path: Path, text: str | None = None, *, changed: bool = False) -> Lab:
    """Read and validate a lab file.

    Args:
        path: the file, named in every problem.
        text: its content, when already read (a lab's recorded copy).
        changed: the lab was scaled or edited since it came up, so its checks may name pods
            that are gone; they stay (verify shows what changed) instead of failing validation.

    Raises:
        LabValidationError: with every problem found.
    """
    where = str(path)
    if text is None:
        text = path.read_text()
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LabValidationError([Problem(where, f"{line}malformed YAML: {problem}")]) from None
    reader = _LabReader(where, check_pods=not changed)
    lab = reader.lab(data, path)
    if reader.problems:
        raise LabValidationError(reader.problems)
    assert lab is not None
    return lab


class _LabReader(FieldReader):
    """Builds the model from a lab file's YAML, collecting every problem on the way."""

    def __init__(self, where: str, check_pods: bool = True):
        super().__init__(where)
        self.check_pods = check_pods

    def lab(self, data: Any, path: Path) -> Lab | None:
        top = self.mapping(data, "", fields.LAB, required=("name", "cluster"))
        if self.problems and not top:
            return None
        name = self.string(top.get("name"), "name", LAB_NAME, LAB_NAME_MAX)
        translations = read_translations(self, top, "", fields.LAB_TRANSLATION)  # the title's, as `zh-TW: {title}`
        cluster = self.cluster(top.get("cluster"))
        outside = read_outside(self, top.get("outside"), DNS_LABEL, HOSTNAME_MAX)
        manifests = [
            obj
            for i, raw in enumerate(self.sequence(top.get("objects"), "objects"))
            if (obj := self.kube_object(raw, i)) is not None
        ]  # in file order: its `position`
        objects = tuple(obj for obj in manifests if not isinstance(obj, (Service, Ingress)))
        services = tuple(obj for obj in manifests if isinstance(obj, Service))
        ingresses = tuple(obj for obj in manifests if isinstance(obj, Ingress))
        if cluster.dns:
            objects, services = self.with_cluster_dns(cluster, objects, services, len(manifests))
        self.unique_names(cluster, objects, outside)
        self.unique_services(services)
        self.placement(cluster, objects)
        check_ingresses(self, ingresses, services, objects, strict=self.check_pods)
        checks = tuple(read_check(self, raw, i) for i, raw in enumerate(self.sequence(top.get("checks"), "checks")))
        if self.check_pods:
            check_references(self, checks, cluster, objects, outside, services)
        guide = tuple(read_guide_step(self, raw, i) for i, raw in enumerate(self.sequence(top.get("guide"), "guide")))
        known_checks = {c.name for c in checks}
        for i, step in enumerate(guide):
            for ref in step.checks:
                if ref not in known_checks:
                    self.problem(f"guide[{i}].checks", f"no check named {ref!r}")
        check_tasks(self, guide, cluster, objects, services)
        return Lab(
            name=name,
            title=str(top.get("title") or name),
            seed=str(top.get("seed") or ""),
            source=path,
            cluster=cluster,
            objects=objects,
            services=services,
            checks=checks,
            guide=guide,
            ignored_fields=tuple(dict.fromkeys(self.ignored)),
            outside=outside,
            ingresses=ingresses,
            translations=translations,
        )

    def cluster(self, raw: Any) -> Cluster:
        c = self.mapping(raw, "cluster", fields.CLUSTER, required=("nodes",))
        nodes = []
        for i, item in enumerate(self.sequence(c.get("nodes"), "cluster.nodes")):
            place = f"cluster.nodes[{i}]"
            item = {"name": item} if isinstance(item, str) else item
            n = self.mapping(item, place, fields.NODE, required=("name",))
            node_name = self.string(n.get("name"), f"{place}.name", DNS_LABEL, HOSTNAME_MAX)
            labels = {**self.labels(n.get("labels"), f"{place}.labels"), "kubernetes.io/hostname": node_name}
            nodes.append(NodeSpec(node_name, labels))
        if c.get("nodes") is not None and not nodes:
            self.problem("cluster.nodes", "needs at least one node")
        defaults = Cluster(nodes=())
        return Cluster(
            nodes=tuple(nodes),
            network=self.choice(c.get("network", defaults.network), "cluster.network", NETWORK_MODES),
            proxy_mode=self.choice(c.get("proxyMode", defaults.proxy_mode), "cluster.proxyMode", PROXY_MODES),
            pod_cidr=self.network(c.get("podCIDR"), "cluster.podCIDR", defaults.pod_cidr),
            service_cidr=self.network(c.get("serviceCIDR"), "cluster.serviceCIDR", defaults.service_cidr),
            underlay=self.network(c.get("underlay"), "cluster.underlay", defaults.underlay),
            node_cidr_mask=self.integer(c.get("nodeCIDRMaskSize", 24), "cluster.nodeCIDRMaskSize", 16, 28),
            cluster_domain=str(c.get("clusterDomain") or defaults.cluster_domain),
            load_balancer=self.choice(
                c.get("loadBalancer", defaults.load_balancer), "cluster.loadBalancer", LOAD_BALANCERS
            ),
            dns=self.boolean(c.get("dns"), "cluster.dns", defaults.dns),
        )

    def with_cluster_dns(
        self, cluster: Cluster, objects: tuple[KubeObject, ...], services: tuple[Service, ...], count: int
    ) -> tuple[tuple[KubeObject, ...], tuple[Service, ...]]:
        """The lab's objects with the cluster DNS add-on (netlab.model.clusterdns) added, unless
        the lab's own objects take its names (then say so: `cluster.dns: false` brings your own)."""
        taken = [
            f"Service {s.namespace}/{s.name}"
            for s in services
            if (s.namespace, s.name) == (clusterdns.NAMESPACE, clusterdns.SERVICE)
        ]
        taken += [f"pod {name}" for name in pod_names(objects) if name in clusterdns.pod_names()]
        address = clusterdns.cluster_dns_address(cluster.service_cidr)
        taken += [f"Service {s.namespace}/{s.name}'s clusterIP" for s in services if s.cluster_ip == address]
        for name in taken:
            self.problem(
                "cluster.dns",
                f"{name} is cluster DNS's (kube-system/coredns, kube-dns at {address}); "
                f"set cluster.dns: false to run a lab without it",
            )
        return (
            (*objects, clusterdns.coredns_deployment(count)),
            (clusterdns.kube_dns_service(cluster.service_cidr), *services),
        )

    def kube_object(self, raw: Any, index: int) -> KubeObject | Service | Ingress | None:
        if not isinstance(raw, dict):
            self.problem(f"objects[{index}]", "must be a Kubernetes manifest (a mapping)")
            return None
        kind, api = raw.get("kind"), raw.get("apiVersion")
        meta = raw.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
        label = f"{kind} {meta.get('name')}" if meta.get("name") else f"objects[{index}]"
        if (api, kind) not in fields.KINDS:
            kinds = ", ".join(f"{a} {k}" for a, k in sorted(fields.KINDS))
            self.problem(label, f"unknown kind {api} {kind} (netlab knows {kinds})")
            return None
        obj = self.mapping(raw, label, fields.OBJECT, required=("metadata", "spec"))
        m = self.mapping(obj.get("metadata"), f"{label}: metadata", fields.METADATA, required=("name",))
        name = self.string(m.get("name"), f"{label}: metadata.name", DNS_LABEL, HOSTNAME_MAX)
        namespace = self.string(m.get("namespace", "default"), f"{label}: metadata.namespace", DNS_LABEL, 63)
        if kind == "Service":
            return replace(read_service(self, obj.get("spec"), name, namespace, label), position=index)
        if kind == "Ingress":
            return read_ingress(self, obj.get("spec"), name, namespace, label)
        if kind == "Pod":
            template = self.pod_spec(
                obj.get("spec"), self.labels(m.get("labels"), f"{label}: metadata.labels"), f"{label}: spec"
            )
            return Pod(name, namespace, template, position=index)
        spec = self.mapping(
            obj.get("spec"), f"{label}: spec", fields.DEPLOYMENT_SPEC, required=("selector", "template")
        )
        replicas = self.integer(spec.get("replicas", 1), f"{label}: spec.replicas", 0, 1000)
        sel = self.mapping(
            spec.get("selector"), f"{label}: spec.selector", fields.LABEL_SELECTOR, required=("matchLabels",)
        )
        selector = self.labels(sel.get("matchLabels"), f"{label}: spec.selector.matchLabels")
        tpl = self.mapping(spec.get("template"), f"{label}: spec.template", fields.POD_TEMPLATE, required=("spec",))
        tmeta = self.mapping(tpl.get("metadata"), f"{label}: spec.template.metadata", fields.METADATA)
        labels = self.labels(tmeta.get("labels"), f"{label}: spec.template.metadata.labels")
        if selector and any(labels.get(k) != v for k, v in selector.items()):
            self.problem(f"{label}: spec.selector", "does not match spec.template.metadata.labels")
        template = self.pod_spec(tpl.get("spec"), labels, f"{label}: spec.template.spec")
        if replicas and len(name) <= HOSTNAME_MAX < len(f"{name}-{replicas - 1}"):
            self.problem(f"{label}: metadata.name", f"pod names {name}-N would not fit the kernel's hostname")
        return Deployment(name, namespace, replicas, selector, template, position=index)

    def pod_spec(self, raw: Any, labels: dict[str, str], place: str) -> PodTemplate:
        spec = self.mapping(raw, place, fields.POD_SPEC, required=("containers",))
        containers = []
        taken: dict[tuple[int, str], str] = {}
        for i, item in enumerate(self.sequence(spec.get("containers"), f"{place}.containers")):
            cplace = f"{place}.containers[{i}]"
            c = self.mapping(item, cplace, fields.CONTAINER, required=("name",))
            cname = self.string(c.get("name"), f"{cplace}.name", DNS_LABEL, 63)
            ports = []
            for j, p in enumerate(self.sequence(c.get("ports"), f"{cplace}.ports")):
                pplace = f"{cplace}.ports[{j}]"
                pm = self.mapping(p, pplace, fields.CONTAINER_PORT, required=("containerPort",))
                ports.append(
                    ContainerPort(
                        port=self.integer(pm.get("containerPort"), f"{pplace}.containerPort", 1, 65535),
                        protocol=self.choice(pm.get("protocol", "TCP"), f"{pplace}.protocol", ("TCP", "UDP")),
                        name=self.string(pm["name"], f"{pplace}.name", DNS_LABEL, 15) if "name" in pm else None,
                    )
                )
            env = []
            for j, e in enumerate(self.sequence(c.get("env"), f"{cplace}.env")):
                em = self.mapping(e, f"{cplace}.env[{j}]", fields.ENV_VAR, required=("name",))
                env.append((str(em.get("name")), str(em.get("value", ""))))
            container = Container(
                name=cname,
                command=self.strings(c.get("command"), f"{cplace}.command"),
                args=self.strings(c.get("args"), f"{cplace}.args"),
                ports=tuple(ports),
                env=tuple(env),
            )
            for problem in container.netexec_flags()[1]:
                self.problem(f"{cplace}.{'command' if container.command else 'args'}", f"agnhost netexec: {problem}")
            for port, protocol in container.listens_on():
                if (port, protocol) in taken:
                    self.problem(
                        cplace,
                        f"{protocol} port {port} is already taken by container "
                        f"{taken[port, protocol]}: containers of a pod share one network namespace",
                    )
                taken[port, protocol] = cname
            containers.append(container)
        names = [c.name for c in containers]
        for dup in duplicates(names):
            self.problem(f"{place}.containers", f"two containers are named {dup}")
        if spec.get("containers") is not None and not containers:
            self.problem(f"{place}.containers", "needs at least one container")
        node_name = spec.get("nodeName")
        policy = self.choice(spec.get("dnsPolicy", "ClusterFirst"), f"{place}.dnsPolicy", DNS_POLICIES)
        dns_config = self.dns_config(spec.get("dnsConfig"), f"{place}.dnsConfig")
        if policy == "None" and dns_config is None:
            self.problem(f"{place}.dnsConfig", "is required when dnsPolicy is None")
        return PodTemplate(
            labels=labels,
            containers=tuple(containers),
            node_name=self.string(node_name, f"{place}.nodeName") if node_name is not None else None,
            node_selector=self.labels(spec.get("nodeSelector"), f"{place}.nodeSelector"),
            enable_service_links=self.boolean(spec.get("enableServiceLinks"), f"{place}.enableServiceLinks", True),
            dns_policy=policy,
            dns_config=dns_config,
        )

    def dns_config(self, raw: Any, place: str) -> DnsConfig | None:
        """spec.dnsConfig, with the API server's limits (3 nameservers, 32 search domains)."""
        if raw is None:
            return None
        c = self.mapping(raw, place, fields.DNS_CONFIG)
        nameservers = self.strings(c.get("nameservers"), f"{place}.nameservers")
        for server in nameservers:
            try:
                IPv4Address(server)
            except ValueError:
                self.problem(f"{place}.nameservers", f"{server!r} is not an IPv4 address")
        if len(nameservers) > 3:
            self.problem(f"{place}.nameservers", "at most 3 nameservers")
        searches = self.strings(c.get("searches"), f"{place}.searches")
        if len(searches) > 32:
            self.problem(f"{place}.searches", "at most 32 search domains")
        options = []
        for i, item in enumerate(self.sequence(c.get("options"), f"{place}.options")):
            o = self.mapping(item, f"{place}.options[{i}]", fields.DNS_OPTION, required=("name",))
            if o.get("name"):
                options.append((str(o["name"]), str(o["value"]) if o.get("value") is not None else None))
        return DnsConfig(nameservers, searches, tuple(options))

    def unique_names(self, cluster: Cluster, objects: tuple[KubeObject, ...], outside: tuple[OutsideHost, ...]) -> None:
        """Nodes, pods and outside hosts share one name space: `netlab exec LAB NAME` picks any."""
        seen: set[str] = set()
        for name in (
            [n.name for n in cluster.nodes] + pod_names(objects) + list(OUTSIDE_NAMES) + [h.name for h in outside]
        ):
            if name in seen:
                self.problem(
                    "",
                    f"the name {name!r} is used twice (nodes, pods, outside hosts and "
                    f"{'/'.join(OUTSIDE_NAMES)} share one set of names)",
                )
            seen.add(name)

    def unique_services(self, services: tuple[Service, ...]) -> None:
        names = [(s.namespace, s.name) for s in services]
        for namespace, name in duplicates(names):
            self.problem(f"Service {name}", f"two Services are named {name} in namespace {namespace}")

    def placement(self, cluster: Cluster, objects: tuple[KubeObject, ...]) -> None:
        nodes = {n.name: n for n in cluster.nodes}
        for obj in objects:
            tpl = obj.template
            if tpl.node_name and tpl.node_name not in nodes:
                self.problem(f"{type(obj).__name__} {obj.name}: spec.nodeName", f"no node named {tpl.node_name!r}")
            elif tpl.node_selector and not any(
                all(n.labels.get(k) == v for k, v in tpl.node_selector.items()) for n in nodes.values()
            ):
                self.problem(f"{type(obj).__name__} {obj.name}: spec.nodeSelector", "no node has these labels")
