"""Every bundled lab, in both pod-network modes: up, status from the kernel, verify, down, down."""

from __future__ import annotations

import json

import pytest
from harness import IPVS, lab_up, netlab

from netlab.model import list_labs
from netlab.plan import make_plan

LABS = [lab.name for lab in list_labs()]


CASES = [
    pytest.param(lab.name, network, mode, id=f"{lab.name}-{network}-{mode}", marks=IPVS.marks if mode == "ipvs" else ())
    for lab in list_labs()
    for network in ("host-gw", "vxlan")
    for mode in (("iptables", "nftables", "ipvs") if lab.services else (lab.cluster.proxy_mode,))
]


@pytest.mark.parametrize("lab, network, mode", CASES)
def test_lab_passes_its_checks(lab: str, network: str, mode: str) -> None:
    with lab_up(lab, "--proxy-mode", mode, network=network) as up:  # its speed: scripts/bench_up.py
        assert f"lab {lab} is up" in up.out
        verify = netlab("verify", lab, "--json")
        report = json.loads(verify.out)
        failed = [c for c in report["checks"] if not c["passed"] and not c["pending"]]
        assert verify.code == 0 and not failed, failed
        assert all(set(c) >= {"name", "from", "to", "passed", "detail"} for c in report["checks"])


@pytest.mark.parametrize("lab", LABS)
def test_status_is_read_from_the_kernel(lab: str) -> None:
    with lab_up(lab):
        status = netlab("status", lab, "--json")
        assert status.code == 0, status.err
        report = json.loads(status.out)
        plan = make_plan(next(x for x in list_labs() if x.name == lab))
        assert report["name"] == lab and report["network"] == "host-gw" and report["complete"]
        assert {p["name"]: p["ip"] for p in report["pods"]} == {p.name: str(p.ip.ip) for p in plan.pods}
        assert {n["name"]: (n["ip"], n["podCIDR"]) for n in report["nodes"]} == {
            n.name: (str(n.ip.ip), str(n.pod_cidr)) for n in plan.nodes
        }
        assert report["processes"] >= 1
        assert {s["name"]: (s["clusterIP"], s["endpoints"], s["programmed"]) for s in report["services"]} == {
            s.name: (
                str(s.cluster_ip),
                sorted({str(e) for p in s.ports for e in p.endpoints}),
                True if s.cluster_ip else None,
            )
            for s in plan.services
        }


def test_status_shows_what_the_kernel_lost() -> None:
    with lab_up("pod-to-pod"):
        netlab("exec", "pod-to-pod", "pod-b", "--", "ip", "addr", "flush", "dev", "eth0")
        pods = {p["name"]: p for p in json.loads(netlab("status", "pod-to-pod", "--json").out)["pods"]}
        assert pods["pod-a"]["ip"] == "10.244.1.2"
        assert pods["pod-b"]["ip"] is None
        verify = netlab("verify", "pod-to-pod")
        assert verify.code == 1 and "FAIL" in verify.out


def test_down_twice_is_a_no_op() -> None:
    with lab_up("pod-to-pod"):
        pass
    again = netlab("down", "pod-to-pod")
    assert again.code == 0 and "not up" in again.out
