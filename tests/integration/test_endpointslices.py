"""Services without selectors, in a running lab: EndpointSlices and Endpoints applied by hand
(`netlab apply -f`), programmed by kube-proxy's rules on every node, proved with real traffic: the
Kubernetes docs' example to two pods, a slice to a host on the lab's internet (kube-proxy DNATs
to it, the node masquerades, it answers), an Endpoints mirrored to a slice, cluster DNS answering
a headless Service's hand-made endpoints by their hostname, and a Service whose slice is deleted
refusing connections as kube-proxy's REJECT does. IPVS where the kernel has it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import PROXY_MODES, REPO, lab_up, netlab, repeat

DOCS = REPO / "tests" / "manifests" / "k8s-docs"
LAB = """\
name: slices
cluster: {nodes: [node-1, node-2]}
outside:
  - {name: internet}                  # 203.0.113.10, an echo server on port 80
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2                     # web-0 on node-1 (10.244.1.2), web-1 on node-2 (10.244.2.2)
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, ports: [{containerPort: 9376}]}]}
  - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {nodeName: node-1, containers: [{name: client}]}}
"""


def _slice(service: str, port: str, endpoints: str) -> str:
    """An EndpointSlice `<service>-1` for the Service: one port (YAML flow), its endpoints (YAML flow)."""
    return f"""\
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: {service}-1, labels: {{kubernetes.io/service-name: {service}}}}}
addressType: IPv4
ports: [{port}]
endpoints: {endpoints}
---
"""


MANIFESTS = (
    """\
apiVersion: v1
kind: Service
metadata: {name: outside}
spec: {ports: [{port: 80}]}
---
"""
    + _slice("outside", "{name: '', port: 80}", "[{addresses: [203.0.113.10]}]")
    + """\
apiVersion: v1
kind: Service
metadata: {name: mirrored}
spec: {ports: [{port: 80, targetPort: 9376}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: mirrored}
subsets: [{addresses: [{ip: 10.244.2.2}], notReadyAddresses: [{ip: 10.244.1.2}], ports: [{port: 9376}]}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, ports: [{name: pg, port: 5432}]}
---
"""
    + _slice("db", "{name: pg, port: 5432}", "[{addresses: [10.244.2.2], hostname: primary}]")
)


def _curl(url: str) -> tuple[int, str, str]:
    done = netlab("exec", "slices", "client", "--", "curl", "-sS", "--max-time", "3", url)
    return done.code, done.out, done.err


def _dig(name: str) -> list[str]:
    done = netlab("exec", "slices", "client", "--", "dig", "+short", "+time=2", "+tries=2", name)
    return sorted(done.out.split())


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_hand_made_endpoints_get_the_traffic(tmp_path: Path, mode: str) -> None:
    lab = tmp_path / "slices.yaml"
    lab.write_text(LAB)
    extra = tmp_path / "more.yaml"
    extra.write_text(MANIFESTS)
    with lab_up(str(lab), "--proxy-mode", mode):
        applied = netlab("apply", "slices", "-f", str(DOCS / "service-without-selector.yaml"))
        assert applied.code == 0, applied.err
        assert "default/my-service" in applied.out and "10.244.2.2:9376 (web-1)" in applied.out, applied.out
        # the docs: "traffic is routed to one of the two endpoints defined in the EndpointSlice manifest"
        answers = {
            run.out for run in repeat("slices", "client", ["curl", "-s", "-m", "3", "http://my-service/hostname"], 12)
        }
        assert answers == {"web-0", "web-1"}, answers

        applied = netlab("apply", "slices", "-f", str(extra))
        assert applied.code == 0, applied.err
        # an address outside the cluster: DNAT to the internet host, which sees the node's public IP
        assert _curl("http://outside/hostname")[:2] == (0, "internet")
        code, seen, err = _curl("http://outside/clientip")
        assert code == 0 and seen.startswith("198.51.100.11:"), (seen, err)
        # the Endpoints, mirrored: its ready address only
        assert {
            run.out for run in repeat("slices", "client", ["curl", "-s", "-m", "3", "http://mirrored/hostname"], 6)
        } == {"web-1"}
        # cluster DNS: a headless Service's hand-made endpoint, under its hostname
        assert _dig("db.default.svc.cluster.local") == ["10.244.2.2"]
        assert _dig("primary.db.default.svc.cluster.local") == ["10.244.2.2"]
        services = {s["name"]: s for s in json.loads(netlab("status", "slices", "--json").out)["services"]}
        assert services["outside"]["endpoints"] == ["203.0.113.10:80"], services["outside"]

        # the slice deleted: no endpoints, and kube-proxy rejects the connection at once
        deleted = netlab("delete", "slices", "endpointslice/my-service-1")
        assert deleted.code == 0, deleted.err
        code, _, err = _curl("http://my-service/hostname")
        assert code == 7, (code, err)  # refused (curl's 7: couldn't connect), not a timeout (28)
        deleted = netlab("delete", "slices", "ep/mirrored")
        assert deleted.code == 0, deleted.err
        assert _curl("http://mirrored/hostname")[0] == 7
        assert netlab("delete", "slices", "endpointslices/db-1").code == 0
        assert _dig("db.default.svc.cluster.local") == []  # a headless Service without endpoints: NXDOMAIN


LOCAL = (
    """\
apiVersion: v1
kind: Service
metadata: {name: local}
spec: {type: NodePort, externalTrafficPolicy: Local, ports: [{port: 80, targetPort: 9376, nodePort: 30090}]}
---
"""
    + _slice(
        "local", "{name: '', port: 9376}", "[{addresses: [10.244.2.2], nodeName: node-2}, {addresses: [10.244.1.2]}]"
    )
    + """\
apiVersion: v1
kind: Endpoints
metadata: {name: web-owned}
subsets: [{addresses: [{ip: 203.0.113.10}], ports: [{port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web-owned}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 9376}]}
"""
)


def _from_internet(url: str) -> tuple[int, str]:
    done = netlab("exec", "slices", "internet", "--", "curl", "-s", "--max-time", "2", url)
    return done.code, done.out


def test_status_diagram_and_trace_show_an_outside_endpoint(tmp_path: Path) -> None:
    lab = tmp_path / "slices.yaml"
    lab.write_text(LAB)
    extra = tmp_path / "more.yaml"
    extra.write_text(MANIFESTS + LOCAL)
    with lab_up(str(lab)):
        applied = netlab("apply", "slices", "-f", str(extra))
        assert applied.code == 0, applied.err
        assert "note: Endpoints default/web-owned: Service web-owned has a selector" in applied.out, applied.out
        assert _curl("http://web-owned/hostname")[1] in ("web-0", "web-1")  # its pods, not the Endpoints' host
        # policy Local: an endpoint is local where its nodeName says (kube-proxy), not where its pod runs
        assert _from_internet("http://198.51.100.12:30090/hostname") == (0, "web-1")
        assert _from_internet("http://198.51.100.11:30090/hostname")[0] == 28  # node-1 has none: dropped
        status = netlab("status", "slices")
        assert status.code == 0 and "203.0.113.10:80" in status.out, status.out
        drawn = netlab("diagram", "slices")
        assert drawn.code == 0 and "203.0.113.10:80 (internet)" in drawn.out, drawn.out
        assert netlab("diagram", "slices", "--format", "dot").code == 0
        traced = netlab("trace", "slices", "client", "outside", "--port", "80")
        assert traced.code == 0, traced.err
        assert "203.0.113.10:80" in traced.out, traced.out
