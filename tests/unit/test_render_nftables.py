"""netlab.render.nftables: kube-proxy's nftables ruleset (docs/kube-proxy.md, nftables mode), as
goldens, known names, structure rules that must hold for any lab, and the read-back helpers."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from itertools import pairwise
from pathlib import Path

import pytest

from netlab.model import edit, load_lab
from netlab.plan import make_plan
from netlab.plan.model import Endpoint, NodePlan, ServicePlan, ServicePortPlan
from netlab.readback.nftables import (
    Touched,
    expected_chains,
    expected_elements,
    listed_chains,
    listed_elements,
    touched,
)
from netlab.render.nftables import (
    NAME_LENGTH_MAX,
    affinity_set,
    endpoint_chain,
    external_chain,
    local_chain,
    render_nftables,
    service_chain,
)
from netlab.render.nftables_changes import render_nftables_changes

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "nftables"
LAB_FILES = sorted((REPO / "labs").glob("*.yaml"))
WITH_SERVICES = [p for p in LAB_FILES if load_lab(p).services]
# The ClusterIP and NodePort Services of labs/service-types.yaml (its LoadBalancer: ingress-loadbalancer's tests)
_ALL_TYPES = make_plan(load_lab(REPO / "labs" / "service-types.yaml"))
SERVICE_TYPES = replace(
    _ALL_TYPES, services=tuple(s for s in _ALL_TYPES.services if s.type in ("ClusterIP", "NodePort"))
)
NODE_1, NODE_2 = SERVICE_TYPES.nodes
POD_CIDR = IPv4Network("10.244.0.0/16")
SERVICE_CIDR = IPv4Network("10.96.0.0/12")
HEAD = (
    'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
    "delete table ip kube-proxy",
    'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
)
KUBE_NAME = re.compile(
    r"^(service|local|external|endpoint|affinity)-([A-Z2-7]{8})-"
    r"((?:[a-z0-9-]+/){2}(?:tcp|udp|sctp)/[a-z0-9-]*(?:__[0-9.]+/\d+)?)$"
)


def ep(address: str, port: int = 8080, node: str = "node-1") -> Endpoint:
    return Endpoint(IPv4Address(address), port, "pod", node)


def port(
    ns: str,
    svc: str,
    name: str | None,
    proto: str = "TCP",
    number: int = 80,
    endpoints: tuple[Endpoint, ...] = (),
    node_port: int | None = None,
) -> ServicePortPlan:
    return ServicePortPlan(ns, svc, name, number, proto, endpoints, node_port=node_port)


def service(
    ports: tuple[ServicePortPlan, ...],
    ip: str | None = "10.96.44.201",
    affinity: bool = False,
    timeout: int = 10800,
    local: bool = False,
    lb: str | None = None,
    health: int | None = None,
) -> ServicePlan:
    kind = "LoadBalancer" if lb else "NodePort" if any(p.node_port for p in ports) else "ClusterIP"
    return ServicePlan(
        ports[0].service,
        ports[0].namespace,
        kind,
        IPv4Address(ip) if ip else None,
        ports,
        affinity,
        timeout,
        external_local=local,
        load_balancer_ip=IPv4Address(lb) if lb else None,
        health_check_node_port=health,
    )


WEB = port("default", "web", "http", endpoints=(ep("10.244.1.5"), ep("10.244.2.7")))


def render(*services: ServicePlan, node: NodePlan | None = None) -> str:
    text = render_nftables(services, POD_CIDR, SERVICE_CIDR, node)
    check_structure(text)
    return text


def lines(text: str) -> list[str]:
    return text.splitlines()


# -- goldens --------------------------------------------------------------------------------------
def golden_cases() -> list[tuple[Path, str | None, str]]:
    """(lab, node, golden file name): a lab with NodePorts once per node, as its table differs by
    node (nodeport-ips, externalTrafficPolicy Local); a ClusterIP-only lab once, for no node (per
    node only nodeport-ips would differ)."""
    cases: list[tuple[Path, str | None, str]] = []
    for path in WITH_SERVICES:
        plan = make_plan(load_lab(path))
        if any(svc.external for svc in plan.services):
            cases += [(path, node.name, f"{path.stem}.{node.name}.nft") for node in plan.nodes]
        else:
            cases.append((path, None, f"{path.stem}.nft"))
    return cases


GOLDEN_CASES = golden_cases()


@pytest.mark.parametrize(("path", "node", "name"), GOLDEN_CASES, ids=[name for _, _, name in GOLDEN_CASES])
def test_nftables_golden(golden, path: Path, node: str | None, name: str) -> None:
    plan = make_plan(load_lab(path))
    nodes = {n.name: n for n in plan.nodes}
    text = render_nftables(
        plan.services, plan.lab.cluster.pod_cidr, plan.lab.cluster.service_cidr, nodes[node] if node else None
    )
    check_structure(text)
    golden(GOLDEN / name, text)


def test_every_nftables_golden_has_its_lab() -> None:
    assert WITH_SERVICES, "no bundled lab has Services"
    assert sorted(p.name for p in GOLDEN.glob("*.nft")) == sorted(name for _, _, name in GOLDEN_CASES)


@pytest.mark.parametrize("path", LAB_FILES, ids=[p.stem for p in LAB_FILES])
def test_every_lab_renders_a_well_formed_table(path: Path) -> None:
    plan = make_plan(load_lab(path), proxy_mode="nftables")
    for node in (*plan.nodes, None):
        check_structure(render_nftables(plan.services, plan.lab.cluster.pod_cidr, plan.lab.cluster.service_cidr, node))


# -- structure rules (the goldens run them too) ---------------------------------------------------
def check_structure(text: str) -> None:
    """What nft and kube-proxy's naming demand of any script we render.

    Objects are referred to only after they are declared (nft resolves names while it reads the
    file), one-line bodies end in `; }` (nft 1.0.6), names fit NFT_NAME_MAXLEN and hashed names
    carry the hash of their own text, and every Service or endpoint chain is reachable.
    """
    assert tuple(lines(text)[:3]) == HEAD
    chains: set[str] = set()
    sets: set[str] = set()
    targets: set[str] = set()
    for number, line in enumerate(lines(text)[3:], start=4):
        where = f"line {number}: {line}"
        if not line:
            continue
        added = re.match(r"^add (chain|set|map|rule|element) ip kube-proxy (\S+)", line)
        assert added, f"{where}: not an add of the kube-proxy table"
        kind, name = added.groups()
        if kind in ("chain", "set", "map"):
            assert name not in chains | sets, f"{where}: declared twice"
            assert len(name) <= NAME_LENGTH_MAX, f"{where}: name longer than {NAME_LENGTH_MAX}"
            if "{" in line:
                assert line.endswith(" ; }"), f"{where}: a one-line body needs `;` before `}}`"
            (chains if kind == "chain" else sets).add(name)
        else:
            assert name in (chains if kind == "rule" else sets), f"{where}: {kind} into undeclared {name}"
        code = re.sub(r'"[^"]*"', '""', line)  # comments name sets too (reject-chain's)
        for target in re.findall(r"\b(?:goto|jump) ([^\s,{}]+)", code):
            assert target in chains, f"{where}: {target} is not declared (yet)"
            targets.add(target)
        for used in re.findall(r"@([^\s,{}]+)", code):
            assert used in sets, f"{where}: @{used} is not declared (yet)"
        if "/" in name and kind in ("chain", "set"):
            found = KUBE_NAME.match(name)
            assert found, f"{where}: {name} is not shaped as kube-proxy names it"
            digest = base64.b32encode(hashlib.sha256(found[3].encode()).digest()).decode()[:8]
            assert found[2] == digest, f"{where}: hash {found[2]} is not that of {found[3]}"
    orphans = {chain for chain in chains - targets if "/" in chain}
    assert not orphans, f"no rule or map element leads to {sorted(orphans)}"


def test_the_structure_check_catches_a_goto_before_its_chain() -> None:
    text = render(service((WEB,)))
    first = f"add chain ip kube-proxy {endpoint_chain(WEB, WEB.endpoints[0])}"
    moved = text.replace(first + "\n", "") + first + "\n"
    with pytest.raises(AssertionError, match="is not declared"):
        check_structure(moved)


def test_the_structure_check_catches_a_body_without_semicolon() -> None:
    text = render(service((WEB,))).replace('"Active ClusterIPs" ; }', '"Active ClusterIPs" }')
    with pytest.raises(AssertionError, match="needs `;`"):
        check_structure(text)


def test_the_structure_check_catches_a_wrong_hash() -> None:
    text = render(service((WEB,))).replace("SUSTUHLJ", "AAAAAAAA")
    with pytest.raises(AssertionError, match="is not that of"):
        check_structure(text)


# -- names, as kube-proxy forms them (known values) -----------------------------------------------
@pytest.mark.parametrize(
    ("ns", "svc", "name", "proto", "expected"),
    [
        ("default", "web", "http", "TCP", "service-SUSTUHLJ-default/web/tcp/http"),
        ("default", "kubernetes", "https", "TCP", "service-2QRHZV4L-default/kubernetes/tcp/https"),
        ("kube-system", "kube-dns", "dns", "UDP", "service-FY5PMXPG-kube-system/kube-dns/udp/dns"),
        ("kube-system", "kube-dns", "dns-tcp", "TCP", "service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp"),
        ("riset", "hellopod-np-svc", None, "TCP", "service-P6J77WGM-riset/hellopod-np-svc/tcp/"),
        ("ns1", "svc1", "p80", "TCP", "service-ULMVA6XW-ns1/svc1/tcp/p80"),  # kube-proxy's own golden
    ],
)
def test_service_chain_names(ns: str, svc: str, name: str | None, proto: str, expected: str) -> None:
    assert service_chain(port(ns, svc, name, proto)) == expected


def test_endpoint_chain_and_affinity_set_names() -> None:
    assert [endpoint_chain(WEB, e) for e in WEB.endpoints] == [
        "endpoint-HGNPOIJ5-default/web/tcp/http__10.244.1.5/8080",
        "endpoint-BZGFZVVG-default/web/tcp/http__10.244.2.7/8080",
    ]
    svc5 = port("ns5", "svc5", "p80")  # kube-proxy's TestOverallNFTablesRules
    assert affinity_set(svc5, ep("10.180.0.3", 80)) == "affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"
    assert endpoint_chain(svc5, ep("10.180.0.3", 80)) == "endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"


def test_external_and_local_chains_share_the_service_chains_hash() -> None:
    assert external_chain(WEB) == "external-SUSTUHLJ-default/web/tcp/http"  # docs/kube-proxy.md's running example
    assert local_chain(WEB) == "local-SUSTUHLJ-default/web/tcp/http"
    assert external_chain(port("ns2", "svc2", "p80")) == "external-42NFTM6N-ns2/svc2/tcp/p80"  # kube-proxy's golden


def test_overlong_names_are_truncated_as_kube_proxy_does() -> None:
    long = port("n" * 220, "web", "http", endpoints=(ep("10.244.1.5"),))  # beyond what Kubernetes allows
    name = endpoint_chain(long, long.endpoints[0])
    assert len(name) == len("endpoint-") + 240 and name.endswith("...")


# -- what kube-proxy programs (docs/kube-proxy.md, nftables mode) ---------------------------------
def test_the_running_example_renders_kube_proxys_lines() -> None:
    text = render(service((WEB,)))
    svc, a, b = (
        "service-SUSTUHLJ-default/web/tcp/http",
        "endpoint-HGNPOIJ5-default/web/tcp/http__10.244.1.5/8080",
        "endpoint-BZGFZVVG-default/web/tcp/http__10.244.2.7/8080",
    )
    assert [line for line in lines(text) if "SUSTUHLJ" in line or "HGNPOIJ5" in line or "BZGFZVVG" in line] == [
        f"add chain ip kube-proxy {a}",
        f"add chain ip kube-proxy {b}",
        f"add chain ip kube-proxy {svc}",
        f"add element ip kube-proxy service-ips {{ 10.96.44.201 . tcp . 80 : goto {svc} }}",
        f"add rule ip kube-proxy {svc} ip daddr 10.96.44.201 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
        f"add rule ip kube-proxy {svc} numgen random mod 2 vmap {{ 0 : goto {a} , 1 : goto {b} }}",
        f"add rule ip kube-proxy {a} ip saddr 10.244.1.5 jump mark-for-masquerade",
        f"add rule ip kube-proxy {a} meta l4proto tcp dnat to 10.244.1.5:8080",
        f"add rule ip kube-proxy {b} ip saddr 10.244.2.7 jump mark-for-masquerade",
        f"add rule ip kube-proxy {b} meta l4proto tcp dnat to 10.244.2.7:8080",
    ]
    assert "add element ip kube-proxy cluster-ips { 10.96.44.201 }" in lines(text)


def test_base_chains_jumps_and_fixed_rules() -> None:
    text = lines(render())
    for line in [
        "add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }",
        "add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }",
        "add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }",
        "add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }",
        "add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }",
        "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }",
        "add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }",
        "add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }",
        "add rule ip kube-proxy mark-for-masquerade mark set mark or 0x00004000",
        "add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips",
        "add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
        (
            "add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "
            '"Reject traffic to invalid ports of ClusterIPs"'
        ),
        (
            "add rule ip kube-proxy cluster-ips-check ip daddr { 10.96.0.0/12 } drop comment "
            '"Drop traffic to unallocated ClusterIPs"'
        ),
        "add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services",
        "add rule ip kube-proxy reject-chain reject",
    ]:
        assert line in text
    assert [line for line in text if line.startswith("add rule ip kube-proxy masquerading")] == [
        "add rule ip kube-proxy masquerading mark and 0x00004000 == 0 return",
        "add rule ip kube-proxy masquerading mark set mark xor 0x00004000",
        "add rule ip kube-proxy masquerading masquerade fully-random",
    ]
    jumps = [line.split(" ", 4)[4] for line in text if re.search(r"^add rule ip kube-proxy (filter|nat)-", line)]
    assert jumps == [
        "filter-input ct state new jump nodeport-endpoints-check",
        "filter-input ct state new jump service-endpoints-check",
        "filter-forward ct state new jump service-endpoints-check",
        "filter-output ct state new jump service-endpoints-check",
        "filter-prerouting-pre-dnat ct state new jump firewall-check",
        "filter-output-pre-dnat ct state new jump firewall-check",
        "nat-output jump services",
        "nat-prerouting jump services",
        "nat-postrouting jump masquerading",
        "filter-forward ct state new jump cluster-ips-check",
        "filter-output ct state new jump cluster-ips-check",
    ]


def test_without_a_node_the_nodeport_and_firewall_sets_exist_empty() -> None:
    text = render(service((WEB,)))
    assert set(expected_elements(text)) >= {
        "nodeport-ips",
        "service-nodeports",
        "no-endpoint-nodeports",
        "firewall-ips",
    }
    assert not [
        line
        for line in lines(text)
        if re.match(
            r"add element ip kube-proxy (nodeport-ips|service-nodeports|no-endpoint-nodeports|firewall-ips) ", line
        )
    ]


def test_a_port_without_endpoints_is_rejected_and_gets_no_chain() -> None:
    text = render(service((port("default", "nobody", "http"), port("default", "nobody", None, number=81))))
    element = "add element ip kube-proxy no-endpoint-services {{ 10.96.44.201 . tcp . {} : goto reject-chain }}"
    assert [line for line in lines(text) if "nobody" in line] == [
        element.format('80 comment "default/nobody:http"'),
        element.format('81 comment "default/nobody"'),
    ]
    assert lines(text).count("add element ip kube-proxy cluster-ips { 10.96.44.201 }") == 1


def test_a_headless_service_gets_nothing() -> None:
    assert render(service((WEB,), ip=None)) == render()


def test_session_affinity_sets_and_rules() -> None:
    text = lines(render(service((WEB,), affinity=True, timeout=600)))
    svc = service_chain(WEB)
    a, b = (endpoint_chain(WEB, e) for e in WEB.endpoints)
    sa, sb = (affinity_set(WEB, e) for e in WEB.endpoints)
    assert f"add set ip kube-proxy {sa} {{ type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }}" in text
    assert [line.split(f"{svc} ", 1)[1] for line in text if line.startswith(f"add rule ip kube-proxy {svc} ")] == [
        "ip daddr 10.96.44.201 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",  # before affinity's goto
        f"ip saddr @{sa} goto {a}",
        f"ip saddr @{sb} goto {b}",
        f"numgen random mod 2 vmap {{ 0 : goto {a} , 1 : goto {b} }}",
    ]
    assert [line.split(f"{a} ", 1)[1] for line in text if line.startswith(f"add rule ip kube-proxy {a} ")] == [
        "ip saddr 10.244.1.5 jump mark-for-masquerade",
        f"update @{sa} {{ ip saddr }}",
        "meta l4proto tcp dnat to 10.244.1.5:8080",
    ]


def test_endpoints_are_picked_in_ip_port_string_order() -> None:
    unsorted = port("default", "web", "http", endpoints=(ep("10.244.0.9"), ep("10.244.0.10")))
    text = render(service((unsorted,)))
    (vmap,) = [line for line in lines(text) if " numgen " in line]
    assert vmap.index("10.244.0.10/8080") < vmap.index("10.244.0.9/8080")


def test_udp_ports_dnat_udp() -> None:
    dns = port("kube-system", "kube-dns", "dns", "UDP", 53, (ep("10.244.1.5", 53),))
    text = render(service((dns,), ip="10.96.0.10"))
    assert (
        "add element ip kube-proxy service-ips { 10.96.0.10 . udp . 53 : goto "
        "service-FY5PMXPG-kube-system/kube-dns/udp/dns }" in lines(text)
    )
    assert any(line.endswith(" meta l4proto udp dnat to 10.244.1.5:53") for line in lines(text))


def test_rendering_is_deterministic(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-service"))
    cluster = plan.lab.cluster
    assert render_nftables(plan.services, cluster.pod_cidr, cluster.service_cidr) == render_nftables(
        plan.services, cluster.pod_cidr, cluster.service_cidr
    )


# -- NodePorts and externalTrafficPolicy (docs/kube-proxy.md, kube-proxy's TestOverallNFTablesRules) --------
WEB_NP = port("default", "web", "http", endpoints=(ep("10.244.1.5"), ep("10.244.2.7", node="node-2")), node_port=30080)
NO_ENDPOINT_NODEPORT = "add element ip kube-proxy no-endpoint-nodeports "


def chain_rules(text: str, chain: str) -> list[str]:
    """The rules of one chain, in the order the script adds them, without the `add rule ... chain` prefix."""
    prefix = f"add rule ip kube-proxy {chain} "
    return [line.removeprefix(prefix) for line in lines(text) if line.startswith(prefix)]


@pytest.mark.parametrize("node", [NODE_1, NODE_2], ids=["node-1", "node-2"])
def test_nodeport_ips_hold_the_nodes_own_primary_address(node: NodePlan) -> None:
    text = lines(render(service((WEB,)), node=node))
    declared = text.index(
        'add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }'
    )
    assert [line for line in text if line.startswith("add element ip kube-proxy nodeport-ips ")] == [
        f"add element ip kube-proxy nodeport-ips {{ {node.ip.ip} }}"
    ]
    assert text[declared + 1] == f"add element ip kube-proxy nodeport-ips {{ {node.ip.ip} }}"


def test_the_running_example_nodeport_renders_kube_proxys_lines() -> None:
    """Cluster policy: the external chain masquerades everything and goes on to the service chain."""
    text = render(service((WEB_NP,)), node=NODE_1)
    svc, ext = service_chain(WEB_NP), external_chain(WEB_NP)
    assert chain_rules(text, ext) == ["jump mark-for-masquerade", f"goto {svc}"]
    assert f"add element ip kube-proxy service-nodeports {{ tcp . 30080 : goto {ext} }}" in lines(text)
    assert lines(text).index(f"add chain ip kube-proxy {svc}") < lines(text).index(f"add chain ip kube-proxy {ext}")
    assert not [line for line in lines(text) if line.startswith(NO_ENDPOINT_NODEPORT) or " local-" in line]


@pytest.mark.parametrize("node", [NODE_1, NODE_2], ids=["node-1", "node-2"])
def test_the_nodeport_is_open_on_every_node(node: NodePlan) -> None:
    text = lines(render(*SERVICE_TYPES.services, node=node))
    cluster, local = (SERVICE_TYPES.known_service(name).ports[0] for name in ("web-nodeport", "web-local"))
    assert [line for line in text if line.startswith("add element ip kube-proxy service-nodeports ")] == [
        f"add element ip kube-proxy service-nodeports {{ tcp . 30081 : goto {external_chain(local)} }}",
        f"add element ip kube-proxy service-nodeports {{ tcp . 30080 : goto {external_chain(cluster)} }}",
    ]


def test_local_policy_on_the_node_with_the_endpoint_keeps_the_client_address() -> None:
    text = render(*SERVICE_TYPES.services, node=NODE_1)
    (local,) = SERVICE_TYPES.known_service("web-local").ports
    (endpoint,) = local.endpoints
    svc, ext, loc = service_chain(local), external_chain(local), local_chain(local)
    assert endpoint.node == NODE_1.name
    assert chain_rules(text, ext) == [
        f'ip saddr 10.244.0.0/16 goto {svc} comment "short-circuit pod traffic"',
        'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
        f'fib saddr type local goto {svc} comment "short-circuit local traffic"',
        f"goto {loc}",
    ]
    assert chain_rules(text, loc) == [f"numgen random mod 1 vmap {{ 0 : goto {endpoint_chain(local, endpoint)} }}"]
    assert not [line for line in lines(text) if line.startswith(NO_ENDPOINT_NODEPORT)]


def test_local_policy_on_a_node_without_an_endpoint_drops_outside_traffic() -> None:
    """kube-proxy keeps the external chain (pods and the node itself still reach the Service) and
    drops what falls through it in filter-input."""
    text = render(*SERVICE_TYPES.services, node=NODE_2)
    (local,) = SERVICE_TYPES.known_service("web-local").ports
    svc, ext = service_chain(local), external_chain(local)
    assert [line for line in lines(text) if line.startswith(NO_ENDPOINT_NODEPORT)] == [
        'add element ip kube-proxy no-endpoint-nodeports { tcp . 30081 comment "default/web-local:http" : drop }'
    ]
    assert chain_rules(text, ext) == [
        f'ip saddr 10.244.0.0/16 goto {svc} comment "short-circuit pod traffic"',
        'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
        f'fib saddr type local goto {svc} comment "short-circuit local traffic"',
    ]
    assert local_chain(local) not in text


def test_without_a_node_no_endpoint_is_local() -> None:
    assert render(*SERVICE_TYPES.services) == render(*SERVICE_TYPES.services, node=NODE_2).replace(
        f"add element ip kube-proxy nodeport-ips {{ {NODE_2.ip.ip} }}\n", ""
    )


def test_the_local_chain_picks_among_local_endpoints_only_and_never_masquerades() -> None:
    np = port(
        "default",
        "web",
        "http",
        node_port=30080,
        endpoints=(ep("10.244.1.5"), ep("10.244.1.6"), ep("10.244.2.7", node="node-2")),
    )
    text = render(service((np,), local=True, affinity=True), node=NODE_1)
    a, b, c = (endpoint_chain(np, e) for e in np.endpoints)
    sa, sb, _ = (affinity_set(np, e) for e in np.endpoints)
    assert chain_rules(text, local_chain(np)) == [
        f"ip saddr @{sa} goto {a}",
        f"ip saddr @{sb} goto {b}",
        f"numgen random mod 2 vmap {{ 0 : goto {a} , 1 : goto {b} }}",
    ]
    assert chain_rules(text, service_chain(np))[-1] == (
        f"numgen random mod 3 vmap {{ 0 : goto {a} , 1 : goto {b} , 2 : goto {c} }}"
    )
    assert f"add chain ip kube-proxy {c}" in lines(text)  # ClusterIP traffic still reaches every endpoint


@pytest.mark.parametrize("local", [False, True], ids=["cluster", "local"])
def test_a_nodeport_without_endpoints_is_rejected_and_gets_no_chain(local: bool) -> None:
    text = render(service((port("default", "nobody", "http", node_port=30090),), local=local), node=NODE_1)
    assert [line for line in lines(text) if "nobody" in line] == [
        'add element ip kube-proxy no-endpoint-services { 10.96.44.201 . tcp . 80 comment "default/nobody:http" '
        ": goto reject-chain }",
        'add element ip kube-proxy no-endpoint-nodeports { tcp . 30090 comment "default/nobody:http" '
        ": goto reject-chain }",
    ]


def test_a_multi_port_nodeport_service_gets_an_external_chain_per_port() -> None:
    http = port("default", "web", "http", endpoints=(ep("10.244.1.5"),), node_port=30080)
    dns = port("default", "web", "dns", "UDP", 53, (ep("10.244.1.5", 53),), node_port=30053)
    text = lines(render(service((http, dns)), node=NODE_1))
    assert [line for line in text if line.startswith("add element ip kube-proxy service-nodeports ")] == [
        f"add element ip kube-proxy service-nodeports {{ tcp . 30080 : goto {external_chain(http)} }}",
        f"add element ip kube-proxy service-nodeports {{ udp . 30053 : goto {external_chain(dns)} }}",
    ]


# -- LoadBalancer IPs (kube-proxy's proxier.go "Capture load-balancer ingress", TestOverallNFTablesRules svc2/svc5) --
INGRESS = make_plan(load_lab(REPO / "labs" / "ingress-loadbalancer.yaml"))
INGRESS_NODES = {node.name: node for node in INGRESS.nodes}
(LB_CLUSTER,), (LB_LOCAL,) = (INGRESS.known_service(name).ports for name in ("web", "web-local"))
LB_MAPS = ("service-ips", "no-endpoint-services", "service-nodeports", "no-endpoint-nodeports", "firewall-ips")


def elements_of(text: str, port: ServicePortPlan, svc: ServicePlan) -> list[str]:
    """The lines adding this port's elements to the dispatch and no-endpoint maps, in order."""
    keys = (f"{svc.cluster_ip} . ", f"{svc.load_balancer_ip} . ", f"tcp . {port.node_port} ")
    return [
        line.removeprefix("add element ip kube-proxy ")
        for line in lines(text)
        if re.match(rf"add element ip kube-proxy ({'|'.join(LB_MAPS)}) ", line)
        and any(f"{{ {key}" in line for key in keys)
    ]


