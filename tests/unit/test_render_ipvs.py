"""netlab.render.ipvs: kube-proxy's IPVS mode on one node (virtual servers, ipsets, its few iptables
rules), as goldens per lab and as the facts of kube-reference section 3."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest
from test_render_iptables import CLUSTER_CIDR, SERVICE_LABS, WEB, WEB_HTTP, check_ruleset, port_plan, service

from netlab.model import load_lab
from netlab.plan import make_plan
from netlab.render.iptables import forward_accept_rules, masquerade_rules, render_iptables
from netlab.render.ipvs import (
    IpvsRuleset,
    RealServer,
    VirtualServer,
    ipset_restore_text,
    ipvsadm_text,
    render_ipvs,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "ipvs"
IPSET_NAME_MAX = 31
NO_LOCAL: set[IPv4Address] = set()


def check_ipvs(ruleset: IpvsRuleset) -> None:
    """The iptables part passes the iptables structure rules; every set a rule matches is created;
    set names fit ipset's 31 characters; every VIP is bound on kube-ipvs0 and listed in KUBE-IPVS-IPS."""
    check_ruleset(ruleset.iptables)
    names = [s.name for s in ruleset.ipsets]
    assert len(names) == len(set(names)) and all(len(n) <= IPSET_NAME_MAX for n in names)
    words = ruleset.iptables.restore.split()
    assert {words[i + 1] for i, w in enumerate(words) if w == "--match-set"} <= set(names)
    assert {vs.ip for vs in ruleset.virtual_servers} == set(ruleset.addresses)
    assert sets(ruleset)["KUBE-IPVS-IPS"] == tuple(sorted(str(ip) for ip in ruleset.addresses))


def sets(ruleset: IpvsRuleset) -> dict[str, tuple[str, ...]]:
    return {s.name: s.entries for s in ruleset.ipsets}


# -- goldens --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", SERVICE_LABS, ids=[p.stem for p in SERVICE_LABS])
def test_ipvs_golden(golden, path: Path) -> None:
    """The first node's view (KUBE-LOOP-BACK differs per node)."""
    plan = make_plan(load_lab(path))
    node = plan.nodes[0].name
    local = {ep.ip for svc in plan.services for port in svc.ports for ep in port.endpoints if ep.node == node}
    ruleset = render_ipvs(plan.services, plan.lab.cluster.pod_cidr, local)
    check_ipvs(ruleset)
    text = "\n".join([
        f"# ipvsadm -Ln on {node}; kube-ipvs0 holds " + " ".join(f"{ip}/32" for ip in ruleset.addresses),
        ipvsadm_text(ruleset), "# ipset restore", ipset_restore_text(ruleset),
        *(j.text() for j in ruleset.iptables.jumps), "# iptables-restore --noflush", ruleset.iptables.restore])
    golden(GOLDEN / f"{path.stem}.ipvs", text)


def test_every_ipvs_golden_has_its_lab() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.ipvs")) == sorted(f"{p.stem}.ipvs" for p in SERVICE_LABS)


# -- virtual servers ------------------------------------------------------------------------------
def test_the_running_example_is_one_round_robin_virtual_server() -> None:
    ruleset = render_ipvs([WEB], CLUSTER_CIDR, NO_LOCAL)
    check_ipvs(ruleset)
    assert ruleset.addresses == (IPv4Address("10.96.44.201"),)
    assert ruleset.virtual_servers == (VirtualServer("TCP", IPv4Address("10.96.44.201"), 80, "rr", None, (
        RealServer(IPv4Address("10.244.1.5"), 8080), RealServer(IPv4Address("10.244.2.7"), 8080))),)
    assert ipvsadm_text(ruleset).splitlines()[3:] == [
        "TCP  10.96.44.201:80 rr",
        "  -> 10.244.1.5:8080              Masq    1      0          0",
        "  -> 10.244.2.7:8080              Masq    1      0          0",
    ]


def test_client_ip_affinity_makes_the_virtual_server_persistent() -> None:
    ruleset = render_ipvs([service([WEB_HTTP], affinity=600)], CLUSTER_CIDR, NO_LOCAL)
    assert ruleset.virtual_servers[0].persistent == 600
    assert "TCP  10.96.44.201:80 rr persistent 600" in ipvsadm_text(ruleset).splitlines()


def test_a_port_without_endpoints_keeps_its_virtual_server_and_vip() -> None:
    ruleset = render_ipvs([service([port_plan("http", 80, [])])], CLUSTER_CIDR, NO_LOCAL)
    assert [(vs.port, vs.reals) for vs in ruleset.virtual_servers] == [(80, ())]
    assert sets(ruleset)["KUBE-CLUSTER-IP"] == ("10.96.44.201,tcp:80",)


def test_headless_services_get_nothing() -> None:
    assert render_ipvs([service([WEB_HTTP], ip=None)], CLUSTER_CIDR, NO_LOCAL) == render_ipvs([], CLUSTER_CIDR,
                                                                                                NO_LOCAL)


def test_ipvsadm_sorts_by_protocol_then_address_then_port() -> None:
    udp = service([port_plan("dns", 53, ["10.244.1.5:5353"], "UDP")], ip="10.96.0.10", name="dns")
    late = service([port_plan("b", 90, []), port_plan("a", 80, [])], ip="10.96.0.100", name="late")
    early = service([port_plan("http", 80, ["10.244.1.10:8080", "10.244.1.9:8080"])], ip="10.96.0.9", name="early")
    lines = ipvsadm_text(render_ipvs([udp, late, early], CLUSTER_CIDR, NO_LOCAL)).splitlines()
    assert [line.split()[:2] for line in lines[3:]] == [
        ["TCP", "10.96.0.9:80"], ["->", "10.244.1.9:8080"], ["->", "10.244.1.10:8080"],
        ["TCP", "10.96.0.100:80"], ["TCP", "10.96.0.100:90"], ["UDP", "10.96.0.10:53"], ["->", "10.244.1.5:5353"]]


