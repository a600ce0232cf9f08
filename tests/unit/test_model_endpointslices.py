"""EndpointSlices and Endpoints written by hand: read as the API server validates them
(netlab.model.endpointslices), merged into Services' endpoints as kube-proxy's EndpointSliceCache
and the mirroring controller do (netlab.plan.endpointslices), answered by cluster DNS as CoreDNS
does, and programmed into the rules (goldens in tests/golden/endpointslices/)."""

from __future__ import annotations

import textwrap
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import yaml
from labgen import web_deployment

from netlab.errors import LabValidationError
from netlab.model import edit
from netlab.plan import make_plan
from netlab.plan.endpointslices import endpoints_notes
from netlab.plan.model import LabPlan
from netlab.render.diagram import DrawnHost, DrawnService, Picture, dot
from netlab.render.dns import cluster_zone
from netlab.render.iptables import render_iptables
from netlab.render.ipvs import RealServer, render_ipvs
from netlab.render.nftables import render_nftables
from netlab.render.nftables_changes import render_nftables_changes

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "endpointslices"
NAME = "kubernetes.io/service-name"
PROXY = "service.kubernetes.io/service-proxy-name"


def _slice(
    name: str, service: str, endpoints: str, ports: str = "[{name: '', port: 9376}]", labels: str = "", kind="IPv4"
) -> str:
    return (
        f"  - {{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, addressType: {kind},\n"
        f"     metadata: {{name: {name}, labels: {{{NAME}: {service}{labels}}}}},\n"
        f"     ports: {ports}, endpoints: {endpoints}}}\n"
    )


def _service(name: str, spec: str) -> str:
    return f"  - {{apiVersion: v1, kind: Service, metadata: {{name: {name}}}, spec: {spec}}}\n"


PLAIN = "{ports: [{port: 80, targetPort: 9376}]}"
LAB = (
    """\
name: slices
cluster: {nodes: [node-1, node-2]}
outside:
  - {name: internet}
objects:
"""
    + "  - "
    + textwrap.indent(web_deployment(2, "ports: [{containerPort: 9376}]"), "    ")[4:]
    + _service("my-service", PLAIN)
    + _slice("my-service-1", "my-service", "[{addresses: [10.244.1.2]}]")
    + _service("outside", "{ports: [{port: 80}]}")
    + _slice("outside-1", "outside", "[{addresses: [203.0.113.10]}]", "[{name: '', port: 80}]")
    + _service("mirrored", PLAIN)
    + """\
  - apiVersion: v1
    kind: Endpoints
    metadata: {name: mirrored}
    subsets:
      - addresses: [{ip: 10.244.2.2}]
        notReadyAddresses: [{ip: 10.244.1.2}]
        ports: [{port: 9376}]
"""
    + _service("selected", "{selector: {app: web}, ports: [{port: 80, targetPort: 9376}]}")
    + """\
  - {apiVersion: v1, kind: Endpoints, metadata: {name: selected},
     subsets: [{addresses: [{ip: 203.0.113.10}], ports: [{port: 80}]}]}
"""
    + _slice("selected-extra", "selected", "[{addresses: [203.0.113.10]}]", "[{name: '', port: 80}]")
    + _service("db", "{clusterIP: None, ports: [{name: pg, port: 5432}]}")
    + _slice(
        "db-1",
        "db",
        "[{addresses: [10.244.1.2], hostname: primary}, {addresses: [10.244.2.2]},"
        " {addresses: [10.244.1.9], conditions: {ready: false}}]",
        "[{name: pg, port: 5432}]",
    )
    + _service("local", "{type: NodePort, externalTrafficPolicy: Local, ports: [{port: 80, targetPort: 9376}]}")
    + _slice("local-1", "local", "[{addresses: [10.244.2.2], nodeName: node-2}, {addresses: [10.244.1.2]}]")
    + _service("leaving", PLAIN)
    + _slice(
        "leaving-1",
        "leaving",
        "[{addresses: [10.244.1.2], conditions: {ready: false, serving: true, terminating: true}},"
        " {addresses: [10.244.2.2], conditions: {ready: false, serving: false, terminating: true}}]",
    )
    + _service("named", "{ports: [{name: http, port: 80}, {name: dns, port: 53, protocol: UDP}]}")
    + _slice(
        "named-1",
        "named",
        "[{addresses: [10.244.1.2]}]",
        "[{name: http, port: 8080}, {name: dns, port: 5353, protocol: TCP}, {name: other, port: 1}]",
    )
    + _slice("fqdn", "named", "[{addresses: [www.example.com]}]", kind="FQDN")
)


