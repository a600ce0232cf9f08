"""netlab.render.dns: cluster DNS's records as CoreDNS's kubernetes plugin answers them (zone
goldens per lab, and the rules of docs/cluster-dns.md one by one), and the internet's zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from dnslib import QTYPE, RR

from netlab.model import load_lab
from netlab.plan import make_plan
from netlab.render.dns import cluster_zone, internet_zone

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "dns"
DNS_LABS = [p for p in sorted((REPO / "labs").glob("*.yaml")) if load_lab(p).cluster.dns]
SERIAL = 1

LAB = """\
    name: records
    cluster: {nodes: [node-1, node-2]}
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: db, namespace: shop}
        spec:
          replicas: 3
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec: {containers: [{name: db, ports: [{name: pg, containerPort: 5432}]}]}
      - {apiVersion: v1, kind: Service, metadata: {name: db, namespace: shop},
         spec: {clusterIP: None, selector: {app: db}, ports: [{name: pg, port: 5432}]}}
      - {apiVersion: v1, kind: Service, metadata: {name: empty, namespace: shop},
         spec: {clusterIP: None, selector: {app: none}, ports: [{port: 80}]}}
      - {apiVersion: v1, kind: Service, metadata: {name: web},
         spec: {clusterIP: 10.96.44.201, selector: {app: db},
                ports: [{name: http, port: 80, targetPort: 5432}, {name: https, port: 443, targetPort: 5432}]}}
      - {apiVersion: v1, kind: Service, metadata: {name: out},
         spec: {type: ExternalName, externalName: www.example.com}}
"""


def records(text: str) -> dict[str, list[str]]:
    """owner -> ["TYPE rdata", ...], as dnslib (the server's parser) reads the zone."""
    found: dict[str, list[str]] = {}
    for rr in RR.fromZone(text):
        found.setdefault(str(rr.rname), []).append(f"{QTYPE[rr.rtype]} {rr.rdata}")
    return found


@pytest.fixture
def zone(make_lab) -> dict[str, list[str]]:
    return records(cluster_zone(make_plan(make_lab(LAB)), SERIAL))


@pytest.mark.parametrize("path", DNS_LABS, ids=[p.stem for p in DNS_LABS])
def test_cluster_zone_golden(path: Path, golden) -> None:
    golden(GOLDEN / f"{path.stem}.zone", cluster_zone(make_plan(load_lab(path)), SERIAL))


def test_every_zone_golden_has_its_lab() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.zone") if "." not in p.stem) == [p.stem for p in DNS_LABS]


def test_a_clusterip_service_has_a_and_srv_per_named_port_and_all_on_the_bare_name(zone) -> None:
    assert zone["web.default.svc.cluster.local."][0] == "A 10.96.44.201"
    assert zone["_http._tcp.web.default.svc.cluster.local."] == ["SRV 0 100 80 web.default.svc.cluster.local."]
    assert zone["web.default.svc.cluster.local."][1:] == [
        "SRV 0 50 80 web.default.svc.cluster.local.",
        "SRV 0 50 443 web.default.svc.cluster.local.",
    ]


def test_a_headless_service_answers_with_its_endpoints_and_srv_per_endpoint(zone) -> None:
    """Three ready pods: three A records, SRV weight 100/3 = 33 (CoreDNS's floor(100/n))."""
    db = zone["db.shop.svc.cluster.local."]
    assert [r for r in db if r.startswith("A ")] == ["A 10.244.1.2", "A 10.244.1.3", "A 10.244.2.2"]
    assert zone["_pg._tcp.db.shop.svc.cluster.local."] == [
        f"SRV 0 33 5432 {ip}.db.shop.svc.cluster.local." for ip in ("10-244-1-2", "10-244-1-3", "10-244-2-2")
    ]
    assert zone["10-244-2-2.db.shop.svc.cluster.local."] == ["A 10.244.2.2"]


def test_a_headless_service_without_endpoints_has_no_records_at_all(zone) -> None:
    """So it is NXDOMAIN, as in CoreDNS; a ClusterIP Service without endpoints keeps its A."""
    assert not [name for name in zone if "empty.shop" in name]


def test_externalname_is_a_cname_and_nothing_else(zone) -> None:
    assert zone["out.default.svc.cluster.local."] == ["CNAME www.example.com."]
    assert not [name for name in zone if name.startswith("_") and ".out." in name]


def test_reverse_records_name_the_service_and_each_endpoint(zone) -> None:
    assert zone["201.44.96.10.in-addr.arpa."] == ["PTR web.default.svc.cluster.local."]
    assert zone["3.1.244.10.in-addr.arpa."] == ["PTR 10-244-1-3.db.shop.svc.cluster.local."]


def test_the_zone_carries_coredns_soa_version_and_ttl(zone, make_lab) -> None:
    assert zone["cluster.local."] == ["SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5"]
    assert zone["dns-version.cluster.local."] == ['TXT "1.1.0"']
    ttls = {rr.ttl for rr in RR.fromZone(cluster_zone(make_plan(make_lab(LAB)), SERIAL)) if rr.rtype != 16}
    assert ttls == {5}


def test_kube_dns_53_over_udp_and_tcp_is_one_bare_srv_record(bundled_lab) -> None:
    zone = records(cluster_zone(make_plan(bundled_lab("pod-to-service")), SERIAL))
    assert zone["kube-dns.kube-system.svc.cluster.local."][1:] == [
        "SRV 0 50 53 kube-dns.kube-system.svc.cluster.local.",
        "SRV 0 50 9153 kube-dns.kube-system.svc.cluster.local.",
    ]


def test_the_internet_zone_has_each_domain_with_its_soa(bundled_lab, golden) -> None:
    text = internet_zone(make_plan(bundled_lab("service-discovery")), SERIAL)
    golden(GOLDEN / "service-discovery.internet.zone", text)
    zone = records(text)
    assert zone["www.example.com."] == zone["example.org."][1:] == ["A 203.0.113.10"]
    assert set(zone) == {"example.com.", "www.example.com.", "example.org."}
