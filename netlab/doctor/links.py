"""A lab's namespaces against the objects `up` makes in them (render/namespaces.py's ops), pure.

Each op says what must be there: a link up (with its master and MTU), an address, a route, a
sysctl's value, hairpin mode on a bridge port, flannel's neighbour and forwarding entry per other
node. Nodes and pods must also hold no route netlab did not make (a learner's route that wins
over the lab's), and no rp_filter netlab did not set: it sets none, so every one is a new
namespace's 0 (loose or strict filtering drops a path whose replies come back another way).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from ipaddress import IPv4Interface

from netlab.doctor.facts import Facts
from netlab.doctor.finding import Finding
from netlab.readback.netns import Link, NamespaceView, RouteView
from netlab.render.ops import (
    Address,
    Bridge,
    Fdb,
    Hairpin,
    LinkUp,
    NamespaceSpec,
    Neighbour,
    Op,
    Route,
    Sysctl,
    Veth,
    Vxlan,
)

RP_FILTER_ALL = "net/ipv4/conf/all/rp_filter"
RP_FILTER_OFF = "0"  # a new namespace's value, which netlab leaves as it is

_SYMPTOM = {
    "namespace": "everything in it is gone: its pod, node or host answers nothing",
    "link": "nothing passes this link: every path through it times out",
    "master": "the link is not on its bridge: the pod behind it is cut off from its node",
    "mtu": "pings and handshakes pass, but full-size packets are dropped: large transfers hang",
    "address": "the namespace neither answers nor sends from this address",
    "route": "packets to this destination take no route or the wrong one: that direction fails",
    "extra route": "packets to this destination leave by a route netlab did not make",
    "hairpin": "only a pod calling its own Service fails (the bridge will not send the frame back out of its port)",
    "neighbour": "VXLAN frames to that node's VTEP have no MAC: pod traffic to that node times out",
    "fdb": "VXLAN frames to that node's VTEP have no underlay address: pod traffic to that node times out",
}
_SYSCTL_SYMPTOM = {
    "net/ipv4/ip_forward": "the namespace routes nothing: traffic through it (to or from its pods) is dropped",
    "net/bridge/bridge-nf-call-iptables": (
        "bridged traffic skips netfilter: a Service fails when its backend is on the client's own node"
    ),
    "rp_filter": "packets arriving on an interface other than their way back are dropped: asymmetric paths fail",
}


def namespace_findings(specs: list[NamespaceSpec], facts: Facts, routed: set[str]) -> list[Finding]:
    """Every namespace's deviations, in build order. `routed`: the nodes' and pods' namespaces,
    whose every route is netlab's (the gateway and the cloud's load balancer get routes from the
    cloud controller and MetalLB as Services come and go)."""
    return [f for spec in specs for f in _spec_findings(spec, facts, spec.netns in routed)]


def wanted_sysctls(
    specs: list[NamespaceSpec], views: Mapping[str, NamespaceView | None], routed: set[str]
) -> dict[str, list[str]]:
    """The sysctl paths doctor reads per namespace: those the ops set and, in `routed`, rp_filter
    (all, and every link's)."""
    wanted: dict[str, list[str]] = {}
    for spec in specs:
        paths = [op.path for op in spec.ops if isinstance(op, Sysctl)]
        view = views.get(spec.netns)
        if view and spec.netns in routed:
            paths += [RP_FILTER_ALL, *(f"net/ipv4/conf/{name}/rp_filter" for name in sorted(view.links))]
        wanted[spec.netns] = paths
    return wanted


def _spec_findings(spec: NamespaceSpec, facts: Facts, routed: bool) -> Iterator[Finding]:
    ns = spec.netns
    view = facts.views.get(ns)
    if view is None:
        yield Finding(ns, "namespace", f"namespace {ns}", "missing", "present", "ip netns list", _SYMPTOM["namespace"])
        return
    for op in spec.ops:
        yield from _op_findings(ns, op, view, facts)
    if routed:
        yield from _extra_routes(spec, view)
        yield from _rp_filters(ns, facts.sysctls.get(ns, {}))


def _op_findings(ns: str, op: Op, view: NamespaceView, facts: Facts) -> Iterator[Finding]:
    if isinstance(op, Sysctl):
        yield from _sysctl(ns, op.path, facts.sysctls.get(ns, {}).get(op.path), op.value)
    elif isinstance(op, (LinkUp, Bridge, Veth, Vxlan)):
        yield from _link(ns, op, view, facts)
    elif isinstance(op, Address):
        yield from _address(ns, op, view)
    elif isinstance(op, Route):
        yield from _route(ns, op, view)
    elif isinstance(op, Hairpin):
        if not facts.hairpin.get(ns, {}).get(op.name, False):
            yield Finding(
                ns,
                "hairpin",
                f"bridge port {op.name}",
                "hairpin off",
                "hairpin on",
                f"ip netns exec {ns} bridge -d link show dev {op.name}",
                _SYMPTOM["hairpin"],
            )
    elif isinstance(op, Neighbour):
        held = facts.neighbours.get(ns, {}).get(str(op.address))
        if (held or "").lower() != op.lladdr.lower():
            yield Finding(
                ns,
                "neighbour",
                f"neighbour {op.address} dev {op.dev}",
                f"lladdr {held}" if held else "missing",
                f"lladdr {op.lladdr} permanent",
                f"ip -n {ns} neigh show dev {op.dev}",
                _SYMPTOM["neighbour"],
            )
    elif isinstance(op, Fdb):
        held = facts.fdb.get(ns, {}).get(op.lladdr.lower()) or facts.fdb.get(ns, {}).get(op.lladdr)
        if held != str(op.dst):
            yield Finding(
                ns,
                "fdb",
                f"fdb {op.lladdr} dev {op.dev}",
                f"dst {held}" if held else "missing",
                f"dst {op.dst}",
                f"ip netns exec {ns} bridge fdb show dev {op.dev}",
                _SYMPTOM["fdb"],
            )


def _link(ns: str, op: LinkUp | Bridge | Veth | Vxlan, view: NamespaceView, facts: Facts) -> Iterator[Finding]:
    show = f"ip -n {ns} -d link show dev {op.name}"
    link = view.links.get(op.name)
    if link is None:
        yield Finding(
            ns, "link", f"link {op.name}", "missing", "present and up", f"ip -n {ns} link show", _SYMPTOM["link"]
        )
        return
    if link.state != "up":
        yield Finding(ns, "link", f"link {op.name}", "down", "up", show, _SYMPTOM["link"])
    if isinstance(op, LinkUp) and op.alias and link.alias != op.alias:
        yield Finding(
            ns,
            "link",
            f"link {op.name} alias",
            repr(link.alias),
            repr(op.alias),
            show,
            "netlab clean no longer knows this namespace as the lab's",
        )
    if isinstance(op, Veth) and link.master != op.master_name:
        yield Finding(
            ns,
            "master",
            f"link {op.name} master",
            link.master or "none",
            op.master_name or "none",
            show,
            _SYMPTOM["master"],
        )
    if isinstance(op, (Bridge, Veth, Vxlan)) and link.mtu != op.mtu:
        yield _mtu(ns, op.name, link, op.mtu)
    if isinstance(op, Veth):
        peer_view = facts.views.get(op.peer_netns)
        peer = peer_view.links.get(op.peer) if peer_view else None
        if peer is not None and peer.mtu != op.mtu:
            yield _mtu(op.peer_netns, op.peer, peer, op.mtu)


def _mtu(ns: str, name: str, link: Link, mtu: int) -> Finding:
    return Finding(
        ns, "mtu", f"link {name} mtu", str(link.mtu), str(mtu), f"ip -n {ns} link show dev {name}", _SYMPTOM["mtu"]
    )


def _address(ns: str, op: Address, view: NamespaceView) -> Iterator[Finding]:
    link = view.links.get(op.dev)
    if link is not None and str(op.address) not in link.addresses:
        yield Finding(
            ns,
            "address",
            f"address {op.address} dev {op.dev}",
            ", ".join(link.addresses) or "no address",
            str(op.address),
            f"ip -n {ns} -4 addr show dev {op.dev}",
            _SYMPTOM["address"],
        )


def _route(ns: str, op: Route, view: NamespaceView) -> Iterator[Finding]:
    want = RouteView(op.dst, str(op.via) if op.via else None, op.dev)
    if want in view.routes:
        return
    same_dst = [str(r) for r in view.routes if r.dst == op.dst]
    yield Finding(
        ns,
        "route",
        f"route {_dst(op.dst)}",
        "; ".join(same_dst) or "missing",
        str(want),
        f"ip -n {ns} route show",
        _SYMPTOM["route"],
    )


def _dst(dst: object) -> str:
    return "default" if str(dst) == "0.0.0.0/0" else str(dst)


def _extra_routes(spec: NamespaceSpec, view: NamespaceView) -> Iterator[Finding]:
    """Routes in the main table that neither an op nor an address (the kernel's connected route) made."""
    wanted = {RouteView(op.dst, str(op.via) if op.via else None, op.dev) for op in spec.ops if isinstance(op, Route)}
    connected = {(IPv4Interface(a).network, link.name) for link in view.links.values() for a in link.addresses}
    for route in view.routes:
        if route not in wanted and (route.dst, route.dev) not in connected:
            yield Finding(
                spec.netns,
                "extra route",
                f"route {route}",
                "present",
                "absent (netlab makes no such route)",
                f"ip -n {spec.netns} route show",
                _SYMPTOM["extra route"],
            )


def _sysctl(ns: str, path: str, value: str | None, want: str) -> Iterator[Finding]:
    if value == want:
        return
    name = _sysctl_name(path)
    yield Finding(
        ns,
        "sysctl",
        name,
        value if value is not None else "missing",
        want,
        f"ip netns exec {ns} sysctl {name}",
        _SYSCTL_SYMPTOM.get(path, _SYSCTL_SYMPTOM["rp_filter"]),
    )


def _rp_filters(ns: str, sysctls: Mapping[str, str | None]) -> Iterator[Finding]:
    for path, value in sorted(sysctls.items()):
        if path.endswith("/rp_filter") and value is not None and value != RP_FILTER_OFF:
            yield from _sysctl(ns, path, value, RP_FILTER_OFF)


def _sysctl_name(path: str) -> str:
    """`net/ipv4/conf/flannel.1/rp_filter` as sysctl names it: dots separate, a dot in a name is `/`."""
    return ".".join(part.replace(".", "/") for part in path.split("/"))