@pytest.fixture
def plan(make_lab) -> LabPlan:
    return make_plan(make_lab(LAB))


def endpoints(plan: LabPlan, service: str) -> list[str]:
    svc = plan.service(service)
    assert svc is not None
    return [f"{ep} {ep.pod or '-'} {ep.node or '-'}" for port in svc.ports for ep in port.endpoints]


def test_a_selectorless_service_takes_the_endpoints_of_its_slice(plan: LabPlan) -> None:
    assert endpoints(plan, "my-service") == ["10.244.1.2:9376 web-0 -"]  # a pod's IP; no nodeName: local nowhere


def test_an_endpoint_may_be_an_address_outside_the_cluster(plan: LabPlan) -> None:
    assert endpoints(plan, "outside") == ["203.0.113.10:80 - -"]


def test_an_endpoints_of_a_selectorless_service_is_mirrored_with_its_ready_addresses(plan: LabPlan) -> None:
    assert endpoints(plan, "mirrored") == ["10.244.2.2:9376 web-1 -"]  # notReadyAddresses: mirrored not ready


def test_a_selector_s_pods_merge_with_hand_made_slices_but_not_with_a_hand_made_endpoints(plan: LabPlan) -> None:
    assert endpoints(plan, "selected") == [
        "10.244.1.2:9376 web-0 node-1",
        "10.244.2.2:9376 web-1 node-2",
        "203.0.113.10:80 - -",  # from the slice: kube-proxy merges every slice labelled with the Service
    ]
    assert endpoints_notes(plan)[0] == (
        "Endpoints default/selected: Service selected has a selector, so the endpoints controller owns its "
        "Endpoints and overwrites this one (not mirrored)"
    )


def test_not_ready_endpoints_are_left_out_and_terminating_ones_stand_in_when_none_is_ready(plan: LabPlan) -> None:
    assert endpoints(plan, "db") == ["10.244.1.2:5432 web-0 -", "10.244.2.2:5432 web-1 -"]
    assert endpoints(plan, "leaving") == ["10.244.1.2:9376 web-0 -"]  # serving and terminating; not the other


def test_a_slice_port_serves_the_service_port_of_its_name_and_protocol(plan: LabPlan) -> None:
    svc = plan.service("named")
    assert svc is not None
    assert {p.name: [str(e) for e in p.endpoints] for p in svc.ports} == {"http": ["10.244.1.2:8080"], "dns": []}


def test_a_hand_made_endpoint_is_local_on_its_node_name_s_node(plan: LabPlan) -> None:
    svc = plan.service("local")
    assert svc is not None
    assert [svc.local_endpoints(node.name) for node in plan.nodes] == [0, 1]  # 10.244.1.2 names no node


def test_slices_kube_proxy_ignores_are_noted(make_lab) -> None:
    lab = make_lab(
        LAB
        + _slice("unlabelled", "x", "[{addresses: [10.244.1.2]}]").replace(f"{NAME}: x", "app: x")
        + _slice("other-proxy", "my-service", "[{addresses: [10.244.2.9]}]", labels=f", {PROXY}: foo")
        + _slice("nobody", "gone", "[{addresses: [10.244.2.9]}]")
        + _slice("virtual", "named", "[{addresses: [10.96.0.10]}]")
    )
    plan = make_plan(lab)
    assert endpoints(plan, "named") == ["10.244.1.2:8080 web-0 -"]  # the FQDN slice gives nothing
    assert endpoints(plan, "my-service") == ["10.244.1.2:9376 web-0 -"]
    assert endpoints_notes(plan)[1:] == [
        "EndpointSlice default/fqdn: kube-proxy ignores FQDN slices",
        "EndpointSlice default/unlabelled: no kubernetes.io/service-name label, so it belongs to no Service",
        "EndpointSlice default/other-proxy: labelled service.kubernetes.io/service-proxy-name, kube-proxy leaves "
        "it to that proxy",
        "EndpointSlice default/nobody: no Service gone in namespace default takes its endpoints",
        "EndpointSlice default/virtual: 10.96.0.10 is the ClusterIP of Service kube-dns, and kube-proxy does not "
        "support virtual IPs as a destination",
    ]


