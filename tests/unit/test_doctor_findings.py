"""netlab doctor's judgement, without a kernel: the desired state read back as a healthy kernel
holds it (every op present, every rule as rendered) has no finding, on every bundled lab in both
pod networks and proxy modes; each deviation a user can make by hand is then named, with the
object, what it should be and the command that shows it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from ipaddress import IPv4Interface
from typing import Any

import pytest

from netlab.doctor import Facts, Finding, diagnose, routed
from netlab.doctor.dns import servers
from netlab.doctor.iptables_key import rule_key
from netlab.doctor.links import wanted_sysctls
from netlab.doctor.listening import parse_ss
from netlab.model import find_lab, load_lab
from netlab.plan import LabPlan, make_plan
from netlab.probe.dns import Lookup
from netlab.readback.iptables import Saved
from netlab.readback.netns import Link, NamespaceView, RouteView
from netlab.render.egress import gateway_rules, masq_agent_rules
from netlab.render.iptables import quote, render_iptables
from netlab.render.namespaces import render_namespaces
from netlab.render.netpol import TOP_CHAINS, compliant_accept
from netlab.render.netpol import render as render_netpol
from netlab.render.ops import (
    Address,
    Bridge,
    Fdb,
    Hairpin,
    LinkUp,
    NamespaceSpec,
    Neighbour,
    Route,
    Sysctl,
    Veth,
    Vxlan,
)
from netlab.render.resolvconf import etc_files

LABS = [p.stem for p in find_lab("pod-to-pod").parent.glob("*.yaml")]


def healthy(plan: LabPlan, specs: list[NamespaceSpec]) -> Facts:
    """What the kernel holds when everything is as `up` makes it."""
    links: dict[str, dict[str, Link]] = {s.netns: {} for s in specs}
    routes: dict[str, list[RouteView]] = {s.netns: [] for s in specs}
    sysctls: dict[str, dict[str, str | None]] = {s.netns: {} for s in specs}
    hairpin: dict[str, dict[str, bool]] = {}
    neighbours: dict[str, dict[str, str]] = {}
    fdb: dict[str, dict[str, str]] = {}

    def link(ns: str, name: str, index: int, mtu: int = 1500, master: str | None = None, alias: str | None = None):
        links[ns].setdefault(name, Link(name, index, "up", "", mtu, master, None, alias))

    for spec in specs:
        ns = spec.netns
        for op in spec.ops:
            if isinstance(op, LinkUp):
                link(ns, op.name, op.index, alias=op.alias)
                links[ns][op.name].alias = op.alias
            elif isinstance(op, Bridge):
                link(ns, op.name, op.index, op.mtu)
            elif isinstance(op, Veth):
                link(ns, op.name, op.index, op.mtu, op.master_name)
                link(op.peer_netns, op.peer, op.peer_index, op.mtu)
                links[op.peer_netns][op.peer].mtu = op.mtu
            elif isinstance(op, Vxlan):
                link(ns, op.name, op.index, op.mtu)
            elif isinstance(op, Address):
                links[ns][op.dev].addresses.append(str(op.address))
                if op.address.network.prefixlen < 32:
                    routes[ns].append(RouteView(op.address.network, None, op.dev))
            elif isinstance(op, Route):
                routes[ns].append(RouteView(op.dst, str(op.via) if op.via else None, op.dev))
            elif isinstance(op, Sysctl):
                sysctls[ns][op.path] = op.value
            elif isinstance(op, Hairpin):
                hairpin.setdefault(ns, {})[op.name] = True
            elif isinstance(op, Neighbour):
                neighbours.setdefault(ns, {})[str(op.address)] = op.lladdr
            elif isinstance(op, Fdb):
                fdb.setdefault(ns, {})[op.lladdr] = str(op.dst)
    views = {s.netns: NamespaceView(s.netns, links[s.netns], routes[s.netns]) for s in specs}
    for ns, paths in wanted_sysctls(specs, views, routed(plan)).items():
        for path in paths:
            sysctls[ns].setdefault(path, "0")
    return Facts(views, sysctls, hairpin, neighbours, fdb, saved=healthy_rules(plan))


def healthy_rules(plan: LabPlan) -> dict[str, Saved | None]:
    """Every node's iptables-save as the syncs leave it (nftables mode: its table is not here)."""
    saved: dict[str, Saved | None] = {}
    for node in plan.nodes:
        rules: dict[str, list[str]] = {"filter": [], "nat": []}
        if plan.services and plan.proxy_mode == "iptables":
            ruleset = render_iptables(plan.services, plan.lab.cluster.pod_cidr, node)
            table = ""
            for line in ruleset.restore.splitlines():
                table = line[1:] if line.startswith("*") else table
                if line.startswith("-A "):
                    rules.setdefault(table, []).append(line)
            for jump in ruleset.jumps:
                rules[jump.table].insert(0, f"-A {jump.chain} " + " ".join(map(quote, jump.rule)))
        if plan.lab.network_policies:
            netpol = render_netpol(plan, node)
            accept = " ".join(map(quote, compliant_accept()))
            heads = [f"-A {b} -j {t}" for b, t in TOP_CHAINS.items()]
            rules["filter"] = [*heads, *rules["filter"], *netpol.rules, *(f"-A {b} {accept}" for b in TOP_CHAINS)]
        if plan.internet_hosts:
            rules["nat"] += masq_agent_rules(plan.lab.cluster.pod_cidr)
        saved[node.netns] = Saved({}, rules)
    if plan.internet_hosts:
        saved[plan.gateway.netns] = Saved({}, gateway_rules(plan))
    return saved


