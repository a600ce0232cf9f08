"""netlab.render.ipvs: kube-proxy's IPVS mode on one node (virtual servers, ipsets, its few iptables
rules), as goldens per lab and as the facts of docs/kube-proxy.md, IPVS mode."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import pytest
from ipvsadm import ipvsadm_text
from test_render_iptables import CLUSTER_CIDR, SERVICE_LABS, WEB, WEB_HTTP, check_ruleset, port_plan, service

from netlab.model import load_lab
from netlab.plan import make_plan
from netlab.plan.model import LabPlan, NodePlan, ServicePlan, ServicePortPlan
from netlab.render.iptables import forward_accept_rules, masquerade_rules, render_iptables
from netlab.render.ipvs import (
    IpvsRuleset,
    RealServer,
    VirtualServer,
    ipset_restore_text,
    render_ipvs,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "ipvs"
IPSET_NAME_MAX = 31


def _clusterip_and_nodeport(plan: LabPlan) -> LabPlan:
    return replace(plan, services=tuple(s for s in plan.services if s.type in ("ClusterIP", "NodePort")))


# The ClusterIP and NodePort Services of labs/service-types.yaml: web (ClusterIP), web-local (NodePort
# 30081, policy Local) and web-nodeport (NodePort 30080, policy Cluster); their one endpoint,
# 10.244.1.2:8080, runs on node-1.
SERVICE_TYPES = _clusterip_and_nodeport(make_plan(load_lab(REPO / "labs" / "service-types.yaml")))
NODE_1, NODE_2 = SERVICE_TYPES.nodes
NODE_3 = replace(NODE_2, name="node-3", ip=IPv4Interface("192.168.56.13/24"))
WEB_0 = (RealServer(IPv4Address("10.244.1.2"), 8080),)
# The running example with each endpoint on the node its address says: 10.244.1.5 on node-1, 10.244.2.7 on node-2.
WEB_SPREAD_HTTP = replace(WEB_HTTP, endpoints=(WEB_HTTP.endpoints[0], replace(WEB_HTTP.endpoints[1], node="node-2")))
# labs/ingress-loadbalancer.yaml: web (LoadBalancer 198.51.100.200, NodePort 30080, policy Cluster) and
# web-local (198.51.100.201, NodePort 30081, policy Local, healthCheckNodePort 32000); web-0 (10.244.1.2)
# runs on node-1, web-1 (10.244.2.2) on node-2, none on node-3.
INGRESS = make_plan(load_lab(REPO / "labs" / "ingress-loadbalancer.yaml"))
LB_IP, LB_LOCAL_IP = IPv4Address("198.51.100.200"), IPv4Address("198.51.100.201")
WEB_0_ONLY, WEB_1_ONLY = (RealServer(IPv4Address("10.244.1.2"), 8080),), (RealServer(IPv4Address("10.244.2.2"), 8080),)


def check_ipvs(ruleset: IpvsRuleset, node: NodePlan | None = None) -> None:
    """The iptables part passes the iptables structure rules; every set a rule matches is created;
    set names fit ipset's 31 characters; every VIP is bound on kube-ipvs0 and listed in KUBE-IPVS-IPS;
    the only other virtual server address is the node's IP (NodePorts): never bound, and each of its
    ports in the KUBE-NODE-PORT set of its protocol; every bound VIP:port is a ClusterIP's or a
    LoadBalancer's (in KUBE-CLUSTER-IP or KUBE-LOAD-BALANCER), and every -LOCAL entry has its twin."""
    check_ruleset(ruleset.iptables)
    names = [s.name for s in ruleset.ipsets]
    assert len(names) == len(set(names)) and all(len(n) <= IPSET_NAME_MAX for n in names)
    words = ruleset.iptables.restore.split()
    assert {words[i + 1] for i, w in enumerate(words) if w == "--match-set"} <= set(names)
    node_ips = {node.ip.ip} if node else set()
    assert set(ruleset.addresses) <= {vs.ip for vs in ruleset.virtual_servers} <= set(ruleset.addresses) | node_ips
    assert not node_ips & set(ruleset.addresses)
    assert sets(ruleset)["KUBE-IPVS-IPS"] == tuple(sorted(str(ip) for ip in ruleset.addresses))
    for vs in ruleset.virtual_servers:
        if vs.ip in node_ips:
            assert str(vs.port) in sets(ruleset)[f"KUBE-NODE-PORT-{vs.protocol}"]
        else:
            entry = f"{vs.ip},{vs.protocol.lower()}:{vs.port}"
            assert entry in sets(ruleset)["KUBE-CLUSTER-IP"] + sets(ruleset)["KUBE-LOAD-BALANCER"]
    assert set(sets(ruleset)["KUBE-LOAD-BALANCER-LOCAL"]) <= set(sets(ruleset)["KUBE-LOAD-BALANCER"])