def test_the_dns_records_of_hand_made_endpoints_golden(plan: LabPlan, golden) -> None:
    """A headless Service answers its ready endpoints, under their hostname if they have one."""
    zone = cluster_zone(plan, 1)
    golden(GOLDEN / "cluster.zone", zone)
    assert "primary.db.default.svc IN A 10.244.1.2" in zone
    assert "_pg._tcp.db.default.svc IN SRV 0 50 5432 primary.db.default.svc.cluster.local." in zone
    assert "10-244-1-9" not in zone  # not ready


def test_the_rules_for_hand_made_endpoints_golden(plan: LabPlan, golden) -> None:
    cidr = plan.lab.cluster.pod_cidr
    golden(GOLDEN / "node-1.rules", render_iptables(plan.services, cidr, plan.nodes[0]).restore)
    golden(GOLDEN / "node-1.nft", render_nftables(plan.services, cidr, plan.lab.cluster.service_cidr, plan.nodes[0]))


def test_ipvs_takes_a_hand_made_endpoint_as_a_real_server(plan: LabPlan) -> None:
    ruleset = render_ipvs(plan.services, plan.lab.cluster.pod_cidr, plan.nodes[0])
    outside = plan.service("outside")
    assert outside is not None
    (server,) = [v for v in ruleset.virtual_servers if v.ip == outside.cluster_ip]
    assert server.reals == (RealServer(IPv4Address("203.0.113.10"), 80),)


def test_deleting_a_slice_is_a_partial_nftables_sync_of_its_service_alone(plan: LabPlan, make_lab) -> None:
    text = edit.delete(plan.lab.source.read_text(), ["endpointslice/my-service-1"])
    after = make_plan(make_lab(text))
    assert endpoints(after, "my-service") == []
    cluster = plan.lab.cluster
    changes = render_nftables_changes(plan.services, after.services, cluster.pod_cidr, cluster.service_cidr)
    touched = {word for line in changes.splitlines() for word in line.split() if "default/" in word}
    assert touched and all("my-service" in word for word in touched), changes


@pytest.mark.parametrize("ref", ["endpointslice/my-service-1", "endpointslices/my-service-1", "ep/mirrored"])
def test_kubectl_s_names_delete_them(plan: LabPlan, ref: str) -> None:
    after = yaml.safe_load(edit.delete(plan.lab.source.read_text(), [ref]))["objects"]
    assert len(after) == len(yaml.safe_load(plan.lab.source.read_text())["objects"]) - 1


def test_the_diagram_draws_an_outside_endpoint_to_its_host() -> None:
    picture = Picture(
        "slices",
        "host-gw",
        "iptables",
        (),
        (),
        (DrawnHost("internet", None),),
        (
            DrawnService(
                "outside", "default", "10.96.0.5", "80/TCP", (("203.0.113.10:80", "internet"), ("192.0.2.1:80", "?"))
            ),
        ),
    )
    drawn = dot(picture)
    assert "svc_default_outside -- host_internet" in drawn
    assert 'address_192_0_2_1 [label="192.0.2.1 (no pod)"]' in drawn


def test_the_mirroring_controller_mirrors_1000_addresses_of_a_subset_and_the_api_takes_1000_per_slice(
    make_lab,
) -> None:
    addresses = [f"10.1.{i // 250}.{i % 250 + 1}" for i in range(1001)]
    endpoints = (
        "{apiVersion: v1, kind: Endpoints, metadata: {name: many}, subsets: [{addresses: [%s], ports: [{port: 80}]}]}"
    )
    lab = make_lab(
        "name: many\ncluster: {nodes: [node-1]}\nobjects:\n"
        + _service("many", "{ports: [{port: 80}]}")
        + "  - "
        + endpoints % ", ".join(f"{{ip: {a}}}" for a in addresses)
        + "\n"
    )
    svc = make_plan(lab).service("many")
    assert svc is not None and len(svc.ports[0].endpoints) == 1000
    with pytest.raises(LabValidationError) as refused:
        make_lab(
            "name: many\ncluster: {nodes: [node-1]}\nobjects:\n"
            + _slice("many-1", "many", "[" + ", ".join(f"{{addresses: [{a}]}}" for a in addresses) + "]")
        )
    assert "EndpointSlice many-1: endpoints: holds 1001 endpoints, at most 1000 fit" in str(refused.value)