def render_ingress(node: str, services: tuple[ServicePlan, ...] | None = None) -> str:
    return render(*(INGRESS.services if services is None else services), node=INGRESS_NODES[node])


@pytest.mark.parametrize("node", ["node-1", "node-3"])
def test_a_cluster_lb_ip_goes_to_the_external_chain_on_every_node(node: str) -> None:
    """As kube-proxy writes svc5's 5.6.7.8: the NodePort's external chain, no comment."""
    text = render_ingress(node)
    ext, svc = external_chain(LB_CLUSTER), service_chain(LB_CLUSTER)
    assert elements_of(text, LB_CLUSTER, INGRESS.known_service("web")) == [
        f"service-ips {{ 10.108.209.100 . tcp . 80 : goto {svc} }}",
        f"service-ips {{ 198.51.100.200 . tcp . 80 : goto {ext} }}",
        f"service-nodeports {{ tcp . 30080 : goto {ext} }}",
    ]
    assert chain_rules(text, ext) == ["jump mark-for-masquerade", f"goto {svc}"]


def test_a_local_lb_ip_on_the_node_with_the_endpoint_goes_to_the_local_chain() -> None:
    text = render_ingress("node-1")
    ext, svc, loc = external_chain(LB_LOCAL), service_chain(LB_LOCAL), local_chain(LB_LOCAL)
    assert elements_of(text, LB_LOCAL, INGRESS.known_service("web-local")) == [
        f"service-ips {{ 10.104.106.27 . tcp . 80 : goto {svc} }}",
        f"service-ips {{ 198.51.100.201 . tcp . 80 : goto {ext} }}",
        f"service-nodeports {{ tcp . 30081 : goto {ext} }}",
    ]
    assert chain_rules(text, ext)[-1] == f"goto {loc}"
    (web0,) = [e for e in LB_LOCAL.endpoints if e.node == "node-1"]
    assert chain_rules(text, loc) == [f"numgen random mod 1 vmap {{ 0 : goto {endpoint_chain(LB_LOCAL, web0)} }}"]