def sets(ruleset: IpvsRuleset) -> dict[str, tuple[str, ...]]:
    return {s.name: s.entries for s in ruleset.ipsets}


def reals(ruleset: IpvsRuleset) -> dict[tuple[IPv4Address, int], tuple[RealServer, ...]]:
    """Per virtual server (address, port), its real servers."""
    return {(vs.ip, vs.port): vs.reals for vs in ruleset.virtual_servers}


def node_port_service(
    port: ServicePortPlan, node_port: int, local: bool = False, affinity: int | None = None
) -> ServicePlan:
    return replace(
        service([replace(port, node_port=node_port)], affinity=affinity), type="NodePort", external_local=local
    )


def lb_service(
    port: ServicePortPlan,
    node_port: int,
    ip: str = "198.51.100.200",
    local: bool = False,
    health_check: int | None = None,
    affinity: int | None = None,
) -> ServicePlan:
    return replace(
        node_port_service(port, node_port, local, affinity),
        type="LoadBalancer",
        load_balancer_ip=IPv4Address(ip),
        health_check_node_port=health_check,
    )


def lab_service(name: str, plan: LabPlan = SERVICE_TYPES) -> ServicePlan:
    return next(svc for svc in plan.services if svc.name == name)


# -- goldens --------------------------------------------------------------------------------------
def node_rulesets(path: Path) -> dict[str, tuple[NodePlan, IpvsRuleset]]:
    """The lab's golden files and what they hold: `<lab>.ipvs` for its first node, and
    `<lab>.<node>.ipvs` for each other node whose virtual servers differ (NodePorts sit on each
    node's own IP); KUBE-LOOP-BACK alone differing is not worth a file."""
    plan = make_plan(load_lab(path))
    (first, first_rules), *others = [
        (node, render_ipvs(plan.services, plan.lab.cluster.pod_cidr, node)) for node in plan.nodes
    ]
    found = {f"{path.stem}.ipvs": (first, first_rules)}
    for node, ruleset in others:
        if ruleset.virtual_servers != first_rules.virtual_servers:
            found[f"{path.stem}.{node.name}.ipvs"] = (node, ruleset)
    return found


@pytest.mark.parametrize("path", SERVICE_LABS, ids=[p.stem for p in SERVICE_LABS])
def test_ipvs_golden(golden, path: Path) -> None:
    for name, (node, ruleset) in node_rulesets(path).items():
        check_ipvs(ruleset, node)
        text = "\n".join(
            [
                f"# ipvsadm -Ln on {node.name}; kube-ipvs0 holds " + " ".join(f"{ip}/32" for ip in ruleset.addresses),
                ipvsadm_text(ruleset),
                "# ipset restore",
                ipset_restore_text(ruleset),
                *(j.text() for j in ruleset.iptables.jumps),
                "# iptables-restore --noflush",
                ruleset.iptables.restore,
            ]
        )
        golden(GOLDEN / name, text)


def test_every_ipvs_golden_has_its_lab() -> None:
    names = [name for path in SERVICE_LABS for name in node_rulesets(path)]
    assert sorted(p.name for p in GOLDEN.glob("*.ipvs")) == sorted(names)
    assert {
        "pod-to-service.ipvs",
        "service-types.ipvs",
        "service-types.node-2.ipvs",
        "ingress-loadbalancer.ipvs",
        "ingress-loadbalancer.node-2.ipvs",
        "ingress-loadbalancer.node-3.ipvs",
    } <= set(names)


