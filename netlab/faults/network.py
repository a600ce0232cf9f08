"""The `network` family of faults: the pod network's own kernel objects broken on one node (pure).

Each fault removes or changes one object netlab's plan puts in a node (a route, a VXLAN forwarding
or neighbour entry, a sysctl, a bridge port's hairpin flag) or in the underlay (a link's MTU), or
adds one rule a person might have typed; its fix and undo put back exactly what the plan says,
rendered by the same `ip` commands `netlab/render/ipcmd.py` writes for a hand build. The proofs
are pings and HTTP requests between the pods, nodes and Services the fault stands between, picked
so that they fail every time while it is there (no Service whose pick only sometimes crosses the
broken object). docs/faults-network.md says, for each, what breaks and why the symptom follows.

Labs with NetworkPolicies are left out: a policy may refuse the very path a proof takes.
"""

from __future__ import annotations

import random
import shlex
from collections.abc import Callable

from netlab.faults.catalogue import Breakage, Fault, Text, register
from netlab.faults.shell import ping, pods_on, policy_free
from netlab.model.lab import Check
from netlab.plan.model import LabPlan, NodePlan, PodPlan, ServicePlan, ServicePortPlan
from netlab.render import ipcmd
from netlab.render.namespaces import (
    BRIDGE_NF_CALL_IPTABLES,
    VXLAN_PORT,
    node_spec,
    pod_attachment,
    underlay_spec,
)
from netlab.render.ops import Fdb, Hairpin, Neighbour, Op, Route, Sysctl, Veth

UNDERLAY_MTU_BROKEN = 1400  # what the underlay carries once broken: below flannel.1's 1450 + 50 of VXLAN
# A veth hands a GSO packet (up to 64 KB) to its peer whole, past any MTU; a physical NIC cuts it to
# wire-sized frames first. With one segment at most, the node's eth0 does that too (65535: the default).
GSO_MAX_SEGS = 65535
LARGE_BODY = 4000  # bytes the echo server sends back (and is sent): three full-size segments each way
RP_FILTER_STRICT = "1"
RP_FILTER_PATHS = ("net/ipv4/conf/all/rp_filter", "net/ipv4/conf/eth0/rp_filter")


def _sh(argv: list[str]) -> str:
    return shlex.join(argv)


def _add(netns: str, op: Op) -> str:
    """The command that creates `op` in `netns`, as a hand build of the lab types it."""
    return _sh(ipcmd.command(netns, op))


def _put_back(netns: str, op: Op) -> str:
    """The command that makes `op` what the plan says, whatever stands in its place now (the kernel
    leaves a failed neighbour entry where ARP found nothing): its creating command as `replace`."""
    argv = ipcmd.command(netns, op)
    return _sh([("replace" if word == "add" else word) for word in argv])


def _delete(netns: str, op: Op) -> str:
    """The command that removes `op` from `netns`: its creating command with `del` for `add`."""
    argv = ipcmd.command(netns, op)
    return _sh([("del" if word == "add" else word) for word in argv])


def _sysctl(netns: str, path: str, value: str) -> str:
    return _add(netns, Sysctl(path, value))


def _http(name: str, source: str, url: str) -> Check:
    return Check(name=name, source=source, kind="http", target=url, expect={})


def _hints(where: tuple[str, str], what: tuple[str, str], fix: tuple[str, str]) -> tuple[Text, Text, Text]:
    return Text(*where), Text(*what), Text(*fix)


def _node_of(plan: LabPlan, pod: PodPlan) -> NodePlan:
    return next(n for n in plan.nodes if n.name == pod.node)


def _http_port(pod: PodPlan) -> int | None:
    """A TCP port the pod's echo server answers HTTP on (the lowest), if it runs one."""
    ports = sorted(port for port, protocol in pod.echo_ports() if protocol == "TCP")
    return ports[0] if ports else None


def _node_pairs(plan: LabPlan, server: bool = False) -> list[tuple[NodePlan, NodePlan]]:
    """(a, b): two nodes each with a pod (b's serving HTTP, with `server`), in plan order."""

    def serves(node: NodePlan) -> bool:
        return any(_http_port(p) for p in pods_on(plan, node)) if server else bool(pods_on(plan, node))

    return [(a, b) for a in plan.nodes for b in plan.nodes if a is not b and pods_on(plan, a) and serves(b)]