def test_a_local_lb_ip_on_a_node_without_an_endpoint_is_dropped_like_its_nodeport() -> None:
    """As kube-proxy writes svc2's 1.2.3.4 (its endpoint is not local): the external chain still
    short-circuits pods and the node itself; outside traffic falls through and no-endpoint-services
    drops it in filter-input/-forward."""
    text = render_ingress("node-3")
    ext, svc = external_chain(LB_LOCAL), service_chain(LB_LOCAL)
    assert elements_of(text, LB_LOCAL, INGRESS.known_service("web-local")) == [
        f"service-ips {{ 10.104.106.27 . tcp . 80 : goto {svc} }}",
        f"service-ips {{ 198.51.100.201 . tcp . 80 : goto {ext} }}",
        'no-endpoint-services { 198.51.100.201 . tcp . 80 comment "default/web-local:http" : drop }',
        f"service-nodeports {{ tcp . 30081 : goto {ext} }}",
        'no-endpoint-nodeports { tcp . 30081 comment "default/web-local:http" : drop }',
    ]
    assert chain_rules(text, ext) == [
        f'ip saddr 10.244.0.0/16 goto {svc} comment "short-circuit pod traffic"',
        'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
        f'fib saddr type local goto {svc} comment "short-circuit local traffic"',
    ]
    assert local_chain(LB_LOCAL) not in text


