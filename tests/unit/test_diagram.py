"""netlab.render.diagram: a lab's picture as ascii (golden), Mermaid and Graphviz (structure, and
`dot` itself parses it when installed), with what the kernel lost shown as missing."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from netlab.render.diagram import DrawnHost, DrawnNode, DrawnPod, DrawnService, Iface, Picture, ascii_art, dot, mermaid

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "diagram"

PICTURE = Picture(
    lab="pod-to-service",
    network="host-gw",
    proxy_mode="iptables",
    nodes=(
        DrawnNode(
            "node-1",
            Iface("eth0", ("192.168.56.11/24",)),
            (Iface("cni0", ("10.244.1.1/24",)),),
            ("default via 192.168.56.1 dev eth0", "10.244.1.0/24 dev cni0", "10.244.2.0/24 via 192.168.56.12 dev eth0"),
        ),
        DrawnNode(
            "node-2",
            Iface("eth0", ("192.168.56.12/24",)),
            (Iface("cni0", ("10.244.2.1/24",)),),
            ("10.244.1.0/24 via 192.168.56.11 dev eth0", "10.244.2.0/24 dev cni0"),
        ),
    ),
    pods=(
        DrawnPod("client", "node-1", Iface("eth0", ("10.244.1.2/24",)), Iface("veth1f2e3d4c")),
        DrawnPod("web-0", "node-1", Iface("eth0", ("10.244.1.3/24",)), Iface("veth9a8b7c6d")),
        DrawnPod("web-1", "node-2", None, None),
    ),
    hosts=(DrawnHost("gateway", Iface("eth0", ("192.168.56.1/24",))),),
    services=(
        DrawnService(
            "web", "default", "10.108.209.100", "80/TCP", (("10.244.1.3:8080", "web-0"), ("10.244.2.2:8080", "web-1"))
        ),
    ),
)


def test_ascii_golden(golden) -> None:
    golden(GOLDEN / "pod-to-service.txt", ascii_art(PICTURE))


def test_what_the_kernel_lost_shows_as_missing() -> None:
    text = ascii_art(PICTURE)
    assert "veth MISSING ══ web-1: eth0 MISSING" in text


def test_mermaid_has_a_subgraph_per_node_and_the_service_edges() -> None:
    text = mermaid(PICTURE)
    assert text.startswith("flowchart TB\n")
    assert text.count("subgraph ") == 2 and text.count("\n  end") == 2
    assert 'svc_default_web{{"Service web<br/>ClusterIP 10.108.209.100 80/TCP"}}' in text
    assert 'node_1_cni0 ---|"veth1f2e3d4c"| pod_client' in text and "underlay --- node_1_eth0" in text
    assert 'svc_default_web -.->|"10.244.2.2:8080"| pod_web_1' in text


def test_dot_is_a_graph_with_a_cluster_per_node() -> None:
    text = dot(PICTURE)
    assert text.startswith('graph "pod-to-service" {') and text.rstrip().endswith("}")
    assert text.count("subgraph cluster_node_") == 2
    assert 'svc_default_web -- pod_web_1 [label="10.244.2.2:8080", style=dashed];' in text


def test_graphviz_draws_it_as_svg() -> None:
    """Graphviz is one of netlab's tools (scripts/provision.sh installs it)."""
    assert shutil.which("dot"), "Graphviz's dot is missing: run scripts/provision.sh"
    done = subprocess.run(["dot", "-Tsvg"], input=dot(PICTURE), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    svg = ET.fromstring(done.stdout)
    assert svg.tag.endswith("svg") and "10.244.2.2:8080" in done.stdout