def view(facts: Facts, netns: str) -> NamespaceView:
    found = facts.views[netns]
    assert found is not None
    return found


def saved(facts: Facts, netns: str) -> Saved:
    found = facts.saved[netns]
    assert found is not None
    return found


def rules_of(plan: LabPlan, netns: str) -> dict[str, list[str]]:
    """A node's healthy iptables-save lines, per table."""
    return saved(Facts({}, {}, {}, saved=healthy_rules(plan)), netns).rules


def mutable(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A fact's mapping, to spoil (the healthy facts are built as dicts)."""
    assert isinstance(mapping, dict)
    return mapping


def judge(plan: LabPlan, change: Callable[[Facts], object] | None = None) -> list[Finding]:
    specs = render_namespaces(plan)
    facts = healthy(plan, specs)
    if change:
        change(facts)
    return diagnose(specs, plan, plan, facts)


def lab(name: str, network: str = "host-gw", proxy: str = "iptables") -> LabPlan:
    return make_plan(load_lab(find_lab(name)), network=network, proxy_mode=proxy)


@pytest.mark.parametrize("network", ["host-gw", "vxlan"])
@pytest.mark.parametrize("name", LABS)
def test_a_healthy_lab_has_no_finding(name: str, network: str) -> None:
    assert judge(lab(name, network)) == []


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_a_link_down_is_named_with_the_command_that_shows_it() -> None:
    plan = lab("pod-to-service")
    pod = plan.pods[0]
    found = only(judge(plan, lambda f: setattr(view(f, pod.netns).links["eth0"], "state", "down")))
    assert (found.netns, found.kind, found.object, found.found, found.should) == (
        pod.netns,
        "link",
        "link eth0",
        "down",
        "up",
    )
    assert found.show == f"ip -n {pod.netns} -d link show dev eth0"


def test_ip_forward_off_on_a_node() -> None:
    plan = lab("pod-to-pod-cross-node")
    node = plan.nodes[0].netns
    found = only(judge(plan, lambda f: mutable(f.sysctls[node]).update({"net/ipv4/ip_forward": "0"})))
    assert (found.object, found.found, found.should) == ("net.ipv4.ip_forward", "0", "1")
    assert found.show == f"ip netns exec {node} sysctl net.ipv4.ip_forward"


def test_rp_filter_strict_on_a_vxlan_interface() -> None:
    plan = lab("pod-to-pod-cross-node", "vxlan")
    node = plan.nodes[1].netns
    found = only(judge(plan, lambda f: mutable(f.sysctls[node]).update({"net/ipv4/conf/flannel.1/rp_filter": "1"})))
    assert (found.object, found.should) == ("net.ipv4.conf.flannel/1.rp_filter", "0")


def test_a_missing_host_gw_route_and_one_added() -> None:
    plan = lab("pod-to-pod-cross-node")
    node, other = plan.nodes[0], plan.nodes[1]

    def swap(facts: Facts) -> None:
        held = view(facts, node.netns)
        held.routes = [r for r in held.routes if r.dst != other.pod_cidr]
        held.routes.append(RouteView(IPv4Interface("10.99.0.0/16").network, None, "eth0"))

    found = judge(plan, swap)
    assert [(f.kind, f.object, f.found) for f in found] == [
        ("route", f"route {other.pod_cidr}", "missing"),
        ("extra route", "route 10.99.0.0/16 dev eth0", "present"),
    ]
    assert found[0].should == f"{other.pod_cidr} via {other.ip.ip} dev eth0"


def test_vxlan_fdb_neighbour_and_mtu() -> None:
    plan = lab("pod-to-pod-cross-node", "vxlan")
    node, other = plan.nodes[0], plan.nodes[1]

    def spoil(facts: Facts) -> None:
        mutable(facts.fdb[node.netns]).pop(other.vtep_mac)
        mutable(facts.neighbours[node.netns]).pop(str(other.vtep_ip))
        view(facts, node.netns).links["flannel.1"].mtu = 1500

    found = judge(plan, spoil)
    assert [(f.kind, f.found, f.should) for f in found] == [
        ("mtu", "1500", str(plan.mtu)),
        ("neighbour", "missing", f"lladdr {other.vtep_mac} permanent"),
        ("fdb", "missing", f"dst {other.ip.ip}"),
    ]
    assert found[2].show == f"ip netns exec {node.netns} bridge fdb show dev flannel.1"


def test_hairpin_off_and_a_veth_off_its_bridge() -> None:
    plan = lab("pod-to-service")
    pod = plan.pods[0]
    node = next(n for n in plan.nodes if n.name == pod.node).netns

    def spoil(facts: Facts) -> None:
        mutable(facts.hairpin[node])[pod.host_veth] = False
        view(facts, node).links[pod.host_veth].master = None

    found = judge(plan, spoil)
    assert [(f.kind, f.object, f.found) for f in found] == [
        ("master", f"link {pod.host_veth} master", "none"),
        ("hairpin", f"bridge port {pod.host_veth}", "hairpin off"),
    ]


def test_a_gone_namespace_is_one_finding() -> None:
    plan = lab("pod-to-pod")
    pod = plan.pods[0].netns
    found = only(judge(plan, lambda f: mutable(f.views).update({pod: None})))
    assert (found.kind, found.object, found.found) == ("namespace", f"namespace {pod}", "missing")


def test_a_deleted_kube_proxy_rule_and_a_learners_drop() -> None:
    plan = lab("pod-to-service")
    node = plan.nodes[0].netns
    sep = next(line for line in rules_of(plan, node)["nat"] if line.startswith("-A KUBE-SEP-") and "DNAT" in line)
    drop = "-A FORWARD -p tcp -m tcp --dport 8080 -j DROP"

    def spoil(facts: Facts) -> None:
        held = saved(facts, node)
        held.rules["nat"].remove(sep)
        held.rules["filter"].insert(0, drop)

    found = judge(plan, spoil)
    assert [(f.object, f.found) for f in found] == [
        (f"iptables -t nat {sep}", "missing"),
        (f"iptables -t filter {drop}", "present"),
    ]
    assert all(f.show.startswith(f"ip netns exec {node} iptables -t ") for f in found)


def test_a_changed_kube_proxy_rule_is_missing_once_and_extra_once() -> None:
    plan = lab("pod-to-service")
    node = plan.nodes[0].netns
    rules = rules_of(plan, node)["nat"]
    line = next(x for x in rules if x.startswith("-A KUBE-SEP-") and "DNAT" in x)
    changed = line.rsplit(":", 1)[0] + ":9999"
    found = judge(
        plan, lambda f: saved(f, node).rules["nat"].__setitem__(saved(f, node).rules["nat"].index(line), changed)
    )
    assert sorted((f.found, f.object) for f in found) == [
        ("missing", f"iptables -t nat {line}"),
        ("present", f"iptables -t nat {changed}"),
    ]


def test_egress_masquerade_gone() -> None:
    plan = lab("egress")
    node = plan.nodes[0].netns
    masq = masq_agent_rules(plan.lab.cluster.pod_cidr)[-1]
    found = only(judge(plan, lambda f: saved(f, node).rules["nat"].remove(masq)))
    assert (found.object, found.found) == (f"iptables -t nat {masq}", "missing")
    assert "replies never come back" in found.symptom


def test_kube_router_jump_not_first() -> None:
    plan = lab("network-policy")
    node = plan.nodes[0].netns
    drop = "-A FORWARD -s 10.244.0.0/16 -j ACCEPT"
    found = judge(plan, lambda f: saved(f, node).rules["filter"].insert(0, drop))
    assert [(f.object, f.found) for f in found] == [
        ("iptables filter chain FORWARD", f"first rule: {drop}"),
        (f"iptables -t filter {drop}", "present"),
    ]


def test_a_learners_nft_table() -> None:
    plan = lab("pod-to-pod")
    node = plan.nodes[0].netns
    found = only(judge(plan, lambda f: object.__setattr__(f, "tables", {node: ("ip nat", "inet mine")})))
    assert (found.object, found.show) == ("nft table inet mine", f"ip netns exec {node} nft list table inet mine")


def test_a_stale_udp_conntrack_entry() -> None:
    plan = lab("service-discovery")
    svc = next(s for s in plan.services if s.cluster_ip and any(p.protocol == "UDP" and p.endpoints for p in s.ports))
    port = next(p for p in svc.ports if p.protocol == "UDP")
    node = plan.nodes[0].netns
    gone = "10.244.9.9"
    entry = (
        f"udp      17 29 src=10.244.1.2 dst={svc.cluster_ip} sport=40000 dport={port.port} "
        f"src={gone} dst=10.244.1.2 sport={port.port} dport=40000 mark=0 use=1"
    )
    good = entry.replace(gone, str(port.endpoints[0].ip))
    found = only(judge(plan, lambda f: object.__setattr__(f, "conntrack", {node: f"{entry}\n{good}\n"})))
    assert (found.kind, found.found) == ("conntrack", f"replies from {gone}")


def test_the_json_shape() -> None:
    plan = lab("pod-to-pod")
    found = only(judge(plan, lambda f: setattr(view(f, plan.pods[0].netns).links["eth0"], "mtu", 9000)))
    assert set(found.as_json()) == {"netns", "kind", "object", "found", "should", "show", "symptom"}
    assert dataclasses.asdict(found) == found.as_json()


def test_a_wrong_nameserver_in_a_pods_resolv_conf() -> None:
    plan = lab("service-discovery")
    pod = plan.pods[0].netns
    files = etc_files(plan)
    spoiled = files[pod]["resolv.conf"].replace("nameserver ", "nameserver 10.0.0.1\n#", 1)
    held = {ns: dict(f) for ns, f in files.items()}
    held[pod]["resolv.conf"] = spoiled
    found = only(judge(plan, lambda f: object.__setattr__(f, "etc", held)))
    assert (found.kind, found.object, found.found) == (
        "etc",
        f"/etc/netns/{pod}/resolv.conf",
        "holds 'nameserver 10.0.0.1'",
    )
    assert judge(plan, lambda f: object.__setattr__(f, "etc", files)) == []


@pytest.mark.parametrize(
    "written, saved_as",
    [
        (
            '-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.108.209.100 '
            "--dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL",
            '-A KUBE-SERVICES -d 10.108.209.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp '
            "--dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL",
        ),
        ("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000", "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"),
        ("-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000", "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0"),
        (
            "-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN",
            "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
        ),
        (
            '-A KUBE-SERVICES -m comment --comment "default/nobody-home:http has no endpoints" -m tcp -p tcp '
            "-d 10.105.179.236 --dport 80 -j REJECT",
            '-A KUBE-SERVICES -d 10.105.179.236/32 -p tcp -m comment --comment "default/nobody-home:http has no '
            'endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
        ),
        (
            '-A KUBE-SVC-E -m comment --comment "default/web-sticky:http -> 10.244.2.2:8080" -m recent '
            "--name KUBE-SEP-5 --rcheck --seconds 600 --reap -j KUBE-SEP-5",
            '-A KUBE-SVC-E -m comment --comment "default/web-sticky:http -> 10.244.2.2:8080" -m recent --rcheck '
            "--seconds 600 --reap --name KUBE-SEP-5 --mask 255.255.255.255 --rsource -j KUBE-SEP-5",
        ),
        (
            "-A KUBE-SEP-X -m comment --comment default/db -s 10.244.1.2 -j KUBE-MARK-MASQ",
            '-A KUBE-SEP-X -s 10.244.1.2/32 -m comment --comment "default/db" -j KUBE-MARK-MASQ',
        ),
    ],
)
def test_a_rule_as_written_and_as_iptables_save_prints_it_is_one_rule(written: str, saved_as: str) -> None:
    assert rule_key(written) == rule_key(saved_as)


def test_rule_keys_tell_rules_apart() -> None:
    base = "-A FORWARD -p tcp -m tcp --dport 8080 -j DROP"
    assert rule_key(base) != rule_key(base.replace("8080", "8081"))
    assert rule_key("-A X -m mark ! --mark 0x4000/0x4000 -j RETURN") != rule_key(
        "-A X -m mark --mark 0x4000/0x4000 -j RETURN"
    )


def test_a_pod_whose_echo_port_does_not_listen() -> None:
    plan = lab("pod-to-service")
    pod = next(p for p in plan.pods if p.echo_ports())
    listening = {p.netns: set(p.echo_ports()) for p in plan.pods}
    assert judge(plan, lambda f: object.__setattr__(f, "listening", listening)) == []
    port, protocol = pod.echo_ports()[0]
    listening[pod.netns] = set(pod.echo_ports()) - {(port, protocol)}
    found = only(judge(plan, lambda f: object.__setattr__(f, "listening", listening)))
    assert (found.netns, found.kind, found.object) == (pod.netns, "listening", f"{protocol.lower()} port {port}")


def test_ss_output() -> None:
    text = "udp   UNCONN 0      0      0.0.0.0:53    0.0.0.0:*\ntcp   LISTEN 0      128    0.0.0.0:8080  0.0.0.0:*\n"
    assert parse_ss(text) == {(53, "UDP"), (8080, "TCP")}


def test_a_cluster_dns_pod_that_does_not_answer() -> None:
    plan = lab("service-discovery")
    pods = servers(plan)
    assert pods
    good = Lookup("NOERROR", (("q", "NOERROR"),), (("A", str(plan.cluster_dns)),))
    answers = {p.netns: good for p in pods}
    assert judge(plan, lambda f: object.__setattr__(f, "dns", answers)) == []
    answers[pods[0].netns] = Lookup("NO ANSWER", error="communications error to 10.244.1.4#53: timed out")
    found = only(judge(plan, lambda f: object.__setattr__(f, "dns", answers)))
    assert (found.kind, found.found) == ("dns", "communications error to 10.244.1.4#53: timed out")
    assert found.show.startswith(f"ip netns exec {pods[0].netns} dig @{pods[0].ip.ip} ")