def _both_ways(pod_a: PodPlan, pod_b: PodPlan) -> tuple[Check, Check]:
    """Pings across the nodes in each direction: a node's lost route or entry breaks both (the
    replies take the same way back)."""
    return (
        ping(f"{pod_a.name} reaches {pod_b.name} across nodes", pod_a.name, pod_b.name),
        ping(f"{pod_b.name}'s pings to {pod_a.name} are answered", pod_b.name, pod_a.name),
    )


def _node_op(plan: LabPlan, node: NodePlan, wanted: Callable[[Op], bool]) -> Op:
    """The one op of the node's planned state that `wanted` picks."""
    return next(op for op in node_spec(plan, node).ops if wanted(op))


# -- hostgw-route-missing --------------------------------------------------------------------------
def _route_missing(plan: LabPlan, rng: random.Random) -> Breakage:
    a, b = rng.choice(_node_pairs(plan))
    route = _node_op(plan, a, lambda op: isinstance(op, Route) and op.dst == b.pod_cidr)
    pod_a, pod_b = rng.choice(pods_on(plan, a)), rng.choice(pods_on(plan, b))
    fix = (_put_back(a.netns, route),)
    return Breakage(
        fault="hostgw-route-missing",
        target=f"{a.name}'s route to {b.name}'s pods ({b.pod_cidr})",
        inject=(_delete(a.netns, route),),
        fix=fix,
        undo=fix,
        proof=_both_ways(pod_a, pod_b),
        hints=_hints(
            (
                f"Pods on {a.name} and pods on {b.name} cannot talk; each node's own pods can. "
                f"Look at {a.name}'s routing table.",
                f"{a.name} 的 pod 和 {b.name} 的 pod 互相不通，同一節點內的 pod 都正常。看看 {a.name} 的路由表。",
            ),
            (
                f"`ip -n {a.netns} route` should send {b.pod_cidr} via {b.ip.ip} ({b.name}); without it the "
                "packets take the default route to the VPC router, which knows no pod CIDR.",
                f"`ip -n {a.netns} route` 應該有一條 {b.pod_cidr} via {b.ip.ip}（{b.name}）；少了它，封包走預設路由"
                "到 VPC 路由器，而它不認得任何 pod CIDR。",
            ),
            (f"Put the route back: {fix[0]}", f"把路由加回去：{fix[0]}"),
        ),
    )


register(
    Fault(
        id="hostgw-route-missing",
        symptom=Text(
            "Pods on one node cannot reach pods on another node; pods on the same node talk fine.",
            "某個節點上的 pod 連不到另一個節點上的 pod；同一節點上的 pod 之間正常。",
        ),
        applies=lambda plan: policy_free(plan) and bool(_node_pairs(plan)),
        render=_route_missing,
        networks=("host-gw",),
    )
)


