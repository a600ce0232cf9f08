"""netlab matrix's pure part (netlab.render.matrix, netlab.probe.connect): the pairs, the ports,
the truth table and its JSON, read from a plan with policies built as dataclasses."""

from __future__ import annotations

import subprocess
from dataclasses import replace

import pytest
from rich.console import Console

from netlab.model.policytypes import LabelSelector, NetworkPolicy
from netlab.plan import make_plan
from netlab.probe import connect
from netlab.probe.udp import UdpResult
from netlab.render import matrix

LAB = """\
name: mx
cluster: {nodes: [node-1, node-2], dns: false}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: web, labels: {app: web}},
     spec: {nodeName: node-1, containers: [{name: c, ports: [
       {containerPort: 8080}, {containerPort: 5353, protocol: UDP}]}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: client, labels: {app: client}},
     spec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 9000}]}]}}
"""
DENY_WEB = NetworkPolicy("deny-web", "default", LabelSelector({"app": "web"}), ("Ingress",))


@pytest.fixture
def plan(make_lab):
    lab = make_lab(LAB)
    return make_plan(replace(lab, network_policies=(DENY_WEB,)))


def text(renderable) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_each_target_is_judged_on_its_first_echo_port_of_the_protocol(plan) -> None:
    shape = matrix.layout(plan, None, "tcp")
    assert [(c.name, c.port, c.listens) for c in shape.columns] == [("web", 8080, True), ("client", 9000, True)]
    assert shape.sources == ("web", "client", "node-1", "node-2", "gateway")
    udp = matrix.layout(plan, None, "udp")
    assert [(c.name, c.port) for c in udp.columns] == [("web", 5353)]
    assert udp.notes == ("client has no UDP echo port: not a column (give --port)",)


def test_a_given_port_is_judged_everywhere_and_probed_where_something_listens(plan) -> None:
    shape = matrix.layout(plan, 9000, "tcp")
    assert [(c.name, c.port, c.listens) for c in shape.columns] == [("web", 9000, False), ("client", 9000, True)]
    cells = {(c.source, c.target): c for c in matrix.expected_cells(plan, shape)}
    assert not cells["client", "web"].probed and cells["web", "client"].probed
    assert not cells["gateway", "client"].probed  # outside hosts have no way to pod IPs


def test_big_labs_are_cut_to_max_side(plan, monkeypatch) -> None:
    monkeypatch.setattr(matrix, "MAX_SIDE", 1)
    shape = matrix.layout(plan, None, "tcp")
    assert shape.sources == ("web",) and [c.name for c in shape.columns] == ["web"]
    assert shape.notes == (
        "4 sources left out: the matrix takes the first 1",
        "1 targets left out: the matrix takes the first 1",
    )


def probed(plan, reached: dict[tuple[str, str], bool]) -> tuple[matrix.Layout, list[matrix.Cell]]:
    """The default layout's cells, with traffic as `reached` says (else as expected)."""
    shape = matrix.layout(plan, None, "tcp")
    cells = [
        replace(c, reached=reached.get((c.source, c.target), c.expected.allowed)) if c.probed else c
        for c in matrix.expected_cells(plan, shape)
    ]
    return shape, cells


