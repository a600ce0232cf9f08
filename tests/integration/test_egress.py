"""The way out of the cluster, in real namespaces (lab egress): what the lab's own checks do not
show. Without the node's masquerade the internet gateway drops the pod's packet (the article's
step 3); conntrack in the node and in the gateway holds one translation each (step 6); the lab's
checks pass with every proxy mode's rules in place (IPVS where the kernel has it)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from harness import PROXY_MODES, lab_up, netlab

NODE, GATEWAY = "nl-egress.node-1", "nl-egress.gateway"
SERVER = "203.0.113.10"


def _in(netns_name: str, *argv: str) -> str:
    return subprocess.run(["ip", "netns", "exec", netns_name, *argv], capture_output=True, text=True, timeout=30).stdout


def _curl(path: str) -> tuple[int, str]:
    done = netlab("exec", "egress", "client-1", "--", "curl", "-s", "-m", "2", f"http://{SERVER}{path}")
    return done.code, done.out.strip()


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_the_egress_checks_pass_beside_every_proxy_mode(mode: str) -> None:
    with lab_up("egress", "--proxy-mode", mode):
        verify = json.loads(netlab("verify", "egress", "--json").out)
        assert [c["name"] for c in verify["checks"] if not c["passed"] and not c["pending"]] == []


def test_conntrack_in_the_node_and_in_the_gateway_holds_one_translation_each() -> None:
    with lab_up("egress"):
        code, seen = _curl("/clientip")
        assert code == 0 and seen.startswith("198.51.100.11:"), seen
        (node,) = [
            line
            for line in _in(NODE, "conntrack", "-L", "-p", "tcp", "--orig-dst", SERVER).splitlines()
            if "src=10.244.1.2" in line
        ]
        # original: pod -> server; reply: server -> the node's own address (the node's SNAT)
        assert re.search(rf"src=10\.244\.1\.2 dst={SERVER} .* src={SERVER} dst=192\.168\.56\.11 ", node), node
        (gateway,) = [
            line
            for line in _in(GATEWAY, "conntrack", "-L", "-p", "tcp", "--orig-dst", SERVER).splitlines()
            if "src=192.168.56.11" in line
        ]
        # original: node -> server; reply: server -> the node's public IP (the gateway's 1:1 SNAT)
        assert re.search(rf"src=192\.168\.56\.11 dst={SERVER} .* src={SERVER} dst=198\.51\.100\.11 ", gateway), gateway


def test_without_the_nodes_masquerade_the_internet_gateway_drops_the_pod() -> None:
    with lab_up("egress"):
        _in(NODE, "iptables", "-t", "nat", "-I", "IP-MASQ-AGENT", "-d", f"{SERVER}/32", "-j", "RETURN")
        code, _ = _curl("/hostname")
        assert code != 0
        dropped = _in(GATEWAY, "iptables", "-L", "FORWARD", "-v", "-n", "-x")
        (rule,) = [line for line in dropped.splitlines() if "DROP" in line]
        assert int(rule.split()[0]) > 0, dropped