# -- vxlan-mtu -------------------------------------------------------------------------------------
def _vxlan_mtu(plan: LabPlan, rng: random.Random) -> Breakage:
    a, b = rng.choice(_node_pairs(plan, server=True))
    client = rng.choice(pods_on(plan, a))
    server = rng.choice([p for p in pods_on(plan, b) if _http_port(p)])
    port = next(op for op in underlay_spec(plan).ops if isinstance(op, Veth) and op.name == b.underlay_port)
    assert isinstance(port, Veth)
    underlay = plan.underlay_netns
    fix = (
        _sh(["ip", "-n", underlay, "link", "set", port.name, "mtu", str(port.mtu)]),
        _sh(["ip", "-n", b.netns, "link", "set", "eth0", "gso_max_segs", str(GSO_MAX_SEGS)]),
    )
    message = "x" * LARGE_BODY
    return Breakage(
        fault="vxlan-mtu",
        target=f"the underlay's link to {b.name} (carries {UNDERLAY_MTU_BROKEN}, flannel.1 sends {plan.mtu} + 50)",
        inject=(
            _sh(["ip", "-n", underlay, "link", "set", port.name, "mtu", str(UNDERLAY_MTU_BROKEN)]),
            _sh(["ip", "-n", b.netns, "link", "set", "eth0", "gso_max_segs", "1"]),
        ),
        fix=fix,
        undo=fix,
        proof=(
            _http(
                f"{client.name} gets a {LARGE_BODY}-byte answer from {server.name}",
                client.name,
                f"http://{server.name}:{_http_port(server)}/echo?msg={message}",
            ),
        ),
        hints=_hints(
            (
                f"Only large transfers between {a.name}'s and {b.name}'s pods hang; ping and small requests work. "
                "Look at the MTU of every hop: the pods' eth0, flannel.1, the nodes' eth0 and the underlay.",
                f"只有 {a.name} 與 {b.name} 的 pod 之間的大量傳輸會卡住；ping 和小請求都正常。檢查每一段的 MTU："
                "pod 的 eth0、flannel.1、節點的 eth0 和底層網路（underlay）。",
            ),
            (
                f"flannel.1 has MTU {plan.mtu}: its frames are {plan.mtu + 50} bytes on the underlay. "
                f"`ip netns exec {a.netns} ping -M do -s {plan.mtu + 50 - 28} -c 2 {b.ip.ip}` shows what the underlay "
                f"carries; `ip -n {underlay} link show {port.name}` shows its MTU. A bridge drops an oversized "
                "frame without an ICMP error, so path MTU discovery never learns.",
                f"flannel.1 的 MTU 是 {plan.mtu}：它在底層網路上的訊框是 {plan.mtu + 50} 位元組。"
                f"`ip netns exec {a.netns} ping -M do -s {plan.mtu + 50 - 28} -c 2 {b.ip.ip}` 可看出底層能帶多大；"
                f"`ip -n {underlay} link show {port.name}` 顯示它的 MTU。橋接器丟棄過大的訊框時不回 ICMP，"
                "所以路徑 MTU 探索永遠學不到。",
            ),
            (
                f"Give the underlay its MTU back: {fix[0]}; {fix[1]} (where the underlay cannot change, every node's "
                f"flannel.1 and pod interfaces need MTU {UNDERLAY_MTU_BROKEN - 50} instead)",
                f"把底層網路的 MTU 改回來：{fix[0]}；{fix[1]}"
                f"（若底層無法更動，則每個節點的 flannel.1 與 pod 介面都要改成 MTU {UNDERLAY_MTU_BROKEN - 50}）",
            ),
        ),
    )


register(
    Fault(
        id="vxlan-mtu",
        symptom=Text(
            "Ping and small requests between pods on two nodes work, but large downloads hang.",
            "兩個節點上的 pod 之間 ping 與小請求都正常，但大一點的下載會卡住。",
        ),
        applies=lambda plan: policy_free(plan) and bool(_node_pairs(plan, server=True)),
        render=_vxlan_mtu,
        networks=("vxlan",),
    )
)


# -- vxlan-fdb-missing -----------------------------------------------------------------------------
def _fdb_missing(plan: LabPlan, rng: random.Random) -> Breakage:
    a, b = rng.choice(_node_pairs(plan))
    kind = rng.choice((Fdb, Neighbour))
    if kind is Fdb:
        entry = _node_op(plan, a, lambda op: isinstance(op, Fdb) and op.dst == b.ip.ip)
        what = f"forwarding entry for {b.name}'s VTEP MAC {b.vtep_mac}"
        look = f"ip netns exec {a.netns} bridge fdb show dev flannel.1"
        should = f"{b.vtep_mac} dst {b.ip.ip}"
    else:
        entry = _node_op(plan, a, lambda op: isinstance(op, Neighbour) and op.address == b.vtep_ip)
        what = f"neighbour entry for {b.name}'s VTEP {b.vtep_ip}"
        look = f"ip -n {a.netns} neigh show dev flannel.1"
        should = f"{b.vtep_ip} lladdr {b.vtep_mac} PERMANENT"
    pod_a, pod_b = rng.choice(pods_on(plan, a)), rng.choice(pods_on(plan, b))
    fix = (_put_back(a.netns, entry),)
    return Breakage(
        fault="vxlan-fdb-missing",
        target=f"{a.name}'s {what}",
        inject=(_delete(a.netns, entry),),
        fix=fix,
        undo=fix,
        proof=_both_ways(pod_a, pod_b),
        hints=_hints(
            (
                f"Pods on {a.name} and {b.name} cannot talk, though the route via flannel.1 is there. "
                f"Look at how {a.name}'s flannel.1 finds {b.name}: the neighbour table and the VXLAN forwarding table.",
                f"{a.name} 與 {b.name} 的 pod 互相不通，但經由 flannel.1 的路由還在。看看 {a.name} 的 flannel.1 "
                f"怎麼找到 {b.name}：鄰居表（ARP）和 VXLAN 轉送表（FDB）。",
            ),
            (
                f"flannel programs both statically (no ARP, no learning): `{look}` should list {should}.",
                f"flannel 兩者都是靜態設定（不發 ARP、不學習）：`{look}` 應該列出 {should}。",
            ),
            (f"Put the entry back: {fix[0]}", f"把這筆項目加回去：{fix[0]}"),
        ),
    )