# -- virtual servers ------------------------------------------------------------------------------
def test_the_running_example_is_one_round_robin_virtual_server() -> None:
    ruleset = render_ipvs([WEB], CLUSTER_CIDR)
    check_ipvs(ruleset)
    assert ruleset.addresses == (IPv4Address("10.96.44.201"),)
    assert ruleset.virtual_servers == (
        VirtualServer(
            "TCP",
            IPv4Address("10.96.44.201"),
            80,
            "rr",
            None,
            (RealServer(IPv4Address("10.244.1.5"), 8080), RealServer(IPv4Address("10.244.2.7"), 8080)),
        ),
    )
    assert ipvsadm_text(ruleset).splitlines()[3:] == [
        "TCP  10.96.44.201:80 rr",
        "  -> 10.244.1.5:8080              Masq    1      0          0",
        "  -> 10.244.2.7:8080              Masq    1      0          0",
    ]


def test_client_ip_affinity_makes_the_virtual_server_persistent() -> None:
    ruleset = render_ipvs([service([WEB_HTTP], affinity=600)], CLUSTER_CIDR)
    assert ruleset.virtual_servers[0].persistent == 600
    assert "TCP  10.96.44.201:80 rr persistent 600" in ipvsadm_text(ruleset).splitlines()


def test_a_port_without_endpoints_keeps_its_virtual_server_and_vip() -> None:
    ruleset = render_ipvs([service([port_plan("http", 80, [])])], CLUSTER_CIDR)
    assert [(vs.port, vs.reals) for vs in ruleset.virtual_servers] == [(80, ())]
    assert sets(ruleset)["KUBE-CLUSTER-IP"] == ("10.96.44.201,tcp:80",)


def test_headless_services_get_nothing() -> None:
    assert render_ipvs([service([WEB_HTTP], ip=None)], CLUSTER_CIDR, NODE_1) == render_ipvs([], CLUSTER_CIDR, NODE_1)


def test_ipvsadm_sorts_by_protocol_then_address_then_port() -> None:
    udp = service([port_plan("dns", 53, ["10.244.1.5:5353"], "UDP")], ip="10.96.0.10", name="dns")
    late = service([port_plan("b", 90, []), port_plan("a", 80, [])], ip="10.96.0.100", name="late")
    early = service([port_plan("http", 80, ["10.244.1.10:8080", "10.244.1.9:8080"])], ip="10.96.0.9", name="early")
    lines = ipvsadm_text(render_ipvs([udp, late, early], CLUSTER_CIDR)).splitlines()
    assert [line.split()[:2] for line in lines[3:]] == [
        ["TCP", "10.96.0.9:80"],
        ["->", "10.244.1.9:8080"],
        ["->", "10.244.1.10:8080"],
        ["TCP", "10.96.0.100:80"],
        ["TCP", "10.96.0.100:90"],
        ["UDP", "10.96.0.10:53"],
        ["->", "10.244.1.5:5353"],
    ]


# -- ipsets ---------------------------------------------------------------------------------------
def test_sets_hold_cluster_ips_and_only_this_nodes_endpoints_loop_back() -> None:
    ruleset = render_ipvs([service([WEB_SPREAD_HTTP])], CLUSTER_CIDR, NODE_1)
    check_ipvs(ruleset, NODE_1)
    assert sets(ruleset)["KUBE-CLUSTER-IP"] == ("10.96.44.201,tcp:80",)
    assert sets(ruleset)["KUBE-LOOP-BACK"] == ("10.244.1.5,tcp:8080,10.244.1.5",)
    assert sets(ruleset)["KUBE-IPVS-IPS"] == ("10.96.44.201",)
    assert {name for name, entries in sets(ruleset).items() if entries} == {
        "KUBE-CLUSTER-IP",
        "KUBE-LOOP-BACK",
        "KUBE-IPVS-IPS",
    }