@pytest.mark.parametrize("local", [False, True], ids=["cluster", "local"])
@pytest.mark.parametrize("node", ["node-1", "node-3"])
def test_a_lb_ip_without_endpoints_is_rejected_and_gets_no_chain(local: bool, node: str) -> None:
    """kube-proxy's TestNoEndpointsReject: ClusterIP, LoadBalancer IP and NodePort all rejected."""
    nobody = service((port("default", "nobody", "http", node_port=30090),), local=local, lb="198.51.100.210")
    text = render_ingress(node, (nobody,))
    assert [line for line in lines(text) if "nobody" in line] == [
        'add element ip kube-proxy no-endpoint-services { 10.96.44.201 . tcp . 80 comment "default/nobody:http" '
        ": goto reject-chain }",
        'add element ip kube-proxy no-endpoint-services { 198.51.100.210 . tcp . 80 comment "default/nobody:http" '
        ": goto reject-chain }",
        'add element ip kube-proxy no-endpoint-nodeports { tcp . 30090 comment "default/nobody:http" '
        ": goto reject-chain }",
    ]


@pytest.mark.parametrize("node", ["node-1", "node-2", "node-3"])
def test_a_lb_ip_is_in_no_other_set_and_has_no_firewall(node: str) -> None:
    """Not in cluster-ips (whose check rejects and drops ClusterIP traffic only); no
    loadBalancerSourceRanges, so firewall-ips stays empty and there is no firewall- chain."""
    text = render_ingress(node)
    lb_lines = [line for line in lines(text) if "198.51.100." in line]
    assert all(re.match(r"add element ip kube-proxy (service-ips|no-endpoint-services) ", line) for line in lb_lines)
    assert expected_elements(text)["cluster-ips"] == {"10.108.209.100", "10.104.106.27", "10.96.0.10"}
    assert expected_elements(text)["firewall-ips"] == set()
    assert not [
        line
        for line in lines(text)
        if " firewall-" in line and "firewall-check" not in line and "firewall-ips" not in line
    ]