register(
    Fault(
        id="vxlan-fdb-missing",
        symptom=Text(
            "Pods on one node cannot reach pods on another node, though every route looks right.",
            "某節點的 pod 連不到另一節點的 pod，但路由看起來都正確。",
        ),
        applies=lambda plan: policy_free(plan) and bool(_node_pairs(plan)),
        render=_fdb_missing,
        networks=("vxlan",),
    )
)


# -- vxlan-port-dropped ----------------------------------------------------------------------------
def _port_dropped(plan: LabPlan, rng: random.Random) -> Breakage:
    a, b = rng.choice(_node_pairs(plan))
    rule = ["INPUT", "-p", "udp", "--dport", str(VXLAN_PORT), "-j", "DROP"]
    pod_a, pod_b = rng.choice(pods_on(plan, a)), rng.choice(pods_on(plan, b))
    fix = (_sh(["ip", "netns", "exec", b.netns, "iptables", "-D", *rule]),)
    return Breakage(
        fault="vxlan-port-dropped",
        target=f"VXLAN (UDP {VXLAN_PORT}) into {b.name}",
        inject=(_sh(["ip", "netns", "exec", b.netns, "iptables", "-I", *rule]),),
        fix=fix,
        undo=fix,
        proof=(ping(f"{pod_a.name} reaches {pod_b.name} across nodes", pod_a.name, pod_b.name),),
        hints=_hints(
            (
                f"Every pod on other nodes lost {b.name}'s pods, while the nodes themselves still ping each other. "
                "Capture on the underlay: "
                f"`ip netns exec {plan.underlay_netns} tcpdump -ni br0 udp port {VXLAN_PORT}`.",
                f"其他節點的 pod 都連不到 {b.name} 上的 pod，但節點之間還 ping 得通。在底層網路抓封包："
                f"`ip netns exec {plan.underlay_netns} tcpdump -ni br0 udp port {VXLAN_PORT}`。",
            ),
            (
                f"The VXLAN packets reach {b.name}'s eth0 and go no further: look at its firewall, "
                f"`ip netns exec {b.netns} iptables -S INPUT`, for UDP {VXLAN_PORT} (flannel's VXLAN port).",
                f"VXLAN 封包到了 {b.name} 的 eth0 就停了：檢查它的防火牆 "
                f"`ip netns exec {b.netns} iptables -S INPUT` 裡關於 UDP {VXLAN_PORT}（flannel 的 VXLAN 埠）的規則。",
            ),
            (f"Remove the DROP: {fix[0]}", f"刪掉那條 DROP：{fix[0]}"),
        ),
    )


register(
    Fault(
        id="vxlan-port-dropped",
        symptom=Text(
            "No pod on the other nodes can reach the pods of one node; the nodes ping each other fine.",
            "其他節點的 pod 都連不到某個節點上的 pod；節點之間彼此 ping 得通。",
        ),
        applies=lambda plan: policy_free(plan) and bool(_node_pairs(plan)),
        render=_port_dropped,
        networks=("vxlan",),
    )
)