def test_every_kube_proxy_set_is_created_with_its_type() -> None:
    text = ipset_restore_text(render_ipvs([WEB], CLUSTER_CIDR))
    creates = {line.split()[1]: line.split()[2] for line in text.splitlines() if line.startswith("create ")}
    assert creates == {
        "KUBE-LOOP-BACK": "hash:ip,port,ip",
        "KUBE-CLUSTER-IP": "hash:ip,port",
        "KUBE-EXTERNAL-IP": "hash:ip,port",
        "KUBE-EXTERNAL-IP-LOCAL": "hash:ip,port",
        "KUBE-LOAD-BALANCER": "hash:ip,port",
        "KUBE-LOAD-BALANCER-FW": "hash:ip,port",
        "KUBE-LOAD-BALANCER-LOCAL": "hash:ip,port",
        "KUBE-LOAD-BALANCER-SOURCE-IP": "hash:ip,port,ip",
        "KUBE-LOAD-BALANCER-SOURCE-CIDR": "hash:ip,port,net",
        "KUBE-NODE-PORT-TCP": "bitmap:port",
        "KUBE-NODE-PORT-LOCAL-TCP": "bitmap:port",
        "KUBE-NODE-PORT-UDP": "bitmap:port",
        "KUBE-NODE-PORT-LOCAL-UDP": "bitmap:port",
        "KUBE-NODE-PORT-SCTP-HASH": "hash:ip,port",
        "KUBE-NODE-PORT-LOCAL-SCTP-HASH": "hash:ip,port",
        "KUBE-HEALTH-CHECK-NODE-PORT": "bitmap:port",
        "KUBE-IPVS-IPS": "hash:ip",
    }
    assert "create KUBE-NODE-PORT-TCP bitmap:port range 0-65535 -exist" in text.splitlines()
    assert "create KUBE-IPVS-IPS hash:ip family inet hashsize 1024 maxelem 65536 -exist" in text.splitlines()
    lines = text.splitlines()
    assert lines.index("flush KUBE-CLUSTER-IP") < lines.index("add KUBE-CLUSTER-IP 10.96.44.201,tcp:80 -exist")
    assert max(i for i, x in enumerate(lines) if x.startswith("create")) < lines.index("flush KUBE-LOOP-BACK")


# -- iptables part --------------------------------------------------------------------------------
def test_ipvs_iptables_rules_of_kube_reference() -> None:
    restore = render_ipvs([service([WEB_SPREAD_HTTP])], CLUSTER_CIDR, NODE_1).iptables.restore
    nat, filt = restore.split("*filter\n")
    assert restore.startswith("*nat\n")
    assert [line for line in nat.splitlines() if line.startswith("-A KUBE-SERVICES")] == [
        "-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN",
        (
            '-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" '
            "-m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ"
        ),
        "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
        "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
    ]
    postrouting = [line for line in nat.splitlines() if line.startswith("-A KUBE-POSTROUTING")]
    assert postrouting[0] == (
        '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin '
        'purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE'
    )
    assert filt.splitlines()[-2] == (
        "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT"
    )


def test_no_loop_back_rule_while_no_endpoint_is_local() -> None:
    assert "KUBE-LOOP-BACK" not in render_ipvs([WEB], CLUSTER_CIDR).iptables.restore


def test_both_modes_share_the_fixed_masquerade_and_forward_rules() -> None:
    ipvs = render_ipvs([WEB], CLUSTER_CIDR).iptables.restore.splitlines()
    iptables = render_iptables([WEB], CLUSTER_CIDR).restore.splitlines()
    for rule in masquerade_rules() + forward_accept_rules():
        assert rule in ipvs and rule in iptables


def test_ipvs_jumps_are_ensured_in_kube_proxy_order() -> None:
    jumps = render_ipvs([], CLUSTER_CIDR).iptables.jumps
    assert [(j.table, j.chain, j.rule[-1]) for j in jumps] == [
        ("nat", "OUTPUT", "KUBE-SERVICES"),
        ("nat", "PREROUTING", "KUBE-SERVICES"),
        ("nat", "POSTROUTING", "KUBE-POSTROUTING"),
        ("filter", "FORWARD", "KUBE-FORWARD"),
        ("filter", "INPUT", "KUBE-NODE-PORT"),
        ("filter", "INPUT", "KUBE-PROXY-FIREWALL"),
        ("filter", "FORWARD", "KUBE-PROXY-FIREWALL"),
        ("filter", "INPUT", "KUBE-IPVS-FILTER"),
        ("filter", "OUTPUT", "KUBE-IPVS-OUT-FILTER"),
    ]