def test_the_table_marks_agreement_disagreement_and_what_was_not_probed(plan) -> None:
    shape, cells = probed(plan, {("client", "client"): True, ("node-2", "web"): True})
    lines = text(matrix.table(shape, cells)).splitlines()
    assert lines[0].split() == ["web", "client"]
    assert lines[1].split() == ["from", "\\", "to", ":8080", ":9000"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert rows == {
        "web": ["✓", "✓"],  # itself; client is not isolated
        "client": ["✗", "✓"],  # web is isolated
        "node-1": ["✓", "✓"],  # web's own node
        "node-2": ["✗→✓", "✓"],  # denied, but traffic got through: a disagreement
        "gateway": ["(✗)", "(✓)"],  # not probed
    }


def test_disagreements_say_what_was_expected_what_happened_and_why(plan) -> None:
    _, cells = probed(plan, {("node-2", "web"): True, ("web", "client"): False})
    assert matrix.disagreements(cells) == [
        "web -> client 9000/TCP: allowed: web may send anything: no policy selects it for egress; client accepts "
        "anything: no policy selects it for ingress; but traffic did not (no answer)",
        "node node-2 -> web 8080/TCP: denied: node node-2 is no pod: no policy limits what it sends; web is isolated "
        "for ingress by default/deny-web, and no rule of theirs allows from node node-2 on 8080/TCP; but traffic got "
        "through (answered)",
    ]


def test_json_has_every_pair_with_its_verdict_and_traffic(plan) -> None:
    shape, cells = probed(plan, {("node-2", "web"): True})
    doc = matrix.as_json("mx", None, shape, cells)
    assert (doc["agrees"], doc["protocol"], doc["port"]) == (False, "TCP", None)
    assert doc["targets"][0] == {"name": "web", "kind": "pod", "address": "10.244.1.2", "port": 8080, "listens": True}
    cell = next(c for c in doc["cells"] if (c["from"], c["to"]) == ("client", "web"))
    assert cell | {"reason": ""} == {
        "from": "client",
        "to": "web",
        "address": "10.244.1.2",
        "port": 8080,
        "protocol": "TCP",
        "expected": False,
        "probed": True,
        "reached": False,
        "agrees": True,
        "reason": "",
        "detail": "",
        "ingressIsolatedBy": ["default/deny-web"],
        "egressIsolatedBy": [],
        "allowedBy": [],
    }
    assert "web is isolated for ingress by default/deny-web" in cell["reason"]


def test_the_connect_probe_reads_one_line_per_target_in_order() -> None:
    said = '["ok", ""]\n["refused", ""]\n["ok", "web"]\n["timeout", ""]\n["error", "EHOSTUNREACH"]\n'
    assert connect.read(said, 6) == [
        UdpResult(True),
        UdpResult(False, error="refused (port unreachable)"),
        UdpResult(True, "web"),
        UdpResult(False, error="no answer (timeout)"),
        UdpResult(False, error="EHOSTUNREACH"),
        UdpResult(False, error="no answer"),
    ]
    argv = connect.command("nl-mx.web", [("10.244.1.2", 8080, "TCP")], 1.5)
    assert argv[:5] == ["ip", "netns", "exec", "nl-mx.web", "python3"] and argv[-2:] == [
        "1.5",
        '[["10.244.1.2", 8080, "TCP"]]',
    ]


def test_each_source_sends_all_its_pairs_from_one_process_in_its_namespace(plan, monkeypatch) -> None:
    """netlab.verify.matrix: one python3 per probed source; its lines fill that source's cells in order."""
    from netlab.verify import matrix as traffic

    calls: list[list[str]] = []

    def fake_run(argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        calls.append(argv)
        lines = ['["ok", ""]', '["refused", ""]'] if argv[3] == "nl-mx.client" else ['["ok", ""]'] * 2
        return subprocess.CompletedProcess(argv, 0, "\n".join(lines) + "\n", "")

    monkeypatch.setattr(traffic, "run", fake_run)
    shape = matrix.layout(plan, None, "tcp")
    cells = traffic.probe_cells(plan, matrix.expected_cells(plan, shape))
    assert sorted(argv[3] for argv in calls) == ["nl-mx.client", "nl-mx.node-1", "nl-mx.node-2", "nl-mx.web"]
    client = [(c.target, c.reached, c.detail) for c in cells if c.source == "client"]
    assert client == [("web", True, ""), ("client", False, traffic.REJECTED["TCP"])]
    assert [c.source for c in cells if c.reached is None] == ["gateway", "gateway"]
    assert [line.split(":")[0] for line in matrix.disagreements(cells)] == [
        "client -> web 8080/TCP",  # denied, but reached
        "client -> client 9000/TCP",  # itself, but refused
        "node node-2 -> web 8080/TCP",  # another node: denied, but reached
    ]


def test_outside_hosts_with_an_echo_server_are_targets_probed_from_pods_and_nodes(make_lab) -> None:
    """Egress to the lab's internet: a column per outside host with an echo port (a resolver without
    one is none), probed from pods and nodes, judged by the pods' egress policies."""
    text_ = LAB.replace(
        "objects:\n", "outside:\n  - {name: internet}\n  - {name: dns, dns: {a.example: internet}}\nobjects:\n"
    )
    deny_out = NetworkPolicy("deny-out", "default", LabelSelector({"app": "web"}), ("Egress",))
    plan = make_plan(replace(make_lab(text_), network_policies=(deny_out,)))
    shape = matrix.layout(plan, None, "tcp")
    assert [(c.name, c.address, c.port) for c in shape.columns][-1] == ("internet", "203.0.113.10", 80)
    assert matrix.layout(plan, None, "udp").notes == ("client has no UDP echo port: not a column (give --port)",)
    cells = {(c.source, c.target): c for c in matrix.expected_cells(plan, shape)}
    assert cells["web", "internet"].probed and not cells["web", "internet"].expected.allowed
    assert cells["client", "internet"].expected.allowed and cells["node-1", "internet"].probed
    assert not cells["internet", "internet"].probed and not cells["dns", "web"].probed
    assert matrix.as_json("mx", None, shape, [])["targets"][-1]["kind"] == "host"


def test_a_refusal_of_a_listening_target_is_told_as_kube_routers_reject(plan) -> None:
    """Only listening targets are probed: a refused TCP connect or UDP datagram met the REJECT's ICMP error."""
    from netlab.verify import matrix as traffic

    udp = matrix.expected_cells(plan, matrix.layout(plan, None, "udp"))[0]
    assert traffic._detail(udp, UdpResult(False, error="refused (port unreachable)")) == traffic.REJECTED["UDP"]
    assert "ICMP port unreachable" in traffic.REJECTED["UDP"] and "ICMP port unreachable" in traffic.REJECTED["TCP"]
    assert traffic._detail(udp, UdpResult(False, error="no answer (timeout)")) == "no answer (timeout)"
    assert traffic._detail(udp, UdpResult(True, "web")) == "web"