# -- rp-filter-strict ------------------------------------------------------------------------------
def _rp_filter(plan: LabPlan, rng: random.Random) -> Breakage:
    a, b = rng.choice(_node_pairs(plan))
    pod_a = rng.choice(pods_on(plan, a))
    inject = tuple(_sysctl(b.netns, path, RP_FILTER_STRICT) for path in RP_FILTER_PATHS)
    fix = tuple(_sysctl(b.netns, path, "0") for path in RP_FILTER_PATHS)
    return Breakage(
        fault="rp-filter-strict",
        target=f"{b.name}'s reverse path filter",
        inject=inject,
        fix=fix,
        undo=fix,
        proof=(ping(f"{pod_a.name} reaches {b.name}'s own address", pod_a.name, b.name),),
        hints=_hints(
            (
                f"Pods on other nodes reach {b.name}'s pods but not {b.name}'s own address; tcpdump shows the "
                f"requests arriving on {b.name}'s eth0 and no reply. "
                "Look at what the node does with them before routing.",
                f"其他節點的 pod 連得到 {b.name} 上的 pod，卻連不到 {b.name} 本身的位址；tcpdump 看得到請求抵達 "
                f"{b.name} 的 eth0，但沒有回應。看看節點在路由前怎麼處理它們。",
            ),
            (
                f"The request comes in on eth0 (the underlay), but {b.name}'s route back to {a.pod_cidr} leaves by "
                f"flannel.1: strict reverse path filtering (rp_filter 1) drops it. `ip netns exec {b.netns} "
                "sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.eth0.rp_filter`; the kernel counts the drops "
                "(`nstat -az TcpExtIPReversePathFilter`).",
                f"請求從 eth0（底層網路）進來，但 {b.name} 回到 {a.pod_cidr} 的路由走 flannel.1：嚴格的反向路徑過濾"
                f"（rp_filter 1）把它丟了。`ip netns exec {b.netns} sysctl net.ipv4.conf.all.rp_filter "
                "net.ipv4.conf.eth0.rp_filter`；核心會計數（`nstat -az TcpExtIPReversePathFilter`）。",
            ),
            ("Turn it off again: " + "; ".join(fix), "把它關掉：" + "; ".join(fix)),
        ),
    )


register(
    Fault(
        id="rp-filter-strict",
        symptom=Text(
            "Pods cannot reach another node's own address (its NodePorts, say), though they reach its pods.",
            "pod 連不到另一個節點本身的位址（例如它的 NodePort），卻連得到那個節點上的 pod。",
        ),
        # Without an outside world no masquerade hides a pod's address on its way to another node.
        applies=lambda plan: policy_free(plan) and not plan.internet_hosts and bool(_node_pairs(plan)),
        render=_rp_filter,
        networks=("vxlan",),
    )
)


# -- bridge-nf-off and hairpin-off: a Service and a client, where the Service's every pick fails ---
def _service_url(svc: ServicePlan, port: ServicePortPlan) -> str:
    return f"http://{svc.cluster_ip}:{port.port}/hostname"


def _http_ports(plan: LabPlan) -> list[tuple[ServicePlan, ServicePortPlan, list[PodPlan]]]:
    """Each ClusterIP Service's TCP port whose endpoints are all echo pods answering HTTP on it."""
    found = []
    pods = {p.ip.ip: p for p in plan.pods}
    for svc in plan.services:
        if svc.cluster_ip is None:
            continue
        for port in svc.ports:
            backends = [pods.get(ep.ip) for ep in port.endpoints]
            if port.protocol != "TCP" or not backends:
                continue
            if all(
                p is not None and (ep.port, "TCP") in p.echo_ports()
                for p, ep in zip(backends, port.endpoints, strict=True)
            ):
                found.append((svc, port, [p for p in backends if p is not None]))
    return found


def _same_node_clients(plan: LabPlan) -> list[tuple[PodPlan, ServicePlan, ServicePortPlan]]:
    """(client, Service, port): every endpoint on the client's node, the client not among them."""
    return [
        (client, svc, port)
        for svc, port, backends in _http_ports(plan)
        for client in plan.pods
        if all(p.node == client.node for p in backends) and client not in backends
    ]