# -- NodePorts and externalTrafficPolicy ------------------------------------------------------------
def test_a_node_port_is_a_virtual_server_on_each_nodes_own_ip() -> None:
    """Policy Cluster: the ClusterIP's real servers on every node, also on node-2 where no endpoint
    runs; the node's IP is not bound on kube-ipvs0 (nor listed in KUBE-IPVS-IPS)."""
    nodeport = lab_service("web-nodeport")
    assert nodeport.cluster_ip is not None
    for node in (NODE_1, NODE_2):
        ruleset = render_ipvs([nodeport], CLUSTER_CIDR, node)
        check_ipvs(ruleset, node)
        assert ruleset.virtual_servers == (
            VirtualServer("TCP", nodeport.cluster_ip, 80, "rr", None, WEB_0),
            VirtualServer("TCP", node.ip.ip, 30080, "rr", None, WEB_0),
        )
        assert ruleset.addresses == (nodeport.cluster_ip,)
        assert sets(ruleset)["KUBE-IPVS-IPS"] == (str(nodeport.cluster_ip),)
    assert f"TCP  {NODE_2.ip.ip}:30080 rr" in ipvsadm_text(render_ipvs([nodeport], CLUSTER_CIDR, NODE_2)).splitlines()


def test_policy_local_sends_to_this_nodes_endpoints() -> None:
    """Each node's own endpoints; a node with none gets all of them after all (kube-proxy's
    syncEndpoint falls back to the Cluster endpoints, kubernetes PR 97081). The ClusterIP keeps all."""
    svc = node_port_service(WEB_SPREAD_HTTP, 30081, local=True)
    one, two = (RealServer(IPv4Address("10.244.1.5"), 8080),), (RealServer(IPv4Address("10.244.2.7"), 8080),)
    for node, expected in ((NODE_1, one), (NODE_2, two), (NODE_3, one + two)):
        ruleset = render_ipvs([svc], CLUSTER_CIDR, node)
        check_ipvs(ruleset, node)
        assert reals(ruleset) == {(svc.cluster_ip, 80): one + two, (node.ip.ip, 30081): expected}


def test_the_service_types_lab_per_node() -> None:
    """web-local's one endpoint is on node-1: node-1 serves it locally, node-2 falls back to it (an
    outside client gets no answer there all the same: see render/ipvs.py)."""
    on_1, on_2 = (render_ipvs(SERVICE_TYPES.services, CLUSTER_CIDR, node) for node in (NODE_1, NODE_2))
    assert {key: vs for key, vs in reals(on_1).items() if key[0] == NODE_1.ip.ip} == {
        (NODE_1.ip.ip, 30080): WEB_0,
        (NODE_1.ip.ip, 30081): WEB_0,
    }
    assert {key: vs for key, vs in reals(on_2).items() if key[0] == NODE_2.ip.ip} == {
        (NODE_2.ip.ip, 30080): WEB_0,
        (NODE_2.ip.ip, 30081): WEB_0,
    }
    web_hairpins = [[e for e in sets(on)["KUBE-LOOP-BACK"] if ":8080," in e] for on in (on_1, on_2)]
    assert web_hairpins == [["10.244.1.2,tcp:8080,10.244.1.2"], []]


def test_node_port_sets_hold_every_node_port_and_the_local_ones_again() -> None:
    ruleset = render_ipvs(SERVICE_TYPES.services, CLUSTER_CIDR, NODE_2)
    assert sets(ruleset)["KUBE-NODE-PORT-TCP"] == ("30080", "30081")
    assert sets(ruleset)["KUBE-NODE-PORT-LOCAL-TCP"] == ("30081",)
    assert not sets(ruleset)["KUBE-NODE-PORT-UDP"] and not sets(ruleset)["KUBE-NODE-PORT-LOCAL-UDP"]
    lines = ipset_restore_text(ruleset).splitlines()
    assert lines[lines.index("flush KUBE-NODE-PORT-TCP") + 1 :][:2] == [
        "add KUBE-NODE-PORT-TCP 30080 -exist",
        "add KUBE-NODE-PORT-TCP 30081 -exist",
    ]
    assert "add KUBE-NODE-PORT-LOCAL-TCP 30081 -exist" in lines


