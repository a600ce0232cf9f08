"""LoadBalancer Services in real namespaces (lab ingress-loadbalancer), beyond the lab's own checks:
the cloud's load balancer routes each LB IP to the nodes its health checks pass, and follows a
scale; under policy Cluster no pod ever sees the client's address; a LoadBalancer Service applied to
the running lab gets its IP and its way in, and gives them back when deleted (the lab's first one
brings the cloud's load balancer). In every proxy mode (IPVS where the kernel has it)."""

from __future__ import annotations

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


def _routes(netns_name: str, ip: str) -> str:
    return subprocess.run(
        ["ip", "-n", netns_name, "route", "show", f"{ip}/32"], capture_output=True, text=True, timeout=10
    ).stdout


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_a_load_balancer_applied_live_gets_an_ip_and_gives_it_back(mode: str, tmp_path) -> None:
    """`apply` a LoadBalancer Service into the running lab: the cloud hands it the next free IP
    (the older Services keep theirs, though `admin` sorts first), routes it, and the internet
    reaches it; `delete` takes the IP back."""
    manifest = tmp_path / "admin.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: admin}\n"
        "spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 81, targetPort: 8080}]}\n"
    )
    with lab_up(LAB, "--proxy-mode", mode):
        applied = netlab("apply", LAB, "-f", str(manifest))
        assert applied.code == 0, applied.err
        assert "LoadBalancer IP 198.51.100.202 handed out to default/admin" in applied.out, applied.out
        assert _backends("198.51.100.202") == {"node-1", "node-2", "node-3"}
        assert set(_seen_from_internet("http://198.51.100.202:81/hostname", 4)) <= {"web-0", "web-1"}
        assert set(_seen_from_internet("http://198.51.100.200/hostname", 2)) <= {"web-0", "web-1"}
        deleted = netlab("delete", LAB, "svc/admin")
        assert deleted.code == 0 and "LoadBalancer IP 198.51.100.202 taken back" in deleted.out, deleted
        assert not _routes(CLOUD_LB, "198.51.100.202") and not _routes(f"nl-{LAB}.gateway", "198.51.100.202")
        assert _seen_from_internet("http://198.51.100.202:81/hostname", 1) == [""]
        assert set(_seen_from_internet("http://198.51.100.201/hostname", 2)) <= {"web-0", "web-1"}


WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
"""


def test_the_first_load_balancer_brings_the_cloud_and_the_last_takes_it_away(tmp_path) -> None:
    """In a lab without LoadBalancer Services (egress) there is no cloud load balancer; the first
    one applied brings it (its namespace on the underlay), deleting it takes it away again."""
    lab, cloud_lb = "egress", "nl-egress.cloud-lb"
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    with lab_up(lab):
        assert cloud_lb not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        applied = netlab("apply", lab, "-f", str(manifest))
        assert applied.code == 0, applied.err
        assert cloud_lb in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        got = [
            r.out.strip()
            for r in repeat(lab, "internet", ["curl", "-s", "-m", "2", "http://198.51.100.200/hostname"], 4)
        ]
        assert set(got) <= {"web-0", "web-1"} and got, got
        assert netlab("delete", lab, "svc/web").code == 0
        assert cloud_lb not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert not _routes(f"nl-{lab}.gateway", "198.51.100.200")


def test_a_failed_change_takes_its_load_balancer_back(tmp_path) -> None:
    """The first LoadBalancer Service comes with a pod whose command cannot run: the change rolls
    back after the cloud made its load balancer, which goes again with the IP's routes."""
    lab, cloud_lb = "egress", "nl-egress.cloud-lb"
    manifest = tmp_path / "web.yaml"
    manifest.write_text(
        WEB + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\n"
        "spec: {containers: [{name: main, command: [/no/such/program]}]}\n"
    )
    with lab_up(lab):
        failed = netlab("apply", lab, "-f", str(manifest))
        assert failed.code != 0 and "/no/such/program" in failed.err, failed
        assert cloud_lb not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert not _routes(f"nl-{lab}.gateway", "198.51.100.200")
