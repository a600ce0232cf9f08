"""A running lab as a picture shaped like the article's figures (pure): ascii, Mermaid or Graphviz.

The input is what the kernel holds (`Picture`, filled by the CLI from the namespaces read back):
each node with eth0 on the underlay bridge and cni0 (and flannel.1) for its pods, each pod's eth0
and the node-side veth that plugs it into cni0, the outside hosts, the Services with their
endpoints and the nodes' routes. An interface the kernel lost shows as missing, so the picture
is also a check. `ascii` is for the terminal; `mermaid` for Markdown handouts; `dot` for
Graphviz (`dot -Tsvg`).
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
class Pod:
    name: str
    node: str
    eth0: Iface | None        # None: the kernel lost it (or the namespace)
    veth: Iface | None        # the node-side end on cni0


@dataclass(frozen=True)
class Node:
    name: str
    eth0: Iface | None
    bridges: tuple[Iface, ...]  # cni0, flannel.1: what the node's pods hang off
    routes: tuple[str, ...]


@dataclass(frozen=True)
class Host:
    name: str
    eth0: Iface | None


@dataclass(frozen=True)
class Service:
    name: str
    namespace: str
    cluster_ip: str
    ports: str                 # "80/TCP, 53/UDP"
    endpoints: tuple[str, ...]  # "10.244.1.3:8080 (web-0)"


@dataclass(frozen=True)
class Picture:
    lab: str
    network: str
    proxy_mode: str
    nodes: tuple[Node, ...]
    pods: tuple[Pod, ...]
    hosts: tuple[Host, ...]
    services: tuple[Service, ...]


FORMATS = ("ascii", "mermaid", "dot", "svg")
NEWLINE = r"\n"  # a line break inside a Graphviz label (the escape, not the character)


def _iface(iface: Iface | None, name: str = "eth0") -> str:
    return iface.label() if iface else f"{name} MISSING"


def ascii_art(p: Picture) -> str:
    lines = [f"lab {p.lab}: pod network {p.network}, kube-proxy {p.proxy_mode}", "", "underlay (br0)"]
    members = [*p.nodes, *p.hosts]
    for i, member in enumerate(members):
        last = i == len(members) - 1
        branch, stem = ("└─", "   ") if last else ("├─", "│  ")
        lines.append(f"{branch} {member.name}: {_iface(member.eth0)}")
        if isinstance(member, Node):
            for bridge in member.bridges:
                lines.append(f"{stem}    {bridge.label()}")
            pods = [pod for pod in p.pods if pod.node == member.name]
            for j, pod in enumerate(pods):
                twig = "└─" if j == len(pods) - 1 else "├─"
                veth = pod.veth.name if pod.veth else "veth MISSING"
                lines.append(f"{stem}      {twig} {veth} ══ {pod.name}: {_iface(pod.eth0)}")
    if p.services:
        lines += ["", f"Services (programmed by kube-proxy, {p.proxy_mode} mode)"]
        for svc in p.services:
            target = ", ".join(svc.endpoints) or "no endpoints"
            lines.append(f"  {svc.namespace}/{svc.name} {svc.cluster_ip} {svc.ports} -> {target}")
    lines += ["", "Routes"] + [f"  {node.name}: {'; '.join(node.routes)}" for node in p.nodes]
    return "\n".join(lines) + "\n"


def _id(*parts: str) -> str:
    """An identifier Mermaid and Graphviz both accept."""
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def mermaid(p: Picture) -> str:
    lines = ["flowchart TB", '  underlay(["underlay br0"])']
    for node in p.nodes:
        lines.append(f'  subgraph {_id("node", node.name)}["{node.name}"]')
        lines.append(f'    {_id(node.name, "eth0")}["{_iface(node.eth0)}"]')
        for bridge in node.bridges:
            lines.append(f'    {_id(node.name, bridge.name)}["{bridge.label()}"]')
        for pod in (pod for pod in p.pods if pod.node == node.name):
            lines.append(f'    {_id("pod", pod.name)}["pod {pod.name}<br/>{_iface(pod.eth0)}"]')
            cni0 = _id(node.name, "cni0")
            veth = pod.veth.name if pod.veth else "veth MISSING"
            lines.append(f'    {cni0} ---|"{veth}"| {_id("pod", pod.name)}')
        lines.append("  end")
        lines.append(f'  underlay --- {_id(node.name, "eth0")}')
    for host in p.hosts:
        lines.append(f'  {_id("host", host.name)}["{host.name}<br/>{_iface(host.eth0)}"]')
        lines.append(f'  underlay --- {_id("host", host.name)}')
    for svc in p.services:
        sid = _id("svc", svc.namespace, svc.name)
        lines.append(f'  {sid}{{{{"Service {svc.name}<br/>{svc.cluster_ip} {svc.ports}"}}}}')
        for endpoint in svc.endpoints:
            pod = endpoint.rsplit("(", 1)[-1].rstrip(")")
            lines.append(f'  {sid} -.->|"{endpoint.split(" ")[0]}"| {_id("pod", pod)}')
    return "\n".join(lines) + "\n"


def dot(p: Picture) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace('"', '\\"') + '"'

    lines = [f"graph {quote(p.lab)} {{", "  rankdir=TB; node [shape=box, fontname=monospace];",
             f'  underlay [label={quote("underlay br0")}, shape=oval];']
    for node in p.nodes:
        lines.append(f"  subgraph {_id('cluster', node.name)} {{ label={quote(node.name)};")
        lines.append(f"    {_id(node.name, 'eth0')} [label={quote(_iface(node.eth0))}];")
        for bridge in node.bridges:
            lines.append(f"    {_id(node.name, bridge.name)} [label={quote(bridge.label())}];")
        for pod in (pod for pod in p.pods if pod.node == node.name):
            veth = pod.veth.name if pod.veth else "veth MISSING"
            label = quote(f"pod {pod.name}" + NEWLINE + _iface(pod.eth0))
            lines.append(f"    {_id('pod', pod.name)} [label={label}];")
            lines.append(f"    {_id(node.name, 'cni0')} -- {_id('pod', pod.name)} [label={quote(veth)}];")
        lines.append("  }")
        lines.append(f"  underlay -- {_id(node.name, 'eth0')};")
    for host in p.hosts:
        lines.append(f"  {_id('host', host.name)} [label={quote(host.name + NEWLINE + _iface(host.eth0))}];")
        lines.append(f"  underlay -- {_id('host', host.name)};")
    for svc in p.services:
        sid = _id("svc", svc.namespace, svc.name)
        label = quote(f"Service {svc.name}" + NEWLINE + f"{svc.cluster_ip} {svc.ports}")
        lines.append(f"  {sid} [shape=hexagon, label={label}];")
        for endpoint in svc.endpoints:
            pod = endpoint.rsplit("(", 1)[-1].rstrip(")")
            lines.append(f"  {sid} -- {_id('pod', pod)} [style=dashed, label={quote(endpoint.split(' ')[0])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
