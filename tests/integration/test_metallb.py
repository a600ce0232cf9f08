"""MetalLB's layer 2 mode in real namespaces (lab ingress-metallb): exactly one node, the elected
one, holds and announces each LoadBalancer IP, and the gateway learns that node's MAC; with no
endpoint nobody announces, and the IP comes back (gratuitous ARP) when pods do. In IPVS mode the
nodes run with kube-proxy's strictARP, or every node would answer for kube-ipvs0's addresses."""

from __future__ import annotations

import subprocess

import pytest
from harness import PROXY_MODES, lab_up, netlab

from netlab.model import find_lab, load_lab
from netlab.plan import make_plan
from netlab.plan.metallb import announcer

LAB = "ingress-metallb"
LB_IP = "198.51.100.200"


def _ip(netns_name: str, *argv: str) -> str:
    return subprocess.run(["ip", "-n", netns_name, *argv], capture_output=True, text=True, timeout=10).stdout


def _holders(ip: str = LB_IP) -> set[str]:
    """The nodes whose eth0 holds the IP (in IPVS mode every node's kube-ipvs0 holds it too)."""
    return {
        n for n in ("node-1", "node-2", "node-3") if f"{ip}/32" in _ip(f"nl-{LAB}.{n}", "-br", "addr", "show", "eth0")
    }


def _answers() -> bool:
    done = netlab("exec", LAB, "internet", "--", "curl", "-s", "-m", "2", f"http://{LB_IP}/hostname")
    return done.code == 0 and done.out.strip() in {"web-0", "web-1"}


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_one_elected_node_announces_each_load_balancer_ip(mode: str) -> None:
    plan = make_plan(load_lab(find_lab(LAB)), proxy_mode=mode)
    elected = announcer(next(s for s in plan.services if str(s.load_balancer_ip) == LB_IP), plan.nodes)
    assert elected is not None
    with lab_up(LAB, "--proxy-mode", mode):
        assert _holders() == {elected.name}
        assert _answers()
        assert elected.mac in _ip(f"nl-{LAB}.gateway", "neigh", "show", LB_IP)
        if mode == "ipvs":
            for node in plan.nodes:
                sysctl = subprocess.run(
                    ["ip", "netns", "exec", node.netns, "sysctl", "-n", "net.ipv4.conf.all.arp_ignore"],
                    capture_output=True,
                    text=True,
                ).stdout
                assert sysctl.strip() == "1", node.name
        assert netlab("scale", LAB, "web", "0").code == 0
        assert _holders() == set() and not _answers()
        assert netlab("scale", LAB, "web", "2").code == 0
        assert _holders() == {elected.name} and _answers()
        assert elected.mac in _ip(f"nl-{LAB}.gateway", "neigh", "show", LB_IP)


def test_a_load_balancer_applied_live_is_announced_and_withdrawn(tmp_path) -> None:
    """A LoadBalancer Service `apply`d to the running lab: MetalLB hands it the next free IP and
    the elected node announces it; `delete` takes it off that node."""
    manifest = tmp_path / "admin.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: admin}\n"
        "spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 81, targetPort: 8080}]}\n"
    )
    with lab_up(LAB):
        assert netlab("apply", LAB, "-f", str(manifest)).code == 0
        assert len(_holders("198.51.100.202")) == 1
        got = netlab("exec", LAB, "internet", "--", "curl", "-s", "-m", "2", "http://198.51.100.202:81/hostname")
        assert got.out.strip() in {"web-0", "web-1"}, got
        assert netlab("delete", LAB, "svc/admin").code == 0
        assert _holders("198.51.100.202") == set() and _holders() != set()
