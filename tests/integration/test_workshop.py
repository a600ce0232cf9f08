"""The workshop commands on real labs: trace, diagram, capture, explain, verify --junit."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from harness import IPVS, NETLAB, lab_up, leftovers, netlab

from netlab.kernel import procs
from netlab.model import find_lab, list_labs, load_lab
from netlab.plan import make_plan
from netlab.render.explain import RUN_DIR
from netlab.verify import judge

LAB = "pod-to-service"
BY_HAND = Path(RUN_DIR)  # an explain script's run directory: a folder per lab with logs, pids, zones


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
            tables = subprocess.run(
                ["ip", "netns", "exec", f"nl-{LAB}.{node}", "nft", "list", "tables"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout
            assert "netlab-trace" not in tables


def test_diagram_draws_the_kernels_lab_in_every_format() -> None:
    with lab_up(LAB):
        ascii_art = netlab("diagram", LAB)
        assert ascii_art.code == 0, ascii_art.err
        assert "cni0 10.244.1.1/24" in ascii_art.out and "client: eth0 10.244.1.2/24" in ascii_art.out
        assert netlab("diagram", LAB, "--format", "mermaid").out.startswith("flowchart TB")
        svg = netlab("diagram", LAB, "--format", "svg")
        assert ET.fromstring(svg.out).tag.endswith("svg")
        drawn = re.search(r"(veth\w+) ══ client:", ascii_art.out)
        assert drawn, ascii_art.out
        veth = drawn.group(1)
        subprocess.run(["ip", "-n", f"nl-{LAB}.node-1", "link", "del", veth], check=True, timeout=30)
        assert "veth MISSING ══ client: eth0 MISSING" in netlab("diagram", LAB).out


def test_capture_runs_tcpdump_in_the_pod() -> None:
    with lab_up(LAB):
        capture = subprocess.Popen(
            [NETLAB, "capture", LAB, "web-0", "--", "-n", "-c", "2", "icmp"],
            cwd="/",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            time.sleep(1.5)  # tcpdump listening
            netlab("exec", LAB, "client", "--", "ping", "-c", "3", "-i", "0.2", "10.244.1.3")
            out, err = capture.communicate(timeout=20)
        finally:
            capture.kill()
        assert capture.returncode == 0, err
        assert "ICMP echo request" in out and "listening on eth0" in err


@pytest.mark.parametrize("lab", [lab.name for lab in list_labs()])  # each in its own modes
def test_explains_commands_build_a_lab_by_hand(lab: str) -> None:
    """The script, run as it is where the lab is not up, builds a lab whose own checks pass (judged
    from the plan: a lab built by hand has no state directory), its workloads' pids recorded; the
    teardown in its header then leaves nothing. Whatever happens, the test removes what it made.
    `env:` checks are not run: they ask `netlab exec`, which needs the lab's state (`up`)."""
    plan = make_plan(load_lab(find_lab(lab)))
    namespaces = plan.all_netns()
    wait_until_not_up(lab, namespaces)
    script = netlab("explain", lab)
    assert script.code == 0, script.err
    try:
        built = subprocess.run(["sh"], input=script.out, capture_output=True, text=True, timeout=120)
        assert built.returncode == 0, built.stderr
        started = procs.pids_in(namespaces)
        recorded = {int(f.read_text()) for f in (BY_HAND / lab).glob("*.pid")}
        assert recorded and recorded <= started  # and nginx's workers, its master's children
        verdicts = [judge(plan, check) for check in plan.lab.checks if check.kind != "env"]
        assert [f"{v.name}: {v.detail}" for v in verdicts if not v.passed] == []
        header = script.out.partition("\nset -e\n")[0].splitlines()
        teardown = "\n".join(line.removeprefix("#   ") for line in header if line.startswith("#   "))
        done = subprocess.run(["sh", "-ec", teardown], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 5
        while any(procs.alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in started if procs.alive(pid)] == []
        assert leftovers(lab, namespaces) == [] and not BY_HAND.exists()
    finally:
        remove_by_hand(lab, namespaces)


def wait_until_not_up(lab: str, namespaces: list[str], within: float = 300) -> None:
    """Other tests may have the lab up (its namespaces' names are the script's): wait for it to go."""
    deadline = time.monotonic() + within
    while leftovers(lab, namespaces):
        if time.monotonic() > deadline:
            pytest.fail(f"{lab} stayed up for {within:.0f} s; the test builds it by hand: {leftovers(lab, namespaces)}")
        time.sleep(1)


def remove_by_hand(lab: str, namespaces: list[str]) -> None:
    """What an explain script made, even if it stopped halfway: the processes in the lab's
    namespaces (the workloads it started), the namespaces, their /etc files, its run directory,
    and /etc/netns and that directory's parent if they are left empty."""
    procs.stop(procs.pids_in(namespaces))
    for name in namespaces:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
        shutil.rmtree(f"/etc/netns/{name}", ignore_errors=True)
    shutil.rmtree(BY_HAND / lab, ignore_errors=True)
    for folder in ("/etc/netns", BY_HAND):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def test_verify_writes_a_junit_report(tmp_path: Path) -> None:
    report = tmp_path / "verify.xml"
    with lab_up("pod-to-pod"):
        done = netlab("verify", "pod-to-pod", "--junit", str(report))
        assert done.code == 0, done.err
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) >= 3 and suite.get("failures") == "0"
