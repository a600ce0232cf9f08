"""LoadBalancer Services in real namespaces (lab ingress-loadbalancer), beyond the lab's own checks:
the cloud's load balancer routes each LB IP to the nodes its health checks pass, and follows a
scale; under policy Cluster no pod ever sees the client's address; a change that would need a new
LB IP is refused before anything changes. In every proxy mode (IPVS where the kernel has it)."""

from __future__ import annotations

import json
import subprocess

import pytest
from harness import PROXY_MODES, lab_up, netlab, repeat

LAB = "ingress-loadbalancer"
CLOUD_LB = f"nl-{LAB}.cloud-lb"
NODE_IPS = {"192.168.56.11": "node-1", "192.168.56.12": "node-2", "192.168.56.13": "node-3"}


def _backends(lb_ip: str) -> set[str]:
    """The nodes the load balancer's ECMP route for `lb_ip` names."""
    shown = subprocess.run(
        ["ip", "-n", CLOUD_LB, "route", "show", f"{lb_ip}/32"], capture_output=True, text=True, timeout=10
    ).stdout
    return {NODE_IPS[word] for word in shown.split() if word in NODE_IPS}


def _seen_from_internet(url: str, times: int) -> list[str]:
    return [got.out.strip() for got in repeat(LAB, "internet", ["curl", "-s", "-m", "2", url], times)]


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_the_load_balancer_follows_the_health_checks(mode: str) -> None:
    with lab_up(LAB, "--proxy-mode", mode):
        assert _backends("198.51.100.200") == {"node-1", "node-2", "node-3"}  # Cluster: every node
        assert _backends("198.51.100.201") == {"node-1", "node-2"}  # Local: nodes with a pod
        assert netlab("scale", LAB, "web", "3").code == 0  # web-2 lands on node-3
        assert _backends("198.51.100.201") == {"node-1", "node-2", "node-3"}
        assert netlab("scale", LAB, "web", "1").code == 0
        assert _backends("198.51.100.201") == {"node-1"}
        assert set(_seen_from_internet("http://198.51.100.201/hostname", 8)) == {"web-0"}


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_policy_cluster_hides_the_client_behind_a_node(mode: str) -> None:
    with lab_up(LAB, "--proxy-mode", mode):
        seen = {s.rsplit(":", 1)[0] for s in _seen_from_internet("http://198.51.100.200/clientip", 12)}
        assert seen and not seen & {"203.0.113.10", ""}, seen
        assert seen <= {*NODE_IPS, "10.244.1.1", "10.244.2.1"}, seen  # a node's eth0, or cni0 of the pod's node


def test_a_change_that_needs_a_new_load_balancer_ip_is_refused(tmp_path) -> None:
    with lab_up(LAB):
        manifest = tmp_path / "more.yaml"
        manifest.write_text(
            "apiVersion: v1\nkind: Service\nmetadata: {name: more}\n"
            "spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 81, targetPort: 8080}]}\n"
        )
        before = netlab("status", LAB, "--json").out
        refused = netlab("apply", LAB, "-f", str(manifest))
        assert refused.code == 2 and "netlab down" in refused.err and len(refused.err.strip().splitlines()) == 1
        assert json.loads(netlab("status", LAB, "--json").out)["services"] == json.loads(before)["services"]