@pytest.mark.parametrize("node", ["node-1", "node-2", "node-3"])
def test_the_health_check_node_port_gets_no_rule(node: str) -> None:
    """kube-proxy's nftables mode answers healthCheckNodePort from its own HTTP server and writes
    no rule for it (TestOverallNFTablesRules: svc2's 30000 appears nowhere)."""
    text = render_ingress(node)
    assert INGRESS.known_service("web-local").health_check_node_port == 32000
    assert "32000" not in text
    without = tuple(replace(svc, health_check_node_port=None) for svc in INGRESS.services)
    assert render_ingress(node, without) == text


def test_a_lb_ip_without_a_nodeport_still_gets_the_external_chain() -> None:
    """allocateLoadBalancerNodePorts: false: kube-proxy's ExternallyAccessible holds for the LB IP alone."""
    only_lb = port("default", "web", "http", endpoints=(ep("10.244.1.5"),))
    text = render(service((only_lb,), lb="198.51.100.200"), node=NODE_1)
    ext = external_chain(only_lb)
    assert f"add element ip kube-proxy service-ips {{ 198.51.100.200 . tcp . 80 : goto {ext} }}" in lines(text)
    assert chain_rules(text, ext) == ["jump mark-for-masquerade", f"goto {service_chain(only_lb)}"]
    assert not [line for line in lines(text) if line.startswith("add element ip kube-proxy service-nodeports ")]


