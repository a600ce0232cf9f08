"""A running lab as a picture shaped like the article's figures (pure): ascii, Mermaid or Graphviz.

The input is what the kernel holds (`Picture`, filled by the CLI from the namespaces read back):
each node with eth0 on the underlay bridge and cni0 (and flannel.1) for its pods, each pod's eth0
and the node-side veth that plugs it into cni0, the outside hosts, the Services with their
endpoints and the nodes' routes; a pod NetworkPolicies isolate carries a mark, and a legend names
the policies (both from the lab's policies, as netlab.render.netpolstatus words them). An
interface the kernel lost shows as missing, so the picture is also a check. The `Drawn*` classes
are what the picture shows of each, not the model's objects.
`ascii` is for the terminal; `mermaid` for Markdown handouts; `dot` for Graphviz (`dot -Tsvg`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Iface:
    name: str
    addresses: tuple[str, ...] = ()
    up: bool = True

    def label(self) -> str:
        state = "" if self.up else " (down)"
        return f"{self.name} {' '.join(self.addresses) or 'no address'}{state}"


@dataclass(frozen=True)
class DrawnPod:
    name: str
    node: str
    eth0: Iface | None  # None: the kernel lost it (or the namespace)
    veth: Iface | None  # the node-side end on cni0
    isolation: str = ""  # "🔒 in,out": NetworkPolicies isolate it (netlab.render.netpolstatus)


@dataclass(frozen=True)
class DrawnNode:
    name: str
    eth0: Iface | None
    bridges: tuple[Iface, ...]  # cni0, flannel.1: what the node's pods hang off
    routes: tuple[str, ...]


@dataclass(frozen=True)
class DrawnHost:
    name: str
    eth0: Iface | None


@dataclass(frozen=True)
class DrawnService:
    name: str
    namespace: str
    cluster_ip: str
    ports: str  # "80/TCP, 53/UDP", "80:30080/TCP" (a node port), as kubectl shows them
    endpoints: tuple[tuple[str, str], ...]  # ("10.244.1.3:8080", "web-0")
    type: str = "ClusterIP"
    external: str = ""  # a LoadBalancer's IP, an ExternalName's name

    def summary(self) -> str:
        """Type, addresses and ports as `kubectl get svc` shows them, and who answers for it."""
        if self.type == "ExternalName":
            return f"ExternalName -> {self.external} (a CNAME in cluster DNS: no rules)"
        external = f" external {self.external}" if self.external else ""
        headless = " (headless: cluster DNS answers with the endpoints, no rules)" if self.cluster_ip == "None" else ""
        return f"{self.type} {self.cluster_ip}{external} {self.ports}{headless}"


@dataclass(frozen=True)
class DrawnRoute:
    """A way through a Gateway's nginx (netlab.render.gateway.RouteRow, as text): from its pod, for
    a host and path, to Services (the upstreams are their pods: no kube-proxy on this hop)."""

    pod: str
    where: str  # ":80 cafe.example.com PathPrefix /coffee header version=v2"
    targets: tuple[tuple[str, str], ...]  # (namespace/service, share)
    answer: str = ""  # what nginx answers itself

    def summary(self) -> str:
        to = ", ".join(f"{svc} {share}" for svc, share in self.targets)
        return f"{self.pod} {self.where} -> {to or self.answer}"


@dataclass(frozen=True)
class Picture:
    lab: str
    network: str
    proxy_mode: str
    nodes: tuple[DrawnNode, ...]
    pods: tuple[DrawnPod, ...]
    hosts: tuple[DrawnHost, ...]
    services: tuple[DrawnService, ...]
    routes: tuple[DrawnRoute, ...] = ()  # Gateway API: what each Gateway's nginx sends where
    policies: tuple[str, ...] = ()  # the legend: one line per NetworkPolicy, what it selects


FORMATS = ("ascii", "mermaid", "dot", "svg")
POLICIES = "NetworkPolicies (enforced by kube-router; 🔒 in/out: a pod isolated for ingress/egress)"
NEWLINE = r"\n"  # a line break inside a Graphviz label (the escape, not the character)


def _iface(iface: Iface | None, name: str = "eth0") -> str:
    return iface.label() if iface else f"{name} MISSING"


def ascii_art(p: Picture) -> str:
    lines = [f"lab {p.lab}: pod network {p.network}, kube-proxy {p.proxy_mode}", "", "underlay (br0)"]
    members: list[DrawnNode | DrawnHost] = [*p.nodes, *p.hosts]
    for i, member in enumerate(members):
        last = i == len(members) - 1
        branch, stem = ("└─", "   ") if last else ("├─", "│  ")
        lines.append(f"{branch} {member.name}: {_iface(member.eth0)}")
        if isinstance(member, DrawnNode):
            for bridge in member.bridges:
                lines.append(f"{stem}    {bridge.label()}")
            pods = [pod for pod in p.pods if pod.node == member.name]
            for j, pod in enumerate(pods):
                twig = "└─" if j == len(pods) - 1 else "├─"
                veth = pod.veth.name if pod.veth else "veth MISSING"
                mark = f" {pod.isolation}" if pod.isolation else ""
                lines.append(f"{stem}      {twig} {veth} ══ {pod.name}: {_iface(pod.eth0)}{mark}")
    if p.policies:
        lines += ["", POLICIES] + [f"  {line}" for line in p.policies]
    if p.services:
        lines += ["", f"Services (programmed by kube-proxy, {p.proxy_mode} mode)"]
        for svc in p.services:
            target = ", ".join(f"{address} ({pod})" for address, pod in svc.endpoints) or "no endpoints"
            lines.append(
                f"  {svc.namespace}/{svc.name} {svc.summary()}"
                + ("" if svc.type == "ExternalName" else f" -> {target}")
            )
    if p.routes:
        lines += ["", "Gateway API (nginx in each Gateway's pod, as NGINX Gateway Fabric configures it)"]
        lines += [f"  {route.summary()}" for route in p.routes]
    lines += ["", "Routes"] + [f"  {node.name}: {'; '.join(node.routes)}" for node in p.nodes]
    return "\n".join(lines) + "\n"


def _id(*parts: str) -> str:
    """An identifier Mermaid and Graphviz both accept."""
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


@dataclass(frozen=True)
class _Box:
    id: str
    lines: tuple[str, ...]
    shape: str = "box"  # box, oval (the underlay bridge), hexagon (a Service), note (the policies' legend)


@dataclass(frozen=True)
class _Edge:
    a: str
    b: str
    label: str = ""
    dashed: bool = False  # a Service to its endpoints: a rule, not a wire


@dataclass
class _Graph:
    """The picture as boxes and edges, clusters per node: what Mermaid and dot both draw."""

    loose: list[_Box]
    clusters: list[tuple[str, str, list[_Box]]]  # (id, label, boxes)
    edges: list[_Edge]


def _graph(p: Picture) -> _Graph:
    graph = _Graph([_Box("underlay", ("underlay br0",), "oval")], [], [])
    for node in p.nodes:
        boxes = [_Box(_id(node.name, "eth0"), (_iface(node.eth0),))]
        boxes += [_Box(_id(node.name, bridge.name), (bridge.label(),)) for bridge in node.bridges]
        for pod in (pod for pod in p.pods if pod.node == node.name):
            mark = (pod.isolation,) if pod.isolation else ()
            boxes.append(_Box(_id("pod", pod.name), (f"pod {pod.name}", _iface(pod.eth0), *mark)))
            veth = pod.veth.name if pod.veth else "veth MISSING"
            graph.edges.append(_Edge(_id(node.name, "cni0"), _id("pod", pod.name), veth))
        graph.clusters.append((_id("cluster", node.name), node.name, boxes))
        graph.edges.append(_Edge("underlay", _id(node.name, "eth0")))
    for host in p.hosts:
        graph.loose.append(_Box(_id("host", host.name), (host.name, _iface(host.eth0))))
        graph.edges.append(_Edge("underlay", _id("host", host.name)))
    if p.policies:
        graph.loose.append(_Box("policies", (POLICIES, *p.policies), "note"))
    for svc in p.services:
        sid = _id("svc", svc.namespace, svc.name)
        graph.loose.append(_Box(sid, (f"Service {svc.name}", svc.summary()), "hexagon"))
        graph.edges += [
            _Edge(sid, _endpoint_box(p, graph, name, address), address, dashed=True) for address, name in svc.endpoints
        ]
    for route in p.routes:
        graph.edges += [
            _Edge(_id("pod", route.pod), _id("svc", *svc.split("/")), f"{route.where} {share}", dashed=True)
            for svc, share in route.targets
            if " " not in svc  # an unresolved backendRef has no Service to draw
        ]
    return graph


def _endpoint_box(p: Picture, graph: _Graph, name: str, address: str) -> str:
    """The box an endpoint's edge ends at: its pod's, an outside host's (a hand-made endpoint), or
    one of the address's own when nothing of the lab holds it."""
    if any(pod.name == name for pod in p.pods):
        return _id("pod", name)
    if any(host.name == name for host in p.hosts):
        return _id("host", name)
    box = _id("address", address.rpartition(":")[0])
    if all(b.id != box for b in graph.loose):
        graph.loose.append(_Box(box, (f"{address.rpartition(':')[0]} (no pod)",)))
    return box