def test_node_port_rules_return_for_local_before_marking_for_masquerade() -> None:
    restore = render_ipvs(SERVICE_TYPES.services, CLUSTER_CIDR, NODE_1).iptables.restore
    nat, filt = restore.split("*filter\n")
    assert [line for line in nat.splitlines() if line.startswith("-A KUBE-NODE-PORT ")] == [
        (
            '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with '
            'externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN'
        ),
        (
            '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" '
            "-m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ"
        ),
    ]
    assert [line for line in nat.splitlines() if line.startswith("-A KUBE-SERVICES")][-2:] == [
        "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
        "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
    ]
    # In filter, kube-proxy's KUBE-NODE-PORT only accepts health check nodePorts (LoadBalancers).
    assert [line for line in filt.splitlines() if line.startswith("-A KUBE-NODE-PORT ")] == [
        (
            '-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" '
            "-m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT"
        )
    ]


def test_policy_cluster_alone_only_marks_for_masquerade() -> None:
    restore = render_ipvs([lab_service("web-nodeport")], CLUSTER_CIDR, NODE_1).iptables.restore
    assert [
        line.split()[-1] for line in restore.split("*filter\n")[0].splitlines() if line.startswith("-A KUBE-NODE-PORT ")
    ] == ["KUBE-MARK-MASQ"]


def test_udp_node_ports_have_their_own_sets() -> None:
    dns = node_port_service(port_plan("dns", 53, ["10.244.1.5:5353"], "UDP"), 30053, local=True)
    ruleset = render_ipvs([dns], CLUSTER_CIDR, NODE_1)
    check_ipvs(ruleset, NODE_1)
    assert sets(ruleset)["KUBE-NODE-PORT-UDP"] == sets(ruleset)["KUBE-NODE-PORT-LOCAL-UDP"] == ("30053",)
    assert not sets(ruleset)["KUBE-NODE-PORT-TCP"]
    assert f"UDP  {NODE_1.ip.ip}:30053 rr" in ipvsadm_text(ruleset).splitlines()
    assert (
        '-A KUBE-NODE-PORT -p udp -m comment --comment "Kubernetes nodeport UDP port with '
        'externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-UDP dst -j RETURN'
    ) in ruleset.iptables.restore.splitlines()


def test_client_ip_affinity_makes_the_node_port_persistent_too() -> None:
    ruleset = render_ipvs([node_port_service(WEB_HTTP, 30080, affinity=600)], CLUSTER_CIDR, NODE_1)
    assert [vs.persistent for vs in ruleset.virtual_servers] == [600, 600]


def test_without_a_node_there_is_nothing_node_specific() -> None:
    """No NodePort virtual servers or set entries (kube-proxy skips a nodePort without node IPs), no hairpin."""
    ruleset = render_ipvs(SERVICE_TYPES.services, CLUSTER_CIDR)
    check_ipvs(ruleset)
    assert {vs.port for vs in ruleset.virtual_servers} == {80, 53, 9153}  # the lab's and kube-dns's
    assert {name for name, entries in sets(ruleset).items() if entries} == {"KUBE-CLUSTER-IP", "KUBE-IPVS-IPS"}
    assert "-A KUBE-NODE-PORT -p" not in ruleset.iptables.restore


# -- LoadBalancers ----------------------------------------------------------------------------------
def test_the_lb_ip_is_bound_like_a_cluster_ip_with_a_virtual_server_on_every_node() -> None:
    """Each LB IP sits on kube-ipvs0 and in KUBE-IPVS-IPS on every node, with a virtual server on
    LBIP:port; policy Cluster (web) sends to every endpoint, also on node-3 where none runs."""
    web = lab_service("web", INGRESS)
    assert web.cluster_ip is not None
    for node in INGRESS.nodes:
        ruleset = render_ipvs(INGRESS.services, CLUSTER_CIDR, node)
        check_ipvs(ruleset, node)
        assert {LB_IP, LB_LOCAL_IP} <= set(ruleset.addresses)
        assert {"198.51.100.200", "198.51.100.201"} <= set(sets(ruleset)["KUBE-IPVS-IPS"])
        assert reals(ruleset)[LB_IP, 80] == WEB_0_ONLY + WEB_1_ONLY == reals(ruleset)[web.cluster_ip, 80]
        assert [(vs.protocol, vs.scheduler, vs.persistent) for vs in ruleset.virtual_servers if vs.ip == LB_IP] == [
            ("TCP", "rr", None)
        ]
        assert "TCP  198.51.100.200:80 rr" in ipvsadm_text(ruleset).splitlines()


