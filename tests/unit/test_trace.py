"""ruletrace (a test helper, tests/unit/ruletrace.py): the tracer on a fixed ruleset (as kube's TestTracePacket),
then the pod-to-service lab's rules as behaviour, one row per packet (as kube's runPacketFlowTests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from ruletrace import parse_restore, trace_packet

from netlab.model import load_lab
from netlab.plan import LabPlan, make_plan
from netlab.render.iptables import render_iptables

FIXED = """\
*filter
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -m comment --comment "ns/gone:p has no endpoints" -m tcp -p tcp -d 10.96.0.9 --dport 80 -j REJECT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:SVC - [0:0]
:SEP-A - [0:0]
:SEP-B - [0:0]
:SKIP - [0:0]
:NODEPORTS - [0:0]
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.1 --dport 80 -j SKIP
-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.1 --dport 80 -j SVC
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j NODEPORTS
-A SKIP -j RETURN
-A SKIP -j DROP
-A SVC ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A SVC -m recent --name SEP-B --rcheck --seconds 60 --reap -j SEP-B
-A SVC -m statistic --mode random --probability 0.5000000000 -g SEP-A
-A SVC -j SEP-B
-A SEP-A -s 10.1.0.1 -j KUBE-MARK-MASQ
-A SEP-A -m tcp -p tcp -j DNAT --to-destination 10.1.0.1:8080
-A SEP-B -m recent --name SEP-B --set -m tcp -p tcp -j DNAT --to-destination 10.1.0.2:8080
-A NODEPORTS -m tcp -p tcp --dport 30080 -j DNAT --to-destination 10.1.0.9:8080
COMMIT
"""


def test_the_tracer_follows_jumps_returns_and_both_sides_of_a_random_pick() -> None:
    trace = trace_packet(FIXED, "10.2.0.1", "tcp", "10.96.0.1", 80)
    assert trace.destinations == ["10.1.0.1:8080", "10.1.0.2:8080"]
    assert not trace.masqueraded
    assert trace.matched == [  # path by path: the statistic rule taken, then not taken
        "-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.1 --dport 80 -j SKIP",
        "-A SKIP -j RETURN",
        "-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.1 --dport 80 -j SVC",
        "-A SVC -m statistic --mode random --probability 0.5000000000 -g SEP-A",
        "-A SEP-A -m tcp -p tcp -j DNAT --to-destination 10.1.0.1:8080",
        "-A SVC -j SEP-B",
        "-A SEP-B -m recent --name SEP-B --set -m tcp -p tcp -j DNAT --to-destination 10.1.0.2:8080",
    ]


def test_a_goto_returns_to_the_caller_of_the_chain_that_went() -> None:
    rules = """\