# -- read back ------------------------------------------------------------------------------------
def nft_json(*objects: dict) -> str:
    """A `nft -j list table ip kube-proxy` answer, shaped as nft 1.0.6 prints it."""
    return json.dumps(
        {
            "nftables": [
                {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
                {"table": {"family": "ip", "name": "kube-proxy", "handle": 3}},
                *objects,
            ]
        }
    )


def test_the_listing_is_read_back_in_the_shape_the_script_gives() -> None:
    nobody = port("default", "nobody", "http")
    text = render(service((WEB,), affinity=True), service((nobody,), ip="10.96.0.20"))
    svc = service_chain(WEB)
    held: list[dict] = [
        {"set": {"name": "cluster-ips", "elem": ["10.96.44.201", "10.96.0.20"]}},
        {"set": {"name": "nodeport-ips"}},
        {
            "map": {
                "name": "service-ips",
                "elem": [[{"concat": ["10.96.44.201", "tcp", 80]}, {"goto": {"target": svc}}]],
            }
        },
        {
            "map": {
                "name": "no-endpoint-services",
                "elem": [
                    [
                        {"elem": {"val": {"concat": ["10.96.0.20", "tcp", 80]}, "comment": "default/nobody:http"}},
                        {"goto": {"target": "reject-chain"}},
                    ]
                ],
            }
        },
    ]
    held += [{"map": {"name": name}} for name in ("no-endpoint-nodeports", "firewall-ips", "service-nodeports")]
    client = {"elem": {"val": "10.244.1.2", "timeout": 10800, "expires": 9}}  # put there by traffic
    held += [{"set": {"name": affinity_set(WEB, e), "flags": ["timeout"], "elem": [client]}} for e in WEB.endpoints]
    held += [{"chain": {"name": name}} for name in sorted(expected_chains(text))]
    listing = nft_json(*held)
    assert listed_chains(listing) == expected_chains(text)
    assert listed_elements(listing) == expected_elements(text)
    assert expected_elements(text)["no-endpoint-services"] == {"10.96.0.20 . tcp . 80 : goto reject-chain"}

    broken = json.loads(listing)
    broken["nftables"] = [o for o in broken["nftables"] if o.get("chain", {}).get("name") != svc]
    assert expected_chains(text) - listed_chains(json.dumps(broken)) == {svc}


def test_a_drop_verdict_is_read_back() -> None:
    listing = nft_json(
        {"map": {"name": "no-endpoint-services", "elem": [[{"concat": ["10.96.0.20", "tcp", 80]}, {"drop": None}]]}}
    )
    assert listed_elements(listing) == {"no-endpoint-services": {"10.96.0.20 . tcp . 80 : drop"}}


def test_nodeport_elements_are_read_back_in_the_shape_the_script_gives() -> None:
    """As nft 1.0.6 lists service-types on node-2 (a Local NodePort dropped there)."""
    text = render(*SERVICE_TYPES.services, node=NODE_2)
    cluster, local = (
        external_chain(SERVICE_TYPES.known_service(name).ports[0]) for name in ("web-nodeport", "web-local")
    )
    listing = nft_json(
        {"set": {"name": "nodeport-ips", "elem": [str(NODE_2.ip.ip)]}},
        {
            "map": {
                "name": "no-endpoint-nodeports",
                "elem": [
                    [{"elem": {"val": {"concat": ["tcp", 30081]}, "comment": "default/web-local:http"}}, {"drop": None}]
                ],
            }
        },
        {
            "map": {
                "name": "service-nodeports",
                "elem": [
                    [{"concat": ["tcp", 30080]}, {"goto": {"target": cluster}}],
                    [{"concat": ["tcp", 30081]}, {"goto": {"target": local}}],
                ],
            }
        },
    )
    wanted = expected_elements(text)
    assert listed_elements(listing) == {
        name: wanted[name] for name in ("nodeport-ips", "no-endpoint-nodeports", "service-nodeports")
    }
    assert wanted["no-endpoint-nodeports"] == {"tcp . 30081 : drop"}


def test_programmed_reads_frontends_and_endpoints_back_from_nft_json() -> None:
    import json

    from netlab.readback.nftables import programmed

    listing = {
        "nftables": [
            {
                "map": {
                    "name": "service-ips",
                    "elem": [
                        [
                            {"concat": ["10.108.209.100", "tcp", 80]},
                            {"goto": {"target": "service-SUSTUHLJ-default/web/tcp/http"}},
                        ]
                    ],
                }
            },
            {
                "map": {
                    "name": "no-endpoint-services",
                    "elem": [
                        [
                            {
                                "elem": {
                                    "val": {"concat": ["10.105.179.236", "tcp", 80]},
                                    "comment": "default/nobody-home:http",
                                }
                            },
                            {"goto": {"target": "reject-chain"}},
                        ]
                    ],
                }
            },
            {
                "rule": {
                    "chain": "endpoint-HGNPOIJ5-default/web/tcp/http__10.244.1.3/8080",
                    "expr": [{"dnat": {"addr": "10.244.1.3", "port": 8080}}],
                }
            },
        ]
    }
    assert programmed(json.dumps(listing)) == {
        "default/web:http": ("10.108.209.100:80/TCP", ["10.244.1.3:8080"]),
        "default/nobody-home:http": ("10.105.179.236:80/TCP", []),
    }


# -- partial sync (render_nftables_changes) -------------------------------------------------------
# The root test tests/integration/test_nft_incremental.py loads these transactions into a real
# kernel; here a small model of nft's rules checks them without root: every object a line names
# exists (or is declared on an earlier line), nothing is deleted while a rule or element still
# names it, an element is not added over a different one, and the end state is the full render's.
class NftModel:
    """`table ip kube-proxy` as a transaction leaves it: chains with their rules, sets and maps
    with their declaration and elements (key -> value and comment)."""

    ELEMENT = re.compile(r'^(\S+) \{ (.*?)(?: comment "([^"]*)")?(?: : (.*))? \}$')

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """No table: no chains, sets or elements."""
        self.chains: dict[str, list[str]] = {}
        self.sets: dict[str, str] = {}
        self.elements: dict[str, dict[str, tuple[str | None, str | None]]] = {}

    def load(self, script: str) -> NftModel:
        for number, line in enumerate(script.splitlines(), start=1):
            if line:
                try:
                    self.apply(line)
                except AssertionError as exc:
                    raise AssertionError(f"line {number}: {line}: {exc}") from None
        return self

    def state(self) -> tuple:
        return self.chains, self.sets, self.elements

    def apply(self, line: str) -> None:
        verb, kind, family, table, *rest = line.split(" ", 4)
        assert (family, table) == ("ip", "kube-proxy")
        if kind == "table":
            if verb == "delete":
                self.clear()
            return
        name, _, body = rest[0].partition(" ")
        getattr(self, f"{verb}_{kind}")(name, body)

    def add_chain(self, name: str, body: str) -> None:
        self.chains.setdefault(name, [])

    def flush_chain(self, name: str, body: str) -> None:
        assert name in self.chains, "no such chain"
        self.chains[name] = []

    def delete_chain(self, name: str, body: str) -> None:
        assert name in self.chains, "no such chain"
        users = [c for c, rules in self.chains.items() if c != name and any(self.names(r, name) for r in rules)]
        users += [s for s, held in self.elements.items() if any(self.names(v or "", name) for v, _ in held.values())]
        assert not users, f"{name} is still named by {users}"
        del self.chains[name]

    def add_set(self, name: str, body: str) -> None:
        assert self.sets.get(name, body) == body, "declared again differently (the kernel refuses it)"
        self.sets[name] = body
        self.elements.setdefault(name, {})

    add_map = add_set

    def delete_set(self, name: str, body: str) -> None:
        assert name in self.sets, "no such set"
        assert not [c for c, rules in self.chains.items() if any(f"@{name} " in r for r in rules)], "still used"
        del self.sets[name], self.elements[name]

    def add_rule(self, chain: str, rule: str) -> None:
        assert chain in self.chains, "no such chain"
        for target in re.findall(r"\b(?:goto|jump) ([^\s,{}]+)", re.sub(r'"[^"]*"', '""', rule)):
            assert target in self.chains, f"{target} does not exist"
        for used in re.findall(r"@([^\s,{}]+)", rule):
            assert used in self.sets, f"@{used} does not exist"
        self.chains[chain].append(rule)

    def add_element(self, name: str, body: str) -> None:
        element = self.ELEMENT.match(f"{name} {body}")
        assert element, "not an element"
        set_name, key, comment, value = element.groups()
        assert set_name in self.sets, "no such set"
        assert value is None or value.split()[-1] in self.chains or value in ("drop", "accept"), f"{value}?"
        held = self.elements[set_name]
        assert held.get(key, (value, comment)) == (value, comment), f"{key} is there with another value"
        held[key] = (value, comment)

    def delete_element(self, name: str, body: str) -> None:
        key = body.removeprefix("{ ").removesuffix(" }")
        assert key in self.elements.get(name, {}), f"{name} holds no {key}"
        del self.elements[name][key]

    @staticmethod
    def names(text: str, chain: str) -> bool:
        return re.search(rf"(?:goto|jump) {re.escape(chain)}(?:[\s,}}]|$)", text) is not None


def changes(old: tuple[ServicePlan, ...], new: tuple[ServicePlan, ...], node: NodePlan | None = None) -> str:
    return render_nftables_changes(old, new, POD_CIDR, SERVICE_CIDR, node)


def assert_changes_reach(
    old: tuple[ServicePlan, ...], new: tuple[ServicePlan, ...], node: NodePlan | None = None
) -> str:
    """The full render of `old` plus the partial transaction ends as the full render of `new`."""
    script = changes(old, new, node)
    reached = NftModel().load(render_nftables(old, POD_CIDR, SERVICE_CIDR, node)).load(script)
    assert reached.state() == NftModel().load(render_nftables(new, POD_CIDR, SERVICE_CIDR, node)).state()
    return script


def named(script: str) -> set[str]:
    """The service names (`ns/svc`) that the objects a transaction touches belong to."""
    return {m[1] for m in re.finditer(r" (?:[a-z]+-[A-Z2-7]{8}-)?([a-z0-9-]+/[a-z0-9-]+)/", script)}


A, B, C = ep("10.244.1.5"), ep("10.244.2.7"), ep("10.244.1.9")
WEB_AB = service((port("default", "web", "http", endpoints=(A, B)),))
NOBODY = service((port("default", "nobody", "http"),), ip="10.96.0.20")


def web(*endpoints: Endpoint, affinity: bool = False, timeout: int = 10800, ip: str = "10.96.44.201") -> ServicePlan:
    return service((port("default", "web", "http", endpoints=endpoints),), ip=ip, affinity=affinity, timeout=timeout)


def test_the_model_of_nft_refuses_what_nft_refuses() -> None:
    text = render(WEB_AB)
    with pytest.raises(AssertionError, match="still named by"):
        NftModel().load(text).load(f"delete chain ip kube-proxy {endpoint_chain(WEB, A)}\n")
    with pytest.raises(AssertionError, match="another value"):
        NftModel().load(text).load(
            "add element ip kube-proxy service-ips { 10.96.44.201 . tcp . 80 : goto reject-chain }\n"
        )


def test_an_unchanged_lab_gives_an_empty_transaction(bundled_lab) -> None:
    first, second = make_plan(bundled_lab("pod-to-service")), make_plan(bundled_lab("pod-to-service"))
    assert first.services == second.services and first.services[0] is not second.services[0]
    assert changes(first.services, second.services) == ""
    assert changes(first.services, first.services) == ""


def test_a_scale_touches_only_that_deployments_services(bundled_lab) -> None:
    lab = bundled_lab("pod-to-service")
    before = make_plan(lab)
    keep = {p.name: (p.node, str(p.ip.ip)) for p in before.pods}
    after = make_plan(load_lab(lab.source, edit.scale(lab.source.read_text(), "web", 1), changed=True), keep=keep)
    script = assert_changes_reach(before.services, after.services)
    assert named(script) == {"default/web", "default/web-multi", "default/web-sticky", "default/web-udp"}
    assert "client-self" not in script and "nobody-home" not in script
    assert not [line for line in lines(script) if " element " in line]  # web keeps its frontends


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ((WEB_AB,), (web(A),)),  # an endpoint leaves
        ((web(A),), (web(A, B, C),)),  # two come
        ((WEB_AB,), (web(),)),  # the last one leaves
        ((web(),), (web(C),)),  # the first one is back
        ((WEB_AB,), (WEB_AB, NOBODY)),  # a Service is added
        ((WEB_AB, NOBODY), (NOBODY,)),  # and one removed
        ((WEB_AB,), (web(A, B, affinity=True),)),  # affinity on
        ((web(A, B, affinity=True),), (web(B, C, affinity=True),)),  # endpoints change under affinity
        ((web(A, B, affinity=True),), (web(A, B, affinity=True, timeout=60),)),  # a new timeout
        ((web(A, B, affinity=True),), (WEB_AB,)),  # affinity off
        ((WEB_AB,), (web(A, B, ip="10.96.0.30"),)),  # a new ClusterIP
        ((WEB_AB, NOBODY), ()),  # every Service gone
        ((), (WEB_AB, NOBODY)),
    ],
    ids=[
        "leave",
        "come",
        "last-gone",
        "first-back",
        "add",
        "remove",
        "affinity-on",
        "affinity-endpoints",
        "affinity-timeout",
        "affinity-off",
        "new-cluster-ip",
        "all-gone",
        "from-none",
    ],
)
def test_the_changes_reach_the_full_render(old: tuple[ServicePlan, ...], new: tuple[ServicePlan, ...]) -> None:
    assert assert_changes_reach(old, new)