def test_policy_local_lb_ip_sends_to_this_nodes_endpoints_else_all() -> None:
    """web-local: node-1 web-0, node-2 web-1, node-3 (none local) every endpoint (syncEndpoint's
    fallback, as for its NodePort); its LB IP and NodePort always have the same real servers."""
    expected = {"node-1": WEB_0_ONLY, "node-2": WEB_1_ONLY, "node-3": WEB_0_ONLY + WEB_1_ONLY}
    for node in INGRESS.nodes:
        ruleset = render_ipvs(INGRESS.services, CLUSTER_CIDR, node)
        assert reals(ruleset)[LB_LOCAL_IP, 80] == reals(ruleset)[node.ip.ip, 30081] == expected[node.name]


def test_lb_virtual_server_comes_between_the_cluster_ips_and_the_node_ports() -> None:
    """syncProxyRules' order per service port: ClusterIP, (external IPs,) LB ingress IPs, NodePort."""
    svc = lb_service(WEB_SPREAD_HTTP, 30080)
    ruleset = render_ipvs([svc], CLUSTER_CIDR, NODE_1)
    check_ipvs(ruleset, NODE_1)
    assert [(vs.ip, vs.port) for vs in ruleset.virtual_servers] == [
        (svc.cluster_ip, 80),
        (LB_IP, 80),
        (NODE_1.ip.ip, 30080),
    ]
    assert ruleset.addresses == (svc.cluster_ip, LB_IP)


def test_lb_sets_hold_every_lb_ip_port_the_local_ones_again_and_the_health_check_port() -> None:
    for node in INGRESS.nodes:
        found = sets(render_ipvs(INGRESS.services, CLUSTER_CIDR, node))
        assert found["KUBE-LOAD-BALANCER"] == ("198.51.100.200,tcp:80", "198.51.100.201,tcp:80")
        assert found["KUBE-LOAD-BALANCER-LOCAL"] == ("198.51.100.201,tcp:80",)
        assert found["KUBE-HEALTH-CHECK-NODE-PORT"] == ("32000",)
        assert found["KUBE-NODE-PORT-TCP"] == ("30080", "30081") and found["KUBE-NODE-PORT-LOCAL-TCP"] == ("30081",)
        # No loadBalancerSourceRanges in netlab: the firewall sets stay empty.
        assert not found["KUBE-LOAD-BALANCER-FW"] and not found["KUBE-LOAD-BALANCER-SOURCE-IP"]
        assert not found["KUBE-LOAD-BALANCER-SOURCE-CIDR"]
    lines = ipset_restore_text(render_ipvs(INGRESS.services, CLUSTER_CIDR, INGRESS.nodes[0])).splitlines()
    assert lines[lines.index("flush KUBE-LOAD-BALANCER") + 1 :][:2] == [
        "add KUBE-LOAD-BALANCER 198.51.100.200,tcp:80 -exist",
        "add KUBE-LOAD-BALANCER 198.51.100.201,tcp:80 -exist",
    ]
    assert "add KUBE-HEALTH-CHECK-NODE-PORT 32000 -exist" in lines


def test_lb_rules_jump_to_the_lb_chain_which_returns_local_before_marking() -> None:
    """kube-proxy's TestOnlyLocalLoadBalancing order: KUBE-SERVICES RETURN localhost, jump to
    KUBE-LOAD-BALANCER, ClusterIP masquerade, NodePorts, then ACCEPT ClusterIPs and LB IPs; the LB
    chain RETURNs the -LOCAL set before marking the rest."""
    restore = render_ipvs(INGRESS.services, CLUSTER_CIDR, INGRESS.nodes[2]).iptables.restore
    nat, filt = restore.split("*filter\n")
    assert [line for line in nat.splitlines() if line.startswith("-A KUBE-SERVICES")] == [
        "-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN",
        (
            '-A KUBE-SERVICES -m comment --comment "Kubernetes service lb portal" '
            "-m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER"
        ),
        (
            '-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" '
            "-m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ"
        ),
        "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
        "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
        "-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT",
    ]
    assert [line for line in nat.splitlines() if line.startswith("-A KUBE-LOAD-BALANCER")] == [
        (
            '-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port with '
            'externalTrafficPolicy=local" -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN'
        ),
        "-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ",
    ]
    ipvs_filter = [line for line in filt.splitlines() if line.startswith("-A KUBE-IPVS-FILTER")]
    assert ipvs_filter[0] == "-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN"
    assert ipvs_filter[-1].endswith("--match-set KUBE-IPVS-IPS dst -j REJECT")
    assert (
        '-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" '
        "-m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT"
    ) in filt.splitlines()
    # Without source ranges nothing goes to the firewall chains or blocks node access to LB IPs.
    assert "KUBE-LOAD-BALANCER-FW" not in restore and "-A KUBE-IPVS-OUT-FILTER" not in restore
    assert [line for line in filt.splitlines() if "KUBE-SOURCE-RANGES-FIREWALL" in line and line.startswith("-A")] == [
        "-A KUBE-SOURCE-RANGES-FIREWALL -j DROP"
    ]


