"""The workshop commands on real labs: trace, diagram, capture, explain, verify --junit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from harness import IPVS, REPO, lab_up, netlab

LAB = "pod-to-service"


@pytest.mark.parametrize("mode", ["iptables", "nftables", IPVS])
def test_trace_shows_the_rules_the_request_met_and_the_dnat(mode: str) -> None:
    """IPVS decides outside netfilter: there the trace shows IPVS's connection entry instead."""
    with lab_up(LAB, "--proxy-mode", mode):
        done = netlab("trace", LAB, "client", "web")
        assert done.code == 0, done.err
        assert "answered by web-" in done.out
        if mode == "iptables":
            assert all(chain in done.out for chain in ("KUBE-SERVICES", "KUBE-SVC-", "KUBE-SEP-")), done.out
        elif mode == "nftables":
            assert "ip kube-proxy services" in done.out and "ip kube-proxy endpoint-" in done.out, done.out
        else:
            entry = r"IPVS connection .*: TCP \S+ \S+ 10\.244\.1\.2:\d+ 10\.108\.209\.100:80 10\.244\."
            assert re.search(entry, done.out), done.out
        assert "DNAT 10.108.209.100:80 -> 10.244." in done.out
        for node in ("node-1", "node-2"):
            tables = subprocess.run(["ip", "netns", "exec", f"nl-{LAB}.{node}", "nft", "list", "tables"],
                                    capture_output=True, text=True, timeout=30).stdout
            assert "netlab-trace" not in tables


def test_diagram_draws_the_kernels_lab_in_every_format() -> None:
    with lab_up(LAB):
        ascii_art = netlab("diagram", LAB)
        assert ascii_art.code == 0, ascii_art.err
        assert "cni0 10.244.1.1/24" in ascii_art.out and "client: eth0 10.244.1.2/24" in ascii_art.out
        assert netlab("diagram", LAB, "--format", "mermaid").out.startswith("flowchart TB")
        svg = netlab("diagram", LAB, "--format", "svg")
        assert ET.fromstring(svg.out).tag.endswith("svg")
        veth = re.search(r"(veth\w+) ══ client:", ascii_art.out).group(1)
        subprocess.run(["ip", "-n", f"nl-{LAB}.node-1", "link", "del", veth], check=True, timeout=30)
        assert "veth MISSING ══ client: eth0 MISSING" in netlab("diagram", LAB).out


def test_capture_runs_tcpdump_in_the_pod() -> None:
    with lab_up(LAB):
        capture = subprocess.Popen([sys.executable, "-m", "netlab", "capture", LAB, "web-0", "--", "-n", "-c", "2",
                                    "icmp"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(1.5)  # tcpdump listening
            netlab("exec", LAB, "client", "--", "ping", "-c", "3", "-i", "0.2", "10.244.1.3")
            out, err = capture.communicate(timeout=20)
        finally:
            capture.kill()
        assert capture.returncode == 0, err
        assert "ICMP echo request" in out and "listening on eth0" in err


def test_explains_commands_build_a_lab_by_hand() -> None:
    """pod-to-pod's script, run as it is: the namespaces, bridge and veths it makes carry a ping."""
    script = netlab("explain", "pod-to-pod")
    assert script.code == 0, script.err
    namespaces = [f"nl-pod-to-pod.{n}" for n in ("underlay", "gateway", "node-1", "pod-a", "pod-b")]
    try:
        built = subprocess.run(["sh"], input=script.out, capture_output=True, text=True, timeout=120)
        assert built.returncode == 0, built.stderr
        ping = subprocess.run(["ip", "netns", "exec", "nl-pod-to-pod.pod-a", "ping", "-c", "1", "-W", "2",
                               "10.244.1.3"], capture_output=True, text=True, timeout=30)
        assert ping.returncode == 0, ping.stdout
    finally:
        for name in namespaces:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
            subprocess.run(["rm", "-rf", f"/etc/netns/{name}"], timeout=30)
        if os.path.isdir("/etc/netns") and not os.listdir("/etc/netns"):
            os.rmdir("/etc/netns")


def test_verify_writes_a_junit_report(tmp_path: Path) -> None:
    report = tmp_path / "verify.xml"
    with lab_up("pod-to-pod"):
        done = netlab("verify", "pod-to-pod", "--junit", str(report))
        assert done.code == 0, done.err
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests")) >= 3 and suite.get("failures") == "0"