*filter
:KUBE-SERVICES - [0:0]
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:A - [0:0]
:B - [0:0]
-A KUBE-SERVICES -j A
-A KUBE-SERVICES -j DNAT --to-destination 10.0.0.1:1
-A A -g B
-A A -j DNAT --to-destination 10.0.0.2:2
-A B -j RETURN
COMMIT
"""
    assert trace_packet(rules, "10.2.0.1", "tcp", "10.96.0.1", 80).destinations == ["10.0.0.1:1"]


@pytest.mark.parametrize(
    ("src", "masq"),
    [("192.168.1.1", True), ("10.1.0.1", True), ("10.1.0.2", False)],
    ids=["not-local-source", "hairpin-on-one-path", "plain"],
)
def test_the_tracer_reports_masquerade_if_any_path_marks(src: str, masq: bool) -> None:
    assert trace_packet(FIXED, src, "tcp", "10.96.0.1", 80).masqueraded is masq


def test_the_tracer_falls_back_to_filter_when_nothing_dnats() -> None:
    assert trace_packet(FIXED, "10.2.0.1", "tcp", "10.96.0.9", 80).destinations == ["REJECT"]
    assert trace_packet(FIXED, "10.2.0.1", "udp", "10.96.0.9", 80).destinations == []
    assert trace_packet(FIXED, "10.2.0.1", "tcp", "10.96.0.1", 81).destinations == []


def test_addrtype_local_means_the_given_node_ips() -> None:
    assert trace_packet(FIXED, "10.2.0.1", "tcp", "192.168.1.5", 30080).destinations == []
    assert trace_packet(FIXED, "10.2.0.1", "tcp", "192.168.1.5", 30080, node_ips=["192.168.1.5"]).destinations == [
        "10.1.0.9:8080"
    ]


def test_the_tracer_refuses_matches_it_does_not_know() -> None:
    rules = FIXED.replace("-A SKIP -j RETURN", "-A SKIP -m set --match-set X dst -j RETURN")
    with pytest.raises(ValueError, match="unsupported match module 'set'"):
        trace_packet(rules, "10.2.0.1", "tcp", "10.96.0.1", 80)


def test_parse_restore_unquotes_comments_and_keeps_empty_chains() -> None:
    tables = parse_restore(FIXED)
    assert tables["filter"]["KUBE-SERVICES"][0][:4] == ["-m", "comment", "--comment", "ns/gone:p has no endpoints"]
    assert tables["nat"]["KUBE-MARK-MASQ"] == [["-j", "MARK", "--or-mark", "0x00004000"]]
    assert set(tables["nat"]) == {"KUBE-SERVICES", "KUBE-MARK-MASQ", "SVC", "SEP-A", "SEP-B", "SKIP", "NODEPORTS"}


# -- the pod-to-service lab as packet flows ---------------------------------------------------------
@dataclass(frozen=True)
class Flow:
    name: str
    src: str  # a pod or node of the lab
    dst: str  # a Service of the lab
    dport: int
    output: list[str]  # endpoint pods as "pod:port", or a verdict
    masq: bool
    proto: str = "tcp"


FLOWS = [
    Flow(
        "pod to a ClusterIP reaches either endpoint, source kept",
        "client",
        "web",
        80,
        ["web-0:8080", "web-1:8080"],
        False,
    ),
    Flow("node to a ClusterIP is masqueraded", "node-1", "web", 80, ["web-0:8080", "web-1:8080"], True),
    Flow(
        "a pod reaching itself through its Service is masqueraded (hairpin)",
        "client",
        "client-self",
        80,
        ["client:8080"],
        True,
    ),
    Flow(
        "an endpoint may pick itself, so one path is masqueraded",
        "web-0",
        "web",
        80,
        ["web-0:8080", "web-1:8080"],
        True,
    ),
    Flow("the other port of a multi-port Service", "client", "web-multi", 9100, ["web-0:9090", "web-1:9090"], False),
    Flow("UDP to a UDP port", "client", "web-udp", 53, ["web-0:5353", "web-1:5353"], False, "udp"),
    Flow("TCP to a UDP-only port matches nothing", "client", "web-udp", 53, [], False),
    Flow("a port the Service does not have matches nothing", "client", "web", 81, [], False),
    Flow(
        "affinity does not change where a first packet may go",
        "client",
        "web-sticky",
        80,
        ["web-0:8080", "web-1:8080"],
        False,
    ),
    Flow("a Service without endpoints is rejected in filter", "client", "nobody-home", 80, ["REJECT"], False),
]


@pytest.fixture(scope="module")
def lab_plan() -> LabPlan:
    return make_plan(load_lab(Path(__file__).resolve().parents[2] / "labs" / "pod-to-service.yaml"))


@pytest.mark.parametrize("flow", FLOWS, ids=[f.name for f in FLOWS])
def test_pod_to_service_flows(lab_plan: LabPlan, flow: Flow) -> None:
    rules = render_iptables(lab_plan.services, lab_plan.lab.cluster.pod_cidr).restore
    src, dst = lab_plan.address_of(flow.src), lab_plan.address_of(flow.dst)
    assert src is not None and dst is not None and dst in lab_plan.lab.cluster.service_cidr
    trace = trace_packet(rules, str(src), flow.proto, str(dst), flow.dport)

    def who(dest: str) -> str:
        ip, port = dest.split(":")
        return f"{lab_plan.name_of(ip)}:{port}"

    assert [who(d) if ":" in d else d for d in trace.destinations] == flow.output
    assert trace.masqueraded is flow.masq