# -- ipsets ---------------------------------------------------------------------------------------
def test_sets_hold_cluster_ips_and_only_this_nodes_endpoints_loop_back() -> None:
    ruleset = render_ipvs([WEB], CLUSTER_CIDR, {IPv4Address("10.244.1.5")})
    check_ipvs(ruleset)
    assert sets(ruleset)["KUBE-CLUSTER-IP"] == ("10.96.44.201,tcp:80",)
    assert sets(ruleset)["KUBE-LOOP-BACK"] == ("10.244.1.5,tcp:8080,10.244.1.5",)
    assert sets(ruleset)["KUBE-IPVS-IPS"] == ("10.96.44.201",)
    assert {name for name, entries in sets(ruleset).items() if entries} == {
        "KUBE-CLUSTER-IP", "KUBE-LOOP-BACK", "KUBE-IPVS-IPS"}


def test_every_kube_proxy_set_is_created_with_its_type() -> None:
    text = ipset_restore_text(render_ipvs([WEB], CLUSTER_CIDR, NO_LOCAL))
    creates = {line.split()[1]: line.split()[2] for line in text.splitlines() if line.startswith("create ")}
    assert creates == {
        "KUBE-LOOP-BACK": "hash:ip,port,ip", "KUBE-CLUSTER-IP": "hash:ip,port", "KUBE-EXTERNAL-IP": "hash:ip,port",
        "KUBE-EXTERNAL-IP-LOCAL": "hash:ip,port", "KUBE-LOAD-BALANCER": "hash:ip,port",
        "KUBE-LOAD-BALANCER-FW": "hash:ip,port", "KUBE-LOAD-BALANCER-LOCAL": "hash:ip,port",
        "KUBE-LOAD-BALANCER-SOURCE-IP": "hash:ip,port,ip", "KUBE-LOAD-BALANCER-SOURCE-CIDR": "hash:ip,port,net",
        "KUBE-NODE-PORT-TCP": "bitmap:port", "KUBE-NODE-PORT-LOCAL-TCP": "bitmap:port",
        "KUBE-NODE-PORT-UDP": "bitmap:port", "KUBE-NODE-PORT-LOCAL-UDP": "bitmap:port",
        "KUBE-NODE-PORT-SCTP-HASH": "hash:ip,port", "KUBE-NODE-PORT-LOCAL-SCTP-HASH": "hash:ip,port",
        "KUBE-HEALTH-CHECK-NODE-PORT": "bitmap:port", "KUBE-IPVS-IPS": "hash:ip"}
    assert "create KUBE-NODE-PORT-TCP bitmap:port range 0-65535 -exist" in text.splitlines()
    assert "create KUBE-IPVS-IPS hash:ip family inet hashsize 1024 maxelem 65536 -exist" in text.splitlines()
    lines = text.splitlines()
    assert lines.index("flush KUBE-CLUSTER-IP") < lines.index("add KUBE-CLUSTER-IP 10.96.44.201,tcp:80 -exist")
    assert max(i for i, x in enumerate(lines) if x.startswith("create")) < lines.index("flush KUBE-LOOP-BACK")


# -- iptables part --------------------------------------------------------------------------------
def test_ipvs_iptables_rules_of_kube_reference() -> None:
    restore = render_ipvs([WEB], CLUSTER_CIDR, {IPv4Address("10.244.1.5")}).iptables.restore
    nat, filt = restore.split("*filter\n")
    assert restore.startswith("*nat\n")
    assert [line for line in nat.splitlines() if line.startswith("-A KUBE-SERVICES")] == [
        "-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN",
        ('-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" '
         "-m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ"),
        "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
        "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
    ]
    postrouting = [line for line in nat.splitlines() if line.startswith("-A KUBE-POSTROUTING")]
    assert postrouting[0] == (
        '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin '
        'purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE')
    assert filt.splitlines()[-2] == ("-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS "
                                     "dst -j REJECT")


def test_no_loop_back_rule_while_no_endpoint_is_local() -> None:
    assert "KUBE-LOOP-BACK" not in render_ipvs([WEB], CLUSTER_CIDR, NO_LOCAL).iptables.restore


def test_both_modes_share_the_fixed_masquerade_and_forward_rules() -> None:
    ipvs = render_ipvs([WEB], CLUSTER_CIDR, NO_LOCAL).iptables.restore.splitlines()
    iptables = render_iptables([WEB], CLUSTER_CIDR).restore.splitlines()
    for rule in masquerade_rules() + forward_accept_rules():
        assert rule in ipvs and rule in iptables


def test_ipvs_jumps_are_ensured_in_kube_proxy_order() -> None:
    jumps = render_ipvs([], CLUSTER_CIDR, NO_LOCAL).iptables.jumps
    assert [(j.table, j.chain, j.rule[-1]) for j in jumps] == [
        ("nat", "OUTPUT", "KUBE-SERVICES"), ("nat", "PREROUTING", "KUBE-SERVICES"),
        ("nat", "POSTROUTING", "KUBE-POSTROUTING"), ("filter", "FORWARD", "KUBE-FORWARD"),
        ("filter", "INPUT", "KUBE-NODE-PORT"), ("filter", "INPUT", "KUBE-PROXY-FIREWALL"),
        ("filter", "FORWARD", "KUBE-PROXY-FIREWALL"), ("filter", "INPUT", "KUBE-IPVS-FILTER"),
        ("filter", "OUTPUT", "KUBE-IPVS-OUT-FILTER")]