def test_a_changed_port_is_flushed_and_refilled_and_stale_chains_go() -> None:
    script = lines(changes((WEB_AB,), (web(A),)))
    svc, a, b = service_chain(WEB), endpoint_chain(WEB, A), endpoint_chain(WEB, B)
    assert script[:4] == [
        f"add chain ip kube-proxy {a}",
        f"flush chain ip kube-proxy {a}",
        f"add chain ip kube-proxy {svc}",
        f"flush chain ip kube-proxy {svc}",
    ]
    assert f"add rule ip kube-proxy {svc} numgen random mod 1 vmap {{ 0 : goto {a} }}" in script
    assert script.index(f"flush chain ip kube-proxy {b}") < script.index(f"delete chain ip kube-proxy {b}")
    assert script[-1] == f"delete chain ip kube-proxy {b}"


def test_the_last_endpoint_gone_moves_the_frontend_to_no_endpoint_services() -> None:
    script = lines(changes((WEB_AB,), (web(),)))
    assert "delete element ip kube-proxy service-ips { 10.96.44.201 . tcp . 80 }" in script
    assert (
        'add element ip kube-proxy no-endpoint-services { 10.96.44.201 . tcp . 80 comment "default/web:http" '
        ": goto reject-chain }"
    ) in script
    assert not [line for line in script if line.startswith("add chain")]
    assert not [line for line in script if "cluster-ips" in line]  # the ClusterIP itself stays


def test_affinity_sets_are_declared_again_never_flushed() -> None:
    """What traffic put into an affinity set survives a partial sync (a full one empties them)."""
    script = lines(changes((web(A, B, affinity=True),), (web(A, C, affinity=True),)))
    kept, gone = affinity_set(WEB, A), affinity_set(WEB, B)
    assert f"add set ip kube-proxy {kept} {{ type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }}" in script
    assert f"delete set ip kube-proxy {gone}" in script
    assert not [line for line in script if line.startswith("flush set") or f"delete set ip kube-proxy {kept}" in line]


def test_a_new_affinity_timeout_declares_the_set_again() -> None:
    script = lines(changes((web(A, affinity=True),), (web(A, affinity=True, timeout=60),)))
    name = affinity_set(WEB, A)
    assert (
        script.index(f"flush chain ip kube-proxy {endpoint_chain(WEB, A)}")
        < script.index(f"delete set ip kube-proxy {name}")
        < script.index(f"add set ip kube-proxy {name} {{ type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }}")
    )


def test_a_port_whose_rendering_is_the_same_is_not_touched() -> None:
    """A Service differs (another port, another pod name behind the same address), not its rules."""
    other = port("default", "web", "metrics", number=9100, endpoints=(A,))
    renamed_pod = Endpoint(A.ip, A.port, "web-7", "node-2")
    script = changes(
        (service((WEB, other)),),
        (service((WEB, port("default", "web", "metrics", number=9100, endpoints=(renamed_pod,)))),),
    )
    assert script == ""
    script = changes(
        (service((WEB, other)),), (service((WEB, port("default", "web", "metrics", number=9100, endpoints=(A, B)))),)
    )
    assert service_chain(other) in script and service_chain(WEB) not in script


def test_touched_says_how_each_object_must_be_after_the_transaction() -> None:
    script = changes(
        (WEB_AB, NOBODY), (web(A, affinity=True), service((port("default", "nobody", "http"),), ip="10.96.0.21"))
    )
    found = touched(script)
    assert found == Touched(
        chains={endpoint_chain(WEB, A): True, service_chain(WEB): True, endpoint_chain(WEB, B): False},
        sets={affinity_set(WEB, A): True},
        elements={
            ("cluster-ips", "10.96.0.20"): None,
            ("no-endpoint-services", "10.96.0.20 . tcp . 80"): None,
            ("cluster-ips", "10.96.0.21"): "",
            ("no-endpoint-services", "10.96.0.21 . tcp . 80"): "goto reject-chain",
        },
    )


# NodePorts: endpoints on node-1 (N1, N1B) and node-2 (N2); `nodeport()` is web with NodePort 30080.
N1, N1B, N2 = ep("10.244.1.5"), ep("10.244.1.6"), ep("10.244.2.7", node="node-2")


def nodeport(*endpoints: Endpoint, local: bool = False, affinity: bool = False) -> ServicePlan:
    return service(
        (port("default", "web", "http", endpoints=endpoints, node_port=30080),), local=local, affinity=affinity
    )


NODEPORT_CHANGES = [
    ((nodeport(N1, N2),), (nodeport(N1),)),  # an endpoint leaves
    ((nodeport(N1),), (nodeport(),)),  # the last one leaves
    ((nodeport(),), (nodeport(N2),)),  # the first one is back
    ((nodeport(N1, local=True),), (nodeport(N2, local=True),)),  # the endpoint moves node-1 -> node-2
    ((nodeport(N2, local=True),), (nodeport(N1, N1B, local=True),)),  # and back, two of them
    ((nodeport(N1, N2, local=True),), (nodeport(local=True),)),  # all gone (Local)
    ((nodeport(local=True),), (nodeport(N1, local=True),)),  # the first one is back (Local)
    ((nodeport(N1, N2, local=True, affinity=True),), (nodeport(N2, local=True, affinity=True),)),
    ((nodeport(N1, N2),), (nodeport(N1, N2, local=True),)),  # Cluster -> Local
    ((nodeport(N1, local=True),), (nodeport(N1),)),  # Local -> Cluster
    ((web(N1, N2),), (nodeport(N1, N2, local=True),)),  # ClusterIP -> NodePort
    ((nodeport(N1, local=True),), (web(N1),)),  # NodePort -> ClusterIP
    ((nodeport(N1, local=True), NOBODY), (NOBODY,)),  # the NodePort Service removed
]
NODEPORT_IDS = [
    "leave",
    "last-gone",
    "first-back",
    "local-moves",
    "local-moves-back",
    "local-all-gone",
    "local-first-back",
    "local-affinity",
    "to-local",
    "to-cluster",
    "to-nodeport",
    "to-clusterip",
    "removed",
]


@pytest.mark.parametrize("node", [NODE_1, NODE_2, None], ids=["node-1", "node-2", "no-node"])
@pytest.mark.parametrize(("old", "new"), NODEPORT_CHANGES, ids=NODEPORT_IDS)
def test_nodeport_changes_reach_the_full_render(
    old: tuple[ServicePlan, ...], new: tuple[ServicePlan, ...], node: NodePlan | None
) -> None:
    assert assert_changes_reach(old, new, node)


def test_the_local_endpoint_leaving_the_node_drops_the_local_chain_and_adds_the_drop() -> None:
    script = lines(assert_changes_reach((nodeport(N1, local=True),), (nodeport(N2, local=True),), NODE_1))
    np = nodeport().ports[0]
    ext, loc = external_chain(np), local_chain(np)
    assert (
        script.index(f"flush chain ip kube-proxy {ext}")
        < script.index(f"flush chain ip kube-proxy {loc}")
        < script.index(f"delete chain ip kube-proxy {loc}")
    )
    assert f"add rule ip kube-proxy {ext} goto {loc}" not in script
    assert 'add element ip kube-proxy no-endpoint-nodeports { tcp . 30080 comment "default/web:http" : drop }' in script
    assert not [line for line in script if "service-nodeports" in line]  # the NodePort still enters ext


def test_the_last_nodeport_endpoint_gone_rejects_the_nodeport_too() -> None:
    script = lines(changes((nodeport(N1),), (nodeport(),), NODE_1))
    assert "delete element ip kube-proxy service-nodeports { tcp . 30080 }" in script
    assert (
        'add element ip kube-proxy no-endpoint-nodeports { tcp . 30080 comment "default/web:http" : goto reject-chain }'
    ) in script
    assert script[-1] == f"delete chain ip kube-proxy {external_chain(nodeport().ports[0])}"


def test_an_endpoint_moving_between_other_nodes_leaves_a_cluster_nodeport_alone() -> None:
    moved = Endpoint(N2.ip, N2.port, N2.pod, "node-3")
    assert changes((nodeport(N1, N2),), (nodeport(N1, moved),), NODE_1) == ""