MERMAID_SHAPES = {"box": '["{}"]', "oval": '(["{}"])', "hexagon": '{{{{"{}"}}}}', "note": '>"{}"]'}


def mermaid(p: Picture) -> str:
    graph = _graph(p)

    def box(b: _Box) -> str:
        return b.id + MERMAID_SHAPES[b.shape].format("<br/>".join(b.lines))

    lines = ["flowchart TB"]
    for cluster_id, label, boxes in graph.clusters:
        lines += [f'  subgraph {cluster_id}["{label}"]'] + [f"    {box(b)}" for b in boxes] + ["  end"]
    lines += [f"  {box(b)}" for b in graph.loose]
    for e in graph.edges:
        arrow = "-.->" if e.dashed else "---"
        lines.append(f'  {e.a} {arrow}|"{e.label}"| {e.b}' if e.label else f"  {e.a} {arrow} {e.b}")
    return "\n".join(lines) + "\n"


def dot(p: Picture) -> str:
    graph = _graph(p)

    def quote(text: str) -> str:
        return '"' + text.replace('"', '\\"') + '"'

    def box(b: _Box) -> str:
        shape = "" if b.shape == "box" else f", shape={b.shape}"
        return f"{b.id} [label={quote(NEWLINE.join(b.lines))}{shape}];"

    lines = [f"graph {quote(p.lab)} {{", "  rankdir=TB; node [shape=box, fontname=monospace];"]
    for cluster_id, label, boxes in graph.clusters:
        lines += [f"  subgraph {cluster_id} {{ label={quote(label)};"] + [f"    {box(b)}" for b in boxes] + ["  }"]
    lines += [f"  {box(b)}" for b in graph.loose]
    for e in graph.edges:
        style = [f"label={quote(e.label)}"] if e.label else []
        style += ["style=dashed"] if e.dashed else []
        lines.append(f"  {e.a} -- {e.b}" + (f" [{', '.join(style)}];" if style else ";"))
    lines.append("}")
    return "\n".join(lines) + "\n"
