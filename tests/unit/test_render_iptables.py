"""netlab.render.iptables: kube-proxy's iptables-mode rules, as goldens per lab, as the exact names and
lines of docs/kube-proxy.md's running example, and as structure rules every rendered ruleset obeys."""

from __future__ import annotations

import shlex
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from netlab.model import load_lab
from netlab.plan import make_plan
from netlab.plan.model import Endpoint, ServicePlan, ServicePortPlan
from netlab.render.iptables import (
    IptablesRuleset,
    Jump,
    probability,
    render_iptables,
    sep_chain,
    stale_chain_lines,
    svc_chain,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "iptables"
SERVICE_LABS = [p for p in sorted((REPO / "labs").glob("*.yaml")) if make_plan(load_lab(p)).services]
CLUSTER_CIDR = IPv4Network("10.244.0.0/16")
BUILTIN_TARGETS = {"ACCEPT", "DROP", "RETURN", "REJECT", "DNAT", "MASQUERADE", "MARK"}
BUILTIN_CHAINS = {"filter": {"INPUT", "FORWARD", "OUTPUT"}, "nat": {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"}}
CHAIN_NAME_MAX = 28


def port_plan(
    name: str | None,
    port: int,
    endpoints: list[str],
    protocol: str = "TCP",
    svc: str = "web",
    namespace: str = "default",
) -> ServicePortPlan:
    eps = tuple(
        Endpoint(IPv4Address(ep.split(":")[0]), int(ep.split(":")[1]), f"pod-{i}", "node-1")
        for i, ep in enumerate(endpoints)
    )
    return ServicePortPlan(namespace, svc, name, port, protocol, eps)


def service(
    ports: list[ServicePortPlan], ip: str | None = "10.96.44.201", affinity: int | None = None, name: str = "web"
) -> ServicePlan:
    return ServicePlan(
        name,
        "default",
        "ClusterIP",
        IPv4Address(ip) if ip else None,
        tuple(ports),
        affinity is not None,
        affinity or 10800,
    )


# docs/kube-proxy.md's running example: default/web, 10.96.44.201, http 80 -> 8080, two endpoints.
WEB_HTTP = port_plan("http", 80, ["10.244.1.5:8080", "10.244.2.7:8080"])
WEB = service([WEB_HTTP])


# -- structure rules (the goldens run them too) ---------------------------------------------------
def check_ruleset(ruleset: IptablesRuleset) -> None:
    """Restore input iptables-restore accepts and kube-proxy would write: every section ends with
    COMMIT, no chain is declared twice, names fit iptables' 28 characters, every -j/-g target is a
    built-in target or a chain declared in that table, and so is every jump's target."""
    declared: dict[str, list[str]] = {}
    targets: list[tuple[str, str]] = []
    table = None
    for number, raw in enumerate(ruleset.restore.splitlines(), 1):
        words = shlex.split(raw)
        if words[0].startswith("*"):
            assert table is None, f"line {number}: {raw} opens a table before COMMIT"
            table = words[0][1:]
            declared[table] = []
            continue
        assert table is not None, f"line {number}: {raw} is outside a table"
        if words[0] == "COMMIT":
            table = None
        elif words[0].startswith(":"):
            chain = words[0][1:]
            assert chain not in declared[table], f"{table}: chain {chain} declared twice"
            assert len(chain) <= CHAIN_NAME_MAX, f"{table}: chain {chain} is longer than {CHAIN_NAME_MAX}"
            declared[table].append(chain)
        else:
            assert words[0] == "-A" and words[1] in declared[table], f"line {number}: {raw}"
            targets += [(table, words[i + 1]) for i, w in enumerate(words) if w in ("-j", "-g")]
    assert table is None, "the last table has no COMMIT"
    targets += [(jump.table, jump.rule[jump.rule.index("-j") + 1]) for jump in ruleset.jumps]
    for table, target in targets:
        assert target in BUILTIN_TARGETS or target in declared[table], f"{table}: jump to undefined {target}"
    for jump in ruleset.jumps:
        assert jump.chain in BUILTIN_CHAINS[jump.table], f"{jump} is not in a built-in chain"
    assert ruleset.chains == {t: frozenset(c) for t, c in declared.items()}


def golden_text(ruleset: IptablesRuleset) -> str:
    return "\n".join([*(j.text() for j in ruleset.jumps), "# iptables-restore --noflush", ruleset.restore])


# -- goldens --------------------------------------------------------------------------------------
def node_rulesets(path: Path) -> dict[str, IptablesRuleset]:
    """The lab's golden files and what they hold: `<lab>.rules` for its first node, and
    `<lab>.<node>.rules` for each other node whose rules differ (externalTrafficPolicy Local)."""
    plan = make_plan(load_lab(path))
    first, *others = [render_iptables(plan.services, plan.lab.cluster.pod_cidr, node) for node in plan.nodes]
    found = {f"{path.stem}.rules": first}
    for node, ruleset in zip(plan.nodes[1:], others, strict=True):
        if ruleset.restore != first.restore:
            found[f"{path.stem}.{node.name}.rules"] = ruleset
    return found


@pytest.mark.parametrize("path", SERVICE_LABS, ids=[p.stem for p in SERVICE_LABS])
def test_iptables_golden(golden, path: Path) -> None:
    for name, ruleset in node_rulesets(path).items():
        check_ruleset(ruleset)
        golden(GOLDEN / name, golden_text(ruleset))


def test_every_iptables_golden_has_its_lab() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.rules")) == sorted(n for p in SERVICE_LABS for n in node_rulesets(p))
    assert "pod-to-service" in [p.stem for p in SERVICE_LABS]


# -- the checker itself -------------------------------------------------------------------------------
def _broken(edit) -> IptablesRuleset:
    ruleset = render_iptables([WEB], CLUSTER_CIDR)
    return replace(ruleset, restore=edit(ruleset.restore))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("-j KUBE-MARK-MASQ", "-j KUBE-MARK-MASK", 1), "jump to undefined KUBE-MARK-MASK"),
        (lambda t: t.replace("COMMIT\n*nat", "*nat"), "opens a table before COMMIT"),
        (lambda t: t.rstrip().removesuffix("COMMIT"), "has no COMMIT"),
        (
            lambda t: t.replace(":KUBE-MARK-MASQ - [0:0]", ":KUBE-MARK-MASQ - [0:0]\n:KUBE-MARK-MASQ - [0:0]"),
            "declared twice",
        ),
        (
            lambda t: t.replace(
                ":KUBE-MARK-MASQ - [0:0]", ":KUBE-MARK-MASQ - [0:0]\n:KUBE-A-CHAIN-NAME-OF-29-CHARS - [0:0]"
            ),
            "longer than 28",
        ),
    ],
)
def test_the_structure_check_catches(edit, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_ruleset(_broken(edit))


# -- names and numbers kube-proxy forms --------------------------------------------------------------
def test_chain_names_of_the_running_example() -> None:
    assert svc_chain(WEB_HTTP) == "KUBE-SVC-CDGGSHYLG3RE2FKL"
    assert [sep_chain(WEB_HTTP, ep) for ep in WEB_HTTP.endpoints] == [
        "KUBE-SEP-AFGSLHOD2HFNCBX4",
        "KUBE-SEP-2RIJ5GIYXEFH6G4D",
    ]


@pytest.mark.parametrize(
    ("port", "chain"),
    [
        (port_plan("https", 443, [], svc="kubernetes"), "KUBE-SVC-NPX46M4PTMTKRN6Y"),
        (port_plan("dns", 53, [], "UDP", "kube-dns", "kube-system"), "KUBE-SVC-TCOU7JCQXEZGVUNU"),
        (port_plan("dns-tcp", 53, [], "TCP", "kube-dns", "kube-system"), "KUBE-SVC-ERIFXISQEP7F7OF4"),
    ],
    ids=["kubernetes-https", "kube-dns-dns-udp", "kube-dns-dns-tcp"],
)
def test_known_service_chain_names(port: ServicePortPlan, chain: str) -> None:
    assert svc_chain(port) == chain


@pytest.mark.parametrize(
    ("n", "written"),
    [
        (2, ["0.5000000000"]),
        (3, ["0.3333333333", "0.5000000000"]),
        (4, ["0.2500000000", "0.3333333333", "0.5000000000"]),
    ],
)
def test_probabilities_are_written_with_ten_decimals(n: int, written: list[str]) -> None:
    port = port_plan("http", 80, [f"10.244.1.{i}:8080" for i in range(1, n + 1)])
    restore = render_iptables([service([port])], CLUSTER_CIDR).restore
    assert [w.split("--probability ")[1].split()[0] for w in restore.splitlines() if "--probability" in w] == written
    assert [probability(n - i) for i in range(n - 1)] == written


# -- the rules, as kube-proxy writes them --------------------------------------------------------------
def nat_lines(ruleset: IptablesRuleset, chain: str) -> list[str]:
    nat = ruleset.restore.split("*nat\n")[1]
    return [line for line in nat.splitlines() if line.startswith(f"-A {chain} ")]


def test_the_running_example_line_by_line() -> None:
    ruleset = render_iptables([WEB], CLUSTER_CIDR)
    svc, sep1, sep2 = "KUBE-SVC-CDGGSHYLG3RE2FKL", "KUBE-SEP-AFGSLHOD2HFNCBX4", "KUBE-SEP-2RIJ5GIYXEFH6G4D"
    assert nat_lines(ruleset, "KUBE-SERVICES") == [
        (
            f'-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.44.201 '
            f"--dport 80 -j {svc}"
        ),
        (
            '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule '
            'in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'
        ),
    ]
    assert nat_lines(ruleset, svc) == [
        (
            f'-A {svc} -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.44.201 --dport 80 '
            f"! -s 10.244.0.0/16 -j KUBE-MARK-MASQ"
        ),
        (
            f'-A {svc} -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random '
            f"--probability 0.5000000000 -j {sep1}"
        ),
        f'-A {svc} -m comment --comment "default/web:http -> 10.244.2.7:8080" -j {sep2}',
    ]
    assert nat_lines(ruleset, sep1) == [
        f"-A {sep1} -m comment --comment default/web:http -s 10.244.1.5 -j KUBE-MARK-MASQ",
        f"-A {sep1} -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080",
    ]
    assert nat_lines(ruleset, "KUBE-MARK-MASQ") == ["-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000"]
    assert nat_lines(ruleset, "KUBE-POSTROUTING") == [
        "-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN",
        "-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000",
        (
            '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE '
            "--random-fully"
        ),
    ]
    assert ruleset.restore.startswith("*filter\n") and ruleset.restore.endswith("COMMIT\n")
    assert ruleset.restore.index("*filter") < ruleset.restore.index("*nat")


def test_session_affinity_checks_come_before_the_random_pick() -> None:
    ruleset = render_iptables([service([WEB_HTTP], affinity=600)], CLUSTER_CIDR)
    svc, sep1, sep2 = "KUBE-SVC-CDGGSHYLG3RE2FKL", "KUBE-SEP-AFGSLHOD2HFNCBX4", "KUBE-SEP-2RIJ5GIYXEFH6G4D"
    rules = nat_lines(ruleset, svc)
    assert [r.split('" ', 1)[1] for r in rules[1:3]] == [
        f"-m recent --name {sep1} --rcheck --seconds 600 --reap -j {sep1}",
        f"-m recent --name {sep2} --rcheck --seconds 600 --reap -j {sep2}",
    ]
    assert "--probability 0.5000000000" in rules[3] and rules[4].endswith(f"-j {sep2}")
    assert nat_lines(ruleset, sep1)[1] == (
        f"-A {sep1} -m comment --comment default/web:http -m recent --name {sep1} "
        f"--set -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080"
    )


def test_udp_ports_match_udp() -> None:
    port = port_plan("dns", 53, ["10.244.1.5:5353"], "UDP")
    ruleset = render_iptables([service([port])], CLUSTER_CIDR)
    assert nat_lines(ruleset, "KUBE-SERVICES")[0].endswith(
        f"-m udp -p udp -d 10.96.44.201 --dport 53 -j {svc_chain(port)}"
    )
    assert nat_lines(ruleset, sep_chain(port, port.endpoints[0]))[1].endswith(
        "-m udp -p udp -j DNAT --to-destination 10.244.1.5:5353"
    )


def test_a_port_without_endpoints_is_only_rejected_in_filter() -> None:
    ruleset = render_iptables([service([port_plan("http", 80, [], svc="nobody")], name="nobody")], CLUSTER_CIDR)
    assert not [c for c in ruleset.chains["nat"] if c.startswith(("KUBE-SVC-", "KUBE-SEP-"))]
    assert len(nat_lines(ruleset, "KUBE-SERVICES")) == 1  # only the final nodeports rule
    assert (
        '-A KUBE-SERVICES -m comment --comment "default/nobody:http has no endpoints" -m tcp -p tcp '
        "-d 10.96.44.201 --dport 80 -j REJECT"
    ) in ruleset.restore.split("*nat")[0].splitlines()


def test_headless_services_get_no_rules() -> None:
    assert render_iptables([service([WEB_HTTP], ip=None)], CLUSTER_CIDR) == render_iptables([], CLUSTER_CIDR)


def test_an_unnamed_port_hashes_without_a_colon() -> None:
    port = port_plan(None, 80, ["10.244.1.5:8080"])
    ruleset = render_iptables([service([port])], CLUSTER_CIDR)
    assert '"default/web cluster IP"' in ruleset.restore
    assert svc_chain(port) != svc_chain(WEB_HTTP) and svc_chain(port) in ruleset.chains["nat"]


def test_fixed_chains_are_declared_in_kube_proxy_order() -> None:
    restore = render_iptables([], CLUSTER_CIDR).restore
    declared = [line.split()[0][1:] for line in restore.splitlines() if line.startswith(":")]
    assert declared == [
        "KUBE-SERVICES",
        "KUBE-EXTERNAL-SERVICES",
        "KUBE-FORWARD",
        "KUBE-NODEPORTS",
        "KUBE-PROXY-FIREWALL",
        "KUBE-FIREWALL",
        "KUBE-SERVICES",
        "KUBE-NODEPORTS",
        "KUBE-POSTROUTING",
        "KUBE-MARK-MASQ",
    ]


def test_jumps_are_inserted_with_their_comments() -> None:
    jumps = render_iptables([], CLUSTER_CIDR).jumps
    assert (
        Jump("nat", "PREROUTING", ("-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"))
        in jumps
    )
    assert Jump("filter", "INPUT", ("-j", "KUBE-FIREWALL")) in jumps
    assert jumps[0].args("-C") == [
        "-t",
        "filter",
        "-C",
        "INPUT",
        "-m",
        "conntrack",
        "--ctstate",
        "NEW",
        "-m",
        "comment",
        "--comment",
        "kubernetes externally-visible service portals",
        "-j",
        "KUBE-EXTERNAL-SERVICES",
    ]
    assert jumps[-3].text() == (
        '-t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'
    )
    assert len(jumps) == len(set(jumps)) == 14


# -- stale chains -------------------------------------------------------------------------------
def test_only_stale_service_chains_are_flushed_and_deleted() -> None:
    ruleset = render_iptables([WEB], CLUSTER_CIDR)
    existing = {"nat": {"KUBE-SVC-OLDOLDOLDOLDOLDO", "KUBE-SERVICES", "MY-CHAIN", "KUBE-SVC-CDGGSHYLG3RE2FKL"}}
    assert stale_chain_lines(existing, ruleset) == {
        "nat": [":KUBE-SVC-OLDOLDOLDOLDOLDO - [0:0]", "-X KUBE-SVC-OLDOLDOLDOLDOLDO"]
    }


def test_stale_chains_are_all_flushed_before_any_is_deleted() -> None:
    existing = {"nat": {"KUBE-SEP-B", "KUBE-SVC-A", "KUBE-EXT-C", "KUBE-MARK-MASQ"}, "filter": {"KUBE-SERVICES"}}
    assert stale_chain_lines(existing, render_iptables([], CLUSTER_CIDR)) == {
        "nat": [
            ":KUBE-EXT-C - [0:0]",
            ":KUBE-SEP-B - [0:0]",
            ":KUBE-SVC-A - [0:0]",
            "-X KUBE-EXT-C",
            "-X KUBE-SEP-B",
            "-X KUBE-SVC-A",
        ]
    }


def test_programmed_reads_frontends_and_endpoints_back_from_iptables_save() -> None:
    # as iptables-save prints it: one rule a line, however long
    saved = """\
*filter
-A KUBE-SERVICES -d 10.105.179.236/32 -p tcp -m comment --comment "default/nobody-home:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
-A KUBE-SEP-2AZ33KU3V5PGPQZH -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-4EX2N4PG4ASNZOBF -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -d 10.108.209.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-X
COMMIT
"""  # noqa: E501
    from netlab.readback.iptables import programmed

    assert programmed(saved) == {
        "default/nobody-home:http": ("10.105.179.236:80/TCP", []),
        "default/web:http": ("10.108.209.100:80/TCP", ["10.244.1.3:8080", "10.244.2.2:8080"]),
    }