# LoadBalancer IPs: its element lives in the Service port's block, so endpoint changes rewrite it.
def lb(
    *endpoints: Endpoint,
    local: bool = False,
    ip: str = "198.51.100.200",
    node_port: int | None = 30080,
    health: int | None = None,
) -> ServicePlan:
    return service(
        (port("default", "web", "http", endpoints=endpoints, node_port=node_port),), local=local, lb=ip, health=health
    )


LB_CHANGES = [
    ((lb(N1, N2),), (lb(N1),)),  # an endpoint leaves
    ((lb(N1),), (lb(),)),  # the last one leaves
    ((lb(),), (lb(N2),)),  # the first one is back
    ((lb(N1, local=True),), (lb(N2, local=True),)),  # the endpoint moves node-1 -> node-2
    ((lb(N1, N2, local=True),), (lb(local=True),)),  # all gone (Local)
    ((lb(local=True),), (lb(N1, N1B, local=True),)),  # back, two on node-1 (Local)
    ((lb(N1, N2),), (lb(N1, N2, ip="198.51.100.201"),)),  # a new LoadBalancer IP
    ((nodeport(N1, N2),), (lb(N1, N2),)),  # NodePort -> LoadBalancer
    ((lb(N1, N2, local=True),), (nodeport(N1, N2, local=True),)),  # LoadBalancer -> NodePort
    ((lb(N1, N2),), (lb(N1, N2, node_port=None),)),  # its NodePort released
    ((lb(N1, local=True), NOBODY), (NOBODY,)),  # the LoadBalancer Service removed
]
LB_IDS = [
    "leave",
    "last-gone",
    "first-back",
    "local-moves",
    "local-all-gone",
    "local-back",
    "new-lb-ip",
    "from-nodeport",
    "to-nodeport",
    "no-nodeport",
    "removed",
]


@pytest.mark.parametrize("node", [NODE_1, NODE_2, None], ids=["node-1", "node-2", "no-node"])
@pytest.mark.parametrize(("old", "new"), LB_CHANGES, ids=LB_IDS)
def test_lb_changes_reach_the_full_render(
    old: tuple[ServicePlan, ...], new: tuple[ServicePlan, ...], node: NodePlan | None
) -> None:
    assert assert_changes_reach(old, new, node)


def test_a_health_check_port_alone_changes_nothing() -> None:
    assert changes((lb(N1, local=True),), (lb(N1, local=True, health=32000),), NODE_1) == ""


def test_the_last_lb_endpoint_gone_rejects_the_lb_ip() -> None:
    script = lines(changes((lb(N1),), (lb(),), NODE_1))
    assert "delete element ip kube-proxy service-ips { 198.51.100.200 . tcp . 80 }" in script
    assert (
        'add element ip kube-proxy no-endpoint-services { 198.51.100.200 . tcp . 80 comment "default/web:http" '
        ": goto reject-chain }"
    ) in script
    ext = external_chain(lb().ports[0])
    assert script.index("delete element ip kube-proxy service-ips { 198.51.100.200 . tcp . 80 }") < script.index(
        f"delete chain ip kube-proxy {ext}"
    )


def test_the_local_lb_endpoint_leaving_the_node_drops_the_lb_ip() -> None:
    script = lines(assert_changes_reach((lb(N1, local=True),), (lb(N2, local=True),), NODE_1))
    assert (
        'add element ip kube-proxy no-endpoint-services { 198.51.100.200 . tcp . 80 comment "default/web:http" : drop }'
    ) in script
    assert not [line for line in script if "service-ips" in line]  # the LB IP still enters the external chain


def ingress_scaled(*counts: int) -> list[tuple[int, tuple[ServicePlan, ...]]]:
    """The ingress lab's Services as `netlab scale web N` leaves them, step by step (pods keep
    their node and address, as in a running lab)."""
    source = REPO / "labs" / "ingress-loadbalancer.yaml"
    plan, text = INGRESS, source.read_text()
    steps = [(len(INGRESS.known_service("web").ports[0].endpoints), INGRESS.services)]
    for count in counts:
        keep = {p.name: (p.node, str(p.ip.ip)) for p in plan.pods}
        text = edit.scale(text, "web", count)
        plan = make_plan(load_lab(source, text, changed=True), keep=keep)
        steps.append((count, plan.services))
    return steps


@pytest.mark.parametrize("node", ["node-1", "node-2", "node-3"])
def test_scaling_the_ingress_lab_reaches_the_full_render_on_every_node(node: str) -> None:
    """web 2 -> 3 -> 1 -> 0 -> 2 (web-2 lands on node-3). An LB IP's elements change only when the
    Service loses or regains its last endpoint, or (policy Local) its last endpoint on this node."""
    steps = ingress_scaled(3, 1, 0, 2)
    assert [count for count, _ in steps] == [2, 3, 1, 0, 2]

    def state(services: tuple[ServicePlan, ...], name: str) -> tuple[bool, bool]:
        (svc,) = [s for s in services if s.name == name]
        endpoints = svc.ports[0].endpoints
        return bool(endpoints), svc.external_local and not any(e.node == node for e in endpoints)

    for (_, old), (_, new) in pairwise(steps):
        script = assert_changes_reach(old, new, INGRESS_NODES[node])
        for name, ip in (("web", "198.51.100.200"), ("web-local", "198.51.100.201")):
            touched_lb = f"{{ {ip} . tcp . 80" in script
            assert touched_lb == (state(old, name) != state(new, name)), (name, script)


def test_scaling_to_zero_moves_both_lb_ips_to_no_endpoint_services() -> None:
    (_, old), (_, new) = ingress_scaled(0)
    script = lines(assert_changes_reach(old, new, INGRESS_NODES["node-3"]))
    for ip, name in (("198.51.100.200", "web"), ("198.51.100.201", "web-local")):
        assert f"delete element ip kube-proxy service-ips {{ {ip} . tcp . 80 }}" in script
        assert (
            f'add element ip kube-proxy no-endpoint-services {{ {ip} . tcp . 80 comment "default/{name}:http" '
            ": goto reject-chain }"
        ) in script
    # node-3's drop for web-local's LB IP becomes the reject (delete, then add with the new value)
    assert "delete element ip kube-proxy no-endpoint-services { 198.51.100.201 . tcp . 80 }" in script


def test_programmed_ignores_lb_ip_elements() -> None:
    """The frontend `status` reads is the ClusterIP's, whatever order nft lists the elements in."""
    from netlab.readback.nftables import programmed

    svc, ext = service_chain(LB_LOCAL), external_chain(LB_LOCAL)
    lb_element = [{"concat": ["198.51.100.201", "tcp", 80]}, {"goto": {"target": ext}}]
    cluster_element = [{"concat": ["10.104.106.27", "tcp", 80]}, {"goto": {"target": svc}}]
    dropped = [
        {"elem": {"val": {"concat": ["198.51.100.201", "tcp", 80]}, "comment": "default/web-local:http"}},
        {"drop": None},
    ]
    for order in ([lb_element, cluster_element], [cluster_element, lb_element]):
        listing = nft_json(
            {"set": {"name": "cluster-ips", "elem": ["10.104.106.27"]}},
            {"map": {"name": "service-ips", "elem": order}},
            {"map": {"name": "no-endpoint-services", "elem": [dropped]}},
        )
        assert programmed(listing) == {"default/web-local:http": ("10.104.106.27:80/TCP", [])}
    rejected = [
        [
            {"elem": {"val": {"concat": [ip, "tcp", 80]}, "comment": "default/web:http"}},
            {"goto": {"target": "reject-chain"}},
        ]
        for ip in ("198.51.100.200", "10.108.209.100")
    ]
    listing = nft_json(
        {"set": {"name": "cluster-ips", "elem": ["10.108.209.100"]}},
        {"map": {"name": "no-endpoint-services", "elem": rejected}},
    )
    assert programmed(listing) == {"default/web:http": ("10.108.209.100:80/TCP", [])}