def _bridge_nf_off(plan: LabPlan, rng: random.Random) -> Breakage:
    client, svc, port = rng.choice(_same_node_clients(plan))
    node = _node_of(plan, client)
    path = BRIDGE_NF_CALL_IPTABLES.path
    fix = (_add(node.netns, BRIDGE_NF_CALL_IPTABLES),)
    return Breakage(
        fault="bridge-nf-off",
        target=f"{node.name}'s bridge-nf-call-iptables",
        inject=(_sysctl(node.netns, path, "0"),),
        fix=fix,
        undo=fix,
        proof=(
            _http(f"{client.name} reaches Service {svc.name} on its own node", client.name, _service_url(svc, port)),
        ),
        hints=_hints(
            (
                f"Service {svc.name} fails from {client.name} but works from other nodes' pods, and "
                f"{client.name} reaches its pods directly. "
                f"Capture on {node.name}'s cni0: whose address do the replies carry?",
                f"從 {client.name} 連 Service {svc.name} 失敗，但其他節點的 pod 連得上，{client.name} 直接連後端 pod "
                f"也正常。在 {node.name} 的 cni0 上抓封包：回應的來源位址是誰？",
            ),
            (
                "The reply from a backend on the same bridge is bridged, not routed: only with "
                "bridge-nf-call-iptables 1 does it pass conntrack, which turns its source back into the ClusterIP. "
                f"`ip netns exec {node.netns} sysctl net.bridge.bridge-nf-call-iptables`.",
                "同一個橋接器上的後端回應是被橋接而不是被路由：只有 bridge-nf-call-iptables 為 1 時它才會經過 "
                "conntrack，把來源改回 ClusterIP。"
                f"`ip netns exec {node.netns} sysctl net.bridge.bridge-nf-call-iptables`。",
            ),
            (f"Turn it back on: {fix[0]}", f"把它打開：{fix[0]}"),
        ),
    )


register(
    Fault(
        id="bridge-nf-off",
        symptom=Text(
            "A Service works from pods on other nodes but not from a pod on the same node as its backends.",
            "Service 從其他節點的 pod 連得上，但從和後端在同一節點的 pod 連不上。",
        ),
        applies=lambda plan: policy_free(plan) and bool(_same_node_clients(plan)),
        render=_bridge_nf_off,
    )
)


def _sole_backends(plan: LabPlan) -> list[tuple[PodPlan, ServicePlan, ServicePortPlan]]:
    """(pod, Service, port): the pod is the port's one endpoint, so its every request lands on itself."""
    return [(backends[0], svc, port) for svc, port, backends in _http_ports(plan) if len(backends) == 1]


def _hairpin_off(plan: LabPlan, rng: random.Random) -> Breakage:
    pod, svc, port = rng.choice(_sole_backends(plan))
    node = _node_of(plan, pod)
    hairpin = next(op for op in pod_attachment(plan, pod) if isinstance(op, Hairpin))
    fix = (_add(node.netns, hairpin),)
    inject = _sh([*ipcmd.command(node.netns, hairpin)[:-1], "off"])  # its command ends in `hairpin on`
    return Breakage(
        fault="hairpin-off",
        target=f"{pod.name}'s port {pod.host_veth} on {node.name}'s cni0",
        inject=(inject,),
        fix=fix,
        undo=fix,
        proof=(_http(f"{pod.name} reaches its own Service {svc.name}", pod.name, _service_url(svc, port)),),
        hints=_hints(
            (
                f"Every pod reaches Service {svc.name} except {pod.name}, its own backend. Follow the request on "
                f"{node.name}'s cni0: it is sent back towards {pod.name}.",
                f"除了後端 {pod.name} 自己以外，每個 pod 都連得上 Service {svc.name}。"
                f"在 {node.name} 的 cni0 上追這個請求："
                f"它被送回 {pod.name}。",
            ),
            (
                f"DNATed to itself, the packet must leave cni0 by the port it came in on ({pod.host_veth}): a bridge "
                "does that only in hairpin mode. "
                f"`ip -n {node.netns} -d link show {pod.host_veth}` says hairpin on or off.",
                f"被 DNAT 回自己後，封包必須從它進來的同一個埠（{pod.host_veth}）離開 cni0："
                "橋接器只有在 hairpin 模式下才會這樣做。"
                f"`ip -n {node.netns} -d link show {pod.host_veth}` 會顯示 hairpin 是開或關。",
            ),
            (f"Turn hairpin mode back on: {fix[0]}", f"把 hairpin 模式打開：{fix[0]}"),
        ),
    )


register(
    Fault(
        id="hairpin-off",
        symptom=Text(
            "A pod cannot reach its own Service; every other pod can.",
            "某個 pod 連不到它自己所屬的 Service；其他 pod 都可以。",
        ),
        applies=lambda plan: policy_free(plan) and bool(_sole_backends(plan)),
        render=_hairpin_off,
    )
)