def test_policy_cluster_lb_alone_has_no_local_return() -> None:
    ruleset = render_ipvs([lb_service(WEB_SPREAD_HTTP, 30080)], CLUSTER_CIDR, NODE_1)
    assert not sets(ruleset)["KUBE-LOAD-BALANCER-LOCAL"] and not sets(ruleset)["KUBE-HEALTH-CHECK-NODE-PORT"]
    assert [line for line in ruleset.iptables.restore.splitlines() if line.startswith("-A KUBE-LOAD-BALANCER")] == [
        "-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ"
    ]


def test_lb_ip_of_a_udp_port_and_with_affinity() -> None:
    dns = lb_service(
        port_plan("dns", 53, ["10.244.1.5:5353"], "UDP"), 30053, local=True, health_check=32001, affinity=600
    )
    ruleset = render_ipvs([dns], CLUSTER_CIDR, NODE_1)
    check_ipvs(ruleset, NODE_1)
    assert (
        sets(ruleset)["KUBE-LOAD-BALANCER"] == sets(ruleset)["KUBE-LOAD-BALANCER-LOCAL"] == ("198.51.100.200,udp:53",)
    )
    assert sets(ruleset)["KUBE-HEALTH-CHECK-NODE-PORT"] == ("32001",)
    assert "UDP  198.51.100.200:53 rr persistent 600" in ipvsadm_text(ruleset).splitlines()


def test_without_a_node_lb_ips_keep_their_virtual_servers_but_no_health_check() -> None:
    """kube-proxy needs no node IP for LB ingress IPs; with no node nothing is local, so policy Local
    falls back to every endpoint. The health check port is skipped with the NodePort (its `continue`)."""
    ruleset = render_ipvs(INGRESS.services, CLUSTER_CIDR)
    check_ipvs(ruleset)
    assert reals(ruleset)[LB_IP, 80] == reals(ruleset)[LB_LOCAL_IP, 80] == WEB_0_ONLY + WEB_1_ONLY
    assert sets(ruleset)["KUBE-LOAD-BALANCER"] and not sets(ruleset)["KUBE-HEALTH-CHECK-NODE-PORT"]
    assert {vs.port for vs in ruleset.virtual_servers} == {80, 53, 9153}  # the lab's and kube-dns's


def test_a_multi_port_lb_has_one_virtual_server_and_entry_per_port_and_one_health_check() -> None:
    svc = replace(
        lb_service(WEB_HTTP, 30080, local=True, health_check=32000),
        ports=(
            replace(WEB_HTTP, node_port=30080),
            replace(port_plan("https", 443, ["10.244.1.5:8443"]), node_port=30443),
        ),
    )
    ruleset = render_ipvs([svc], CLUSTER_CIDR, NODE_1)
    check_ipvs(ruleset, NODE_1)
    assert [(vs.ip, vs.port) for vs in ruleset.virtual_servers if vs.ip == LB_IP] == [(LB_IP, 80), (LB_IP, 443)]
    assert sets(ruleset)["KUBE-LOAD-BALANCER"] == ("198.51.100.200,tcp:443", "198.51.100.200,tcp:80")
    assert ruleset.addresses.count(LB_IP) == 1 and sets(ruleset)["KUBE-HEALTH-CHECK-NODE-PORT"] == ("32000",)
